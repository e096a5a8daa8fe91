"""readq benchmarks on real arXiv abstracts: import, search, quality, TUI start, CLI.

Usage (from the repository root, with the project's virtualenv):

    python benchmarks/run.py --sizes 10000,100000 [--runs 5] [--only import,search]
    python benchmarks/run.py --size 1000000 --only import,search,tui

Databases are built from the corpus (see benchmarks/bench_corpus.py for how it
is scaled past its 67,802 papers) in --workdir and kept there: a later run with
the same size, corpus and readq import code reuses them. Every figure is the
median over --runs runs with its min–max range, next to its target where one
exists. The script prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import platform
import pty
import random
import resource
import select
import signal
import sqlite3
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(REPO_ROOT))

from bench_corpus import (  # noqa: E402
    KEYSTROKE_QUERIES,
    CorpusRecord,
    KnownItemQuery,
    bench_records,
    known_item_queries,
    load_corpus,
    pasted_queries,
    with_typo,
    write_listing,
)
from bench_stats import Spread, percentile, table, target  # noqa: E402

from readq import __version__ as readq_version  # noqa: E402
from readq.migrations import SCHEMA_VERSION  # noqa: E402
from readq.search import SearchEngine  # noqa: E402
from readq.store import Store  # noqa: E402

DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "arxiv_abstracts.jsonl.gz"
DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "readq-bench"
SECTIONS = ("import", "search", "quality", "tui", "cli")
# Bump when the way databases are generated changes, so old ones are rebuilt.
GENERATOR_VERSION = 1
# readq files whose changes make a stored database stale (schema, headline,
# vocabulary, importers).
IMPORT_CODE = ("readq/store.py", "readq/import_engine.py", "readq/migrations.py", "readq/headline.py",
               "readq/search.py", "readq/importing.py", "readq/importers", "readq/parse_worker.py",
               "readq/prepare_pool.py")

# Targets (the project's performance goals).
SEARCH_P95_MS = {100_000: 16.0, 1_000_000: 60.0}
IMPORT_SECONDS = {100_000: 15.0, 1_000_000: 180.0}
RSS_MB = {100_000: 150.0, 1_000_000: 600.0}
CLI_SEARCH_SECONDS = {100_000: 0.6}
MRR_OVERALL = 0.85
MRR_TYPO = 0.80
TUI_VS_EMPTY_APP = 1.25

PASTE_CHARACTERS = 3000
PASTES_PER_RUN = 10
TUI_COLUMNS, TUI_ROWS = 120, 40
TUI_TIMEOUT_SECONDS = 120
RANK_DEPTH = 10


def log(message: str) -> None:
    """Progress goes to stderr, figures to stdout."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def human(size: int) -> str:
    if size >= 1_000_000 and size % 1_000_000 == 0:
        return f"{size // 1_000_000}M"
    if size >= 1000 and size % 1000 == 0:
        return f"{size // 1000}k"
    return f"{size:,}"


# ----- machine -------------------------------------------------------------------


def machine_description() -> list[str]:
    model = "unknown CPU"
    memory = "unknown memory"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB RAM"
                break
    except OSError:
        pass
    import rapidfuzz
    import textual

    commit = subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "?"
    return [
        f"CPU: {model}, {os.cpu_count()} cores (os.cpu_count); {memory}",
        f"OS: {platform.platform()}",
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"Textual {textual.__version__}, rapidfuzz {rapidfuzz.__version__}, "
        f"readq {readq_version} (HEAD {commit} plus any uncommitted changes)",
    ]


# ----- databases -----------------------------------------------------------------


def remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def import_code_digest() -> str:
    digest = hashlib.sha256()
    for name in IMPORT_CODE:
        path = REPO_ROOT / name
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


