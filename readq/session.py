"""The edit session: every change a user makes, in order, undoable, never lost.

It owns what used to be spread over widgets and could be lost with them:
- the note text not yet in the database, per paper (not per pane): a draft
  stays when the cursor moves on, and a pane shows it again when it comes back;
- saving: one writer thread runs every write in the order it was asked for,
  and a note save that fails is retried until it lands;
- the drafts journal: a note is written to a small file next to the database
  (fsync'd) before the database is asked to save it, and leaves the file once
  it is saved, so a database that cannot take a save (or a crash) loses nothing;
  the next start restores what the journal holds;
- the undo log: every change is an action the moment it lands, whatever the
  cursor does afterwards; undo takes back the most recent one and redo
  re-applies it. Undoing a note saves the old text as a new version: no
  version is ever deleted.

No textual import: widgets render the session and forward keys to it, and it
reports back through one callback (called on the writer thread; the app turns
it into a message).
"""

from __future__ import annotations

import json
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from readq.errors import ReadqError
from readq.store import Store, utc_now

UNDO_DEPTH = 200
RETRY_SECONDS = 2.0
# How long one write waits for another process's lock before it counts as
# failed (a note is then retried; the journal already holds it).
WRITE_WAIT_SECONDS = 3.0

SAVE_ERRORS = (ReadqError, OSError)


# ----- what the session tells the UI -----------------------------------------------


@dataclass(frozen=True, slots=True)
class Written:
    """A change landed: rows showing these papers are stale."""

    paper_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class NoteState:
    """Where a note's save stands: "saving", "saved" or "retrying"."""

    paper_id: int
    state: str
    reason: str = ""
    conflict: bool = False  # another process had changed the note: its text is in the history
    text: str = ""  # with "saved": the text now in the database


@dataclass(frozen=True, slots=True)
class NoteReplaced:
    """Undo or redo put another text in a note: a pane showing it reloads."""

    paper_id: int
    text: str


@dataclass(frozen=True, slots=True)
class Undone:
    description: str
    redo: bool = False  # True when it was a redo


@dataclass(frozen=True, slots=True)
class NothingToUndo:
    redo: bool = False


@dataclass(frozen=True, slots=True)
class WriteFailed:
    description: str
    reason: str


SessionEvent = Written | NoteState | NoteReplaced | Undone | NothingToUndo | WriteFailed


# ----- undoable actions ----------------------------------------------------------


@dataclass(slots=True)
class ReadAction:
    previous: dict[int, str | None]  # read_at before, per paper
    read: bool

    @property
    def paper_ids(self) -> tuple[int, ...]:
        return tuple(self.previous)

    def describe(self) -> str:
        count = len(self.previous)
        noun = "paper" if count == 1 else "papers"
        return f"marking {count:,} {noun} {'read' if self.read else 'unread'}"

    def undo(self, store: Store) -> None:
        store.restore_read(self.previous)

    def redo(self, store: Store) -> None:
        self.previous = store.set_read(list(self.previous), self.read)


@dataclass(slots=True)
class RatingAction:
    paper_id: int
    before: int | None
    after: int | None

    @property
    def paper_ids(self) -> tuple[int, ...]:
        return (self.paper_id,)

    def describe(self) -> str:
        if self.after is None:
            return f"clearing the rating of paper {self.paper_id}"
        return f"rating paper {self.paper_id} {self.after} {'star' if self.after == 1 else 'stars'}"

    def undo(self, store: Store) -> None:
        store.rate(self.paper_id, self.before)

    def redo(self, store: Store) -> None:
        store.rate(self.paper_id, self.after)


@dataclass(slots=True)
class NoteAction:
    paper_id: int
    before: str
    after: str

    @property
    def paper_ids(self) -> tuple[int, ...]:
        return (self.paper_id,)

    def describe(self) -> str:
        return f"the note edit of paper {self.paper_id}"

    def undo(self, store: Store) -> None:
        store.save_note(self.paper_id, self.before, coalesce=False)

    def redo(self, store: Store) -> None:
        store.save_note(self.paper_id, self.after, coalesce=False)


