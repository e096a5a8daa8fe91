"""The main screen: search bar, queue list, detail and notes panes.

Attributes go down, messages come up: the list reports the highlighted paper,
this screen hands it to the detail and notes panes. Every write goes to the
app's edit session (readq/session.py), which orders, saves and undoes them
off the UI thread, so a database busy with another process never freezes the
screen and nothing typed lives only in a widget.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shlex
import subprocess
import tempfile

from textual import events, on, work
from textual.worker import get_current_worker
from textual.app import SuspendNotSupported
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, ProgressBar, Static, TextArea

from readq.textclean import strip_control
from readq.models import FILTERS, ORDERS, Filter, Order, Paper, Stats
from readq.search import RESULT_SORTS, SearchResult, describe
from readq.session import NoteReplaced, NoteState, NothingToUndo, SessionEvent, Undone, WriteFailed, Written
from readq.tui.screens.confirm import ConfirmScreen
from readq.tui.heap import freeze_long_lived
from readq.tui.screens.reader import ReaderScreen
from readq.tui.sources import QueueSource, ResultsSource, filtered_and_sorted
from readq.tui.widgets.key_footer import KeyFooter
from readq.tui.widgets.notes_pane import NotesPane
from readq.tui.widgets.paper_detail import PaperDetail
from readq.tui.widgets.paper_list import PaperList

NARROW_WIDTH = 110
STATE_FILTER = re.compile(r"\b(?:is|has|rated|tag):", re.IGNORECASE)
DETAIL_DELAY_SECONDS = 0.15


class SearchDone(Message):
    def __init__(self, result: SearchResult, keep: int | None = None) -> None:
        super().__init__()
        self.result = result
        self.keep = keep  # the paper to keep the cursor on (a re-filter or re-sort)


class SearchCounted(Message):
    """The exact count of a result first shown with a lower bound."""

    def __init__(self, result: SearchResult, total: int) -> None:
        super().__init__()
        self.result, self.total = result, total


class Ranked(Message):
    """The recommended order, computed in a worker."""

    def __init__(self, order, filter: Filter, keep: int | None, row: int | None) -> None:
        super().__init__()
        self.order, self.filter = order, filter
        self.keep, self.row = keep, row  # the paper to stay on, or else the row to keep


class SimilarFound(Message):
    def __init__(self, paper: Paper, ids: list[int]) -> None:
        super().__init__()
        self.paper, self.ids = paper, ids


class QueueScreen(Screen):
    BINDINGS = [
        # Priority: these move focus, and must do so before the keys typed right
        # after them are handed out (a fast burst, a paste, a slow link).
        Binding("slash", "focus_search", "Search", id="queue.search", priority=True),
        Binding("escape", "leave", "Back to list", id="queue.leave", show=False),
        Binding("enter", "open_reader", "Read", id="queue.reader"),
        Binding("space", "toggle_read", "Read/unread", id="queue.toggle_read"),
        Binding("x", "read_and_next", "Mark read, next", id="queue.read_next", show=False),
        Binding("1", "rate(1)", "Rate 1", id="queue.rate_1", show=False),
        Binding("2", "rate(2)", "Rate 2", id="queue.rate_2", show=False),
        Binding("3", "rate(3)", "Rate 3", id="queue.rate_3", show=False),
        Binding("4", "rate(4)", "Rate 4", id="queue.rate_4", show=False),
        Binding("5", "rate(5)", "Rate 5", id="queue.rate_5", show=False),
        Binding("0", "rate(0)", "Clear rating", id="queue.rate_0", show=False),
        Binding("n", "focus_notes", "Notes", id="queue.notes", priority=True),
        Binding("e", "edit_note", "Edit in $EDITOR", id="queue.edit_note", show=False),
        Binding("u", "cycle_filter", "Filter", id="queue.filter"),
        Binding("s", "cycle_sort", "Sort", id="queue.sort"),
        Binding("m", "more_like_this", "More like this", id="queue.similar", show=False),
        Binding("t", "edit_tags", "Tags", id="queue.tags", show=False),
        Binding("N", "next_unread", "Next unread", id="queue.next_unread"),
        Binding("i", "import_file", "Import", id="queue.import"),
        Binding("y", "copy_id", "Copy id", id="queue.copy_id", show=False),
        Binding("Y", "copy_url", "Copy URL", id="queue.copy_url", show=False),
        Binding("o", "open_browser", "Open arXiv", id="queue.open", show=False),
        Binding("A", "mark_all_read", "Mark all shown read", id="queue.mark_all_read", show=False),
        Binding("ctrl+z", "undo", "Undo", id="queue.undo", show=False),
        Binding("ctrl+y,ctrl+shift+z", "redo", "Redo", id="queue.redo", show=False),
        Binding("r", "refresh", "Refresh", id="queue.refresh", show=False),
        Binding("shift+down", "scroll_detail(1)", "Scroll abstract down", id="queue.detail_down", show=False),
        Binding("shift+up", "scroll_detail(-1)", "Scroll abstract up", id="queue.detail_up", show=False),
    ]

    def __init__(self, filter: Filter = "all", sort: Order = "queue", paper_id: int | None = None) -> None:
        super().__init__()
        self.filter: Filter = filter
        self.sort: Order = sort
        self.result_sort = "best"  # the order of search results (s cycles RESULT_SORTS)
        self.recommended = None  # the RecommendedOrder on screen, when sort is "recommended"
        self.similar_to: Paper | None = None  # "more like this" shows papers like this one
        self._similar_ids: list[int] = []
        self._start_paper_id = paper_id  # where the last session left off
        self.search_result: SearchResult | None = None
        self._shown_paper_id: int | None = None
        self._shown_terms: frozenset[str] = frozenset()
        self._data_version: int | None = None
        self._stats: Stats | None = None
        self._detail_timer: Timer | None = None

    @property
    def store(self):
        return self.app.store

    def compose(self):
        yield Input(placeholder="Search: type words, typos are fine  ( / )", id="search")
        yield Static(id="status")
        yield ProgressBar(id="import-progress", show_eta=False)
        with Horizontal(id="main"):
            yield PaperList(id="papers")
            with Vertical(id="side"):
                yield PaperDetail(id="detail")
                yield NotesPane(id="notes")
        yield Static(id="empty-state")
        yield KeyFooter()

    @property
    def paper_list(self) -> PaperList:
        return self.query_one(PaperList)

    @property
    def notes(self) -> NotesPane:
        return self.query_one(NotesPane)

    @property
    def current(self) -> Paper | None:
        return self.paper_list.current

    def on_mount(self) -> None:
        self.query_one("#empty-state", Static).update(Content(
            "Your reading queue is empty.\n\n"
            "Press  i  to import a file of abstracts,\n"
            "or run  readq import FILE  in a shell.\n\n"
            "Files: one abstract per line, or arXiv listing blocks."
        ))
        self.show_queue(keep=self._start_paper_id)
        self.paper_list.focus()
        self._data_version = self.store.data_version()
        self.set_interval(1.5, self.check_external_changes)

    def on_resize(self) -> None:
        narrow = self.size.width < NARROW_WIDTH
        if narrow != self.has_class("-narrow"):
            self.set_class(narrow, "-narrow")
            self.query_one(PaperDetail).compact = narrow
            self.query_one(KeyFooter).compact = narrow
            self.show_detail(self.current, force=True)

    # ----- what the list shows ----------------------------------------------

    def show_queue(self, keep: int | None = None) -> None:
        """Show the queue in the current filter and sort, the cursor on paper
        `keep` if listed, else on its nearest neighbour (else at the top)."""
        self.search_result = None
        self.similar_to = None
        if self.sort == "recommended":
            self.rank(self.filter, keep)  # the list shown stays until the order is ready
            self.update_status()
            return
        self.recommended = None
        self._show_source(QueueSource(self.store, self.filter, self.sort), keep)

    def _show_source(self, source, keep: int | None, terms: frozenset[str] = frozenset(),
                     row: int | None = None) -> None:
        """Show `source` with the cursor on paper `keep`; if it is not listed,
        on row `row` (the place of a paper that left), else at the top."""
        position = source.position_of(keep) if keep is not None else None
        if position is None:
            position = row or 0
        self.paper_list.show(source, position, terms)
        self.update_status()

    @work(thread=True, exclusive=True, group="rank", exit_on_error=False)
    def rank(self, filter: Filter, keep: int | None = None, row: int | None = None) -> None:
        from readq.recommend import recommended_ids

        order = recommended_ids(self.store, filter)
        if not get_current_worker().is_cancelled:  # a newer ranking is on its way
            self.post_message(Ranked(order, filter, keep, row))

    @on(Ranked)
    def on_ranked(self, event: Ranked) -> None:
        if self.sort != "recommended" or event.filter != self.filter or self.search_result or self.similar_to:
            return  # the user moved on meanwhile
        self.recommended = event.order
        self._show_source(ResultsSource(self.store, event.order.ids), event.keep, row=event.row)
        self.show_detail(self.current, force=True)

    def view_description(self) -> str:
        """What the list holds, in a few words (the status line, the reader)."""
        if self.search_result is not None:
            return f"search: {self.search_result.query.strip()}"
        if self.similar_to is not None:
            return f"more like: {strip_control(self.similar_to.title)}"
        return f"filter: {self.filter} · sort: {self.sort}"

    def show_results(self, result: SearchResult, keep: int | None = None) -> None:
        self.search_result = result
        self.similar_to = None
        # A paper that left the results (marked read under is:unread): its row.
        row = self.paper_list.cursor if keep is not None else None
        self._show_source(ResultsSource(self.store, result, self.app.search_engine), keep, result.terms, row)

    def update_status(self, recount: bool = False) -> None:
        """The status line; `recount` after the data changed (counts cost queries)."""
        if recount or self._stats is None:
            self._stats = self.store.stats()
        stats = self._stats
        self.set_class(stats.total == 0, "-empty")
        shown = self.paper_list.row_count
        position = f"{self.paper_list.cursor + 1:,} / {shown:,}" if shown else "0 / 0"
        parts = [position, f"{stats.unread:,} unread · {stats.total:,} papers"]
        result = self.search_result
        query = self.query_one("#search", Input).value
        view_filter = f" · filter: {self.filter}" if self.filter != "all" else ""
        if result is not None:
            parts.append(f"search: {describe(result)}{view_filter}")
        elif query.strip() and len(query.strip()) == 1:
            parts.append("search: type one more character…")
        elif self.similar_to is not None:
            order = "most alike first" if self.result_sort == "best" else f"sort: {self.result_sort}"
            parts.append(f"more like this: {shown:,} papers, {order}{view_filter}")
        elif self.sort == "recommended":
            if self.recommended is None:
                parts.append(f"filter: {self.filter} · sort: recommended (ranking…)")
            elif self.recommended.reason:
                parts.append(f"filter: {self.filter} · newest first: {self.recommended.reason}")
            else:
                parts.append(f"filter: {self.filter} · sort: recommended")
        else:
            parts.append(f"filter: {self.filter} · sort: {self.sort}")
        self.query_one("#status", Static).update(Content("  ·  ".join(parts)))

    def refresh_rows(self, written: tuple[int, ...] = ()) -> None:
        """The data changed (`written`: the papers our own write changed)."""
        # Our own writes change data_version too: note it, so the poll does not redo this.
        self._data_version = self.store.data_version()
        before = self.current
        self.paper_list.reload()
        after = self.current
        if before is not None and (after is None or after.id != before.id):
            # Rows moved (an import, a re-sort by rating): follow the paper, or
            # land on its nearest neighbour when it left the view.
            position = self.paper_list.source.position_of(before.id)
            if position is not None:
                self.paper_list.cursor = self.paper_list.clamp(position)
        self.update_status(recount=True)
        self.show_detail(self.current, force=True)
        query = self.query_one("#search", Input).value
        current = self._current_id()
        if self.search_result is not None and (self.filter != "all" or STATE_FILTER.search(query)):
            # Results filtered by reading state keep a fixed list: ask again.
            self.run_search(query, current)
        elif self.similar_to is not None:
            self._show_similar(current, row=self.paper_list.cursor)
        elif self.sort == "recommended" and self.search_result is None and not self.editing_note:
            # A rating changes what is liked: rank again, off the UI thread. The
            # paper just judged moves to the end and the next best takes its row;
            # any other change keeps the cursor on its paper. (A note being typed
            # ranks again when the editor is left, so its paper never moves under it.)
            judged = current is not None and current in written
            self.rank(self.filter, None if judged else current, self.paper_list.cursor)

    @property
    def editing_note(self) -> bool:
        return self.focused is self.notes.editor

    @on(PaperList.Highlighted)
    def on_paper_highlighted(self, event: PaperList.Highlighted) -> None:
        self.update_status()
        if isinstance(self.app.screen, ReaderScreen):
            self.app.screen.follow_list()  # the reader shows the list's paper, always
        if self._detail_timer is not None:
            self._detail_timer.stop()
            self._detail_timer = None
        if isinstance(self.focused, Input):
            # Typing a search: repaint the list at once, the panes once typing pauses.
            self._detail_timer = self.set_timer(DETAIL_DELAY_SECONDS, lambda: self.show_detail(event.paper))
        else:
            self.show_detail(event.paper)

    def show_detail(self, paper: Paper | None, force: bool = False) -> None:
        same_paper = paper is not None and paper.id == self._shown_paper_id
        terms = self.search_result.terms if self.search_result else frozenset()
        # The same paper with other search words still needs their highlights.
        if same_paper and not force and terms == self._shown_terms:
            return
        if paper is not None:
            paper = self.store.get(paper.id)  # list rows are brief: read it whole
        extra: list[tuple[str, str]] = []
        if paper is not None:
            # The list read the tags with its page of rows: no query per cursor move.
            source = self.paper_list.source
            if tags := (source.tags(paper.id) if source else []):
                extra.append(("Tags", " ".join(tags)))
            ranked_list = self.search_result is None and self.similar_to is None and self.sort == "recommended"
            if ranked_list and self.recommended is not None and self.recommended.ranked:
                if shared := self.recommended.why(self.store, paper.id):
                    extra.append(("Why", "like your papers on " + ", ".join(shared)))
        self.query_one(PaperDetail).show_paper(paper, terms, extra)
        self._shown_terms = terms
        if paper is None or not same_paper:
            self.notes.load(paper)
            editing = self.focused is self.notes.editor
            self.set_class(editing or bool(self.notes.editor.text), "-show-notes")
        elif force:
            self._take_outside_note(paper)
        self._shown_paper_id = paper.id if paper else None

    def _take_outside_note(self, paper: Paper) -> None:
        """The shown paper was re-read: another process may have changed its note."""
        stored = strip_control(paper.notes or "")
        if stored == self.notes.stored_text:
            return
        if self.app.session.draft(paper.id) is not None:
            self.notes.stored_text = stored  # the next save reports the conflict
            self.notify("This note was also changed in another readq. Yours is kept; "
                        "the other text is in the note history.", severity="warning")
        else:
            self.notes.replace_text(stored, "updated by another readq")

    # ----- search -------------------------------------------------------------

    @on(Input.Changed, "#search")
    def on_search_changed(self, event: Input.Changed) -> None:
        if not event.value.strip():
            if self.search_result is not None:
                self.show_queue(keep=self._current_id())
            return
        self.run_search(event.value)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def run_search(self, query: str, keep: int | None = None) -> None:
        # Runs off the UI thread; only the message crosses back. The results
        # on screen stay until these replace them (no count of a query not shown).
        engine = self.app.search_engine
        result = engine.search(query, filter=self.filter, sort=self.result_sort)
        if get_current_worker().is_cancelled:
            return  # a newer search replaced this one
        self.post_message(SearchDone(result, keep))
        if (vocabulary := engine.loaded_vocabulary) is not None:
            freeze_long_lived(vocabulary)  # once per vocabulary: see readq/tui/heap.py
        if not result.total_exact and not get_current_worker().is_cancelled:
            # Every match reachable: count them all on a copy (the result on
            # screen changes on the UI thread only), then the list grows.
            total = engine.count(copy.copy(result))
            self.post_message(SearchCounted(result, total))

    @on(SearchCounted)
    def on_search_counted(self, event: SearchCounted) -> None:
        if event.result is self.search_result:
            event.result.total, event.result.total_exact = event.total, True
            self.paper_list.reload()  # the length, now exact
            self.update_status()

    @on(SearchDone)
    def on_search_done(self, event: SearchDone) -> None:
        result = event.result
        if (result.query != self.query_one("#search", Input).value or result.filter != self.filter
                or result.sort != self.result_sort):
            return  # a stale answer: the user has typed on, or changed the filter or sort
        if result.waiting_for_more:
            self.update_status()
            return
        self.show_results(result, event.keep)

    def on_paste(self, event: events.Paste) -> None:
        # Text pasted (or typed faster than the terminal splits keys) while the
        # list has focus is a search query: `/` followed by words.
        if self.focused is self.paper_list:
            event.stop()
            search = self.query_one("#search", Input)
            search.value = event.text.removeprefix("/").replace("\n", " ").strip()
            self.set_focus(search)

    @on(Input.Submitted, "#search")
    def on_search_submitted(self) -> None:
        self.paper_list.focus()
        self.paper_list.cursor = 0

    # ----- actions ------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        needs_paper = {"toggle_read", "read_and_next", "rate", "focus_notes", "edit_note",
                       "copy_id", "copy_url", "open_browser", "open_reader", "more_like_this", "edit_tags"}
        if action in needs_paper and self.current is None:
            return False
        if action in ("focus_search", "focus_notes") and isinstance(self.focused, (Input, TextArea)):
            return False  # typing: `/` and `n` are characters there (priority keys are not filtered)
        return True

    def action_focus_search(self) -> None:
        # set_focus now, not later: keys typed right after `/` must reach the input.
        self.set_focus(self.query_one("#search", Input))

    def action_leave(self) -> None:
        search = self.query_one("#search", Input)
        if self.focused is search or (self.focused is self.paper_list and search.value):
            keep = self._current_id()
            with self.prevent(Input.Changed):
                search.value = ""
            self.show_queue(keep=keep)
        elif self.similar_to is not None:
            self.show_queue(keep=self.similar_to.id)  # back where "more like this" started
        self.notes.flush()
        self.set_focus(self.paper_list)

    def _current_id(self) -> int | None:
        paper = self.current
        return paper.id if paper else None

    def action_focus_notes(self) -> None:
        self.add_class("-show-notes")  # small terminals show the notes on demand
        self.set_focus(self.notes.editor)

    @on(NotesPane.Done)
    def on_notes_done(self) -> None:
        self.set_focus(self.paper_list)
        self.set_class(bool(self.notes.editor.text), "-show-notes")
        if self.sort == "recommended" and self.search_result is None and self.similar_to is None:
            self.rank(self.filter, self._current_id())  # a note says "like this": rank again

    def action_open_reader(self) -> None:
        self.notes.flush()
        self.app.push_screen(ReaderScreen(self))

    def back_from_reader(self) -> None:
        """The reader moved the cursor and may have changed the note: show it fresh."""
        self.paper_list.focus()
        self._shown_paper_id = None
        self.show_detail(self.current, force=True)
        self.update_status()

    def action_scroll_detail(self, direction: int) -> None:
        detail = self.query_one(PaperDetail)
        detail.scroll_relative(y=direction * 3, animate=False)

    def action_toggle_read(self) -> None:
        paper = self.current
        self.set_read([paper.id], not paper.is_read)

    def action_read_and_next(self) -> None:
        """Triage: mark read and move on, as mail and feed readers do."""
        paper = self.current
        if paper is None:
            return  # the list emptied under the key (a re-run search, a re-ranking)
        if not paper.is_read:
            self.set_read([paper.id], True)
        # In the unread view the paper leaves the list: the next one takes its place.
        if self.filter != "unread" or paper.is_read:
            self.paper_list.cursor = min(self.paper_list.cursor + 1, len(self.paper_list.source) - 1)

    def set_read(self, ids: list[int], read: bool) -> None:
        self.app.session.set_read(ids, read)

    def action_rate(self, rating: int) -> None:
        self.app.session.rate(self.current.id, rating)

    def action_mark_all_read(self) -> None:
        ids = self.paper_list.source.all_ids() if self.paper_list.source else []
        unread = [p.id for p in self.store.get_many(ids).values() if not p.is_read] if len(ids) <= 5000 else ids
        if not unread:
            self.notify("Nothing unread here.")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.set_read(unread, True)

        self.app.push_screen(ConfirmScreen(f"Mark all {len(unread):,} shown papers as read?"), answered)

    def action_undo(self) -> None:
        self.notes.flush()  # a note being typed is the most recent change
        self.app.session.undo()

    def action_redo(self) -> None:
        self.notes.flush()
        self.app.session.redo()

    def on_session_event(self, event: SessionEvent) -> None:
        """What the edit session reports (forwarded by the app)."""
        if not self.query(NotesPane):
            return  # the app is closing (its widgets are gone); what was written is saved
        if isinstance(event, Written):
            self.refresh_rows(event.paper_ids)
        elif isinstance(event, (NoteState, NoteReplaced)):
            self.notes.on_session_event(event)
            if isinstance(event, NoteState) and event.conflict:
                self.notify("This note had been changed in another readq meanwhile. "
                            "Your text is saved; the other is kept in the note history "
                            f"(readq note {event.paper_id} --history).", severity="warning", timeout=10)
        elif isinstance(event, Undone):
            self.notify(f"{'Redid' if event.redo else 'Undid'} {event.description}.")
        elif isinstance(event, NothingToUndo):
            self.notify("Nothing to redo." if event.redo else "Nothing to undo.")
        elif isinstance(event, WriteFailed):
            self.notify(f"Not saved ({event.description}): {event.reason}", severity="error", timeout=10)

    def action_cycle_filter(self) -> None:
        """The next filter, of the queue or of the search results or similar papers shown."""
        self.filter = FILTERS[(FILTERS.index(self.filter) + 1) % len(FILTERS)]
        self._redo_view()

    def action_cycle_sort(self) -> None:
        if self.search_result is not None or self.similar_to is not None:
            self.result_sort = RESULT_SORTS[(RESULT_SORTS.index(self.result_sort) + 1) % len(RESULT_SORTS)]
        else:
            self.sort = ORDERS[(ORDERS.index(self.sort) + 1) % len(ORDERS)]
        self._redo_view()

    def _redo_view(self) -> None:
        """Show the same kind of list again in the new filter or sort, on the same paper."""
        keep = self._current_id()
        query = self.query_one("#search", Input).value
        if self.search_result is not None and query.strip():
            self.update_status()
            self.run_search(query, keep)
        elif self.similar_to is not None:
            self._show_similar(keep)
        else:
            self.show_queue(keep=keep)
        self.remember_view()

    def remember_view(self) -> None:
        """Filter, sort and the paper under the cursor, for the next run on this database."""
        store, view = self.store, {"filter": self.filter, "sort": self.sort, "paper": self._current_id()}
        self.app.session.run(lambda: store.set_setting("view", json.dumps(view)), "view")

    def action_more_like_this(self) -> None:
        self.notify("Finding papers like this one…", timeout=2)
        self.find_similar(self.current)

    @work(thread=True, exclusive=True, group="similar", exit_on_error=False)
    def find_similar(self, paper: Paper) -> None:
        from readq.recommend import similar_ids

        ids = similar_ids(self.store, paper.id)
        if not get_current_worker().is_cancelled:
            self.post_message(SimilarFound(paper, ids))

    @on(SimilarFound)
    def on_similar_found(self, event: SimilarFound) -> None:
        if self.query_one("#search", Input).value.strip():
            return  # a search was started meanwhile: it wins
        if not event.ids:
            self.notify("No paper shares enough words with this one.")
            return
        with self.prevent(Input.Changed):
            self.query_one("#search", Input).value = ""
        self.search_result = None
        self.similar_to = event.paper
        self._similar_ids = event.ids
        self.result_sort = "best"
        self._show_similar(None)
        self.paper_list.focus()

    def _show_similar(self, keep: int | None, row: int | None = None) -> None:
        ids = filtered_and_sorted(self.store, self._similar_ids, self.filter, self.result_sort)
        self._show_source(ResultsSource(self.store, ids), keep, row=row)

    def action_edit_tags(self) -> None:
        from readq.tui.screens.tag_dialog import TagDialog

        paper = self.current

        def chosen(tags: list[str] | None) -> None:
            if tags is not None:
                self.app.session.set_tags(paper.id, tags)

        self.app.push_screen(TagDialog(paper.title, self.store.tags_of(paper.id), self.store.all_tags()), chosen)

    def action_next_unread(self) -> None:
        source = self.paper_list.source
        here = self.paper_list.cursor
        position = source.next_unread(here) if source else None
        if position is None:
            self.notify("No unread papers here.")
            return
        if position <= here:
            self.notify("No unread papers below: back to the first unread from the top.")
        self.paper_list.cursor = position

    def action_copy_id(self) -> None:
        paper = self.current
        self.copy_text(paper.arxiv_id or paper.link)

    def action_copy_url(self) -> None:
        self.copy_text(self.current.link)

    def copy_text(self, text: str | None) -> None:
        if not text:
            self.notify("This paper has no arXiv id or link to copy.", severity="warning")
            return
        self.app.copy_to_clipboard(text)
        self.notify(f"Copied {text}")

    def action_open_browser(self) -> None:
        self.open_link(self.current)

    def open_link(self, paper: Paper) -> None:
        link = paper.link
        if not link:
            self.notify("This paper has no arXiv id or link to open.", severity="warning")
            return
        self.app.open_url(link)
        self.notify(f"Opening {link}")

    def action_refresh(self) -> None:
        self.refresh_rows()
        self.notify("Reloaded from the database.")

    def action_import_file(self) -> None:
        if self.app.import_running():
            def answered(stop: bool | None) -> None:
                if stop:
                    self.app.cancel_import()

            self.app.push_screen(ConfirmScreen("An import is running. Stop it? Nothing of it is kept."),
                                 answered)
            return

        def chosen(path: str | None) -> None:
            if path:
                self.app.start_import(path)

        # Imported here: its file browser is not needed for the first frame.
        from readq.tui.screens.import_dialog import ImportDialog

        self.app.push_screen(ImportDialog(), chosen)

    def show_import_progress(self, fraction: float | None, records: int, waiting: str = "") -> None:
        bar = self.query_one("#import-progress", ProgressBar)
        self.add_class("-importing")
        bar.update(total=100 if fraction is not None else None, progress=(fraction or 0) * 100)
        doing = waiting or f"importing… {records:,} records"
        self.query_one("#status", Static).update(Content(f"{doing}  ·  i: stop the import"))

    def after_import(self) -> None:
        self.remove_class("-importing")
        keep = self._current_id()
        self.search_result = None
        with self.prevent(Input.Changed):
            self.query_one("#search", Input).value = ""
        self.show_queue(keep=keep)
        self.update_status(recount=True)
        self.show_detail(self.current, force=True)

    def action_edit_note(self) -> None:
        paper = self.current
        self.notes.flush()
        text = self.notes.editor.text
        with tempfile.NamedTemporaryFile("w", suffix=".md", prefix=f"readq-note-{paper.id}-",
                                         delete=False, encoding="utf-8") as handle:
            handle.write(text)
            path = handle.name
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        try:
            try:
                with self.app.suspend():
                    completed = subprocess.run([*shlex.split(editor), path])
            except SuspendNotSupported:  # headless runs (tests) have no terminal to hand over
                completed = subprocess.run([*shlex.split(editor), path])
            if completed.returncode != 0:
                self.notify(f"The editor exited with {completed.returncode}; note unchanged.",
                            severity="warning")
                return
            with open(path, encoding="utf-8") as handle:
                new_text = handle.read()
        except OSError as error:
            self.notify(f"Could not run the editor {editor!r}: {error}", severity="error")
            return
        finally:
            if os.path.exists(path):
                os.unlink(path)
        if new_text != text:
            self.notes.take_text(new_text)

    # ----- other processes ----------------------------------------------------

    def check_external_changes(self) -> None:
        """Another readq process committed: show its changes."""
        version = self.store.data_version()
        if version != self._data_version:
            self._data_version = version
            self.refresh_rows()
