"""Issue 15's table: each readq figure beside its floor, measured in the same run.

    python benchmarks/floors.py                          # 100k papers, 3 runs
    python benchmarks/floors.py --papers 1000000 --runs 1 --only import

Rows (runs alternate readq and its floor, so both see the same machine):

* `readq import` of an arXiv listing of N papers (benchmarks/bench_corpus.py),
  whole process (`readq --db DB import FILE`: start-up, parsing, headlines,
  writing, publishing, WAL checkpoint), wall and CPU time of the process tree,
  peak RSS of the tree (importer + reader + helpers, polled every 50 ms).
  Then it waits for the learned headlines that the import left to its
  detached background process (readq/headline_backfill.py) and prints when
  they were done: the next run starts on an idle queue.
  **Floor**: one process that parses the same file with a bare parser (split
  the blocks, take the lines), inserts the rows with `executemany` into readq's
  own schema in one transaction, rebuilds the FTS5 index, commits and closes.
  Beside it, the same floor with readq's real parser (comment detection,
  cleaning, line numbers) instead of the bare one, which shows what parsing
  alone costs.
* Where an import's CPU time goes (`--only profile`): each stage timed alone
  in one process on the same file: readq's parser, the content hashes,
  derive_headline, and the raw SQLite insert, index rebuild and commit.
* TUI first frame (process start to the first painted frame of the queue
  screen, on a pseudo-terminal; benchmarks/bench_child.py) beside an empty
  Textual app, and the TUI's peak RSS beside the empty app's.
* `readq search` process, wall time, beside `readq --version` (interpreter and
  CLI start-up) and `python -c pass`.

Prints figures, asserts nothing. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(BENCH_DIR))

from bench_child import tree_rss_mb  # noqa: E402
from bench_stats import Spread, table  # noqa: E402

CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "arxiv_abstracts.jsonl.gz"
SECTIONS = ("import", "profile", "tui", "search")
IMPORT_GOAL = 1.5  # readq import ≤ 1.5 × the bare floor
TUI_GOAL = 1.25  # first frame ≤ 1.25 × the empty Textual app
SEARCH_GOAL_SECONDS = 0.3
RSS_GOAL_MB = 150.0
SEARCH_QUERIES = ("transformer segmentation", "diffusion modle video generation", "gaussian splatting")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def human(size: int) -> str:
    return f"{size // 1_000_000}M" if size % 1_000_000 == 0 else f"{size // 1000}k"


def readq_command() -> list[str]:
    script = Path(sys.executable).with_name("readq")
    return [str(script)] if script.exists() else [sys.executable, "-m", "readq"]


def wait_for_backfill(db: Path) -> float:
    """Seconds until the background headline backfill of `db` (if any) is done."""
    from readq.headline_backfill import wait_lock

    started = time.perf_counter()
    os.close(wait_lock(db))
    return time.perf_counter() - started


def remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-headlines.lock"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


# ----- timing a whole process (tree) ---------------------------------------------------


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_process(command: list[str], sample_rss: bool = False) -> dict:
    """Wall and CPU time (the process and every descendant it reaped) of one
    command; with `sample_rss`, the peak RSS of its process tree."""
    peak = [0.0]
    cpu_started = children_cpu()
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss_mb(process.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    if sample_rss:
        sampler.start()
    out, err = process.communicate()
    wall = time.perf_counter() - started
    done.set()
    if sample_rss:
        sampler.join()
    if process.returncode not in (0, 141):
        raise RuntimeError(f"{command[:4]} failed ({process.returncode}): {err.decode()[-800:]}")
    return {"wall": wall, "cpu": children_cpu() - cpu_started, "rss": peak[0], "stdout": out.decode()}


# ----- the floors (run as child processes of this script) ----------------------------------


def bare_records(path: str):
    """The listing's records with no checks at all: blocks of lines split by a
    blank line; abstract, optional comment, `arXiv:` id, `Created:` date."""
    block: list[str] = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if line:
                block.append(line)
                continue
            if block:
                yield _bare_record(block)
                block = []
    if block:
        yield _bare_record(block)


def _bare_record(block: list[str]) -> tuple:
    comment = block[1] if len(block) == 4 else None
    return (block[-2][6:], block[0][:80], block[0], comment, block[-1][9:])


def readq_parsed_records(path: str):
    from readq.importers import iter_parse, open_source
    from readq.models import PaperRecord

    with open_source(path) as source:
        _, items = iter_parse(source.lines, "arxiv")
        for item in items:
            if isinstance(item, PaperRecord):
                yield (item.arxiv_id, item.abstract[:80], item.abstract, item.comments, item.created)


def floor_import(path: str, db: str, parser: str) -> None:
    """Parse, insert into readq's schema with executemany, rebuild the FTS5
    index, commit, close (checkpoint): SQLite's part of an import, nothing else."""
    from readq.migrations import migrate

    records = bare_records(path) if parser == "bare" else readq_parsed_records(path)
    conn = sqlite3.connect(db, isolation_level=None)
    migrate(conn, 0)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO settings (key, value) VALUES ('bulk_import', '1')")  # no per-row trigger
    conn.executemany(
        "INSERT INTO papers (arxiv_id, title, abstract, comments, created, added_at, content_hash)"
        " VALUES (?, ?, ?, ?, ?, '2026-01-01', '')", records)
    conn.execute("INSERT INTO papers_fts(papers_fts) VALUES ('rebuild')")
    conn.execute("DELETE FROM settings WHERE key = 'bulk_import'")
    conn.execute("COMMIT")
    conn.close()


