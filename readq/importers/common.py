"""Checks every importer applies to a record's text before it becomes a record."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from readq.importers.decode import NumberedLine
from readq.models import PaperRecord, Problem
from readq.textclean import has_control_characters, strip_control

MAX_ABSTRACT_CHARS = 100_000  # longer is not an abstract but a pasted file
MIN_ABSTRACT_CHARS = 20  # shorter is kept, with a warning: "Yes." may be all there is


def clean_field(text: str, line: int, problems: list[Problem]) -> str:
    """Strip control characters, with a warning naming the line."""
    if text.isprintable():  # the common case, one scan in C: no control character, no separator
        return text
    if has_control_characters(text):
        problems.append(Problem(line, "control characters removed", rejected=False))
    return strip_control(text)


def abstract_problem(abstract: str) -> str | None:
    """Why this text cannot be an abstract, or None if it can: any non-empty text can."""
    if len(abstract) > MAX_ABSTRACT_CHARS:
        return f"abstract longer than {MAX_ABSTRACT_CHARS:,} characters"
    if not abstract:
        return "empty abstract"
    return None


def short_abstract_warning(abstract: str, line: int) -> Problem | None:
    """A warning for a very short abstract, which is imported all the same."""
    if len(abstract) < MIN_ABSTRACT_CHARS:
        return Problem(line, f"very short abstract ({len(abstract)} characters), imported anyway",
                       rejected=False)
    return None


def split_results(
    results: Iterable[PaperRecord | Problem],
) -> tuple[list[PaperRecord], list[Problem]]:
    """Collect an importer's stream into (records, problems)."""
    records: list[PaperRecord] = []
    problems: list[Problem] = []
    for item in results:
        (problems if isinstance(item, Problem) else records).append(item)
    return records, problems


def content_lines(lines: Iterable[NumberedLine]) -> Iterator[tuple[int, str] | Problem]:
    """The non-blank lines; a line of undecodable bytes becomes a Problem naming it."""
    for number, line in lines:
        if line is None:
            yield Problem(number, "not valid UTF-8 text")
        elif line.strip():
            yield number, line


def json_lines(lines: Iterable[NumberedLine]) -> Iterator[tuple[int, object] | Problem]:
    """(line number, parsed value) for each non-blank line of a JSON-lines file;
    a line that is not valid text or JSON becomes a Problem naming it."""
    for item in content_lines(lines):
        if isinstance(item, Problem):
            yield item
            continue
        number, line = item
        try:
            yield number, json.loads(line)
        except ValueError as error:
            yield Problem(number, f"not valid JSON ({error.args[0] if error.args else error})")
