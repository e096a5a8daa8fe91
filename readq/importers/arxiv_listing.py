"""arXiv listing blocks.

Each paper: the abstract paragraph (hard-wrapped lines are joined), optional
comment paragraphs, an ``arXiv:ID`` line and a ``Created: DATE [Updated: DATE]``
line. Blank lines separate paragraphs; a paper ends at its Created line, so
blocks that run together without a blank line still parse. A comment written on
the line right under the abstract is recognised by what it says (comments.py).

Text before a block that is not part of it is reported by its line, never glued
to the block; when it is plain text, one abstract per line (each line long and
complete), those lines are imported as plain abstracts with one warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date

from readq.importers.comments import ends_sentence, looks_like_comment, trailing_comments
from readq.importers.common import (
    abstract_problem,
    clean_field,
    short_abstract_warning,
    split_results,
)
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


Paragraph = list[tuple[int, str]]  # (line number, stripped text) of each of its lines


def _text(paragraph: Paragraph) -> str:
    return " ".join(text for _, text in paragraph)


def _is_plain_run(paragraph: Paragraph) -> bool:
    """Lines that are each a whole abstract (plain text, one per line), not one wrapped one."""
    return len(paragraph) >= 2 and all(
        len(text) > LONGEST_COMMENT and ends_sentence(text) for _, text in paragraph)


def _plain_records(paragraph: Paragraph, before: int) -> Iterator[PaperRecord | Problem]:
    first, last = paragraph[0][0], paragraph[-1][0]
    where = f"before the listing block at line {before}" if before else "after the listing blocks"
    yield Problem(first, f"lines {first}-{last} are plain text, one abstract per line, {where}:"
                         " imported as plain abstracts", rejected=False)
    for number, text in paragraph:
        abstract = normalise_whitespace(text)
        reason = abstract_problem(abstract)
        if reason:
            yield Problem(number, reason)
        else:
            yield PaperRecord(abstract=abstract, line=number)


@dataclass
class _Block:
    paragraphs: list[Paragraph] = field(default_factory=list)
    arxiv_id: str | None = None
    arxiv_line: int = 0
    bad: Problem | None = None  # the first reason this block cannot be imported

    @property
    def first_line(self) -> int:
        return self.paragraphs[0][0][0] if self.paragraphs else self.arxiv_line

    def reject(self, line: int, reason: str) -> None:
        if self.bad is None:
            self.bad = Problem(line, reason)


def iter_parse(lines: Iterable[NumberedLine]) -> Iterator[PaperRecord | Problem]:
    block = _Block()
    paragraph: Paragraph = []
    warnings: list[Problem] = []
    finished: PaperRecord | None = None  # held back: an Updated: line may follow

    def orphans(reason: str, before: int) -> Iterator[PaperRecord | Problem]:
        """The block's paragraphs belong to no block: plain abstracts, else one problem."""
        paragraphs = block.paragraphs
        if _is_plain_run(paragraphs[0]):
            yield from _plain_records(paragraphs.pop(0), before)
            if block.bad is not None and not paragraphs:
                yield block.bad  # a line of bad bytes among them
        if paragraphs:
            yield Problem(paragraphs[0][0][0], reason)
        block.paragraphs = []
        block.bad = None

    def close_paragraph() -> Iterator[PaperRecord | Problem]:
        nonlocal paragraph
        if not paragraph:
            return
        if block.paragraphs and block.arxiv_id is None and (
            len(_text(paragraph)) > LONGEST_COMMENT
            or _is_plain_run(block.paragraphs[0]) and not looks_like_comment(_text(paragraph))
        ):
            # A second abstract before any arXiv: line: the text before it is orphaned.
            yield from orphans("abstract without arXiv: and Created: lines", paragraph[0][0])
        block.paragraphs.append(paragraph)
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
        first, *others = current.paragraphs
        texts = [text for _, text in first]
        # Comment lines written right under the abstract, without a blank line.
        under = trailing_comments(texts)
        abstract = normalise_whitespace(" ".join(texts[: len(texts) - under]))
        reason = abstract_problem(abstract)
        if reason:
            yield Problem(current.first_line, reason)
            return
        warning = short_abstract_warning(abstract, current.first_line)
        if warning:
            yield warning
        comments = "\n".join(
            [normalise_whitespace(text) for text in texts[len(texts) - under:]]
            + [normalise_whitespace(_text(other)) for other in others]
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
        paragraph.append((number, stripped))

    yield from close_paragraph()
    yield from release()
    yield from warnings
    if block.bad is not None:
        yield block.bad
    elif block.arxiv_id is not None:
        yield Problem(block.arxiv_line, "arXiv: line without a Created: line (truncated record?)")
    elif block.paragraphs:
        yield from orphans("incomplete record at end of file (no arXiv: and Created: lines)", 0)


def parse(text: str) -> tuple[list[PaperRecord], list[Problem]]:
    """Parse a whole string: (records, problems)."""
    return split_results(iter_parse(text_lines(text)))