def profile_stages(path: str, db: str, headline_sample: int) -> None:
    """CPU seconds of each stage of an import, alone, in this one process."""
    from readq.headline import derive_headline
    from readq.import_engine import prepare
    from readq.importers import iter_parse, open_source
    from readq.models import PaperRecord

    stages: dict[str, float] = {}
    started = time.process_time()
    with open_source(path) as source:
        _, items = iter_parse(source.lines, "arxiv")
        records = [item for item in items if isinstance(item, PaperRecord)]
    stages["readq's parser (arXiv listing)"] = time.process_time() - started
    started = time.process_time()
    from readq.import_engine import content_hash

    for record in records:
        content_hash(record.abstract)
    stages["content hashes"] = time.process_time() - started
    sample = records[:headline_sample]
    derive_headline(sample[0].abstract)  # the model (if any) is loaded once per process
    started = time.process_time()
    for record in sample:
        derive_headline(record.abstract)
    stages[f"derive_headline (timed on {len(sample):,}, scaled)"] = \
        (time.process_time() - started) * len(records) / max(len(sample), 1)
    from readq.import_engine import quick_headline

    started = time.process_time()
    for record in records:
        quick_headline(record.abstract)
    stages["quick_headline (past the first 2,000 of a file; the learned one follows in the background)"] = \
        time.process_time() - started
    started = time.process_time()
    for record in sample:
        prepare(record)
    stages["(prepare = hash + headline, per record, µs)"] = \
        (time.process_time() - started) / max(len(sample), 1) * 1e6
    from readq.migrations import migrate

    conn = sqlite3.connect(db, isolation_level=None)
    migrate(conn, 0)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    rows = [(r.arxiv_id, r.abstract[:80], r.abstract, r.comments, r.created) for r in records]
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO settings (key, value) VALUES ('bulk_import', '1')")
    started = time.process_time()
    conn.executemany("INSERT INTO papers (arxiv_id, title, abstract, comments, created, added_at,"
                     " content_hash) VALUES (?, ?, ?, ?, ?, '2026-01-01', '')", rows)
    stages["SQLite: insert (executemany)"] = time.process_time() - started
    started = time.process_time()
    conn.execute("INSERT INTO papers_fts(papers_fts) VALUES ('rebuild')")
    stages["SQLite: FTS5 rebuild"] = time.process_time() - started
    started = time.process_time()
    conn.execute("DELETE FROM settings WHERE key = 'bulk_import'")
    conn.execute("COMMIT")
    conn.close()
    stages["SQLite: commit + checkpoint"] = time.process_time() - started
    started = time.process_time()
    conn = sqlite3.connect(db)
    conn.execute("SELECT term, doc FROM papers_vocab WHERE length(term) BETWEEN 2 AND 40").fetchall()
    conn.close()
    stages["SQLite: read the vocabulary (papers_vocab)"] = time.process_time() - started
    print(json.dumps(stages))


