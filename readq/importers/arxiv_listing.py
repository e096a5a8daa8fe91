"""arXiv listing blocks.

Each paper: the abstract paragraph (hard-wrapped lines are joined), optional
comment paragraphs, an ``arXiv:ID`` line and a ``Created: DATE [Updated: DATE]``
line. Blank lines separate paragraphs; a paper ends at its Created line, so
blocks that run together without a blank line still parse.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date

from readq.importers.common import abstract_problem, clean_field, split_results
from readq.importers.decode import NumberedLine, text_lines
from readq.models import PaperRecord, Problem
from readq.textclean import normalise_whitespace

NAME = "arxiv"

ARXIV_LINE = re.compile(r"^arxiv:\s*(\S*)\s*$", re.IGNORECASE)
CREATED_LINE = re.compile(
    r"^created:\s*(\S*)(?:\s+updated:\s*(\S*))?\s*$", re.IGNORECASE
)
UPDATED_LINE = re.compile(r"^updated:\s*(\S*)\s*$", re.IGNORECASE)
NEW_STYLE_ID = re.compile(r"^(\d{4}\.\d{4,5})(?:v\d+)?$")
OLD_STYLE_ID = re.compile(r"^([a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$")
# A paragraph this long after the abstract is another abstract, not a comment.
LONGEST_COMMENT = 300


def normalise_arxiv_id(raw: str) -> str | None:
    """The id without version suffix, or None if it is not an arXiv id."""
    for pattern in (NEW_STYLE_ID, OLD_STYLE_ID):
        match = pattern.match(raw)
        if match:
            return match.group(1)
    return None


def _valid_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


@dataclass
class _Block:
    paragraphs: list[tuple[int, str]] = field(default_factory=list)
    arxiv_id: str | None = None
    arxiv_line: int = 0
    bad: Problem | None = None  # the first reason this block cannot be imported

    @property
    def first_line(self) -> int:
        return self.paragraphs[0][0] if self.paragraphs else self.arxiv_line

    def reject(self, line: int, reason: str) -> None:
        if self.bad is None:
            self.bad = Problem(line, reason)


def iter_parse(lines: Iterable[NumberedLine]) -> Iterator[PaperRecord | Problem]:
    block = _Block()
    paragraph: list[str] = []
    paragraph_line = 0
    warnings: list[Problem] = []
    finished: PaperRecord | None = None  # held back: an Updated: line may follow

    def close_paragraph() -> Iterator[Problem]:
        nonlocal paragraph
        if not paragraph:
            return
        text = " ".join(paragraph)
        if block.paragraphs and block.arxiv_id is None and len(text) > LONGEST_COMMENT:
            # A second abstract before any arXiv: line: the first one is orphaned.
            yield Problem(block.first_line, "abstract without arXiv: and Created: lines")
            block.paragraphs.clear()
            block.bad = None
        block.paragraphs.append((paragraph_line, text))
        paragraph = []

    def finish(created: str | None, updated: str | None, line: int) -> Iterator[PaperRecord | Problem]:
        nonlocal block, finished
        yield from warnings
        warnings.clear()
        current, block = block, _Block()
        if current.bad is not None:
            yield current.bad
            return
        if not current.paragraphs:
            yield Problem(line, "Created: line without an abstract before it")
            return
        if current.arxiv_id is None:
            yield Problem(line, "Created: line without an arXiv: line before it")
            return
        abstract = normalise_whitespace(current.paragraphs[0][1])
        reason = abstract_problem(abstract)
        if reason:
            yield Problem(current.first_line, reason)
            return
        comments = "\n".join(
            normalise_whitespace(text) for _, text in current.paragraphs[1:]
        )
        finished = PaperRecord(
            abstract=abstract,
            line=current.first_line,
            arxiv_id=current.arxiv_id,
            comments=comments or None,
            created=created,
            updated=updated,
        )

    def release() -> Iterator[PaperRecord]:
        nonlocal finished
        if finished is not None:
            yield finished
            finished = None

    for number, line in lines:
        if line is None:
            yield from release()
            block.reject(number, "not valid UTF-8 text")
            continue
        line = clean_field(line, number, warnings)
        stripped = line.strip()
        if not stripped:
            yield from close_paragraph()
            continue
        updated_only = UPDATED_LINE.match(stripped)
        if updated_only and finished is not None and not paragraph:
            value = updated_only.group(1)
            if _valid_date(value):
                finished = replace(finished, updated=value)
            else:
                warnings.append(Problem(number, f"ignored bad Updated date {value!r}", rejected=False))
            continue
        yield from release()
        arxiv = ARXIV_LINE.match(stripped)
        if arxiv:
            yield from close_paragraph()
            if block.arxiv_id is not None:
                block.reject(block.arxiv_line, "arXiv: line without a Created: line")
                yield from finish(None, None, number)
            raw_id = arxiv.group(1)
            block.arxiv_line = number
            block.arxiv_id = normalise_arxiv_id(raw_id) or ""
            if not block.arxiv_id:
                block.reject(number, f"malformed arXiv id {raw_id!r}")
            continue
        created = CREATED_LINE.match(stripped)
        if created:
            yield from close_paragraph()
            created_date, updated_date = created.group(1), created.group(2)
            if not _valid_date(created_date):
                block.reject(number, f"bad Created date {created_date!r} (want YYYY-MM-DD)")
            elif updated_date is not None and not _valid_date(updated_date):
                block.reject(number, f"bad Updated date {updated_date!r} (want YYYY-MM-DD)")
            yield from finish(created_date, updated_date, number)
            continue
        if block.arxiv_id is not None:
            # Text after an arXiv: line but before its Created: line.
            block.reject(block.arxiv_line, "arXiv: line without a Created: line")
            yield from finish(None, None, number)
        if not paragraph:
            paragraph_line = number
        paragraph.append(stripped)

    yield from close_paragraph()
    yield from release()
    yield from warnings
    if block.bad is not None:
        yield block.bad
    elif block.arxiv_id is not None:
        yield Problem(block.arxiv_line, "arXiv: line without a Created: line (truncated record?)")
    elif block.paragraphs:
        yield Problem(block.first_line, "incomplete record at end of file (no arXiv: and Created: lines)")


def parse(text: str) -> tuple[list[PaperRecord], list[Problem]]:
    """Parse a whole string: (records, problems)."""
    return split_results(iter_parse(text_lines(text)))
