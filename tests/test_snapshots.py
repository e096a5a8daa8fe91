"""Snapshots of the main screens (pytest-textual-snapshot), on fixed data and clock.

Update with `pytest tests/test_snapshots.py --snapshot-update` only after
looking at the new SVGs: a changed snapshot is a changed UI.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tui_support import build_sample_db, make_test_app, type_text

BLINKERS = "Input, TextArea"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return build_sample_db(tmp_path / "readq.db")


def snapshot(snap_compare, app, steps=None, terminal_size=(120, 40)) -> bool:
    """snap_compare with the cursors' blink off from the first frame on."""
    async def run_before(pilot):
        no_blink(pilot.app)
        if steps is not None:
            await steps(pilot)
        await steady(pilot)

    return snap_compare(app, terminal_size=terminal_size, run_before=run_before)


def no_blink(app) -> None:
    """Cursors that never blink, set before any key is pressed.

    Turning the blink off later is too late: a TextArea caches its lines, and a
    line drawn in the blink's "off" phase is cached under the same key as a
    line with a steady cursor, so the cursor went missing from half the frames.
    """
    for screen in app.screen_stack:
        for widget in screen.query(BLINKERS):
            widget.cursor_blink = False


async def steady(pilot) -> None:
    """No blinking cursors, no pending work: the same frame every run."""
    blinking = [widget for widget in pilot.app.screen.query(BLINKERS) if widget.cursor_blink]
    assert not blinking, f"call no_blink before these cursors are shown: {blinking}"
    await pilot.app.workers.wait_for_complete()
    pilot.app.flush_writes()
    await pilot.pause(0.2)


def test_queue_on_sample_data(snap_compare, db):
    async def steps(pilot):
        await pilot.press("j", "j", "4", "space")

    assert snapshot(snap_compare, make_test_app(db), steps)


def test_search_with_highlights(snap_compare, db):
    async def steps(pilot):
        await pilot.press("slash")
        await type_text(pilot, "talking haed")
        await pilot.pause(0.3)
        await steady(pilot)
        await pilot.press("enter")

    assert snapshot(snap_compare, make_test_app(db), steps)


def test_notes_pane_in_use(snap_compare, db):
    async def steps(pilot):
        await pilot.press("G", "n")
        await type_text(pilot, "Compare with binary nets. Read section 4 again.")
        await pilot.pause(0.8)  # past the save delay, and past a blink's half-period

    assert snapshot(snap_compare, make_test_app(db), steps)


def test_help_screen(snap_compare, db):
    async def steps(pilot):
        await pilot.press("question_mark")

    assert snapshot(snap_compare, make_test_app(db), steps)


def test_empty_state(snap_compare, tmp_path):
    assert snapshot(snap_compare, make_test_app(tmp_path / "empty.db"))


def test_small_terminal(snap_compare, db):
    async def steps(pilot):
        await pilot.press("j")

    assert snapshot(snap_compare, make_test_app(db), steps, terminal_size=(80, 24))


def test_small_terminal_editing_a_note(snap_compare, db):
    async def steps(pilot):
        await pilot.press("j", "n")
        await type_text(pilot, "Notes appear on demand here.")
        await pilot.pause(0.8)

    assert snapshot(snap_compare, make_test_app(db), steps, terminal_size=(80, 24))


def test_reader_view(snap_compare, db):
    async def steps(pilot):
        await pilot.press("j", "j", "4", "enter")
        no_blink(pilot.app)  # the reader's notes editor (not focused: no cursor drawn yet)

    assert snapshot(snap_compare, make_test_app(db), steps)


def test_reader_view_small_terminal(snap_compare, db):
    async def steps(pilot):
        await pilot.press("j", "enter")
        no_blink(pilot.app)

    assert snapshot(snap_compare, make_test_app(db), steps, terminal_size=(80, 24))


def test_light_theme(snap_compare, db):
    async def steps(pilot):
        pilot.app.theme = "textual-light"
        await pilot.press("j", "5", "j", "space", "j")

    assert snapshot(snap_compare, make_test_app(db), steps)
