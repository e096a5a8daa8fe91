"""Tags on papers: what a tag name may be, and the SQL behind the store's tag methods.

A tag is one word (no spaces, no commas: BibTeX keywords are comma-separated
and the search's `tag:NAME` ends at a space); case does not matter when
matching (`RL` and `rl` are one tag), the first spelling is kept. Each change
stamps the paper's tags_updated_at, so an import of an export keeps whichever
tag set is newer. Reads keep to visible papers (see readq/import_engine.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from readq.errors import ReadqError
from readq.migrations import VISIBLE_BELOW

MAX_TAG_LENGTH = 60


def clean_tag(name: str) -> str:
    """A tag as stored; ReadqError (one line) for a name that cannot be one."""
    tag = name.strip()
    if not tag:
        raise ReadqError("a tag cannot be empty")
    if any(char.isspace() or char == "," for char in tag):
        raise ReadqError(f"a tag is one word, without spaces or commas: {tag!r}")
    if not tag.isprintable():
        raise ReadqError(f"a tag cannot hold control characters: {tag!r}")
    if len(tag) > MAX_TAG_LENGTH:
        raise ReadqError(f"a tag is at most {MAX_TAG_LENGTH} characters: {tag[:20]!r}…")
    return tag


def clean_tags(names: Iterable[str]) -> list[str]:
    """Names cleaned, repeats (in any case) dropped, in the order given."""
    seen: set[str] = set()
    tags = []
    for name in names:
        tag = clean_tag(name)
        if tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    return tags


def tags_of(conn: sqlite3.Connection, ids: Iterable[int]) -> dict[int, list[str]]:
    """Each tagged paper's tags, alphabetical (papers without tags are left out)."""
    found: dict[int, list[str]] = {}
    ids = list(ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for paper_id, tag in conn.execute(
            f"SELECT paper_id, tag FROM paper_tags WHERE paper_id IN ({marks}) ORDER BY paper_id, tag", chunk
        ):
            found.setdefault(paper_id, []).append(tag)
    return found


def every_tag_state(conn: sqlite3.Connection) -> dict[int, tuple[list[str], str | None]]:
    """paper id -> (tags, tags_updated_at) of every visible paper with tags or
    whose tags were ever set (an emptied set too: its time says it is newer
    than an old export)."""
    state: dict[int, tuple[list[str], str | None]] = {
        paper_id: ([], stamp) for paper_id, stamp in conn.execute(
            f"SELECT id, tags_updated_at FROM papers WHERE tags_updated_at IS NOT NULL AND +id < {VISIBLE_BELOW}")
    }
    for paper_id, tag in conn.execute(
        f"SELECT paper_id, tag FROM paper_tags WHERE paper_id < {VISIBLE_BELOW} ORDER BY paper_id, tag"
    ):
        state.setdefault(paper_id, ([], None))[0].append(tag)
    return state


def counts(conn: sqlite3.Connection) -> list[tuple[str, int]]:
    """(tag, papers) of every tag in use, most used first, then by name."""
    return conn.execute(
        f"SELECT min(tag), count(*) AS papers FROM paper_tags WHERE paper_id < {VISIBLE_BELOW}"
        " GROUP BY tag ORDER BY papers DESC, min(tag) COLLATE NOCASE"
    ).fetchall()


def tagged_ids(conn: sqlite3.Connection, tag: str) -> list[int]:
    return [row[0] for row in conn.execute(
        f"SELECT paper_id FROM paper_tags WHERE tag = ? AND paper_id < {VISIBLE_BELOW} ORDER BY paper_id",
        (tag,))]


def require_paper(conn: sqlite3.Connection, paper_id: int) -> None:
    if conn.execute(f"SELECT 1 FROM papers WHERE id = ? AND +id < {VISIBLE_BELOW}", (paper_id,)).fetchone() is None:
        raise ReadqError(f"no paper with id {paper_id}")


def add(conn: sqlite3.Connection, paper_id: int, tags: list[str], stamp: str) -> list[str]:
    """Add tags to a paper; returns those it did not have yet."""
    current = {tag.casefold() for tag in tags_of(conn, [paper_id]).get(paper_id, [])}
    added = [tag for tag in tags if tag.casefold() not in current]
    if added:
        conn.executemany("INSERT INTO paper_tags (paper_id, tag) VALUES (?, ?)",
                         [(paper_id, tag) for tag in added])
        _stamp(conn, paper_id, stamp)
    return added


def remove(conn: sqlite3.Connection, paper_id: int, tags: list[str], stamp: str) -> list[str]:
    """Remove tags from a paper; returns those it had (in their stored spelling)."""
    current = tags_of(conn, [paper_id]).get(paper_id, [])
    wanted = {tag.casefold() for tag in tags}
    removed = [tag for tag in current if tag.casefold() in wanted]
    if removed:
        conn.executemany("DELETE FROM paper_tags WHERE paper_id = ? AND tag = ?",
                         [(paper_id, tag) for tag in removed])
        _stamp(conn, paper_id, stamp)
    return removed


def replace(conn: sqlite3.Connection, paper_id: int, tags: list[str], stamp: str | None) -> None:
    """Make a paper's tags exactly `tags` (an import's newer set, the dialog's result)."""
    conn.execute("DELETE FROM paper_tags WHERE paper_id = ?", (paper_id,))
    conn.executemany("INSERT OR IGNORE INTO paper_tags (paper_id, tag) VALUES (?, ?)",
                     [(paper_id, tag) for tag in tags])
    _stamp(conn, paper_id, stamp)


def _stamp(conn: sqlite3.Connection, paper_id: int, stamp: str | None) -> None:
    conn.execute("UPDATE papers SET tags_updated_at = ? WHERE id = ?", (stamp, paper_id))


# ----- imports: a readq export's tags, newer wins (readq/import_engine.py) ------------


def take_change(changes: dict) -> tuple[list[str], str | None] | None:
    """Pop an import's tag change (`tags`, `tags_updated_at`) out of a merge's
    column changes: tags are rows of paper_tags, not a column of papers."""
    if "tags" not in changes:
        return None
    return list(changes.pop("tags")), changes.pop("tags_updated_at")


def apply_if_newer(conn: sqlite3.Connection, paper_id: int, tags: list[str], stamp: str | None) -> None:
    """Replace a paper's tags with an import's when the paper was never tagged or
    they were set later than the queue's (checked again when applied: another
    process may have tagged it since the import staged the change)."""
    from readq.import_engine import _later

    row = conn.execute("SELECT tags_updated_at FROM papers WHERE id = ?", (paper_id,)).fetchone()
    if row is not None and (row[0] is None or _later(stamp, row[0])):
        replace(conn, paper_id, tags, stamp)
