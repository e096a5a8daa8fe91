"""BibTeX and BibLaTeX (`.bib`) via bibtexparser 2.

Every entry with a title or an abstract becomes a record; `@string` macros are
resolved, `@comment` and `@preamble` skipped, `crossref` parents lend their
fields to their children, and a malformed entry is reported by its line while
the rest of the file is imported. LaTeX accents and braces become Unicode
(`{\\"u}` -> ü); math (`$...$`) stays as written. The user's own fields
(`annote`, `readq-*` keywords) are not reading state an import may change.
A field written twice (ScienceDirect repeats `keywords`, Zotero may write `doi`
twice) keeps its first value, or all of them for `keywords`, with one warning.

The file is split into chunks of entries and parsed chunk by chunk, so a large
file takes no more memory than a small one.
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


# Fields whose repeated values are all kept (ScienceDirect writes one `keywords` per keyword).
_JOINED_FIELDS = {"keywords"}


def _values(entry, strings: dict[str, str]) -> tuple[dict[str, str], str | None]:
    """An entry's fields by lowercase name. A repeated field (`keywords` twice, `doi` and
    `DOI`) keeps its first value, or all of them for `keywords`; the warning says which."""
    values: dict[str, str] = {}
    repeated: dict[str, int] = {}
    for field in entry.fields:
        key = field.key.casefold()
        value = _resolve(str(field.value), strings)
        if key not in values:
            values[key] = value
            continue
        repeated[key] = repeated.get(key, 1) + 1
        if key in _JOINED_FIELDS and value.strip():
            kept = values[key]
            # Keep the separator the values use: semicolons only when no value has a comma.
            separator = "; " if ";" in kept + value and "," not in kept + value else ", "
            values[key] = f"{kept}{separator}{value}" if kept.strip() else value
    if not repeated:
        return values, None
    parts = [f"{key}: {count} values joined" if key in _JOINED_FIELDS
             else f"{key}: first of {count} values kept" for key, count in repeated.items()]
    return values, f"repeated fields in entry {entry.key!r} ({'; '.join(parts)})"


# The file is parsed a few hundred entries at a time, so memory does not grow with it.
# Chunks end where an entry starts: bibtexparser ends any block at an `@type{` anyway.
CHUNK_ENTRIES = 200
CHUNK_CHARS = 1 << 20
_BLOCK_START = re.compile(r"^\s*@\w*[ \t]*[{(]")
# Entry types a `crossref` points to; without an abstract they are not papers themselves.
_CONTAINERS = {"proceedings", "mvproceedings", "book", "mvbook", "collection", "mvcollection",
               "reference", "mvreference", "periodical"}


def _drop_traceback(error: BaseException | None) -> None:
    """A failed block keeps its exception, whose traceback holds the parser's frames and
    so the whole chunk: a cycle only the garbage collector would free, chunk after chunk."""
    while error is not None:
        error.__traceback__ = None
        error = error.__context__


def _chunks(lines: Iterable[NumberedLine]) -> Iterator[tuple[int, list[str], list[int], str]]:
    """(first line number, the lines, numbers of undecodable lines, the line that starts
    the next chunk or "") for each chunk."""
    texts: list[str] = []
    bad: list[int] = []
    first = starts = size = 0
    for number, line in lines:
        if line is not None and _BLOCK_START.match(line):
            if texts and (starts >= CHUNK_ENTRIES or size >= CHUNK_CHARS):
                yield first, texts, bad, line
                texts, bad, starts, size = [], [], 0, 0
            starts += 1
        if not texts:
            first = number
        if line is None:
            bad.append(number)
        texts.append(line or "")
        size += len(line or "")
    if texts:
        yield first, texts, bad, ""


def iter_parse(lines: Iterable[NumberedLine]) -> Iterator[PaperRecord | Problem]:
    """Records in file order, except that a crossref child waits for its parent and an
    unreferenced container entry without an abstract (a @proceedings) comes at the end."""
    import bibtexparser
    from bibtexparser import model

    strings: dict[str, str] = {}
    keys: set[str] = set()  # entry keys seen, for the duplicate-key warning
    containers: dict[str, tuple[int, dict[str, str], list[Problem]]] = {}  # held until the end
    lenders: dict[str, dict[str, str]] = {}  # containers' fields, for children that come later
    referenced: set[str] = set()  # crossref targets seen so far
    waiting: dict[str, list[tuple[int, dict[str, str], list[Problem]]]] = {}  # children by parent

    def output(line: int, values: dict[str, str], before: list[Problem]) -> Iterator[PaperRecord | Problem]:
        yield from before
        yield from _record(values, line)

    for first, texts, bad_lines, following in _chunks(lines):
        # An empty parse stack keeps values raw: `#` concatenation is resolved here. The next
        # chunk's first line ends an unclosed entry as it would in one whole parse.
        library = bibtexparser.parse_string("\n".join([*texts, following]), parse_stack=[])
        blocks = sorted((block for block in library.blocks if (block.start_line or 0) < len(texts)),
                        key=lambda block: block.start_line or 0)
        for block in library.failed_blocks:
            _drop_traceback(block.error)
        for string in library.strings:
            if (string.start_line or 0) < len(texts):
                strings[string.key.casefold()] = _resolve(str(string.value), strings)
        starts = [first + (block.start_line or 0) for block in blocks] + [first + len(texts)]
        del library, texts
        for index, block in enumerate(blocks):
            line, end = starts[index], starts[index + 1] - 1
            if isinstance(block, (model.DuplicateFieldKeyBlock, model.DuplicateBlockKeyBlock)):
                block = block.ignore_error_block  # repeated fields: merged in _values, with a warning
            elif isinstance(block, model.ParsingFailedBlock):
                yield Problem(line, f"malformed BibTeX entry: {_failure_reason(block.error)}")
                continue
            if not isinstance(block, model.Entry):
                continue
            before: list[Problem] = []
            if block.key in keys:
                before.append(Problem(line, f"duplicate key {block.key!r} (imported anyway)", rejected=False))
            keys.add(block.key)
            values, warning = _values(block, strings)
            key = block.key.casefold()
            bad = next((number for number in bad_lines if line <= number <= end), None)
            parent_key = values.get("crossref", "").strip().casefold()
            if parent_key:
                referenced.add(parent_key)
                containers.pop(parent_key, None)  # a parent held back is not a paper itself
            if key in waiting or key in referenced and not values.get("abstract"):
                children = waiting.pop(key, [])
                for child_line, child_values, child_before in children:
                    for name, value in values.items():
                        child_values.setdefault(name, value)
                if not values.get("abstract"):
                    before = []  # a crossref parent (proceedings, book) is not a paper itself
                    for child in children:
                        yield from output(*child)
                    continue
            else:
                children = []
            if bad is not None:
                yield Problem(bad, "not valid UTF-8 text")
                for child in children:
                    yield from output(*child)
                continue
            if warning:
                before.append(Problem(line, warning, rejected=False))
            if parent_key:
                if parent_key in lenders:
                    for name, value in lenders[parent_key].items():
                        values.setdefault(name, value)
                else:
                    waiting.setdefault(parent_key, []).append((line, values, before))
                    continue
            if not values.get("abstract") and block.entry_type.casefold() in _CONTAINERS:
                lenders[key] = values
                containers[key] = (line, values, before)  # a parent, if a later entry says so
            else:
                yield from output(line, values, before)
            for child in children:
                yield from output(*child)
    # Children whose parent never came, then containers no child pointed to, in file order.
    held = [child for children in waiting.values() for child in children] + list(containers.values())
    for item in sorted(held, key=lambda item: item[0]):
        yield from output(*item)


def parse(text: str) -> tuple[list[PaperRecord], list[Problem]]:
    """Parse a whole string: (records, problems)."""
    return split_results(iter_parse(text_lines(text)))
