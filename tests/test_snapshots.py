"""Snapshots of the main screens (pytest-textual-snapshot), on fixed data and clock.

Update with `pytest tests/test_snapshots.py --snapshot-update` only after
looking at the new SVGs: a changed snapshot is a changed UI.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, TextArea

from tests.tui_support import build_sample_db, make_test_app, type_text


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return build_sample_db(tmp_path / "readq.db")


async def steady(pilot) -> None:
    """No blinking cursors, no pending work: the same frame every run."""
    for widget in pilot.app.screen.query(Input):
        widget.cursor_blink = False
    for widget in pilot.app.screen.query(TextArea):
        widget.cursor_blink = False
    await pilot.app.workers.wait_for_complete()
    pilot.app.flush_writes()
    await pilot.pause(0.2)


def test_queue_on_sample_data(snap_compare, db):
    async def run_before(pilot):
        await pilot.press("j", "j", "4", "space")
        await steady(pilot)

    assert snap_compare(make_test_app(db), terminal_size=(120, 40), run_before=run_before)


def test_search_with_highlights(snap_compare, db):
    async def run_before(pilot):
        await pilot.press("slash")
        await type_text(pilot, "talking haed")
        await pilot.pause(0.3)
        await steady(pilot)
        await pilot.press("enter")
        await steady(pilot)

    assert snap_compare(make_test_app(db), terminal_size=(120, 40), run_before=run_before)


def test_notes_pane_in_use(snap_compare, db):
    async def run_before(pilot):
        await pilot.press("G", "n")
        await type_text(pilot, "Compare with binary nets. Read section 4 again.")
        await pilot.pause(0.8)
        await steady(pilot)

    assert snap_compare(make_test_app(db), terminal_size=(120, 40), run_before=run_before)


def test_help_screen(snap_compare, db):
    async def run_before(pilot):
        await pilot.press("question_mark")
        await steady(pilot)

    assert snap_compare(make_test_app(db), terminal_size=(120, 40), run_before=run_before)


def test_empty_state(snap_compare, tmp_path):
    async def run_before(pilot):
        await steady(pilot)

    assert snap_compare(make_test_app(tmp_path / "empty.db"), terminal_size=(120, 40), run_before=run_before)


def test_small_terminal(snap_compare, db):
    async def run_before(pilot):
        await pilot.press("j")
        await steady(pilot)

    assert snap_compare(make_test_app(db), terminal_size=(80, 24), run_before=run_before)