# ----- sections -------------------------------------------------------------------------


def listing(workdir: Path, papers: int, corpus: Path) -> Path:
    from bench_corpus import bench_records, load_corpus, write_listing

    path = workdir / f"listing-{papers}.txt"
    if not path.exists():
        log(f"writing {path} ({papers:,} papers)")
        write_listing(bench_records(load_corpus(corpus), papers), path)
    return path


def bench_import(workdir: Path, papers: int, runs: int, corpus: Path) -> Path:
    source = listing(workdir, papers, corpus)
    db, floor_db = workdir / f"readq-{papers}.db", workdir / f"floor-{papers}.db"
    readq_runs, bare, parsed = [], [], []
    for run in range(runs):
        for name, results, command in (
            ("floor (bare parser)", bare,
             [sys.executable, __file__, "--floor-import", str(source), str(floor_db), "bare"]),
            ("readq import", readq_runs, [*readq_command(), "--db", str(db), "import", str(source)]),
            ("floor (readq's parser)", parsed,
             [sys.executable, __file__, "--floor-import", str(source), str(floor_db), "readq"]),
        ):
            remove_database(db if results is readq_runs else floor_db)
            log(f"import {human(papers)}, run {run + 1}/{runs}: {name}")
            results.append(timed_process(command, sample_rss=True))
            if results is readq_runs:  # the learned headlines it left to the background
                results[-1]["backfill"] = wait_for_backfill(db)
    remove_database(floor_db)
    summary = next(line for line in readq_runs[-1]["stdout"].splitlines() if "imported" in line)
    print(f"\n## `readq import` of {papers:,} papers (arXiv listing), whole process, {runs} run(s)")
    print(f"  readq said: {summary}")
    rows = []
    for name, results in (("readq import", readq_runs), ("floor: bare parser + executemany + FTS5 rebuild", bare),
                          ("floor: readq's parser + executemany + FTS5 rebuild", parsed)):
        rows.append([name, Spread([r["wall"] for r in results]).format("{:.1f}"),
                     Spread([r["cpu"] for r in results]).format("{:.1f}"),
                     Spread([r["rss"] for r in results]).format("{:.0f}"),
                     Spread([a["wall"] / r["wall"] for a, r in zip(readq_runs, results)]).format("{:.2f}")
                     if results is not readq_runs else ""])
    print(table(["", "wall s", "CPU s (tree)", "peak RSS MB (tree)", "readq ÷ this (wall)"], rows))
    print(f"  then the learned headlines in the background (readq/headline_backfill.py, a detached"
          f" process, not in the tree above): done {Spread([r['backfill'] for r in readq_runs]).format('{:.1f}')} s"
          " after the import returned")
    ratio = Spread([a["wall"] / r["wall"] for a, r in zip(readq_runs, bare)]).median
    rss = Spread([r["rss"] for r in readq_runs]).median
    print(f"  goal: ≤ {IMPORT_GOAL}× the bare floor: {'PASS' if ratio <= IMPORT_GOAL else 'MISS'} ({ratio:.2f}×);"
          f" memory ≤ {RSS_GOAL_MB:.0f} MB: {'PASS' if rss <= RSS_GOAL_MB else 'MISS'} ({rss:.0f} MB)")
    return db


def bench_profile(workdir: Path, papers: int, sample: int, corpus: Path) -> None:
    source = listing(workdir, papers, corpus)
    db = workdir / f"profile-{papers}.db"
    remove_database(db)
    log(f"profile of the import stages, {human(papers)}")
    result = timed_process([sys.executable, __file__, "--profile-stages", str(source), str(db), str(sample)])
    remove_database(db)
    stages = json.loads(result["stdout"])
    print(f"\n## Where an import's CPU time goes ({papers:,} papers, each stage alone, one process)")
    rows = [[name, f"{seconds:.2f}" if "µs" not in name else f"{seconds:.0f} µs"] for name, seconds in stages.items()]
    print(table(["stage", "CPU s"], rows))


