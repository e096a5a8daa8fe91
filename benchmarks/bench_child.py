"""Child processes of the benchmark runner, one measurement each.

Each runs in a fresh interpreter so that its peak RSS (ru_maxrss) and its
start-up cost belong to that measurement alone, and writes one JSON object to
the result file it is given:

    python benchmarks/bench_child.py import DB LISTING RESULT PARENT_WALL_TIME
    python benchmarks/bench_child.py tui (DB|--empty-app) RESULT PARENT_WALL_TIME [--headless]

PARENT_WALL_TIME is the parent's time.time() just before it started this
process, so "elapsed" includes interpreter start-up and imports.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

TUI_SIZE = (120, 40)
# A word every corpus slice holds, to check that the import is searchable.
PROBE_QUERY = "image "


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    """Peak RSS of this process (VmHWM). Not ru_maxrss: after fork+exec, Linux
    reports the parent's peak there when it was larger, and the parent holds the
    whole corpus in memory."""
    return _status_mb("VmHWM")


def current_rss_mb() -> float:
    return _status_mb("VmRSS")


def cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children (readq
    parses large files in a second process): unlike wall time, barely affected
    by other programs competing for the cores."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def tree_rss_mb(pid: int) -> float:
    """Current RSS of a process and all its descendants."""
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) / 1024
                        break
        except OSError:
            continue  # it ended meanwhile
        pending += _children(current)
    return total


class TreeRssSampler:
    """Polls the RSS of this process and its children (the import's reader
    process): VmHWM alone would miss the child's memory."""

    def __init__(self, interval: float = 0.05):
        self.interval = interval
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss_mb(os.getpid()))
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeRssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def measure_import(db: str, listing: str, result_path: str, parent_started: float) -> None:
    """What `readq import LISTING` does, timed; then a search from a new engine."""
    from readq.importing import import_file
    from readq.search import SearchEngine
    from readq.store import Store

    ready = time.time()
    started = time.perf_counter()
    cpu_started = cpu_seconds()
    with TreeRssSampler() as sampler:
        store = Store.open(db)
        summary = import_file(store, listing, format="arxiv")
        imported = time.perf_counter()
    import_cpu = cpu_seconds() - cpu_started
    store.close()  # the last close checkpoints the WAL: part of what the user waits for
    closed = time.perf_counter()
    import_peak_rss = peak_rss_mb()
    wall_to_done = time.time() - parent_started

    # Searchable at once? A new engine (as a TUI started now would have) must
    # find papers; its first search also loads the vocabulary.
    store = Store.open(db)
    engine = SearchEngine(store.connect_reader)
    search_started = time.perf_counter()
    found = engine.search(PROBE_QUERY, limit=20)
    first_search_ms = (time.perf_counter() - search_started) * 1000
    engine.close()
    store.close()

    write_result(result_path, {
        "imported": summary.imported,
        "duplicates": summary.duplicates,
        "rejected": summary.rejected,
        "problems": len(summary.problems),
        "startup_seconds": ready - parent_started,
        "import_seconds": imported - started,
        "import_cpu_seconds": import_cpu,
        "close_seconds": closed - imported,
        "wall_seconds": wall_to_done,
        "peak_rss_mb": max(import_peak_rss, sampler.peak),
        "peak_rss_self_mb": import_peak_rss,
        "peak_rss_tree_mb": sampler.peak,
        "first_search_ms": first_search_ms,
        "first_search_hits": len(found.ids),
    })


def measure_tui(target: str, result_path: str, parent_started: float, headless: bool) -> None:
    """Start the app and stop at its first painted frame of the real screen.

    App._display is where Textual hands a finished frame (a compositor update)
    to the terminal driver; wrapping it catches the first frame without
    changing the app. For readq the frame must be of the queue screen (the
    default screen is replaced in on_mount, before the first paint)."""
    from textual.app import App

    record: dict = {}
    original_display = App._display

    def display_and_time(app: App, screen, renderable) -> None:
        original_display(app, screen, renderable)
        if record or renderable is None or app._batch_count:
            return
        if target != "--empty-app" and type(screen).__name__ != "QueueScreen":
            return
        record["elapsed_seconds"] = time.time() - parent_started
        record["cpu_seconds"] = cpu_seconds()
        record["peak_rss_mb"] = peak_rss_mb()
        record["rss_mb"] = current_rss_mb()
        app.call_later(app.exit)

    App._display = display_and_time

    if target == "--empty-app":
        app = App()
        app.run(headless=headless, size=TUI_SIZE if headless else None)
    elif headless:
        from readq.tui.app import make_app

        app = make_app(target)
        try:
            app.run(headless=True, size=TUI_SIZE)
        finally:
            app.store.close()
    else:  # as a user starts it: `readq --db DB`, through the CLI's imports
        from readq.cli import main as readq_main

        sys.argv = ["readq", "--db", target]
        try:
            readq_main()
        except SystemExit as stop:
            if stop.code:
                raise
    if not record:
        record["error"] = "the app exited without painting a frame"
    write_result(result_path, record)


def write_result(path: str, result: dict) -> None:
    Path(path).write_text(json.dumps(result), encoding="utf-8")


def main(argv: list[str]) -> None:
    kind = argv[0]
    if kind == "import":
        db, listing, result_path, parent_started = argv[1:5]
        measure_import(db, listing, result_path, float(parent_started))
    elif kind == "tui":
        target, result_path, parent_started = argv[1:4]
        measure_tui(target, result_path, float(parent_started), "--headless" in argv[4:])
    else:
        raise SystemExit(f"unknown measurement {kind!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
