"""The notes pane: a TextArea whose text is saved as it is typed.

Saves happen after a short pause in typing, when the pane loses focus, when
the selection changes and on every way out of the app. The pane never writes
to the database itself: it asks its screen through `SaveRequested`, and shows
the state it is told (saved, unsaved, failed).
"""

from __future__ import annotations

from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Static, TextArea

from readq.models import Paper
from readq.textclean import strip_control

SAVE_DELAY_SECONDS = 0.5


class NotesPane(Vertical):
    class SaveRequested(Message):
        def __init__(self, paper_id: int, text: str, base: str) -> None:
            super().__init__()
            self.paper_id = paper_id
            self.text = text
            self.base = base  # the text the editor started from (conflict check)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.paper_id: int | None = None
        self.saved_text = ""  # what the database holds, as far as this pane knows
        self.requested_text = ""  # the last text handed over for saving
        self.loaded_text = ""  # the text when this paper was selected (for undo)
        self._timer: Timer | None = None

    def compose(self):
        yield Static(id="notes-status")
        yield TextArea(id="notes-editor", soft_wrap=True, show_line_numbers=False)  # tab moves focus; Esc returns to the list

    @property
    def editor(self) -> TextArea:
        return self.query_one("#notes-editor", TextArea)

    @property
    def dirty(self) -> bool:
        return self.paper_id is not None and self.editor.text != self.saved_text

    def load(self, paper: Paper | None) -> None:
        """Show another paper's note; the previous one is saved first."""
        self.flush()
        self.paper_id = paper.id if paper else None
        text = strip_control(paper.notes or "") if paper else ""
        self.saved_text = self.requested_text = self.loaded_text = text
        self.editor.load_text(text)
        self.editor.disabled = paper is None
        self.set_status("saved" if text else "empty")

    def reload_if_clean(self, paper: Paper) -> bool:
        """Another process changed this note: take its text unless ours is unsaved.
        Returns False when both changed (the caller warns the user)."""
        new_text = strip_control(paper.notes or "")
        if new_text == self.saved_text or new_text == self.requested_text:
            return True
        if self.dirty:
            return False
        self.saved_text = self.requested_text = new_text
        self.editor.load_text(new_text)
        self.set_status("updated by another readq")
        return True

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        if self.paper_id is None or not self.dirty:
            return
        self.set_status("unsaved")
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(SAVE_DELAY_SECONDS, self.flush)

    def on_descendant_blur(self) -> None:
        self.flush()

    def flush(self) -> None:
        """Hand unsaved text to the screen for saving, now."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self.paper_id is None or self.editor.text == self.requested_text:
            return
        text = self.editor.text
        self.post_message(self.SaveRequested(self.paper_id, text, self.requested_text))
        self.requested_text = text
        self.set_status("saving…")

    def pending(self) -> tuple[int, str] | None:
        """(paper id, text) not yet confirmed saved: for exit paths that cannot wait."""
        if not self.dirty:
            return None
        return self.paper_id, self.editor.text

    def mark_saved(self, paper_id: int, text: str) -> None:
        if paper_id == self.paper_id:
            self.saved_text = text
            if self.editor.text == text:
                self.set_status("saved")

    def mark_failed(self, paper_id: int, reason: str) -> None:
        if paper_id == self.paper_id:
            self.requested_text = self.saved_text  # the next pause in typing retries
            self.set_status(f"NOT SAVED: {reason}")
            self.add_class("-failed")

    def set_status(self, state: str) -> None:
        self.remove_class("-failed")
        self.set_class(state in ("unsaved", "saving…"), "-unsaved")
        self.query_one("#notes-status", Static).update(Content(f"Notes · {state}"))
