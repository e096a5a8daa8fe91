"""The background headline backfill (readq/headline_backfill.py): its time, memory, and writers meanwhile.

Imports an arXiv listing of N papers (benchmarks/bench_corpus.py) with
`readq.importing.import_file` in a child process (quick headlines past the
first INLINE_HEADLINES, queued; no backfill started), then:

* **floor**: `readq.headline.derive_headline` over the same queued abstracts in
  one process, nothing else (what the backfill cannot go below on one core);
* **backfill**: `python -m readq.headline_backfill DB`, wall and CPU time, peak
  RSS (polled every 50 ms), while a long-lived writer process calls
  `store.rate(id, n)` every INTERVAL seconds and times each call (the wait for
  the write lock plus the write), beside the same call on the idle database.

The two alternate over `--runs` runs on copies of the same imported database.

    python benchmarks/backfill.py --papers 100000 --runs 1

Figures go to stdout, progress to stderr. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
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

from bench_stats import Spread, percentile, table  # noqa: E402
from concurrent_write import WRITER_CHILD  # noqa: E402 - rates paper 1 every INTERVAL s, a JSON line a call
from floors import CORPUS, listing, log, remove_database, timed_process  # noqa: E402

IMPORT_CHILD = """
import sys
from readq.importing import import_file
from readq.store import Store
with Store.open(sys.argv[1]) as store:
    print(import_file(store, sys.argv[2]).line())
"""

FLOOR_CHILD = """
import sqlite3, sys, time
from readq.headline import derive_headline
conn = sqlite3.connect(sys.argv[1])
abstracts = [row[0] for row in conn.execute(
    "SELECT p.abstract FROM headline_queue q JOIN papers p ON p.id = q.paper_id ORDER BY q.paper_id")]
for abstract in abstracts:
    derive_headline(abstract)
"""

def writer_latencies(db: Path, interval: float, during: list[str] | None, calls: int = 20) -> tuple[list, dict | None]:
    """store.rate() latencies in a writer process: while `during` runs, or for `calls` calls."""
    writer = subprocess.Popen([sys.executable, "-c", WRITER_CHILD, str(db), str(interval), "0"],  # 0: until stdin closes
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    lines: list[dict] = []
    reader = threading.Thread(target=lambda: lines.extend(json.loads(line) for line in writer.stdout), daemon=True)
    reader.start()
    result = None
    if during is not None:
        result = timed_process(during, sample_rss=True)
    else:
        while len(lines) < calls:
            time.sleep(interval)
    writer.stdin.close()
    writer.wait()
    reader.join()
    return lines, result


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between the writer's calls")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "readq-floors")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    source = listing(args.workdir, args.papers, args.corpus)
    imported = args.workdir / f"backfill-{args.papers}-imported.db"
    remove_database(imported)
    log(f"importing {args.papers:,} papers (no backfill)")
    said = timed_process([sys.executable, "-c", IMPORT_CHILD, str(imported), str(source)])["stdout"].strip()
    import sqlite3

    with sqlite3.connect(imported) as conn:
        queued = conn.execute("SELECT count(*) FROM headline_queue").fetchone()[0]
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db = args.workdir / f"backfill-{args.papers}.db"
    idle, _ = writer_latencies(imported, args.interval, None)
    floors, runs, during = [], [], []
    for run in range(args.runs):
        log(f"run {run + 1}/{args.runs}: floor (derive_headline alone)")
        floors.append(timed_process([sys.executable, "-c", FLOOR_CHILD, str(imported)], sample_rss=True))
        remove_database(db)
        shutil.copy(imported, db)
        log(f"run {run + 1}/{args.runs}: backfill with a writer")
        lines, result = writer_latencies(db, args.interval, [sys.executable, "-m", "readq.headline_backfill", str(db)])
        runs.append(result)
        during += lines
        with sqlite3.connect(db) as conn:
            left = conn.execute("SELECT count(*) FROM headline_queue").fetchone()[0]
        result["left"] = left
    remove_database(db)
    print(f"\n## Background headline backfill of {queued:,} queued papers ({args.papers:,} imported: {said})")
    rows = [["backfill (python -m readq.headline_backfill)", Spread([r["wall"] for r in runs]).format("{:.1f}"),
             Spread([r["cpu"] for r in runs]).format("{:.1f}"), Spread([r["rss"] for r in runs]).format("{:.0f}"),
             Spread([r["wall"] / f["wall"] for r, f in zip(runs, floors)]).format("{:.2f}")],
            ["floor: derive_headline alone, one process", Spread([f["wall"] for f in floors]).format("{:.1f}"),
             Spread([f["cpu"] for f in floors]).format("{:.1f}"), Spread([f["rss"] for f in floors]).format("{:.0f}"), ""]]
    print(table(["", "wall s", "CPU s", "peak RSS MB", "÷ floor"], rows))
    print(f"  queue left after each run: {[r['left'] for r in runs]}; headlines per second:"
          f" {Spread([queued / r['wall'] for r in runs]).format('{:,.0f}')}")

    def latency_row(name: str, lines: list[dict]) -> list[str]:
        ms = [line["latency"] * 1000 for line in lines if not line["error"]]
        failures = sum(1 for line in lines if line["error"])
        return [name, str(len(lines)), f"{percentile(ms, 0.5):.0f}", f"{percentile(ms, 0.9):.0f}",
                f"{max(ms):.0f}", str(failures)]

    print(f"\n  store.rate() in another process every {args.interval} s")
    print(table(["", "calls", "p50 ms", "p90 ms", "max ms", "failures"],
                [latency_row("during the backfill", during), latency_row("floor: idle database", idle)]))
    print(f"  ({load_average()} at the end)")


if __name__ == "__main__":
    main()
