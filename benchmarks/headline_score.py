"""Score derived headlines against the real titles of held-out corpus papers.

The corpus keeps each abstract's real title, which readq's input formats lack. Papers
are scored on the held-out split of benchmarks/train_headline.py (1 in 10 by a hash of
the arXiv id), which the model never saw. Each system's headline is compared with the
real title by content-word F1: lowercase word tokens, stop words removed, as sets.

Systems, side by side: the first sentence (whole, and cut to 80 characters), readq's old
hand-written rules (readq.headline_rules) and the learned model (readq.headline).
Also: how often a method name is kept ("StyleTalker: ..." titles whose abstract uses the
name), lengths, whole-phrase violations, and headlines per CPU second on one core.

Usage:
    python benchmarks/headline_score.py [--corpus PATH] [--sample N] [--show M] [--markdown M] [--stages] [--memory N]
        [--compare-ref REF]
It prints figures only; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from train_headline import DEFAULT_CORPUS, load  # noqa: E402

from readq.headline import derive_headline, model_version  # noqa: E402
from readq.headline_model import STOP_WORDS, WORD_CACHE_SIZE, load_model  # noqa: E402
from readq.headline_names import clear_cache as clear_name_cache  # noqa: E402
from readq.headline_rules import rules_headline  # noqa: E402

TARGET_F1, TARGET_NAMES, TARGET_RATE = 0.42, 0.92, 10_000
_WORD = re.compile(r"[^\W_]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
# A name-like word: CamelCase, an acronym, or letters mixed with digits.
_NAME_LIKE = re.compile(r"[a-z][A-Z]|[A-Z].*[A-Z]|[A-Za-z].*\d|\d.*[A-Za-z]")
_DANGLING = frozenset(
    """a an the of and or but nor for with to by on in at from via into as that which whose who where when
    while its their our is are was were be been being can could will would may might shall should must has
    have had do does did using than such this these those each per whether if""".split()
)


def content_words(text: str) -> set[str]:
    return {word for word in _WORD.findall(text.lower()) if word not in STOP_WORDS}


def content_f1(candidate: str, reference: str) -> float:
    cand, ref = content_words(candidate), content_words(reference)
    overlap = len(cand & ref)
    return 2 * overlap / (len(cand) + len(ref)) if overlap else 0.0


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


def phrase_problems(headline: str, max_length: int = 80) -> list[str]:
    """Why `headline` is not a whole phrase (empty when it is)."""
    problems = []
    if len(headline) > max_length:
        problems.append("too long")
    if "…" in headline or headline.endswith("..."):
        problems.append("ellipsis")
    last = headline.rsplit(" ", 1)[-1].lower().strip(".,;:!?\"'")
    if last in _DANGLING or headline.endswith((":", ",", ";", "-")):
        problems.append("trailing function word or verb")
    for opening, closing in ("()", "[]", "{}"):
        if headline.count(opening) != headline.count(closing):
            problems.append("unbalanced brackets")
    if headline.count("$") % 2:
        problems.append("unbalanced $")
    return problems


def first_sentence(abstract: str) -> str:
    return _SENTENCE_END.split(abstract, 1)[0]


def first_sentence_80(abstract: str) -> str:
    sentence = first_sentence(abstract)
    return sentence if len(sentence) <= 80 else sentence[:80].rsplit(" ", 1)[0]


def throughput(function, abstracts: list[str], min_seconds: float = 2.0, min_passes: int = 3) -> float:
    """Abstracts per CPU second on one core: the best of several timed passes (CPU time, so
    that other processes on a shared machine distort the figure as little as possible)."""
    for abstract in abstracts[:200]:  # warm up (the model's word cache fills as it would in an import)
        function(abstract)
    best, spent, passes = float("inf"), 0.0, 0
    while spent < min_seconds or passes < min_passes:
        start = time.process_time()
        for abstract in abstracts:
            function(abstract)
        elapsed = time.process_time() - start
        best, spent, passes = min(best, elapsed), spent + elapsed, passes + 1
    return len(abstracts) / best


def one_pass(function, abstracts: list[str]) -> float:
    """Abstracts per CPU second in one pass over distinct abstracts, as an import sees them:
    the model starts with an empty word cache (each new word is computed once)."""
    load_model.cache_clear()
    load_model()  # reading the JSON is the cold start, timed apart
    clear_name_cache()
    start = time.process_time()
    for abstract in abstracts:
        function(abstract)
    return len(abstracts) / (time.process_time() - start)


def cache_cost(abstracts: list[str]) -> tuple[int, float]:
    """(entries, MB) of the word cache after deriving every headline of `abstracts` with a
    fresh model: what one process holds (tracemalloc; the cache is cleared at its bound)."""
    load_model.cache_clear()
    load_model()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for abstract in abstracts:
        derive_headline(abstract)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return len(load_model()._cache), (after - before) / 1e6


def stage_costs(abstracts: list[str]) -> dict[str, float]:
    """Microseconds per headline each stage costs where it runs: the whole derivation timed
    with that stage replaced by a lookup of its own earlier results (same headlines), against
    the whole derivation as it is (CPU time, best of three)."""
    from readq import headline

    stages = {"rules' cues and name": ("contribution", lambda text: text),
              "rules + name model": ("analyse", lambda text, model: text),
              "counting the abstract's words": ("abstract_counts", lambda text: text),
              "candidate sentences": ("candidate_sentences", lambda text, strong, weak: text)}

    def timed() -> float:
        start = time.process_time()
        for abstract in abstracts:
            derive_headline(abstract)
        return (time.process_time() - start) / len(abstracts) * 1e6

    def remembered(function, key):
        results = {}
        return lambda *args: results[key(*args)] if key(*args) in results else results.setdefault(
            key(*args), function(*args))

    timed()  # fills the word cache
    whole, costs = min(timed() for _ in range(3)), {}
    for label, (attribute, key) in stages.items():
        original = getattr(headline, attribute)
        setattr(headline, attribute, remembered(original, key))
        try:
            timed()  # remembers
            costs[label] = whole - min(timed() for _ in range(3))
        finally:
            setattr(headline, attribute, original)
    return {"whole headline": whole, **costs}


def headline_at(ref: str):
    """derive_headline of readq's headline modules and model at git `ref`, imported from a
    temporary copy (package readq_at_ref): the same run can time before and after a change."""
    import atexit
    import importlib
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="readq-headline-ref-"))
    atexit.register(shutil.rmtree, folder, True)
    package = folder / "readq_at_ref"
    (package / "data").mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    files = subprocess.run(["git", "ls-tree", "--name-only", ref, "readq/"], cwd=REPO_ROOT, check=True,
                           capture_output=True, text=True).stdout.split()
    for name in [f for f in files if f.startswith("readq/headline")] + ["readq/data/headline_model.json"]:
        text = subprocess.run(["git", "show", f"{ref}:{name}"], cwd=REPO_ROOT, check=True,
                              capture_output=True, text=True).stdout
        text = text.replace("from readq.", "from readq_at_ref.")
        text = text.replace("from readq import", "from readq_at_ref import")
        (package / name.removeprefix("readq/")).write_text(text, encoding="utf-8")
    sys.path.insert(0, str(folder))
    return importlib.import_module("readq_at_ref.headline").derive_headline


def cold_start_seconds() -> float:
    """Importing readq.headline and deriving one headline in a fresh interpreter (the parse
    subprocess pays this once), minus a bare interpreter's start."""
    def run(code: str) -> float:
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO_ROOT)
            best = min(best, time.perf_counter() - start)
        return best
    return run("from readq.headline import derive_headline; derive_headline('We propose X, a net.')") - run("pass")