class Workspace:
    """Generated listing files and databases, kept in one directory between runs."""

    def __init__(self, workdir: Path, corpus_path: Path, corpus: list[CorpusRecord]):
        self.workdir = workdir
        self.corpus = corpus
        # Sizes whose database was checked or built in this run: other developers
        # may edit readq meanwhile, and every section should use the same database.
        self._settled: set[int] = set()
        self._import_code = import_code_digest()  # as of this run's start
        workdir.mkdir(parents=True, exist_ok=True)
        stat = corpus_path.stat()
        self.identity = {
            "generator": GENERATOR_VERSION,
            "corpus": str(corpus_path.resolve()),
            "corpus_bytes": stat.st_size,
            "corpus_mtime": int(stat.st_mtime),
        }

    def listing(self, size: int) -> Path:
        """The arXiv listing file with `size` papers, written once per size."""
        path = self.workdir / f"listing-{size}.txt"
        meta = path.with_suffix(".json")
        wanted = {**self.identity, "size": size}
        if path.exists() and meta.exists() and json.loads(meta.read_text()) == wanted:
            return path
        log(f"writing {path.name} ({size:,} papers, arXiv listing format)")
        write_listing(bench_records(self.corpus, size), path)
        meta.write_text(json.dumps(wanted))
        return path

    def database_path(self, size: int) -> Path:
        return self.workdir / f"readq-{size}.db"

    def _database_meta(self, size: int) -> dict:
        return {**self.identity, "size": size, "schema": SCHEMA_VERSION,
                "import_code": self._import_code}

    def has_database(self, size: int) -> bool:
        path = self.database_path(size)
        meta = path.with_suffix(".json")
        return path.exists() and meta.exists() and json.loads(meta.read_text()) == self._database_meta(size)

    def adopt_database(self, size: int, built: Path) -> None:
        """Keep a freshly imported database as the one other sections use."""
        target_path = self.database_path(size)
        remove_database(target_path)
        built.rename(target_path)
        remove_database(built)  # an emptied -wal/-shm left behind, if any
        target_path.with_suffix(".json").write_text(json.dumps(self._database_meta(size)))
        self._settled.add(size)

    def database(self, size: int) -> Path:
        """The database with `size` papers, imported now unless a current one exists."""
        if size in self._settled or self.has_database(size):
            self._settled.add(size)
            return self.database_path(size)
        self._settled.add(size)
        if size == 0:
            path = self.database_path(0)
            remove_database(path)
            Store.open(path).close()
            path.with_suffix(".json").write_text(json.dumps(self._database_meta(0)))
            return path
        log(f"building the {human(size)} database (delete {self.workdir} to force a rebuild)")
        built = self.workdir / f"building-{size}.db"
        remove_database(built)
        result = run_import_child(built, self.listing(size), self.workdir)
        log(f"built in {result['wall_seconds']:.1f} s")
        self.adopt_database(size, built)
        return self.database_path(size)

    def paper_sources(self, size: int) -> dict[int, int]:
        """readq paper id -> index of the corpus record it is (a copy of)."""
        source_of_id = {r.arxiv_id: r.source for r in bench_records(self.corpus, size)}
        conn = sqlite3.connect(self.database(size))
        try:
            return {pid: source_of_id[aid] for pid, aid in conn.execute("SELECT id, arxiv_id FROM papers")}
        finally:
            conn.close()


def run_child(args: Sequence[str], workdir: Path, timeout: float | None = None) -> dict:
    result_file = Path(tempfile.mkstemp(prefix="result-", suffix=".json", dir=workdir)[1])
    try:
        started = time.time()
        command = [sys.executable, str(BENCH_DIR / "bench_child.py"), args[0], *args[1:],
                   str(result_file), repr(started)]
        completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if completed.returncode != 0 or not result_file.read_text():
            raise RuntimeError(f"{args[0]} child failed ({completed.returncode}): {completed.stderr[-2000:]}")
        return json.loads(result_file.read_text())
    finally:
        result_file.unlink(missing_ok=True)


def run_import_child(db: Path, listing: Path, workdir: Path) -> dict:
    return run_child(["import", str(db), str(listing)], workdir)


# ----- 1. import -----------------------------------------------------------------


