"""Triage in the TUI (issue 16) and search results that keep their search
(issue 12, items 1, 2, 8): keys in, order and database checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from readq.importing import import_file
from readq.store import Store
from readq.tui.screens.queue import QueueScreen
from readq.tui.screens.tag_dialog import TagDialog
from tests.tui_support import make_test_app, settle, static_text, type_text, visible_rows

SIZE = (120, 40)
SUBSET = Path(__file__).parent / "data" / "recommend_subset.jsonl"  # 12 splatting, 12 speech, 40 others


@pytest.fixture
def triage_db(tmp_path: Path) -> Path:
    path = tmp_path / "readq.db"
    with Store.open(path) as store:
        assert import_file(store, str(SUBSET)).imported == 64
    return path


@pytest.fixture
def liked_db(triage_db: Path) -> Path:
    """Four gaussian-splatting papers rated 5 stars: enough to rank by."""
    with Store.open(triage_db) as store:
        for paper_id in topic(triage_db, "splatting")[:4]:
            store.rate(paper_id, 5)
    return triage_db


async def show_recommended(app, pilot) -> None:
    await pilot.press("s", "s", "s")  # newest, rating, recommended
    await wait_for_workers(app, pilot)


def topic(db: Path, words: str) -> list[int]:
    with Store.open(db) as store:
        return [p.id for p in store.iter_papers() if words in p.title.lower()]


async def wait_for_workers(app, pilot) -> None:
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause(0.05)


async def test_the_recommended_sort_puts_the_liked_topic_first_and_says_why(triage_db):
    splatting = topic(triage_db, "splatting")
    with Store.open(triage_db) as store:
        for paper_id in splatting[:4]:
            store.rate(paper_id, 5)
    app = make_test_app(triage_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u", "s", "s", "s")  # unread, then newest, rating, recommended
        await wait_for_workers(app, pilot)
        screen = app.screen
        assert "sort: recommended" in static_text(app, "#status")
        top = [screen.paper_list.source.row(i).id for i in range(8)]
        assert set(top) <= set(splatting[4:]), "the unread splatting papers come first"
        assert static_text(app, "#detail-meta").startswith("Why")
        # A new rating ranks again: the paper rated drops out of the unrated top.
        await pilot.press("g")
        first = screen.paper_list.current.id
        assert screen.paper_list.source.row(0).id == first
        await pilot.press("1")
        await settle(app, pilot)
        await wait_for_workers(app, pilot)
        assert app.store.get(first).rating == 1
        assert screen.paper_list.source.row(0).id != first
        # The cursor keeps its row: the next best paper is under it.
        assert screen.paper_list.cursor == 0 and screen.paper_list.current.id != first


async def test_more_like_this_lists_similar_papers_and_esc_goes_back(triage_db):
    speech = topic(triage_db, "speech")
    app = make_test_app(triage_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        screen.paper_list.cursor = screen.paper_list.source.position_of(speech[0])
        await pilot.press("m")
        await wait_for_workers(app, pilot)
        assert screen.similar_to.id == speech[0]
        assert "more like this" in static_text(app, "#status")
        shown = [screen.paper_list.source.row(i).id for i in range(5)]
        assert speech[0] not in shown and len(set(shown) & set(speech)) >= 4
        await pilot.press("enter")  # the reader works on this list too
        await pilot.pause()
        assert app.screen.paper.id == shown[0]
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert screen.similar_to is None
        assert screen.paper_list.current.id == speech[0]


async def test_u_filters_the_similar_papers(triage_db):
    speech = topic(triage_db, "speech")
    with Store.open(triage_db) as store:
        store.set_read(speech[1:], True)
    app = make_test_app(triage_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        screen.paper_list.cursor = screen.paper_list.source.position_of(speech[0])
        await pilot.press("m")
        await wait_for_workers(app, pilot)
        before = len(screen.paper_list.source)
        await pilot.press("u")  # unread only
        await pilot.pause()
        assert screen.similar_to is not None and len(screen.paper_list.source) < before
        rows = [screen.paper_list.source.row(i) for i in range(len(screen.paper_list.source))]
        assert all(not paper.is_read for paper in rows)


async def test_t_tags_a_paper_shown_in_the_list_and_undone_with_ctrl_z(triage_db):
    app = make_test_app(triage_db)
    async with app.run_test(size=SIZE) as pilot:
        paper_id = app.screen.paper_list.current.id
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TagDialog)
        await type_text(pilot, "toread")
        await pilot.press("enter", "enter")  # add, then save
        await settle(app, pilot)
        assert app.store.tags_of(paper_id) == ["toread"]
        assert "#toread" in visible_rows(app)[0]
        assert "toread" in static_text(app, "#detail-meta")
        await pilot.press("ctrl+z")
        await settle(app, pilot)
        assert app.store.tags_of(paper_id) == []


async def test_u_and_s_on_search_results_keep_the_search(db):
    with Store.open(db) as store:
        store.set_read([1, 2, 3, 4, 5, 6], True)
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash")
        await type_text(pilot, "model")
        await wait_for_workers(app, pilot)
        await pilot.press("enter")
        screen = app.screen
        everything = len(screen.paper_list.source)
        assert f"search: {everything} matches · best match first" in static_text(app, "#status")
        await pilot.press("u")  # unread results only
        await wait_for_workers(app, pilot)
        assert screen.search_result is not None and screen.search_result.filter == "unread"
        unread = [screen.paper_list.source.row(i) for i in range(len(screen.paper_list.source))]
        assert 0 < len(unread) < everything and all(not paper.is_read for paper in unread)
        assert "filter: unread" in static_text(app, "#status")
        await pilot.press("s")  # newest first
        await wait_for_workers(app, pilot)
        dates = [screen.paper_list.source.row(i).created or "" for i in range(len(screen.paper_list.source))]
        assert dates == sorted(dates, reverse=True)
        assert screen.query_one("#search").value == "model"


async def test_a_count_past_its_budget_shows_then_grows_to_every_match(tmp_path):
    path, db = tmp_path / "many.jsonl", tmp_path / "readq.db"
    path.write_text("".join(json.dumps({"id": f"2501.{n:05d}", "created": f"2025-01-{n % 28 + 1:02d}",
                                        "abstract": f"A robot study number {n} about grasping."}) + "\n"
                            for n in range(1, 5001)))
    with Store.open(db) as store:
        assert import_file(store, str(path)).imported == 5000
    app = make_test_app(db)
    counts = []
    # As at 100k papers: ranking and counting 5,000 matches cost more than a frame.
    app.search_engine.rank_time_limit = app.search_engine.count_time_limit = 0.0
    async with app.run_test(size=SIZE) as pilot:
        original = QueueScreen.show_results

        def noting(screen, result, keep=None):
            counts.append((result.query, result.total, result.total_exact))
            original(screen, result, keep)

        app.screen.show_results = noting.__get__(app.screen)
        await pilot.press("slash")
        await type_text(pilot, "robot")
        await wait_for_workers(app, pilot)
        assert counts[-1] == ("robot", 100, False)  # first: a lower bound, at once
        result = app.screen.search_result
        assert result.total_exact and result.total == 5000  # then counted in the worker
        assert len(app.screen.paper_list.source) == 5000
        assert "search: 5,000 matches" in static_text(app, "#status")
        assert app.screen.paper_list.source.row(4999) is not None  # the last match can be scrolled to


async def test_a_search_for_unread_papers_drops_a_paper_marked_read(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash")
        await type_text(pilot, "model is:unread")
        await wait_for_workers(app, pilot)
        await pilot.press("enter")
        before = len(app.screen.paper_list.source)
        first = app.screen.paper_list.current.id
        await pilot.press("space")
        await settle(app, pilot)
        await wait_for_workers(app, pilot)
        assert app.store.get(first).is_read
        assert len(app.screen.paper_list.source) == before - 1
        assert app.screen.paper_list.current.id != first


async def test_a_note_typed_in_the_recommended_order_stays_on_its_paper(liked_db):
    app = make_test_app(liked_db)
    async with app.run_test(size=SIZE) as pilot:
        await show_recommended(app, pilot)
        await pilot.press("g", "j", "j")
        paper_id = app.screen.paper_list.current.id
        await pilot.press("n")
        await type_text(pilot, "first part")
        await pilot.pause(0.8)  # past the save delay: a save, and a write event
        await wait_for_workers(app, pilot)
        await type_text(pilot, " second part")
        await pilot.press("escape")
        await settle(app, pilot)
        await wait_for_workers(app, pilot)
        assert app.store.get(paper_id).notes == "first part second part"
        with Store.open(liked_db) as store:
            assert store.count("noted") == 1


async def test_the_reader_acts_on_the_paper_it_shows_after_a_re_ranking(liked_db):
    app = make_test_app(liked_db)
    async with app.run_test(size=SIZE) as pilot:
        await show_recommended(app, pilot)
        await pilot.press("g", "enter")
        await pilot.pause()
        reader = app.screen
        await pilot.press("1")  # judged: re-ranked to the end; the next best takes its row
        await settle(app, pilot)
        await wait_for_workers(app, pilot)
        shown = reader.paper.id
        assert shown == reader.queue.current.id  # the reader follows the list
        await pilot.press("x")
        await settle(app, pilot)
        assert app.store.get(shown).is_read


async def test_marking_read_under_a_filtered_search_keeps_the_cursor_row(triage_db):
    app = make_test_app(triage_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u", "slash")
        await type_text(pilot, "speech")
        await wait_for_workers(app, pilot)
        await pilot.press("enter", "j", "j", "j")
        rows = [app.screen.paper_list.source.row(i).id for i in range(5)]
        await pilot.press("x")
        await settle(app, pilot)
        await wait_for_workers(app, pilot)
        assert app.store.get(rows[3]).is_read
        assert app.screen.paper_list.cursor == 3 and app.screen.paper_list.current.id == rows[4]


async def test_saving_tags_unchanged_leaves_nothing_to_undo(triage_db):
    app = make_test_app(triage_db)
    async with app.run_test(size=SIZE) as pilot:
        paper_id = app.screen.paper_list.current.id
        await pilot.press("4", "t")
        await pilot.pause()
        await pilot.press("enter")  # empty input: save as it was
        await settle(app, pilot)
        await pilot.press("ctrl+z")  # undoes the rating, the last real change
        await settle(app, pilot)
        assert app.store.get(paper_id).rating is None
