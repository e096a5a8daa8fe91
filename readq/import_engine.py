"""The import engine: batches, dedup, merge, indexing, publishing.

An import never holds the write lock for long, yet readers see all of it or
none of it:

* **Batches.** Records are written in short `BEGIN IMMEDIATE` transactions
  (about BATCH_SECONDS of work, or up to a progress report), each indexing its
  own new rows in the full-text index. Between batches the importer pauses
  briefly, so that another process waiting for the write lock (a rating, a note)
  gets it within a fraction of a second. The records are read ahead on a thread
  of their own: a transaction never waits for input, and the parser keeps going
  while a batch is written.
* **Invisible until published.** An import registers itself in the `imports`
  table with the first id its new papers get; every read in the store and in
  search keeps to ids below the first pending one (migrations.VISIBLE_BELOW).
  Vocabulary counts of the new papers, and merges into papers that were already
  visible, are staged (`pending_terms`, `pending_merges`) and applied in one
  short last transaction that also deletes the `imports` row: the moment the
  whole file appears.
* **One at a time.** A second import waits for the first (reporting through
  `progress`), or, when the first is dead (its process gone, or no heartbeat for
  minutes), deletes the dead import's rows in short batches and goes ahead.
* **Cancel.** An exception (from `progress`, the records, or the database)
  deletes the import's pending rows in short batches and propagates.

Dedup sees visible papers and the import's own pending ones (imports are
serialised, so every pending paper is this import's).

Raw SQL here, not sqlite-utils' table helpers: the engine must control each
transaction's extent, the statement shapes that keep index use (`+arxiv_id`),
and when the full-text triggers fire (`bulk_import`).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import socket
import sqlite3
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from readq import tags as tag_sql
from readq.errors import ReadqError
from readq.models import ImportSummary, PaperRecord, Problem
from readq.search import LONGEST_TERM, raw_words, vocabulary_counts

if TYPE_CHECKING:
    from readq.store import Store

# A write transaction does about this much work before it commits...
BATCH_SECONDS = 0.25
# ...and takes at most this many records.
BATCH_ROWS = 5000
READ_AHEAD = 8000  # records read ahead of the writer (on a thread), at most
CHUNK_ROWS = 250  # records looked up in the queue together, then inserted together
PROGRESS_EVERY = 2000  # records between progress reports
# After each batch the importer leaves the write lock free this long: a writer of
# another process polls for it every few milliseconds (Store._begin) and gets in.
BATCH_PAUSE_SECONDS = 0.02
# An import whose heartbeat (one per batch) is this old is taken for dead even
# when its process cannot be checked (another host sharing the file).
HEARTBEAT_STALE_SECONDS = 300
WAIT_POLL_SECONDS = 0.5  # how often a waiting import looks at the running one
REMOVE_ROWS = 500  # pending rows deleted per statement when an import is undone
TERMS_PER_STATEMENT = 5000  # staged vocabulary rows written or deleted per statement

Progress = Callable[[ImportSummary], None]

# Imports running in this process, as (database, import id): a row with this
# process's pid that is not here was left by a failed clean-up, and is dead.
_RUNNING: set[tuple[str, int]] = set()
_RUNNING_LOCK = threading.Lock()


# ----- identity of a record --------------------------------------------------------


def content_hash(abstract: str) -> str:
    """Identity of an abstract for de-duplication: case and spacing do not count."""
    normalised = " ".join(abstract.casefold().split())
    return hashlib.blake2b(normalised.encode("utf-8"), digest_size=16).hexdigest()


def title_digest(title: str) -> str:
    """Identity of a title-only paper (no abstract): its title, kept apart from abstracts."""
    return content_hash(f"\x00title {title}")


@dataclass(frozen=True, slots=True)
class PreparedRecord:
    """A record with its content hash and, when it has no title, its derived
    headline: computed in the parser process for large imports, so that the
    writing process only writes."""

    record: PaperRecord
    digest: str
    headline: str | None = None
    # Why the headline is the abstract's first words instead (derive_headline
    # failed on this record): reported as a warning if the paper is added.
    headline_problem: str | None = None
    # The headline is quick_headline's: the paper is queued for the learned one
    # (headline_queue, readq/headline_backfill.py).
    quick: bool = False


def prepare(record: PaperRecord, learned: bool = True) -> PreparedRecord:
    """The record's content hash and, without a title, its headline: the learned
    one, or (`learned=False`) a quick one that the backfill replaces later."""
    digest = content_hash(record.abstract) if record.abstract else title_digest(record.title or "")
    if record.title:
        return PreparedRecord(record, digest)
    if not learned:
        return PreparedRecord(record, digest, quick_headline(record.abstract), quick=True)
    # Imported here, not at the top: the TUI's first frame needs the store, not
    # the headline model; looked up per call, so a test may swap it.
    from readq import headline

    try:
        return PreparedRecord(record, digest, headline.derive_headline(record.abstract))
    except Exception as error:  # noqa: BLE001 - one odd abstract must not stop a whole import
        reason = (str(error).splitlines() or [""])[0][:120]
        return PreparedRecord(record, digest, first_words(record.abstract),
                              f"no headline could be derived ({type(error).__name__}: {reason});"
                              " the abstract's first words stand in")


def first_words(abstract: str, max_length: int = 80) -> str:
    """The stand-in headline: the abstract's start, cut at a word (no "…":
    a stored headline must never end cut off; the list shortens for display)."""
    text = " ".join(abstract.split())
    if len(text) <= max_length:
        return text
    cut = text[:max_length]
    return cut.rsplit(" ", 1)[0] if " " in cut else cut


# Words a whole phrase never ends on (tests/test_headline.py's DANGLING, and a few more).
_DANGLING = frozenset(
    """a an the of and or but nor for with to by on in at from via into onto as that which whose who where
    when while its their our his her is are was were be being been can could will would may might shall
    should must has have had do does did using than then such both either this these those each per over
    under between among through whether if so vs versus we it they not no our your my upon within without
    about against across toward towards like unlike based i.e e.g etc""".split()
)
_CUT_AFTER = " ,;:.!?-\u2013\u2014(/&+"  # what may not end a headline
_BRACKETS = ("()", "[]", "{}")
_NO_BRACKETS = {ord(c): None for c in "()[]{}$"}
_QUICK_SCAN = 300  # characters of the abstract looked at: the first sentence, or enough of it


def quick_headline(abstract: str, max_length: int = 80) -> str:
    """A headline that costs next to nothing: the abstract's first sentence, or
    its opening words up to `max_length`, ending on a whole word that is no
    function word, brackets and $ balanced, no ellipsis. A stand-in until the
    background backfill derives the learned headline (readq/headline_backfill.py)."""
    text = abstract[:_QUICK_SCAN]
    if not text.isprintable():
        text = "".join(c if c.isprintable() else " " for c in text)
    if "\u2026" in text or "..." in text:  # an ellipsis ends no headline
        text = text.replace("\u2026", " ").replace("...", " ")
    words = text.split()
    kept: list[str] = []
    size = -1
    for word in words:
        if not (word[0].isalnum() or any(c.isalnum() for c in word)):
            continue  # a lone dash or "{}" says nothing
        if size + 1 + len(word) > max_length:
            break
        kept.append(word)
        size += 1 + len(word)
        if word[-1] in ".!?" and len(word) > 3 and size >= 30:  # a sentence ends (not "e.g.", "al.")
            break
    if not kept and (words := [w for w in words if any(c.isalnum() for c in w)]):
        kept = [words[0][:max_length]]  # one word longer than max_length: the only cut that can happen
    if not _balanced(" ".join(kept)):  # a bracket or formula cut open: drop the marks, keep the words
        kept = [w for w in (w.translate(_NO_BRACKETS) for w in kept) if w]
    while kept:  # end on a whole content word (a lone function word stays: nothing better)
        last = kept[-1].rstrip(_CUT_AFTER)
        if not last or (len(kept) > 1 and last.strip(".,;:!?\"'").lower() in _DANGLING):
            kept.pop()
        else:
            kept[-1] = last
            break
    return " ".join(kept)


def _balanced(text: str) -> bool:
    for opening, closing in _BRACKETS:
        if closing not in text and opening not in text:
            continue
        depth = 0
        for char in text:
            if char == opening:
                depth += 1
            elif char == closing:
                depth -= 1
                if depth < 0:
                    return False
        if depth:
            return False
    return text.count("$") % 2 == 0


@dataclass(slots=True)
class ImportTimings:
    """How long the last import held the write lock (figures for benchmarks)."""

    batches: int = 0
    longest_batch: float = 0.0  # seconds, the longest transaction of the import
    publish: float = 0.0  # seconds, the last transaction (what makes it visible)
    total: float = 0.0


_MERGE_COLUMNS = ("id", "arxiv_id", "title", "headline_derived", "abstract", "authors", "comments",
                  "categories", "doi", "url", "created", "updated", "read_at", "rating", "notes",
                  "notes_updated_at", "content_hash", "tags_updated_at")
_SELECT_KNOWN = f"SELECT {', '.join(_MERGE_COLUMNS)} FROM papers"
# Paper metadata an import may add to a known paper when the queue has none.
_FILLABLE_COLUMNS = ("arxiv_id", "authors", "comments", "categories", "doi", "url", "created", "updated")
_INSERT_PAPER = (
    "INSERT INTO papers (arxiv_id, title, headline_derived, authors, abstract, comments,"
    " categories, doi, url, created, updated, source, added_at, read_at, rating, notes,"
    " notes_updated_at, content_hash)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


_QUEUE_HEADLINE = "INSERT INTO headline_queue (paper_id, quick) VALUES (?, ?)"


def _queues(prepared: PreparedRecord, row: tuple) -> bool:
    """Whether the new paper's row (_INSERT_PAPER's order) holds a quick headline to replace."""
    return prepared.quick and bool(row[2]) and row[1] == prepared.headline


def _insert_new(conn: sqlite3.Connection, rows: list[tuple], quick: list[tuple[int, str]]) -> None:
    """Insert new papers with one executemany, and queue those with a quick headline.
    Each insert takes id max(id) + 1 (no explicit id; nobody else writes inside
    this transaction), so the n-th row's id is the highest before plus n."""
    if not quick:
        conn.executemany(_INSERT_PAPER, rows)
        return
    before = conn.execute("SELECT max(id) FROM papers").fetchone()[0] or 0
    conn.executemany(_INSERT_PAPER, rows)
    conn.executemany(_QUEUE_HEADLINE, [(before + 1 + index, headline) for index, headline in quick])


