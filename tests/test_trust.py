"""Issue 10 in the running app: undo, notes that cannot be saved, imports from
the TUI, highlights, and a search that must not hold up keys. Each test walks
the keys a user pressed when the promise broke."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest

from readq.session import DraftJournal
from readq.store import Store
from readq.tui.screens.confirm import ConfirmScreen
from readq.tui.widgets.paper_detail import PaperDetail
from tests.tui_support import make_test_app, settle, static_text, toasts, type_text

SIZE = (120, 40)


async def wait_for(pilot, condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        await pilot.pause(0.05)
    return condition()


def history(store: Store, paper_id: int) -> list[str]:
    return [text for _, text in store.note_versions(paper_id)]


# ----- 1 and 2: undo is an action log -------------------------------------------


async def test_undo_after_a_note_and_mark_all_takes_back_the_mark_all(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        paper_id = app.screen.paper_list.current.id
        await pilot.press("n")
        await type_text(pilot, "keep me")
        await pilot.press("escape", "j", "A")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause(0.3)
        await pilot.press("ctrl+z")
        await settle(app, pilot)
        assert app.store.stats().unread == 21
        assert app.store.get(paper_id).notes == "keep me"
        assert "keep me" in history(app.store, paper_id)
        assert "Undid marking 21 papers read." in toasts(app)


async def test_an_undone_note_stays_in_the_history(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        paper_id = app.screen.paper_list.current.id
        await pilot.press("n")
        await type_text(pilot, "first thoughts")
        await pilot.press("escape", "j", "k", "ctrl+z")
        await settle(app, pilot)
        assert (app.store.get(paper_id).notes or "") == ""
        assert "first thoughts" in history(app.store, paper_id)
        assert app.screen.notes.editor.text == ""
        await pilot.press("ctrl+y")
        await settle(app, pilot)
        assert app.store.get(paper_id).notes == "first thoughts"
        assert app.screen.notes.editor.text == "first thoughts"


async def test_ctrl_z_right_after_a_note_undoes_the_note_not_the_rating_before(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        paper_id = app.screen.paper_list.current.id
        await pilot.press("4", "n")
        await type_text(pilot, "quick note")
        await pilot.press("escape", "ctrl+z")
        await settle(app, pilot)
        paper = app.store.get(paper_id)
        assert (paper.notes or "") == "" and paper.rating == 4


async def test_undo_with_nothing_to_undo_says_so(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+z")
        await settle(app, pilot)
        assert "Nothing to undo." in toasts(app)


async def test_undo_changes_the_paper_it_changed_not_the_one_under_the_cursor(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        rated = app.screen.paper_list.current.id
        await pilot.press("5", "j", "j", "j", "ctrl+z")
        await settle(app, pilot)
        under_cursor = app.screen.paper_list.current.id
        assert app.store.get(rated).rating is None
        assert app.store.get(under_cursor).rating is None
        assert app.store.get(under_cursor).read_at is None


# ----- 3: a note whose save fails is never only in memory -----------------------------


def hold_write_lock(path: Path, seconds: float) -> threading.Thread:
    ready = threading.Event()

    def hold() -> None:
        with closing(sqlite3.connect(path, isolation_level=None)) as conn:
            conn.execute("BEGIN IMMEDIATE")
            ready.set()
            time.sleep(seconds)
            conn.execute("ROLLBACK")

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert ready.wait(5)
    return thread


async def test_a_note_whose_save_fails_after_moving_on_is_kept_and_saved_later(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        app.store.write_wait_seconds = 0.3
        app.session.retry_seconds = 0.3
        paper_id = app.screen.paper_list.current.id
        holder = hold_write_lock(db, 2.5)
        await pilot.press("n")
        await type_text(pilot, "must survive")
        await pilot.press("escape", "j")
        assert await wait_for(pilot, lambda: app.session.draft_failure(paper_id))
        # The text is on disk already, next to the database.
        assert DraftJournal.beside(db).entries()[paper_id]["text"] == "must survive"
        await pilot.press("k")
        await pilot.pause()
        assert app.screen.notes.editor.text == "must survive"
        assert "not saved yet (retrying)" in static_text(app, "#notes-status")
        holder.join()
        assert await wait_for(pilot, lambda: app.session.draft(paper_id) is None)
        await settle(app, pilot)
        assert app.store.get(paper_id).notes == "must survive"
        assert "Notes · saved" in static_text(app, "#notes-status")
        assert DraftJournal.beside(db).entries() == {}


async def test_quitting_with_an_unsaved_note_asks_and_the_next_start_restores_it(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        app.store.write_wait_seconds = 0.2
        paper_id = app.screen.paper_list.current.id
        holder = hold_write_lock(db, 4)
        await pilot.press("n")
        await type_text(pilot, "do not lose this")
        await pilot.press("escape")
        await app.action_quit()
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "not saved yet" in app.screen.question
        await pilot.press("y")
        await pilot.pause()
    holder.join()
    assert app.session.unsaved() == {paper_id: "do not lose this"}
    with Store.open(db) as store:
        assert (store.get(paper_id).notes or "") == ""
    again = make_test_app(db)
    async with again.run_test(size=SIZE) as pilot:
        await settle(again, pilot)
        assert again.store.get(paper_id).notes == "do not lose this"
        assert any("Restored 1 unsaved note" in t for t in toasts(again))
    assert DraftJournal.beside(db).entries() == {}


# ----- 4 and 5: imports from the TUI -------------------------------------------------


def big_plain_file(path: Path, megabytes: float) -> int:
    """Distinct plain abstracts, one a line, to at least `megabytes`."""
    lines = []
    size = 0
    number = 0
    while size < megabytes * 1_000_000:
        line = (f"Study {number} of sparse attention for long documents shows that routing tokens by"
                f" learned clusters number {number} improves perplexity while cutting memory by half.")
        lines.append(line)
        size += len(line) + 1
        number += 1
    path.write_text("\n".join(lines) + "\n")
    return number


async def import_from_dialog(pilot, path: Path) -> None:
    await pilot.press("i")
    await pilot.pause()
    await type_text(pilot, str(path))
    await pilot.press("enter")


async def test_a_3_mb_import_from_the_tui_works(db, tmp_path):
    source = tmp_path / "big.txt"
    count = big_plain_file(source, 3)
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await import_from_dialog(pilot, source)
        assert await wait_for(pilot, lambda: any("imported" in t for t in toasts(app)), 60)
        await settle(app, pilot)
        assert app.store.count() == 21 + count
        assert f"imported {count}, duplicates 0, rejected 0" in " ".join(toasts(app))
    assert app.return_code in (0, None)


async def test_q_during_an_import_asks_stops_it_and_leaves_nothing(db, tmp_path):
    source = tmp_path / "big.txt"
    big_plain_file(source, 40)  # half a minute of work: still running when `q` comes, even on a busy machine
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await import_from_dialog(pilot, source)
        assert await wait_for(pilot, lambda: re.search(r"importing… [1-9][\d,]* records",
                                                       static_text(app, "#status")), 30)
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        started = time.monotonic()
        await pilot.press("y")
        assert await wait_for(pilot, lambda: not app.import_running(), 30)
        assert await wait_for(pilot, lambda: app.return_code == 0, 5)  # and then it quits
        assert time.monotonic() - started < 30
    with Store.open(db) as store:
        assert store.count() == 21


# ----- 9: highlights follow the query ----------------------------------------------


async def test_highlights_follow_the_query_when_the_top_result_stays(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash")
        await type_text(pilot, "talking")
        await pilot.pause(0.5)
        first = app.screen.paper_list.current.id
        await type_text(pilot, " head")
        await pilot.pause(0.5)
        assert app.screen.paper_list.current.id == first
        assert {"talking", "head"} <= highlighted_words(app)


def highlighted_words(app) -> set[str]:
    words = set()
    for selector in ("#detail-title", "#detail-abstract"):
        content = app.screen.query_one(PaperDetail).query_one(selector).visual
        words |= {content.plain[span.start:span.end].lower() for span in content.spans}
    return words


# ----- search stays off the UI thread ------------------------------------------------


async def test_a_slow_search_does_not_hold_up_keys(db):
    app = make_test_app(db)
    async with app.run_test(size=SIZE) as pilot:
        real_search = app.search_engine.search

        def slow_search(query, *args, **kwargs):
            time.sleep(1.5)
            return real_search(query, *args, **kwargs)

        app.search_engine.search = slow_search
        await pilot.press("slash", "t", "a")
        started = time.monotonic()
        await pilot.press("l")
        await pilot.pause()
        took = time.monotonic() - started
        assert app.screen.query_one("#search").value == "tal"
        assert took < 0.5, took


# ----- a read-only database, as a user root cannot stand in for -----------------------


def run_as_nobody(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """readq as uid 65534: CI runs as root, whom file modes do not stop."""

    if os.geteuid() != 0:
        command = [sys.executable, "-m", "readq", *args]
    else:
        if shutil.which("setpriv") is None:
            pytest.fail("needs setpriv (util-linux) to drop root's privileges")
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                   sys.executable, "-m", "readq", *args]
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(cwd), "READQ_CONFIG": str(cwd / "none.toml"),
           "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("command", [["rate", "1", "3"], ["note", "1", "--clear"], ["mark", "1"]])
def test_a_read_only_database_is_one_line_and_left_unchanged(template, command):
    import hashlib
    import tempfile

    # Not under tmp_path: pytest's base folder is private to its owner.
    with tempfile.TemporaryDirectory(prefix="readq-ro-") as place:
        os.chmod(place, 0o755)
        folder = Path(place) / "shared"
        folder.mkdir(mode=0o755)
        db = folder / "readq.db"
        shutil.copyfile(template, db)
        os.chmod(db, 0o644)  # readable by everyone, writable by its owner (root) alone
        before = hashlib.sha256(db.read_bytes()).hexdigest()
        result = run_as_nobody(["--db", str(db), *command], Path(place))
        after = hashlib.sha256(db.read_bytes()).hexdigest()
        files = sorted(p.name for p in folder.iterdir())
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [f"readq: {db}: database is read-only (readq needs to write to it)"]
    assert after == before
    assert files == ["readq.db"]


# ----- 5: SIGTERM during a TUI import: it stops, leaves nothing and no process --------


@pytest.mark.slow
@pytest.mark.parametrize("signum", ["SIGTERM", "SIGHUP"])
def test_a_signal_during_a_tui_import_stops_it_and_leaves_nothing(tmp_path, db, signum):
    import signal

    from tests.test_reliability import Terminal, child_env

    source = tmp_path / "big.txt"
    big_plain_file(source, 8)
    terminal = Terminal(["-m", "readq", "--db", str(db)], tmp_path, child_env(tmp_path))
    try:
        terminal.wait_for("21 unread")
        terminal.wait_quiet()
        terminal.send(b"i")
        terminal.wait_for("Import abstracts")
        terminal.send(str(source).encode() + b"\r")
        terminal.wait_for("importing…")
        started = time.monotonic()
        terminal.process.send_signal(getattr(signal, signum))
        assert terminal.process.wait(30) == 0
        assert time.monotonic() - started < 15
    finally:
        terminal.close()
    with Store.open(db) as store:
        assert store.count() == 21
    leftovers = [p for p in Path("/proc").iterdir() if p.name.isdigit()
                 and str(source).encode() in _cmdline(p)]
    assert leftovers == []


def _cmdline(process: Path) -> bytes:
    try:
        return (process / "cmdline").read_bytes()
    except OSError:
        return b""
