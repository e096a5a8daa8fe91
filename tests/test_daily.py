"""Daily-driver details (issue 13, first part): triage with `x`, the "has notes"
filter, feedback at the edges, and command-line ids as users paste them."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import readq.cli as cli_module
from readq.cli import cli
from readq.store import Store
from tests.tui_support import make_test_app, settle, static_text, toasts

SIZE = (120, 40)


async def test_x_marks_read_and_moves_on(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        first = app.screen.paper_list.current.id
        await pilot.press("x")
        await settle(app, pilot)
        assert app.store.get(first).is_read
        assert app.screen.paper_list.cursor == 1
        second = app.screen.paper_list.current.id
        await pilot.press("x")
        await settle(app, pilot)
        assert app.store.get(second).is_read and app.screen.paper_list.cursor == 2


async def test_x_in_the_unread_view_brings_the_next_paper_under_the_cursor(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u")  # all -> unread
        await settle(app, pilot)
        first = app.screen.paper_list.current.id
        await pilot.press("x")
        await settle(app, pilot)
        assert app.store.get(first).is_read
        assert app.screen.paper_list.cursor == 0
        assert app.screen.paper_list.current.id != first


async def test_the_filter_cycle_has_papers_with_notes(db):
    with Store.open(db) as store:
        store.save_note(5, "come back to this")
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u", "u", "u", "u")  # unread, read, rated, noted
        await settle(app, pilot)
        assert "filter: noted" in static_text(app, "#status")
        assert len(app.screen.paper_list.source) == 1
        assert app.screen.paper_list.current.id == 5


async def test_copy_and_open_without_a_link_say_so(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        assert app.screen.paper_list.current.link is None  # a plain abstract
        for key in ("y", "Y", "o"):
            await pilot.press(key)
        await pilot.pause()
        said = toasts(app)
        assert said.count("This paper has no arXiv id or link to copy.") == 2
        assert "This paper has no arXiv id or link to open." in said


async def test_next_unread_says_when_it_wraps_to_the_top(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        with Store.open(db) as other:
            other.set_read(other.view_ids()[5:], True)
        await pilot.press("r")
        await pilot.pause()
        for _ in range(5):
            await pilot.press("j")
        await pilot.press("N")
        await pilot.pause()
        assert app.screen.paper_list.cursor == 0
        assert any("back to the first unread from the top" in t for t in toasts(app))


def run(db: Path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db), *args])


def test_list_noted(db):
    with Store.open(db) as store:
        store.save_note(3, "a note")
        store.save_note(9, "another")
    result = run(db, "list", "--noted", "--json")
    assert result.exit_code == 0, result.output
    assert [p["id"] for p in __import__("json").loads(result.stdout)] == [3, 9]
    assert run(db, "list", "--noted", "--unread").exit_code == 2


@pytest.mark.parametrize("written", [
    "2208.10922", "arXiv:2208.10922v2", "ARXIV:2208.10922", "https://arxiv.org/abs/2208.10922",
    "https://arxiv.org/abs/2208.10922v3", "http://arxiv.org/pdf/2208.10922v1.pdf", "arxiv.org/abs/2208.10922/",
])
def test_show_takes_ids_and_urls_as_people_paste_them(db, written):
    result = run(db, "show", "--json", written)
    assert result.exit_code == 0, result.output
    assert '"arxiv_id": "2208.10922"' in result.stdout


def test_rate_says_what_it_did_in_words(db):
    assert run(db, "rate", "1", "5").stdout == "rated paper 1: 5 stars\n"
    assert run(db, "rate", "1", "1").stdout == "rated paper 1: 1 star\n"
    assert run(db, "rate", "1", "0").stdout == "cleared the rating of paper 1\n"


def test_demo_leaves_no_temporary_folder(monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    opened = []
    monkeypatch.setattr(cli_module, "launch_tui", lambda db: opened.append(Store.open(db).close() or db))
    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    assert opened and not opened[0].exists()
    assert list(tmp_path.glob("readq-demo-*")) == []


def test_list_to_a_pipe_prints_headlines_whole(db):
    with Store.open(db) as store:
        longest = max(store.iter_papers(), key=lambda p: len(p.title))
    assert len(longest.title) > 70
    result = run(db, "list")  # CliRunner's stdout is not a terminal, like a pipe
    assert any(line.endswith(longest.title) for line in result.stdout.splitlines())


def test_json_gives_the_link_of_an_arxiv_paper_as_its_url(db):
    import json

    shown = json.loads(run(db, "show", "--json", "2208.10922").stdout)
    assert shown["url"] == "https://arxiv.org/abs/2208.10922"
    listed = json.loads(run(db, "list", "--json").stdout)
    assert {p["arxiv_id"]: p["url"] for p in listed}["2208.10922"] == "https://arxiv.org/abs/2208.10922"
