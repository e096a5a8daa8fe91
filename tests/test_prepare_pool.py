"""Large imports prepare records (content hash, headline) in the reader process and
its helper processes, and write new papers in bulk: same results as one by one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import readq
import readq.import_engine as import_engine
import readq.importing as importing
from readq import headline
from readq.errors import UnusableInput
from readq.importing import import_file
from readq.models import PaperRecord, Problem
from readq.prepare_pool import helper_count
from readq.store import PreparedRecord, Store
from tests.test_parser_process import (
    abstract,
    children,
    kill_if_running,
    plain_file,
    processes,
    running,
    wait_until,
)

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")

READQ_ROOT = str(Path(readq.__file__).resolve().parent.parent)
HELPER_MODULE = "readq.prepare_pool"
GONE_WITHIN = 2.0


def helpers_for(path: Path):
    return [p for p in processes() if HELPER_MODULE in p.cmdline and str(path) in p.cmdline]


def readers_for(path: Path):
    return [p for p in processes() if "readq.parse_worker" in p.cmdline and str(path) in p.cmdline]


needs_helpers = pytest.mark.skipif(helper_count() == 0, reason="one core: the reader prepares alone")


# ----- headlines come from derive_headline, wherever it runs ------------------------------


@needs_helpers
def test_headlines_from_reader_and_helpers_equal_derive_headline(tmp_path: Path):
    big = plain_file(tmp_path / "big.txt", 3_000_000)
    seen_helpers: list = []
    state = {"format": "", "fraction": 0.0}
    items = list(_consume_watching(big, state, seen_helpers))
    records = [item for item in items if isinstance(item, PreparedRecord)]
    assert len(records) == len(big.read_text().splitlines())
    assert [r.record.line for r in records] == list(range(1, len(records) + 1))  # file order
    assert all(r.headline == headline.derive_headline(r.record.abstract) for r in records)
    assert all(r.headline_problem is None for r in records)
    assert seen_helpers and all(p.ppid != os.getpid() for p in seen_helpers)  # the reader's children
    assert wait_until(lambda: not [p for p in seen_helpers if running(p)], GONE_WITHIN)


def _consume_watching(big: Path, state: dict, seen: list):
    for number, item in enumerate(importing._consume(str(big), None, "big.txt", state)):
        if number == 1000:
            seen.extend(helpers_for(big))
        yield item


def test_a_title_keeps_its_title_and_gets_no_headline():
    prepared = import_engine.prepare(PaperRecord("We propose a method.", 1, title="A Title"))
    assert (prepared.headline, prepared.headline_problem) == (None, None)


# ----- a record that fails headline derivation is reported, not a crash -------------------


def _failing_derive(original):
    def derive(text: str, max_length: int = 80) -> str:
        if "BOOM" in text:
            raise RuntimeError("boom\nsecond line")
        return original(text, max_length)
    return derive


def test_headline_failure_is_a_warning_and_the_paper_gets_the_first_words(monkeypatch):
    monkeypatch.setattr(headline, "derive_headline", _failing_derive(headline.derive_headline))
    long_one = "BOOM " + " ".join(f"word{n}" for n in range(40))
    records = [PaperRecord("We propose GraphX, a method for graphs.", 1),
               PaperRecord(long_one, 3), PaperRecord("BOOM short abstract.", 5, title="Has a title")]
    with Store.memory() as store:
        summary = store.import_records(records, "x.txt")
        titles = {p.abstract: (p.title, p.headline_derived) for p in store.iter_papers()}
    assert summary.imported == 3
    assert summary.problems == [Problem(3, "no headline could be derived (RuntimeError: boom); the abstract's"
                                           " first words stand in", rejected=False)]
    title, derived = titles[long_one]
    assert derived and title == import_engine.first_words(long_one)
    assert len(title) <= 80 and "…" not in title and title.startswith("BOOM word0 word1")
    assert titles["BOOM short abstract."] == ("Has a title", False)  # a title needs no headline


def test_headline_failure_of_a_duplicate_is_not_reported(monkeypatch):
    monkeypatch.setattr(headline, "derive_headline", _failing_derive(headline.derive_headline))
    with Store.memory() as store:
        store.import_records([PaperRecord("BOOM once.", 1, title="Known")], "a.txt")
        summary = store.import_records([PaperRecord("BOOM once.", 1)], "b.txt")
    assert (summary.duplicates, summary.problems) == (1, [])


SITECUSTOMIZE = """
import readq.headline as headline
_original = headline.derive_headline
def derive_headline(text, max_length=80):
    if "BOOM" in text:
        raise ValueError("no phrase here")
    return _original(text, max_length)