def bench_import(ws: Workspace, sizes: list[int], runs: int, large_runs: int) -> None:
    print("\n## 1. Import (arXiv listing format; readq.importing.import_file in a fresh child process)")
    print("  abstracts/s = abstracts / import_file wall time; per CPU s = abstracts / its CPU time (the reader\n"
          "  process's included); wall = process start to database closed (what `readq import` costs);\n"
          "  peak RSS = importing process + its reader process, polled every 50 ms; 1st search = a new\n"
          "  engine's first query right after the import (vocabulary load included)")
    rows = []
    for size in sizes:
        listing = ws.listing(size)
        size_runs = runs if size <= 200_000 else large_runs
        results = []
        for run in range(size_runs):
            db = ws.workdir / f"import-run-{size}.db"
            remove_database(db)
            log(f"import {human(size)}: run {run + 1}/{size_runs}")
            results.append(run_import_child(db, listing, ws.workdir))
            if run == size_runs - 1 and not ws.has_database(size):
                ws.adopt_database(size, db)  # reuse the last run's database for the other sections
            else:
                remove_database(db)
        last = results[-1]
        rate = Spread([size / r["import_seconds"] for r in results])
        cpu_rate = Spread([size / r["import_cpu_seconds"] for r in results])
        wall = Spread([r["wall_seconds"] for r in results])
        rss = Spread([r["peak_rss_mb"] for r in results])
        first_search = Spread([r["first_search_ms"] for r in results])
        searchable = all(r["first_search_hits"] > 0 for r in results)
        rows.append([
            human(size), str(size_runs), rate.format("{:,.0f}"), cpu_rate.format("{:,.0f}"),
            wall.format("{:.1f}"),
            target(IMPORT_SECONDS.get(size), "{:.0f} s", wall.median),
            rss.format("{:.0f}"), target(RSS_MB.get(size), "{:.0f} MB", rss.median),
            first_search.format("{:,.0f}"), "yes" if searchable else "NO",
            f"{last['imported']:,}/{last['duplicates']:,}/{last['rejected']:,}",
        ])
    print(table(["size", "runs", "abstracts/s", "per CPU s", "wall s", "target", "peak RSS MB", "target",
                 "1st search ms", "searchable", "imported/dup/rejected"], rows))


# ----- 2. search per keystroke ----------------------------------------------------


def clear_search_caches(engine: SearchEngine) -> None:
    """Forget completions and corrections, so each run types the queries 'for the first time'."""
    vocabulary = engine.vocabulary()
    for name in ("prefixed", "similar", "typo_prefixed", "containing", "split"):
        cache = getattr(vocabulary, name, None)
        if hasattr(cache, "cache_clear"):
            cache.cache_clear()


def keystrokes(query: str) -> list[str]:
    return [query[:i] for i in range(1, len(query) + 1)]


CATEGORIES = ("1st key (1 char)", "keystrokes, exact", "keystrokes, typo", "pasted 3,000 chars")


class KeystrokeRun:
    """One run's search timings per category: wall ms and the search thread's CPU ms."""

    def __init__(self) -> None:
        self.wall: dict[str, list[float]] = {c: [] for c in CATEGORIES}
        self.cpu: dict[str, list[float]] = {c: [] for c in CATEGORIES}

    def timed_search(self, engine: SearchEngine, text: str, category: str):
        wall_started, cpu_started = time.perf_counter(), time.thread_time()
        result = engine.search(text)
        self.cpu[category].append((time.thread_time() - cpu_started) * 1000)
        self.wall[category].append((time.perf_counter() - wall_started) * 1000)
        return result


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def bench_search(ws: Workspace, sizes: list[int], runs: int) -> None:
    print("\n## 2. Search per keystroke (SearchEngine.search, limit 100, as the TUI calls it)")
    rng = random.Random(7)
    typo_queries = [with_typo(q, rng) for q in KEYSTROKE_QUERIES]
    pastes = pasted_queries(ws.corpus, PASTES_PER_RUN, PASTE_CHARACTERS, random.Random(11))
    print(f"  {len(KEYSTROKE_QUERIES)} queries typed one key at a time ({sum(map(len, KEYSTROKE_QUERIES))}"
          f" keystrokes), the same with a typo (e.g. {typo_queries[0]!r}),\n  and {len(pastes)} pasted"
          f" {PASTE_CHARACTERS:,}-character queries. Completion/correction caches are cleared before"
          " each run.\n  Figures: median over runs of each run's p50 / p95 (min–max over runs); 'CPU' is the"
          " search thread's CPU time,\n  which other programs on the machine barely affect.")
    rows = []
    notes: list[str] = []
    for size in sizes:
        db = ws.database(size)
        store = Store.open(db)
        engine = SearchEngine(store.connect_reader)
        started = time.perf_counter()
        engine.vocabulary()
        vocabulary_ms = (time.perf_counter() - started) * 1000
        vocabulary_size = len(engine.vocabulary().docs)
        log(f"search {human(size)}: vocabulary of {vocabulary_size:,} terms loaded in {vocabulary_ms:,.0f} ms")
        results: list[KeystrokeRun] = []
        slowest: tuple[float, str] = (0.0, "")
        load_before = load_average()
        for _ in range(runs):
            clear_search_caches(engine)
            run = KeystrokeRun()
            for typed_queries, category in ((KEYSTROKE_QUERIES, CATEGORIES[1]), (typo_queries, CATEGORIES[2])):
                for query in typed_queries:
                    for text in keystrokes(query):
                        result = run.timed_search(engine, text, CATEGORIES[0] if len(text) == 1 else category)
                        if len(text) == 1 and not result.waiting_for_more:
                            log(f"note: one-character query {text!r} did not wait for more")
                        slowest = max(slowest, (result.elapsed_ms, text))
            for paste in pastes:
                run.timed_search(engine, paste, CATEGORIES[3])
            results.append(run)
        engine.close()
        store.close()
        for category in CATEGORIES:
            p50 = Spread([percentile(r.wall[category], 0.50) for r in results])
            p95 = Spread([percentile(r.wall[category], 0.95) for r in results])
            cpu95 = Spread([percentile(r.cpu[category], 0.95) for r in results])
            worst = Spread([max(r.wall[category]) for r in results])
            rows.append([human(size), category, str(len(results[0].wall[category])), p50.format("{:.2f}"),
                         p95.format("{:.2f}"), target(SEARCH_P95_MS.get(size), "{:.0f} ms", p95.median),
                         cpu95.format("{:.2f}"), worst.format("{:.1f}")])
        notes.append(f"  {human(size)}: vocabulary load (once) {vocabulary_ms:,.0f} ms, {vocabulary_size:,} terms;"
                     f" slowest keystroke {slowest[0]:.1f} ms on {slowest[1]!r}")
        notes.append(f"  {human(size)}: {load_before} before the runs; {load_average()} after")
    print(table(["size", "what", "n/run", "p50 ms", "p95 ms", "target (p95)", "CPU p95 ms", "max ms"], rows))
    print("\n".join(notes))


