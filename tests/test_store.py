"""The store: imports, reading state, notes, views and the files it refuses to open."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import readq.import_engine as import_engine
import readq.store as store_module
from readq.errors import DatabaseProblem, ReadqError
from readq.importers import arxiv_listing, plain
from readq.importing import import_file
from readq.migrations import SCHEMA_VERSION
from readq.models import FILTERS, SORTS, PaperRecord, Problem
from readq.store import Store

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = T0):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def snapshot(store: Store) -> list[tuple]:
    """Everything a paper row holds, for before/after comparisons."""
    return [
        (p.id, p.arxiv_id, p.title, p.abstract, p.read_at, p.rating, p.notes)
        for p in store.iter_papers()
    ]


# ----- importing ----------------------------------------------------------------------------


def test_import_both_seeds_into_memory(plain_seed: Path, arxiv_seed: Path):
    store = Store.memory()
    first = import_file(store, str(plain_seed))
    second = import_file(store, str(arxiv_seed))
    assert (first.format, first.seen, first.imported, first.duplicates, first.rejected) == ("plain", 11, 11, 0, 0)
    assert (second.format, second.seen, second.imported, second.duplicates, second.rejected) == ("arxiv", 10, 10, 0, 0)
    assert store.count() == 21
    papers = list(store.iter_papers())
    assert [p.id for p in papers] == list(range(1, 22))
    assert all(p.title.strip() and p.headline_derived for p in papers)
    assert all(p.source == str(plain_seed) for p in papers[:11])
    styletalker = store.find_by_arxiv_id("2208.10922")
    assert styletalker is not None and styletalker.created == "2022-08-23"
    assert styletalker.link == "https://arxiv.org/abs/2208.10922"
    assert store.find_by_arxiv_id("2208.10781").updated == "2022-08-24"
    assert store.find_by_arxiv_id("2210.02077").comments == "pre-print"


def test_reimport_adds_nothing(seeded_store: Store, plain_seed: Path, arxiv_seed: Path):
    before = snapshot(seeded_store)
    stamp = seeded_store.get_setting("search_terms_version")
    again_plain = import_file(seeded_store, str(plain_seed))
    again_arxiv = import_file(seeded_store, str(arxiv_seed))
    assert (again_plain.imported, again_plain.duplicates) == (0, 11)
    assert (again_arxiv.imported, again_arxiv.duplicates) == (0, 10)
    assert snapshot(seeded_store) == before
    assert seeded_store.get_setting("search_terms_version") == stamp


def test_duplicates_within_one_file_ignore_case_and_spacing():
    abstract = "Sparse attention makes long-context transformers cheaper to train and to run."
    text = f"{abstract}\n{abstract.upper()}\n  {abstract.replace(' ', '   ')}  \n{abstract} And more.\n"
    records, problems = plain.parse(text)
    store = Store.memory()
    summary = store.import_records(records + problems, "dups.txt")
    assert (summary.seen, summary.imported, summary.duplicates) == (4, 2, 2)
    assert store.count() == 2


def test_same_arxiv_id_twice_in_one_listing_is_one_paper():
    text = (
        "A first version of the abstract of a paper on things.\n\n"
        "arXiv:2208.10922v1\nCreated: 2022-08-23\n\n"
        "A second, revised version of the abstract on things.\n\n"
        "arXiv:2208.10922v2\nCreated: 2022-08-23\n"
    )
    records, problems = arxiv_listing.parse(text)
    assert problems == [] and len(records) == 2
    store = Store.memory()
    summary = store.import_records(records, "listing.txt")
    assert (summary.imported, summary.duplicates) == (1, 1)
    assert store.find_by_arxiv_id("2208.10922").abstract.startswith("A first version")


def test_listing_record_fills_in_an_id_less_copy(plain_seed: Path, arxiv_seed: Path):
    listing, _ = arxiv_listing.parse(arxiv_seed.read_text(encoding="utf-8"))
    styletalker = next(r for r in listing if r.arxiv_id == "2208.10922")
    store = Store.memory()
    store.import_records([PaperRecord(abstract=styletalker.abstract.lower(), line=1)], "mine.txt")
    summary = import_file(store, str(arxiv_seed))
    assert (summary.imported, summary.duplicates) == (9, 1)
    paper = store.find_by_arxiv_id("2208.10922")
    assert paper.id == 1 and paper.created == "2022-08-23" and paper.source == "mine.txt"
    assert store.count() == 10


def test_problems_are_counted_not_stored():
    store = Store.memory()
    items = [
        PaperRecord(abstract="An abstract long enough to be kept by the store.", line=1),
        Problem(2, "too short to be an abstract (5 characters)"),
        Problem(3, "control characters removed", rejected=False),
    ]
    summary = store.import_records(items, "x.txt")
    assert (summary.seen, summary.imported, summary.rejected) == (2, 1, 1)
    assert summary.problems == items[1:]
    assert summary.seen == summary.imported + summary.duplicates + summary.rejected


# ----- all or nothing -----------------------------------------------------------------------


def test_an_iterator_failing_midway_leaves_the_database_unchanged(seeded_store: Store):
    before = snapshot(seeded_store)
    stamp = seeded_store.get_setting("search_terms_version")

    def records_then_failure() -> Iterator[PaperRecord]:
        for n in range(5):
            yield PaperRecord(abstract=f"Fresh abstract number {n} about protein folding models.", line=n + 1)
        raise OSError("disk went away")

    with pytest.raises(OSError, match="disk went away"):
        seeded_store.import_records(records_then_failure(), "partial.txt")
    assert seeded_store.count() == 21
    assert snapshot(seeded_store) == before
    assert seeded_store.get_setting("search_terms_version") == stamp
    with Store.open(seeded_store.path) as other:  # and on disk, for any other process
        assert other.count() == 21
    # The store is still usable afterwards.
    summary = seeded_store.import_records(
        [PaperRecord(abstract="Fresh abstract number 0 about protein folding models.", line=1)], "ok.txt"
    )
    assert summary.imported == 1 and seeded_store.count() == 22


def test_a_progress_callback_raising_midway_cancels_the_import(
    tmp_path: Path, plain_seed: Path, arxiv_seed: Path, monkeypatch
):
    monkeypatch.setattr(import_engine, "PROGRESS_EVERY", 3)
    calls = []

    def cancel(summary, fraction):
        calls.append(summary.seen)
        if summary.seen >= 6:
            raise KeyboardInterrupt

    with Store.open(tmp_path / "readq.db") as store:
        import_file(store, str(plain_seed))
        with pytest.raises(KeyboardInterrupt):
            import_file(store, str(arxiv_seed), progress=cancel)
        assert calls == [3, 6]
        assert store.count() == 11
        assert store.find_by_arxiv_id("2210.10485") is None


def test_a_progress_callback_raising_on_a_small_file_cancels_the_import(tmp_path: Path, arxiv_seed: Path):
    def cancel(summary, fraction):
        raise KeyboardInterrupt

    with Store.open(tmp_path / "readq.db") as store:
        with pytest.raises(KeyboardInterrupt):
            import_file(store, str(arxiv_seed), progress=cancel)
        assert store.count() == 0


# ----- reading state, ratings, notes ----------------------------------------------------------


def test_set_read_and_restore_read(tmp_path: Path, plain_seed: Path):
    clock = Clock()
    with Store.open(tmp_path / "readq.db", clock=clock) as store:
        import_file(store, str(plain_seed))
        previous = store.set_read([1, 2], True)
        assert previous == {1: None, 2: None}
        assert store.get(1).read_at == "2026-03-01T12:00:00.000+00:00" and store.get(1).is_read
        clock.now += timedelta(hours=1)
        again = store.set_read([1, 3], True)  # an already-read paper keeps its first read time
        assert again == {1: "2026-03-01T12:00:00.000+00:00", 3: None}
        assert store.get(1).read_at == "2026-03-01T12:00:00.000+00:00"
        assert store.get(3).read_at == "2026-03-01T13:00:00.000+00:00"
        store.restore_read(again)  # undo the second mark
        assert store.get(1).read_at == "2026-03-01T12:00:00.000+00:00"
        assert store.get(3).read_at is None
        unread = store.set_read([1, 2], False)
        assert not store.get(1).is_read and not store.get(2).is_read
        store.restore_read(unread)
        assert store.get(2).read_at == "2026-03-01T12:00:00.000+00:00"


def test_rate_sets_clears_and_refuses_bad_values(seeded_store: Store):
    assert seeded_store.rate(4, 5) is None
    assert seeded_store.get(4).rating == 5
    assert seeded_store.rate(4, 3) == 5
    assert seeded_store.rate(4, 0) == 3
    assert seeded_store.get(4).rating is None
    seeded_store.rate(4, 2)
    assert seeded_store.rate(4, None) == 2 and seeded_store.get(4).rating is None
    for bad in (6, -1, 100):
        with pytest.raises(ReadqError, match="rating"):
            seeded_store.rate(4, bad)
    with pytest.raises(ReadqError, match="no paper"):
        seeded_store.rate(999, 3)
    assert seeded_store.get(4).rating is None


def test_notes_versions_and_conflicts(tmp_path: Path, plain_seed: Path):
    clock = Clock()
    with Store.open(tmp_path / "readq.db", clock=clock) as mine, \
            Store.open(tmp_path / "readq.db", clock=clock) as theirs:
        import_file(mine, str(plain_seed))
        saved = mine.save_note(2, "first thoughts", base=None, check_base=True)
        assert not saved.conflict and saved.overwritten_text is None
        paper = mine.get(2)
        assert paper.notes == "first thoughts" and paper.notes_updated_at == saved.saved_at

        clock.now += timedelta(minutes=1)
        theirs.save_note(2, "their edit", base="first thoughts", check_base=True)
        clock.now += timedelta(minutes=1)
        # My editor still started from "first thoughts": a conflict, my text wins.
        clash = mine.save_note(2, "my edit", base="first thoughts", check_base=True)
        assert clash.conflict and clash.overwritten_text == "their edit"
        assert mine.get(2).notes == "my edit"
        texts = [text for _, text in mine.note_versions(2)]
        assert texts[0] == "my edit" and "their edit" in texts and "first thoughts" in texts

        # A save from an up-to-date base is no conflict.
        assert not mine.save_note(2, "my edit, more", base="my edit", check_base=True).conflict
        # Saving the text that is already there changes nothing.
        versions = mine.note_versions(2)
        assert not mine.save_note(2, "my edit, more").conflict
        assert mine.note_versions(2) == versions
        with pytest.raises(ReadqError, match="no paper"):
            mine.save_note(999, "x")


def test_note_saves_in_one_session_coalesce_into_one_version():
    clock = Clock()
    store = Store.memory(clock=clock)
    store.import_records([PaperRecord(abstract="An abstract long enough to be kept by the store.", line=1)], "x")
    store.save_note(1, "a")
    clock.now += timedelta(seconds=30)
    store.save_note(1, "ab")
    assert [text for _, text in store.note_versions(1)] == ["ab"]
    clock.now += timedelta(seconds=store_module.NOTE_VERSION_COALESCE_SECONDS + 1)
    store.save_note(1, "abc")
    assert [text for _, text in store.note_versions(1)] == ["abc", "ab"]


def test_two_stores_on_one_file_do_not_undo_each_other(tmp_path: Path, plain_seed: Path):
    path = tmp_path / "shared.db"
    with Store.open(path) as first, Store.open(path) as second:
        import_file(first, str(plain_seed))
        # Each store has read the papers before the other one writes.
        assert first.get(1).rating is None and second.get(1).read_at is None
        first.set_read([1], True)
        second.rate(1, 4)
        second.set_read([2], True)
        first.rate(2, 2)
        first.save_note(3, "from the first")
        second.rate(3, 5)
        second.set_read([3], True)
        for store in (first, second):
            one, two, three = store.get(1), store.get(2), store.get(3)
            assert one.is_read and one.rating == 4
            assert two.is_read and two.rating == 2
            assert three.is_read and three.rating == 5 and three.notes == "from the first"


# ----- views ---------------------------------------------------------------------------------


@pytest.fixture
def marked_store(seeded_store: Store) -> Store:
    """The seeds with some papers read and some rated."""
    seeded_store.set_read([2, 5, 13, 19], True)
    for paper_id, rating in ((5, 3), (7, 5), (13, 5), (20, 1)):
        seeded_store.rate(paper_id, rating)
    seeded_store.save_note(7, "worth a second look")
    return seeded_store


def expected_view(store: Store, filter: str, sort: str, min_rating: int | None = None) -> list[int]:
    """The view computed in Python from every paper, to check the SQL against."""
    papers = [store.get(i) for i in range(1, store.count() + 1)]
    keep = {
        "all": lambda p: True,
        "unread": lambda p: not p.is_read,
        "read": lambda p: p.is_read,
        "rated": lambda p: p.rating is not None,
        "noted": lambda p: bool(p.notes),
    }[filter]
    papers = [p for p in papers if keep(p) and (min_rating is None or (p.rating or 0) >= min_rating)]
    if sort == "newest":  # newest first, undated last, ties newest-added first
        papers.sort(key=lambda p: (p.created is not None, p.created or "", p.id), reverse=True)
    elif sort == "rating":  # best first, unrated last, ties in queue order
        papers.sort(key=lambda p: (-(p.rating or 0), p.id))
    return [p.id for p in papers]


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("filter", FILTERS)
def test_page_and_count_for_every_filter_and_sort(marked_store: Store, filter: str, sort: str):
    expected = expected_view(marked_store, filter, sort)
    assert marked_store.count(filter) == len(expected)
    assert [p.id for p in marked_store.page(filter, sort, 0, 100)] == expected
    assert marked_store.view_ids(filter, sort) == expected
    pages = [marked_store.page(filter, sort, offset, 4) for offset in range(0, 24, 4)]
    assert [p.id for page in pages for p in page] == expected
    assert all(len(page) <= 4 for page in pages)


def test_view_counts_on_the_marked_seeds(marked_store: Store):
    assert [marked_store.count(f) for f in FILTERS] == [21, 17, 4, 4, 1]
    newest = marked_store.page("all", "newest", 0, 3)
    assert [p.arxiv_id for p in newest] == ["2210.10329", "2210.10485", "2210.02077"]
    assert marked_store.page("all", "newest", 20, 5)[-1].created is None  # undated last
    assert [p.rating for p in marked_store.page("all", "rating", 0, 5)] == [5, 5, 3, 1, None]


@pytest.mark.parametrize("min_rating", [1, 3, 5])
def test_min_rating(marked_store: Store, min_rating: int):
    for sort in SORTS:
        got = [p.id for p in marked_store.page("all", sort, 0, 100, min_rating=min_rating)]
        assert got == expected_view(marked_store, "all", sort, min_rating)
        assert [p.id for p in marked_store.iter_papers("all", sort, min_rating, batch=2)] == got


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("filter", ["all", "rated"])
def test_next_unread_position(marked_store: Store, filter: str, sort: str):
    view = marked_store.view_ids(filter, sort)
    unread = [pos for pos, pid in enumerate(view) if not marked_store.get(pid).is_read]
    for after in range(-1, len(view)):
        later = [pos for pos in unread if pos > after]
        expected = later[0] if later else (unread[0] if unread else None)  # wraps to the top
        assert marked_store.next_unread_position(filter, sort, after) == expected


def test_next_unread_position_when_all_are_read(marked_store: Store):
    marked_store.set_read(range(1, 22), True)
    assert marked_store.next_unread_position("all", "queue", 0) is None


def test_stats(marked_store: Store):
    stats = marked_store.stats()
    assert (stats.total, stats.unread, stats.rated, stats.noted) == (21, 17, 4, 1)
    marked_store.save_note(7, "")  # an emptied note no longer counts
    assert marked_store.stats().noted == 0
    assert Store.memory().stats().total == 0


def test_get_many_and_missing_ids(seeded_store: Store):
    found = seeded_store.get_many([3, 19, 999])
    assert sorted(found) == [3, 19]
    assert found[19].arxiv_id == "2208.10922"
    assert seeded_store.get(999) is None and seeded_store.find_by_arxiv_id("9999.99999") is None


# ----- the database file ---------------------------------------------------------------------


def test_wal_mode_is_on(seeded_store: Store):
    with sqlite3.connect(seeded_store.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_database_from_a_newer_readq_is_refused_untouched(tmp_path: Path):
    path = tmp_path / "newer.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE papers (id INTEGER PRIMARY KEY, title TEXT)")
        conn.execute("INSERT INTO papers (title) VALUES ('from the future')")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(DatabaseProblem, match="newer readq"):
        Store.open(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["newer.db"]  # no -wal, -shm or backup


def test_a_foreign_sqlite_file_is_refused_untouched(tmp_path: Path):
    path = tmp_path / "other-app.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE contacts (name TEXT)")
        conn.execute("INSERT INTO contacts VALUES ('Ada')")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(DatabaseProblem, match="not a readq database"):
        Store.open(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other-app.sqlite"]


def test_a_text_file_is_refused_untouched(tmp_path: Path, plain_seed: Path):
    path = tmp_path / "abstracts.txt"
    path.write_bytes(plain_seed.read_bytes())
    with pytest.raises(DatabaseProblem, match="not an SQLite file"):
        Store.open(path)
    assert path.read_bytes() == plain_seed.read_bytes()


def test_a_directory_is_refused(tmp_path: Path):
    with pytest.raises(DatabaseProblem, match="is a directory"):
        Store.open(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_opening_without_create_does_not_make_a_file(tmp_path: Path):
    path = tmp_path / "nested" / "readq.db"
    with pytest.raises(DatabaseProblem):
        Store.open(path, create=False)
    assert not path.exists() and not path.parent.exists()
    with Store.open(path) as store:  # create=True makes the folder and the file
        assert store.count() == 0
    assert path.is_file()


def test_a_fresh_database_reopens_with_its_data(tmp_path: Path, plain_seed: Path):
    path = tmp_path / "readq.db"
    with Store.open(path) as store:
        import_file(store, str(plain_seed))
        store.rate(1, 4)
    with Store.open(path, create=False) as store:
        assert store.count() == 11 and store.get(1).rating == 4
