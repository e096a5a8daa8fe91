"""CSV or TSV with a header row: spreadsheets, readq's own CSV export, and the
exports of reference tools (Zotero, Scopus, JabRef, IEEE Xplore, a Mendeley
database dump) and Web of Science's tab-delimited files.

Columns are matched by name, case-insensitively; unknown columns are ignored.
When a column feeds a field under another name (Zotero's `Abstract Note`,
Web of Science's `AB`), one warning line on the header says so. Rows are
streamed, and each keeps the number of the line it starts on even when a
quoted cell spans several lines.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator

from readq.importers import fields
from readq.importers.common import split_results
from readq.importers.decode import NumberedLine, text_lines
from readq.importers.latex import latex_to_text
from readq.models import PaperRecord, Problem

NAME = "csv"

# Our field -> accepted column names (casefolded), best first.
COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("title", "document title", "article title"),
    "abstract": ("abstract", "abstract note", "summary"),
    "authors": ("author full names", "authors", "author"),  # Scopus: full names, then "Vaswani A."
    "arxiv": ("arxiv_id", "arxiv", "arxiv id", "arxivid", "eprint", "id"),
    "doi": ("doi",),
    "url": ("url", "link"),
    "date": ("date", "created", "published", "year", "publication year"),
    "updated": ("updated", "update_date"),
    "categories": ("categories", "keywords", "author keywords", "manual tags", "automatic tags",
                   "tags"),
    "comments": ("comments", "comment"),
}
# Web of Science tab-delimited export: two-letter field tags. Its `ID` is Keywords Plus
# and `SO` the journal, so the generic names above must not apply.
WOS_COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("ti",),
    "abstract": ("ab",),
    "authors": ("af", "au"),  # full names, else "Kanjo, E"
    "doi": ("di",),
    "date": ("py",),
    "categories": ("de", "id"),  # author keywords, else Keywords Plus
}
# JabRef's "OpenOffice/LibreOffice CSV" export writes the abstract in Custom1 and the
# keywords in Custom3 (its layout file), and values keep their LaTeX.
JABREF_COLUMNS: dict[str, tuple[str, ...]] = {
    **COLUMNS,
    "abstract": ("custom1",),
    "categories": ("custom3",),
    "comments": ("note",),
}
# Columns that may mention an arXiv id (`arXiv:1706.03762 [cs]`, an abs URL) when
# no column holds the id itself: Zotero's Url, Extra and Number (a preprint's Archive ID).
ARXIV_MENTIONS = ("url", "link", "extra", "number", "note", "archive id")
# Column names that say plainly which field they feed: no need to mention them.
_OBVIOUS = {
    "title": {"title"}, "abstract": {"abstract"}, "authors": {"authors", "author"},
    "arxiv": {"arxiv", "arxivid"}, "doi": {"doi"}, "url": {"url"},
    "date": {"date", "created"}, "updated": {"updated"}, "categories": {"categories"},
    "comments": {"comments", "comment"},
}
_NO_ABSTRACT = {"[no abstract available]", "no abstract available"}  # Scopus writes this
_SCOPUS_AUTHOR_ID = re.compile(r"\s*\(\d+\)")  # "Vaswani, Ashish (57194545389)"
_MONTH = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)", re.IGNORECASE)
_MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()
_TITLE_OR_ABSTRACT = {name for key in ("title", "abstract") for name in COLUMNS[key]}


def delimiter_of(header: str) -> str:
    if "\t" in header:
        return "\t"
    return ";" if ";" in header and "," not in header else ","


def _header_names(line: str) -> list[str]:
    cells = next(csv.reader([line], delimiter=delimiter_of(line)), [])
    return [cell.strip().strip('"').strip() for cell in cells]


def header_cells(line: str) -> list[str]:
    return [cell.casefold() for cell in _header_names(line)]


def _is_wos(cells: list[str]) -> bool:
    """Web of Science's header row: two-letter tags, PT first among them, TI or AB."""
    tags = [cell for cell in cells if cell]
    return (len(tags) >= 5 and all(len(tag) == 2 and tag.isalnum() for tag in tags)
            and "pt" in tags and bool({"ti", "ab"} & set(tags)))


def _is_jabref(cells: list[str]) -> bool:
    return "bibliographytype" in cells and "custom1" in cells


def looks_like_header(line: str) -> bool:
    """A header row: two or more short name-like cells, one of them a title or an
    abstract column (or Web of Science's tag row)."""
    cells = header_cells(line)
    return len(cells) >= 2 and all(len(cell) <= 40 for cell in cells) and (
        bool(_TITLE_OR_ABSTRACT & set(cells)) or _is_wos(cells) or _is_jabref(cells))


def _obvious(field: str, column: str) -> bool:
    return re.sub(r"[^a-z0-9]", "", column.casefold()) in _OBVIOUS.get(field, ())


def _authors(value: str | None) -> str | None:
    """`Last, First; Last, First` (Zotero, Scopus, WoS, JabRef) -> `First Last, First Last`."""
    if not value or ";" not in value and not _SCOPUS_AUTHOR_ID.search(value):
        return value
    names = [_SCOPUS_AUTHOR_ID.sub("", name) for name in value.split(";")]
    return fields.names_from_last_first(name for name in names if name.strip())


