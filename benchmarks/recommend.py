"""Recommendation quality and speed: readq's recommended order against arxiv-sanity-lite's.

Simulated readers on the real corpus: a reader interested in one arXiv category
(anywhere in a paper's categories) or one title topic rates 10 papers of that
interest 5 stars and 20 other papers 1 star (all 30 marked read). The unread
rest is ordered by readq (`readq.recommend.recommended_ids`, through a real
store) and by arxiv-sanity-lite's method (tf-idf of title and abstract with
its own vectorizer settings, LinearSVC with positives = the liked papers,
negatives = every other paper), and scored by precision@20 and average
precision@50 (AP over the top 50, divided by min(relevant, 50)). The base rate
is the share of relevant papers in the unread rest.

Timing: `recommended_ids` on a database of --timing-size papers (the corpus,
then copies with distinct ids), median of --runs, beside a floor measured in
the same run: listing the view's ids newest first (the fallback order), which
any order of the queue costs at least.

    pip install scikit-learn   # for the baseline only; never a readq dependency
    python benchmarks/recommend.py --seeds 3 --timing-size 100000
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_corpus import load_corpus_records, scaled_database  # noqa: E402

from readq.recommend import recommended_ids  # noqa: E402
from readq.store import Store  # noqa: E402

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "arxiv_abstracts.jsonl.gz"
CATEGORIES = ("cs.RO", "cs.IT", "cs.GT", "cs.CR", "cs.SD", "cs.IR", "cs.GR", "q-bio.QM")
TOPICS = ("gaussian splatting", "speech", "medical", "retrieval", "autonomous driving",
          "federated", "remote sensing", "agent")
LIKED, DISLIKED = 10, 20
TARGET_MS = 300.0


def database(corpus: list[dict], size: int, workdir: Path) -> Path:
    return scaled_database(corpus, size, workdir / f"recommend-{size}.db")


def interests(corpus_papers: dict[int, dict]) -> dict[str, set[int]]:
    found: dict[str, set[int]] = {}
    for category in CATEGORIES:
        found[category] = {pid for pid, r in corpus_papers.items() if category in r["categories"]}
    for topic in TOPICS:
        found[f'"{topic}"'] = {pid for pid, r in corpus_papers.items() if topic in r["title"].lower()}
    return found


def precision_at(order: list[int], relevant: set[int], k: int) -> float:
    return sum(1 for pid in order[:k] if pid in relevant) / k


def average_precision_at(order: list[int], relevant: set[int], k: int) -> float:
    hits, total = 0, 0.0
    for rank, pid in enumerate(order[:k], start=1):
        if pid in relevant:
            hits += 1
            total += hits / rank
    return total / min(len(relevant), k) if relevant else 0.0


class Sanity:
    """arxiv-sanity-lite's ranking (compute.py's vectorizer, serve.py's SVM)."""

    def __init__(self, ids: list[int], texts: list[str]):
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(
            input="content", encoding="utf-8", decode_error="replace", strip_accents="unicode",
            lowercase=True, analyzer="word", stop_words="english",
            token_pattern=r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]+\b", ngram_range=(1, 2),
            max_features=20000, norm="l2", use_idf=True, smooth_idf=True, sublinear_tf=True,
            max_df=0.1, min_df=5,
        )
        self.ids = ids
        self.row = {pid: row for row, pid in enumerate(ids)}
        self.matrix = vectorizer.fit_transform(texts)

    def order(self, liked: list[int], unread: set[int]) -> list[int]:
        import numpy as np
        from sklearn.svm import LinearSVC

        labels = np.zeros(len(self.ids))
        labels[[self.row[pid] for pid in liked]] = 1
        svm = LinearSVC(class_weight="balanced", verbose=0, max_iter=10000, tol=1e-6, C=0.01)
        svm.fit(self.matrix, labels)
        scores = svm.decision_function(self.matrix)
        rows = [self.row[pid] for pid in unread]
        return [self.ids[row] for row in sorted(rows, key=lambda row: -scores[row])]


