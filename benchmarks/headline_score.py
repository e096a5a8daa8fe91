"""Score derived headlines against the real titles of corpus papers.

The corpus keeps each abstract's real title, which readq's input formats lack.
Each headline is compared with its paper's title by content-word F1: lowercase
word tokens, stop words removed, compared as sets. Baselines are scored alongside
``derive_headline``: the first 80 characters, the first sentence, and a simple
"we propose ..." heuristic (the first 80 characters after the first "we propose",
"we present" or "we introduce", else the first sentence).

Method names: a title such as "StyleTalker: Audio-Driven ..." names its method
before the colon. For those papers the script reports how often the headline
contains that name, overall and among papers whose abstract mentions it.

Samples are drawn by shuffling the corpus with ``--seed`` and taking ``--sample``
papers after skipping ``--skip``; equal seeds with non-overlapping skip ranges
give disjoint samples (for example a tuning sample and a held-out sample).

Usage:
    python benchmarks/headline_score.py [--corpus PATH] [--sample N] [--seed S]
        [--skip K] [--show M]
It prints figures only; it asserts nothing.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from readq.headline import derive_headline  # noqa: E402

DEFAULT_CORPUS = REPO_ROOT / ".." / "shared" / "corpus" / "arxiv_abstracts.jsonl.gz"

STOP_WORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because
    been before being below between both but by can could did do does doing down
    during each few for from further had has have having he her here hers herself
    him himself his how i if in into is it its itself just me more most my myself
    no nor not now of off on once only or other our ours ourselves out over own
    same she should so some such than that the their theirs them themselves then
    there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours
    yourself yourselves via towards toward across within without upon among
    amongst per versus vs etc may might must shall us
    """.split()
)

_WORD = re.compile(r"[^\W_]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_WE_PROPOSE = re.compile(r"\bwe (?:propose|present|introduce)\s+", re.IGNORECASE)
# A name-like word: CamelCase, an acronym, or letters mixed with digits.
_NAME_LIKE = re.compile(r"[a-z][A-Z]|[A-Z].*[A-Z]|[A-Za-z].*\d|\d.*[A-Za-z]")


def content_words(text: str) -> set[str]:
    return {word for word in _WORD.findall(text.lower()) if word not in STOP_WORDS}


def content_f1(candidate: str, reference: str) -> float:
    cand, ref = content_words(candidate), content_words(reference)
    overlap = len(cand & ref)
    if not overlap:
        return 0.0
    precision, recall = overlap / len(cand), overlap / len(ref)
    return 2 * precision * recall / (precision + recall)


def title_method_name(title: str) -> str | None:
    """The method name of a "Name: description" title, or None."""
    head, colon, _ = title.partition(":")
    head = head.strip()
    if not colon or not head or " " in head:
        return None
    return head if _NAME_LIKE.search(head) else None


def contains_name(text: str, name: str) -> bool:
    pattern = r"(?<![\w-])" + re.escape(name.lower()) + r"(?![\w-])"
    return re.search(pattern, text.lower()) is not None


def first_chars(abstract: str, limit: int = 80) -> str:
    return abstract[:limit]


def first_sentence(abstract: str) -> str:
    return _SENTENCE_END.split(abstract, 1)[0]


def we_propose(abstract: str, limit: int = 80) -> str:
    match = _WE_PROPOSE.search(abstract)
    return abstract[match.end() : match.end() + limit] if match else first_sentence(abstract)


def load_sample(corpus: Path, size: int, seed: int, skip: int) -> list[dict]:
    with gzip.open(corpus, "rt", encoding="utf-8") as handle:
        lines = handle.readlines()
    order = list(range(len(lines)))
    random.Random(seed).shuffle(order)
    return [json.loads(lines[i]) for i in order[skip : skip + size]]


def measure_throughput(abstracts: list[str], min_seconds: float = 2.0, min_passes: int = 5) -> float:
    """Abstracts per CPU second on one core: the best of several timed passes.

    CPU time rather than wall time, and the best pass, so that other processes on
    a shared machine distort the figure as little as possible.
    """
    for abstract in abstracts:  # warm up
        derive_headline(abstract)
    best, spent, passes = float("inf"), 0.0, 0
    while spent < min_seconds or passes < min_passes:
        start = time.process_time()
        for abstract in abstracts:
            derive_headline(abstract)
        elapsed = time.process_time() - start
        best, spent, passes = min(best, elapsed), spent + elapsed, passes + 1
    return len(abstracts) / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--sample", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=20240501)
    parser.add_argument("--skip", type=int, default=0,
                        help="papers to skip in the shuffled order (disjoint samples)")
    parser.add_argument("--show", type=int, default=0,
                        help="print this many headlines beside their titles")
    args = parser.parse_args()

    papers = load_sample(args.corpus.resolve(), args.sample, args.seed, args.skip)
    abstracts = [paper["abstract"] for paper in papers]
    headlines = [derive_headline(abstract) for abstract in abstracts]

    print(f"corpus: {args.corpus.resolve()}")
    print(f"sample: {len(papers)} papers (seed {args.seed}, skip {args.skip})")
    print("mean content-word F1 against the real title:")
    systems = {
        "first 80 characters": [first_chars(a) for a in abstracts],
        "first sentence": [first_sentence(a) for a in abstracts],
        '"we propose ..." 80': [we_propose(a) for a in abstracts],
        "derive_headline": headlines,
    }
    for label, outputs in systems.items():
        scores = [content_f1(out, paper["title"]) for out, paper in zip(outputs, papers)]
        print(f"  {label:<22} {statistics.fmean(scores):.3f}")

    named = [(title_method_name(p["title"]), p, h) for p, h in zip(papers, headlines)]
    named = [(name, p, h) for name, p, h in named if name]
    in_abstract = [(n, p, h) for n, p, h in named if contains_name(p["abstract"], n)]
    hits = sum(contains_name(h, n) for n, p, h in named)
    hits_mentioned = sum(contains_name(h, n) for n, p, h in in_abstract)
    print(f"titles with a method name before a colon: {len(named)}"
          f" ({len(in_abstract)} also named in the abstract)")
    if named:
        print(f"  headline contains the name: {hits / len(named):.1%} of all,"
              f" {hits_mentioned / max(len(in_abstract), 1):.1%} of those named in the abstract")

    lengths = [len(h) for h in headlines]
    print(f"headline length: mean {statistics.fmean(lengths):.1f}, max {max(lengths)},"
          f" truncated {sum(h.endswith('…') for h in headlines) / len(headlines):.1%}")
    rate = measure_throughput(abstracts)
    mean_chars = statistics.fmean(len(a) for a in abstracts)
    print(f"throughput: {rate:,.0f} abstracts/s on one core"
          f" (best pass, CPU time; mean abstract {mean_chars:,.0f} chars)")

    for paper, headline in list(zip(papers, headlines))[: args.show]:
        print(f"\nT: {paper['title']}\nH: {headline}"
              f"\nF1 {content_f1(headline, paper['title']):.2f}")


if __name__ == "__main__":
    main()
