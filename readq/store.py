"""The paper store: the only module that touches SQLite. It knows nothing of the UI.

Every write is one `BEGIN IMMEDIATE` transaction that updates only the columns
it changes, so two readq processes on one file never overwrite each other's
read marks or ratings with stale values. WAL mode and a busy timeout let a
reader and a writer work at the same time.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path

from readq.errors import DatabaseProblem, ReadqError
from readq.headline import derive_headline
from readq.migrations import SCHEMA_VERSION, migrate
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
from readq.search import LONGEST_TERM, raw_words, vocabulary_counts

BUSY_TIMEOUT_SECONDS = 15
NOTE_VERSIONS_KEPT = 50
# Saves of one note by one session within this window update one version
# instead of adding another: a version per typing pause would drown the history.
NOTE_VERSION_COALESCE_SECONDS = 600
PROGRESS_EVERY = 2000
INDEX_EVERY = 5000  # new rows indexed per batch while an import runs
_PAPER_COLUMNS = tuple(f.name for f in fields(Paper))
_SELECT_PAPER = f"SELECT {', '.join(_PAPER_COLUMNS)} FROM papers"
# For list rows: the same columns without the long texts (abstract and notes
# come back empty), a tenth of the bytes to read per page.
_SELECT_BRIEF = _SELECT_PAPER.replace(" abstract,", " '' AS abstract,").replace(
    " notes,", " NULL AS notes,"
)

_FILTER_SQL: dict[str, str] = {
    "all": "",
    "unread": "WHERE read_at IS NULL",
    "read": "WHERE read_at IS NOT NULL",
    "rated": "WHERE rating IS NOT NULL",
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


def content_hash(abstract: str) -> str:
    """Identity of an abstract for de-duplication: case and spacing do not count."""
    normalised = " ".join(abstract.casefold().split())
    return hashlib.blake2b(normalised.encode("utf-8"), digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True)
class PreparedRecord:
    """A record with its content hash computed (in another process, for large
    imports). The headline is derived later, and only for papers that are new."""

    record: PaperRecord
    digest: str


def title_digest(title: str) -> str:
    """Identity of a title-only paper (no abstract): its title, kept apart from abstracts."""
    return content_hash(f"\x00title {title}")


def prepare(record: PaperRecord) -> PreparedRecord:
    digest = content_hash(record.abstract) if record.abstract else title_digest(record.title or "")
    return PreparedRecord(record, digest)


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

    # ----- opening -------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path, *, create: bool = True, clock: Clock = utc_now) -> Store:
        path = Path(path)
        check_database_file(path)
        if not path.exists() and not create:
            raise DatabaseProblem(
                f"{path}: no database here yet (import something first: readq import FILE)"
            )
        if not path.parent.exists():
            if not create:
                raise DatabaseProblem(f"{path.parent}: no such directory")
            path.parent.mkdir(parents=True, exist_ok=True)
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
            conn = self._writer
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:
                raise ReadqError(f"database is busy or unwritable: {error}") from None
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

    def _query(self, sql: str, params: Iterable = ()) -> list[tuple]:
        with self._lock:
            return self._conn.execute(sql, tuple(params)).fetchall()

    def data_version(self) -> int:
        """Changes whenever another connection commits (PRAGMA data_version)."""
        return self._query("PRAGMA data_version")[0][0]

    # ----- reading -------------------------------------------------------------

    def get(self, paper_id: int) -> Paper | None:
        rows = self._query(f"{_SELECT_PAPER} WHERE id = ?", (paper_id,))
        return _paper(rows[0]) if rows else None

    def get_many(self, ids: Iterable[int], brief: bool = False) -> dict[int, Paper]:
        """Papers by id; `brief` leaves out abstract and notes (list rows)."""
        select = _SELECT_BRIEF if brief else _SELECT_PAPER
        ids = list(ids)
        found: dict[int, Paper] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._query(f"{select} WHERE id IN ({marks})", chunk):
                paper = _paper(row)
                found[paper.id] = paper
        return found

    def find_by_arxiv_id(self, arxiv_id: str) -> Paper | None:
        rows = self._query(f"{_SELECT_PAPER} WHERE arxiv_id = ?", (arxiv_id,))
        return _paper(rows[0]) if rows else None

    def count(self, filter: Filter = "all") -> int:
        return self._query(f"SELECT count(*) FROM papers {_FILTER_SQL[filter]}")[0][0]

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

    @staticmethod
    def _where(filter: Filter, min_rating: int | None) -> tuple[str, list]:
        where = _FILTER_SQL[filter]
        if min_rating is None:
            return where, []
        joiner = " AND " if where else "WHERE "
        return f"{where}{joiner}rating >= ?", [min_rating]

    def stats(self) -> Stats:
        row = self._query(
            "SELECT (SELECT count(*) FROM papers),"
            " (SELECT count(*) FROM papers WHERE read_at IS NULL),"
            " (SELECT count(*) FROM papers WHERE rating IS NOT NULL),"
            " (SELECT count(*) FROM papers WHERE notes IS NOT NULL AND notes <> '')"
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
                  check_base: bool = False) -> NoteSave:
        """Save a note. With `check_base`, `base` is the text the editor started
        from: if the stored text differs, another writer changed it meanwhile;
        the save still happens (the user's typing wins) and the other text stays
        restorable from note_versions."""
        saved_at = self.now()
        text = strip_control(text)  # a note reaches terminals too: no escape sequences
        with self._write() as conn:
            row = conn.execute("SELECT notes FROM papers WHERE id = ?", (paper_id,)).fetchone()
            if row is None:
                raise ReadqError(f"no paper with id {paper_id}")
            current = row[0] or ""
            conflict = check_base and current != (base or "")
            if current == text:
                return NoteSave(saved_at, False, None)
            if conflict:
                self._add_note_version(conn, paper_id, current, saved_at, session="other")
            conn.execute(
                "UPDATE papers SET notes = ?, notes_updated_at = ? WHERE id = ?",
                (text, saved_at, paper_id),
            )
            self._add_note_version(conn, paper_id, text, saved_at, session=self.session)
        return NoteSave(saved_at, conflict, current if conflict else None)

    def _add_note_version(self, conn: sqlite3.Connection, paper_id: int, text: str,
                          saved_at: str, session: str) -> None:
        latest = conn.execute(
            "SELECT id, saved_at, session FROM note_versions WHERE paper_id = ?"
            " ORDER BY id DESC LIMIT 1",
            (paper_id,),
        ).fetchone()
        if latest and latest[2] == session and _seconds_between(latest[1], saved_at) < NOTE_VERSION_COALESCE_SECONDS:
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
                f"SELECT id, {column} FROM papers WHERE id IN ({marks})", chunk
            ):
                values[pid] = value
        return values

    # ----- importing -----------------------------------------------------------

    def import_records(
        self,
        items: Iterable[PaperRecord | PreparedRecord | Problem],
        source: str,
        *,
        progress: Progress | None = None,
    ) -> ImportSummary:
        """Import one file's records in one transaction: all of them or none.

        Duplicates (same arXiv id, else same normalised abstract) are counted and
        skipped; an id-less paper already in the queue gains the arXiv id and
        dates of a listing record with the same abstract. `progress` is called
        every few thousand records; an exception from it cancels the import.
        """
        summary = ImportSummary(source=source)
        added_at = self.now()
        with self._write() as conn:
            first_new_id = (conn.execute("SELECT max(id) FROM papers").fetchone()[0] or 0) + 1
            index = _BulkIndex(conn, first_new_id)
            for item in items:
                if isinstance(item, Problem):  # records may come as PaperRecord or PreparedRecord
                    summary.problems.append(item)
                    if item.rejected:
                        summary.seen += 1
                        summary.rejected += 1
                    continue
                summary.seen += 1
                if self._insert_record(conn, item, source, added_at):
                    summary.imported += 1
                    if summary.imported % INDEX_EVERY == 0:
                        index.catch_up()
                else:
                    summary.duplicates += 1
                if progress is not None and summary.seen % PROGRESS_EVERY == 0:
                    progress(summary)
            index.finish()
            if summary.imported:
                _update_vocabulary(conn, first_new_id, summary.imported)
                # Tells search engines in this and other processes to reload the vocabulary.
                conn.execute(
                    "INSERT INTO settings (key, value) VALUES ('search_terms_version', ?)"
                    " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (uuid.uuid4().hex,),
                )
            if progress is not None:
                progress(summary)  # still inside the transaction: raising cancels
        return summary

    def _insert_record(self, conn: sqlite3.Connection, item: PaperRecord | PreparedRecord,
                       source: str, added_at: str) -> bool:
        """Add a new paper (True), or merge a known one into the queue's copy (False).

        A paper is known by its arXiv id, else its DOI, else its abstract (or, for
        a title-only paper, its title). Merging fills columns the queue lacks and
        replaces a derived headline with a real title; reading state comes only
        from readq's own export (see `_merge`)."""
        prepared = item if isinstance(item, PreparedRecord) else prepare(item)
        record, digest = prepared.record, prepared.digest
        known = self._find_known(conn, record, digest)
        if known is not None:
            self._merge(conn, known, prepared)
            return False
        derived = record.title is None if record.headline_derived is None else record.headline_derived
        cursor = conn.execute(
            "INSERT INTO papers (arxiv_id, title, headline_derived, authors, abstract, comments,"
            " categories, doi, url, created, updated, source, added_at, read_at, rating, notes,"
            " notes_updated_at, content_hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (record.arxiv_id, record.title or derive_headline(record.abstract), derived,
             record.authors, record.abstract,
             record.comments, record.categories, record.doi, record.url, record.created,
             record.updated, record.source or source, record.added_at or added_at,
             record.read_at, record.rating, record.notes, record.notes_updated_at, digest),
        )
        if record.notes:
            self._add_note_version(conn, cursor.lastrowid, record.notes,
                                   record.notes_updated_at or added_at, session="import")
        return True

    @staticmethod
    def _find_known(conn: sqlite3.Connection, record: PaperRecord, digest: str) -> dict | None:
        """The queue's copy of `record`, as a column -> value dict, or None."""
        lookups: list[tuple[str, tuple]] = []
        if record.arxiv_id:
            lookups.append(("arxiv_id = ?", (record.arxiv_id,)))
        if record.doi:  # a DOI match with another arXiv id is another paper
            lookups.append(("doi = ? AND (arxiv_id IS NULL OR ? IS NULL)", (record.doi, record.arxiv_id)))
        # Same abstract: a paper with another arXiv id is another paper (duplicate postings).
        lookups.append(("content_hash = ?" + (" AND arxiv_id IS NULL" if record.arxiv_id else ""),
                        (digest,)))
        if record.title and record.abstract:  # a title-only paper gaining its abstract
            lookups.append(("content_hash = ? AND abstract = ''", (title_digest(record.title),)))
        for where, params in lookups:
            select = f"SELECT {', '.join(_MERGE_COLUMNS)} FROM papers WHERE {where} LIMIT 1"
            row = conn.execute(select, params).fetchone()
            if row is not None:
                return dict(zip(_MERGE_COLUMNS, row))
        return None

    def _merge(self, conn: sqlite3.Connection, known: dict, prepared: PreparedRecord) -> None:
        """Fill the known paper's empty columns from `prepared`, updating only those.

        Reading state is only ever in readq's own export: it fills an empty read
        mark or rating (they carry no time of change, so the queue's value wins),
        and a note replaces the queue's when it was saved later."""
        record = prepared.record
        changes: dict[str, object] = {
            column: getattr(record, column) for column in _FILLABLE_COLUMNS
            if known[column] is None and getattr(record, column) is not None
        }
        if known["headline_derived"] and record.title and not record.headline_derived:
            changes.update(title=record.title, headline_derived=0)
        if not known["abstract"] and record.abstract:
            changes.update(abstract=record.abstract, content_hash=prepared.digest)
        if record.read_at and known["read_at"] is None:
            changes["read_at"] = record.read_at
        if record.rating and known["rating"] is None:
            changes["rating"] = record.rating
        if record.notes is not None and record.notes != (known["notes"] or "") and (
            not known["notes"] or _later(record.notes_updated_at, known["notes_updated_at"])
        ):
            changes.update(notes=record.notes, notes_updated_at=record.notes_updated_at)
        if not changes:
            return
        assignments = ", ".join(f"{column} = ?" for column in changes)
        conn.execute(f"UPDATE papers SET {assignments} WHERE id = ?", (*changes.values(), known["id"]))
        if changes.get("notes"):
            self._add_note_version(conn, known["id"], record.notes,
                                   record.notes_updated_at or self.now(), session="import")
        if "title" in changes or "abstract" in changes:
            merged = {**known, **changes}
            _count_new_words(conn, f"{known['title']} {known['abstract']}",
                             f"{merged['title']} {merged['abstract']}")


