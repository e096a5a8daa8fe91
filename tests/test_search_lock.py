"""The search engine's one database connection is used under its lock only.

The TUI searches in worker threads, and a newer search starts while an older
one still runs; SQLite's progress handler (the frame budget) needs the GIL
while the connection's mutex is held. A second thread using the connection
outside the lock deadlocked the app mid-typing (found by
benchmarks/tui_keystrokes.py): this checks every use on a real session."""

from __future__ import annotations

import pytest

from readq.search import SearchEngine
from tests.tui_support import build_sample_db, make_test_app, type_text


@pytest.fixture
def guarded(monkeypatch):
    used_without_lock: list[str] = []
    connection = SearchEngine._connection

    def checked(self):
        if not self._lock.locked():
            used_without_lock.append("connection used without the engine's lock")
        return connection(self)

    monkeypatch.setattr(SearchEngine, "_connection", checked)
    return used_without_lock


async def test_searching_typing_paging_and_counting_keep_to_the_engine_lock(tmp_path, guarded):
    app = make_test_app(build_sample_db(tmp_path / "readq.db"))
    async with app.run_test(size=(120, 40)) as pilot:
        for query in ("speech", "gan trainign", "model"):
            await pilot.press("slash")
            await type_text(pilot, query)
            await pilot.pause(0.2)
            await app.workers.wait_for_complete()
            await pilot.press("enter", "pagedown", "u", "s", "escape")
            await pilot.pause(0.1)
        await app.workers.wait_for_complete()
        assert app.search_engine.loaded_vocabulary is not None  # the searches ran
    assert guarded == []
