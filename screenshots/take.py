"""Regenerate screenshots/*.svg from the running app on the bundled samples.

    python screenshots/take.py

Each screenshot drives the real app headless with Pilot (the way the tests
do) and saves what Textual painted; nothing is drawn by hand.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from readq.importing import import_file
from readq.store import Store
from readq.tui.app import ReadqApp

HERE = Path(__file__).parent
SHOT_TIME = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


def build_demo_db(path: Path) -> None:
    with Store.open(path, clock=lambda: SHOT_TIME) as store:
        samples = resources.files("readq") / "samples"
        for sample in sorted(samples.iterdir(), key=lambda p: p.name):
            if sample.name.endswith(".txt"):
                import_file(store, str(sample), source_name=sample.name)


async def type_text(pilot, text: str) -> None:
    for char in text:
        await pilot.press("space" if char == " " else char)


async def queue(pilot) -> None:
    await pilot.press("j", "4", "space", "j", "j", "5", "space", "j")


async def search(pilot) -> None:
    await pilot.press("slash")
    await type_text(pilot, "talking haed")
    await pilot.pause(0.4)
    await pilot.press("enter")


async def notes(pilot) -> None:
    await pilot.press("G", "3", "n")
    await type_text(pilot, "Compare with binary nets; read section 4 again.")
    await pilot.pause(0.8)


async def help_screen(pilot) -> None:
    await pilot.press("question_mark")


async def reader(pilot) -> None:
    await pilot.press("j", "j", "4", "enter")


async def recommended(pilot) -> None:
    # Like three papers on generative models; the rest is ranked by them.
    await pilot.press("5", "j", "j", "j", "5", "j", "j", "j", "j", "4", "n")
    await type_text(pilot, "Good baseline for the GAN comparison.")
    await pilot.press("escape", "u", "s", "s", "s")
    await pilot.pause(1.0)


SHOTS: dict[str, tuple[tuple[int, int], Callable[..., Awaitable[None]]]] = {
    "queue": ((120, 36), queue),
    "search": ((120, 36), search),
    "notes": ((120, 36), notes),
    "help": ((120, 40), help_screen),
    "reader": ((120, 36), reader),
    "recommended": ((120, 36), recommended),
    "small-terminal": ((80, 24), queue),
}


async def take(name: str, size: tuple[int, int], steps, folder: Path) -> Path:
    db = folder / f"{name}.db"
    build_demo_db(db)
    app = ReadqApp(Store.open(db, clock=lambda: SHOT_TIME), config_file=folder / "none.toml")
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await steps(pilot)
        await app.workers.wait_for_complete()
        app.flush_writes()
        await pilot.pause(0.3)
        target = HERE / f"{name}.svg"
        app.save_screenshot(filename=target.name, path=str(HERE))
    app.store.close()
    return target


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        for name, (size, steps) in SHOTS.items():
            print(await take(name, size, steps, Path(folder)))


if __name__ == "__main__":
    asyncio.run(main())
