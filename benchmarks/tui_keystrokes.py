"""Keystroke to repainted frame in the TUI, headless, timed.

    python benchmarks/tui_keystrokes.py DB [--runs 3]

Types queries into the search box one key at a time, posting each key event
the way the terminal driver does; each figure is the time from the key until
the first frame painted after the search results for that text reached the
screen (App._display is wrapped to see frames). Then it pages down 30 times
through the results of "model" (about 1,100 rows deep), key to painted frame.
Pilot's own waits are not in the figure. Prints p50/p95/max; no asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from textual import events

from readq.store import Store
from readq.tui.app import ReadqApp

QUERIES = [
    "transformer segmentation", "large language model reasoning", "diffusion image editing",
    "gaussian splatting", "trasnformer segmetnation", "graph neural netwok",
    "point cloud registration", "speech recognition",
]


async def one_run(db: str, scrolls: list[float]) -> list[float]:
    app = ReadqApp(Store.open(db), config_file=None)
    frames: list[float] = []
    timings = []
    async with app.run_test(size=(120, 40)) as pilot:
        display = app._display

        def timed_display(*args, **kwargs):
            frames.append(time.perf_counter())
            return display(*args, **kwargs)

        app._display = timed_display
        await pilot.pause()
        screen = app.screen
        for query in QUERIES:
            await pilot.press("slash")
            for length in range(1, len(query) + 1):
                char = query[length - 1]
                started = time.perf_counter()
                app.post_message(events.Key("space" if char == " " else char, char))
                shown_at = await _results_shown(screen, query[:length])
                while not frames or frames[-1] < shown_at:
                    await asyncio.sleep(0.0005)
                timings.append((frames[-1] - started) * 1000)
            await pilot.press("escape")
        # Scrolling deep into results: each page read from the engine as it comes.
        await pilot.press("slash")
        for char in "model ":
            await pilot.press("space" if char == " " else char)
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause(0.2)
        papers = screen.paper_list
        for _ in range(30):  # about 1,100 rows deep at 120x40
            before = papers.cursor
            started = time.perf_counter()
            app.post_message(events.Key("pagedown", None))
            while papers.cursor == before:
                await asyncio.sleep(0.0005)
            moved_at = time.perf_counter()
            while not frames or frames[-1] < moved_at:
                await asyncio.sleep(0.0005)
            scrolls.append((frames[-1] - started) * 1000)
        scrolls.append(papers.cursor)  # how deep it went (the last entry)
    app.store.close()
    return timings


async def _results_shown(screen, text: str) -> float:
    """Wait until the screen shows the answer for `text`; when it did."""
    while True:
        result = screen.search_result
        waiting = len(text.strip()) == 1
        if (result is not None and result.query == text) or (waiting and result is None):
            return time.perf_counter()
        await asyncio.sleep(0.0005)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for run in range(1, args.runs + 1):
        scrolls: list[float] = []
        timings = sorted(asyncio.run(one_run(args.db, scrolls)))
        p95 = timings[int(len(timings) * 0.95)]
        print(f"run {run}: {len(timings)} keystrokes, p50 {statistics.median(timings):.1f} ms,"
              f" p95 {p95:.1f} ms, max {timings[-1]:.1f} ms")
        depth, pages = int(scrolls[-1]), sorted(scrolls[:-1])
        print(f"       pagedown through results to row {depth:,}: p50 {statistics.median(pages):.1f} ms,"
              f" p95 {pages[int(len(pages) * 0.95)]:.1f} ms, max {pages[-1]:.1f} ms")


if __name__ == "__main__":
    main()