_MERGE_COLUMNS = ("id", "arxiv_id", "title", "headline_derived", "abstract", "authors", "comments",
                  "categories", "doi", "url", "created", "updated", "read_at", "rating", "notes",
                  "notes_updated_at")
# Paper metadata an import may add to a known paper when the queue has none.
_FILLABLE_COLUMNS = ("arxiv_id", "authors", "comments", "categories", "doi", "url", "created", "updated")


def _later(stamp: str | None, than: str | None) -> bool:
    """Whether timestamp `stamp` is after `than` (a missing one is never later)."""
    if stamp is None:
        return False
    if than is None:
        return True
    try:
        return datetime.fromisoformat(stamp) > datetime.fromisoformat(than)
    except (TypeError, ValueError):
        return stamp > than


def _count_new_words(conn: sqlite3.Connection, before: str, after: str) -> None:
    """Add the words a merge brought to a paper (a real title) to the search vocabulary."""
    added = raw_words(after) - raw_words(before)
    conn.executemany(
        "INSERT INTO search_terms (term, docs) VALUES (?, ?)"
        " ON CONFLICT(term) DO UPDATE SET docs = docs + excluded.docs",
        vocabulary_counts(Counter(added)).items(),
    )


class _BulkIndex:
    """Full-text indexing of an import's new rows, thousands at a time.

    One INSERT ... SELECT indexes rows four times faster than the per-row
    trigger. settings' 'bulk_import' holds the first id not yet indexed; the
    triggers skip rows from there on (see migrations) and handle the rest."""

    def __init__(self, conn: sqlite3.Connection, first_new_id: int):
        self._conn = conn
        self._unindexed_from = first_new_id
        conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('bulk_import', ?)",
                     (str(first_new_id),))

    def catch_up(self) -> None:
        top = self._conn.execute("SELECT max(id) FROM papers").fetchone()[0] or 0
        if top < self._unindexed_from:
            return
        self._conn.execute(
            "INSERT INTO papers_fts (rowid, title, abstract, arxiv_id, comments, notes)"
            " SELECT id, title, abstract, arxiv_id, comments, notes FROM papers WHERE id >= ?",
            (self._unindexed_from,),
        )
        self._unindexed_from = top + 1
        self._conn.execute("UPDATE settings SET value = ? WHERE key = 'bulk_import'",
                           (str(self._unindexed_from),))

    def finish(self) -> None:
        self.catch_up()
        self._conn.execute("DELETE FROM settings WHERE key = 'bulk_import'")


