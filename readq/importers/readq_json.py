"""readq's own export (`readq export --format json` or `jsonl`): a backup.

Unlike every other format this one carries reading state (read mark, rating,
notes) and readq's bookkeeping (headline, source, added_at), so that restoring
a backup into an empty database gives back the same export. Text is taken as
written (no whitespace folding) apart from removing control characters.
JSON lines are streamed; a JSON array is read whole, element by element, so a
broken element is reported at its line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from readq.errors import ReadqError
from readq.importers import fields
from readq.importers.common import (
    abstract_problem,
    clean_field,
    content_lines,
    json_lines,
    split_results,
)
from readq.importers.decode import NumberedLine, text_lines
from readq.models import PaperRecord, Problem
from readq.tags import clean_tag

NAME = "readq-json"

# Keys that only readq's export has: how detection tells it from arXiv JSON.
MARKER_KEYS = frozenset({"headline_derived", "content_hash", "added_at"})
_TEXT_FIELDS = ("title", "abstract", "arxiv_id", "authors", "comments", "categories", "doi", "url",
                "created", "updated", "source", "added_at", "read_at", "notes", "notes_updated_at",
                "tags_updated_at")


def record_from(paper: dict, line: int) -> Iterator[PaperRecord | Problem]:
    warnings: list[Problem] = []
    values: dict[str, str | None] = {}
    for key in _TEXT_FIELDS:
        value = paper.get(key)
        if value is not None and not isinstance(value, str):
            yield Problem(line, f"{key} is not text")
            return
        values[key] = clean_field(value, line, warnings) if value else value
    if warnings:
        yield warnings[0]
    title, abstract = values["title"] or None, values["abstract"] or ""
    if title is None and (reason := abstract_problem(abstract)):
        yield Problem(line, reason)
        return
    rating = paper.get("rating")
    if rating is not None and (type(rating) is not int or not 1 <= rating <= 5):  # bool is no rating
        yield Problem(line, f"ignored rating {rating!r} (want 1–5)", rejected=False)
        rating = None
    arxiv, problems = fields.checked_arxiv_id(values["arxiv_id"], line)
    yield from problems
    tags, problems = _tags(paper.get("tags"), line)
    yield from problems
    derived = paper.get("headline_derived")
    yield PaperRecord(
        abstract=abstract,
        line=line,
        title=title,
        arxiv_id=arxiv,
        authors=values["authors"],
        comments=values["comments"],
        categories=values["categories"],
        doi=values["doi"],
        url=values["url"],
        created=values["created"],
        updated=values["updated"],
        headline_derived=bool(derived) if derived is not None else title is None,
        source=values["source"],
        added_at=values["added_at"],
        read_at=values["read_at"],
        rating=rating,
        notes=values["notes"],
        notes_updated_at=values["notes_updated_at"],
        # An export lists every paper's tags: an empty list without a time of
        # change is a paper never tagged, which changes nothing.
        tags=tags if tags or values["tags_updated_at"] else None,
        tags_updated_at=values["tags_updated_at"] if tags is not None else None,
    )


def _tags(value: object, line: int) -> tuple[tuple[str, ...] | None, list[Problem]]:
    """An export's tag list; a tag readq cannot hold is left out with a warning."""
    if value is None:
        return None, []
    if not isinstance(value, list):
        return None, [Problem(line, "ignored tags: not a list of names", rejected=False)]
    kept, problems = [], []
    for name in value:
        try:
            kept.append(clean_tag(name) if isinstance(name, str) else clean_tag(""))
        except ReadqError as error:
            problems.append(Problem(line, f"ignored a tag: {error}", rejected=False))
    return tuple(dict.fromkeys(kept)), problems


def _one(value: object, line: int) -> Iterator[PaperRecord | Problem]:
    if isinstance(value, dict):
        yield from record_from(value, line)
    else:
        yield Problem(line, "not a JSON object")


def _array(lines: Iterable[NumberedLine]) -> Iterator[PaperRecord | Problem]:
    text, first = fields.whole_text(lines, "JSON")
    decoder = json.JSONDecoder()
    position = text.index("[") + 1

    counted = {"offset": 0, "line": first}

    def line_at(offset: int) -> int:  # offsets only grow: count newlines once
        counted["line"] += text.count("\n", counted["offset"], offset)
        counted["offset"] = offset
        return counted["line"]

    while True:
        while position < len(text) and text[position] in " \t\n\r,":
            position += 1
        if position >= len(text):
            yield Problem(line_at(position), "JSON array not closed with ]")
            return
        if text[position] == "]":
            return
        try:
            value, end = decoder.raw_decode(text, position)
        except ValueError as error:
            # The rest cannot be split into elements reliably: stop here, said where.
            yield Problem(line_at(getattr(error, "pos", position)), f"not valid JSON ({error.args[0]})")
            return
        yield from _one(value, line_at(position))
        position = end


def iter_parse(lines: Iterable[NumberedLine]) -> Iterator[PaperRecord | Problem]:
    lines = iter(lines)
    for item in content_lines(lines):
        if isinstance(item, Problem):
            yield item
            continue
        number, line = item
        if line.lstrip().startswith("["):
            yield from _array(_prepend((number, line), lines))
            return
        yield from _jsonl(_prepend((number, line), lines))
        return


def _jsonl(lines: Iterable[NumberedLine]) -> Iterator[PaperRecord | Problem]:
    for item in json_lines(lines):
        if isinstance(item, Problem):
            yield item
        else:
            yield from _one(item[1], item[0])


def _prepend(first: NumberedLine, rest: Iterable[NumberedLine]) -> Iterator[NumberedLine]:
    yield first
    yield from rest


def parse(text: str) -> tuple[list[PaperRecord], list[Problem]]:
    """Parse a whole string: (records, problems)."""
    return split_results(iter_parse(text_lines(text)))