def markdown_examples(papers: list[dict], old: list[str], new: list[str], count: int, seed: int) -> str:
    picked = random.Random(seed).sample(range(len(papers)), min(count, len(papers)))
    rows = ["| abstract starts | real title | old rules | new model |", "| --- | --- | --- | --- |"]
    for index in picked:
        cells = [papers[index]["abstract"][:90] + "…", papers[index]["title"], old[index], new[index]]
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--sample", type=int, default=0, help="score only the first N held-out papers")
    parser.add_argument("--show", type=int, default=0, help="print this many headlines beside their titles")
    parser.add_argument("--markdown", type=int, default=0,
                        help="print this many random held-out examples as a Markdown table")
    parser.add_argument("--seed", type=int, default=14, help="seed of the random examples")
    parser.add_argument("--stages", action="store_true", help="also time each stage where it runs")
    parser.add_argument("--compare-ref", default="",
                        help="also time the headline model of this git commit in the same run (e.g. HEAD)")
    parser.add_argument("--memory", type=int, default=0,
                        help="also measure the word cache after this many (training-split) abstracts")
    args = parser.parse_args()

    papers = load(args.corpus.resolve(), "heldout")
    papers = papers[: args.sample] if args.sample else papers
    abstracts = [paper["abstract"] for paper in papers]
    old = [rules_headline(abstract) for abstract in abstracts]
    new = [derive_headline(abstract) for abstract in abstracts]
    systems = {
        "first sentence": [first_sentence(a) for a in abstracts],
        "first sentence <= 80": [first_sentence_80(a) for a in abstracts],
        "old rules": old,
        "learned model": new,
    }
    named = [(title_method_name(p["title"]), i) for i, p in enumerate(papers)]
    named = [(name, i) for name, i in named if name and contains_name(papers[i]["abstract"], name)]

    print(f"held-out papers: {len(papers)} (sha256(arXiv id) % 10 == 0; model {model_version()})")
    print(f"papers whose title starts with a name the abstract uses: {len(named)}")
    print(f"{'system':<22} {'F1':>6} {'names':>7} {'median':>7} {'max':>4} {'not whole':>10}")
    for label, outputs in systems.items():
        f1 = statistics.fmean(content_f1(out, p["title"]) for out, p in zip(outputs, papers))
        kept = sum(contains_name(outputs[i], name) for name, i in named) / max(len(named), 1)
        lengths = [len(out) for out in outputs]
        broken = sum(bool(phrase_problems(out)) for out in outputs) / len(outputs)
        print(f"{label:<22} {f1:6.3f} {kept:7.1%} {statistics.median(lengths):7.0f} {max(lengths):4d}"
              f" {broken:10.1%}")
    problems: dict[str, int] = {}
    for headline in new:
        for problem in phrase_problems(headline):
            problems[problem] = problems.get(problem, 0) + 1
    print(f"learned model's whole-phrase problems: {problems or 'none'}")
    print(f"targets: F1 >= {TARGET_F1}, names >= {TARGET_NAMES:.0%}, median 45-80 characters")

    speed_sample = abstracts[:2000]
    load_average = os.getloadavg()[0]
    rate_old, rate_new = throughput(rules_headline, speed_sample), throughput(derive_headline, speed_sample)
    print(f"headlines per CPU second, one core, best of repeated passes over {len(speed_sample)} abstracts"
          f" (words cached): learned model {rate_new:,.0f} (goal {TARGET_RATE:,}); old rules {rate_old:,.0f}"
          f" in the same run; load average {load_average:.1f} -> {os.getloadavg()[0]:.1f}")
    pass_old, pass_new = one_pass(rules_headline, abstracts), one_pass(derive_headline, abstracts)
    print(f"one pass over {len(abstracts)} distinct abstracts, empty word cache (as an import):"
          f" learned model {pass_new:,.0f}/s; old rules {pass_old:,.0f}/s in the same run")
    if args.compare_ref:
        at_ref = headline_at(args.compare_ref)
        rates: dict[str, list[float]] = {"ref": [], "now": [], "rules": []}
        for _ in range(3):  # interleaved, so that both see the same machine
            for label, function in (("ref", at_ref), ("now", derive_headline), ("rules", rules_headline)):
                rates[label].append(throughput(function, speed_sample, min_seconds=0.5, min_passes=2))
        print(f"same run, interleaved, words cached: model at {args.compare_ref} {max(rates['ref']):,.0f}/s;"
              f" this tree {max(rates['now']):,.0f}/s; old rules {max(rates['rules']):,.0f}/s")
    if args.stages:
        costs = stage_costs(speed_sample)
        print("where the time goes, µs per headline: "
              + "; ".join(f"{label} {cost:.0f}" for label, cost in costs.items()))
    if args.memory:
        memory_papers = [paper["abstract"] for paper in load(args.corpus.resolve(), "train")[: args.memory]]
        entries, megabytes = cache_cost(memory_papers)
        print(f"word cache after {len(memory_papers)} abstracts: {entries:,} entries, {megabytes:.1f} MB"
              f" (bound {WORD_CACHE_SIZE:,} entries)")
    print(f"cold start (import readq.headline + one headline): {cold_start_seconds() * 1000:.0f} ms")

    for paper, before, after in list(zip(papers, old, new))[: args.show]:
        print(f"\nT: {paper['title']}\nO: {before}\nN: {after}  (F1 {content_f1(after, paper['title']):.2f})")
    if args.markdown:
        print("\n" + markdown_examples(papers, old, new, args.markdown, args.seed))


if __name__ == "__main__":
    main()