def bench_tui(workdir: Path, db: Path, runs: int) -> None:
    from run import run_tui_child

    empty, readq_runs = [], []
    for run in range(runs):
        log(f"tui, run {run + 1}/{runs}")
        empty.append(run_tui_child("--empty-app", workdir, False))
        readq_runs.append(run_tui_child(str(db), workdir, False))
    ratio = Spread([r["elapsed_seconds"] / e["elapsed_seconds"] for r, e in zip(readq_runs, empty)])
    print(f"\n## TUI first frame (pseudo-terminal 120x40, process start to first painted frame), {runs} runs")
    print(table(["", "readq", "empty Textual app (floor)", "ratio"], [
        ["first frame s", Spread([r["elapsed_seconds"] for r in readq_runs]).format("{:.3f}"),
         Spread([e["elapsed_seconds"] for e in empty]).format("{:.3f}"), ratio.format("{:.2f}")],
        ["CPU s", Spread([r["cpu_seconds"] for r in readq_runs]).format("{:.3f}"),
         Spread([e["cpu_seconds"] for e in empty]).format("{:.3f}"),
         Spread([r["cpu_seconds"] / e["cpu_seconds"] for r, e in zip(readq_runs, empty)]).format("{:.2f}")],
        ["peak RSS MB", Spread([r["peak_rss_mb"] for r in readq_runs]).format("{:.0f}"),
         Spread([e["peak_rss_mb"] for e in empty]).format("{:.0f}"), ""],
    ]))
    print(f"  goal: first frame ≤ {TUI_GOAL}× the empty app: {'PASS' if ratio.median <= TUI_GOAL else 'MISS'};"
          f" RSS ≤ {RSS_GOAL_MB:.0f} MB")


def bench_search(db: Path, runs: int) -> None:
    readq = readq_command()
    rows = []
    for label, command in (("python -c pass", [sys.executable, "-c", "pass"]),
                           ("readq --version (floor)", [*readq, "--version"]),
                           *((f"readq search {q}", [*readq, "--db", str(db), "search", *q.split()])
                             for q in SEARCH_QUERIES)):
        results = [timed_process(command) for _ in range(runs)]
        wall = Spread([r["wall"] for r in results])
        goal = ""
        if label.startswith("readq search"):
            goal = "PASS" if wall.median <= SEARCH_GOAL_SECONDS else "MISS"
        rows.append([label, wall.format("{:.3f}"), Spread([r["cpu"] for r in results]).format("{:.3f}"), goal])
    print(f"\n## `readq search` process ({runs} runs each; goal ≤ {SEARCH_GOAL_SECONDS} s)")
    print(table(["command", "wall s", "CPU s", "goal"], rows))


def main() -> None:
    if sys.argv[1:2] == ["--floor-import"]:
        floor_import(*sys.argv[2:5])
        return
    if sys.argv[1:2] == ["--profile-stages"]:
        profile_stages(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"from {','.join(SECTIONS)}")
    parser.add_argument("--headline-sample", type=int, default=10_000,
                        help="abstracts derive_headline is timed on in the profile (default: %(default)s)")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "readq-floors")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    only = set(args.only.split(","))
    args.workdir.mkdir(parents=True, exist_ok=True)
    one, five, _ = os.getloadavg()
    print(f"# issue 15 figures beside their floors ({human(args.papers)} papers; load average {one:.1f} / {five:.1f}"
          f" on {os.cpu_count()} cores at the start)")
    db = args.workdir / f"readq-{args.papers}.db"
    if "import" in only or not db.exists():
        db = bench_import(args.workdir, args.papers, args.runs if "import" in only else 1, args.corpus)
    if "profile" in only:
        bench_profile(args.workdir, args.papers, args.headline_sample, args.corpus)
    if "tui" in only:
        bench_tui(args.workdir, db, max(args.runs, 5))
    if "search" in only:
        bench_search(db, max(args.runs, 5))
    one, five, _ = os.getloadavg()
    print(f"\n(load average {one:.1f} / {five:.1f} at the end)")


if __name__ == "__main__":
    main()