class ImportEngine:
    """One import into one store: `ImportEngine(store, source, progress).run(items)`."""

    def __init__(self, store: Store, source: str, progress: Progress | None = None):
        self.store = store
        self.source = source
        self.progress = progress
        self.summary = ImportSummary(source=source)
        self.timings = ImportTimings()
        self.import_id: int | None = None
        self.first_id = 0
        self._added_at = ""
        self._visible_before = 0  # visible papers when the import started
        # Large imports rebuild the whole vocabulary from the index at the end
        # (cheaper than counting words in Python); small ones count their words.
        # Decided when the import starts (an empty queue) or grows past a twentieth.
        self._rebuild_vocabulary = False
        self._batch_texts: list[str] = []
        # Indexing a batch's rows at its end takes time in the same transaction:
        # seconds per record, as the last batch measured it, so that a batch
        # stops taking records early enough to stay within BATCH_SECONDS.
        self._index_seconds_per_record = 0.0
        self._merged_words: Counter[str] = Counter()
        # Merges staged for papers that were visible: their state as this import
        # will leave it (so later records of the file dedup and merge against
        # it), the changes to apply, and the words they add to the vocabulary.
        self._staged: dict[int, dict] = {}
        self._staged_keys: dict[tuple[str, str], int] = {}
        self._staged_changes: dict[int, dict] = {}
        self._staged_words: Counter[str] = Counter()

    # ----- the whole import -----------------------------------------------------

    def run(self, items: Iterable[PaperRecord | PreparedRecord | Problem]) -> ImportSummary:
        started = time.monotonic()
        self._register()
        try:
            self._write_batches(items)
            self._stage_rebuilt_vocabulary()
            if self.progress is not None:
                self.progress(self.summary)  # raising here still cancels
            self._publish()
        except BaseException as error:
            self._undo(error)
            raise
        finally:
            with _RUNNING_LOCK:
                _RUNNING.discard(self._key())
        self.timings.total = time.monotonic() - started
        return self.summary

    def _key(self) -> tuple[str, int]:
        return (_database_key(self.store), self.import_id or 0)

    @property
    def _pausing(self) -> bool:
        return self.store.path is not None  # an in-memory store has no other process

    def _transaction(self):
        return _Timed(self.store, self.timings)

    # ----- registering: one import at a time --------------------------------------

    def _register(self) -> None:
        """Become the running import: wait for a live one, remove a dead one's rows."""
        while True:
            dead = None
            with self._transaction() as conn:
                row = conn.execute(
                    "SELECT id, first_id, pid, host, heartbeat FROM imports ORDER BY id LIMIT 1"
                ).fetchone()
                if row is None:
                    self._added_at = self.store.now()
                    self._visible_before = conn.execute("SELECT count(*) FROM papers").fetchone()[0]
                    self._rebuild_vocabulary = self._visible_before == 0
                    self.first_id = (conn.execute("SELECT max(id) FROM papers").fetchone()[0] or 0) + 1
                    self.import_id = conn.execute(
                        "INSERT INTO imports (first_id, pid, host, started, heartbeat, state)"
                        " VALUES (?, ?, ?, ?, ?, 'running')",
                        (self.first_id, os.getpid(), _HOST, self._added_at, time.time()),
                    ).lastrowid
                elif _is_dead(self.store, row[0], *row[2:]):
                    # Taken over: while its rows go, it is this process's (alive).
                    conn.execute(
                        "UPDATE imports SET pid = ?, host = ?, heartbeat = ?, state = 'removing'"
                        " WHERE id = ?", (os.getpid(), _HOST, time.time(), row[0]),
                    )
                    dead = row[:2]
            if self.import_id is not None:
                with _RUNNING_LOCK:
                    _RUNNING.add(self._key())
                if self.summary.waiting:
                    self.summary.waiting = ""
                    self._report()
                return
            if dead is not None:
                self.summary.waiting = "removing the rows of an interrupted import"
                self._report()
                key = (_database_key(self.store), dead[0])
                with _RUNNING_LOCK:
                    _RUNNING.add(key)
                try:
                    self._remove(*dead)
                finally:
                    with _RUNNING_LOCK:
                        _RUNNING.discard(key)
                continue
            self.summary.waiting = f"waiting for another import to finish (process {row[2]} on {row[3]})"
            self._report()  # raising cancels: nothing was written
            time.sleep(WAIT_POLL_SECONDS)

    def _report(self) -> None:
        if self.progress is not None:
            self.progress(self.summary)

    def _check_owner(self, conn: sqlite3.Connection) -> None:
        row = conn.execute("SELECT pid, host FROM imports WHERE id = ?", (self.import_id,)).fetchone()
        if row != (os.getpid(), _HOST):
            raise ReadqError(
                "the import was stopped: another readq process took it for dead and removed its papers"
            )

    # ----- writing the records, batch by batch --------------------------------------

    def _write_batches(self, items: Iterable) -> None:
        reader = _ReadAhead(items)
        buffer: deque = deque()
        first = True
        try:
            while True:
                if not buffer:
                    chunk = reader.take(wait=True, most=BATCH_ROWS)  # outside any transaction
                    if chunk is None:
                        return
                    buffer.extend(chunk)
                    continue
                if not first and self._pausing:
                    time.sleep(BATCH_PAUSE_SECONDS)
                first = False
                self._write_batch(buffer, reader)
        finally:
            reader.close()

    def _write_batch(self, buffer: deque, reader: _ReadAhead) -> None:
        """Write records for about BATCH_SECONDS (at most BATCH_ROWS) in one
        transaction, as long as they are at hand: it never waits for input."""
        summary = self.summary
        with self._transaction() as conn:
            self._check_owner(conn)
            conn.execute("UPDATE imports SET heartbeat = ? WHERE id = ?", (time.time(), self.import_id))
            index = _BulkIndex(conn)
            deadline = time.monotonic() + BATCH_SECONDS
            taken = 0
            while taken < BATCH_ROWS and time.monotonic() + taken * self._index_seconds_per_record < deadline:
                if not buffer:
                    more = reader.take(wait=False, most=BATCH_ROWS)
                    if not more:  # none ready yet, or the end (take() says so again, outside)
                        break
                    buffer.extend(more)
                most = min(CHUNK_ROWS, BATCH_ROWS - taken, len(buffer))
                taken += most
                self._write_chunk(conn, [buffer.popleft() for _ in range(most)])
            started = time.monotonic()
            index.finish()
            self._index_seconds_per_record = (time.monotonic() - started) / max(taken, 1)
            self._stage_terms(conn)

    def _write_chunk(self, conn: sqlite3.Connection, items: list) -> None:
        """Write a few hundred records. Those that can be neither a duplicate nor a
        merge (no key of theirs is in the queue, staged, or earlier in the chunk)
        go in with one executemany; the rest one by one, in file order."""
        summary = self.summary
        # Records come prepared from the reader process, or as plain PaperRecords.
        items = [prepare(item) if isinstance(item, PaperRecord) else item for item in items]
        known = _keys_in_queue(conn, items)
        new_rows: list[tuple] = []
        quick: list[tuple[int, str]] = []  # (index in new_rows, quick headline): to queue
        for item in items:
            if isinstance(item, Problem):
                summary.problems.append(item)
                if item.rejected:
                    summary.seen += 1
                    summary.rejected += 1
                continue
            summary.seen += 1
            prepared = item
            keys = _lookup_keys(prepared)
            # Notes and tags go to tables of their own, which need the paper's id.
            side_rows = prepared.record.notes or prepared.record.tags is not None
            if side_rows or not known.isdisjoint(keys) or not self._staged_keys.keys().isdisjoint(keys):
                if new_rows:  # the exact path must see every earlier record in the table
                    _insert_new(conn, new_rows, quick)
                    new_rows, quick = [], []
                if self._insert_record(conn, prepared):
                    summary.imported += 1
                else:
                    summary.duplicates += 1
            else:
                row = self._new_paper(prepared)
                if _queues(prepared, row):
                    quick.append((len(new_rows), row[1]))
                new_rows.append(row)
                summary.imported += 1
            known.update(keys)
            if summary.seen % PROGRESS_EVERY == 0:
                self._report()  # raising rolls this batch back and cancels the import
        if new_rows:
            _insert_new(conn, new_rows, quick)

    def _new_paper(self, prepared: PreparedRecord) -> tuple:
        """The papers row of a record that is new (in _INSERT_PAPER's order)."""
        record = prepared.record
        derived = record.title is None if record.headline_derived is None else record.headline_derived
        title = record.title or prepared.headline
        if not record.title and prepared.headline_problem:
            self.summary.problems.append(Problem(record.line, prepared.headline_problem, rejected=False))
        if not self._rebuild_vocabulary:
            self._batch_texts.append(f"{title} {record.abstract} {record.comments or ''}")
        return (record.arxiv_id, title, derived, record.authors, record.abstract,
                record.comments, record.categories, record.doi, record.url, record.created,
                record.updated, record.source or self.source, record.added_at or self._added_at,
                record.read_at, record.rating, record.notes, record.notes_updated_at, prepared.digest)

    def _insert_record(self, conn: sqlite3.Connection, item: PaperRecord | PreparedRecord) -> bool:
        """Add a new paper (True), or merge a known one into the queue's copy (False).

        A paper is known by its arXiv id, else its DOI, else its abstract (or, for
        a title-only paper, its title). Merging fills columns the queue lacks and
        replaces a derived headline with a real title; reading state comes only
        from readq's own export (see `_changes`)."""
        prepared = item if isinstance(item, PreparedRecord) else prepare(item)
        record, digest = prepared.record, prepared.digest
        known = self._find_known(conn, record, digest)
        if known is not None:
            self._merge(conn, known, prepared)
            return False
        row = self._new_paper(prepared)
        cursor = conn.execute(_INSERT_PAPER, row)
        if _queues(prepared, row):
            conn.execute(_QUEUE_HEADLINE, (cursor.lastrowid, row[1]))
        if record.notes:
            self.store._add_note_version(conn, cursor.lastrowid, record.notes,
                                         record.notes_updated_at or self._added_at, session="import")
        if record.tags is not None:
            tag_sql.replace(conn, cursor.lastrowid, list(record.tags), record.tags_updated_at or self._added_at)
        return True

    # ----- dedup ----------------------------------------------------------------------

    def _find_known(self, conn: sqlite3.Connection, record: PaperRecord, digest: str) -> dict | None:
        """The queue's copy of `record` (visible, or pending in this import), as a
        column -> value dict as this import will leave it, or None."""
        lookups: list[tuple[str, tuple, tuple[str, str], Callable[[dict], bool]]] = []
        if record.arxiv_id:
            arxiv_id = record.arxiv_id
            lookups.append(("arxiv_id = ?", (arxiv_id,), ("arxiv_id", arxiv_id),
                            lambda row: row["arxiv_id"] == arxiv_id))
        if record.doi:  # a DOI match with another arXiv id is another paper
            doi = record.doi
            lookups.append(("doi = ? AND (arxiv_id IS NULL OR ? IS NULL)", (doi, record.arxiv_id),
                            ("doi", doi),
                            lambda row: row["doi"] == doi and (row["arxiv_id"] is None or record.arxiv_id is None)))
        # Same abstract: a paper with another arXiv id is another paper (duplicate postings).
        # (`+arxiv_id`: the content hash index finds the one row; the arXiv id
        # index would walk every id-less paper.)
        lookups.append(("content_hash = ?" + (" AND +arxiv_id IS NULL" if record.arxiv_id else ""),
                        (digest,), ("content_hash", digest),
                        lambda row: row["content_hash"] == digest
                        and (not record.arxiv_id or row["arxiv_id"] is None)))
        if record.title and record.abstract:  # a title-only paper gaining its abstract
            title_only = title_digest(record.title)
            lookups.append(("content_hash = ? AND abstract = ''", (title_only,),
                            ("content_hash", title_only),
                            lambda row: row["content_hash"] == title_only and row["abstract"] == ""))
        for where, params, key, matches in lookups:
            staged = self._staged.get(self._staged_keys.get(key, -1))
            if staged is not None and matches(staged):
                return staged
            for row in conn.execute(f"{_SELECT_KNOWN} WHERE {where}", params):
                found = dict(zip(_MERGE_COLUMNS, row))
                found = self._staged.get(found["id"], found)
                if matches(found):
                    return found
        return None

    # ----- merging --------------------------------------------------------------------

    def _merge(self, conn: sqlite3.Connection, known: dict, prepared: PreparedRecord) -> None:
        """Merge `prepared` into a known paper: at once into a paper of this import,
        at publishing into a visible one (staged in pending_merges until then)."""
        changes = _changes(known, prepared)
        if not changes:
            return
        merged = {**known, **changes}
        if known["id"] >= self.first_id:
            _apply_merge(self.store, conn, known["id"], changes, self._added_at)
            if not self._rebuild_vocabulary:
                self._merged_words.update(_added_words(known, merged))
            return
        # Everything but the reading state (read mark, rating, note) can only be
        # changed by an import, and imports run one at a time: these changes
        # are final. The reading state is checked again when they are applied.
        paper_id = known["id"]
        staged = self._staged_changes[paper_id] = {**self._staged_changes.get(paper_id, {}), **changes}
        conn.execute(
            "INSERT INTO pending_merges (import_id, paper_id, changes) VALUES (?, ?, ?)"
            " ON CONFLICT(import_id, paper_id) DO UPDATE SET changes = excluded.changes",
            (self.import_id, paper_id, json.dumps(staged)),
        )
        self._staged[paper_id] = merged
        for column in ("arxiv_id", "doi", "content_hash"):
            if merged[column] is not None:
                self._staged_keys[(column, merged[column])] = paper_id
        self._staged_words.update(_added_words(known, merged))

    # ----- the search vocabulary ----------------------------------------------------------

    def _stage_terms(self, conn: sqlite3.Connection) -> None:
        """Count the batch's new words into pending_terms (same transaction as its rows)."""
        texts, self._batch_texts = self._batch_texts, []
        merged, self._merged_words = self._merged_words, Counter()
        if self._rebuild_vocabulary:
            return
        counts: Counter[str] = Counter(merged)
        for text in texts:
            counts.update(raw_words(text))
        conn.executemany(
            "INSERT INTO pending_terms (import_id, term, docs) VALUES (?, ?, ?)"
            " ON CONFLICT(import_id, term) DO UPDATE SET docs = docs + excluded.docs",
            [(self.import_id, term, docs) for term, docs in vocabulary_counts(counts).items()],
        )
        # Past a twentieth of the queue, re-reading the whole vocabulary from the
        # index at the end (1.2 s per 100k papers, in SQL) is cheaper than counting.
        imported = self.summary.imported
        if imported * 20 >= self._visible_before + imported:
            self._rebuild_vocabulary = True

    def _stage_rebuilt_vocabulary(self) -> None:
        """For a large import: read the index's whole vocabulary (no lock held: a
        read) and stage it, in short transactions, to replace search_terms."""
        if not self._rebuild_vocabulary:
            return
        reader = self.store.connect_reader()
        try:
            cursor = reader.execute(
                "SELECT term, doc FROM papers_vocab"
                f" WHERE length(term) BETWEEN 2 AND {LONGEST_TERM}"
            )
            if reader is self.store._conn:  # in memory: one connection reads and writes
                cursor = iter(cursor.fetchall())
            self._delete_staged("pending_terms")
            # Read as it is staged, from the reader's snapshot: a million papers have
            # about a million terms, too many to hold in memory at once.
            while rows := list(itertools.islice(cursor, TERMS_PER_STATEMENT * 4)):
                if self._pausing:
                    time.sleep(BATCH_PAUSE_SECONDS)
                with self._transaction() as conn:
                    self._check_owner(conn)
                    conn.executemany("INSERT INTO pending_terms (import_id, term, docs) VALUES (?, ?, ?)",
                                     [(self.import_id, term, docs) for term, docs in rows])
        finally:
            if reader is not self.store._conn:
                reader.close()

    # ----- publishing ----------------------------------------------------------------------

    def _publish(self) -> None:
        """The one transaction that makes the whole import visible."""
        if self._pausing:
            time.sleep(BATCH_PAUSE_SECONDS)
        started = time.monotonic()
        with self._transaction() as conn:
            self._check_owner(conn)
            if self._rebuild_vocabulary:
                conn.execute("DELETE FROM search_terms")
                conn.execute("INSERT INTO search_terms (term, docs) SELECT term, docs"
                             " FROM pending_terms WHERE import_id = ?", (self.import_id,))
            else:
                conn.execute(
                    "INSERT INTO search_terms (term, docs) SELECT term, docs FROM pending_terms"
                    " WHERE import_id = ? ON CONFLICT(term) DO UPDATE SET docs = docs + excluded.docs",
                    (self.import_id,),
                )
            conn.execute("DELETE FROM pending_terms WHERE import_id = ?", (self.import_id,))
            self._apply_staged_merges(conn)
            if self._staged_words:
                _add_terms(conn, "search_terms", self._staged_words)
            if self.summary.imported or self._staged_words:
                # Tells search engines in this and other processes to reload the vocabulary.
                conn.execute(
                    "INSERT INTO settings (key, value) VALUES ('search_terms_version', ?)"
                    " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (os.urandom(16).hex(),),
                )
            conn.execute("DELETE FROM imports WHERE id = ?", (self.import_id,))
        self.timings.publish = time.monotonic() - started

    def _apply_staged_merges(self, conn: sqlite3.Connection) -> None:
        """Apply the merges into visible papers, grouped by the columns they set."""
        updates: dict[tuple[str, ...], list[tuple]] = {}
        notes: list[tuple[int, str, str | None]] = []
        staged = [(paper_id, json.loads(text)) for paper_id, text in conn.execute(
            "SELECT paper_id, changes FROM pending_merges WHERE import_id = ?", (self.import_id,))]
        taken = _existing_arxiv_ids(conn, [c["arxiv_id"] for _, c in staged if c.get("arxiv_id")])
        for paper_id, changes in staged:
            if changes.get("arxiv_id") in taken:  # never expected (dedup sees staged ids): keep the import
                del changes["arxiv_id"]
            if _READING_STATE & changes.keys():  # another process may have set it meanwhile
                current = conn.execute(
                    "SELECT read_at, rating, notes, notes_updated_at FROM papers WHERE id = ?", (paper_id,)
                ).fetchone()
                _keep_reading_state(changes, current)
            if (tag_change := tag_sql.take_change(changes)) is not None:
                tag_sql.apply_if_newer(conn, paper_id, *tag_change)
            if not changes:
                continue
            updates.setdefault(tuple(changes), []).append((*changes.values(), paper_id))
            if changes.get("notes"):
                notes.append((paper_id, changes["notes"], changes.get("notes_updated_at")))
        for columns, rows in updates.items():
            assignments = ", ".join(f"{column} = ?" for column in columns)
            conn.executemany(f"UPDATE papers SET {assignments} WHERE id = ?", rows)
        for paper_id, text, saved_at in notes:
            self.store._add_note_version(conn, paper_id, text, saved_at or self._added_at, session="import")
        conn.execute("DELETE FROM pending_merges WHERE import_id = ?", (self.import_id,))

    # ----- undoing ---------------------------------------------------------------------------

    def _undo(self, error: BaseException) -> None:
        """Remove a cancelled or failed import's rows; a failure here is noted on
        `error` (the next import removes them)."""
        if self.import_id is None:
            return
        try:
            with self._transaction() as conn:
                if conn.execute("SELECT pid, host FROM imports WHERE id = ?",
                                (self.import_id,)).fetchone() != (os.getpid(), _HOST):
                    return  # taken over by another process, which removes the rows
                conn.execute("UPDATE imports SET state = 'removing' WHERE id = ?", (self.import_id,))
            self._remove(self.import_id, self.first_id)
        except Exception as problem:  # the original error is what the caller must see
            error.add_note(f"readq: the cancelled import's rows could not be removed yet ({problem});"
                           " they stay invisible and the next import removes them")

    def _remove(self, import_id: int, first_id: int) -> None:
        """Delete an unpublished import's papers (their index entries and note
        versions with them) and staged rows, in short transactions; last its row."""
        while True:
            with self._transaction() as conn:
                deadline = time.monotonic() + BATCH_SECONDS
                done = False
                while time.monotonic() < deadline:
                    rows = conn.execute(
                        "SELECT id FROM papers WHERE id >= ? ORDER BY id DESC LIMIT ?",
                        (first_id, REMOVE_ROWS),
                    ).fetchall()
                    if rows:
                        lowest = rows[-1][0]
                        # Explicit: an in-memory store has no foreign-key cascade.
                        conn.execute("DELETE FROM note_versions WHERE paper_id >= ?", (lowest,))
                        conn.execute("DELETE FROM papers WHERE id >= ?", (lowest,))  # triggers: FTS
                        continue
                    if self._delete_some(conn, "pending_terms", import_id) or self._delete_some(
                        conn, "pending_merges", import_id
                    ):
                        continue
                    conn.execute("DELETE FROM imports WHERE id = ?", (import_id,))
                    done = True
                    break
            if done:
                return
            if self._pausing:
                time.sleep(BATCH_PAUSE_SECONDS)

    @staticmethod
    def _delete_some(conn: sqlite3.Connection, table: str, import_id: int) -> bool:
        key = "term" if table == "pending_terms" else "paper_id"
        deleted = conn.execute(
            f"DELETE FROM {table} WHERE import_id = ? AND {key} IN"
            f" (SELECT {key} FROM {table} WHERE import_id = ? LIMIT ?)",
            (import_id, import_id, TERMS_PER_STATEMENT),
        ).rowcount
        return deleted > 0

    def _delete_staged(self, table: str) -> None:
        while True:
            with self._transaction() as conn:
                if not self._delete_some(conn, table, self.import_id):
                    return
            if self._pausing:
                time.sleep(BATCH_PAUSE_SECONDS)