# ----- 3. known-item quality ------------------------------------------------------


def reciprocal_rank(found_sources: list[int], wanted: int) -> float:
    for rank, source in enumerate(found_sources[:RANK_DEPTH], start=1):
        if source == wanted:
            return 1.0 / rank
    return 0.0


@dataclass
class QualityScores:
    hit1: float
    hit10: float
    mrr10: float
    count: int


def score(ranks: list[float]) -> QualityScores:
    """ranks are reciprocal ranks (0 for a miss beyond the top 10)."""
    n = len(ranks) or 1
    return QualityScores(
        hit1=sum(r == 1.0 for r in ranks) / n,
        hit10=sum(r > 0 for r in ranks) / n,
        mrr10=sum(ranks) / n,
        count=len(ranks),
    )


def build_fts_baseline(ws: Workspace, size: int) -> Path:
    """A plain FTS5 table over the abstracts of the readq database, same rowids."""
    path = ws.workdir / f"fts-baseline-{size}.db"
    meta = path.with_suffix(".json")
    source_db = ws.database(size)
    wanted = {"source_db_mtime": os.stat(source_db).st_mtime_ns, "size": size}
    if path.exists() and meta.exists() and json.loads(meta.read_text()) == wanted:
        return path
    remove_database(path)
    conn = sqlite3.connect(path)
    conn.execute("CREATE VIRTUAL TABLE abstracts USING fts5(abstract, tokenize='unicode61 remove_diacritics 2')")
    conn.execute("ATTACH DATABASE ? AS readq", (f"file:{source_db}?mode=ro",))
    conn.execute("INSERT INTO abstracts(rowid, abstract) SELECT id, abstract FROM readq.papers")
    conn.commit()
    conn.execute("DETACH DATABASE readq")
    conn.close()
    meta.write_text(json.dumps(wanted))
    return path


def fts_search(conn: sqlite3.Connection, query: str) -> list[int]:
    """Plain FTS5: every query word must occur (AND), ordered by bm25."""
    expression = " AND ".join('"' + word.replace('"', '""') + '"' for word in query.split())
    return [row[0] for row in conn.execute(
        "SELECT rowid FROM abstracts WHERE abstracts MATCH ? ORDER BY bm25(abstracts) LIMIT ?",
        (expression, RANK_DEPTH),
    )]


_FUZZ_ABSTRACTS: list[str] = []


def _fuzz_init(abstracts: list[str]) -> None:
    global _FUZZ_ABSTRACTS
    _FUZZ_ABSTRACTS = abstracts


