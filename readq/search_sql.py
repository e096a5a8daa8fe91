"""The SQL side of search: FTS5 expressions, conditions on papers, and the
reads that must fit a frame (interruptible, counted in steps).
No textual import; used by readq/search.py only."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from typing import Protocol

from readq.migrations import VISIBLE_BELOW
from readq.query import Condition

COUNT_LIMIT = 10_000  # past this, "more than 10,000 matches"
COUNT_STEP = 250  # rows fetched at a time while counting


class HasTerms(Protocol):
    terms: tuple[str, ...]


def page_and_count(conn: sqlite3.Connection, sql: str, params: tuple, limit: int,
                   seconds: float) -> tuple[list[int], int, bool]:
    """The first `limit` ids of `sql`, then its rows counted on the same cursor (the
    index is set up once) for at most `seconds`: (ids, count, True), or, past
    COUNT_LIMIT rows or `seconds`, a lower bound and False ("more than 6,000")."""
    cursor = conn.execute(f"{sql} LIMIT {COUNT_LIMIT + 1}", params)
    ids = [row[0] for row in cursor.fetchmany(limit)]
    counted, deadline = len(ids), time.perf_counter() + seconds
    if counted < limit:
        return ids, counted, True
    conn.set_progress_handler(lambda: time.perf_counter() > deadline, 1000)
    try:
        while rows := cursor.fetchmany(COUNT_STEP):
            counted += len(rows)
    except sqlite3.OperationalError as error:
        if "interrupted" not in str(error):
            raise
        return ids, counted, False  # what was counted by then: a lower bound
    finally:
        conn.set_progress_handler(None, 0)
    return ids, min(counted, COUNT_LIMIT), counted <= COUNT_LIMIT


def count_within(conn: sqlite3.Connection, sql: str, params: tuple, seconds: float) -> tuple[int, bool]:
    """The row count of `sql` (which ends in LIMIT COUNT_LIMIT + 1): (count, True);
    past COUNT_LIMIT rows (COUNT_LIMIT, False); past `seconds`, (0, False)."""
    counted = interruptible(conn, seconds, f"SELECT count(*) FROM ({sql})", params)
    if counted is None:
        return 0, False
    return min(counted[0][0], COUNT_LIMIT), counted[0][0] <= COUNT_LIMIT


def interruptible(conn: sqlite3.Connection, seconds: float, sql: str, params: tuple) -> list | None:
    """The rows of a query, or None when it runs longer than `seconds`."""
    deadline = time.perf_counter() + seconds
    conn.set_progress_handler(lambda: time.perf_counter() > deadline, 1000)
    try:
        return conn.execute(sql, params).fetchall()
    except sqlite3.OperationalError as error:
        if "interrupted" not in str(error):
            raise
        return None
    finally:
        conn.set_progress_handler(None, 0)


def fts_expression(groups: Iterable[HasTerms], excluded: list[str], joiner: str = " AND ",
                   positive: bool = True, column: str = "") -> str:
    """An FTS5 MATCH expression: every group (any of its terms) in `column` (or
    any), none of `excluded`. Terms are words or phrases of word characters, always quoted."""
    if not positive:
        return " OR ".join(f'"{term}"' for term in excluded)
    expression = joiner.join(
        "(" + " OR ".join(f'"{term}"' for term in group.terms) + ")" for group in groups)
    if column:
        expression = f"{column} : ({expression})"
    if excluded:
        expression = f"({expression}) NOT (" + " OR ".join(f'"{term}"' for term in excluded) + ")"
    return expression


def fts_where(conditions: list[Condition]) -> str:
    """WHERE of a query on papers_fts (MATCH ? first); conditions on papers are
    checked per match, so papers' rows are read only when there are conditions."""
    where = f" WHERE papers_fts MATCH ? AND rowid < {VISIBLE_BELOW}"
    if conditions:
        where += f" AND EXISTS (SELECT 1 FROM papers p WHERE p.id = papers_fts.rowid{conditions_sql(conditions)[0]})"
    return where


def condition_params(conditions: list[Condition]) -> tuple:
    return conditions_sql(conditions)[1]


def conditions_sql(conditions: list[Condition]) -> tuple[str, tuple]:
    if not conditions:
        return "", ()
    sql = "".join(f" AND ({condition.sql})" for condition in conditions)
    return sql, tuple(param for condition in conditions for param in condition.params)
