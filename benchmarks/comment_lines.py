"""How well the arXiv listing parser tells a comment line from the abstract above it.

Builds a listing from the real corpus (../shared/corpus/arxiv_abstracts.jsonl.gz)
written the way its README shows: the abstract, the comment on the very next line
(no blank line between), `arXiv:<id>`, `Created: <date>`. Some abstracts are
written in two paragraphs (one line each, as arXiv's own line breaks would give)
and some hard-wrapped at 80 columns, since a paragraph or a wrapped line of an
abstract is not a comment. The listing goes through the parser only (no database).

Prints: comments recognised (goal >= 95%) and abstracts wrongly split (goal <= 0.5%),
overall and by layout, plus two harder layouts outside the goal.

    python benchmarks/comment_lines.py [--corpus PATH] [--limit N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from readq.importers import arxiv_listing  # noqa: E402
from readq.importers.decode import text_lines  # noqa: E402
from readq.models import PaperRecord  # noqa: E402
from readq.textclean import normalise_whitespace  # noqa: E402

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "arxiv_abstracts.jsonl.gz"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def paragraphs(abstract: str, where: str) -> list[str]:
    """The abstract cut at a sentence boundary: near the middle, or before the last sentence."""
    sentences = _SENTENCE_END.split(abstract)
    if len(sentences) < 2:
        return [abstract]
    cut = len(sentences) // 2 if where == "middle" else len(sentences) - 1
    return [" ".join(sentences[:cut]), " ".join(sentences[cut:])]


def layout_of(index: int) -> str:
    # One paper in ten in two paragraphs, one in ten hard-wrapped; the rest as the README writes.
    return {0: "two paragraphs", 1: "hard-wrapped"}.get(index % 10, "as in the README")


def block(paper: dict, layout: str) -> str:
    abstract = paper["abstract"]
    if layout in ("two paragraphs", "last sentence alone"):
        body = "\n".join(paragraphs(abstract, "middle" if layout == "two paragraphs" else "last"))
    elif layout == "hard-wrapped":
        body = "\n".join(textwrap.wrap(abstract, 80, break_on_hyphens=False, break_long_words=False))
    elif layout == "paragraphs with a blank line":
        body = "\n\n".join(paragraphs(abstract, "middle"))
    else:
        body = abstract
    comment = f"{paper['comment']}\n" if paper.get("comment") else ""
    return f"{body}\n{comment}arXiv:{paper['id']}\nCreated: {paper['created']}\n"


def measure(papers: list[dict], layouts: list[str]) -> dict[str, Counter]:
    text = "\n".join(block(paper, layout) for paper, layout in zip(papers, layouts))
    found = {item.arxiv_id: item for item in arxiv_listing.iter_parse(text_lines(text))
             if isinstance(item, PaperRecord)}
    counts: dict[str, Counter] = {}
    for paper, layout in zip(papers, layouts):
        count = counts.setdefault(layout, Counter())
        count["papers"] += 1
        record = found.get(paper["id"])
        abstract = normalise_whitespace(paper["abstract"])
        comment = normalise_whitespace(paper.get("comment") or "")
        if comment:
            count["comments"] += 1
            count["recognised"] += record is not None and record.comments == comment
        if record is None or record.abstract != abstract and not (
                comment and record.abstract == f"{abstract} {comment}"):
            count["split"] += 1  # lost a part, or a part was taken for a comment
        if record is not None and comment and record.abstract == f"{abstract} {comment}":
            count["glued"] += 1  # the comment was read as the abstract's last words
    return counts


def report(title: str, counts: dict[str, Counter]) -> None:
    total = sum(counts.values(), Counter())
    print(title)
    for name, count in [*counts.items(), ("all", total)] if len(counts) > 1 else [("all", total)]:
        comments = count["comments"] or 1
        print(f"  {name:<32} papers {count['papers']:>6,}  comments recognised "
              f"{count['recognised']:>6,}/{count['comments']:<6,} = {count['recognised'] / comments:7.2%}"
              f"  (glued {count['glued']:,})  abstracts wrongly split {count['split']:>4,}"
              f" = {count['split'] / count['papers']:6.2%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=0, help="only the first N papers")
    args = parser.parse_args()
    with gzip.open(args.corpus, "rt", encoding="utf-8") as handle:
        papers = [json.loads(line) for line in handle]
    if args.limit:
        papers = papers[: args.limit]
    print(f"$ python benchmarks/comment_lines.py{f' --limit {args.limit}' if args.limit else ''}")
    print(f"corpus: {args.corpus} ({len(papers):,} papers, "
          f"{sum(bool(p.get('comment')) for p in papers):,} with a comment)")
    started = time.perf_counter()
    main_counts = measure(papers, [layout_of(index) for index, _ in enumerate(papers)])
    report("comment on the line under the abstract (goal: recognised >= 95%, wrongly split <= 0.5%)",
           main_counts)
    total = sum(main_counts.values(), Counter())
    recognised = total["recognised"] / max(1, total["comments"])
    split = total["split"] / max(1, total["papers"])
    print(f"  goals: recognised {recognised:.2%} {'>=' if recognised >= 0.95 else '<'} 95%,"
          f" wrongly split {split:.2%} {'<=' if split <= 0.005 else '>'} 0.5%")
    notes = {
        "last sentence alone": "an abstract's last line (\"Code is available at https://...\")"
                               " may read as a comment: moved to comments, not lost",
        "paragraphs with a blank line": "text before a block's abstract is reported by its line"
                                        " (never glued): the first paragraph is rejected",
    }
    for layout, note in notes.items():
        report(f"harder, outside the goal: every abstract with its {layout}\n  ({note})",
               measure(papers, [layout] * len(papers)))
    print(f"({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
