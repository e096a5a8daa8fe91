"""BibTeX and BibLaTeX (`.bib`) via bibtexparser 2.

Every entry with a title or an abstract becomes a record; `@string` macros are
resolved, `@comment` and `@preamble` skipped, `crossref` parents lend their
fields to their children, and a malformed entry is reported by its line while
the rest of the file is imported. LaTeX accents and braces become Unicode
(`{\\"u}` -> ü); math (`$...$`) stays as written. The user's own fields
(`annote`, `readq-*` keywords) are not reading state an import may change.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator

from readq.importers import fields
from readq.importers.common import split_results
from readq.importers.decode import NumberedLine, text_lines
from readq.importers.latex import latex_to_text
from readq.models import PaperRecord, Problem

NAME = "bibtex"

# bibtexparser logs each malformed block to stderr; readq reports them as problems.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())
logging.getLogger("bibtexparser").propagate = False

_MONTHS = {name: number for number, name in enumerate(
    "jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}


def split_top(value: str, separator: re.Pattern[str]) -> list[str]:
    """Split at `separator` outside braces (`{Barnes and Noble}` is one name)."""
    pieces, depth, start, position = [], 0, 0, 0
    while position < len(value):
        char = value[position]
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(0, depth - 1)
        elif depth == 0:
            match = separator.match(value, position)
            if match and match.end() > position:
                pieces.append(value[start:position])
                start = position = match.end()
                continue
        position += 1
    pieces.append(value[start:])
    return [piece.strip() for piece in pieces if piece.strip()]


def authors_text(value: str | None) -> str | None:
    if not value:
        return None
    names = []
    for name in split_top(value, re.compile(r"\s+and\s+", re.IGNORECASE)):
        if name.casefold() == "others":
            names.append("et al.")
            continue
        parts = [latex_to_text(part) for part in split_top(name, re.compile(r","))]
        names.append(", ".join(parts))
    return fields.names_from_last_first(names)


def _created(entry: dict[str, str]) -> str | None:
    if entry.get("date"):
        return fields.iso_date(entry["date"])
    year = (entry.get("year") or "").strip()
    if not re.fullmatch(r"\d{4}", year):
        return None
    month = (entry.get("month") or "").strip().casefold()
    number = int(month) if month.isdigit() else _MONTHS.get(month[:3])
    return f"{year}-{number:02d}" if number and 1 <= number <= 12 else year


def _arxiv(entry: dict[str, str], line: int) -> tuple[str | None, list[Problem]]:
    prefix = (entry.get("archiveprefix") or entry.get("eprinttype") or "").strip().casefold()
    if entry.get("eprint") and prefix in ("arxiv", ""):
        found, problems = fields.checked_arxiv_id(entry["eprint"], line)
        if found or prefix:
            return found, problems
    if entry.get("arxivid"):
        return fields.checked_arxiv_id(entry["arxivid"], line)
    for key in ("url", "journal", "note", "howpublished"):
        found = fields.arxiv_id_in(entry.get(key))
        if found:
            return found, []
    return None, []


def _record(entry: dict[str, str], line: int) -> Iterator[PaperRecord | Problem]:
    arxiv, problems = _arxiv(entry, line)
    yield from problems
    keywords = fields.split_keywords(entry.get("keywords"))
    if not keywords and entry.get("primaryclass"):
        keywords = [entry["primaryclass"]]
    yield from fields.make_record(
        line,
        abstract=latex_to_text(entry.get("abstract") or ""),
        title=latex_to_text(entry.get("title") or ""),
        arxiv=arxiv,
        authors=authors_text(entry.get("author")),
        comments=latex_to_text(entry.get("note") or ""),
        cats=fields.categories(latex_to_text(word) for word in keywords),
        doi_=fields.doi(entry.get("doi")),
        url=entry.get("url"),
        created=_created(entry),
    )


def _failure_reason(error: Exception) -> str:
    text = getattr(error, "abort_reason", None) or str(error) or type(error).__name__
    return " ".join(text.split())


_DELIMITERS = re.compile(r'(?<!\\)["{}]')
_WORD = re.compile(r"[^\s#]+")


def _closing(raw: str, start: int) -> int:
    """Index of the `}` or `"` that closes the delimiter at `start` (or the end)."""
    quote, depth = raw[start] == '"', 0 if raw[start] == '"' else 1
    for match in _DELIMITERS.finditer(raw, start + 1):
        char = match.group()
        if char == '"':
            if quote and depth == 0:
                return match.start()
            continue
        depth += 1 if char == "{" else -1
        if depth == 0 and not quote:
            return match.start()
    return len(raw)


def _resolve(raw: str, strings: dict[str, str]) -> str:
    """A field's value: `{...}`, `"..."`, numbers and @string names joined by `#`."""
    if raw.startswith("{") and _closing(raw, 0) == len(raw) - 1:
        return raw[1:-1]  # the common case: one braced value
    pieces, position = [], 0
    while position < len(raw):
        char = raw[position]
        if char.isspace() or char == "#":
            position += 1
        elif char in "{\"":
            end = _closing(raw, position)
            pieces.append(raw[position + 1 : end])
            position = end + 1
        else:
            word = _WORD.match(raw, position).group()
            pieces.append(strings.get(word.casefold(), word))  # unknown names (`jun`) stay
            position += len(word)
    return "".join(pieces)


