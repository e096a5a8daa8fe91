"""Quick headlines in large imports, learned ones in the background (readq/headline_backfill.py)."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import readq
import readq.importing as importing
from readq import headline_backfill
from readq.cli import cli
from readq.headline import derive_headline
from readq.import_engine import quick_headline
from readq.importing import import_file
from readq.store import Store
from tests.test_headline import listing_abstracts, plain_abstracts, whole_phrase_problems
from tests.test_parser_process import _proc, processes, wait_until

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")

READQ_ROOT = str(Path(readq.__file__).resolve().parent.parent)
TOPICS = ("Sparse graph transformers for molecule property prediction", "Diffusion models for video generation",
          "Retrieval-augmented language models for question answering", "Robust visual odometry in the dark")
# Slows the learned headline in child processes, so that a test can act while a backfill runs.
SLOW_DERIVE = """
import time
import readq.headline as headline
_original = headline.derive_headline
def derive_headline(text, max_length=80):
    time.sleep(0.002)
    return _original(text, max_length)
headline.derive_headline = derive_headline
"""


def abstract(number: int) -> str:
    topic = TOPICS[number % len(TOPICS)]
    return (f"We propose Model{number}, a method for {topic.lower()} (case {number}). "
            f"It improves accuracy on {number % 7 + 2} benchmarks while using less memory.")


def listing(path: Path, count: int, first: int = 0) -> Path:
    blocks = [f"{abstract(n)}\n\narXiv:2401.{n:05d}\nCreated: 2024-01-02\n" for n in range(first, first + count)]
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


def titles(db: Path) -> dict[int, tuple[str, int]]:
    with sqlite3.connect(db) as conn:
        return {row[0]: (row[1], row[2]) for row in conn.execute("SELECT id, title, headline_derived FROM papers")}


def queue(db: Path) -> dict[int, str]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT paper_id, quick FROM headline_queue"))


def backfills(db: Path) -> list:
    return [p for p in processes() if "readq.headline_backfill" in p.cmdline and str(db) in p.cmdline
            and p.state not in "ZXx"]


@pytest.fixture
def slow_children(tmp_path: Path, monkeypatch) -> None:
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(SLOW_DERIVE)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(hooks), READQ_ROOT]))


@pytest.fixture(autouse=True)
def no_backfill_left(tmp_path: Path):
    """Every test waits for the backfills it started: none outlives it (the lock is free)."""
    yield
    for db in tmp_path.glob("*.db"):
        os.close(headline_backfill.wait_lock(db))
        assert wait_until(lambda: not backfills(db), 10)


def imported(tmp_path: Path, count: int, inline: int, name: str = "readq.db") -> Path:
    db = tmp_path / name
    with Store.open(db) as store:
        import_file(store, str(listing(tmp_path / f"{name}.txt", count)), inline_headlines=inline)
    return db


# ----- quick headlines ------------------------------------------------------------------


def quick_problems(headline: str) -> list[str]:
    """The whole-phrase rules, as tests/test_headline.py applies them to word soup:
    a headline of one word may be a function word (the text has no better one)."""
    problems = whole_phrase_problems(headline)
    return [p for p in problems if not (p.startswith("dangling") and len(headline.split()) == 1)]


def test_quick_headlines_of_the_seeds_are_whole_phrases() -> None:
    for text in plain_abstracts() + listing_abstracts():
        assert whole_phrase_problems(quick_headline(text)) == [], quick_headline(text)


@pytest.mark.parametrize("text", [
    "The (very long parenthetical that never closes before the limit is reached in this abstract text",
    "We study $\\mathcal{O}(n \\log n)$ algorithms for the problem of sorting with a very long formula $x",
    "An approach... that trails off… and goes on and on with more words than fit in eighty chars",
    "Of the and to with for in on at by from via into onto as that which whose who where when while the",
    "a" * 500, "x\x00y\x1b[31m red \u2028 text", "(", "[[[]]] ]] [[ word", "Short.",
])
def test_quick_headlines_of_hostile_text_are_whole_phrases(text: str) -> None:
    assert_whole_phrase(text)


HOSTILE_CHARACTERS = list("ab Of the (x) [y] {z} $ ... … , ; : - the of.\n\t\"'/&+—")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(HOSTILE_CHARACTERS), max_size=300))
def test_quick_headline_of_any_text_is_a_whole_phrase(text: str) -> None:
    assert_whole_phrase(text)


def assert_whole_phrase(text: str) -> None:
    headline = quick_headline(text)
    if any(char.isalnum() for char in headline):
        assert quick_problems(headline) == [], headline
    else:  # nothing readable, like derive_headline
        assert headline == "" and not any(char.isalnum() for char in text), headline


# ----- the import: quick headlines, queued, visible together ------------------------------


@pytest.mark.parametrize("size", ["small", "parallel"])
def test_headlines_past_the_inline_ones_are_quick_and_queued_when_published(tmp_path: Path, monkeypatch, size):
    count = 40 if size == "small" else 11000
    source = listing(tmp_path / "in.txt", count)
    assert (source.stat().st_size >= importing.PARALLEL_FROM_BYTES) == (size == "parallel")
    monkeypatch.setenv("READQ_INLINE_HEADLINES", "7")
    db = tmp_path / "readq.db"
    seen_while_running = []

    def progress(summary, fraction):
        with sqlite3.connect(db) as conn:  # another process's view: nothing of the import yet
            seen_while_running.append((headline_backfill.queued(conn),
                                       conn.execute("SELECT count(*) FROM headline_queue").fetchone()[0]))
        if seen_while_running[-1][1] and len(seen_while_running) == 2:
            with Store.open(db) as other:  # a backfill now must leave the unpublished papers alone
                assert headline_backfill.run(other) == 0

    with Store.open(db) as store:
        import_file(store, str(source), progress=progress)
    assert seen_while_running and all(visible == 0 for visible, _ in seen_while_running)
    if size == "parallel":
        assert any(written > 0 for _, written in seen_while_running)  # written, not yet visible
    papers, queued = titles(db), queue(db)
    with sqlite3.connect(db) as conn:
        abstracts = dict(conn.execute("SELECT id, abstract FROM papers"))
        assert headline_backfill.queued(conn) == count - 7
    assert sorted(queued) == sorted(papers)[7:]
    for paper_id, (title, derived) in papers.items():
        expected = quick_headline(abstracts[paper_id]) if paper_id in queued else derive_headline(abstracts[paper_id])
        assert (title, derived) == (expected, 1)
        assert queued.get(paper_id, title) == title


def test_the_real_constant_learns_the_first_2000_inline(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("READQ_INLINE_HEADLINES", raising=False)
    assert importing.INLINE_HEADLINES == 2000
    db = tmp_path / "readq.db"
    with Store.open(db) as store:
        import_file(store, str(listing(tmp_path / "in.txt", 2010)))
    papers = titles(db)
    assert sorted(queue(db)) == sorted(papers)[2000:]
    first = min(papers)
    assert papers[first + 1999][0] == derive_headline(abstract(1999))
    assert papers[first + 2000][0] == quick_headline(abstract(2000))


def test_a_cancelled_import_leaves_no_queue(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("READQ_INLINE_HEADLINES", "0")

    def cancel(summary, fraction):
        if summary.seen >= 4000:
            raise KeyboardInterrupt

    db = tmp_path / "readq.db"
    with Store.open(db) as store:
        with pytest.raises(KeyboardInterrupt):
            import_file(store, str(listing(tmp_path / "in.txt", 11000)), progress=cancel)
    assert titles(db) == {} and queue(db) == {}


# ----- the backfill ------------------------------------------------------------------------


def test_backfill_replaces_exactly_the_unchanged_quick_headlines(tmp_path: Path):
    db = imported(tmp_path, 30, inline=10)
    queued = queue(db)
    first = min(titles(db))
    # A merge brings a real title to one queued paper; another one's headline is edited by hand.
    (tmp_path / "titled.jsonl").write_text(
        '{"arxiv_id": "2401.00015", "title": "A Real Title", "abstract": "%s"}\n' % abstract(15))
    with Store.open(db) as store:
        import_file(store, str(tmp_path / "titled.jsonl"))
        with store._write() as conn:
            conn.execute("UPDATE papers SET title = 'Edited' WHERE id = ?", (first + 20,))
        before = titles(db)
        changed = headline_backfill.run(store)
    after = titles(db)
    assert changed == 18 and queue(db) == {}
    for paper_id, (title, derived) in after.items():
        n = paper_id - first
        if n == 15:
            assert (title, derived) == ("A Real Title", 0)
        elif n == 20:
            assert title == "Edited"
        elif paper_id in queued:
            assert title == derive_headline(abstract(n)) != before[paper_id][0]
        else:
            assert title == before[paper_id][0]


def test_a_failing_model_keeps_the_quick_headline_and_empties_the_queue(tmp_path: Path):
    db = imported(tmp_path, 12, inline=0)
    before = titles(db)

    def derive(text):
        if "Model3," in text:
            raise ValueError("no phrase")
        return derive_headline(text)

    with Store.open(db) as store:
        assert headline_backfill.run(store, derive) == 11
    assert queue(db) == {} and titles(db)[min(before) + 3] == before[min(before) + 3]


def test_backfill_killed_midway_then_rerun_ends_as_one_run(tmp_path: Path, slow_children):
    db = imported(tmp_path, 1500, inline=0)
    reference = tmp_path / "reference.db"
    shutil.copy(db, reference)
    with Store.open(reference) as store:
        headline_backfill.run(store)
    command = [sys.executable, "-P", "-m", "readq.headline_backfill", str(db)]
    worker = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        assert wait_until(lambda: 0 < len(queue(db)) < 1500, 60)  # a round written, more to come
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    left = len(queue(db))
    assert 0 < left < 1500
    subprocess.run(command, check=True, stdin=subprocess.DEVNULL, timeout=120)
    assert queue(db) == {} and titles(db) == titles(reference)


def test_two_ensure_backfill_calls_start_one_process_and_leave_no_zombie(tmp_path: Path, slow_children):
    db = imported(tmp_path, 1500, inline=0)
    assert headline_backfill.ensure_backfill(db) == 1500
    assert headline_backfill.ensure_backfill(db) > 0  # one runs: none started
    started = backfills(db)
    assert len(started) == 1 and started[0].ppid == os.getpid()
    assert "--lock-fd" in started[0].cmdline
    assert wait_until(lambda: _proc(started[0].pid) is None, 60)  # ended and reaped
    assert queue(db) == {} and headline_backfill.ensure_backfill(db) == 0


def test_nothing_is_started_for_an_empty_queue(tmp_path: Path):
    db = imported(tmp_path, 5, inline=10)
    assert headline_backfill.ensure_backfill(db) == 0 and backfills(db) == []


def test_a_writer_gets_in_while_the_backfill_runs(tmp_path: Path, slow_children):
    db = imported(tmp_path, 1500, inline=0)
    assert headline_backfill.ensure_backfill(db) == 1500
    assert wait_until(lambda: len(queue(db)) < 1500, 30)
    with Store.open(db) as store:
        store.write_wait_seconds = 1.0  # "waits about a second at most"
        ids = sorted(titles(db))
        for n, paper_id in enumerate(ids[:20]):
            store.rate(paper_id, n % 5 + 1)
        assert len(queue(db)) > 0  # the backfill was still at work
        assert [store.get(paper_id).rating for paper_id in ids[:20]] == [n % 5 + 1 for n in range(20)]


# ----- the CLI ------------------------------------------------------------------------------


def test_headlines_now_derives_every_learned_headline(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("READQ_INLINE_HEADLINES", "3")
    db = tmp_path / "readq.db"
    result = CliRunner().invoke(cli, ["--db", str(db), "import", "--headlines-now",
                                      str(listing(tmp_path / "in.txt", 20))])
    assert result.exit_code == 0, result.output
    assert "background" not in result.output and queue(db) == {}
    first = min(titles(db))
    assert [title for title, _ in titles(db).values()] == [derive_headline(abstract(n)) for n in range(20)]
    assert first == 1


def test_import_says_it_derives_headlines_in_the_background(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("READQ_INLINE_HEADLINES", "3")
    db = tmp_path / "readq.db"
    result = CliRunner().invoke(cli, ["--db", str(db), "import", str(listing(tmp_path / "in.txt", 20))])
    assert result.exit_code == 0, result.output
    assert "Deriving 17 headlines in the background" in result.output
    os.close(headline_backfill.wait_lock(db))  # the background process finishes
    assert queue(db) == {}
    assert [title for title, _ in titles(db).values()] == [derive_headline(abstract(n)) for n in range(20)]


def test_reheadline_takes_the_queue_over(tmp_path: Path, monkeypatch):
    db = imported(tmp_path, 20, inline=5)
    result = CliRunner().invoke(cli, ["--db", str(db), "reheadline"])
    assert result.exit_code == 0, result.output
    assert "changed 15 of 20" in result.output
    assert queue(db) == {} and backfills(db) == []
    assert [title for title, _ in titles(db).values()] == [derive_headline(abstract(n)) for n in range(20)]


def test_a_large_import_with_few_learned_headlines_starts_no_helper_process(tmp_path: Path, monkeypatch):
    """A helper process holds a second copy of the headline model (about 40 MB): not for 2,000 headlines."""
    from tests.test_prepare_pool import helpers_for, readers_for

    monkeypatch.delenv("READQ_INLINE_HEADLINES", raising=False)
    source = listing(tmp_path / "in.txt", 11000)
    seen = []
    with Store.open(tmp_path / "readq.db") as store:
        import_file(store, str(source), progress=lambda summary, fraction: seen.append(
            (len(readers_for(source)), len(helpers_for(source)))))
    assert any(readers for readers, _ in seen) and all(helpers == 0 for _, helpers in seen)


def test_an_import_published_as_the_backfill_ends_is_not_left_waiting(tmp_path: Path, monkeypatch):
    """The import's ensure_backfill finds the lock taken by a backfill that has just
    read an empty queue: that backfill looks again after releasing the lock."""
    db = imported(tmp_path, 10, inline=0)
    original = headline_backfill.run
    calls = []

    def run_then_publish(store, *args):
        changed = original(store, *args)
        calls.append(changed)
        if len(calls) == 1:  # the queue looked empty: now an import publishes more
            import_file(store, str(listing(tmp_path / "more.txt", 5, first=10)), inline_headlines=0)
            assert headline_backfill.ensure_backfill(db) == 5  # the lock is held: nobody started
        return changed

    monkeypatch.setattr(headline_backfill, "run", run_then_publish)
    assert headline_backfill.main([str(db)]) == 0
    assert calls == [10, 5] and queue(db) == {} and backfills(db) == []
    assert [title for title, _ in titles(db).values()] == [derive_headline(abstract(n)) for n in range(15)]
