"""Add or remove the tags of one paper, with completion of the tags in use.

Type a tag and press Enter: it is added, or removed when the paper has it
(several at once, separated by spaces). Tab or → completes from the tags in
use. Enter on an empty input (or ctrl+s) saves; Esc cancels. The dialog only
edits a list: it returns the new tags (`list[str]`) or None, and the caller
saves them (`store.set_tags(paper_id, tags)`).
"""

from __future__ import annotations

from textual import on
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Static

from readq.errors import ReadqError
from readq.tags import clean_tag
from readq.textclean import strip_control

SHOWN_COMPLETIONS = 8


class TagDialog(ModalScreen[list[str] | None]):
    """`TagDialog(title, tags, known)`: `title` is the paper's headline, `tags` its
    tags now, `known` every tag in use as (name, papers), e.g. `store.all_tags()`."""

    DEFAULT_CSS = """
    TagDialog #tag-current { margin-bottom: 1; }
    TagDialog #tag-known { color: $text-muted; height: auto; }
    TagDialog #tag-error { color: $text-error; height: auto; }
    TagDialog #tag-help { color: $text-muted; margin-top: 1; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="tags.cancel"),
        Binding("ctrl+s", "save", "Save tags", id="tags.save"),
        Binding("tab", "complete", "Complete tag", id="tags.complete", priority=True),
    ]

    def __init__(self, title: str, tags: list[str], known: list[tuple[str, int]]) -> None:
        super().__init__()
        self.paper_title = title
        self.tags = list(tags)
        self.known = list(known)

    def compose(self):
        with Vertical(classes="dialog"):
            yield Static(Content("Tags of ").append(Content(strip_control(self.paper_title))), id="tag-title")
            yield Static(id="tag-current")
            yield Input(placeholder="a tag: Enter adds it (or removes it)", id="tag-input",
                        suggester=SuggestFromList([name for name, _ in self.known], case_sensitive=False))
            yield Static(id="tag-known")
            yield Static(id="tag-error")
            yield Static(Content("enter: add/remove · tab: complete · enter on empty or ctrl+s: save"
                                 " · esc: cancel"), id="tag-help")

    def on_mount(self) -> None:
        self._show()

    def _show(self) -> None:
        current = ", ".join(self.tags) if self.tags else "no tags yet"
        self.query_one("#tag-current", Static).update(Content(current))
        matches = self._completions(self.query_one("#tag-input", Input).value)
        known = "  ".join(f"{name} ({papers})" for name, papers in matches)
        self.query_one("#tag-known", Static).update(Content(f"in use: {known}" if known else ""))

    def _completions(self, typed: str) -> list[tuple[str, int]]:
        """Tags in use that start with the word being typed (most used first)."""
        word = typed.split()[-1].casefold() if typed.split() and not typed.endswith(" ") else ""
        return [(name, papers) for name, papers in self.known
                if name.casefold().startswith(word)][:SHOWN_COMPLETIONS]

    @on(Input.Changed, "#tag-input")
    def _typed(self) -> None:
        self.query_one("#tag-error", Static).update("")
        self._show()

    @on(Input.Submitted, "#tag-input")
    def _submitted(self, event: Input.Submitted) -> None:
        names = event.value.split()
        if not names:
            self.action_save()
            return
        try:
            cleaned = [clean_tag(name) for name in names]
        except ReadqError as error:
            self.query_one("#tag-error", Static).update(Content(str(error)))
            return
        for tag in cleaned:
            have = [t for t in self.tags if t.casefold() == tag.casefold()]
            if have:
                self.tags.remove(have[0])
            else:
                self.tags.append(tag)
        event.input.value = ""
        self._show()

    def action_complete(self) -> None:
        field = self.query_one("#tag-input", Input)
        matches = self._completions(field.value)
        if not matches or not field.value or field.value.endswith(" "):
            return
        words = field.value.split()
        field.value = " ".join([*words[:-1], matches[0][0]])
        field.cursor_position = len(field.value)

    def action_save(self) -> None:
        self.dismiss(self.tags)

    def action_cancel(self) -> None:
        self.dismiss(None)
