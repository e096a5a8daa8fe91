"""The queue list: a Line-API view that renders only the rows on screen."""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from readq.models import Paper
from readq.search import TOKEN, fold
from readq.textclean import strip_control
from readq.tui.sources import RowSource

ID_WIDTH = 11
DATE_WIDTH = 11
DATE_FROM_COLUMNS = 100  # the terminal's width
ID_FROM_WIDTH = 100  # the list's width


def truncate_cells(text: str, width: int) -> str:
    """Cut `text` to `width` terminal cells, ending with … when cut."""
    if width <= 0:
        return ""
    if text.isascii():  # one cell per character: no need to measure
        return text if len(text) <= width else text[: width - 1] + "…"
    if cell_len(text) <= width:
        return text
    result, used = [], 0
    for char in text:
        size = cell_len(char)
        if used + size > width - 1:
            break
        result.append(char)
        used += size
    return "".join(result) + "…"


def highlighted_segments(text: str, terms: frozenset[str], base: Style, match: Style) -> list[Segment]:
    """`text` as segments, words found in `terms` in the match style."""
    if not terms:
        return [Segment(text, base)]
    segments, last = [], 0
    for found in TOKEN.finditer(text):
        if fold(found.group()) in terms:
            if found.start() > last:
                segments.append(Segment(text[last : found.start()], base))
            segments.append(Segment(found.group(), base + match))
            last = found.end()
    if last < len(text):
        segments.append(Segment(text[last:], base))
    return segments


class PaperList(ScrollView, can_focus=True):
    """One row per paper: unread marker, stars, headline, arXiv id, date."""

    COMPONENT_CLASSES = {
        "paper-list--cursor",
        "paper-list--unread",
        "paper-list--read",
        "paper-list--stars",
        "paper-list--meta",
        "paper-list--match",
    }
    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", id="list.down", show=False),
        Binding("k,up", "cursor_up", "Up", id="list.up", show=False),
        Binding("g,home", "first", "First", id="list.first", show=False),
        Binding("G,end", "last", "Last", id="list.last", show=False),
        Binding("pageup", "page_up", "Page up", id="list.page_up", show=False),
        Binding("pagedown", "page_down", "Page down", id="list.page_down", show=False),
    ]

    cursor: reactive[int] = reactive(0, always_update=True, init=False)

    class Highlighted(Message):
        """The cursor moved to another paper (or to none)."""

        def __init__(self, paper: Paper | None, index: int) -> None:
            super().__init__()
            self.paper = paper
            self.index = index

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.source: RowSource | None = None
        self.terms: frozenset[str] = frozenset()

    # ----- data ------------------------------------------------------------

    def show(self, source: RowSource, cursor: int = 0, terms: frozenset[str] = frozenset()) -> None:
        """Show another set of rows, with the cursor at `cursor`."""
        self.source = source
        self.terms = terms
        self._update_size()
        self.cursor = self.clamp(cursor)
        # The new size applies at the next layout: scroll to the cursor after it.
        self.call_after_refresh(self.scroll_to_region_visible, self.cursor)

    def reload(self) -> None:
        """The data changed: drop cached rows, keep the cursor position."""
        if self.source is None:
            return
        self.source.invalidate()
        self._update_size()
        self.cursor = self.clamp(self.cursor)

    def _update_size(self) -> None:
        self.virtual_size = Size(0, len(self.source) if self.source else 0)  # rows never scroll sideways
        self.refresh()

    def clamp(self, index: int) -> int:
        count = len(self.source) if self.source else 0
        return max(0, min(index, count - 1)) if count else 0

    @property
    def row_count(self) -> int:
        return len(self.source) if self.source else 0

    @property
    def current(self) -> Paper | None:
        return self.source.row(self.cursor) if self.source else None

    # ----- cursor ----------------------------------------------------------

    def watch_cursor(self, cursor: int) -> None:
        self.scroll_to_region_visible(cursor)
        self.refresh()
        self.post_message(self.Highlighted(self.current, cursor))

    def scroll_to_region_visible(self, index: int) -> None:
        top = self.scroll_offset.y
        height = max(1, self.scrollable_content_region.height)
        if index < top:
            self.scroll_to(y=index, animate=False)
        elif index >= top + height:
            self.scroll_to(y=index - height + 1, animate=False)

    def action_cursor_down(self) -> None:
        self.cursor = self.clamp(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self.cursor = self.clamp(self.cursor - 1)

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = self.clamp(self.row_count - 1)

    def action_page_down(self) -> None:
        self.cursor = self.clamp(self.cursor + max(1, self.scrollable_content_region.height - 1))

    def action_page_up(self) -> None:
        self.cursor = self.clamp(self.cursor - max(1, self.scrollable_content_region.height - 1))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)  # None on the border or scrollbar
        if offset is None:
            return
        index = self.scroll_offset.y + offset.y
        if 0 <= index < self.row_count:
            self.cursor = index

    def on_resize(self) -> None:
        if self.source is not None:
            self._update_size()

    # ----- rendering -------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        paper = self.source.row(index) if self.source else None
        if paper is None:
            return Strip.blank(width, base)
        return self._render_row(paper, index == self.cursor, width, base)

    def _render_row(self, paper: Paper, is_cursor: bool, width: int, base: Style) -> Strip:
        style = base + self.get_component_rich_style(
            "paper-list--read" if paper.is_read else "paper-list--unread"
        )
        if is_cursor:
            style += self.get_component_rich_style("paper-list--cursor")
        if is_cursor:
            # One colour, chosen against the cursor's background: an accent
            # colour on an accent background is unreadable in half the themes.
            stars_style = meta_style = style
        else:
            stars_style = style + self.get_component_rich_style("paper-list--stars", partial=True)
            meta_style = style + self.get_component_rich_style("paper-list--meta", partial=True)
        match_style = self.get_component_rich_style("paper-list--match", partial=True)
        marker = "●" if not paper.is_read else " "
        stars = ("★" * paper.rating).ljust(5) if paper.rating else "     "
        # The headline matters most; the date (from about 100 terminal columns)
        # and the arXiv id (on wide lists) take what it leaves.
        show_date, show_id = self.app.size.width >= DATE_FROM_COLUMNS, width >= ID_FROM_WIDTH
        meta_width = DATE_WIDTH * show_date + ID_WIDTH * show_id
        # Two cells after the stars: a star drawn wider than its cell must not touch the headline.
        title_width = max(0, width - 2 - 7 - meta_width - 1)
        tags = " ".join(f"#{tag}" for tag in self.source.tags(paper.id))
        tags = truncate_cells(strip_control(tags), min(cell_len(tags), title_width // 3)) if tags else ""
        title = truncate_cells(strip_control(paper.title), title_width - (cell_len(tags) + 1 if tags else 0))
        segments = [Segment(f"{marker} ", style), Segment(f"{stars}  ", stars_style)]
        segments += highlighted_segments(title, self.terms, style, match_style)
        if tags:
            segments.append(Segment(f" {tags}", meta_style))
            title = f"{title} {tags}"
        segments.append(Segment(" " * (title_width - cell_len(title) + 1), style))
        if show_date:
            segments.append(Segment(f"{(paper.created or '')[:10]:<{DATE_WIDTH}}", meta_style))
        if show_id:
            segments.append(Segment(f"{(paper.arxiv_id or ''):<{ID_WIDTH}}", meta_style))
        return Strip(segments).crop_extend(0, width, style)
