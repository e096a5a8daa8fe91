"""Papers out of readq: JSON, JSON lines, BibTeX, CSV and a Markdown digest.

JSON and JSON lines hold every field (a backup that `readq import` restores,
reading state included). BibTeX is for reference managers and LaTeX: stable
citation keys, text escaped so that bibtex and biber accept it, and the
reading state as `annote` (notes) and `readq-*` keywords, which readq shows
to other tools but does not read back (only its own JSON restores state).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import fields
from typing import TextIO

from readq.models import Paper
from readq.output import markdown_digest, paper_dict, to_json
from readq.textclean import terminal_safe

FORMATS = ("json", "jsonl", "bibtex", "csv", "markdown")
CSV_COLUMNS = tuple(f.name for f in fields(Paper))

_MATH = re.compile(r"(\$\$.+?\$\$|(?<!\\)\$.+?(?<!\\)\$)", re.DOTALL)
_SPECIALS = {
    "\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}",
    "%": r"\%", "&": r"\&", "#": r"\#", "_": r"\_", "$": r"\$",
    "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "@": "{@}",  # an `@` followed by a word and `{` would start a new entry for some parsers
}
_SPECIAL = re.compile("[" + re.escape("".join(_SPECIALS)) + "]")
# TeX ligatures (-- `` '' ?` !`) that would turn into dashes and quotes when read back.
_LIGATURE = re.compile(r"(?<=-)(?=-)|(?<=`)(?=`)|(?<=')(?=')|(?<=[?!])(?=`)")
_STOP_WORDS = {"a", "an", "the", "on", "of", "in", "for", "and", "to", "with", "is", "are", "towards"}
# Spreadsheets run a cell that starts like a formula; a leading ' keeps it text.
_FORMULA_START = ("=", "+", "-", "@")


# paper id -> (tags, tags_updated_at), as Store.tag_states() gives them.
TagStates = Mapping[int, tuple[list[str], str | None]]


def write(papers: Iterable[Paper], format: str, out: TextIO, tags: TagStates | None = None) -> None:
    """Write `papers` to `out` in `format` (one of FORMATS), streaming where it can.
    With `tags`, JSON records carry `tags` and `tags_updated_at` (restored by an
    import, newer wins) and BibTeX entries list the tags among their keywords."""
    if format == "json":
        out.write(to_json([_record(p, tags) for p in papers]) + "\n")
    elif format == "jsonl":
        for paper in papers:
            out.write(to_json(_record(paper, tags), indent=None) + "\n")
    elif format == "bibtex":
        for index, entry in enumerate(bibtex_entries(papers, tags)):
            out.write(("\n" if index else "") + entry)
    elif format == "csv":
        write_csv(papers, out)
    elif format == "markdown":
        out.write(markdown_digest(list(papers)))
    else:
        raise ValueError(f"unknown export format {format!r}")


def _record(paper: Paper, tags: TagStates | None) -> dict:
    record = paper_dict(paper)
    if tags is not None:
        names, updated_at = tags.get(paper.id, ([], None))
        record.update(tags=list(names), tags_updated_at=updated_at)
    return record


# ----- BibTeX ---------------------------------------------------------------------


def escape_text(text: str) -> str:
    """Text as a BibTeX value: specials escaped, `$...$` math kept when its braces balance."""
    parts = _MATH.split(text)
    for index, part in enumerate(parts):
        if index % 2 and _balanced(part):
            continue
        part = _SPECIAL.sub(lambda m: _SPECIALS[m.group()], part)
        parts[index] = _LIGATURE.sub("{}", part)
    return terminal_safe("".join(parts))


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:  # bibtex counts \{ and \} as braces too
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _verbatim(text: str) -> str:
    """URLs and DOIs are verbatim fields: only braces need care."""
    return terminal_safe(text.replace("{", "%7B").replace("}", "%7D"))


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def author_names(authors: str | None) -> list[str]:
    """readq keeps authors as `First Last, First Last` (arXiv's `..., and X` too)."""
    names = re.split(r",\s*(?:and\s+)?|\s+and\s+", authors or "")
    return [name.strip() for name in names if name.strip()]


def citation_key_base(paper: Paper) -> str:
    """`vaswani2017attention`: first author's last name, year, first real title word."""
    names = author_names(paper.authors)
    last = _ascii_word(names[0].split()[-1]) if names and names[0] != "et al." else ""
    year = (paper.created or "")[:4] if (paper.created or "")[:4].isdigit() else ""
    words = [_ascii_word(word) for word in re.split(r"[\s\-–—:]+", _MATH.sub(" ", paper.title))]
    word = next((w for w in words if w and w not in _STOP_WORDS), "")
    return f"{last or 'anon'}{year}{word}" or f"readq{paper.id}"


def _suffixes() -> Iterator[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    yield from letters
    yield from (a + b for a in letters for b in letters)


def bibtex_entries(papers: Iterable[Paper], tags: TagStates | None = None) -> Iterator[str]:
    """One `@misc` entry per paper; keys made unique with a, b, … suffixes in queue order."""
    used: set[str] = set()
    for paper in papers:
        base = citation_key_base(paper)
        key = base
        if key in used:
            key = next(base + suffix for suffix in _suffixes() if base + suffix not in used)
        used.add(key)
        yield bibtex_entry(paper, key, tags.get(paper.id, ([], None))[0] if tags else ())


def bibtex_entry(paper: Paper, key: str, tags: Iterable[str] = ()) -> str:
    categories = paper.categories or ""
    items = [c.strip() for c in (categories.split(",") if "," in categories else categories.split())]
    items = [item for item in items if item]
    keywords = list(items) + [tag for tag in tags if tag not in items]  # what reference managers call tags
    if paper.rating:
        keywords.append(f"readq-rating-{paper.rating}")
    if paper.read_at:
        keywords.append("readq-read")
    year = (paper.created or "")[:4]
    fields_: list[tuple[str, str | None]] = [
        ("title", "{" + escape_text(paper.title) + "}"),  # inner braces keep its capitals
        ("author", " and ".join(escape_text(n) if n != "et al." else "others"
                                for n in author_names(paper.authors)) or None),
        ("year", year if year.isdigit() else None),
        ("date", paper.created if paper.created and len(paper.created) > 4 else None),
        ("eprint", paper.arxiv_id),
        ("archivePrefix", "arXiv" if paper.arxiv_id else None),
        ("primaryClass", items[0] if paper.arxiv_id and items and "," not in categories else None),
        ("doi", _verbatim(paper.doi) if paper.doi else None),
        ("url", _verbatim(paper.url) if paper.url else None),
        ("abstract", escape_text(paper.abstract) or None),
        ("keywords", ", ".join(escape_text(k) for k in keywords) or None),
        ("note", _note(paper)),
        ("annote", escape_text(paper.notes) if paper.notes else None),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields_ if value)
    return f"@misc{{{key},\n{body}\n}}\n"


DERIVED_TITLE_NOTE = "Title derived by readq"


def _note(paper: Paper) -> str | None:
    """The arXiv comment; for a paper without a real title, first a word that its `title`
    is readq's headline, derived from the abstract, not the authors' title."""
    parts = ([DERIVED_TITLE_NOTE] if paper.headline_derived else []) + ([paper.comments] if paper.comments else [])
    return escape_text(". ".join(parts)) if parts else None


# ----- CSV ------------------------------------------------------------------------


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    text = terminal_safe(str(value))
    if text.startswith(_FORMULA_START) and not re.fullmatch(r"[-+]?\d+(\.\d+)?", text):
        return "'" + text
    return text


def write_csv(papers: Iterable[Paper], out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for paper in papers:
        writer.writerow(_csv_cell(getattr(paper, column)) for column in CSV_COLUMNS)
