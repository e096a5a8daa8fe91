"""The long-lived heap is frozen out of the garbage collector's full
collections (readq/tui/heap.py): what it promises beyond speed is that the
search vocabulary in use is frozen, and that a replaced one is freed."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest

from readq.tui import heap
from tests.tui_support import build_sample_db, make_test_app, type_text


class Owner:
    """Stands for a vocabulary: something big that lives until replaced."""

    def __init__(self) -> None:
        self.cycle = [self]  # only a full collection frees it


@pytest.fixture(autouse=True)
def fresh_heap():
    gc.unfreeze()
    heap._frozen_for.clear()
    yield
    gc.unfreeze()
    heap._frozen_for.clear()


def test_freezes_once_per_owner():
    first = Owner()
    assert heap.freeze_long_lived(first)
    assert gc.get_freeze_count() > 0
    assert not heap.freeze_long_lived(first)
    assert heap.freeze_long_lived(Owner())


def test_a_replaced_owner_is_freed_not_kept_frozen():
    old = Owner()
    heap.freeze_long_lived(old)
    gone = weakref.ref(old)
    del old  # the engine dropped it for a new vocabulary
    heap.freeze_long_lived(Owner())
    assert gone() is None


async def test_the_search_vocabulary_in_use_is_frozen(tmp_path: Path):
    app = make_test_app(build_sample_db(tmp_path / "readq.db"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash")
        await type_text(pilot, "speech")
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
        assert heap._frozen_for and heap._frozen_for[0]() is app.search_engine.loaded_vocabulary


async def test_collection_paused_for_start_up_resumes_after_the_first_frame(tmp_path: Path):
    from readq.tui.app import make_app

    app = make_app(build_sample_db(tmp_path / "readq.db"), config_file=tmp_path / "none.toml")
    assert not gc.isenabled()  # start-up objects are long-lived: not collected as they are born
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            assert gc.isenabled()
            assert gc.get_freeze_count() > 0
    finally:
        app.store.close()
        gc.enable()