def quality(args, corpus: list[dict]) -> None:
    db = database(corpus, len(corpus), args.workdir)
    with Store.open(db) as store:
        by_arxiv = {row[1]: row[0] for row in store._query("SELECT id, arxiv_id FROM papers")}
        papers = {by_arxiv[r["id"]]: r for r in corpus}
        groups = interests(papers)
        sanity = None
        if not args.no_baseline:
            print("fitting arxiv-sanity's tf-idf on the corpus…", file=sys.stderr)
            ids = sorted(papers)
            sanity = Sanity(ids, [f"{papers[pid]['title']} {papers[pid]['abstract']}" for pid in ids])
        everyone = sorted(papers)
        rows = []
        print(f"{'reader':<22} {'relevant':>8}  {'readq P@20':>10} {'AP@50':>6}  "
              f"{'sanity P@20':>11} {'AP@50':>6}  {'base':>6}  {'readq ms':>8}")
        for name, relevant in groups.items():
            for seed in range(args.seeds):
                rng = random.Random(f"{name}/{seed}")
                liked = rng.sample(sorted(relevant), LIKED)
                disliked = rng.sample([pid for pid in everyone if pid not in relevant], DISLIKED)
                rated = liked + disliked
                for pid in liked:
                    store.rate(pid, 5)
                for pid in disliked:
                    store.rate(pid, 1)
                store.set_read(rated, True)
                try:
                    started = time.perf_counter()
                    order = recommended_ids(store, "unread").ids
                    elapsed = (time.perf_counter() - started) * 1000
                finally:
                    for pid in rated:
                        store.rate(pid, None)
                    store.set_read(rated, False)
                rest = set(everyone) - set(rated)
                assert set(order) == rest, "the order must hold exactly the unread papers"
                target = relevant & rest
                row = [precision_at(order, target, 20), average_precision_at(order, target, 50)]
                if sanity is not None:
                    theirs = sanity.order(liked, rest)
                    row += [precision_at(theirs, target, 20), average_precision_at(theirs, target, 50)]
                else:
                    row += [float("nan")] * 2
                row += [len(target) / len(rest), elapsed]
                rows.append(row)
                print(f"{name + ' #' + str(seed):<22} {len(target):>8}  {row[0]:>10.2f} {row[1]:>6.2f}  "
                      f"{row[2]:>11.2f} {row[3]:>6.2f}  {row[4]:>6.3f}  {row[5]:>8.0f}", flush=True)
        means = [statistics.fmean(column) for column in zip(*rows)]
        print(f"{'MEAN of ' + str(len(rows)) + ' readers':<22} {'':>8}  {means[0]:>10.3f} {means[1]:>6.3f}  "
              f"{means[2]:>11.3f} {means[3]:>6.3f}  {means[4]:>6.3f}  {means[5]:>8.0f}")
        if sanity is not None:
            verdict = "PASS" if means[0] >= means[2] and means[1] >= means[3] else "MISS"
            print(f"goal: readq >= arxiv-sanity on both means: {verdict}")


def timing(args, corpus: list[dict]) -> None:
    db = database(corpus, args.timing_size, args.workdir)
    with Store.open(db) as store:
        rng = random.Random("timing")
        everyone = [row[0] for row in store._query("SELECT id FROM papers")]
        speech = [pid for pid, title in store._query("SELECT id, title FROM papers")
                  if "speech" in title.lower()]
        liked, disliked = rng.sample(speech, LIKED), rng.sample(everyone, DISLIKED)
        for pid in liked:
            store.rate(pid, 5)
        for pid in disliked:
            store.rate(pid, 1)
        store.set_read(liked + disliked, True)
        try:
            recommended_ids(store, "unread")  # warm the page cache
            ours, floor = [], []
            for _ in range(args.runs):
                started = time.perf_counter()
                order = recommended_ids(store, "unread")
                ours.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                store.view_ids("unread", "newest")
                floor.append((time.perf_counter() - started) * 1000)
        finally:
            for pid in liked + disliked:
                store.rate(pid, None)
            store.set_read(liked + disliked, False)
        count = store.count("all")
    median = statistics.median(ours)
    print(f"\nrecommended order of {len(order.ids):,} unread papers ({count:,} in the queue), "
          f"{len(order.model.weights)} model terms, median of {args.runs}:")
    print(f"  recommended_ids   {median:7.0f} ms  (min {min(ours):.0f}, max {max(ours):.0f})"
          f"  target <= {TARGET_MS:.0f} ms: {'PASS' if median <= TARGET_MS else 'MISS'}")
    print(f"  floor: view ids   {statistics.median(floor):7.0f} ms  (newest first, the fallback order)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/readq-recommend"))
    parser.add_argument("--seeds", type=int, default=3, help="readers per interest")
    parser.add_argument("--timing-size", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-baseline", action="store_true", help="skip arxiv-sanity's method")
    parser.add_argument("--only", choices=("quality", "timing"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    corpus = load_corpus_records(args.corpus)
    if args.only != "timing":
        quality(args, corpus)
    if args.only != "quality":
        timing(args, corpus)


if __name__ == "__main__":
    main()
