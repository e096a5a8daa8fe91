"""Shared set-up for the TUI tests: a database of the bundled samples, a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from readq.importing import import_file
from readq.store import Store
from readq.tui.app import ReadqApp

FIXED_TIME = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
SAMPLES = resources.files("readq") / "samples"


def fixed_clock() -> datetime:
    return FIXED_TIME


def sample_paths() -> list[str]:
    return sorted(str(p) for p in SAMPLES.iterdir() if p.name.endswith(".txt"))


def build_sample_db(path: Path) -> Path:
    with Store.open(path, clock=fixed_clock) as store:
        for sample in sample_paths():
            import_file(store, sample, source_name=Path(sample).name)
    return path


def make_test_app(db: Path, config_file: Path | None = None) -> ReadqApp:
    """The real app on a real database file; config from the test's own folder."""
    store = Store.open(db, clock=fixed_clock)
    app = ReadqApp(store, config_file=config_file or db.parent / "no-config.toml")
    # No frame budgets in the search: what the screen shows must not depend on
    # the machine's load (the budgets' fallbacks have tests of their own).
    engine = app.search_engine
    engine.rank_time_limit = engine.count_time_limit = engine.first_page_time_limit = 60.0
    return app


def toasts(app: ReadqApp) -> list[str]:
    """The messages of the notifications shown so far."""
    return [str(n.message) for n in app._notifications]


def visible_rows(app: ReadqApp) -> list[str]:
    """The text of the paper list's rows as drawn on screen."""
    paper_list = app.screen.paper_list
    height = paper_list.scrollable_content_region.height
    return [paper_list.render_line(y).text.rstrip() for y in range(height)
            if paper_list.render_line(y).text.strip()]


def help_text(app: ReadqApp) -> str:
    """Every column of the help screen shown now, as text."""
    return "\n".join(str(column.visual) for column in app.screen.query(".help-column"))


def static_text(app: ReadqApp, selector: str) -> str:
    return str(app.screen.query_one(selector).visual)


async def type_text(pilot, text: str) -> None:
    for char in text:
        await pilot.press("space" if char == " " else char)


async def settle(app: ReadqApp, pilot, delay: float = 0.05) -> None:
    """Wait for queued writes and the messages they post back."""
    for _ in range(3):
        app.flush_writes()
        await pilot.pause(delay)
