"""Importers: pure functions from text to paper records and problems.

`open_source` turns a path (or `-` for stdin) into numbered lines; `detect_format`
looks at the first lines; `iter_parse` streams records so that a million-line
file is never held in memory.
"""

from __future__ import annotations

import itertools
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from readq.errors import UnusableInput
from readq.importers import arxiv_listing, plain
from readq.importers.decode import NumberedLine, numbered_lines
from readq.models import PaperRecord, Problem

PARSERS = {plain.NAME: plain.iter_parse, arxiv_listing.NAME: arxiv_listing.iter_parse}
FORMATS = tuple(PARSERS)
_DETECT_LINES = 400
_LISTING_MARKER = re.compile(r"^\s*(arxiv:\s*\S+|created:\s*\d{4}-)", re.IGNORECASE)


def detect_format(first_lines: Iterable[NumberedLine]) -> str:
    """`arxiv` when listing markers appear near the start, else `plain`."""
    for _, line in first_lines:
        if line is not None and _LISTING_MARKER.match(line):
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
