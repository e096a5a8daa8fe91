"""Help: every key binding, grouped, generated from the bindings themselves
(after the user's keymap), plus the search syntax. It fits 120×40 in two
columns and scrolls with j/k on smaller terminals."""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

Row = tuple[str, str]  # (keys, what they do)
Section = tuple[str, list[Row]]

# Which section each binding id belongs to, in the order shown; a binding
# missing here still appears, under "Other".
SECTIONS: list[tuple[str, tuple[str, ...]]] = [
    ("Moving", ("list.down", "list.up", "list.page_down", "list.page_up", "list.first", "list.last",
                "queue.next_unread", "queue.detail_down", "queue.detail_up")),
    ("Reading", ("queue.reader", "queue.toggle_read", "queue.read_next", "queue.mark_all_read",
                 "queue.open", "queue.copy_id", "queue.copy_url", "queue.similar", "queue.tags")),
    ("Rating", ("queue.rate_1", "queue.rate_2", "queue.rate_3", "queue.rate_4", "queue.rate_5",
                "queue.rate_0")),
    ("Notes and undo", ("queue.notes", "notes.done", "queue.edit_note", "queue.undo", "queue.redo")),
    ("The list", ("queue.search", "queue.leave", "queue.filter", "queue.sort", "queue.refresh")),
    ("Reader view", ("reader.back", "reader.next", "reader.previous", "reader.read_next", "reader.notes",
                     "reader.open", "reader.rate_1", "reader.rate_2", "reader.rate_3", "reader.rate_4",
                     "reader.rate_5", "reader.rate_0", "reader.copy_id", "reader.copy_url")),
    ("Import and more", ("queue.import", "app.help", "app.quit", "app.quit_ctrl_c")),
]
COLUMNS = (("Moving", "Reading"), ("Rating", "Notes and undo", "The list", "Import and more", "Other"),
           ("Reader view", "Search syntax"))

SEARCH_SYNTAX: list[Row] = [
    ("gauss splat", "all words; typos ok"),
    ('"a phrase"', "words in this order"),
    ("-survey", "without this word"),
    ("is:unread", "or is:read"),
    ("rated:>=4", "or rated:4"),
    ("has:note", "papers with a note"),
    ("cat:cs.RO", "arXiv category"),
    ("year:2024..2025", "or year:2025"),
    ("id:2503.12", "arXiv id or its start"),
    ("tag:toread", "papers with that tag"),
]


def section_rows(bindings: list[tuple[str, str, str]]) -> list[Section]:
    """Group (id, keys, description) rows; ratings 1–5 fold into one row."""
    by_id = {binding_id: (keys, description) for binding_id, keys, description in bindings}
    sections: list[Section] = []
    placed: set[str] = set()
    for title, ids in SECTIONS:
        rows: list[Row] = []
        stars = [by_id[i][0] for i in ids if i in by_id and i[-2:] in ("_1", "_2", "_3", "_4", "_5")]
        for binding_id in ids:
            if binding_id not in by_id:
                continue
            placed.add(binding_id)
            if binding_id[-2:] in ("_2", "_3", "_4", "_5"):
                continue  # folded into the row of _1
            keys, description = by_id[binding_id]
            if binding_id.endswith("_1") and len(stars) == 5:
                keys, description = ("1–5" if stars == list("12345") else " ".join(stars)), "Rate 1–5 stars"
            if rows and rows[-1][1] == description:  # q and ctrl+c: one row "q, ^c  Quit"
                keys = f"{rows.pop()[0]}, {keys}"
            rows.append((keys, description))
        if rows:
            sections.append((title, rows))
    other = [(keys, description) for binding_id, keys, description in bindings if binding_id not in placed]
    if other:
        sections.append(("Other", other))
    return sections


def render_sections(sections: list[Section]) -> Content:
    lines: list[Content] = []
    for title, rows in sections:
        width = max(len(keys) for keys, _ in rows) + 2
        if lines:
            lines.append(Content(""))
        lines.append(Content.styled(title, "bold underline"))
        lines += [Content.assemble((f"{keys:<{width}}", "bold"), description) for keys, description in rows]
    return Content("\n").join(lines)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,question_mark,q", "dismiss", "Close help", id="help.close"),
        Binding("j,down", "scroll(1)", "Scroll down", id="help.down", show=False),
        Binding("k,up", "scroll(-1)", "Scroll up", id="help.up", show=False),
    ]

    def __init__(self, sections: list[Section]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self):
        sections = [*self.sections, ("Search syntax", SEARCH_SYNTAX)]
        with VerticalScroll(classes="dialog help-dialog", id="help-scroll"):
            yield Static(Content.styled("readq keys  ·  Esc or ? closes this help  ·  "
                                        "ctrl+p: every action by name, and themes", "italic"), id="help-head")
            with Horizontal(id="help-columns"):
                for titles in COLUMNS:
                    column = [section for section in sections if section[0] in titles]
                    yield Static(render_sections(column), classes="help-column")

    def action_scroll(self, direction: int) -> None:
        self.query_one("#help-scroll", VerticalScroll).scroll_relative(y=direction * 3, animate=False)