@dataclass(slots=True)
class TagAction:
    paper_id: int
    before: list[str]
    after: list[str]

    @property
    def paper_ids(self) -> tuple[int, ...]:
        return (self.paper_id,)

    def describe(self) -> str:
        return f"the tag change of paper {self.paper_id}"

    def undo(self, store: Store) -> None:
        store.set_tags(self.paper_id, self.before)

    def redo(self, store: Store) -> None:
        store.set_tags(self.paper_id, self.after)


Action = ReadAction | RatingAction | NoteAction | TagAction


# ----- the drafts journal ---------------------------------------------------------


@dataclass(slots=True)
class Draft:
    text: str
    base: str  # the database text the editing started from (conflict check)
    failed: str = ""  # why the last save failed, while it is being retried


class DraftJournal:
    """Note texts not yet confirmed saved, in a JSON file next to the database.

    Each change rewrites the file whole (it holds a few notes at most) through a
    temporary file, fsync and rename, so a crash leaves the old or the new file,
    never half of one. Created readable by its owner alone: notes are private."""

    def __init__(self, path: Path | None):
        self.path = path
        self._drafts: dict[int, dict] = self._read() if path else {}

    @classmethod
    def beside(cls, db_path: Path | None) -> DraftJournal:
        return cls(db_path.with_name(f"{db_path.name}-drafts.json") if db_path else None)

    def _read(self) -> dict[int, dict]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return {int(pid): entry for pid, entry in data.get("drafts", {}).items()
                    if isinstance(entry, dict) and isinstance(entry.get("text"), str)}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, AttributeError):
            # A damaged journal is set aside, never overwritten: it may hold a note.
            if self.path.exists():
                os.replace(self.path, self.path.with_name(self.path.name + ".damaged"))
            return {}

    def entries(self) -> dict[int, dict]:
        return dict(self._drafts)

    def put(self, paper_id: int, text: str, base: str) -> None:
        self._drafts[paper_id] = {"text": text, "base": base, "at": utc_now().isoformat()}
        self._write(durable=True)

    def remove(self, paper_id: int) -> None:
        if self._drafts.pop(paper_id, None) is not None:
            # Not fsync'd: a removal lost in a crash only restores a text equal
            # to the saved one, which the next start drops.
            self._write(durable=False)

    def _write(self, durable: bool) -> None:
        if self.path is None:
            return
        if not self._drafts:
            self.path.unlink(missing_ok=True)
            return
        temporary = self.path.with_name(self.path.name + ".tmp")
        data = json.dumps({"version": 1, "drafts": self._drafts}, ensure_ascii=False).encode()
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, data)
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, self.path)
        if durable:
            directory = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)


# ----- the session ------------------------------------------------------------------


@dataclass(slots=True)
class _Log:
    done: list[Action] = field(default_factory=list)
    undone: list[Action] = field(default_factory=list)
    # The note action still growing: saves of the same note while nothing else
    # happened extend it, so one undo takes back one stretch of typing.
    open_note: NoteAction | None = None


