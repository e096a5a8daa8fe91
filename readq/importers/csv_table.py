"""CSV or TSV with a header row (spreadsheets, readq's own CSV export).

Columns are matched by name, case-insensitively; unknown columns are ignored.
Rows are streamed, and each keeps the number of the line it starts on even
when a quoted cell spans several lines.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from readq.importers import fields
from readq.importers.common import split_results
from readq.importers.decode import NumberedLine, text_lines
from readq.models import PaperRecord, Problem

NAME = "csv"

# Our field -> accepted column names, best first.
COLUMNS = {
    "title": ("title",),
    "abstract": ("abstract", "summary"),
    "authors": ("authors", "author"),
    "arxiv": ("arxiv_id", "arxiv", "arxiv id", "eprint", "id"),
    "doi": ("doi",),
    "url": ("url", "link"),
    "date": ("date", "created", "published", "year"),
    "updated": ("updated", "update_date"),
    "categories": ("categories", "keywords"),
    "comments": ("comments", "comment"),
}
KNOWN = {name for names in COLUMNS.values() for name in names}


def delimiter_of(header: str) -> str:
    if "\t" in header:
        return "\t"
    return ";" if ";" in header and "," not in header else ","


def header_cells(line: str) -> list[str]:
    cells = next(csv.reader([line], delimiter=delimiter_of(line)))
    return [cell.strip().strip('"').strip().casefold() for cell in cells]


def looks_like_header(line: str) -> bool:
    """A header row: two or more short name-like cells, one of them title or abstract."""
    cells = header_cells(line)
    return (
        len(cells) >= 2
        and all(len(cell) <= 40 for cell in cells)
        and bool({"title", "abstract"} & set(cells))
    )


def _row_record(row: dict[str, str], line: int) -> Iterator[PaperRecord | Problem]:
    def cell(field: str) -> str | None:
        for name in COLUMNS[field]:
            value = row.get(name, "").strip()
            if value:
                # readq's CSV export guards formula-like cells with a ' for spreadsheets.
                return value[1:] if value[:1] == "'" and value[1:2] in ("=", "+", "-", "@") else value
        return None

    raw_id = cell("arxiv")
    arxiv, problems = (None, []) if raw_id is None else fields.checked_arxiv_id(raw_id, line)
    if raw_id and raw_id.isdigit():  # readq's own numeric `id` column, not an arXiv id
        arxiv, problems = None, []
    yield from problems
    raw_categories = cell("categories") or ""
    # arXiv writes categories space-separated, spreadsheets list keywords with commas.
    terms = (fields.split_keywords(raw_categories) if "," in raw_categories or ";" in raw_categories
             else raw_categories.split())
    yield from fields.make_record(
        line,
        abstract=cell("abstract"),
        # readq's own CSV: a derived headline is not a title.
        title=None if row.get("headline_derived", "").strip() == "1" else cell("title"),
        arxiv=arxiv,
        authors=cell("authors"),
        comments=cell("comments"),
        cats=fields.categories(terms),
        doi_=fields.doi(cell("doi")),
        url=cell("url"),
        created=fields.iso_date(cell("date")),
        updated=fields.iso_date(cell("updated")),
    )


def iter_parse(lines: Iterable[NumberedLine]) -> Iterator[PaperRecord | Problem]:
    position = {"line": 0}
    bad: list[int] = []

    def feed() -> Iterator[str]:
        for number, line in lines:
            position["line"] = number
            if line is None:
                bad.append(number)
                line = ""
            yield line + "\n"

    source = feed()
    for header_line in source:
        if header_line.strip():
            break
    else:
        return
    delimiter = delimiter_of(header_line)
    names = header_cells(header_line)
    if not {"title", "abstract"} & set(names):
        yield Problem(position["line"], "header row names neither a title nor an abstract column")
        return
    reader = csv.reader(source, delimiter=delimiter)
    while True:
        start = position["line"] + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            yield Problem(start, f"malformed row ({error})")
            continue
        if bad and bad[-1] >= start:
            yield Problem(bad[-1], "not valid UTF-8 text")
            continue
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(names):
            yield Problem(start, f"row has {len(cells)} cells, the header {len(names)}", rejected=False)
        yield from _row_record(dict(zip(names, cells)), start)


def parse(text: str) -> tuple[list[PaperRecord], list[Problem]]:
    """Parse a whole string: (records, problems)."""
    return split_results(iter_parse(text_lines(text)))
