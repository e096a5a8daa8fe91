"""Field checks shared by the metadata formats (BibTeX, RIS, CSV, arXiv Atom/JSON).

These formats carry titles, so unlike plain text and listings a record may
have no abstract (or a short one): the title is the headline. Each record is
built by `make_record`, which cleans every field the same way and says why a
record was dropped or what was changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date
from email.utils import parsedate_to_datetime

from readq.errors import UnusableInput
from readq.importers.arxiv_listing import normalise_arxiv_id
from readq.importers.common import (
    MAX_ABSTRACT_CHARS,
    abstract_problem,
    clean_field,
    short_abstract_warning,
)
from readq.importers.decode import NumberedLine
from readq.models import PaperRecord, Problem
from readq.textclean import normalise_whitespace

NO_ABSTRACT = "no abstract (imported with its title only)"
_ARXIV_PREFIX = re.compile(
    r"^(?:arxiv:\s*|https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/)", re.IGNORECASE
)
_ARXIV_IN_TEXT = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf)/|arxiv:\s*)([a-z-]+(?:\.[A-Z]{2})?/\d{7}|\d{4}\.\d{4,5})",
    re.IGNORECASE,
)
_DOI_PREFIX = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)", re.IGNORECASE)
_YMD = re.compile(r"^(\d{4})(?:[-/](\d{1,2})(?:[-/](\d{1,2}))?)?(?:[T /].*)?$")
_ARXIV_CATEGORY = re.compile(r"^[a-z-]+(?:\.[A-Za-z-]+)?$")


def arxiv_id(raw: str | None) -> str | None:
    """`1706.03762v5`, `arXiv:1706.03762`, an abs/pdf URL -> `1706.03762`; None if not an id."""
    if not raw:
        return None
    text = _ARXIV_PREFIX.sub("", raw.strip())
    text = text.removesuffix(".pdf")
    return normalise_arxiv_id(text)


def arxiv_id_in(text: str | None) -> str | None:
    """An arXiv id mentioned in a URL or a `journal = {arXiv preprint arXiv:…}` field."""
    match = _ARXIV_IN_TEXT.search(text or "")
    return normalise_arxiv_id(match.group(1)) if match else None


def doi(raw: str | None) -> str | None:
    """DOIs compare case-insensitively, so they are kept lowercased, without a URL prefix."""
    text = _DOI_PREFIX.sub("", (raw or "").strip()).strip()
    return text.lower() if text.startswith("10.") else None


def iso_date(raw: str | None) -> str | None:
    """YYYY-MM-DD (or YYYY-MM, YYYY when that is all there is) from the common spellings:
    ISO dates and timestamps, RIS `2017/06/12/`, RFC 2822 (`Mon, 2 Apr 2007 19:18:42 GMT`)."""
    text = (raw or "").strip().rstrip("/")
    if not text:
        return None
    match = _YMD.match(text)
    if match:
        year, month, day = match.groups()
        try:
            if day:
                return date(int(year), int(month), int(day)).isoformat()
            if month:
                return f"{year}-{date(int(year), int(month), 1).month:02d}"
        except ValueError:
            return None
        return year
    try:
        return parsedate_to_datetime(text).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return None


def categories(items: Iterable[str]) -> str | None:
    """arXiv category codes space-separated as arXiv writes them; other keywords comma-separated."""
    kept: list[str] = []
    for item in items:
        item = normalise_whitespace(item)
        if item and not item.casefold().startswith("readq-"):
            kept.append(item)  # readq-* keywords are readq's own reading state: not categories
    if not kept:
        return None
    if all(_ARXIV_CATEGORY.match(item) and "." in item for item in kept):
        return " ".join(kept)
    return ", ".join(kept)


def split_keywords(text: str | None) -> list[str]:
    """Keywords are comma-separated; some tools use semicolons when there is no comma."""
    text = text or ""
    return [item for item in text.split("," if "," in text else ";") if item.strip()]


def make_record(
    line: int,
    *,
    abstract: str | None,
    title: str | None = None,
    arxiv: str | None = None,
    authors: str | None = None,
    comments: str | None = None,
    cats: str | None = None,
    doi_: str | None = None,
    url: str | None = None,
    created: str | None = None,
    updated: str | None = None,
) -> Iterator[PaperRecord | Problem]:
    """Clean and check one record's fields; yield a warning, then the record or why not."""
    warnings: list[Problem] = []

    def text(value: str | None) -> str | None:
        value = normalise_whitespace(clean_field(value, line, warnings)) if value else ""
        return value or None

    record = PaperRecord(
        abstract=text(abstract) or "",
        line=line,
        title=text(title),
        arxiv_id=arxiv,
        authors=text(authors),
        comments=text(comments),
        categories=text(cats),
        doi=doi_,
        url=text(url),
        created=created,
        updated=updated,
    )
    if warnings:
        yield warnings[0]  # one "control characters removed" per record is enough
    if record.title is None:
        # No title: the headline is derived from the abstract, which must be one.
        reason = abstract_problem(record.abstract) if record.abstract else "no title and no abstract"
    else:
        # With a title a short abstract is still worth keeping, a pasted file is not.
        reason = abstract_problem(record.abstract) if len(record.abstract) > MAX_ABSTRACT_CHARS else None
    if reason:
        yield Problem(line, reason)
        return
    if not record.abstract:
        yield Problem(line, NO_ABSTRACT, rejected=False)
    elif record.title is None and (warning := short_abstract_warning(record.abstract, line)):
        yield warning
    yield record


def checked_arxiv_id(raw: str | None, line: int) -> tuple[str | None, list[Problem]]:
    """The id, or None with a warning when the field holds something else."""
    if not raw or not raw.strip():
        return None, []
    found = arxiv_id(raw)
    if found is None:
        return None, [Problem(line, f"ignored malformed arXiv id {raw.strip()[:40]!r}", rejected=False)]
    return found, []


def whole_text(lines: Iterable[NumberedLine], name: str) -> tuple[str, int]:
    """Join numbered lines for formats parsed as one document: (text, first line number).
    A line of invalid UTF-8 makes such a document unusable, so it is refused here."""
    parts: list[str] = []
    first = 0
    for number, line in lines:
        if not first:
            first = number
        if line is None:
            raise UnusableInput(f"line {number}: not valid UTF-8 text (cannot read this {name} file)")
        parts.append(line)
    return "\n".join(parts), first or 1


def names_from_last_first(names: Iterable[str]) -> str | None:
    """`Vaswani, Ashish` -> `Ashish Vaswani`; names joined with commas as arXiv lists them."""
    readable = []
    for name in names:
        parts = [part.strip() for part in name.split(",")]
        if len(parts) == 2 and parts[1]:
            name = f"{parts[1]} {parts[0]}"
        elif len(parts) == 3 and parts[2]:  # Last, Jr, First
            name = f"{parts[2]} {parts[0]} {parts[1]}"
        name = normalise_whitespace(name)
        if name:
            readable.append(name)
    return ", ".join(readable) or None
