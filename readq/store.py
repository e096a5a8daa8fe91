"""The paper store: the only module that touches SQLite. It knows nothing of the UI.

Every write is one `BEGIN IMMEDIATE` transaction that updates only the columns
it changes, so two readq processes on one file never overwrite each other's
read marks or ratings with stale values. WAL mode and a busy timeout let a
reader and a writer work at the same time. An import is the exception: many
short transactions, invisible to every read here until its last one publishes
it (readq/import_engine.py), so reads keep to ids below migrations.VISIBLE_BELOW.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from readq import tags as tag_sql
from readq.errors import DatabaseProblem, ReadqError
from readq.migrations import SCHEMA_VERSION, VISIBLE_BELOW, migrate
from readq.models import (
    Filter,
    ImportSummary,
    Paper,
    PaperRecord,
    Problem,
    Sort,
    Stats,
)
from readq.textclean import strip_control

if TYPE_CHECKING:
    from readq.import_engine import ImportTimings, PreparedRecord

# Names of the import engine this module re-exports, imported when first asked
# for: the engine pulls in the search module, which a TUI's first
# frame does not need.
_FROM_IMPORT_ENGINE = {"ImportEngine", "ImportTimings", "PreparedRecord", "content_hash", "prepare",
                       "title_digest"}


def __getattr__(name: str):
    if name in _FROM_IMPORT_ENGINE:
        from readq import import_engine

        return getattr(import_engine, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

BUSY_TIMEOUT_SECONDS = 30
LOCK_POLL_SECONDS = 0.005
WRITER_BUSY_TIMEOUT_MS = 50
NOTE_VERSIONS_KEPT = 50
# Saves of one note by one session within this window update one version
# instead of adding another: a version per typing pause would drown the history.
NOTE_VERSION_COALESCE_SECONDS = 600
_PAPER_COLUMNS = tuple(f.name for f in fields(Paper))
_SELECT_PAPER = f"SELECT {', '.join(_PAPER_COLUMNS)} FROM papers"
# For list rows: the same columns without the long texts (abstract and notes
# come back empty), a tenth of the bytes to read per page.
_SELECT_BRIEF = _SELECT_PAPER.replace(" abstract,", " '' AS abstract,").replace(
    " notes,", " NULL AS notes,"
)

_FILTER_SQL: dict[str, str] = {
    "all": "",
    "unread": "read_at IS NULL",
    "read": "read_at IS NOT NULL",
    "rated": "rating IS NOT NULL",
    "noted": "notes IS NOT NULL AND notes <> ''",  # the papers_noted index
}
# Every read keeps to visible papers: those of an import still running are not
# (see readq/import_engine.py). `+id` leaves the choice of index to the view.
_VISIBLE = f"+id < {VISIBLE_BELOW}"
# Counts as the total minus the pending papers: a bare count(*) reads the
# smallest index without decoding it, and the pending part is an id range of
# the partial indexes papers_unread and papers_read (together: every paper).
_PENDING = f"id >= {VISIBLE_BELOW}"
_COUNT_SQL: dict[str, str] = {
    "all": (f"SELECT (SELECT count(*) FROM papers)"
            f" - (SELECT count(*) FROM papers WHERE read_at IS NULL AND {_PENDING})"
            f" - (SELECT count(*) FROM papers WHERE read_at IS NOT NULL AND {_PENDING})"),
    "unread": (f"SELECT (SELECT count(*) FROM papers WHERE read_at IS NULL)"
               f" - (SELECT count(*) FROM papers WHERE read_at IS NULL AND {_PENDING})"),
    "read": (f"SELECT (SELECT count(*) FROM papers WHERE read_at IS NOT NULL)"
             f" - (SELECT count(*) FROM papers WHERE read_at IS NOT NULL AND {_PENDING})"),
    "rated": f"SELECT count(*) FROM papers WHERE rating IS NOT NULL AND {_VISIBLE}",
    "noted": f"SELECT count(*) FROM papers WHERE notes IS NOT NULL AND notes <> '' AND {_VISIBLE}",
}
# NULL sorts lowest in SQLite, so DESC puts undated and unrated papers last;
# each order matches an index (papers_newest, papers_by_rating).
_SORT_SQL: dict[str, str] = {
    "queue": "ORDER BY id",
    "newest": "ORDER BY created DESC, id DESC",
    "rating": "ORDER BY rating DESC, id",
}

Clock = Callable[[], datetime]
Progress = Callable[[ImportSummary], None]


def utc_now() -> datetime:
    return datetime.now(UTC)


def _paper(row: tuple) -> Paper:
    values = dict(zip(_PAPER_COLUMNS, row))
    values["headline_derived"] = bool(values["headline_derived"])
    return Paper(**values)


@dataclass(frozen=True, slots=True)
class NoteSave:
    """What happened when a note was saved."""

    saved_at: str
    # The text in the database had changed since the editor loaded it (another
    # readq process wrote it); that text is kept in note_versions.
    conflict: bool
    overwritten_text: str | None
    previous: str = ""  # the text the save replaced (what undo brings back)


def check_database_file(path: Path) -> None:
    """Refuse, with one line, files readq must not open (never modifying them)."""
    if path.is_dir():
        raise DatabaseProblem(f"{path}: is a directory, not a readq database")
    if not path.exists():
        return
    # The file is never opened here: closing any descriptor of a database file
    # drops this process's SQLite locks on it. SQLite itself rejects non-SQLite files.
    if not os.access(path, os.R_OK):
        raise DatabaseProblem(f"{path}: permission denied")
    if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        raise DatabaseProblem(f"{path}: database is read-only (readq needs to write to it)")


class Store:
    """A readq database. Open with `Store.open(path)`; close when done."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None, clock: Clock = utc_now):
        self._conn = conn
        self.path = path
        self._clock = clock
        # Reads and writes use separate connections, so a write waiting for
        # another process's lock never holds up a read on the UI thread.
        self._lock = threading.RLock()
        self._writer: sqlite3.Connection | None = None if path else conn
        self._write_lock = threading.RLock() if path else self._lock
        self.session = uuid.uuid4().hex[:12]
        # How long one write waits for another process's write lock before it
        # fails; the TUI lowers it and retries notes itself (readq/session.py).
        self.write_wait_seconds: float = BUSY_TIMEOUT_SECONDS
        self.import_timings: ImportTimings | None = None  # of the last import (benchmarks)

    # ----- opening -------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path, *, create: bool = True, clock: Clock = utc_now) -> Store:
        from readq.privacy import ensure_private_dir, private_file

        path = Path(path)
        check_database_file(path)
        if not path.exists() and not create:
            raise DatabaseProblem(
                f"{path}: no database here yet (import something first: readq import FILE)"
            )
        if not path.parent.exists() and not create:
            raise DatabaseProblem(f"{path.parent}: no such directory")
        try:  # notes are personal: a new folder is 0700, a new database file 0600
            ensure_private_dir(path.parent)
            # Made before SQLite would create it 0644 (-wal and -shm copy its mode);
            # an empty file, `touch readq.db`, is a new database too.
            private_file(path, tighten=path.is_file() and path.stat().st_size == 0)
        except OSError as error:
            raise DatabaseProblem(f"{path}: cannot create the database ({error.strerror or error})") from None
        conn = _connect(path)
        try:
            _prepare_schema(conn, path)
        except BaseException:
            conn.close()
            raise
        return cls(conn, path, clock)

    @classmethod
    def memory(cls, clock: Clock = utc_now) -> Store:
        conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        migrate(conn, 0)
        return cls(conn, None, clock)

    def connect_reader(self) -> sqlite3.Connection:
        """A separate connection for a reader in another thread (the search worker)."""
        if self.path is None:
            return self._conn
        return _connect(self.path)

    def close(self) -> None:
        with self._write_lock:
            if self._writer is not None and self._writer is not self._conn:
                self._writer.close()
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----- plumbing ------------------------------------------------------------

    def now(self) -> str:
        return self._clock().astimezone(UTC).isoformat(timespec="milliseconds")

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; BEGIN IMMEDIATE takes the write lock up front so
        that a concurrent writer waits (busy timeout) instead of failing later."""
        with self._write_lock:
            if self._writer is None:
                self._writer = _connect(self.path)
                # _begin does the waiting for the write lock (fairly); the rest
                # of a transaction never waits long.
                self._writer.execute(f"PRAGMA busy_timeout = {WRITER_BUSY_TIMEOUT_MS}")
            conn = self._writer
            self._begin(conn)
            try:
                yield conn
            except sqlite3.OperationalError as error:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise ReadqError(f"could not save: {error}") from None
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            else:
                try:
                    conn.execute("COMMIT")
                except sqlite3.OperationalError as error:
                    if conn.in_transaction:  # SQLite may have rolled back already (disk full)
                        conn.execute("ROLLBACK")
                    raise ReadqError(f"could not save: {error}") from None

    def _begin(self, conn: sqlite3.Connection) -> None:
        """Take the write lock, waiting up to `write_wait_seconds` for another
        process. Polled every few milliseconds rather than left to SQLite's busy
        handler, which sleeps up to 100 ms between tries: an importer that takes
        the lock again right after each batch would shut such a waiter out."""
        deadline = time.monotonic() + self.write_wait_seconds
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if not _is_busy(error) or time.monotonic() >= deadline:
                    raise ReadqError(f"database is busy or unwritable: {error}") from None
            time.sleep(LOCK_POLL_SECONDS)

    def _query(self, sql: str, params: Iterable = ()) -> list[tuple]:
        with self._lock:
            return self._conn.execute(sql, tuple(params)).fetchall()

    def data_version(self) -> int:
        """Changes whenever another connection commits (PRAGMA data_version)."""
        return self._query("PRAGMA data_version")[0][0]

    # ----- reading -------------------------------------------------------------

    def get(self, paper_id: int) -> Paper | None:
        rows = self._query(f"{_SELECT_PAPER} WHERE id = ? AND {_VISIBLE}", (paper_id,))
        return _paper(rows[0]) if rows else None

    def get_many(self, ids: Iterable[int], brief: bool = False) -> dict[int, Paper]:
        """Papers by id; `brief` leaves out abstract and notes (list rows)."""
        select = _SELECT_BRIEF if brief else _SELECT_PAPER
        ids = list(ids)
        found: dict[int, Paper] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._query(f"{select} WHERE id IN ({marks}) AND {_VISIBLE}", chunk):
                paper = _paper(row)
                found[paper.id] = paper
        return found

    def find_by_arxiv_id(self, arxiv_id: str) -> Paper | None:
        rows = self._query(f"{_SELECT_PAPER} WHERE arxiv_id = ? AND {_VISIBLE}", (arxiv_id,))
        return _paper(rows[0]) if rows else None

    def count(self, filter: Filter = "all") -> int:
        return self._query(_COUNT_SQL[filter])[0][0]

    def page(
        self, filter: Filter = "all", sort: Sort = "queue", offset: int = 0, limit: int = 100,
        min_rating: int | None = None, brief: bool = False,
    ) -> list[Paper]:
        where, params = self._where(filter, min_rating)
        # Skipping rows walks an index only; whole rows are read for the page alone.
        sql = (
            f"{_SELECT_BRIEF if brief else _SELECT_PAPER} WHERE id IN"
            f" (SELECT id FROM papers {where} {_SORT_SQL[sort]}"
            f" LIMIT ? OFFSET ?) {_SORT_SQL[sort]}"
        )
        return [_paper(row) for row in self._query(sql, (*params, limit, offset))]

    def iter_papers(
        self, filter: Filter = "all", sort: Sort = "queue", min_rating: int | None = None,
        batch: int = 1000,
    ) -> Iterator[Paper]:
        """Every paper of a view, streamed in batches from one query, so that
        `readq list | head` reads a few rows and an export of 1M rows runs in
        constant memory. Its own connection: the caller may write meanwhile."""
        where, params = self._where(filter, min_rating)
        conn = self.connect_reader()
        try:
            cursor = conn.execute(f"{_SELECT_PAPER} {where} {_SORT_SQL[sort]}", params)
            while rows := cursor.fetchmany(batch):
                yield from (_paper(row) for row in rows)
        finally:
            if conn is not self._conn:
                conn.close()

    def view_ids(self, filter: Filter = "all", sort: Sort = "queue") -> list[int]:
        """Ids of every paper in a view, in order (bulk actions on what is shown)."""
        where, params = self._where(filter, None)
        return [row[0] for row in self._query(f"SELECT id FROM papers {where} {_SORT_SQL[sort]}", params)]

    def next_unread_position(self, filter: Filter, sort: Sort, after: int) -> int | None:
        """Position in the view of the first unread paper after position `after`
        (wrapping around to the top), or None when nothing is unread."""
        where, params = self._where(filter, None)
        sql = (
            f"SELECT position FROM (SELECT read_at, row_number() OVER ({_SORT_SQL[sort]}) - 1"
            f" AS position FROM papers {where}) WHERE read_at IS NULL"
            " ORDER BY position <= ?, position LIMIT 1"
        )
        rows = self._query(sql, (*params, after))
        return rows[0][0] if rows else None

    def position_of(self, paper_id: int, filter: Filter = "all", sort: Sort = "queue") -> int | None:
        """Where a paper is in a view, or where it would be if the view does not
        list it (so the row there is its nearest neighbour); None if it is gone.
        Counts the rows sorted before it, on an index that carries the filter's
        column (migrations._v7_views_read_from_indexes)."""
        rows = self._query("SELECT created, rating FROM papers WHERE id = ?", (paper_id,))
        if not rows:
            return None
        created, rating = rows[0]
        if sort == "newest":
            before, params = _ordered_before("created", created, "id > ?", paper_id)
        elif sort == "rating":
            before, params = _ordered_before("rating", rating, "id < ?", paper_id)
        else:
            before, params = "id < ?", [paper_id]
        where, filter_params = self._where(filter, None)
        return self._query(f"SELECT count(*) FROM papers {where} AND ({before})",
                           (*filter_params, *params))[0][0]

    @staticmethod
    def _where(filter: Filter, min_rating: int | None) -> tuple[str, list]:
        conditions = [c for c in (_FILTER_SQL[filter], _VISIBLE) if c]
        if min_rating is None:
            return f"WHERE {' AND '.join(conditions)}", []
        return f"WHERE {' AND '.join(conditions)} AND rating >= ?", [min_rating]

    def stats(self) -> Stats:
        row = self._query(
            f"SELECT ({_COUNT_SQL['all']}), ({_COUNT_SQL['unread']}), ({_COUNT_SQL['rated']}),"
            f" ({_COUNT_SQL['noted']})"
        )[0]  # each count reads a small index (see migrations)
        return Stats(total=row[0], unread=row[1], rated=row[2], noted=row[3])

    def note_versions(self, paper_id: int) -> list[tuple[str, str]]:
        """(saved_at, text) of the note's kept versions, newest first."""
        return [
            (saved_at, text)
            for saved_at, text in self._query(
                "SELECT saved_at, text FROM note_versions WHERE paper_id = ? ORDER BY id DESC",
                (paper_id,),
            )
        ]

    def get_setting(self, key: str) -> str | None:
        rows = self._query("SELECT value FROM settings WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    # ----- writing -------------------------------------------------------------

    def set_read(self, ids: Iterable[int], read: bool) -> dict[int, str | None]:
        """Mark papers read or unread; returns each one's previous read_at (for undo)."""
        ids = list(ids)
        stamp = self.now() if read else None
        with self._write() as conn:
            previous = self._column_values(conn, "read_at", ids)
            changed = [pid for pid, value in previous.items() if (value is not None) != read]
            conn.executemany(
                "UPDATE papers SET read_at = ? WHERE id = ?", [(stamp, pid) for pid in changed]
            )
        return previous

    def restore_read(self, previous: dict[int, str | None]) -> None:
        with self._write() as conn:
            conn.executemany(
                "UPDATE papers SET read_at = ? WHERE id = ?",
                [(value, pid) for pid, value in previous.items()],
            )

    def rate(self, paper_id: int, rating: int | None) -> int | None:
        """Set (1–5) or clear (None or 0) a rating; returns the previous one."""
        if rating == 0:
            rating = None
        if rating is not None and not 1 <= rating <= 5:
            raise ReadqError(f"rating must be 0–5, not {rating}")
        with self._write() as conn:
            previous = self._column_values(conn, "rating", [paper_id])
            if paper_id not in previous:
                raise ReadqError(f"no paper with id {paper_id}")
            conn.execute("UPDATE papers SET rating = ? WHERE id = ?", (rating, paper_id))
        return previous[paper_id]

    def save_note(self, paper_id: int, text: str, *, base: str | None = None,
                  check_base: bool = False, coalesce: bool = True) -> NoteSave:
        """Save a note. With `check_base`, `base` is the text the editor started
        from: if the stored text differs, another writer changed it meanwhile;
        the save still happens (the user's typing wins) and the other text stays
        restorable from note_versions. `coalesce=False` (undo, restore) always
        adds a version, so the text it replaces stays in the history."""
        saved_at = self.now()
        text = strip_control(text)  # a note reaches terminals too: no escape sequences
        with self._write() as conn:
            row = conn.execute("SELECT notes FROM papers WHERE id = ?", (paper_id,)).fetchone()
            if row is None:
                raise ReadqError(f"no paper with id {paper_id}")
            current = row[0] or ""
            conflict = check_base and current != (base or "")
            if current == text:
                return NoteSave(saved_at, False, None, current)
            if conflict:
                self._add_note_version(conn, paper_id, current, saved_at, session="other")
            conn.execute(
                "UPDATE papers SET notes = ?, notes_updated_at = ? WHERE id = ?",
                (text, saved_at, paper_id),
            )
            # A version of its own (another session tag) is never overwritten
            # by the typing saves that follow it.
            session = self.session if coalesce else f"{self.session}-restore"
            self._add_note_version(conn, paper_id, text, saved_at, session=session,
                                   coalesce=coalesce)
            # Search engines (any process) recount the notes' words on their next query.
            conn.execute("INSERT INTO settings (key, value) VALUES ('notes_version', ?)"
                         " ON CONFLICT(key) DO UPDATE SET value = excluded.value", (os.urandom(8).hex(),))
        return NoteSave(saved_at, conflict, current if conflict else None, current)

    def _add_note_version(self, conn: sqlite3.Connection, paper_id: int, text: str,
                          saved_at: str, session: str, coalesce: bool = True) -> None:
        latest = conn.execute(
            "SELECT id, saved_at, session FROM note_versions WHERE paper_id = ?"
            " ORDER BY id DESC LIMIT 1",
            (paper_id,),
        ).fetchone()
        if coalesce and latest and latest[2] == session and _seconds_between(latest[1], saved_at) < NOTE_VERSION_COALESCE_SECONDS:
            conn.execute("UPDATE note_versions SET text = ?, saved_at = ? WHERE id = ?",
                         (text, saved_at, latest[0]))
        else:
            conn.execute(
                "INSERT INTO note_versions (paper_id, text, saved_at, session) VALUES (?, ?, ?, ?)",
                (paper_id, text, saved_at, session),
            )
        conn.execute(
            "DELETE FROM note_versions WHERE paper_id = ? AND id NOT IN"
            " (SELECT id FROM note_versions WHERE paper_id = ? ORDER BY id DESC LIMIT ?)",
            (paper_id, paper_id, NOTE_VERSIONS_KEPT),
        )

    def iter_derived_headlines(self, batch: int = 1000) -> Iterator[tuple[int, str, str]]:
        """(id, headline, abstract) of each paper whose headline readq derived, by id."""
        last = 0
        while rows := self._query(
            f"SELECT id, title, abstract FROM papers WHERE id > ? AND headline_derived = 1 AND {_VISIBLE}"
            " ORDER BY id LIMIT ?", (last, batch),
        ):
            yield from rows
            last = rows[-1][0]

    def replace_headlines(self, changes: Iterable[tuple[int, str, str]]) -> int:
        """Store new derived headlines, given as (id, headline it replaces, new headline), in one
        transaction. A paper whose headline changed meanwhile (say a real title arrived) is
        left alone. Returns how many changed."""
        with self._write() as conn:
            return sum(
                conn.execute("UPDATE papers SET title = ? WHERE id = ? AND headline_derived = 1 AND title = ?",
                             (new, paper_id, old)).rowcount
                for paper_id, old, new in changes
            )

    def set_setting(self, key: str, value: str) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    @staticmethod
    def _column_values(conn: sqlite3.Connection, column: str, ids: list[int]) -> dict[int, object]:
        values: dict[int, object] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for pid, value in conn.execute(
                f"SELECT id, {column} FROM papers WHERE id IN ({marks}) AND {_VISIBLE}", chunk
            ):
                values[pid] = value
        return values

    # ----- tags (the SQL is in readq/tags.py) -------------------------------------

    def add_tags(self, paper_id: int, names: Iterable[str]) -> list[str]:
        """Tag a paper; returns the tags it did not have. Bad names: ReadqError."""
        tags = tag_sql.clean_tags(names)
        with self._write() as conn:
            tag_sql.require_paper(conn, paper_id)
            return tag_sql.add(conn, paper_id, tags, self.now())

    def remove_tags(self, paper_id: int, names: Iterable[str]) -> list[str]:
        """Untag a paper (any case); returns the tags it had among `names`."""
        tags = tag_sql.clean_tags(names)
        with self._write() as conn:
            tag_sql.require_paper(conn, paper_id)
            return tag_sql.remove(conn, paper_id, tags, self.now())

    def set_tags(self, paper_id: int, names: Iterable[str]) -> list[str]:
        """Make a paper's tags exactly `names` (the tag dialog's result);
        returns the previous tags (what undo sets back)."""
        tags = tag_sql.clean_tags(names)
        with self._write() as conn:
            tag_sql.require_paper(conn, paper_id)
            previous = tag_sql.tags_of(conn, [paper_id]).get(paper_id, [])
            if sorted(t.casefold() for t in previous) != sorted(t.casefold() for t in tags):
                tag_sql.replace(conn, paper_id, tags, self.now())
        return previous

    def tags_of(self, paper_id: int) -> list[str]:
        with self._lock:
            return tag_sql.tags_of(self._conn, [paper_id]).get(paper_id, [])

    def tags_for(self, ids: Iterable[int]) -> dict[int, list[str]]:
        """Tags of many papers (a page of list rows); untagged papers are left out."""
        with self._lock:
            return tag_sql.tags_of(self._conn, ids)

    def all_tags(self) -> list[tuple[str, int]]:
        """(tag, number of papers) of every tag in use, most used first."""
        with self._lock:
            return tag_sql.counts(self._conn)

    def tagged_ids(self, name: str) -> list[int]:
        """Ids of the papers with a tag (any case), in queue order."""
        with self._lock:
            return tag_sql.tagged_ids(self._conn, name.strip())

    def tag_states(self) -> dict[int, tuple[list[str], str | None]]:
        """(tags, tags_updated_at) of every paper whose tags were ever set (exports)."""
        with self._lock:
            return tag_sql.every_tag_state(self._conn)

    # ----- importing -----------------------------------------------------------

    def import_records(
        self,
        items: Iterable[PaperRecord | PreparedRecord | Problem],
        source: str,
        *,
        progress: Progress | None = None,
    ) -> ImportSummary:
        """Import one file's records: readers see all of them or none.

        Duplicates (same arXiv id, else same normalised abstract) are counted and
        skipped; an id-less paper already in the queue gains the arXiv id and
        dates of a listing record with the same abstract. `progress` is called
        every few thousand records; an exception from it cancels the import.
        Written in short transactions, published by one at the end: other
        writers wait a fraction of a second at most (readq/import_engine.py).
        """
        from readq.import_engine import ImportEngine

        engine = ImportEngine(self, source, progress)
        try:
            return engine.run(items)
        finally:
            self.import_timings = engine.timings


def _seconds_between(earlier: str, later: str) -> float:
    try:
        return (datetime.fromisoformat(later) - datetime.fromisoformat(earlier)).total_seconds()
    except ValueError:
        return float("inf")


def _ordered_before(column: str, value: object, tie: str, paper_id: int) -> tuple[str, list]:
    """Rows before a paper in `ORDER BY column DESC, <tie>`, where NULL sorts last."""
    if value is None:
        return f"{column} IS NOT NULL OR ({column} IS NULL AND {tie})", [paper_id]
    return f"{column} > ? OR ({column} = ? AND {tie})", [value, value, paper_id]


def _is_busy(error: sqlite3.OperationalError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    return code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "locked" in str(error)


def _connect(path: Path) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_SECONDS
        )
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
        conn.execute("PRAGMA foreign_keys = ON")
        return conn
    except sqlite3.DatabaseError as error:
        raise DatabaseProblem(f"{path}: cannot open database ({error})") from None


def _prepare_schema(conn: sqlite3.Connection, path: Path) -> None:
    """Create or migrate the schema; refuse foreign and newer databases untouched."""
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as error:
        if "not a database" in str(error):
            raise DatabaseProblem(f"{path}: not a readq database (not an SQLite file)") from None
        raise DatabaseProblem(f"{path}: damaged or not a readq database ({error})") from None
    if version > SCHEMA_VERSION:
        raise DatabaseProblem(
            f"{path}: made by a newer readq (schema {version}, this readq knows {SCHEMA_VERSION});"
            " upgrade readq to open it"
        )
    if version == 0 and tables:
        raise DatabaseProblem(f"{path}: not a readq database (it has other tables)")
    if 0 < version and "papers" not in tables:
        raise DatabaseProblem(f"{path}: damaged readq database (no papers table)")
    try:
        if version < SCHEMA_VERSION:
            if version > 0:
                from readq.privacy import private_file

                backup_path = private_file(path.with_name(f"{path.name}.bak-v{version}"), tighten=True)
                with sqlite3.connect(backup_path) as backup:
                    conn.backup(backup)
            migrate(conn, version)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError as error:
        raise DatabaseProblem(f"{path}: cannot prepare database ({error})") from None
