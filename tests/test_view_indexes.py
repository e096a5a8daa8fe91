"""The list's views are read from indexes, never by walking the table's rows
(which hold the abstracts): keeping the cursor on its paper and paging a sparse
view cost 60 ms at 100k papers when they did. Checked on SQLite's own query
plans, so it holds whatever the machine's speed."""

from __future__ import annotations

import re

import pytest

from readq.models import PaperRecord
from readq.store import Store

FILTERS = ("all", "unread", "read", "rated")
SORTS = ("queue", "newest", "rating")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    store = Store.open(tmp_path_factory.mktemp("views") / "readq.db")
    store.import_records(
        (PaperRecord(abstract=f"Abstract number {n} about graph models and their many uses.", line=n + 1,
                     created=f"2025-{n % 12 + 1:02d}-{n % 28 + 1:02d}") for n in range(300)),
        "papers.txt")
    store.set_read(range(1, 300, 3), True)
    for paper_id in range(1, 300, 7):
        store.rate(paper_id, paper_id % 5 + 1)
    yield store
    store.close()


def statements(store: Store, action) -> list[tuple[str, tuple]]:
    """The SQL `action` runs on the store's reading connection, with its parameters."""
    seen: list[tuple[str, tuple]] = []
    query = store._query

    def recording(sql, params=()):
        seen.append((sql, tuple(params)))
        return query(sql, params)

    store._query = recording
    try:
        action()
    finally:
        del store._query
    return seen


# A partial index whose condition is the filter itself answers it from the index.
FILTER_INDEXES = re.compile(r"USING INDEX papers_(unread|read|rated|noted)\b")


def table_walks(store: Store, sql: str, params: tuple) -> list[str]:
    """The steps of a query plan that read papers' rows beyond a lookup by id."""
    plan = store._conn.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
    return [step[3] for step in plan if re.search(r"\bpapers\b(?!_)", step[3])
            and "COVERING INDEX" not in step[3] and "INTEGER PRIMARY KEY (rowid=?)" not in step[3]
            and not FILTER_INDEXES.search(step[3])]


@pytest.mark.parametrize("filter", FILTERS)
@pytest.mark.parametrize("sort", SORTS)
def test_keeping_the_cursor_on_its_paper_reads_indexes_only(store, filter, sort):
    for sql, params in statements(store, lambda: store.position_of(150, filter, sort)):
        if "count(" in sql:
            assert table_walks(store, sql, params) == [], sql


@pytest.mark.parametrize("filter", FILTERS)
@pytest.mark.parametrize("sort", SORTS)
def test_a_page_of_a_view_skips_rows_on_indexes_only(store, filter, sort):
    [(sql, params)] = statements(store, lambda: store.page(filter, sort, 40, 20, brief=True))
    assert table_walks(store, sql, params) == [], sql


def test_positions_agree_with_the_order_of_the_view(store):
    for filter in FILTERS:
        for sort in SORTS:
            ids = store.view_ids(filter, sort)
            for position in (0, len(ids) // 2, len(ids) - 1):
                assert store.position_of(ids[position], filter, sort) == position, (filter, sort)
