"""Asks for a file to import; the queue screen runs the import."""

from __future__ import annotations

from pathlib import Path

from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static


class ImportDialog(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="import.cancel")]

    def compose(self):
        with Vertical(classes="dialog"):
            yield Static("Import abstracts (plain text or arXiv listing)", classes="dialog-question")
            yield Input(placeholder="path/to/abstracts.txt", id="import-path")
            yield Static("", id="import-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Import", id="import", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "import":
            self._submit()
        else:
            self.dismiss(None)

    def _submit(self) -> None:
        raw = self.query_one("#import-path", Input).value.strip()
        path = Path(raw).expanduser()
        if not raw:
            self._error("Type the path of a file to import.")
        elif not path.is_file():
            self._error(f"No such file: {path}" if not path.exists() else f"Not a file: {path}")
        else:
            self.dismiss(str(path))

    def _error(self, text: str) -> None:
        from textual.content import Content

        self.query_one("#import-error", Static).update(Content(text))

    def action_cancel(self) -> None:
        self.dismiss(None)
