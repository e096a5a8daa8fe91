"""What the TUI remembers between runs.

Per database (in its settings table): the filter, the sort and the paper the
cursor was on. Per user (a small JSON file beside the config file): the theme,
which is a matter of taste and terminal, not of one queue.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from readq.models import FILTERS, ORDERS


def remembered_view(saved: str | None) -> dict[str, Any]:
    """QueueScreen arguments from the `view` setting; anything odd is dropped."""
    try:
        view = json.loads(saved) if saved else {}
    except ValueError:
        return {}
    if not isinstance(view, dict):
        return {}
    found: dict[str, Any] = {}
    if view.get("filter") in FILTERS:
        found["filter"] = view["filter"]
    if view.get("sort") in ORDERS:
        found["sort"] = view["sort"]
    if isinstance(view.get("paper"), int):
        found["paper_id"] = view["paper"]
    return found


class UiState:
    """A few user-wide settings in a JSON file; a file that cannot be read or
    written costs the setting (and says so), never the session."""

    def __init__(self, path: Path):
        self.path = path
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        self._data: dict[str, Any] = data if isinstance(data, dict) else {}

    def get(self, key: str) -> Any:
        return self._data.get(key)

    def set(self, key: str, value: Any) -> str | None:
        """Remember `value`; the reason when it could not be written, else None."""
        from readq.privacy import ensure_private_dir, open_private

        self._data[key] = value
        try:
            ensure_private_dir(self.path.parent)
            temporary = self.path.with_name(self.path.name + ".tmp")
            with open_private(temporary, "w", encoding="utf-8") as handle:
                json.dump(self._data, handle)
            temporary.replace(self.path)
        except OSError as error:
            return f"{self.path}: {error.strerror or error}"
        return None
