"""How long a write waits while a large import runs (issue 10, point 6).

Builds a plain file of N distinct abstracts from the shared corpus (the corpus
in order, then copies with `k` dots appended: a different content hash, no new
search term), seeds a fresh database with its first papers, then starts the
import in a child process (`readq.importing.import_file`, what `readq import`
runs) and, while it runs, every INTERVAL seconds:

* a long-lived writer process calls `store.rate(1, 3)` (then 4, 3, ...) and
  times the call: the wait for the write lock plus the write;
* a `readq --db DB rate 1 3` process is started and timed whole (interpreter
  start-up included, what a user at a shell waits for), half an interval later;
* a reader counts the visible papers (the import must stay invisible until done).

Each latency is printed beside its floor: the same write on the idle database.
With `--baseline-ref REF` the same run is repeated with readq as of git REF
(`git archive`, nothing in the work tree changes), e.g. the last commit with the
single-transaction import, for the import time and latencies before the change.

    python benchmarks/concurrent_write.py                       # 300k abstracts
    python benchmarks/concurrent_write.py --papers 100000 --baseline-ref 72cf04c

Figures go to stdout, progress to stderr. Asserts nothing.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import closing
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_stats import percentile  # noqa: E402

CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "arxiv_abstracts.jsonl.gz"
SEED_PAPERS = 5

# The import, as `readq import FILE` runs it, with its figures as JSON on stdout.
IMPORT_CHILD = """
import json, sys, time
from readq.importing import import_file
from readq.store import Store
started = time.monotonic()
with Store.open(sys.argv[1]) as store:
    summary = import_file(store, sys.argv[2])
    timings = getattr(store, "import_timings", None)
elapsed = time.monotonic() - started
print(json.dumps({"imported": summary.imported, "duplicates": summary.duplicates,
                  "seconds": elapsed,
                  "transactions": getattr(timings, "batches", None),
                  "longest_transaction": getattr(timings, "longest_batch", None),
                  "publish": getattr(timings, "publish", None)}))
"""

# A long-lived process writing every INTERVAL seconds until its stdin closes.
WRITER_CHILD = """
import json, select, sys, time
from readq.store import Store
interval, count = float(sys.argv[2]), int(sys.argv[3])
store = Store.open(sys.argv[1], create=False)
rating, done = 3, 0
while count == 0 or done < count:
    started = time.monotonic()
    try:
        store.rate(1, rating)
        error = ""
    except Exception as failure:
        error = str(failure)
    print(json.dumps({"latency": time.monotonic() - started, "error": error}), flush=True)
    rating, done = 7 - rating, done + 1
    if select.select([sys.stdin], [], [], interval)[0]:
        break
store.close()
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build_file(path: Path, papers: int) -> None:
    if path.is_file():
        return
    log(f"writing {papers:,} abstracts to {path}")
    with gzip.open(CORPUS, "rt", encoding="utf-8") as handle:
        abstracts = [" ".join(json.loads(line)["abstract"].split()) for line in handle]
    written = 0
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8") as out:
        copy = 0
        while written < papers:
            suffix = f" {'.' * copy}" if copy else ""
            for abstract in abstracts[: papers - written]:
                out.write(f"{abstract}{suffix}\n")
            written += min(len(abstracts), papers - written)
            copy += 1
    partial.rename(path)