def _fuzz_top(query: str) -> list[int]:
    from rapidfuzz import fuzz, process, utils

    return [index for _, _, index in process.extract(
        query, _FUZZ_ABSTRACTS, scorer=fuzz.WRatio, processor=utils.default_process, limit=RANK_DEPTH)]


def rapidfuzz_ranks(db: Path, queries: list[KnownItemQuery], paper_sources: dict[int, int]) -> list[float]:
    """rapidfuzz WRatio of each query against every abstract (2 processes: it is slow)."""
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT id, abstract FROM papers ORDER BY id").fetchall()
    conn.close()
    ids = [pid for pid, _ in rows]
    abstracts = [abstract for _, abstract in rows]
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1, initializer=_fuzz_init,
                             initargs=(abstracts,)) as pool:
        tops = list(pool.map(_fuzz_top, [q.text for q in queries]))
    return [reciprocal_rank([paper_sources[ids[i]] for i in top], q.source) for q, top in zip(queries, tops)]


SUBSETS: tuple[tuple[str, Callable[[KnownItemQuery], bool]], ...] = (
    ("overall", lambda q: True),
    ("exact", lambda q: not q.typo),
    ("typo", lambda q: q.typo),
)
WORD_CHOICES = ("random", "rarest")


def quality_row(size: int, words: str, method: str, subset: str, scores: list[QualityScores],
                unranked: Spread | None = None) -> list[str]:
    mrr = Spread([s.mrr10 for s in scores])
    goal = None
    if method == "readq" and words == "random":  # the targets are set on the brief's query recipe
        goal = {"overall": MRR_OVERALL, "typo": MRR_TYPO}.get(subset)
    return [human(size), words, method, subset, str(scores[0].count),
            Spread([s.hit1 for s in scores]).format("{:.3f}"),
            Spread([s.hit10 for s in scores]).format("{:.3f}"),
            mrr.format("{:.3f}"), unranked.format("{:.0%}") if unranked else "",
            target(goal, "{:.2f}", mrr.median, higher_is_better=True)]


