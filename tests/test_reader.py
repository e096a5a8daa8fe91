"""The reader view (issue 13, item 1): Enter opens a paper full screen; keys in,
screen and database checked."""

from __future__ import annotations

from readq.store import Store
from readq.tui.screens.queue import QueueScreen
from readq.tui.screens.reader import ReaderScreen
from tests.tui_support import make_test_app, settle, static_text, toasts, type_text

SIZE = (120, 40)
STYLETALKER = "2208.10922"
PRINT = "2210.02077"  # has a comment line


async def open_reader_on(app, pilot, arxiv_id: str) -> int:
    paper_id = app.store.find_by_arxiv_id(arxiv_id).id
    app.screen.paper_list.cursor = app.screen.paper_list.source.position_of(paper_id)
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, ReaderScreen)
    return paper_id


async def test_enter_shows_the_whole_paper(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        paper_id = await open_reader_on(app, pilot, PRINT)
        paper = app.store.get(paper_id)
        assert static_text(app, "#reader-title") == paper.title
        meta = static_text(app, "#reader-meta")
        for value in (paper.arxiv_id, paper.created, paper.comments):
            assert value and value in meta
        # The whole abstract, not a preview.
        assert static_text(app, "#reader-abstract") == paper.abstract
        position = static_text(app, "#reader-position")
        assert f"{app.screen.queue.paper_list.cursor + 1} / 21" in position and "unread" in position


async def test_j_and_k_walk_the_list_and_esc_lands_on_the_paper_read(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        first = app.screen.paper.id
        await pilot.press("j", "j")
        await pilot.pause()
        third = app.screen.paper.id
        assert third != first and static_text(app, "#reader-title") == app.store.get(third).title
        assert static_text(app, "#reader-position").startswith("3 / 21")
        await pilot.press("k")
        await pilot.pause()
        second = app.screen.paper.id
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        assert app.screen.paper_list.current.id == second
        assert app.screen.focused is app.screen.paper_list


async def test_k_on_the_first_paper_says_so(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "k")
        await pilot.pause()
        assert "This is the first paper." in toasts(app)


async def test_space_marks_read_and_moves_on_and_digits_rate(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        first = app.screen.paper.id
        await pilot.press("4", "space")
        await settle(app, pilot)
        assert app.store.get(first).rating == 4 and app.store.get(first).is_read
        assert app.screen.paper.id != first
        assert static_text(app, "#reader-position").startswith("2 / 21")


async def test_space_in_the_unread_view_brings_the_next_unread_paper(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u", "enter")  # unread view, then read
        await pilot.pause()
        first = app.screen.paper.id
        await pilot.press("space")
        await settle(app, pilot)
        assert app.store.get(first).is_read
        assert app.screen.paper.id != first and not app.screen.paper.is_read
        assert "/ 20" in static_text(app, "#reader-position")


async def test_n_writes_a_note_that_is_saved_and_shown_back_in_the_list(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        paper_id = await open_reader_on(app, pilot, STYLETALKER)
        await pilot.press("n")
        await type_text(pilot, "jk 5 stars")  # list keys are text in the editor
        await pilot.press("escape")  # leaves the editor, stays in the reader
        await settle(app, pilot)
        assert isinstance(app.screen, ReaderScreen)
        assert app.store.get(paper_id).notes == "jk 5 stars"
        assert app.store.get(paper_id).rating is None
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        assert app.screen.notes.editor.text == "jk 5 stars"


async def test_a_note_typed_in_the_reader_survives_leaving_at_once(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        paper_id = await open_reader_on(app, pilot, STYLETALKER)
        await pilot.press("n")
        await type_text(pilot, "quick")
        await pilot.press("escape", "escape")  # no pause: the save is asked for on the way out
        await settle(app, pilot)
    with Store.open(db) as store:
        assert store.get(paper_id).notes == "quick"


async def test_o_opens_the_arxiv_page(db, monkeypatch):
    app = make_test_app(db)
    opened = []
    monkeypatch.setattr(app, "open_url", lambda url, **kwargs: opened.append(url))
    async with app.run_test(size=SIZE) as pilot:
        await open_reader_on(app, pilot, STYLETALKER)
        await pilot.press("o")
        await pilot.pause()
        assert opened == [f"https://arxiv.org/abs/{STYLETALKER}"]


async def test_a_derived_headline_is_marked_in_the_reader(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")  # the first sample has no title
        await pilot.pause()
        assert app.screen.paper.headline_derived
        assert app.screen.query_one("#reader-title").has_class("-derived")
        assert "derived from the abstract" in static_text(app, "#reader-meta")
