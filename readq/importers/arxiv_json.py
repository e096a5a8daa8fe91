"""arXiv metadata as JSON lines (the Kaggle/bulk snapshot, one paper per line).

Read line by line, so a multi-gigabyte snapshot imports in constant memory; a
line that is not a JSON object rejects that paper only. The shape of readq's
benchmark corpus (`created`, `comment`, categories as a list) is accepted too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from readq.importers import fields
from readq.importers.common import json_lines, split_results
from readq.importers.decode import NumberedLine, text_lines
from readq.importers.latex import latex_to_text
from readq.models import PaperRecord, Problem

NAME = "arxiv-json"


def _string(value: object) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list):  # authors or categories given as a list
        return " ".join(item for item in value if isinstance(item, str)) or None
    return None


def _created(paper: dict) -> str | None:
    versions = paper.get("versions")
    if isinstance(versions, list) and versions and isinstance(versions[0], dict):
        return fields.iso_date(_string(versions[0].get("created")))
    return fields.iso_date(_string(paper.get("created")))


def record_from(paper: dict, line: int) -> Iterator[PaperRecord | Problem]:
    arxiv, problems = fields.checked_arxiv_id(_string(paper.get("id")), line)
    yield from problems
    authors = paper.get("authors")
    if isinstance(authors, list):
        authors = ", ".join(name for name in authors if isinstance(name, str))
    if isinstance(authors, str) and "\\" in authors:
        authors = latex_to_text(authors)  # the snapshot spells accents in TeX: Bal\'azs
    categories = paper.get("categories")
    terms = categories if isinstance(categories, list) else (_string(categories) or "").split()
    yield from fields.make_record(
        line,
        abstract=_string(paper.get("abstract")),
        title=_string(paper.get("title")),
        arxiv=arxiv,
        authors=_string(authors),
        comments=_string(paper.get("comments")) or _string(paper.get("comment")),
        cats=fields.categories(term for term in terms if isinstance(term, str)),
        doi_=fields.doi(_string(paper.get("doi"))),
        created=_created(paper),
        updated=fields.iso_date(_string(paper.get("update_date"))),
    )


def iter_parse(lines: Iterable[NumberedLine]) -> Iterator[PaperRecord | Problem]:
    for item in json_lines(lines):
        if isinstance(item, Problem):
            yield item
            continue
        number, paper = item
        if not isinstance(paper, dict):
            yield Problem(number, "not a JSON object")
            continue
        yield from record_from(paper, number)


def parse(text: str) -> tuple[list[PaperRecord], list[Problem]]:
    """Parse a whole string: (records, problems)."""
    return split_results(iter_parse(text_lines(text)))