def _terms(raw: str) -> list[str]:
    # Reference tools separate keywords with "; ", spreadsheets with commas, arXiv with spaces.
    if ";" in raw:
        return [item for item in raw.split(";") if item.strip()]
    return fields.split_keywords(raw) if "," in raw else raw.split()


def _wos_date(year: str | None, published: str | None) -> str | None:
    """WoS PY `2018` and PD `MAR` or `JUN 12` -> `2018-03`."""
    if not year:
        return None
    month = _MONTH.search(published or "")
    return f"{year}-{_MONTHS.index(month.group(1).casefold()) + 1:02d}" if month else year


class _Table:
    """How one file's columns map to fields, and which columns were used."""

    def __init__(self, names: list[str]):
        self.names = names
        self.keys = [name.casefold() for name in names]
        self.kind = "wos" if _is_wos(self.keys) else "jabref" if _is_jabref(self.keys) else "csv"
        self.columns = {"wos": WOS_COLUMNS, "jabref": JABREF_COLUMNS}.get(self.kind, COLUMNS)
        self.original = {}
        for name, key in zip(names, self.keys):
            self.original.setdefault(key, name)
        self.used: dict[tuple[str, str], None] = {}  # (field, column) in order of first use

    def find(self, row: dict[str, str], field: str) -> tuple[str | None, str]:
        """(the first non-empty value for `field`, its column), not yet counted as used."""
        for name in self.columns.get(field, ()):
            value = row.get(name, "").strip()
            if value:
                # readq's CSV export guards formula-like cells with a ' for spreadsheets.
                if value[:1] == "'" and value[1:2] in ("=", "+", "-", "@"):
                    value = value[1:]
                return value, name
        return None, ""

    def use(self, field: str, column: str) -> None:
        self.used.setdefault((field, column), None)

    def cell(self, row: dict[str, str], field: str) -> str | None:
        value, column = self.find(row, field)
        if value is not None:
            self.use(field, column)
        return value

    def summary(self) -> str | None:
        """`csv: abstract from "Abstract Note", categories from "Manual Tags"`, or None."""
        sources: dict[str, list[str]] = {}
        for field, column in self.used:
            if not _obvious(field, column):
                sources.setdefault(field, []).append(f'"{self.original.get(column, column)}"')
        if not sources:
            return None
        label = {"wos": "Web of Science tags", "jabref": "JabRef CSV"}.get(self.kind, "csv")
        parts = [f"{'arXiv id' if field == 'arxiv' else field} from {' or '.join(columns)}"
                 for field, columns in sources.items()]
        return f"{label}: {', '.join(parts)}"


def _row_record(table: _Table, row: dict[str, str], line: int) -> Iterator[PaperRecord | Problem]:
    cell = table.cell
    raw_id, id_column = table.find(row, "arxiv")
    arxiv, problems = None, []
    if raw_id is not None and not raw_id.isdigit():  # readq's own numeric `id` is no arXiv id
        table.use("arxiv", id_column)
        arxiv, problems = fields.checked_arxiv_id(raw_id, line)
    if raw_id is None or raw_id.isdigit():
        for name in ARXIV_MENTIONS:
            arxiv = fields.arxiv_id_in(row.get(name))
            if arxiv:
                table.use("arxiv", name)
                break
    yield from problems
    abstract, abstract_column = table.find(row, "abstract")
    if abstract and abstract.casefold() in _NO_ABSTRACT:
        abstract = None
    elif abstract:
        table.use("abstract", abstract_column)
    title = cell(row, "title")
    authors = _authors(cell(row, "authors"))
    if table.kind == "jabref":  # JabRef writes BibTeX values as they are: LaTeX included
        abstract, title, authors = (latex_to_text(value) if value else value
                                    for value in (abstract, title, authors))
    if table.kind == "wos":
        created = fields.iso_date(_wos_date(cell(row, "date"), row.get("pd")))
    else:
        created = fields.iso_date(cell(row, "date"))
    yield from fields.make_record(
        line,
        abstract=abstract,
        # readq's own CSV: a derived headline is not a title.
        title=None if row.get("headline_derived", "").strip() == "1" else title,
        arxiv=arxiv,
        authors=authors,
        comments=cell(row, "comments"),
        cats=fields.categories(_terms(cell(row, "categories") or "")),
        doi_=fields.doi(cell(row, "doi")),
        url=cell(row, "url"),
        created=created,
        updated=fields.iso_date(cell(row, "updated")),
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
    header_number = position["line"]
    table = _Table(_header_names(header_line))
    if not (set(table.columns["title"]) | set(table.columns["abstract"])) & set(table.keys):
        yield Problem(header_number, "header row names neither a title nor an abstract column")
        return
    # Web of Science does not quote its cells: a `"` inside an abstract is text.
    quoting = csv.QUOTE_NONE if table.kind == "wos" else csv.QUOTE_MINIMAL
    reader = csv.reader(source, delimiter=delimiter_of(header_line), quoting=quoting)
    width = len(table.keys)
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
        if any(cell.strip() for cell in cells[width:]):  # WoS ends each row with a tab
            yield Problem(start, f"row has {len(cells)} cells, the header {width}", rejected=False)
        yield from _row_record(table, dict(zip(table.keys, cells)), start)
    summary = table.summary()
    if summary:
        yield Problem(header_number, summary, rejected=False)


def parse(text: str) -> tuple[list[PaperRecord], list[Problem]]:
    """Parse a whole string: (records, problems)."""
    return split_results(iter_parse(text_lines(text)))
