"""Papers as text for terminals and as JSON for scripts.

Everything printed goes through `terminal_safe`, so an abstract cannot send
escape sequences to the user's terminal; JSON escapes control characters too.
"""

from __future__ import annotations

import json
import re
from dataclasses import fields

from readq.models import Paper
from readq.textclean import terminal_safe

_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u2028\u2029]")
# Paper's fields are plain values: a shallow copy is the whole dict, and about
# 20 times faster than dataclasses.asdict (which deep-copies every value).
_PAPER_FIELDS = tuple(field.name for field in fields(Paper))


def stars(rating: int | None) -> str:
    return "★" * rating + "☆" * (5 - rating) if rating else ""


def paper_dict(paper: Paper) -> dict:
    """Every stored field, as exported (and re-imported) by readq."""
    return {name: getattr(paper, name) for name in _PAPER_FIELDS}


def paper_view(paper: Paper) -> dict:
    """A paper for scripts reading `list`/`show`/`search --json`: the stored
    fields, with `url` the link readq opens (an arXiv paper's abstract page)."""
    return {**paper_dict(paper), "url": paper.link}


def to_json(value: object, indent: int | None = 2) -> str:
    """JSON with every control character escaped (json leaves DEL and C1 raw)."""
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def list_line(paper: Paper, width: int | None = 100) -> str:
    """One paper per line; `width` None (a pipe) prints the headline whole."""
    marker = "•" if not paper.is_read else " "
    rating = stars(paper.rating).ljust(5)
    ident = (paper.arxiv_id or "").ljust(10)
    date = (paper.created or "").ljust(10)
    head = f"{paper.id:>6} {marker} {rating} {ident} {date} "
    fits = width is None or len(head) + len(paper.title) <= width
    title = paper.title if fits else paper.title[: max(10, width - len(head) - 1)] + "…"
    return terminal_safe(head + title)


def detail_text(paper: Paper) -> str:
    lines = [paper.title, ""]
    for label, value in (
        ("id", str(paper.id)),
        ("arXiv", paper.arxiv_id),
        ("authors", paper.authors),
        ("created", paper.created),
        ("updated", paper.updated),
        ("comments", paper.comments),
        ("link", paper.link),
        ("source", paper.source),
        ("added", paper.added_at),
        ("read", paper.read_at or "unread"),
        ("rating", stars(paper.rating) or "not rated"),
    ):
        if value:
            lines.append(f"{label + ':':<10}{value}")
    lines += ["", paper.abstract]
    if paper.notes:
        lines += ["", "Notes:", paper.notes]
    return terminal_safe("\n".join(lines))


def markdown_digest(papers: list[Paper]) -> str:
    """Rated or noted papers with headline, link, stars and notes."""
    parts = ["# readq digest", ""]
    for paper in papers:
        if not paper.rating and not paper.notes:
            continue
        title = paper.title.replace("[", "\\[").replace("]", "\\]")
        link = paper.link
        parts.append(f"## [{title}]({link})" if link else f"## {title}")
        meta = " · ".join(x for x in (stars(paper.rating), paper.arxiv_id, paper.created) if x)
        if meta:
            parts.append(meta)
        if paper.notes:
            parts += ["", paper.notes.strip()]
        parts.append("")
    return terminal_safe("\n".join(parts))
