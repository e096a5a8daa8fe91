"""The TUI driven by keys through Pilot, asserting on the screen and on SQLite."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from textual.widgets import Input, TextArea

from readq.store import Store
from readq.tui.screens.confirm import ConfirmScreen
from readq.tui.screens.help import HelpScreen
from readq.tui.screens.import_dialog import ImportDialog
from tests.tui_support import (
    build_sample_db,
    help_text,
    make_test_app,
    settle,
    static_text,
    type_text,
    visible_rows,
)

SIZE = (120, 40)
STYLETALKER_ID = "2208.10922"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return build_sample_db(tmp_path / "readq.db")


def reopen(db: Path) -> Store:
    return Store.open(db, create=False)


async def search_for(pilot, query: str) -> None:
    await pilot.press("slash")
    await type_text(pilot, query)
    await pilot.pause(0.3)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_opens_on_the_queue_with_counts_and_headlines(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        rows = visible_rows(app)
        assert len(rows) == 21
        # At 120 columns a row shows the date; the arXiv id is in the detail pane.
        assert any("StyleTalker" in row and "2022-08-23" in row for row in rows)
        assert "21 unread · 21 papers" in static_text(app, "#status")
        assert app.focused is app.screen.paper_list


async def test_typo_search_puts_styletalker_first_and_the_flow_lands_in_sqlite(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await search_for(pilot, "stlytalker")
        assert "StyleTalker" in visible_rows(app)[0]
        await pilot.press("enter")
        assert app.focused is app.screen.paper_list
        paper = app.screen.paper_list.current
        assert paper.arxiv_id == STYLETALKER_ID
        await pilot.press("space", "4", "n")
        assert isinstance(app.focused, TextArea)
        await type_text(pilot, "lip sync idea")
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.focused is app.screen.paper_list
    with reopen(db) as store:
        saved = store.find_by_arxiv_id(STYLETALKER_ID)
        assert saved.read_at is not None
        assert saved.rating == 4
        assert saved.notes == "lip sync idea"


async def test_matched_words_are_highlighted_in_the_list(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await search_for(pilot, "talking head")
        paper_list = app.screen.paper_list
        first_row = paper_list.render_line(0)
        match_style = paper_list.get_component_rich_style("paper-list--match", partial=True)
        highlighted = [seg.text for seg in first_row if seg.style and match_style.underline and seg.style.underline]
        assert "talking" in highlighted and "head" in highlighted
        assert "talking" in app.screen.search_result.terms


async def test_escape_clears_the_search_and_restores_the_queue(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await search_for(pilot, "quantization")
        assert len(visible_rows(app)) < 21
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.query_one("#search", Input).value == ""
        assert len(visible_rows(app)) == 21
        assert app.focused is app.screen.paper_list


async def test_one_character_waits_for_the_next(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await search_for(pilot, "t")
        assert "type one more character" in static_text(app, "#status")
        assert len(visible_rows(app)) == 21


async def test_movement_keys(db):
    app = make_test_app(db)
    async with app.run_test(size=(120, 20)) as pilot:
        paper_list = app.screen.paper_list
        await pilot.press("j", "j", "down")
        assert paper_list.cursor == 3
        await pilot.press("k", "up")
        assert paper_list.cursor == 1
        await pilot.press("G")
        assert paper_list.cursor == 20
        await pilot.press("g")
        assert paper_list.cursor == 0
        await pilot.press("pagedown")
        assert paper_list.cursor > 5
        await pilot.press("pageup")
        assert paper_list.cursor == 0
        await pilot.press("end")
        assert paper_list.current.arxiv_id == "2207.01394"
        await pilot.pause()
        assert "Neural network quantization" in static_text(app, "#detail-abstract")


async def test_mouse_click_selects_a_row(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("PaperList", offset=(10, 5))
        await pilot.pause()
        assert app.screen.paper_list.cursor == 4


async def test_ratings_and_clearing(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        await settle(app, pilot)
        first_id = app.screen.paper_list.current.id
        assert app.store.get(first_id).rating == 5
        assert "★★★★★" in visible_rows(app)[0]
        await pilot.press("0")
        await settle(app, pilot)
        assert app.store.get(first_id).rating is None


async def test_filter_and_sort_cycle(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        await settle(app, pilot)
        await pilot.press("u")  # unread
        await pilot.pause()
        assert "filter: unread" in static_text(app, "#status")
        assert len(visible_rows(app)) == 20
        await pilot.press("u")  # read
        await pilot.pause()
        assert len(visible_rows(app)) == 1
        await pilot.press("u", "u", "u")  # rated, noted, then all
        await pilot.pause()
        assert "filter: all" in static_text(app, "#status")
        before = app.screen.paper_list.current.id
        await pilot.press("s")  # newest: the rows reorder, the cursor stays on its paper
        await pilot.pause()
        assert "sort: newest" in static_text(app, "#status")
        assert app.screen.paper_list.current.id == before
        assert app.screen.paper_list.source.row(0).created == "2022-10-19"
        await pilot.press("s", "s")  # rating, recommended (too few ratings: newest first, and why)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "newest first: rate a few papers to get recommendations" in static_text(app, "#status")
        await pilot.press("s")
        await pilot.pause()
        assert "sort: queue" in static_text(app, "#status")


async def test_next_unread_jumps_over_read_papers(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        with Store.open(db) as other:
            other.set_read(other.view_ids()[1:4], True)
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("N")
        assert app.screen.paper_list.cursor == 4


async def test_undo_restores_read_mark_rating_and_note(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        paper_id = app.screen.paper_list.current.id
        await pilot.press("space", "3")
        await settle(app, pilot)
        await pilot.press("ctrl+z")
        await settle(app, pilot)
        assert app.store.get(paper_id).rating is None
        await pilot.press("ctrl+z")
        await settle(app, pilot)
        assert app.store.get(paper_id).read_at is None
        await pilot.press("n")
        await type_text(pilot, "draft")
        await pilot.press("escape", "j")
        await settle(app, pilot)
        assert app.store.get(paper_id).notes == "draft"
        await pilot.press("ctrl+z")
        await settle(app, pilot)
        assert app.store.get(paper_id).notes == ""


async def test_bulk_mark_read_asks_first_and_can_be_undone(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("A")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert app.store.stats().unread == 21
        await pilot.press("A")
        await pilot.pause()
        await pilot.press("y")
        await settle(app, pilot)
        assert app.store.stats().unread == 0
        await pilot.press("ctrl+z")
        await settle(app, pilot)
        assert app.store.stats().unread == 21


async def test_notes_are_saved_while_typing_without_leaving_the_pane(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        paper_id = app.screen.paper_list.current.id
        await pilot.press("n")
        await type_text(pilot, "keeps typing")
        await pilot.pause(1.0)  # the debounce fires within a second of the last key
        await settle(app, pilot)
        with reopen(db) as other:
            assert other.get(paper_id).notes == "keeps typing"
        assert "saved" in static_text(app, "#notes-status")


async def test_quit_with_unsaved_note_saves_it(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        paper_id = app.screen.paper_list.current.id
        await pilot.press("n")
        await type_text(pilot, "last words")
        # q would type into the note: quit the way the binding does, text unsaved.
        assert app.session.draft(paper_id) == "last words"
        await app.action_quit()
    with reopen(db) as store:
        assert store.get(paper_id).notes == "last words"


async def test_moving_to_another_paper_saves_the_note(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        paper_id = app.screen.paper_list.current.id
        await pilot.press("n")
        await type_text(pilot, "first")
        app.screen.notes.editor.blur()
        await pilot.press("j")
        await settle(app, pilot)
        assert app.store.get(paper_id).notes == "first"


async def test_external_editor_edits_the_note(db, tmp_path, monkeypatch):
    editor = tmp_path / "editor.py"
    editor.write_text("import sys\nopen(sys.argv[1], 'a').write('from the editor')\n")
    monkeypatch.setenv("VISUAL", f"{sys.executable} {editor}")
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        paper_id = app.screen.paper_list.current.id
        await pilot.press("e")
        await settle(app, pilot)
        assert app.store.get(paper_id).notes == "from the editor"


async def test_copy_and_open(db, monkeypatch):
    app = make_test_app(db)
    opened = []
    monkeypatch.setattr(app, "open_url", lambda url, **_: opened.append(url))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("G", "y")
        assert app.clipboard == "2207.01394"
        await pilot.press("Y")
        assert app.clipboard == "https://arxiv.org/abs/2207.01394"
        await pilot.press("o")
        assert opened == ["https://arxiv.org/abs/2207.01394"]


async def test_import_dialog_imports_a_file(tmp_path):
    db = tmp_path / "empty.db"
    source = tmp_path / "new.txt"
    source.write_text("A brand new abstract about graph transformers for molecules and more.\n")
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        assert "Your reading queue is empty" in static_text(app, "#empty-state")
        assert app.screen.has_class("-empty")
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, ImportDialog)
        await type_text(pilot, str(tmp_path / "missing.txt"))
        await pilot.press("enter")
        await pilot.pause()
        assert "No such file" in static_text(app, "#import-error")
        app.screen.query_one(Input).value = str(source)
        await pilot.press("enter")
        await settle(app, pilot, 0.2)
        assert not app.screen.has_class("-empty")
        assert len(visible_rows(app)) == 1
        assert app.store.stats().total == 1


async def test_help_screen_lists_every_binding(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = help_text(app)
        for description in ("Read/unread", "Next unread", "Edit in $EDITOR", "Undo", "Quit", "First"):
            assert description in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_command_palette_runs_actions(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await type_text(pilot, "Next unread")
        await pilot.pause(0.5)
        commands = [c.title for c in app.get_system_commands(app.screen_stack[1])]
        assert "Read/unread" in commands and "Rate 4" in commands
        await pilot.press("escape")


async def test_keymap_config_remaps_and_bad_config_still_starts(db, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[keymap]\n"queue.toggle_read" = "x"\n"no.such" = "z"\n')
    app = make_test_app(db, config_file=config)
    async with app.run_test(size=SIZE) as pilot:
        paper_id = app.screen.paper_list.current.id
        await pilot.press("x")
        await settle(app, pilot)
        assert app.store.get(paper_id).read_at is not None
        messages = [str(n.message) for n in app._notifications]
        assert any("unknown binding id 'no.such'" in m for m in messages)
    config.write_text("[keymap\n")
    app = make_test_app(db, config_file=config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert any("not valid TOML" in str(n.message) for n in app._notifications)
        assert len(visible_rows(app)) == 21


async def test_theme_choice_is_remembered(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        app.theme = "nord"
        await settle(app, pilot)
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "nord"


async def test_changes_from_another_process_show_up(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        paper_id = app.screen.paper_list.current.id
        with Store.open(db) as other:
            other.rate(paper_id, 2)
            other.save_note(paper_id, "written elsewhere")
        await pilot.pause(1.8)  # the screen polls PRAGMA data_version
        assert "★★" in visible_rows(app)[0]
        assert app.screen.notes.editor.text == "written elsewhere"
