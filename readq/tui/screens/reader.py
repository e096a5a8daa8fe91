"""The reader view: one paper full screen, read top to bottom, then the next.

It is a second view of the queue screen's list: moving here moves the list's
cursor, so `Esc` lands on the paper being read, and every change goes through
the same edit session as in the list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static, TextArea

from readq.models import Paper
from readq.output import stars
from readq.session import NoteReplaced, NoteState, SessionEvent
from readq.textclean import strip_control
from readq.tui.widgets.key_footer import KeyFooter
from readq.tui.widgets.notes_pane import NotesPane
from readq.tui.widgets.paper_detail import DERIVED_NOTE, metadata_content

if TYPE_CHECKING:
    from readq.tui.screens.queue import QueueScreen


def reader_metadata(paper: Paper) -> list[tuple[str, str]]:
    dates = " · ".join(part for part in (
        paper.created and f"created {paper.created}",
        paper.updated and f"updated {paper.updated}",
    ) if part)
    rows = [
        ("Headline", DERIVED_NOTE if paper.headline_derived else ""),
        ("Authors", paper.authors),
        ("arXiv", paper.arxiv_id or paper.doi and f"doi {paper.doi}" or ""),
        ("Dates", dates),
        ("Category", paper.categories),
        ("Comments", paper.comments),
    ]
    return [(label, value) for label, value in rows if value]


def reading_state(paper: Paper) -> str:
    read = f"read {paper.read_at[:10]}" if paper.read_at else "unread"
    return f"{read} · {stars(paper.rating) or 'not rated'}"


class ReaderScreen(Screen):
    BINDINGS = [
        Binding("escape", "back", "Back to list", id="reader.back"),
        Binding("j", "move(1)", "Next paper", id="reader.next"),
        Binding("k", "move(-1)", "Previous paper", id="reader.previous"),
        Binding("space,x", "read_and_next", "Mark read, next", id="reader.read_next"),
        Binding("n", "focus_notes", "Note", id="reader.notes", priority=True),
        Binding("o", "open_browser", "Open arXiv", id="reader.open"),
        Binding("1", "rate(1)", "Rate 1", id="reader.rate_1", show=False),
        Binding("2", "rate(2)", "Rate 2", id="reader.rate_2", show=False),
        Binding("3", "rate(3)", "Rate 3", id="reader.rate_3", show=False),
        Binding("4", "rate(4)", "Rate 4", id="reader.rate_4", show=False),
        Binding("5", "rate(5)", "Rate 5", id="reader.rate_5", show=False),
        Binding("0", "rate(0)", "Clear rating", id="reader.rate_0", show=False),
        Binding("y", "copy_id", "Copy id", id="reader.copy_id", show=False),
        Binding("Y", "copy_url", "Copy URL", id="reader.copy_url", show=False),
    ]

    def __init__(self, queue: QueueScreen) -> None:
        super().__init__()
        self.queue = queue
        self.paper: Paper | None = None

    def compose(self):
        yield Static(id="reader-position")
        with VerticalScroll(id="reader-body"):
            yield Static(id="reader-title")
            yield Static(id="reader-meta")
            yield Static(id="reader-abstract")
            yield NotesPane(id="reader-notes")
        yield KeyFooter()

    @property
    def notes(self) -> NotesPane:
        return self.query_one(NotesPane)

    @property
    def body(self) -> VerticalScroll:
        return self.query_one("#reader-body", VerticalScroll)

    def on_mount(self) -> None:
        self.show_current()
        self.body.focus()

    # ----- what it shows ----------------------------------------------------

    def show_current(self, keep_scroll: bool = False) -> None:
        """Show the paper under the list's cursor (re-read whole from the store)."""
        current = self.queue.current
        paper = self.queue.store.get(current.id) if current else None
        same = paper is not None and self.paper is not None and paper.id == self.paper.id
        self.paper = paper
        self._show_position()
        if paper is None:
            self.query_one("#reader-title", Static).update(Content("Nothing left in this list."))
            for part in ("#reader-meta", "#reader-abstract"):
                self.query_one(part, Static).update(Content(""))
            self.notes.load(None)
            return
        title = self.query_one("#reader-title", Static)
        title.set_class(paper.headline_derived, "-derived")
        title.update(Content(strip_control(paper.title)))
        self.query_one("#reader-meta", Static).update(metadata_content(reader_metadata(paper)))
        self.query_one("#reader-abstract", Static).update(Content(strip_control(paper.abstract)))
        if not same:
            self.notes.load(paper)
            self.body.scroll_home(animate=False)
        elif not keep_scroll:
            self.body.scroll_home(animate=False)

    def _show_position(self) -> None:
        source = self.queue.paper_list.source
        total = len(source) if source else 0
        where = f"{self.queue.paper_list.cursor + 1:,} / {total:,}" if self.paper else f"0 / {total:,}"
        state = reading_state(self.paper) if self.paper else ""
        self.query_one("#reader-position", Static).update(
            Content("  ·  ".join(part for part in (where, state, self.queue.view_description()) if part))
        )

    def on_session_event(self, event: SessionEvent) -> None:
        """Forwarded by the app after the queue screen has seen it."""
        if not self.query(NotesPane):
            return  # the app is closing (its widgets are gone); what was written is saved
        if isinstance(event, (NoteState, NoteReplaced)):
            self.notes.on_session_event(event)
        else:
            self.show_current(keep_scroll=True)

    def follow_list(self) -> None:
        """The list's cursor moved (a re-ranking, a re-run search, j/k): show its paper."""
        current = self.queue.current
        if self.paper is None or current is None or current.id != self.paper.id:
            self.show_current()
        else:
            self._show_position()

    # ----- keys -------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action in ("focus_notes",) and isinstance(self.focused, TextArea):
            return False  # typing: `n` is a character there
        if action in ("read_and_next", "rate", "focus_notes", "open_browser", "copy_id", "copy_url"):
            return self.paper is not None
        return True

    def on_notes_pane_done(self, event: NotesPane.Done) -> None:
        event.stop()
        self.body.focus()  # out of the editor, still reading; the next Esc goes back

    def action_back(self) -> None:
        self.notes.flush()
        self.app.pop_screen()
        self.queue.back_from_reader()

    def action_move(self, step: int) -> None:
        paper_list = self.queue.paper_list
        before = paper_list.cursor
        paper_list.cursor = paper_list.clamp(before + step)
        if paper_list.cursor == before:
            self.notify("This is the last paper in the list." if step > 0 else "This is the first paper.")
            return
        self.show_current()

    def action_read_and_next(self) -> None:
        current = self.queue.current
        if current is not None and current.id == self.paper.id:
            self.queue.action_read_and_next()
        elif not self.paper.is_read:  # never act on a paper not on screen
            self.app.session.set_read([self.paper.id], True)
        self.show_current()

    def action_rate(self, rating: int) -> None:
        self.app.session.rate(self.paper.id, rating)

    def action_focus_notes(self) -> None:
        self.set_focus(self.notes.editor)
        self.notes.editor.scroll_visible(animate=False)

    # The paper on screen, whatever the list did meanwhile.
    def action_open_browser(self) -> None:
        self.queue.open_link(self.paper)

    def action_copy_id(self) -> None:
        self.queue.copy_text(self.paper.arxiv_id or self.paper.link)

    def action_copy_url(self) -> None:
        self.queue.copy_text(self.paper.link)
