"""Single-key list actions in the TUI: key to the first frame that shows the change.

    python benchmarks/tui_actions.py BIG.db [--floor SMALL.db] [--runs 20]

Runs headless (Textual's test driver) on a copy of each database. Every key
is posted the way the terminal driver posts it; the figure is the time from
the key to the first frame painted after the change is visible in the app's
state (the row re-read from the database for writes). Move, rate, read,
filter, sort and next-unread are each pressed --runs times; mark-all-read and
its undo once per run of the whole list (they change every row). The same
keys on the floor database (default: the bundled 21 samples) are printed
beside, measured in the same run. Prints p50/p95 per action; no asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from textual import events

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from readq.store import Store  # noqa: E402
from readq.tui.app import ReadqApp  # noqa: E402


class FrameClock:
    """Wraps the app's display call to note when frames are painted."""

    def __init__(self, app: ReadqApp):
        self.frames: list[float] = []
        display = app._display  # no public hook for "a frame was written"

        def timed_display(*args, **kwargs):
            self.frames.append(time.perf_counter())
            return display(*args, **kwargs)

        app._display = timed_display

    async def first_frame_after(self, started: float, shown: Callable[[], bool], timeout: float = 10) -> float:
        """ms from `started` to the first frame painted once `shown()` holds."""
        deadline = time.perf_counter() + timeout
        while not shown():
            if time.perf_counter() > deadline:
                raise TimeoutError("the change never showed")
            await asyncio.sleep(0.0005)
        visible_at = time.perf_counter()
        while not self.frames or self.frames[-1] < visible_at:
            await asyncio.sleep(0.0005)
        return (self.frames[-1] - started) * 1000


async def press(app: ReadqApp, key: str, character: str | None = None) -> float:
    started = time.perf_counter()
    app.post_message(events.Key(key, character))
    return started


async def measure(db: Path, runs: int) -> dict[str, list[float]]:
    app = ReadqApp(Store.open(db), config_file=db.parent / "no-config.toml")
    timings: dict[str, list[float]] = {}

    def note(action: str, ms: float) -> None:
        timings.setdefault(action, []).append(ms)

    async with app.run_test(size=(120, 40)) as pilot:
        clock = FrameClock(app)
        await pilot.pause(0.5)
        screen = app.screen
        papers = screen.paper_list

        def row_now():
            return papers.source.row(papers.cursor)

        for run in range(runs):
            if papers.cursor >= len(papers.source) - 3:  # a small list runs out of rows
                await pilot.press("g")
                await pilot.pause(0.05)
            before = papers.cursor
            started = await press(app, "j", "j")
            note("move (j)", await clock.first_frame_after(started, lambda: papers.cursor == before + 1))

            stars = run % 5 + 1
            started = await press(app, str(stars), str(stars))
            note("rate (1-5)", await clock.first_frame_after(started, lambda: row_now().rating == stars))

            was_read = row_now().is_read
            started = await press(app, "space", " ")
            note("read (space)", await clock.first_frame_after(started, lambda: row_now().is_read != was_read))

            started = await press(app, "N", "N")
            note("next unread (N)", await clock.first_frame_after(started, lambda: not row_now().is_read))

        # Views last: in the whole queue in queue order a write leaves the row in place.
        for run in range(runs):
            old_filter = screen.filter
            started = await press(app, "u", "u")
            note("filter (u)", await clock.first_frame_after(started, lambda: screen.filter != old_filter))

            old_sort = screen.sort
            started = await press(app, "s", "s")
            note("sort (s)", await clock.first_frame_after(started, lambda: screen.sort != old_sort))
            await pilot.pause(0.05)

        # Back to the whole queue: mark everything read, then undo it.
        while screen.filter != "all":
            await pilot.press("u")
        await pilot.pause(0.2)
        await pilot.press("A")
        await pilot.pause(0.2)
        started = await press(app, "y", "y")
        note("mark all read (A, y)", await clock.first_frame_after(
            started, lambda: screen._stats is not None and screen._stats.unread == 0, timeout=60))
        started = await press(app, "ctrl+z")
        note("undo mark all (ctrl+z)", await clock.first_frame_after(
            started, lambda: screen._stats is not None and screen._stats.unread > 0, timeout=60))
        app.flush_writes()
    app.store.close()
    return timings


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def sample_db(folder: Path) -> Path:
    from importlib import resources

    from readq.importing import import_file

    path = folder / "samples.db"
    with Store.open(path) as store:
        for sample in sorted((resources.files("readq") / "samples").iterdir(), key=str):
            if sample.name.endswith(".txt"):
                import_file(store, str(sample))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--floor", type=Path, help="the small database (default: the 21 samples)")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        big = work / "big" / "readq.db"
        big.parent.mkdir()
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{args.db}{suffix}").exists():
                shutil.copy(f"{args.db}{suffix}", f"{big}{suffix}")
        small = args.floor or sample_db(work)
        with Store.open(big) as store:
            size = store.count()
        floor = asyncio.run(measure(small, args.runs))
        measured = asyncio.run(measure(big, args.runs))
    print(f"{'action':<26} {f'{size:,} papers p50 / p95 ms':>28} {'floor (21 papers) p50 / p95 ms':>32}  ratio p95")
    for action, values in measured.items():
        base = floor.get(action, [float("nan")])
        print(f"{action:<26} {statistics.median(values):>14.1f} / {percentile(values, 0.95):>7.1f}"
              f" {statistics.median(base):>20.1f} / {percentile(base, 0.95):>7.1f}"
              f"  {percentile(values, 0.95) / percentile(base, 0.95):>8.2f}")


if __name__ == "__main__":
    main()