def bench_quality(ws: Workspace, sizes: list[int], count: int, seeds: int, fuzz_queries: int,
                  fuzz_max_size: int, show_misses: int) -> None:
    print(f"\n## 3. Known-item search quality ({count} papers per seed, {seeds} seeds)")
    print("  query = 2–3 content words (≥ 4 letters, not stop words) of the paper's real title that its"
          " abstract also holds,\n  in title order: 'random' picks them at random (the targets apply to"
          " these), 'rarest' picks the title's\n  rarest such words (fewest papers in this database)."
          " Every second query has two adjacent letters swapped\n  in a word of ≥ 5 letters. readq runs the"
          " query with a trailing space (as `readq search` does). A hit is the\n  paper or one of its"
          " copies (sizes past the corpus). 'unranked' = share of queries where readq had too many\n"
          "  matches to rank and returned the newest ones (SearchResult.ranked is False)."
          " Figures: median over seeds (min–max).")
    for size in sizes:
        db = ws.database(size)
        log(f"quality {human(size)}: preparing")
        sources = ws.paper_sources(size)
        fts_db = build_fts_baseline(ws, size)
        store = Store.open(db)
        engine = SearchEngine(store.connect_reader)
        document_counts = engine.vocabulary().docs
        fts = sqlite3.connect(fts_db)
        available = sorted(set(sources.values()))
        rows = []
        misses: list[tuple[str, str, list[str]]] = []
        first_seed: tuple[list[KnownItemQuery], dict[str, list[float]]] | None = None
        for words in WORD_CHOICES:
            per_seed: dict[tuple[str, str], list[QualityScores]] = {}
            unranked_shares: list[float] = []
            for seed in range(1, seeds + 1):
                queries = known_item_queries(ws.corpus, available, count, random.Random(seed),
                                             rarest_by=document_counts if words == "rarest" else None)
                ranks: dict[str, list[float]] = {"readq": [], "FTS5 bm25 (AND)": []}
                unranked = 0
                for query in queries:
                    result = engine.search(query.text + " ", limit=RANK_DEPTH)
                    unranked += not result.ranked
                    ranks["readq"].append(reciprocal_rank([sources[i] for i in result.ids], query.source))
                    if (ranks["readq"][-1] == 0 and seed == 1 and words == "random"
                            and len(misses) < show_misses):
                        titles = [store.get(i).title for i in result.ids[:2]]
                        misses.append((query.text, ws.corpus[query.source].title, titles))
                    fts_found = fts_search(fts, query.text)
                    ranks["FTS5 bm25 (AND)"].append(
                        reciprocal_rank([sources[i] for i in fts_found], query.source))
                unranked_shares.append(unranked / max(len(queries), 1))
                if seed == 1 and words == "random":
                    first_seed = (queries, ranks)
                for method, method_ranks in ranks.items():
                    for subset, keep in SUBSETS:
                        chosen = [r for r, q in zip(method_ranks, queries) if keep(q)]
                        per_seed.setdefault((method, subset), []).append(score(chosen))
            for (method, subset), scores in per_seed.items():
                shown_unranked = Spread(unranked_shares) if (method, subset) == ("readq", "overall") else None
                rows.append(quality_row(size, words, method, subset, scores, shown_unranked))
        fts.close()
        engine.close()
        store.close()

        if size <= fuzz_max_size and fuzz_queries and first_seed:
            queries, ranks = first_seed
            subset_queries = queries[:fuzz_queries]
            label = f"[seed 1, first {len(subset_queries)}]"
            log(f"quality {human(size)}: rapidfuzz WRatio over {len(sources):,} abstracts"
                f" for {len(subset_queries)} queries (slow)")
            started = time.perf_counter()
            same_queries = {"rapidfuzz WRatio": rapidfuzz_ranks(db, subset_queries, sources)}
            fuzz_seconds = time.perf_counter() - started
            for method, method_ranks in ranks.items():
                same_queries[method] = method_ranks[: len(subset_queries)]
            for method, method_ranks in same_queries.items():
                for subset, keep in SUBSETS:
                    chosen = [r for r, q in zip(method_ranks, subset_queries) if keep(q)]
                    row = quality_row(size, "random", f"{method} {label}", subset, [score(chosen)])
                    rows.append(row[:-1] + [""])
            per_query = fuzz_seconds / max(len(subset_queries), 1) * (os.cpu_count() or 1)
            rows.append([human(size), "", f"(rapidfuzz: {per_query:.2f} s per query per core)",
                         "", "", "", "", "", "", ""])
        print(table(["size", "words", "method", "queries", "n", "hit@1", "hit@10", "MRR@10", "unranked",
                     "target"], rows))
        if misses:
            print(f"  readq misses at {human(size)} (random words, seed 1, first {len(misses)}):"
                  " query → real title; readq's top 2 headlines")
            for query_text, title, top in misses:
                print(f"    {query_text!r} → {title[:90]!r}; got {[t[:60] for t in top]}")


# ----- 4. TUI start ---------------------------------------------------------------


