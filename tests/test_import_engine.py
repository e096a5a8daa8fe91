"""Imports that never lock other writers out for long, yet are all-or-nothing for readers
(issue 10, point 6; readq/import_engine.py).

1. Another process's write lands within a second or so while a large import runs.
2. Readers (count, page, stats, search, get) see none of a running import's papers,
   then all of them.
3. A cancelled import leaves nothing: no papers, no index entries, no staged rows.
4. A killed import leaves nothing visible; the next import removes its rows first.
5. Merges into papers already visible wait for the import to be published.
6. A second import waits for the first; a dead one (process gone, or no heartbeat
   for minutes) is cleaned up.
7. A schema-1 database migrates and imports.
"""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import closing
from pathlib import Path

import pytest
import sqlite_utils

import readq.import_engine as import_engine
import readq.migrations as migrations
from readq.errors import ReadqError
from readq.models import PaperRecord
from readq.search import SearchEngine
from readq.store import Store

SEED = 3  # visible papers before each import
UNIQUE_WORD = "quokkaphylum"  # in every new abstract of a test import, nowhere else
SUMMARY = re.compile(r": imported (\d+), duplicates (\d+), rejected (\d+)")
_WORDS = (
    "model learning neural diffusion graph transformer attention speech audio vision robust"
    " sparse quantization training inference benchmark dataset latent policy reinforcement"
    " optimal convex bayesian kernel spectral embedding retrieval token language generation"
).split()


# ----- helpers ------------------------------------------------------------------------


def abstracts(count: int, tag: str = UNIQUE_WORD) -> list[str]:
    """`count` distinct plausible abstracts holding `tag`, made in a blink."""
    rng = random.Random(count)
    return [f"{tag} study {i}: " + " ".join(rng.choices(_WORDS, k=40)) + "." for i in range(count)]


