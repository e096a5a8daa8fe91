"""What the paper list shows: a window onto the store, read a page at a time.

Rows are brief papers (no abstract or notes): the detail pane reads the
selected paper whole.

Nothing is loaded that is not shown: with a million papers the list asks for
the hundred rows around the visible ones, never for all of them.
"""

from __future__ import annotations

from readq.models import Filter, Paper, Sort
from readq.search import SearchEngine, SearchResult
from readq.store import Store

PAGE_SIZE = 100
SCAN_LIMIT = 2000  # rows to look through for the next unread before asking SQL


class RowSource:
    """Rows by position, cached per page; `invalidate` after the data changed."""

    def __init__(self, store: Store):
        self.store = store
        self._pages: dict[int, list[Paper]] = {}
        self._tags: dict[int, list[str]] = {}  # of the papers in the cached pages
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
                self._tags.clear()
            page = self._pages[page_number] = self._load(page_number * PAGE_SIZE, PAGE_SIZE)
            self._tags.update(self.store.tags_for(paper.id for paper in page))  # one query a page
        offset = index - page_number * PAGE_SIZE
        return page[offset] if offset < len(page) else None

    def tags(self, paper_id: int) -> list[str]:
        """The tags of a paper on a cached page (the list shows them)."""
        return self._tags.get(paper_id, [])

    def invalidate(self) -> None:
        self._pages.clear()
        self._tags.clear()
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
    """Search results, read a page at a time from the engine (every match is
    reachable; none is loaded before it is shown). Given a plain list of ids
    instead of a result, it lists those."""

    def __init__(self, store: Store, result: SearchResult | list[int], engine: SearchEngine | None = None):
        super().__init__(store)
        self.engine = engine
        self.result = result if isinstance(result, SearchResult) else None
        self.ids = list(result) if self.result is None else None

    def _count(self) -> int:
        if self.result is None:
            return len(self.ids)
        # "More than 10,000": the rows counted so far, never a blocking count on
        # the UI thread; the search worker counts them all next and the screen
        # grows the list when it has (QueueScreen.on_search_counted).
        return self.result.total

    def _page_ids(self, offset: int, limit: int) -> list[int]:
        if self.result is None:
            return self.ids[offset : offset + limit]
        if offset == 0 and len(self.result.ids) >= limit:
            return self.result.ids[:limit]
        return self.engine.page(self.result, offset, limit) if self.engine else self.result.ids[offset:offset + limit]

    def _load(self, offset: int, limit: int) -> list[Paper]:
        wanted = self._page_ids(offset, limit)
        found = self.store.get_many(wanted, brief=True)
        # A paper deleted meanwhile would shift rows: keep positions stable.
        return [found[i] for i in wanted if i in found]

    def all_ids(self) -> list[int]:
        if self.result is None:
            return list(self.ids)
        return self.engine.all_ids(self.result) if self.engine else list(self.result.ids)

    def position_of(self, paper_id: int) -> int | None:
        if self.result is not None and self.engine is not None:
            return self.engine.position_of(self.result, paper_id)
        ids = self.ids if self.result is None else self.result.ids
        try:
            return ids.index(paper_id)
        except ValueError:
            return None


def filtered_and_sorted(store: Store, ids: list[int], filter: Filter, sort: str) -> list[int]:
    """A short list of ids (similar papers) in a filter and a result order;
    "best" keeps the given order."""
    papers = store.get_many(ids)  # whole: the "noted" filter needs the notes
    kept = [papers[i] for i in ids if i in papers and _passes(papers[i], filter)]
    if sort == "newest":
        kept.sort(key=lambda paper: (paper.created or "", paper.id), reverse=True)
    elif sort == "rating":
        kept.sort(key=lambda paper: -(paper.rating or 0))  # stable: the best match first among equals
    elif sort == "queue":
        kept.sort(key=lambda paper: paper.id)
    return [paper.id for paper in kept]


def _passes(paper: Paper, filter: Filter) -> bool:
    return {
        "all": True, "unread": not paper.is_read, "read": paper.is_read,
        "rated": paper.rating is not None, "noted": bool(paper.notes),
    }[filter]
