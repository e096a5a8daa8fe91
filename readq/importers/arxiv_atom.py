"""arXiv API responses (Atom XML): one record per `<entry>`.

Untrusted XML is refused before parsing if it has a DOCTYPE or an ENTITY
declaration: entity expansion ("billion laughs") and external entities both
need one, and the arXiv API never sends one.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator

from readq.errors import UnusableInput
from readq.importers import fields
from readq.importers.common import split_results
from readq.importers.decode import NumberedLine, text_lines
from readq.models import PaperRecord, Problem

NAME = "arxiv-atom"

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
_HOSTILE = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_ENTRY_START = re.compile(r"<(?:[\w.-]+:)?entry[\s>/]")


def _text(element: ET.Element | None) -> str:
    return "".join(element.itertext()) if element is not None else ""


def parse_xml(text: str) -> ET.Element:
    """The document's root element; UnusableInput for hostile or broken XML."""
    hostile = _HOSTILE.search(text)
    if hostile:
        raise UnusableInput(
            f"XML with a {hostile.group(1).upper()} declaration refused"
            " (entities can expand without bound or read local files)"
        )
    parser = ET.XMLParser()
    try:
        parser.feed(text)
        return parser.close()
    except ET.ParseError as error:
        raise UnusableInput(f"not well-formed XML ({error})") from None


def _entry(entry: ET.Element, line: int) -> Iterator[PaperRecord | Problem]:
    raw_id = _text(entry.find(f"{ATOM}id")).strip()
    title = _text(entry.find(f"{ATOM}title"))
    if "/api/errors" in raw_id:
        yield Problem(line, f"arXiv API error: {' '.join(_text(entry.find(f'{ATOM}summary')).split())}")
        return
    arxiv, problems = fields.checked_arxiv_id(raw_id, line)
    yield from problems
    authors = [_text(author.find(f"{ATOM}name")) for author in entry.findall(f"{ATOM}author")]
    primary = entry.find(f"{ARXIV}primary_category")
    terms = [primary.get("term", "")] if primary is not None else []
    terms += [category.get("term", "") for category in entry.findall(f"{ATOM}category")]
    yield from fields.make_record(
        line,
        abstract=_text(entry.find(f"{ATOM}summary")),
        title=title,
        arxiv=arxiv,
        authors=", ".join(" ".join(name.split()) for name in authors if name.strip()),
        comments=_text(entry.find(f"{ARXIV}comment")),
        cats=fields.categories(dict.fromkeys(terms)),  # the primary is listed twice
        doi_=fields.doi(_text(entry.find(f"{ARXIV}doi"))),
        created=fields.iso_date(_text(entry.find(f"{ATOM}published"))),
        updated=fields.iso_date(_text(entry.find(f"{ATOM}updated"))),
    )


def iter_parse(lines: Iterable[NumberedLine]) -> Iterator[PaperRecord | Problem]:
    text, first = fields.whole_text(lines, "XML")
    root = parse_xml(text)
    if root.tag not in (f"{ATOM}feed", f"{ATOM}entry"):
        raise UnusableInput(f"XML is not an Atom feed (root element {root.tag!r})")
    entries = [root] if root.tag == f"{ATOM}entry" else root.findall(f"{ATOM}entry")
    # ElementTree keeps no line numbers; entries appear in the text in document order.
    starts, line, offset = [], first, 0
    for match in _ENTRY_START.finditer(text):
        line, offset = line + text.count("\n", offset, match.start()), match.start()
        starts.append(line)
    if len(starts) != len(entries):
        starts = [first] * len(entries)
    for entry, line in zip(entries, starts):
        yield from _entry(entry, line)


def parse(text: str) -> tuple[list[PaperRecord], list[Problem]]:
    """Parse a whole string: (records, problems)."""
    return split_results(iter_parse(text_lines(text)))