def iter_parse(lines: Iterable[NumberedLine]) -> Iterator[PaperRecord | Problem]:
    import bibtexparser
    from bibtexparser import model

    texts, bad_lines, first = [], [], 0
    for number, line in lines:
        first = first or number
        if line is None:
            bad_lines.append(number)
        texts.append(line or "")
    first = first or 1
    # An empty parse stack keeps values raw: `#` concatenation is resolved here.
    library = bibtexparser.parse_string("\n".join(texts), parse_stack=[])
    strings: dict[str, str] = {}
    for string in library.strings:
        strings[string.key.casefold()] = _resolve(str(string.value), strings)
    blocks = sorted(library.blocks, key=lambda block: block.start_line or 0)
    starts = [first + (block.start_line or 0) for block in blocks] + [first + len(texts)]
    # (line, last line, the entry or the problem), in file order.
    found: list[tuple[int, int, model.Entry | Problem]] = []
    for index, block in enumerate(blocks):
        line, end = starts[index], starts[index + 1] - 1
        if isinstance(block, model.DuplicateBlockKeyBlock):
            found.append((line, end, Problem(line, f"duplicate key {block.key!r} (imported anyway)",
                                             rejected=False)))
            block = block.ignore_error_block
        elif isinstance(block, model.ParsingFailedBlock):
            reason = f"malformed BibTeX entry: {_failure_reason(block.error)}"
            found.append((line, end, Problem(line, reason)))
            continue
        if isinstance(block, model.Entry):
            found.append((line, end, block))
    entries = [item for _, _, item in found if isinstance(item, model.Entry)]
    by_key = {entry.key.casefold(): entry for entry in entries}
    parents = {_resolve(str(field.value), strings).strip().casefold()
               for entry in entries for field in entry.fields if field.key.casefold() == "crossref"}
    for line, end, entry in found:
        if isinstance(entry, Problem):
            yield entry
            continue
        values = {field.key.casefold(): _resolve(str(field.value), strings) for field in entry.fields}
        parent = by_key.get(values.get("crossref", "").strip().casefold())
        if parent is not None:
            for field in parent.fields:
                values.setdefault(field.key.casefold(), _resolve(str(field.value), strings))
        if entry.key.casefold() in parents and not values.get("abstract"):
            continue  # a crossref parent (proceedings, book) is not a paper itself
        bad = next((number for number in bad_lines if line <= number <= end), None)
        if bad is not None:
            yield Problem(bad, "not valid UTF-8 text")
            continue
        yield from _record(values, line)


def parse(text: str) -> tuple[list[PaperRecord], list[Problem]]:
    """Parse a whole string: (records, problems)."""
    return split_results(iter_parse(text_lines(text)))