class _ReadAhead:
    """The records, read on a thread of their own, a few thousand ahead: the
    parser (or the file) keeps going while a batch is written, and no
    transaction ever waits for input (a slow pipe holds no lock)."""

    def __init__(self, items: Iterable):
        self._ready: deque = deque()
        self._changed = threading.Condition()
        self._ended = False
        self._error: BaseException | None = None
        self._stop = False
        self._thread = threading.Thread(target=self._read, args=(items,), daemon=True,
                                        name="readq-import-reader")
        self._thread.start()

    def _read(self, items: Iterable) -> None:
        changed = self._changed
        try:
            for item in items:
                with changed:
                    while len(self._ready) >= READ_AHEAD and not self._stop:
                        changed.wait(0.1)
                    if self._stop:
                        return  # the import stopped: read no further
                    self._ready.append(item)
                    if len(self._ready) == 1:
                        changed.notify_all()
            with changed:
                self._ended = True
                changed.notify_all()
        except BaseException as error:  # raised again by take(), on the importing thread
            with changed:
                self._error = error
                changed.notify_all()

    def take(self, wait: bool, most: int = READ_AHEAD) -> list | None:
        """Up to `most` records read so far; when there are none: [] (or, with
        `wait`, wait for some), or None at the end."""
        with self._changed:
            while wait and not (self._ready or self._ended or self._error):
                self._changed.wait()
            if self._ready:
                taken = [self._ready.popleft() for _ in range(min(most, len(self._ready)))]
                self._changed.notify_all()  # room again for the reading thread
                return taken
            if self._error is not None:
                raise self._error
            return None if self._ended else []

    def close(self) -> None:
        """Stop reading; wait (briefly) for the thread to leave the records' iterator,
        so that its owner may close it."""
        with self._changed:
            self._stop = True
            self._changed.notify_all()
        self._thread.join(timeout=5)


