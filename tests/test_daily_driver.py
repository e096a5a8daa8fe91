"""A daily driver (issue 13): the detail pane, row columns, a selection that stays
put, the position indicator, what is remembered between runs, the notes editor
and keys, small terminals and the help screen. Keys in; screen and database checked."""

from __future__ import annotations

import json
from pathlib import Path

from readq.importing import import_file
from readq.store import Store
from readq.tui.screens.help import HelpScreen
from readq.tui.screens.queue import QueueScreen
from tests.tui_support import (
    help_text,
    make_test_app,
    settle,
    static_text,
    toasts,
    type_text,
    visible_rows,
)

SIZE = (120, 40)
SMALL = (80, 24)
LONG_TITLE = ("A very long real title about robot pollination that goes on and on well past any"
              " list column so that only the detail pane can show it whole")


def add_json_paper(db: Path, **fields) -> int:
    record = {"id": "2503.11692", "abstract": "Flower pose estimation for robotic pollination. " * 3,
              "categories": ["cs.RO", "cs.CV"], "created": "2025-03-18", **fields}
    path = db.parent / "one.jsonl"  # arXiv's JSON lines, as in the shared corpus
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    with Store.open(db) as store:
        import_file(store, str(path))
        return store.find_by_arxiv_id("2503.11692").id


async def go_to(app, pilot, paper_id: int) -> None:
    app.screen.paper_list.cursor = app.screen.paper_list.source.position_of(paper_id)
    await pilot.pause()


# ----- 2: the detail pane ---------------------------------------------------------------


async def test_the_detail_pane_shows_a_long_title_whole_with_categories(db):
    paper_id = add_json_paper(db, title=LONG_TITLE)
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await go_to(app, pilot, paper_id)
        assert static_text(app, "#detail-title") == LONG_TITLE
        assert not app.screen.query_one("#detail-title").has_class("-derived")
        meta = static_text(app, "#detail-meta")
        assert "cs.RO cs.CV" in meta and "derived" not in meta


async def test_a_derived_headline_looks_different_and_says_so(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.screen.paper_list.current.headline_derived  # the first sample has no title
        assert app.screen.query_one("#detail-title").has_class("-derived")
        assert "derived from the abstract" in static_text(app, "#detail-meta")


# ----- 4: what a row shows ---------------------------------------------------------------


async def test_rows_show_the_date_from_100_columns_and_stars_keep_a_gap(db):
    with Store.open(db) as store:
        store.rate(14, 5)
        dated = store.get(14)
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        row = next(row for row in visible_rows(app) if "★★★★★" in row)
        assert "★★★★★  " + dated.title[:20] in row
        assert dated.created in row
    app = make_test_app(db)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        assert not any(dated.created in row for row in visible_rows(app))


# ----- 5: selection stays put -------------------------------------------------------------


async def test_filter_and_sort_keep_the_cursor_on_its_paper(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "j", "j", "j")
        chosen = app.screen.paper_list.current.id
        await pilot.press("s")  # newest first: the paper moves, the cursor with it
        await pilot.pause()
        assert app.screen.paper_list.current.id == chosen
        assert app.screen.paper_list.cursor != 4
        await pilot.press("u")  # unread: still listed
        await pilot.pause()
        assert app.screen.paper_list.current.id == chosen


async def test_a_paper_that_leaves_the_view_hands_the_cursor_to_its_neighbour(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "j", "space")  # paper 3 read
        await settle(app, pilot)
        await pilot.press("u")  # unread: paper 3 is not listed; paper 4 takes its place
        await pilot.pause()
        assert app.screen.paper_list.current.id == 4


async def test_esc_from_a_search_stays_on_the_paper_found(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash")
        await type_text(pilot, "styletalker")
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
        await pilot.pause()
        found = app.screen.paper_list.current
        assert "StyleTalker" in found.title
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.search_result is None
        assert app.screen.paper_list.current.id == found.id
        assert app.screen.paper_list.cursor == found.id - 1  # queue order is import order


async def test_an_import_finishing_keeps_the_cursor_on_its_paper(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "g")  # newest first: the imported paper (2025) will land on top
        await pilot.press("j", "j")
        chosen = app.screen.paper_list.current.id
        path = db.parent / "new.json"
        path.write_text(json.dumps([{"id": "2503.11692", "created": "2025-03-18",
                                     "abstract": "A new abstract about pollination robots. " * 3}]))
        app.start_import(str(path))
        for _ in range(100):
            await pilot.pause(0.05)
            if not app.import_running() and app.store.count() == 22:
                break
        await settle(app, pilot, 0.1)
        assert app.store.count() == 22
        assert app.screen.paper_list.current.id == chosen
        assert app.screen.paper_list.cursor == 3


# ----- 6: position and numbers ---------------------------------------------------------------


async def test_the_status_line_shows_the_position_and_formats_numbers(db, tmp_path):
    rows = [{"id": f"2501.{n:05d}", "abstract": f"Abstract number {n} about topic {n % 7}. " * 3}
            for n in range(1, 1201)]
    path = tmp_path / "many.json"
    path.write_text(json.dumps(rows))
    with Store.open(db) as store:
        import_file(store, str(path))
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "j")
        await pilot.pause()
        status = static_text(app, "#status")
        assert status.startswith("3 / 1,221")
        assert "1,221 unread · 1,221 papers" in status
        await pilot.press("G")
        await pilot.pause()
        assert static_text(app, "#status").startswith("1,221 / 1,221")


# ----- 7: remembered between runs -------------------------------------------------------------


async def test_filter_sort_and_paper_are_remembered_per_database(db, tmp_path):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "u")  # newest, unread
        await pilot.press("j", "j", "j")
        chosen = app.screen.paper_list.current.id
        await pilot.press("q")
        await pilot.pause()
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert (screen.filter, screen.sort) == ("unread", "newest")
        assert screen.paper_list.current.id == chosen
        assert "filter: unread · sort: newest" in static_text(app, "#status")
    # Another database starts as it always did.
    other = tmp_path / "other" / "readq.db"
    other.parent.mkdir()
    Store.open(other).close()
    app = make_test_app(other, config_file=db.parent / "no-config.toml")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert (app.screen.filter, app.screen.sort) == ("all", "queue")


