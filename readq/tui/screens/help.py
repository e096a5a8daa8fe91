"""Every key binding with its description, generated from the bindings."""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close help", id="help.close")]

    def __init__(self, rows: list[tuple[str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self):
        width = max((len(key) for key, _ in self.rows), default=4) + 2
        lines = [Content.assemble(("readq keys", "bold"), "\n")]
        lines += [Content.assemble((f"{key:<{width}}", "bold"), description) for key, description in self.rows]
        lines.append(Content.assemble("\n", ("Esc or ? closes this help", "italic")))
        with VerticalScroll(classes="dialog help-dialog"):
            yield Static(Content("\n").join(lines), id="help-text")