class EditSession:
    """Edits of one readq process on one store. Thread-safe: the UI thread calls
    in, the writer thread runs the writes, `on_event` reports (on the writer thread)."""

    def __init__(self, store: Store, on_event: Callable[[SessionEvent], None] = lambda e: None,
                 *, journal: DraftJournal | None = None, retry_seconds: float = RETRY_SECONDS):
        self.store = store
        self.on_event = on_event
        self.journal = journal if journal is not None else DraftJournal.beside(store.path)
        self.retry_seconds = retry_seconds
        self._drafts: dict[int, Draft] = {}
        self._log = _Log()
        self._lock = threading.RLock()
        self._jobs: queue.Queue = queue.Queue()
        self._idle = threading.Condition(self._lock)
        self._queued = 0
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="readq-writer", daemon=True)
        self._thread.start()

    # ----- notes ----------------------------------------------------------------

    def draft(self, paper_id: int) -> str | None:
        """The note text of `paper_id` not yet saved, or None."""
        with self._lock:
            draft = self._drafts.get(paper_id)
            return draft.text if draft else None

    def draft_failure(self, paper_id: int) -> str:
        with self._lock:
            draft = self._drafts.get(paper_id)
            return draft.failed if draft else ""

    def unsaved(self) -> dict[int, str]:
        """Every note text not yet in the database, by paper."""
        with self._lock:
            return {pid: draft.text for pid, draft in self._drafts.items()}

    def edit_note(self, paper_id: int, text: str, base: str) -> None:
        """The note as typed so far (every key); `base` is the stored text the
        editor started from. Nothing is written until `save_note`."""
        with self._lock:
            draft = self._drafts.get(paper_id)
            if draft is None:
                if text == base:
                    return
                self._drafts[paper_id] = Draft(text, base)
            else:
                draft.text = text

    def save_note(self, paper_id: int) -> bool:
        """Save the note's draft (a typing pause, leaving the pane or the paper,
        quitting). Returns False when there was nothing to save."""
        with self._lock:
            if paper_id not in self._drafts:
                return False
        self.on_event(NoteState(paper_id, "saving"))
        self._submit(lambda: self._save_note(paper_id))
        return True

    def save_all_notes(self) -> None:
        for paper_id in list(self.unsaved()):
            self.save_note(paper_id)

    def _save_note(self, paper_id: int) -> None:
        with self._lock:
            draft = self._drafts.get(paper_id)
            if draft is None:
                return
            text, base = draft.text, draft.base
        try:
            self.journal.put(paper_id, text, base)
        except OSError as error:  # no journal: the database save below still runs
            journal_error = f"drafts file: {error.strerror or error}"
        else:
            journal_error = ""
        try:
            result = self.store.save_note(paper_id, text, base=base, check_base=True)
        except SAVE_ERRORS as error:
            reason = str(error) + (f"; {journal_error}" if journal_error else "")
            with self._lock:
                if paper_id in self._drafts:
                    self._drafts[paper_id].failed = reason
            self.on_event(NoteState(paper_id, "retrying", reason))
            return
        with self._lock:
            current = self._drafts.get(paper_id)
            if current is not None and current.text == text:
                del self._drafts[paper_id]
            elif current is not None:  # typed on meanwhile: the next save starts from this one
                current.base = text
                current.failed = ""
            self._record_note(paper_id, result.previous, text)
        if current is None or current.text == text:
            try:
                self.journal.remove(paper_id)
            except OSError:
                pass  # the entry equals the saved text: the next start drops it
        self.on_event(NoteState(paper_id, "saved", conflict=result.conflict, text=text))
        self.on_event(Written((paper_id,)))

    def _record_note(self, paper_id: int, before: str, after: str) -> None:
        log = self._log
        if before == after:
            return
        top = log.done[-1] if log.done else None
        if top is not None and top is log.open_note and top.paper_id == paper_id:
            top.after = after
            log.undone.clear()
            return
        action = NoteAction(paper_id, before, after)
        self._push(action)
        log.open_note = action

    def restore_drafts(self) -> int:
        """Drafts left by a previous run: saved now (in the background). Returns
        how many differ from the database, i.e. were really restored."""
        restored = 0
        for paper_id, entry in self.journal.entries().items():
            paper = self.store.get(paper_id)
            if paper is None or (paper.notes or "") == entry["text"]:
                self.journal.remove(paper_id)
                continue
            with self._lock:
                self._drafts[paper_id] = Draft(entry["text"], entry.get("base") or "")
            self.save_note(paper_id)
            restored += 1
        return restored

    # ----- read marks and ratings -------------------------------------------

    def set_read(self, paper_ids: list[int], read: bool) -> None:
        def job() -> None:
            previous = self.store.set_read(paper_ids, read)
            self._push(ReadAction(previous, read))
            self.on_event(Written(tuple(paper_ids)))

        self._submit(self._reporting(job, "read mark"))

    def rate(self, paper_id: int, rating: int | None) -> None:
        rating = rating or None

        def job() -> None:
            before = self.store.rate(paper_id, rating)
            self._push(RatingAction(paper_id, before, rating))
            self.on_event(Written((paper_id,)))

        self._submit(self._reporting(job, "rating"))

    def set_tags(self, paper_id: int, tags: list[str]) -> None:
        def job() -> None:
            before = self.store.set_tags(paper_id, tags)
            if sorted(t.casefold() for t in before) == sorted(t.casefold() for t in tags):
                return  # saved unchanged: nothing to undo
            self._push(TagAction(paper_id, before, list(tags)))
            self.on_event(Written((paper_id,)))

        self._submit(self._reporting(job, "tags"))

    def run(self, job: Callable[[], object], description: str = "change") -> None:
        """Any other write (a setting), in order with the rest; not undoable."""
        self._submit(self._reporting(job, description))

    # ----- undo and redo ----------------------------------------------------

    def undo(self) -> None:
        """Take back the most recent action (when every write asked before it has run)."""
        self._submit(lambda: self._step(redo=False))

    def redo(self) -> None:
        self._submit(lambda: self._step(redo=True))

    def _step(self, redo: bool) -> None:
        with self._lock:
            source = self._log.undone if redo else self._log.done
            if not source:
                self.on_event(NothingToUndo(redo))
                return
            action = source.pop()
            self._log.open_note = None
        try:
            action.redo(self.store) if redo else action.undo(self.store)
        except SAVE_ERRORS as error:
            with self._lock:
                source.append(action)  # still there to try again
            verb = "redo" if redo else "undo"
            self.on_event(WriteFailed(f"{verb} of {action.describe()}", str(error)))
            return
        with self._lock:
            (self._log.done if redo else self._log.undone).append(action)
        if isinstance(action, NoteAction):
            self.on_event(NoteReplaced(action.paper_id, action.after if redo else action.before))
        self.on_event(Undone(action.describe(), redo))
        self.on_event(Written(action.paper_ids))

    def _push(self, action: Action) -> None:
        with self._lock:
            self._log.done = (self._log.done + [action])[-UNDO_DEPTH:]
            self._log.undone.clear()
            self._log.open_note = None

    # ----- the writer thread ------------------------------------------------

    def _reporting(self, job: Callable[[], object], description: str) -> Callable[[], None]:
        def run() -> None:
            try:
                job()
            except SAVE_ERRORS as error:
                self.on_event(WriteFailed(description, str(error)))

        return run

    def _submit(self, job: Callable[[], None]) -> None:
        with self._lock:
            if self._closed:
                raise ReadqError("the session is closed")
            self._queued += 1
        self._jobs.put(job)

    def _run(self) -> None:
        next_retry = 0.0
        while True:
            failing = self._failing()
            timeout = max(0.0, next_retry - time.monotonic()) if failing else None
            try:
                job = self._jobs.get(timeout=timeout)
            except queue.Empty:
                job = self._retry
            if job is None:
                return
            try:
                job()
            finally:
                if job is not self._retry:
                    with self._lock:
                        self._queued -= 1
                        self._idle.notify_all()
            if job is self._retry or not failing:
                next_retry = time.monotonic() + self.retry_seconds

    def _retry(self) -> None:
        """Save again the notes whose save failed: the journal holds them meanwhile."""
        for paper_id in self._failing():
            self._save_note(paper_id)

    def _failing(self) -> list[int]:
        with self._lock:
            return [pid for pid, draft in self._drafts.items() if draft.failed]

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until every write asked for so far has run; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._queued == 0, timeout)

    def close(self, timeout: float | None = None) -> None:
        """Save what can be saved and stop the writer; drafts that could not be
        saved stay in the journal for the next start."""
        self.save_all_notes()
        with self._lock:
            self._closed = True
        self._jobs.put(None)
        self._thread.join(timeout)
