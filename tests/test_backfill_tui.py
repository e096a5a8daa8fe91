"""The TUI's side of learned headlines in the background: an import from the
TUI starts the backfill and says so; a queue left by a killed backfill is taken
up when readq starts. (The backfill itself: tests/test_backfill.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from readq.headline import derive_headline
from readq.store import Store
# no_backfill_left: the autouse fixture that waits for every backfill a test started.
from tests.test_backfill import imported, listing, no_backfill_left, queue, titles  # noqa: F401
from tests.test_parser_process import wait_until
from tests.tui_support import make_test_app, settle, toasts

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")


def learned_everywhere(db: Path) -> bool:
    with Store.open(db) as store:
        papers = store.page("all", "queue", 0, 1000)
    return not queue(db) and all(p.title == derive_headline(p.abstract) for p in papers)


async def test_an_import_in_the_tui_starts_the_background_headlines_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("READQ_INLINE_HEADLINES", "2")
    db = imported(tmp_path, 3, inline=3)  # a queue to open, nothing waiting yet
    app = make_test_app(db)
    async with app.run_test(size=(120, 40)) as pilot:
        app.start_import(str(listing(tmp_path / "more.txt", 12, first=100)))
        assert wait_until(lambda: not app.import_running(), 30)
        await settle(app, pilot)
        said = "\n".join(toasts(app))
        assert "Headlines of 10 papers are quick ones for now" in said
    assert wait_until(lambda: learned_everywhere(db), 60)


async def test_readq_starting_takes_up_a_queue_left_behind(tmp_path):
    db = imported(tmp_path, 12, inline=0)  # as if the backfill had been killed
    assert len(queue(db)) == 12
    quick = titles(db)
    app = make_test_app(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.2)
    assert wait_until(lambda: learned_everywhere(db), 60)
    assert titles(db) != quick