class _Timed:
    """A store write transaction that records how long it held the lock."""

    def __init__(self, store: Store, timings: ImportTimings):
        self._context = store._write()
        self._timings = timings
        self._started = 0.0

    def __enter__(self) -> sqlite3.Connection:
        conn = self._context.__enter__()
        self._started = time.monotonic()
        return conn

    def __exit__(self, *exc):
        try:
            return self._context.__exit__(*exc)
        finally:
            held = time.monotonic() - self._started
            self._timings.batches += 1
            self._timings.longest_batch = max(self._timings.longest_batch, held)


class _BulkIndex:
    """Full-text indexing of one batch's new rows in one statement.

    One INSERT ... SELECT indexes rows four times faster than the per-row
    trigger. settings' 'bulk_import' holds the batch's first new id; the
    triggers skip rows from there on (see migrations) and handle the rest.
    The setting lives only inside the batch's transaction: a crash rolls it
    back with the rows, so the index always matches the table."""

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn
        self._first = (conn.execute("SELECT max(id) FROM papers").fetchone()[0] or 0) + 1
        conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('bulk_import', ?)",
                     (str(self._first),))

    def finish(self) -> None:
        self._conn.execute(
            "INSERT INTO papers_fts (rowid, title, abstract, arxiv_id, comments, notes)"
            " SELECT id, title, abstract, arxiv_id, comments, notes FROM papers WHERE id >= ?",
            (self._first,),
        )
        self._conn.execute("DELETE FROM settings WHERE key = 'bulk_import'")