def _update_vocabulary(conn: sqlite3.Connection, first_new_id: int, added: int) -> None:
    """Bring search_terms up to date after an import.

    A large import re-reads the vocabulary from the FTS index in SQL (1.2 s per
    100k papers), far cheaper than counting words in Python per paper; a small
    import into a large queue counts just its new papers' words."""
    total = conn.execute("SELECT count(*) FROM papers").fetchone()[0]
    if added * 20 >= total:
        conn.execute("DELETE FROM search_terms")
        conn.execute(
            "INSERT INTO search_terms (term, docs) SELECT term, doc FROM papers_vocab"
            f" WHERE length(term) BETWEEN 2 AND {LONGEST_TERM}"
        )
        return
    counts: Counter[str] = Counter()
    for title, abstract, comments in conn.execute(
        "SELECT title, abstract, comments FROM papers WHERE id >= ?", (first_new_id,)
    ):
        counts.update(raw_words(f"{title} {abstract} {comments or ''}"))
    conn.executemany(
        "INSERT INTO search_terms (term, docs) VALUES (?, ?)"
        " ON CONFLICT(term) DO UPDATE SET docs = docs + excluded.docs",
        vocabulary_counts(counts).items(),
    )


def _seconds_between(earlier: str, later: str) -> float:
    try:
        return (datetime.fromisoformat(later) - datetime.fromisoformat(earlier)).total_seconds()
    except ValueError:
        return float("inf")


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
                backup_path = path.with_name(f"{path.name}.bak-v{version}")
                with sqlite3.connect(backup_path) as backup:
                    conn.backup(backup)
            migrate(conn, version)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError as error:
        raise DatabaseProblem(f"{path}: cannot prepare database ({error})") from None
