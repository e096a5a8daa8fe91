"""Bytes to numbered text lines, the way an editor numbers them.

UTF-8 (with or without BOM) and UTF-16 with BOM are accepted. Lines end at LF,
CRLF or CR only: form feeds, U+0085, U+2028 are characters inside a line (which
is why this does not use str.splitlines). UTF-8 is decoded line by line so that
one line of bad bytes rejects one record, not the whole file.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from typing import BinaryIO

from readq.errors import UnusableInput

CHUNK_SIZE = 1 << 20

# (magic bytes, what the file probably is) for files people import by mistake.
_BINARY_SIGNATURES = (
    (b"\x1f\x8b", "gzip data"),
    (b"%PDF", "a PDF document"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"PK\x03\x04", "a zip archive"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"BZh", "bzip2 data"),
    (b"\xfd7zXZ", "xz data"),
    (b"\x7fELF", "a program"),
)

NumberedLine = tuple[int, str | None]  # None: the line's bytes are not valid text


def sniff_binary(head: bytes) -> str | None:
    """Name the kind of binary file `head` starts, or None if it may be text."""
    for magic, kind in _BINARY_SIGNATURES:
        if head.startswith(magic):
            return kind
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    sample = head[:8192]
    if sample and sample.count(b"\x00") > max(4, len(sample) // 100):
        return "binary data (NUL bytes)"
    if _looks_random(sample):
        return "binary data, not UTF-8 text"
    return None


# C0 control bytes that text does not use (tab, LF, VT, FF, CR and ESC are left out).
_CONTROL_BYTES = bytes([*range(0, 9), *range(14, 27), *range(28, 32), 127])


def _looks_random(sample: bytes) -> bool:
    """Bytes that are not UTF-8 and full of control codes: random or compressed data
    (about one byte in ten is a control code), not a text file in another encoding
    (Latin-1, cp1252 or KOI8 text has none). Reported once rather than line by line."""
    if len(sample) < 64:
        return False
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if controls * 50 < len(sample):  # under 2%
        return False
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start < len(sample) - 3  # not just a character cut at the end of the sample
    return False


def _split_binary_lines(stream: BinaryIO) -> Iterator[bytes]:
    """Split a byte stream at LF, CRLF or CR, across chunk boundaries."""
    pending = b""
    while True:
        chunk = stream.read(CHUNK_SIZE)
        if not chunk:
            break
        data = pending + chunk
        # A CR at the very end may be the first half of a CRLF: decide with the next chunk.
        carry = b"\r" if data.endswith(b"\r") else b""
        if carry:
            data = data[:-1]
        lines = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
        pending = lines.pop() + carry
        yield from lines
    if pending:
        yield pending.removesuffix(b"\r")  # a final CR ends the last line


def numbered_lines(stream: BinaryIO, name: str) -> Iterator[NumberedLine]:
    """Yield (line number, text) pairs; raise UnusableInput for non-text files."""
    head = stream.read(8192)
    kind = sniff_binary(head)
    if kind is not None:
        raise UnusableInput(f"{name}: not a text file (looks like {kind})")
    stream = _PrefixedStream(head, stream)  # type: ignore[assignment]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        yield from _utf16_lines(stream, name)
        return
    for number, raw in enumerate(_split_binary_lines(stream), start=1):
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8):]
        try:
            yield number, raw.decode("utf-8")
        except UnicodeDecodeError:
            yield number, None


def _utf16_lines(stream: BinaryIO, name: str) -> Iterator[NumberedLine]:
    text = io.TextIOWrapper(io.BufferedReader(stream), encoding="utf-16", newline="")
    number = 0
    pending = ""
    try:
        for piece in iter(lambda: text.read(CHUNK_SIZE), ""):
            data = pending + piece
            carry = "\r" if data.endswith("\r") else ""
            if carry:
                data = data[:-1]
            lines = data.replace("\r\n", "\n").replace("\r", "\n").split("\n")
            pending = lines.pop() + carry
            for line in lines:
                number += 1
                yield number, line
    except UnicodeDecodeError:
        raise UnusableInput(
            f"{name}:{number + 1}: invalid UTF-16 text; save the file as UTF-8"
        ) from None
    if pending:
        yield number + 1, pending.removesuffix("\r")


class _PrefixedStream(io.RawIOBase):
    """A stream that replays bytes already read for sniffing, then the rest."""

    def __init__(self, prefix: bytes, rest: BinaryIO) -> None:
        self._prefix = prefix
        self._rest = rest

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._prefix:
            if size < 0 or size >= len(self._prefix):
                data, self._prefix = self._prefix, b""
                more = self._rest.read(size - len(data) if size >= 0 else -1)
                return data + (more or b"")
            data, self._prefix = self._prefix[:size], self._prefix[size:]
            return data
        return self._rest.read(size)

    def readinto(self, buffer) -> int:  # used by TextIOWrapper
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def text_lines(text: str) -> Iterator[NumberedLine]:
    """Number the lines of an already-decoded string (tests, stdin in memory)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for number, line in enumerate(lines, start=1):
        yield number, line
