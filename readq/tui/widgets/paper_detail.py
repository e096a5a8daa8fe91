"""The selected paper: headline, metadata and the full abstract, scrollable.

All text goes into Content objects built from plain strings, so an abstract
holding `[bold]` or `[@click=app.quit]` is shown exactly as typed.
"""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from readq.models import Paper
from readq.output import stars
from readq.search import TOKEN, fold
from readq.textclean import strip_control

MATCH_STYLE = "bold reverse"
DERIVED_NOTE = "derived from the abstract (not the paper's title)"


def highlight_terms(text: str, terms: frozenset[str]) -> Content:
    text = strip_control(text)  # a database written by another tool may hold escapes
    content = Content(text)
    if not terms:
        return content
    for found in TOKEN.finditer(text):
        if fold(found.group()) in terms:
            content = content.stylize(MATCH_STYLE, found.start(), found.end())
    return content


def metadata_lines(paper: Paper) -> list[tuple[str, str]]:
    rows = [
        ("Headline", DERIVED_NOTE if paper.headline_derived else ""),
        ("arXiv", paper.arxiv_id),
        ("Authors", paper.authors),
        ("Created", paper.created),
        ("Updated", paper.updated),
        ("Category", paper.categories),
        ("Comments", paper.comments),
        ("Rating", stars(paper.rating) or "not rated"),
        ("Read", (paper.read_at or "")[:16].replace("T", " ") or "unread"),
        ("Source", paper.source),
        ("Added", paper.added_at[:16].replace("T", " ")),
    ]
    return [(label, value) for label, value in rows if value]


def metadata_content(rows: list[tuple[str, str]]) -> Content:
    return Content("\n").join(
        Content.assemble((f"{label:<9}", "bold"), strip_control(value)) for label, value in rows
    )


def compact_metadata(paper: Paper, extra: list[tuple[str, str]]) -> Content:
    """One line for small terminals, so the abstract starts on the first screen."""
    parts = [paper.arxiv_id, paper.created, paper.categories, stars(paper.rating),
             "read" if paper.is_read else "unread", "derived headline" if paper.headline_derived else "",
             *(value for label, value in extra if label == "Tags")]
    return Content(strip_control(" · ".join(part for part in parts if part)))


class PaperDetail(VerticalScroll, can_focus=False):
    compact = False  # one metadata line (small terminals)

    def compose(self):
        yield Static(id="detail-title")
        yield Static(id="detail-meta")
        yield Static(id="detail-abstract")

    def show_paper(self, paper: Paper | None, terms: frozenset[str] = frozenset(),
                   extra: list[tuple[str, str]] | None = None) -> None:
        """Show `paper`; `extra` metadata rows (tags, why it is recommended) go first."""
        title = self.query_one("#detail-title", Static)
        meta = self.query_one("#detail-meta", Static)
        abstract = self.query_one("#detail-abstract", Static)
        if paper is None:
            title.update(Content(""))
            meta.update(Content(""))
            abstract.update(Content(""))
            return
        # A derived headline looks different from a real title, so nobody cites it as one.
        title.set_class(paper.headline_derived, "-derived")
        title.update(highlight_terms(paper.title, terms))
        if self.compact:
            meta.update(compact_metadata(paper, extra or []))
        else:
            meta.update(metadata_content([*(extra or []), *metadata_lines(paper)]))
        abstract.update(highlight_terms(paper.abstract, terms))
        self.scroll_home(animate=False)
