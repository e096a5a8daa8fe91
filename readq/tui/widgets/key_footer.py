"""Textual's footer, with the keys nobody may lose put first.

A narrow terminal cuts the footer at its right end; Help and Quit must
survive that, so they lead, and the rest follow in binding order.
"""

from __future__ import annotations

from textual.widgets import Footer

ALWAYS_SHOWN = ("help", "quit")


class KeyFooter(Footer):
    def compose(self):
        keys = list(super().compose())
        first = [key for key in keys if getattr(key, "action", None) in ALWAYS_SHOWN]
        yield from first + [key for key in keys if key not in first]