headline.derive_headline = derive_headline
"""


def test_headline_failure_in_the_reader_and_helpers_is_reported(tmp_path: Path, monkeypatch):
    """derive_headline fails only in the child processes (a sitecustomize there):
    the records are prepared there, and the failure crosses the pipe as a warning."""
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(SITECUSTOMIZE)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(hooks), READQ_ROOT]))
    lines = [abstract(n) + (" BOOM" if n % 1000 == 999 else "") for n in range(20_000)]
    big = tmp_path / "big.txt"
    big.write_text("\n".join(lines) + "\n")
    assert big.stat().st_size >= importing.PARALLEL_FROM_BYTES
    with Store.open(tmp_path / "readq.db") as store:
        summary = import_file(store, str(big), inline_headlines=importing.ALL)
        boom = [p for p in store.iter_papers() if "BOOM" in p.abstract]
    assert summary.imported == 20_000
    assert [p.line for p in summary.problems] == list(range(1000, 20_001, 1000))
    assert {p.reason for p in summary.problems} == {
        "no headline could be derived (ValueError: no phrase here); the abstract's first words stand in"}
    assert all(p.title == import_engine.first_words(p.abstract) for p in boom) and len(boom) == 20


# ----- batched dedup: the same outcome as record by record ---------------------------------


def tricky_records() -> list[PaperRecord]:
    """Duplicates and merges close together (inside one chunk) and far apart."""
    records = []
    for n in range(1200):
        text = f"Abstract number {n % 700} about sparse graphs."
        arxiv_id = f"2401.{n % 900:05d}" if n % 3 else None
        doi = f"10.1/{n % 500}" if n % 5 == 0 else None
        title = f"Title {n}" if n % 7 == 0 else None
        records.append(PaperRecord(text, n + 1, title=title, arxiv_id=arxiv_id, doi=doi,
                                   comments=f"{n} pages" if n % 4 == 0 else None,
                                   created="2024-01-02" if n % 6 == 0 else None))
        if n % 50 == 0:  # a title-only paper, then its abstract a few records later
            records.append(PaperRecord("", n + 1, title=f"Only a title {n}"))
        if n % 50 == 3:
            records.append(PaperRecord(f"The abstract of {n - 3}.", n + 1, title=f"Only a title {n - 3}"))
        if n % 97 == 0:
            records.append(Problem(n + 1, "rejected here"))
        if n == 600:  # record 5 gave a paper of the queue this id (a staged merge): a duplicate
            records.append(PaperRecord("Another text with the same id.", n + 1, arxiv_id="2401.00005"))
    return records


class _EveryKey(set):
    """As the keys found in the queue: every record takes the one-by-one path."""

    def isdisjoint(self, other) -> bool:
        return False


def _import_all(monkeypatch, one_by_one: bool) -> tuple:
    if one_by_one:
        monkeypatch.setattr(import_engine, "_keys_in_queue", lambda conn, items: _EveryKey())
    else:
        monkeypatch.undo()
    with Store.memory() as store:
        store.import_records([PaperRecord("Abstract number 5 about sparse graphs.", 1, title="Seen before"),
                              PaperRecord("Only in the queue.", 2, arxiv_id="2401.00011")], "old.txt")
        records = tricky_records()
        first = store.import_records(records[:700], "a.txt")
        second = store.import_records(records[700:], "b.txt")
        rows = store._conn.execute(
            "SELECT id, arxiv_id, title, headline_derived, abstract, comments, doi, created, source,"
            " content_hash FROM papers ORDER BY id").fetchall()
        index = store._conn.execute("SELECT rowid, title, abstract, comments FROM papers_fts"
                                    " WHERE papers_fts MATCH 'sparse OR title OR abstract'"
                                    " ORDER BY rowid").fetchall()
        terms = store._conn.execute("SELECT term, docs FROM search_terms ORDER BY term").fetchall()
    summaries = [(s.imported, s.duplicates, s.rejected, s.problems) for s in (first, second)]
    return summaries, rows, index, terms


def test_batched_writes_equal_record_by_record(monkeypatch):
    one_by_one = _import_all(monkeypatch, one_by_one=True)
    batched = _import_all(monkeypatch, one_by_one=False)
    assert batched == one_by_one
    summaries, rows = batched[:2]
    assert summaries[0][1] > 30 and summaries[1][1] > 300  # duplicates within the file and with the queue
    assert [row[2] for row in rows if row[1] == "2401.00005"] == ["Seen before"]


# ----- helper processes end with the import ---------------------------------------------------


@needs_helpers
def test_killed_helper_is_one_clear_error_and_leaves_nothing(tmp_path: Path):
    big = plain_file(tmp_path / "big.txt", 12_000_000)
    outcome: dict = {}

    def run() -> None:
        with Store.open(tmp_path / "readq.db") as store:
            try:  # every headline learned inline: only then do helpers share the work
                import_file(store, str(big), inline_headlines=importing.ALL)
            except UnusableInput as error:
                outcome["error"] = str(error)
            outcome["count"] = store.count()

    thread = threading.Thread(target=run)
    thread.start()
    helpers = []
    try:
        helpers = wait_until(lambda: helpers_for(big), 20)
        assert helpers, "no helper process started"
        os.kill(helpers[0].pid, signal.SIGKILL)
        thread.join(timeout=30)
        assert not thread.is_alive()
    finally:
        kill_if_running(helpers_for(big) + readers_for(big))
        thread.join(timeout=10)
    assert outcome == {
        "error": f"{big}: the import's reader process stopped unexpectedly (exit status 1: readq: a headline"
                 " helper process stopped (killed by SIGKILL))",
        "count": 0,
    }
    assert wait_until(lambda: not helpers_for(big) and not readers_for(big), GONE_WITHIN)


@needs_helpers
@pytest.mark.parametrize("case", ["busy", "frozen"])
def test_kill_9_of_readq_import_leaves_no_helper(tmp_path: Path, case: str):
    """frozen: reader and helpers stopped, as if stuck in C code: only PDEATHSIG ends them."""
    big = plain_file(tmp_path / "big.txt", 12_000_000)
    importer = subprocess.Popen(
        [sys.executable, "-m", "readq", "--db", str(tmp_path / "readq.db"), "import", "--headlines-now", str(big)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env=dict(os.environ, PYTHONPATH=READQ_ROOT),
    )
    seen = []
    try:
        assert wait_until(lambda: helpers_for(big), 20), "no helper process started"
        time.sleep(0.3)
        seen = children(importer.pid) + helpers_for(big)
        assert importer.poll() is None, "the import ended before it could be killed"
        if case == "frozen":
            for proc in seen:
                os.kill(proc.pid, signal.SIGSTOP)
        os.kill(importer.pid, signal.SIGKILL)
        importer.wait()
        assert wait_until(lambda: not ([p for p in seen if running(p)] + helpers_for(big)), GONE_WITHIN)
    finally:
        if importer.poll() is None:
            importer.kill()
            importer.wait()
        kill_if_running(seen + helpers_for(big))
