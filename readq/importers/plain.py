"""Plain text: one abstract per line; blank lines are skipped."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from readq.importers.common import (
    abstract_problem,
    clean_field,
    content_lines,
    short_abstract_warning,
    split_results,
)
from readq.importers.decode import NumberedLine, text_lines
from readq.models import PaperRecord, Problem
from readq.textclean import normalise_whitespace

NAME = "plain"


def iter_parse(lines: Iterable[NumberedLine]) -> Iterator[PaperRecord | Problem]:
    for item in content_lines(lines):
        if isinstance(item, Problem):
            yield item
            continue
        number, line = item
        warnings: list[Problem] = []
        abstract = normalise_whitespace(clean_field(line, number, warnings))
        yield from warnings
        reason = abstract_problem(abstract)
        if reason:
            yield Problem(number, reason)
            continue
        warning = short_abstract_warning(abstract, number)
        if warning:
            yield warning
        yield PaperRecord(abstract=abstract, line=number)


def parse(text: str) -> tuple[list[PaperRecord], list[Problem]]:
    """Parse a whole string: (records, problems)."""
    return split_results(iter_parse(text_lines(text)))