# ----- which records may be known: the batched part of dedup -------------------------------


def _lookup_keys(prepared: PreparedRecord) -> set[tuple[str, str]]:
    """Every (column, value) by which `_find_known` may find the record's paper
    (the keys of `_staged_keys`): a superset, the exact rules stay there."""
    record = prepared.record
    keys = {("content_hash", prepared.digest)}
    if record.arxiv_id:
        keys.add(("arxiv_id", record.arxiv_id))
    if record.doi:
        keys.add(("doi", record.doi))
    if record.title and record.abstract:
        keys.add(("content_hash", title_digest(record.title)))
    return keys


def _keys_in_queue(conn: sqlite3.Connection, items: list[PreparedRecord | Problem]) -> set[tuple[str, str]]:
    """The items' lookup keys that some paper (visible or this import's) holds:
    three indexed queries for a whole chunk instead of two per record."""
    wanted: dict[str, set[str]] = {"arxiv_id": set(), "doi": set(), "content_hash": set()}
    for item in items:
        if isinstance(item, Problem):
            continue
        for column, value in _lookup_keys(item):
            wanted[column].add(value)
    found: set[tuple[str, str]] = set()
    for column, values in wanted.items():
        values = list(values)
        for start in range(0, len(values), 500):
            chunk = values[start:start + 500]
            marks = ",".join("?" * len(chunk))
            found.update((column, row[0]) for row in conn.execute(
                f"SELECT {column} FROM papers WHERE {column} IN ({marks})", chunk))
    return found


