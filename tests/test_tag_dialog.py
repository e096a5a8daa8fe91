"""The tag dialog on its own (Pilot): keys in, the returned tag list checked."""

from __future__ import annotations

from textual.app import App
from textual.widgets import Input, Static

from readq.tui.screens.tag_dialog import TagDialog

KNOWN = [("reinforcement", 4), ("robotics", 2), ("speech", 1)]


class DialogApp(App):
    """Pushes one TagDialog and keeps what it returns."""

    def __init__(self, dialog: TagDialog) -> None:
        super().__init__()
        self.dialog = dialog
        self.results: list[list[str] | None] = []

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self.results.append)


def text(app: App, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def test_enter_adds_and_removes_and_empty_enter_saves():
    app = DialogApp(TagDialog("A paper", ["robotics"], KNOWN))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"rl", "enter")  # added
        await pilot.press(*"ROBOTICS", "enter")  # had it (any case): removed
        await pilot.press(*"a b", "enter")  # two at once
        assert "rl, a, b" in text(app, "#tag-current")
        await pilot.press("enter")
    assert app.results == [["rl", "a", "b"]]


async def test_tab_completes_from_the_tags_in_use():
    app = DialogApp(TagDialog("A paper", [], KNOWN))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"ro")
        assert "robotics (2)" in text(app, "#tag-known") and "speech" not in text(app, "#tag-known")
        await pilot.press("tab")
        assert app.screen.query_one(Input).value == "robotics"
        await pilot.press("enter", "ctrl+s")
    assert app.results == [["robotics"]]


async def test_a_bad_name_is_explained_and_escape_cancels():
    app = DialogApp(TagDialog("A paper", ["kept"], KNOWN))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"a,b", "enter")
        assert "without spaces or commas" in text(app, "#tag-error")
        assert text(app, "#tag-current") == "kept"
        await pilot.press("escape")
    assert app.results == [None]


async def test_a_title_with_markup_is_shown_as_written():
    app = DialogApp(TagDialog("[bold]Not markup[/bold] $x$", [], KNOWN))
    async with app.run_test(size=(100, 30)):
        assert text(app, "#tag-title") == "Tags of [bold]Not markup[/bold] $x$"