async def test_the_theme_is_remembered_for_every_database(db, tmp_path):
    config = tmp_path / "config.toml"
    app = make_test_app(db, config_file=config)
    async with app.run_test(size=SIZE) as pilot:
        app.theme = "solarized-light"
        await pilot.pause()
    with Store.open(db) as store:
        assert store.get_setting("theme") is None  # not a property of this queue
    other = tmp_path / "other" / "readq.db"
    other.parent.mkdir()
    Store.open(other).close()
    app = make_test_app(other, config_file=config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "solarized-light"


async def test_an_unwritable_theme_file_is_reported_not_fatal(db, tmp_path):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder should be")
    app = make_test_app(db, config_file=blocked / "config.toml")
    async with app.run_test(size=SIZE) as pilot:
        app.theme = "nord"
        await pilot.pause()
        assert any("The theme is not remembered" in toast for toast in toasts(app))


# ----- 9: entering and leaving the notes editor ------------------------------------------------


async def test_the_notes_editor_says_how_to_leave_and_list_keys_work_after(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("tab")
        await pilot.pause()
        screen = app.screen
        assert screen.focused is screen.notes.editor
        assert screen.notes.has_pseudo_class("focus-within")  # the highlighted border
        footer_keys = [binding.description for _, binding, _, _ in screen.active_bindings.values()
                       if binding.show]
        assert "Back to list" in footer_keys and "Read/unread" not in footer_keys
        await type_text(pilot, "jj")
        await pilot.press("escape")
        await pilot.pause()
        assert screen.focused is screen.paper_list
        await pilot.press("j")
        await pilot.pause()
        assert screen.paper_list.cursor == 1
        await settle(app, pilot)
        assert app.store.get(1).notes == "jj"


# ----- 10: keymap conflicts and the palette -------------------------------------------------------


async def test_a_keymap_conflict_is_named_at_start_up(db, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[keymap]\n"queue.rate_5" = "j"\n')
    app = make_test_app(db, config_file=config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        warnings = [toast for toast in toasts(app) if "keymap" in toast]
        assert len(warnings) == 1
        assert "list.down" in warnings[0] and "queue.rate_5" in warnings[0]


async def test_the_default_keys_have_no_conflicts(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not [toast for toast in toasts(app) if "keymap" in toast]


async def test_the_command_palette_shows_keys_and_binding_ids(db, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[keymap]\n"queue.toggle_read" = "t"\n')
    app = make_test_app(db, config_file=config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        commands = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert "id: queue.toggle_read" in commands["Read/unread"]
        assert "key: t" in commands["Read/unread"]


# ----- 12: small terminals --------------------------------------------------------------------------


async def test_80x24_keeps_help_and_quit_and_shows_the_abstract(db):
    app = make_test_app(db)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        screen = app.screen
        assert screen.has_class("-narrow")
        footer = [key for key in screen.query("FooterKey") if key.region.width]
        assert [key.description for key in footer[:2]] == ["Help", "Quit"]
        assert all(key.region.right <= SMALL[0] for key in footer[:2])
        # One metadata line, so the abstract starts on the first screen.
        assert "\n" not in static_text(app, "#detail-meta")
        abstract = screen.query_one("#detail-abstract")
        assert abstract.region.y < SMALL[1] - 2 and abstract.region.height > 0
        # Notes come on demand.
        assert not screen.notes.display
        await pilot.press("n")
        await pilot.pause()
        assert screen.notes.display and screen.focused is screen.notes.editor


# ----- 13: the help screen ---------------------------------------------------------------------------


async def test_help_is_grouped_fits_120x40_and_explains_search(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = help_text(app)
        for section in ("Moving", "Reading", "Rating", "Notes and undo", "Reader view", "Search syntax"):
            assert section in text
        assert "is:unread" in text and '"a phrase"' in text
        scroll = app.screen.query_one("#help-scroll")
        assert scroll.max_scroll_y == 0  # everything on one screen


async def test_help_scrolls_with_j_and_k_on_a_small_terminal(db):
    app = make_test_app(db)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        scroll = app.screen.query_one("#help-scroll")
        assert scroll.max_scroll_y > 0
        await pilot.press("j", "j")
        await pilot.pause()
        assert scroll.scroll_y > 0
        await pilot.press("k", "k")
        await pilot.pause()
        assert scroll.scroll_y == 0
        await pilot.press("escape")
        assert isinstance(app.screen, QueueScreen)


async def test_help_lists_every_binding_of_the_list_and_reader(db):
    from readq.tui.app import iter_bindings
    from readq.tui.screens.reader import ReaderScreen
    from readq.tui.widgets.paper_list import PaperList

    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        text = help_text(app)
        for binding in iter_bindings(PaperList, QueueScreen, ReaderScreen):
            if binding.id.split(".")[1].startswith("rate_") and binding.id[-1] in "12345":
                continue  # folded into "Rate 1–5 stars"
            assert binding.description in text, binding.id
        assert "Rate 1–5 stars" in text