class Variant:
    """readq from this work tree, or from a git ref extracted into the work dir."""

    def __init__(self, name: str, root: Path, workdir: Path):
        self.name = name
        self.root = root
        self.workdir = workdir
        self.env = dict(os.environ)
        self.env.pop("READQ_DB", None)
        self.env["READQ_CONFIG"] = str(workdir / "no-config.toml")
        self.env["PYTHONPATH"] = str(root)

    @classmethod
    def from_ref(cls, ref: str, workdir: Path) -> Variant:
        root = workdir / f"readq-{ref}"
        if not root.is_dir():
            root.mkdir(parents=True)
            archive = subprocess.run(["git", "-C", str(REPO_ROOT), "archive", ref, "readq"],
                                     check=True, capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", str(root)], input=archive, check=True)
        return cls(f"readq at {ref}", root, workdir)

    def python(self, *args: str, **kwargs) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, *args], cwd=self.workdir, env=self.env, **kwargs)

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, *args], cwd=self.workdir, env=self.env,
                              capture_output=True, text=True)

    def cli_write(self, db: Path) -> tuple[float, str]:
        started = time.monotonic()
        result = self.run("-m", "readq", "--db", str(db), "rate", "1", "3")
        error = result.stderr.strip().splitlines()[-1] if result.returncode else ""
        return time.monotonic() - started, error

    def writes(self, db: Path, interval: float, count: int = 0) -> subprocess.Popen:
        return self.python("-c", WRITER_CHILD, str(db), str(interval), str(count),
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def visible_papers(db: Path) -> int:
    with closing(sqlite3.connect(db, timeout=30)) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        if "imports" not in tables:
            return conn.execute("SELECT count(*) FROM papers").fetchone()[0]
        return conn.execute(
            "SELECT count(*) FROM papers WHERE id <"
            " (SELECT coalesce(min(first_id), 9223372036854775807) FROM imports)"
        ).fetchone()[0]


def measure(variant: Variant, source: Path, interval: float) -> dict:
    workdir = variant.workdir
    db = workdir / "concurrent.db"
    for leftover in workdir.glob("concurrent.db*"):
        leftover.unlink()
    seed = workdir / "seed.txt"
    with source.open(encoding="utf-8") as lines:
        seed.write_text("".join(next(lines) for _ in range(SEED_PAPERS)), encoding="utf-8")
    seeded = variant.run("-m", "readq", "--db", str(db), "import", str(seed))
    if seeded.returncode:
        raise SystemExit(f"seeding failed: {seeded.stderr}")

    log(f"{variant.name}: floor on the idle database")
    writer = variant.writes(db, 0.2, count=10)
    floor_store = [json.loads(line)["latency"] for line in writer.stdout]
    writer.wait()
    floor_cli = [variant.cli_write(db)[0] for _ in range(5)]

    log(f"{variant.name}: importing {source.name} while writing every {interval} s")
    importer = variant.python("-c", IMPORT_CHILD, str(db), str(source), stdout=subprocess.PIPE, text=True)
    time.sleep(1.0)  # let the import get going
    writer = variant.writes(db, interval)
    store_writes: list[tuple[float, str]] = []

    def collect() -> None:
        for line in writer.stdout:
            record = json.loads(line)
            store_writes.append((record["latency"], record["error"]))

    collector = threading.Thread(target=collect, daemon=True)
    collector.start()
    cli_writes: list[tuple[float, str]] = []
    seen_during: set[int] = set()
    time.sleep(interval / 2)
    while importer.poll() is None:
        seen_during.add(visible_papers(db))
        cli_writes.append(variant.cli_write(db))
        time.sleep(max(0.0, interval - cli_writes[-1][0]))
    result = json.loads(importer.stdout.read())
    writer.stdin.close()
    writer.wait()
    collector.join()
    result.update(
        name=variant.name, floor_store=floor_store, floor_cli=floor_cli,
        store_writes=store_writes, cli_writes=cli_writes, seen_during=sorted(seen_during),
        visible_after=visible_papers(db),
    )
    return result


def ms(values: list[float], share: float) -> str:
    return f"{percentile(values, share) * 1000:,.0f}" if values else "n/a"


def report(result: dict) -> None:
    print(f"\n## {result['name']}")
    print(f"import: {result['imported']:,} papers ({result['duplicates']:,} duplicates)"
          f" in {result['seconds']:.1f} s")
    if result.get("transactions") is not None:
        print(f"  {result['transactions']} write transactions, longest {result['longest_transaction'] * 1000:.0f} ms,"
              f" publishing {result['publish'] * 1000:.0f} ms")
    print(f"visible papers seen by a reader during the import: {result['seen_during']}"
          f"; after: {result['visible_after']:,}")
    print("write latency, ms            n    p50    p90    max  failed")
    for label, floor, writes in (
        ("store.rate() in a process", result["floor_store"], result["store_writes"]),
        ("`readq rate 1 3` process", result["floor_cli"], result["cli_writes"]),
    ):
        latencies = [latency for latency, _ in writes]
        failed = [error for _, error in writes if error]
        print(f"  {label:26s} floor {ms(floor, 0.5):>6s}          {ms(floor, 1.0):>6s}")
        print(f"  {'':26s} {len(latencies):>4d} {ms(latencies, 0.5):>6s} {ms(latencies, 0.9):>6s}"
              f" {ms(latencies, 1.0):>6s}  {len(failed)}")
        for error in sorted(set(failed)):
            print(f"  {'':26s} failure: {error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=300_000)
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between writes")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "readq-concurrent")
    parser.add_argument("--baseline-ref", help="also run readq as of this git ref (before the change)")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    os.chmod(args.workdir, 0o700)
    source = args.workdir / f"plain-{args.papers}.txt"
    build_file(source, args.papers)
    variants = [Variant("readq (this work tree)", REPO_ROOT, args.workdir)]
    if args.baseline_ref:
        variants.append(Variant.from_ref(args.baseline_ref, args.workdir))
    print(f"# concurrent writes during an import of {args.papers:,} abstracts"
          f" (a write every {args.interval} s, floor = the same write on the idle database)")
    for variant in variants:
        report(measure(variant, source, args.interval))


if __name__ == "__main__":
    main()