def records(texts: Iterable[str]) -> list[PaperRecord]:
    return [PaperRecord(abstract=text, line=n) for n, text in enumerate(texts, 1)]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A database file holding SEED visible papers (titles derived from their abstracts)."""
    path = tmp_path / "readq.db"
    with Store.open(path) as store:
        store.import_records(records(abstracts(SEED, tag="seedling")), "seed.txt")
    return path


def raw(db: Path, sql: str, params: tuple = ()) -> int:
    """A number read straight from the file, visibility filter or not."""
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(sql, params).fetchone()[0]


def fts_matches(db: Path, word: str = UNIQUE_WORD) -> int:
    return raw(db, "SELECT count(*) FROM papers_fts WHERE papers_fts MATCH ?", (word,))


def staged_rows(db: Path) -> int:
    return sum(raw(db, f"SELECT count(*) FROM {table}") for table in ("pending_terms", "pending_merges", "imports"))


def assert_consistent(db: Path) -> None:
    with closing(sqlite3.connect(db, isolation_level=None)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        conn.execute("INSERT INTO papers_fts(papers_fts, rank) VALUES ('integrity-check', 1)")
        assert conn.execute("SELECT count(*) FROM settings WHERE key = 'bulk_import'").fetchone()[0] == 0


def search_ids(store: Store, query: str) -> list[int]:
    engine = SearchEngine(store.connect_reader)
    try:
        return engine.search(query).ids
    finally:
        engine.close()


def child_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("READQ_DB", None)
    env["READQ_CONFIG"] = str(tmp_path / "no-config.toml")
    return env


def readq_command(*args) -> list[str]:
    return [sys.executable, "-m", "readq", *map(str, args)]


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.01)


class Gate:
    """An import's records that stop halfway until the test lets them go on;
    the import runs in a thread of its own."""

    def __init__(self, store: Store, first: list, rest: list, **kwargs):
        self._db = store.path
        self.halfway = threading.Event()
        self.go_on = threading.Event()
        self.summary = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(store, first, rest), kwargs=kwargs, daemon=True
        )
        self._thread.start()

    def _items(self, first: list, rest: list) -> Iterator:
        yield from first
        self.halfway.set()
        assert self.go_on.wait(30)
        yield from rest

    def _run(self, store: Store, first: list, rest: list, **kwargs) -> None:
        try:
            self.summary = store.import_records(self._items(first, rest), "gate.txt", **kwargs)
        except BaseException as error:  # handed to the test by finish()
            self.error = error

    def wait_halfway(self, written: int) -> None:
        """Until the records before the halfway point are read, and `written` new
        papers are in the file (the import reads ahead of what it writes)."""
        assert self.halfway.wait(30), "the import never reached its halfway point"
        wait_until(lambda: raw(self._db, "SELECT count(*) FROM papers") >= SEED + written, 30,
                   f"{written} papers written")

    def finish(self):
        self.go_on.set()
        self._thread.join(60)
        assert not self._thread.is_alive()
        if self.error is not None:
            raise self.error
        return self.summary


# ----- 1. other writers get in ------------------------------------------------------------


@pytest.mark.slow
def test_a_write_from_another_process_lands_within_a_second_during_a_large_import(tmp_path, db):
    count = 60_000  # about 4 s of import here: in one transaction, a write would wait that long
    (tmp_path / "big.txt").write_text("\n".join(abstracts(count)) + "\n", encoding="utf-8")
    importer = subprocess.Popen(
        readq_command("--db", db, "import", "big.txt"), cwd=tmp_path, env=child_env(tmp_path),
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    latencies: list[float] = []
    try:
        with Store.open(db, create=False) as other:
            other.write_wait_seconds = 10  # a write that had to wait for the whole import would show it
            wait_until(lambda: raw(db, "SELECT count(*) FROM imports") or importer.poll() is not None,
                       30, "the import to start")
            rating = 3
            while importer.poll() is None:
                started = time.monotonic()
                other.rate(1, rating)
                latencies.append(time.monotonic() - started)
                rating = 7 - rating
                time.sleep(0.2)
    finally:
        if importer.poll() is None:
            importer.kill()
        out, err = importer.communicate(timeout=60)
    assert importer.returncode == 0, err
    assert SUMMARY.search(out.decode()).group(1) == str(count)
    assert len(latencies) >= 5, f"only {len(latencies)} writes while the import ran: the test proved little"
    assert max(latencies) < 1.5, sorted(latencies)[-5:]
    with Store.open(db, create=False) as store:
        assert store.get(1).rating in (3, 4)
        assert store.count() == SEED + count


def test_the_import_holds_no_lock_while_it_waits_for_records(db):
    """Reading the input (a slow pipe, a parser) happens between transactions."""
    with Store.open(db, create=False) as store, Store.open(db, create=False) as other:
        gate = Gate(store, records(abstracts(2500)), records(abstracts(10, tag="latecomer")))
        gate.wait_halfway(2500)
        other.write_wait_seconds = 1
        started = time.monotonic()
        other.rate(1, 5)
        assert time.monotonic() - started < 0.5
        summary = gate.finish()
    assert summary.imported == 2510


# ----- 2. invisible until published ----------------------------------------------------------


def test_readers_see_none_of_a_running_import_then_all_of_it(db):
    new = abstracts(2500)
    with Store.open(db, create=False) as store, Store.open(db, create=False) as reader:
        before = (reader.count(), reader.count("unread"), reader.stats(), reader.view_ids())
        gate = Gate(store, records(new[:2400]), records(new[2400:]))
        gate.wait_halfway(2400)
        assert fts_matches(db) == 2400  # written and indexed...
        # ...and yet nobody sees them
        assert (reader.count(), reader.count("unread"), reader.stats(), reader.view_ids()) == before
        assert [p.id for p in reader.page(limit=10_000)] == before[3]
        assert [p.id for p in reader.page(sort="newest", limit=10_000, brief=True)] == sorted(before[3], reverse=True)
        assert list(reader.iter_papers()) == [reader.get(i) for i in before[3]]
        assert reader.get(SEED + 1) is None and reader.get_many([SEED + 1, SEED + 2]) == {}
        assert search_ids(reader, f"{UNIQUE_WORD} ") == []
        # (falls back to papers holding any of the words: the visible ones only)
        assert all(i <= SEED for i in search_ids(reader, f"{UNIQUE_WORD} study 7"))
        assert raw(db, "SELECT count(*) FROM search_terms WHERE term = ?", (UNIQUE_WORD,)) == 0
        with pytest.raises(ReadqError, match="no paper"):
            reader.rate(SEED + 1, 5)
        summary = gate.finish()
        assert summary.imported == 2500
        assert reader.count() == reader.stats().total == SEED + 2500
        assert reader.count("unread") == SEED + 2500
        assert len(reader.view_ids()) == SEED + 2500
        assert len(search_ids(reader, f"{UNIQUE_WORD} ")) > 0
        assert raw(db, "SELECT docs FROM search_terms WHERE term = ?", (UNIQUE_WORD,)) == 2500
    assert staged_rows(db) == 0
    assert_consistent(db)


def test_pages_and_counts_still_read_their_indexes(db):
    """The visibility filter leaves the choice of index to the view (EXPLAIN QUERY PLAN)."""
    import readq.store as store_module

    with Store.open(db, create=False) as store:
        conn = store._conn
        where, _ = store._where("all", None)
        newest = " ".join(row[3] for row in conn.execute(
            f"EXPLAIN QUERY PLAN SELECT id FROM papers {where} ORDER BY created DESC, id DESC LIMIT 5"))
        rated = " ".join(row[3] for row in conn.execute(
            f"EXPLAIN QUERY PLAN {store_module._COUNT_SQL['rated']}"))
        counted = " ".join(row[3] for row in conn.execute(
            f"EXPLAIN QUERY PLAN {store_module._COUNT_SQL['all']}"))
    assert "COVERING INDEX papers_newest" in newest and "TEMP B-TREE" not in newest
    assert "COVERING INDEX papers_by_rating (rating>?)" in rated
    # the total: a bare count(*), minus the pending ids of the two partial indexes
    assert "INDEX papers_unread (id>?)" in counted and "INDEX papers_read (id>?)" in counted
    assert "SCAN papers USING COVERING INDEX" in counted


# ----- 3. cancel --------------------------------------------------------------------------------


def test_a_cancelled_import_leaves_nothing_and_a_second_try_imports_all(db, monkeypatch):
    monkeypatch.setattr(import_engine, "PROGRESS_EVERY", 1000)
    monkeypatch.setattr(import_engine, "BATCH_ROWS", 1000)  # a commit every 1000 records
    new = abstracts(5000)
    committed = []

    def cancel(summary):
        # what another process would find in the file at this moment
        committed.append(raw(db, "SELECT count(*) FROM papers") - SEED)
        if summary.seen >= 3000:
            raise KeyboardInterrupt

    with Store.open(db, create=False) as store:
        stamp = store.get_setting("search_terms_version")
        with pytest.raises(KeyboardInterrupt):
            store.import_records(records(new), "big.txt", progress=cancel)
        assert committed[-1] >= 2000, f"cancelled before anything was written ({committed})"
        assert store.count() == SEED
        assert raw(db, "SELECT count(*) FROM papers") == SEED
        assert fts_matches(db) == 0
        assert staged_rows(db) == 0
        assert store.get_setting("search_terms_version") == stamp
        assert_consistent(db)

        summary = store.import_records(records(new), "big.txt")
        assert (summary.imported, summary.duplicates) == (5000, 0)
        assert store.count() == SEED + 5000 and fts_matches(db) == 5000
    assert staged_rows(db) == 0
    assert_consistent(db)


def test_a_failing_input_midway_leaves_nothing(db):
    def failing() -> Iterator[PaperRecord]:
        yield from records(abstracts(5000))
        wait_until(lambda: raw(db, "SELECT count(*) FROM papers") > SEED, 30, "some papers written")
        raise OSError("the disk went away")

    with Store.open(db, create=False) as store:
        with pytest.raises(OSError, match="went away"):
            store.import_records(failing(), "x.txt")
        assert raw(db, "SELECT count(*) FROM papers") == SEED and fts_matches(db) == 0
        assert staged_rows(db) == 0


# ----- 4. kill -9 -------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_killed_import_stays_invisible_and_the_next_one_removes_it(tmp_path, db):
    count = 30_000
    (tmp_path / "big.txt").write_text("\n".join(abstracts(count)) + "\n", encoding="utf-8")
    importer = subprocess.Popen(
        readq_command("--db", db, "import", "big.txt"), cwd=tmp_path, env=child_env(tmp_path),
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: raw(db, "SELECT count(*) FROM papers") > SEED + 3000 or importer.poll() is not None,
                   60, "the import to write some batches")
        assert importer.poll() is None, "the import finished before the kill: the test proved nothing"
        importer.send_signal(signal.SIGKILL)
    finally:
        importer.kill()
        importer.wait(30)
    left = raw(db, "SELECT count(*) FROM papers") - SEED
    assert 0 < left < count
    assert fts_matches(db) == left
    assert raw(db, "SELECT count(*) FROM imports") == 1  # the dead import's
    with Store.open(db, create=False) as store:
        assert store.count() == store.stats().total == SEED
        assert search_ids(store, f"{UNIQUE_WORD} ") == []
    assert_consistent(db)

    again = subprocess.run(readq_command("--db", db, "import", "big.txt"), cwd=tmp_path,
                           env=child_env(tmp_path), capture_output=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert SUMMARY.search(again.stdout.decode()).groups() == (str(count), "0", "0")
    assert raw(db, "SELECT count(*) FROM papers") == SEED + count
    assert fts_matches(db) == count
    assert staged_rows(db) == 0
    assert_consistent(db)


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _leave_a_dead_import(db: Path, *, pid: int, host: str, heartbeat: float, rows: int = 40) -> None:
    """What a killed import leaves: its row in imports, pending papers (indexed), staged rows."""
    with closing(sqlite3.connect(db, isolation_level=None)) as conn:
        first = conn.execute("SELECT max(id) + 1 FROM papers").fetchone()[0]
        conn.execute("BEGIN")
        import_id = conn.execute(
            "INSERT INTO imports (first_id, pid, host, started, heartbeat) VALUES (?, ?, ?, '', ?)",
            (first, pid, host, heartbeat),
        ).lastrowid
        for n, text in enumerate(abstracts(rows, tag="ghostly")):
            conn.execute("INSERT INTO papers (title, abstract, added_at, content_hash) VALUES (?, ?, '', ?)",
                         (f"Ghost {n}", text, f"ghost{n}"))
        conn.execute("INSERT INTO pending_terms VALUES (?, 'ghostly', ?)", (import_id, rows))
        conn.execute("INSERT INTO pending_merges (import_id, paper_id, changes) VALUES (?, 1, ?)",
                     (import_id, '{"title": "Ghost title", "headline_derived": 0}'))
        conn.execute("COMMIT")


@pytest.mark.parametrize("how", ["process gone", "no heartbeat for minutes"])
def test_the_next_import_removes_a_dead_import_first(db, how):
    if how == "process gone":
        _leave_a_dead_import(db, pid=_dead_pid(), host=import_engine._HOST, heartbeat=time.time())
    else:  # another machine's: its process cannot be checked from here
        _leave_a_dead_import(db, pid=1, host="elsewhere.example",
                             heartbeat=time.time() - import_engine.HEARTBEAT_STALE_SECONDS - 1)
    reports = []
    with Store.open(db, create=False) as store:
        assert store.count() == SEED and search_ids(store, "ghostly ") == []
        summary = store.import_records(records(abstracts(5)), "x.txt",
                                       progress=lambda s: reports.append(s.waiting))
        assert summary.imported == 5
        assert store.count() == SEED + 5 == raw(db, "SELECT count(*) FROM papers")
        assert search_ids(store, "ghostly ") == []
    assert fts_matches(db, "ghostly") == 0 and staged_rows(db) == 0
    assert raw(db, "SELECT count(*) FROM search_terms WHERE term = 'ghostly'") == 0
    assert any("interrupted import" in text for text in reports)
    assert_consistent(db)


def test_a_live_import_elsewhere_is_waited_for(db):
    _leave_a_dead_import(db, pid=1, host="elsewhere.example", heartbeat=time.time())
    reports = []

    def give_up(summary):
        reports.append(summary.waiting)
        if len(reports) == 2:
            raise KeyboardInterrupt

    with Store.open(db, create=False) as store:
        with pytest.raises(KeyboardInterrupt):
            store.import_records(records(abstracts(5)), "x.txt", progress=give_up)
    assert "waiting for another import" in reports[0]
    assert raw(db, "SELECT count(*) FROM papers") == SEED + 40  # nothing touched


# ----- 5. merges into visible papers -------------------------------------------------------------


def test_merges_into_visible_papers_wait_for_the_publish(db):
    with Store.open(db, create=False) as store, Store.open(db, create=False) as reader:
        known = reader.get(1)
        assert known.headline_derived and known.arxiv_id is None
        merge = PaperRecord(abstract=known.abstract.upper(), line=1, title="Wombat Interpretability",
                            arxiv_id="2401.00001", created="2024-01-02")
        # Another record of the file with the same id: a revised abstract of the same paper.
        revised = PaperRecord(abstract="A revised abstract of the wombat paper, long enough.", line=2,
                              arxiv_id="2401.00001")
        gate = Gate(store, [merge, revised, *records(abstracts(2500))], records(abstracts(5, "late")))
        gate.wait_halfway(2500)
        assert raw(db, "SELECT count(*) FROM pending_merges") >= 1
        assert raw(db, "SELECT count(*) FROM papers") > SEED  # the import is under way
        assert reader.get(1) == known
        assert reader.find_by_arxiv_id("2401.00001") is None
        assert search_ids(reader, "wombat ") == []
        summary = gate.finish()
        assert (summary.imported, summary.duplicates) == (2505, 2)
        merged = reader.get(1)
        assert (merged.title, merged.headline_derived, merged.arxiv_id, merged.created) == (
            "Wombat Interpretability", False, "2401.00001", "2024-01-02")
        assert reader.find_by_arxiv_id("2401.00001").id == 1
        assert search_ids(reader, "wombat ") == [1]
        assert raw(db, "SELECT docs FROM search_terms WHERE term = 'wombat'") == 1
    assert staged_rows(db) == 0
    assert_consistent(db)


def test_a_newer_note_from_a_backup_waits_for_the_publish_too(db):
    with Store.open(db, create=False) as store:
        store.save_note(2, "mine")
        known = store.get(2)
        backup = PaperRecord(abstract=known.abstract, line=1, headline_derived=True, notes="from the backup",
                             notes_updated_at="2999-01-01T00:00:00+00:00", rating=4)
        gate = Gate(store, [backup, *records(abstracts(2500))], [])
        gate.wait_halfway(2500)
        assert raw(db, "SELECT count(*) FROM pending_merges") == 1
        with Store.open(db, create=False) as reader:
            assert (reader.get(2).notes, reader.get(2).rating) == ("mine", None)
            assert reader.note_versions(2)[0][1] == "mine"
        gate.finish()
        assert (store.get(2).notes, store.get(2).rating) == ("from the backup", 4)
        assert store.note_versions(2)[0][1] == "from the backup"


def test_a_rating_set_while_staged_wins_over_the_imports(db):
    with Store.open(db, create=False) as store:
        known = store.get(3)
        backup = PaperRecord(abstract=known.abstract, line=1, headline_derived=True, rating=4,
                             read_at="2020-01-01T00:00:00+00:00")
        gate = Gate(store, [backup, *records(abstracts(2500))], [])
        gate.wait_halfway(2500)
        assert raw(db, "SELECT count(*) FROM pending_merges") == 1
        with Store.open(db, create=False) as other:
            other.rate(3, 2)
        gate.finish()
        assert (store.get(3).rating, store.get(3).read_at) == (2, "2020-01-01T00:00:00+00:00")


def test_a_merge_into_the_imports_own_row_applies_at_once(db, monkeypatch):
    monkeypatch.setattr(import_engine, "BATCH_ROWS", 1)  # each record in its own transaction
    text = "A brand new abstract about capybara navigation, long enough to keep."
    with Store.open(db, create=False) as store:
        summary = store.import_records([
            PaperRecord(abstract=text, line=1),
            PaperRecord(abstract=text, line=2, title="Capybara Navigation", arxiv_id="2402.00002"),
        ], "x.txt")
        assert (summary.imported, summary.duplicates) == (1, 1)
        paper = store.find_by_arxiv_id("2402.00002")
        assert paper.title == "Capybara Navigation"
        assert search_ids(store, "capybara navigation") == [paper.id]
    assert raw(db, "SELECT count(*) FROM pending_merges") == 0
    assert_consistent(db)


# ----- 6. one import at a time --------------------------------------------------------------------


def test_a_second_import_waits_for_the_first_and_says_so(db, monkeypatch):
    monkeypatch.setattr(import_engine, "WAIT_POLL_SECONDS", 0.05)
    waiting = []
    with Store.open(db, create=False) as first, Store.open(db, create=False) as second:
        gate = Gate(first, records(abstracts(2500)), records(abstracts(10, "later")))
        gate.wait_halfway(2500)
        result = {}

        def run_second():
            result["summary"] = second.import_records(
                records(abstracts(20, "second")), "second.txt",
                progress=lambda s: waiting.append(s.waiting))

        thread = threading.Thread(target=run_second, daemon=True)
        thread.start()
        wait_until(lambda: waiting, 10, "the second import to report that it waits")
        assert waiting[0].startswith("waiting for another import")
        assert second.count() == SEED
        assert gate.finish().imported == 2510
        thread.join(30)
        assert result["summary"].imported == 20
        assert second.count() == SEED + 2530
    assert staged_rows(db) == 0


# ----- 7. the schema -----------------------------------------------------------------------------


def test_a_schema_1_database_migrates_and_imports(tmp_path):
    path = tmp_path / "old.db"
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.executescript(f"BEGIN; {migrations.MIGRATIONS[0]()}; PRAGMA user_version = 1; COMMIT;")
        conn.execute("INSERT INTO papers (title, abstract, added_at, content_hash, rating)"
                     " VALUES ('Old paper', 'An old abstract about otters.', '2020-01-01', 'h', 5)")
    with Store.open(path) as store:
        assert store.count() == 1 and store.get(1).rating == 5
        summary = store.import_records(records(abstracts(30)), "x.txt")
        assert summary.imported == 30 and store.count() == 31
        assert search_ids(store, "otters") == [1]
    assert path.with_name("old.db.bak-v1").is_file()
    database = sqlite_utils.Database(sqlite3.connect(path))
    assert database.execute("PRAGMA user_version").fetchone()[0] == migrations.SCHEMA_VERSION
    assert {"imports", "pending_terms", "pending_merges"} <= set(database.table_names())
    assert set(database["imports"].columns_dict) == {
        "id", "first_id", "pid", "host", "started", "heartbeat", "state"}
    assert_consistent(path)


def test_publishing_is_short(tmp_path, db):
    """The last transaction, which makes the import visible, stays well under a second."""
    with Store.open(db, create=False) as store:
        store.import_records(records(abstracts(20_000)), "big.txt")
        timings = store.import_timings
        assert timings.batches >= 5  # register, batches, vocabulary, publish
        assert timings.publish < 0.5, timings
        assert timings.longest_batch < 1.0, timings
        store.import_records(records(abstracts(500, tag="smallish")), "small.txt")  # words counted
        assert store.import_timings.publish < 0.5, store.import_timings
