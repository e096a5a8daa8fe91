"""RIS (reference manager export): `TY  - ` starts a record, `ER  - ` ends it.

Tags are read line by line (streamed); an untagged line continues the previous
field, since abstracts are often wrapped. N1 notes are the user's, not paper
metadata, and are not imported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from readq.importers import fields
from readq.importers.common import split_results
from readq.importers.decode import NumberedLine, text_lines
from readq.importers.fields import split_keywords
from readq.models import PaperRecord, Problem

NAME = "ris"

TAG_LINE = re.compile(r"^([A-Z][A-Z0-9])  ?-(?: (.*))?$")


def _record(tags: dict[str, list[str]], line: int) -> Iterator[PaperRecord | Problem]:
    def first(*names: str) -> str | None:
        for name in names:
            if tags.get(name):
                return tags[name][0]
        return None

    urls = tags.get("UR", []) + tags.get("L2", [])
    mentions = urls + tags.get("M3", []) + tags.get("AN", [])  # Zotero: URL; others: M3/AN
    arxiv = next(filter(None, map(fields.arxiv_id_in, mentions)), None)
    yield from fields.make_record(
        line,
        abstract=first("AB", "N2"),
        title=first("TI", "T1"),
        arxiv=arxiv,
        authors=fields.names_from_last_first(tags.get("AU", []) + tags.get("A1", [])),
        cats=fields.categories(word for value in tags.get("KW", []) for word in split_keywords(value)),
        doi_=fields.doi(first("DO")),
        url=urls[0] if urls else None,
        created=fields.iso_date(first("DA", "PY", "Y1")),
    )


def iter_parse(lines: Iterable[NumberedLine]) -> Iterator[PaperRecord | Problem]:
    tags: dict[str, list[str]] | None = None
    start = 0
    last_tag = ""
    bad: Problem | None = None
    for number, line in lines:
        if line is None:
            if tags is not None and bad is None:
                bad = Problem(number, "not valid UTF-8 text")
            continue
        match = TAG_LINE.match(line.rstrip())
        if match is None:
            if tags is not None and last_tag and line.strip():
                values = tags[last_tag]
                values[-1] = f"{values[-1]} {line.strip()}"
            continue
        tag, value = match.group(1), (match.group(2) or "").strip()
        if tag == "TY":
            if tags is not None:
                yield Problem(start, "record without an ER line before the next TY", rejected=False)
                yield from (bad,) if bad else _record(tags, start)
            tags, start, last_tag, bad = {}, number, "", None
        elif tags is None:
            continue  # stray tags outside a record
        elif tag == "ER":
            yield from (bad,) if bad else _record(tags, start)
            tags = None
        else:
            tags.setdefault(tag, []).append(value)
            last_tag = tag
    if tags is not None:
        yield Problem(start, "incomplete record at end of file (no ER line)")


def parse(text: str) -> tuple[list[PaperRecord], list[Problem]]:
    """Parse a whole string: (records, problems)."""
    return split_results(iter_parse(text_lines(text)))
