"""The notes pane: a TextArea that forwards every key to the edit session.

The pane keeps no state that could be lost: the text not yet saved lives in the
session (per paper), which saves it after a short pause in typing, when the
pane loses focus, when the selection changes and on every way out of the app.
The pane shows what the session reports: saving…, saved, or not saved yet.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Static, TextArea

from readq.models import Paper
from readq.session import NoteReplaced, NoteState, SessionEvent
from readq.textclean import strip_control

SAVE_DELAY_SECONDS = 0.5


class NotesPane(Vertical):
    # Shown in the footer while typing: how to get back is never a guess.
    BINDINGS = [Binding("escape", "done", "Back to list", id="notes.done")]

    class Done(Message):
        """The user left the editor (Esc): the screen decides where focus goes."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.paper_id: int | None = None
        self.stored_text = ""  # the database's text when the paper was shown
        self._timer: Timer | None = None

    def compose(self):
        yield Static(id="notes-status")
        yield TextArea(id="notes-editor", soft_wrap=True, show_line_numbers=False)

    @property
    def editor(self) -> TextArea:
        return self.query_one("#notes-editor", TextArea)

    @property
    def session(self):
        return self.app.session

    def load(self, paper: Paper | None) -> None:
        """Show another paper's note: its unsaved draft if it has one."""
        self.flush()
        self.paper_id = paper.id if paper else None
        self.stored_text = strip_control(paper.notes or "") if paper else ""
        draft = self.session.draft(paper.id) if paper else None
        self._set_text(draft if draft is not None else self.stored_text)
        self.editor.disabled = paper is None
        if draft is not None:
            failure = self.session.draft_failure(paper.id)
            self.show_state("retrying" if failure else "unsaved", failure)
        else:
            self.show_state("saved" if self.stored_text else "empty")

    def replace_text(self, text: str, state: str) -> None:
        """The note changed elsewhere (undo, another readq): show it unless
        the user has typed text of their own that is not saved yet."""
        if self.paper_id is None or self.session.draft(self.paper_id) is not None:
            return
        self.stored_text = text
        self._set_text(text)
        self.show_state(state if text else "empty")

    def take_text(self, text: str) -> None:
        """Text written elsewhere by the user ($EDITOR): as if typed, saved now."""
        if self.paper_id is None:
            return
        self._set_text(text)
        self.session.edit_note(self.paper_id, text, self.stored_text)
        self.flush()

    def _set_text(self, text: str) -> None:
        # load_text posts Changed too: the session ignores a text equal to the stored one.
        self.editor.load_text(text)
        self.editor.move_cursor(self.editor.document.end)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        if self.paper_id is None:
            return
        before = self.session.draft(self.paper_id)
        self.session.edit_note(self.paper_id, self.editor.text, self.stored_text)
        after = self.session.draft(self.paper_id)
        if after is None or after == before:
            return  # typed back to the stored text, or a reload of the same text
        self.show_state("unsaved")
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(SAVE_DELAY_SECONDS, self.flush)

    def action_done(self) -> None:
        self.flush()
        self.post_message(self.Done())

    def on_descendant_blur(self) -> None:
        self.flush()

    def flush(self) -> None:
        """Ask the session to save this note's draft, now."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self.paper_id is not None and self.session.save_note(self.paper_id):
            self.show_state("saving…")

    def on_session_event(self, event: SessionEvent) -> None:
        """A note's save or undo, reported by the session: show it if it is ours."""
        if isinstance(event, NoteState) and event.paper_id == self.paper_id:
            if event.state == "saved":
                self.stored_text = event.text
            self.show_state(event.state, event.reason)
        elif isinstance(event, NoteReplaced) and event.paper_id == self.paper_id:
            self.replace_text(event.text, "saved")

    def show_state(self, state: str, reason: str = "") -> None:
        if state == "saved" and self.paper_id is not None and self.session.draft(self.paper_id):
            state = "unsaved"  # typed on after the save that reported
        self.set_class(state in ("unsaved", "saving…"), "-unsaved")
        self.set_class(state == "retrying", "-failed")
        label = f"not saved yet (retrying): {reason}" if state == "retrying" else state
        self.query_one("#notes-status", Static).update(Content(f"Notes · {label}"))
