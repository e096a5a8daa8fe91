"""Search as people use it (issue 12): known-item quality and per-keystroke time,
for the current engine and, in the same run, the engine of git HEAD (or any
revision: --baseline REV) on the same database.

    python benchmarks/search_quality.py --size 60000
    python benchmarks/search_quality.py --size 100000 --only speed

The database is imported from the shared corpus's JSON lines (real titles,
categories); past the corpus size, copies as in bench_corpus.py (a distinct
arXiv id, dots appended to the abstract). Held-out queries (seed 2026, never
used for tuning), each for one paper, hit = that paper or a copy of it:

  title 2-3   2-3 content words of the title, in title order
  title 4     4 content words
  prefix      2-3 words, the last cut to 3-5 letters and no trailing space (still typing)
  name        a CamelCase name from the title ("TopoGaussian:") typed as its parts
  note        a surname written in the paper's note, plus one title word

Every second query of each kind has two adjacent letters swapped in a word of
5+ letters ("typo"). No assertions: figures only.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_corpus import (  # noqa: E402
    KEYSTROKE_QUERIES,
    STOP_WORDS,
    load_corpus_records,
    scaled_database,
    swap_adjacent,
    with_typo,
)
from bench_stats import percentile, table, target  # noqa: E402

from readq.search import SearchEngine, words  # noqa: E402
from readq.store import Store  # noqa: E402

CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "arxiv_abstracts.jsonl.gz"
SEED = 2026
PER_KIND = 200
RANK_DEPTH = 10
MRR_OVERALL, MRR_TYPO, P95_MS = 0.85, 0.80, 16.0
SURNAMES = ("Zoltanyi Kowarski Adeyemiola Brzezinska Thorvaldsen Okonkwode Vasquezra Lindqvistor"
            " Marchettoni Haraldsenn Quiroganez Szymborsky Ebbesenov Nakagawara Ferreirinho").split()


@dataclass(frozen=True, slots=True)
class Query:
    kind: str
    source: int  # corpus index of the paper sought
    text: str  # exactly what is typed (a trailing space: the last word is finished)
    typo: bool


def build(corpus: list[dict], size: int, workdir: Path) -> Path:
    started = time.perf_counter()
    db = scaled_database(corpus, size, workdir / f"quality-{size}.db")
    print(f"  {db.name} ready in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return db


def content_words(title: str) -> list[str]:
    chosen: list[str] = []
    for word in words(title):
        if len(word) >= 4 and not word.isdigit() and word not in STOP_WORDS and word not in chosen:
            chosen.append(word)
    return chosen


def typo_in(chosen: list[str], rng: random.Random) -> list[str] | None:
    long_words = [i for i, w in enumerate(chosen) if len(w) >= 5]
    if not long_words:
        return None
    i = rng.choice(long_words)
    changed = swap_adjacent(chosen[i], rng)
    return None if changed == chosen[i] else [*chosen[:i], changed, *chosen[i + 1:]]


def make_queries(corpus: list[dict], size: int, rng: random.Random) -> tuple[list[Query], dict[int, str]]:
    """The held-out queries, and the notes to write (corpus index -> note text)."""
    available = list(range(min(size, len(corpus))))
    queries: list[Query] = []
    notes: dict[int, str] = {}

    def add(kind: str, make) -> None:
        order = available[:]
        rng.shuffle(order)
        made = 0
        for source in order:
            if made == PER_KIND:
                break
            wants_typo = made % 2 == 1
            text = make(source, wants_typo)
            if text is not None:
                queries.append(Query(kind, source, text, wants_typo))
                made += 1

    def title_words(count_choices: tuple[int, ...]):
        def make(source: int, wants_typo: bool) -> str | None:
            candidates = content_words(corpus[source]["title"])
            count = rng.choice(count_choices)
            if len(candidates) < count:
                return None
            chosen = [candidates[i] for i in sorted(rng.sample(range(len(candidates)), count))]
            if wants_typo and (chosen := typo_in(chosen, rng)) is None:
                return None
            return " ".join(chosen) + " "
        return make

    def prefix(source: int, wants_typo: bool) -> str | None:
        text = title_words((2, 3))(source, wants_typo)
        if text is None:
            return None
        *first, last = text.split()
        if len(last) < 6:
            return None
        return " ".join([*first, last[: rng.choice((3, 4, 5))]])

    def name(source: int, wants_typo: bool) -> str | None:
        match = re.match(r"^([A-Z][a-z]{2,}(?:[A-Z][a-z]{2,}){1,2})\b", corpus[source]["title"])
        if not match:
            return None
        parts = [p.lower() for p in re.findall(r"[A-Z][a-z]+", match.group(1))]
        if wants_typo and (parts := typo_in(parts, rng)) is None:
            return None
        return " ".join(parts) + " "

    def note(source: int, wants_typo: bool) -> str | None:
        candidates = content_words(corpus[source]["title"])
        if not candidates or source in notes:
            return None
        surname = rng.choice(SURNAMES)
        notes[source] = f"Recommended by {surname} at the reading group."
        typed = surname.lower()
        if wants_typo:
            typed = swap_adjacent(typed, rng)
        return f"{typed} {rng.choice(candidates)} "

    add("title 2-3", title_words((2, 3)))
    add("title 4", title_words((4,)))
    add("prefix", prefix)
    add("name", name)
    add("note", note)
    return queries, notes


def baseline_engine_class(revision: str, workdir: Path):
    """SearchEngine of readq/search.py at `revision`, loaded beside the current one."""
    code = subprocess.run(["git", "show", f"{revision}:readq/search.py"], cwd=REPO_ROOT, check=True,
                          capture_output=True, text=True).stdout
    path = workdir / f"baseline_search_{re.sub(r'[^A-Za-z0-9]', '_', revision)}.py"
    path.write_text(code, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module.SearchEngine


def quality(engines: dict[str, SearchEngine], queries: list[Query], source_of: dict[int, int]) -> list[list[str]]:
    rows = []
    for label, engine in engines.items():
        ranks: list[tuple[Query, float]] = []
        for query in queries:
            found = [source_of.get(i) for i in engine.search(query.text).ids[:RANK_DEPTH]]
            rank = next((1 / r for r, s in enumerate(found, start=1) if s == query.source), 0.0)
            ranks.append((query, rank))
        kinds = sorted({q.kind for q in queries}, key=[q.kind for q in queries].index)
        subsets = [("overall", lambda q: True), ("exact", lambda q: not q.typo), ("typo", lambda q: q.typo)]
        for kind in ["all kinds", *kinds]:
            for subset, keep in subsets:
                chosen = [r for q, r in ranks if keep(q) and kind in ("all kinds", q.kind)]
                if not chosen:
                    continue
                mrr = sum(chosen) / len(chosen)
                goal = {("all kinds", "overall"): MRR_OVERALL, ("all kinds", "typo"): MRR_TYPO}.get((kind, subset))
                rows.append([label, kind, subset, str(len(chosen)),
                             f"{sum(r == 1 for r in chosen) / len(chosen):.2f}",
                             f"{sum(r > 0 for r in chosen) / len(chosen):.2f}", f"{mrr:.3f}",
                             target(goal, "{:.2f}", mrr, higher_is_better=True)])
    return rows


def speed(engines: dict[str, SearchEngine], runs: int) -> list[list[str]]:
    rng = random.Random(7)
    typed = [*KEYSTROKE_QUERIES, *(with_typo(q, rng) for q in KEYSTROKE_QUERIES)]
    rows = []
    for label, engine in engines.items():
        per_run: list[list[float]] = []
        for _ in range(runs):
            vocabulary = engine.vocabulary()
            for name in ("prefixed", "similar", "typo_prefixed", "containing", "split", "swapped"):
                getattr(getattr(vocabulary, name, None), "cache_clear", lambda: None)()
            times = []
            for query in typed:
                for end in range(2, len(query) + 1):
                    started = time.perf_counter()
                    engine.search(query[:end])
                    times.append((time.perf_counter() - started) * 1000)
            per_run.append(times)
        p50 = sorted(percentile(t, 0.5) for t in per_run)[len(per_run) // 2]
        p95 = sorted(percentile(t, 0.95) for t in per_run)[len(per_run) // 2]
        rows.append([label, str(len(per_run[0])), f"{p50:.2f}", f"{p95:.2f}",
                     target(P95_MS, "{:.0f} ms", p95), f"{max(max(t) for t in per_run):.1f}"])
    return rows


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=60_000)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "readq-search-quality")
    parser.add_argument("--baseline", default="HEAD", help="git revision to compare with (default HEAD)")
    parser.add_argument("--only", default="quality,speed")
    parser.add_argument("--runs", type=int, default=3, help="keystroke runs (median of their p50/p95)")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    corpus = load_corpus_records(args.corpus)
    db = build(corpus, args.size, args.workdir)
    queries, notes = make_queries(corpus, args.size, random.Random(SEED))
    with Store.open(db) as store:
        assert store.get(1).arxiv_id == corpus[0]["id"], "not a fresh import of the corpus"
        # A fresh import numbers papers 1, 2, ... in file order: paper n is record (n - 1) mod corpus size.
        source_of = {paper_id: (paper_id - 1) % len(corpus)
                     for (paper_id,) in store._query("SELECT id FROM papers")}
        for source, text in notes.items():
            store.save_note(source + 1, text)
        engines = {"readq (this tree)": SearchEngine(store.connect_reader),
                   f"readq {args.baseline}": baseline_engine_class(args.baseline, args.workdir)(store.connect_reader)}
        # The same engine without its frame budgets: what it finds when the machine
        # is not busy (under load, more queries fall back to newest-first).
        patient = SearchEngine(store.connect_reader)
        patient.rank_time_limit = patient.count_time_limit = patient.first_page_time_limit = 60.0
        print(f"# Search quality and speed at {args.size:,} papers (seed {SEED}, {len(queries)} queries)\n")
        if "quality" in args.only:
            print("## Known-item quality: MRR@10 (hit = the paper or a copy)")
            print(table(["engine", "queries", "subset", "n", "hit@1", "hit@10", "MRR@10", "target"],
                        quality({**engines, "readq (this tree), no time limits": patient}, queries, source_of)))
            examples = {}
            for q in queries:
                examples.setdefault((q.kind, q.typo), q.text)
            print("  examples: " + "; ".join(f"{k[0]}{' (typo)' if k[1] else ''}: {v!r}"
                                             for k, v in examples.items()))
        if "speed" in args.only:
            print(f"\n## Per keystroke: {len(KEYSTROKE_QUERIES)} queries and the same with a typo, typed from"
                  " the 2nd key on (caches cleared each run)")
            print(table(["engine", "keys/run", "p50 ms", "p95 ms", "target (p95)", "max ms"],
                        speed(engines, args.runs)))
        for engine in (*engines.values(), patient):
            engine.close()
        print(f"\n  {load_average()}")


if __name__ == "__main__":
    main()