def run_in_pty(command: list[str], timeout: float) -> tuple[int, bytes]:
    """Run `command` on a pseudo-terminal of TUI_COLUMNS x TUI_ROWS, discarding
    what it draws (a real terminal driver, unlike headless mode)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", TUI_ROWS, TUI_COLUMNS, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor"}
    for name in ("COLUMNS", "LINES", "TEXTUAL"):
        env.pop(name, None)
    process = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, env=env,
                               start_new_session=True, close_fds=True)
    os.close(slave)
    tail = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                tail = (tail + chunk)[-4000:]
            elif process.poll() is not None:
                break
        else:
            os.killpg(process.pid, signal.SIGKILL)  # the group we started, by its id
        return process.wait(timeout=10), tail
    finally:
        os.close(master)


def run_tui_child(target_arg: str, workdir: Path, headless: bool) -> dict:
    result_file = Path(tempfile.mkstemp(prefix="tui-", suffix=".json", dir=workdir)[1])
    try:
        started = time.time()
        command = [sys.executable, str(BENCH_DIR / "bench_child.py"), "tui", target_arg,
                   str(result_file), repr(started)]
        if headless:
            command.append("--headless")
            completed = subprocess.run(command, capture_output=True, timeout=TUI_TIMEOUT_SECONDS)
            code, output = completed.returncode, completed.stderr[-4000:]
        else:
            code, output = run_in_pty(command, TUI_TIMEOUT_SECONDS)
        text = result_file.read_text()
        if not text:
            raise RuntimeError(f"TUI child wrote no result (exit {code}): {output.decode(errors='replace')[-1500:]}")
        result = json.loads(text)
        if "error" in result:
            raise RuntimeError(result["error"])
        return result
    finally:
        result_file.unlink(missing_ok=True)


def bench_tui(ws: Workspace, sizes: list[int], runs: int, headless: bool) -> None:
    mode = "headless" if headless else f"on a {TUI_COLUMNS}x{TUI_ROWS} pseudo-terminal"
    print(f"\n## 4. TUI start: process start to first painted frame ({mode}; runs alternate with an"
          " empty Textual app)")
    try:
        import readq.tui.app  # noqa: F401
    except Exception as error:  # noqa: BLE001 - any failure means: nothing to measure yet
        print(f"  skipped: readq.tui.app cannot be imported ({type(error).__name__}: {error})")
        return
    rows = []
    for size in [0, *sizes]:
        db = ws.database(size)
        empty, readq_runs = [], []
        for run in range(runs):
            log(f"tui {human(size)}: run {run + 1}/{runs}")
            empty.append(run_tui_child("--empty-app", ws.workdir, headless))
            readq_runs.append(run_tui_child(str(db), ws.workdir, headless))
        empty_s = Spread([r["elapsed_seconds"] for r in empty])
        readq_s = Spread([r["elapsed_seconds"] for r in readq_runs])
        ratio = Spread([r["elapsed_seconds"] / e["elapsed_seconds"] for r, e in zip(readq_runs, empty)])
        cpu_ratio = Spread([r["cpu_seconds"] / e["cpu_seconds"] for r, e in zip(readq_runs, empty)])
        rss = Spread([r["peak_rss_mb"] for r in readq_runs])
        rows.append([
            human(size) if size else "0 (empty db)", readq_s.format("{:.3f}"), empty_s.format("{:.3f}"),
            ratio.format("{:.2f}"), target(TUI_VS_EMPTY_APP, "{:.2f}x", ratio.median),
            Spread([r["cpu_seconds"] for r in readq_runs]).format("{:.3f}"),
            Spread([e["cpu_seconds"] for e in empty]).format("{:.3f}"), cpu_ratio.format("{:.2f}"),
            rss.format("{:.0f}"), Spread([e["peak_rss_mb"] for e in empty]).format("{:.0f}"),
            target(RSS_MB.get(size), "{:.0f} MB", rss.median),
        ])
    print(table(["papers", "readq s", "empty app s", "ratio", "target", "readq CPU s", "empty CPU s",
                 "CPU ratio", "readq RSS MB",
                 "empty RSS MB", "target (RSS)"], rows))


# ----- 5. CLI ----------------------------------------------------------------------


def readq_command() -> list[str]:
    """The installed console script next to this interpreter, else `python -m readq`."""
    script = Path(sys.executable).with_name("readq")
    return [str(script)] if script.exists() else [sys.executable, "-m", "readq"]


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_process(command: list[str] | str, runs: int, shell: bool = False) -> tuple[Spread, Spread, str]:
    """Wall time and CPU time (the process and its children) of each run."""
    times, cpu = [], []
    output = ""
    for _ in range(runs):
        cpu_started = children_cpu_seconds()
        started = time.perf_counter()
        completed = subprocess.run(command, shell=shell, capture_output=True, text=True,
                                   executable="/bin/bash" if shell else None)
        times.append(time.perf_counter() - started)
        cpu.append(children_cpu_seconds() - cpu_started)
        output = completed.stdout
        if completed.returncode not in (0, 141):
            raise RuntimeError(f"{command} failed ({completed.returncode}): {completed.stderr[-500:]}")
    return Spread(times), Spread(cpu), output


def bench_cli(ws: Workspace, sizes: list[int], runs: int) -> None:
    print(f"\n## 5. CLI: whole process, wall time ({runs} runs each)")
    readq = readq_command()
    rows = []
    for label, command in (("python -c pass", [sys.executable, "-c", "pass"]),
                           ("readq --version", [*readq, "--version"])):
        wall, cpu, _ = time_process(command, runs)
        rows.append(["-", label, wall.format("{:.3f}"), cpu.format("{:.3f}"), "", ""])
    for size in sizes:
        db = str(ws.database(size))
        for query in ("transformer segmentation", "diffusion modle video generation", "gaussian splatting"):
            wall, cpu, output = time_process([*readq, "--db", db, "search", *query.split()], runs)
            rows.append([human(size), f"readq search {query}", wall.format("{:.3f}"), cpu.format("{:.3f}"),
                         target(CLI_SEARCH_SECONDS.get(size), "{:.1f} s", wall.median),
                         f"{len(output.splitlines())} lines"])
        quoted = " ".join(f"'{part}'" for part in readq)
        pipeline = f"{quoted} --db '{db}' list --unread --json | head -n 20"
        wall, cpu, output = time_process(pipeline, runs, shell=True)
        rows.append([human(size), "readq list --unread --json | head -n 20", wall.format("{:.3f}"),
                     cpu.format("{:.3f}"), "", f"{len(output.splitlines())} lines"])
    print(table(["size", "command", "wall s", "CPU s", "target (wall)", "output"], rows))


# ----- main ------------------------------------------------------------------------


def parse_sizes(text: str) -> list[int]:
    sizes = []
    for part in text.split(","):
        part = part.strip().lower().replace("_", "")
        multiplier = 1_000_000 if part.endswith("m") else 1000 if part.endswith("k") else 1
        sizes.append(int(float(part.rstrip("mk")) * multiplier))
    return sizes


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", help="one database size, e.g. 100000 or 100k")
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated sizes (default: %(default)s)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR,
                        help="generated files and databases, kept for later runs (default: %(default)s)")
    parser.add_argument("--runs", type=int, default=5, help="runs per timed figure (default: %(default)s)")
    parser.add_argument("--import-runs", type=int, default=3,
                        help="imports per size up to 200k (default: %(default)s)")
    parser.add_argument("--large-import-runs", type=int, default=1,
                        help="imports per size above 200k (default: %(default)s)")
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"sections to run, from {','.join(SECTIONS)} (default: all)")
    parser.add_argument("--quality-papers", type=int, default=300)
    parser.add_argument("--quality-seeds", type=int, default=3)
    parser.add_argument("--quality-max-size", type=int, default=100_000,
                        help="skip quality above this size (default: %(default)s)")
    parser.add_argument("--fuzz-queries", type=int, default=100,
                        help="queries for the rapidfuzz baseline (about 1 s each at 10k; default: %(default)s)")
    parser.add_argument("--fuzz-max-size", type=int, default=10_000)
    parser.add_argument("--show-misses", type=int, default=8)
    parser.add_argument("--wait-for-idle", type=float, default=0, metavar="SECONDS",
                        help="first wait up to SECONDS for the 1-minute load average to drop below 1"
                             " (other programs distort timings)")
    parser.add_argument("--headless", action="store_true",
                        help="TUI start in Textual's headless mode instead of on a pseudo-terminal")
    args = parser.parse_args(argv)
    args.sizes = parse_sizes(args.size) if args.size else parse_sizes(args.sizes)
    args.only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(args.only) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    return args


def wait_for_idle(limit_seconds: float) -> None:
    deadline = time.monotonic() + limit_seconds
    while os.getloadavg()[0] >= 1.0 and time.monotonic() < deadline:
        log(f"waiting for a quieter machine ({load_average()})")
        time.sleep(15)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    wait_for_idle(args.wait_for_idle)
    print("# readq benchmarks")
    for line in machine_description():
        print(f"  {line}")
    print(f"  command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"  sizes: {', '.join(human(s) for s in args.sizes)}; runs: {args.runs}; workdir: {args.workdir}")
    print(f"  at start: {load_average()}")
    log(f"loading {args.corpus}")
    corpus = load_corpus(args.corpus)
    print(f"  corpus: {len(corpus):,} real arXiv abstracts ({args.corpus.name}); larger sizes add copies")
    ws = Workspace(args.workdir, args.corpus, corpus)
    started = time.perf_counter()
    sections: dict[str, Callable[[], None]] = {
        "import": lambda: bench_import(ws, args.sizes, args.import_runs, args.large_import_runs),
        "search": lambda: bench_search(ws, args.sizes, args.runs),
        "quality": lambda: bench_quality(ws, [s for s in args.sizes if s <= args.quality_max_size],
                                         args.quality_papers, args.quality_seeds, args.fuzz_queries,
                                         args.fuzz_max_size, args.show_misses),
        "tui": lambda: bench_tui(ws, args.sizes, args.runs, args.headless),
        "cli": lambda: bench_cli(ws, args.sizes, args.runs),
    }
    for name in SECTIONS:
        if name in args.only:
            sections[name]()
            print(f"  ({load_average()} at the end of this section)")
            sys.stdout.flush()
    print(f"\n(total {time.perf_counter() - started:,.0f} s)")


if __name__ == "__main__":
    main()