# ----- merge rules -------------------------------------------------------------------


def _changes(known: dict, prepared: PreparedRecord) -> dict[str, object]:
    """What merging `prepared` into the known paper changes: its empty columns,
    a real title for a derived headline, an abstract for a title-only paper.

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
    if record.tags is not None and set(record.tags) != set(known.get("tags", ())) and (
        known["tags_updated_at"] is None or _later(record.tags_updated_at, known["tags_updated_at"])
    ):  # tags fill a paper never tagged, and replace older ones
        changes.update(tags=list(record.tags), tags_updated_at=record.tags_updated_at)
    return changes


def _apply_merge(store: Store, conn: sqlite3.Connection, paper_id: int, changes: dict, now: str) -> None:
    """Update only the changed columns (and keep a version of a new note)."""
    changes = dict(changes)
    if (tag_change := tag_sql.take_change(changes)) is not None:
        tag_sql.replace(conn, paper_id, *tag_change)
        if not changes:
            return
    assignments = ", ".join(f"{column} = ?" for column in changes)
    conn.execute(f"UPDATE papers SET {assignments} WHERE id = ?", (*changes.values(), paper_id))
    if changes.get("notes"):
        store._add_note_version(conn, paper_id, changes["notes"],
                                changes.get("notes_updated_at") or now, session="import")


_READING_STATE = frozenset({"read_at", "rating", "notes"})


def _existing_arxiv_ids(conn: sqlite3.Connection, arxiv_ids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(arxiv_ids), 500):
        chunk = arxiv_ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        found.update(row[0] for row in conn.execute(
            f"SELECT arxiv_id FROM papers WHERE arxiv_id IN ({marks})", chunk))
    return found


def _keep_reading_state(changes: dict, current: tuple) -> None:
    """Drop reading-state changes that no longer apply: the read mark or rating
    was set, or the note saved later, by another process since it was staged."""
    read_at, rating, notes, notes_updated_at = current
    if read_at is not None:
        changes.pop("read_at", None)
    if rating is not None:
        changes.pop("rating", None)
    if "notes" in changes and (changes["notes"] == (notes or "") or (
        notes and not _later(changes.get("notes_updated_at"), notes_updated_at)
    )):
        changes.pop("notes")
        changes.pop("notes_updated_at", None)


def _added_words(before: dict, after: dict) -> Counter[str]:
    """The words a merge brought to a paper (a real title, an abstract)."""
    if (before["title"], before["abstract"]) == (after["title"], after["abstract"]):
        return Counter()
    return Counter(raw_words(f"{after['title']} {after['abstract']}")
                   - raw_words(f"{before['title']} {before['abstract']}"))


def _add_terms(conn: sqlite3.Connection, table: str, words: Counter[str]) -> None:
    conn.executemany(
        f"INSERT INTO {table} (term, docs) VALUES (?, ?)"
        " ON CONFLICT(term) DO UPDATE SET docs = docs + excluded.docs",
        vocabulary_counts(words).items(),
    )


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


# ----- is that import still running? -----------------------------------------------------

_HOST = socket.gethostname()


def _database_key(store: Store) -> str:
    return str(store.path.resolve()) if store.path is not None else f"memory:{id(store)}"


def _is_dead(store: Store, import_id: int, pid: int, host: str, heartbeat: float) -> bool:
    if time.time() - heartbeat > HEARTBEAT_STALE_SECONDS:
        return True
    if host != _HOST:
        return False  # its process cannot be checked from here: wait for the heartbeat
    if pid == os.getpid():  # this process: dead unless one of its threads runs it
        with _RUNNING_LOCK:
            return (_database_key(store), import_id) not in _RUNNING
    return not _process_alive(pid)


def _process_alive(pid: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover - readq's imports are POSIX-tested
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    try:  # a killed process its parent has not reaped yet is a zombie: dead
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except OSError:
        return True

