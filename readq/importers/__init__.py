"""Importers: pure functions from text to paper records and problems.

`open_source` turns a path (or `-` for stdin) into numbered lines; `detect_format`
looks at the first lines; `iter_parse` streams records so that a million-line
file is never held in memory.
"""

from __future__ import annotations

import itertools
import json
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from readq.errors import UnusableInput
from readq.importers import (
    arxiv_atom,
    arxiv_json,
    arxiv_listing,
    bibtex,
    csv_table,
    plain,
    readq_json,
    ris,
)
from readq.importers.decode import NumberedLine, numbered_lines
from readq.models import PaperRecord, Problem

PARSERS = {
    plain.NAME: plain.iter_parse,
    arxiv_listing.NAME: arxiv_listing.iter_parse,
    bibtex.NAME: bibtex.iter_parse,
    arxiv_atom.NAME: arxiv_atom.iter_parse,
    arxiv_json.NAME: arxiv_json.iter_parse,
    ris.NAME: ris.iter_parse,
    csv_table.NAME: csv_table.iter_parse,
    readq_json.NAME: readq_json.iter_parse,
}
FORMATS = tuple(PARSERS)
_DETECT_LINES = 400
# A listing's structure, not a prefix: an `arXiv:` line holding only an id, or a
# `Created:` line holding only a date (and an `Updated:` date). "arXiv:1706.03762
# introduced the Transformer ..." and "Created: a benchmark ..." are sentences.
_LISTING_MARKER = re.compile(
    r"^\s*(?:arxiv:\s*\S+|created:\s*\d\S*(?:\s+updated:\s*\S*)?)\s*$", re.IGNORECASE
)
_JSON_ARRAY = re.compile(r"^\s*\[\s*(\{|\]\s*$)")
_XML_START = re.compile(
    r"^\s*<(\?xml|!DOCTYPE|!ENTITY|!--|(?:[\w.-]+:)?(?:feed|entry)[\s>])", re.IGNORECASE
)
_BIBTEX_ENTRY = re.compile(r"^\s*@[a-z]+\s*[{(]", re.IGNORECASE)


def _detect_json(text: str) -> str | None:
    if _JSON_ARRAY.match(text):
        return readq_json.NAME
    first = text.lstrip().split("\n", 1)[0]
    if not first.startswith("{"):
        return None
    try:
        value = json.loads(first)
    except ValueError:
        return None
    if not isinstance(value, dict):
        return None
    return readq_json.NAME if readq_json.MARKER_KEYS & value.keys() else arxiv_json.NAME


def detect_format(first_lines: Iterable[NumberedLine]) -> str:
    """The format of a file from its first lines: JSON (readq's or arXiv's), XML,
    BibTeX, RIS, CSV/TSV with a header, an arXiv listing, else plain text."""
    lines = [line for _, line in first_lines if line is not None]
    text = "\n".join(lines)
    found = _detect_json(text)
    if found:
        return found
    if _XML_START.match(text):
        return arxiv_atom.NAME
    if any(_BIBTEX_ENTRY.match(line) for line in lines):
        return bibtex.NAME
    if any(line.startswith("TY  -") for line in lines):
        return ris.NAME
    first = next((line for line in lines if line.strip()), "")
    if csv_table.looks_like_header(first):
        return csv_table.NAME
    for line in lines:
        if _LISTING_MARKER.match(line):
            return arxiv_listing.NAME
    return plain.NAME


def iter_parse(
    lines: Iterable[NumberedLine], format: str | None = None
) -> tuple[str, Iterator[PaperRecord | Problem]]:
    """(format used, stream of records and problems). `format=None` detects it."""
    lines = iter(lines)
    if format is None:
        head = list(itertools.islice(lines, _DETECT_LINES))
        format = detect_format(head)
        lines = itertools.chain(head, lines)
    if format not in PARSERS:
        raise UnusableInput(f"unknown format {format!r} (choose from {', '.join(FORMATS)})")
    return format, PARSERS[format](lines)


class Source:
    """An open input: its numbered lines and how far they have been read."""

    def __init__(self, handle: BinaryIO, name: str, size: int | None):
        self._handle = handle
        self._size = size
        self.lines = numbered_lines(handle, name)

    def fraction_read(self) -> float | None:
        if not self._size:
            return None
        try:
            return min(1.0, self._handle.tell() / self._size)
        except (OSError, ValueError):
            return None


@contextmanager
def open_source(path: str) -> Iterator[Source]:
    """A file, or stdin for `-`, as numbered lines; clear errors for bad paths."""
    if path == "-":
        yield Source(sys.stdin.buffer, "<stdin>", None)
        return
    file = Path(path)
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        raise UnusableInput(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UnusableInput(f"{path}: is a directory, not a file") from None
    except PermissionError:
        raise UnusableInput(f"{path}: permission denied") from None
    except OSError as error:
        raise UnusableInput(f"{path}: cannot read ({error.strerror})") from None
    with handle:
        try:
            yield Source(handle, path, file.stat().st_size)
        except IsADirectoryError:
            raise UnusableInput(f"{path}: is a directory, not a file") from None
        except OSError as error:
            raise UnusableInput(f"{path}: cannot read ({error.strerror})") from None
