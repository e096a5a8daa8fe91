"""What the paper list shows: a window onto the store, read a page at a time.

Rows are brief papers (no abstract or notes): the detail pane reads the
selected paper whole.

Nothing is loaded that is not shown: with a million papers the list asks for
the hundred rows around the visible ones, never for all of them.
"""

from __future__ import annotations

from readq.models import Filter, Paper, Sort
from readq.store import Store

PAGE_SIZE = 100
SCAN_LIMIT = 2000  # rows to look through for the next unread before asking SQL


class RowSource:
    """Rows by position, cached per page; `invalidate` after the data changed."""

    def __init__(self, store: Store):
        self.store = store
        self._pages: dict[int, list[Paper]] = {}
        self._length: int | None = None

    def __len__(self) -> int:
        if self._length is None:
            self._length = self._count()
        return self._length

    def row(self, index: int) -> Paper | None:
        if not 0 <= index < len(self):
            return None
        page_number = index // PAGE_SIZE
        page = self._pages.get(page_number)
        if page is None:
            if len(self._pages) > 50:  # scrolling through 1M rows must not grow memory
                self._pages.clear()
            page = self._pages[page_number] = self._load(page_number * PAGE_SIZE, PAGE_SIZE)
        offset = index - page_number * PAGE_SIZE
        return page[offset] if offset < len(page) else None

    def invalidate(self) -> None:
        self._pages.clear()
        self._length = None

    def all_ids(self) -> list[int]:
        raise NotImplementedError

    def next_unread(self, after: int) -> int | None:
        """Position of the first unread paper after `after`, wrapping around.
        Reads cached pages: unread papers are rarely far apart."""
        count = len(self)
        for step in range(1, min(count, SCAN_LIMIT) + 1):
            position = (after + step) % count
            paper = self.row(position)
            if paper is not None and not paper.is_read:
                return position
        return self._next_unread_far(after) if count > SCAN_LIMIT else None

    def _next_unread_far(self, after: int) -> int | None:
        return None

    def position_of(self, paper_id: int) -> int | None:
        """Where the paper is listed, or (if it is not) the row nearest to it."""
        return None

    def _count(self) -> int:
        raise NotImplementedError

    def _load(self, offset: int, limit: int) -> list[Paper]:
        raise NotImplementedError


class QueueSource(RowSource):
    """The queue: every paper passing a filter, in a sort order."""

    def __init__(self, store: Store, filter: Filter, sort: Sort):
        super().__init__(store)
        self.filter = filter
        self.sort = sort

    def _count(self) -> int:
        return self.store.count(self.filter)

    def _load(self, offset: int, limit: int) -> list[Paper]:
        return self.store.page(self.filter, self.sort, offset, limit, brief=True)

    def all_ids(self) -> list[int]:
        return self.store.view_ids(self.filter, self.sort)

    def _next_unread_far(self, after: int) -> int | None:
        return self.store.next_unread_position(self.filter, self.sort, after)

    def position_of(self, paper_id: int) -> int | None:
        return self.store.position_of(paper_id, self.filter, self.sort)


class ResultsSource(RowSource):
    """Search results: a ranked list of ids, best first."""

    def __init__(self, store: Store, ids: list[int]):
        super().__init__(store)
        self.ids = ids

    def _count(self) -> int:
        return len(self.ids)

    def _load(self, offset: int, limit: int) -> list[Paper]:
        wanted = self.ids[offset : offset + limit]
        found = self.store.get_many(wanted, brief=True)
        # A paper deleted meanwhile would shift rows: keep positions stable.
        return [found[i] for i in wanted if i in found]

    def all_ids(self) -> list[int]:
        return list(self.ids)

    def position_of(self, paper_id: int) -> int | None:
        try:
            return self.ids.index(paper_id)
        except ValueError:
            return None
