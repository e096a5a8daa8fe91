"""Promise 7 of issue 6: hostile text is data.

Rich/Textual markup in abstracts, comments and notes is shown literally, never
interpreted (no styles, no links, no `@click` actions); terminal control
sequences are removed on import (with a warning naming the line) and never
reach the user's terminal, from the CLI or from the TUI.
"""

from __future__ import annotations

import gzip
import json
import re
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from textual.widgets import Input

from readq.importing import import_file
from readq.store import Store
from readq.textclean import has_control_characters
from tests.test_reliability import Terminal, child_env, needs_pty, run_readq
from tests.tui_support import build_sample_db, make_test_app, settle, static_text, type_text, visible_rows

SIZE = (120, 40)

MARKUP = ["[bold red]x[/]", "[/]", "[link=https://evil]click[/link]", "[@click=app.quit]boom[/]",
          "[MASK]", "$x[i]$", ":sparkles:"]
MARKUP_ABSTRACT = (
    "We test [bold red]x[/] and [/] and [link=https://evil]click[/link] and [@click=app.quit]boom[/]"
    " with [MASK] tokens, $x[i]$ maths and :sparkles: emoji codes in a long enough abstract about markup."
)
MARKUP_TITLE = "Testing [bold red]x[/] and [@click=app.quit]boom[/] in a title"
MARKUP_COMMENT = "Comment with [b]bold[/b] and [@click=app.quit]quit[/] markup"

# Each sequence with a payload that must vanish with it.
CONTROLS = {
    "CSI clear screen": "\x1b[2J",
    "OSC 0 title": "\x1b]0;pwned\x07",
    "OSC 2 title": "\x1b]2;pwned2\x07",
    "OSC 8 hyperlink": "\x1b]8;;https://evil.example\x1b\\",
    "OSC 52 clipboard": "\x1b]52;c;ZXZpbA==\x07",
    "DCS": "\x1bPq#0;2;0;0;0\x1b\\",
    "APC": "\x1b_Gpayload\x1b\\",
    "8-bit CSI": "\x9b31m",
    "BEL": "\x07",
    "backspace": "\x08",
}
CONTROL_ABSTRACT = (
    "Escapes: clear\x1b[2J title\x1b]0;pwned\x07 title2\x1b]2;pwned2\x07"
    " link\x1b]8;;https://evil.example\x1b\\here\x1b]8;;\x1b\\ clip\x1b]52;c;ZXZpbA==\x07"
    " dcs\x1bPq#0;2;0;0;0\x1b\\ apc\x1b_Gpayload\x1b\\ c1\x9b31m bell\x07 back\x08space"
    " end of the abstract text."
)
CLEANED_ABSTRACT = (
    "Escapes: clear title title2 linkhere clip dcs apc c1 bell backspace end of the abstract text."
)
CONTROL_COMMENT = "Comment \x1b]0;pwned\x07with a title change"
PAYLOADS = ["pwned", "ZXZpbA", "payload", "#0;2", "evil.example"]

# Lines of the listing below: block 1 = lines 1-7, block 2 = lines 8-13.
LISTING = (
    f"{MARKUP_ABSTRACT}\n\n{MARKUP_COMMENT}\n\narXiv:2401.00001\nCreated: 2024-01-02\n\n"
    f"{CONTROL_ABSTRACT}\n\n{CONTROL_COMMENT}\n\narXiv:2401.00002\nCreated: 2024-01-03\n"
)
MARKUP_NOTE = "My note: [bold]not bold[/] [@click=app.quit]not a button[/] :sparkles: [link=x]y[/link]"
CONTROL_NOTE = "note \x1b]0;pwned\x07 title \x1b]52;c;ZXZpbA==\x07 clip \x1b[2J clear \x9b31m c1"

# Bytes that must never reach a terminal: ESC, BEL, backspace and 8-bit C1
# controls (U+0080-U+009F, two bytes each in UTF-8).
_RAW_CONTROL = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]")


def assert_terminal_safe(output: bytes, what: str) -> None:
    found = _RAW_CONTROL.search(output)
    assert found is None, f"{what}: raw control byte {found.group()!r} at {found.start()}:" \
                          f" ...{output[max(0, found.start() - 40):found.start() + 40]!r}"


@pytest.fixture
def listing_file(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.txt"
    path.write_text(LISTING, encoding="utf-8")
    return path


@pytest.fixture
def hostile_db(tmp_path: Path, listing_file: Path) -> Path:
    db = tmp_path / "readq.db"
    with Store.open(db) as store:
        import_file(store, str(listing_file), source_name="hostile.txt")
        markup_paper = store.find_by_arxiv_id("2401.00001")
        store.save_note(markup_paper.id, MARKUP_NOTE)
        store.rate(markup_paper.id, 5)
    # A title holding markup (as a BibTeX or JSON file can bring): the derived
    # headline may leave the markup out, a real title keeps every character.
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE papers SET title = ?, headline_derived = 0 WHERE arxiv_id = '2401.00001'",
                     (MARKUP_TITLE,))
    return db


# ----- (a) the store ---------------------------------------------------------------


def test_import_keeps_markup_verbatim_and_removes_control_sequences_with_a_warning(tmp_path, listing_file):
    with Store.open(tmp_path / "readq.db") as store:
        summary = import_file(store, str(listing_file))
        assert (summary.imported, summary.duplicates, summary.rejected) == (2, 0, 0)
        warnings = {(p.line, p.reason) for p in summary.problems if not p.rejected}
        assert warnings == {(8, "control characters removed"), (10, "control characters removed")}
        marked = store.find_by_arxiv_id("2401.00001")
        for markup in MARKUP:
            assert markup in marked.abstract
        assert marked.abstract == MARKUP_ABSTRACT
        assert marked.comments == MARKUP_COMMENT
        cleaned = store.find_by_arxiv_id("2401.00002")
        assert cleaned.abstract == CLEANED_ABSTRACT
        assert cleaned.comments == "Comment with a title change"
        for paper in (marked, cleaned):
            for text in (paper.title, paper.abstract, paper.comments):
                assert not has_control_characters(text)
                assert not any(payload in text for payload in PAYLOADS)


def test_every_kind_of_control_sequence_is_removed_whole(tmp_path):
    lines = [f"Abstract {name} [{seq!r}] text{seq} continues after the sequence, long enough."
             for name, seq in CONTROLS.items()]
    source = tmp_path / "controls.txt"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with Store.open(tmp_path / "readq.db") as store:
        summary = import_file(store, str(source))
        assert summary.imported == len(CONTROLS)
        assert {p.line for p in summary.problems if not p.rejected} == set(range(1, len(CONTROLS) + 1))
        for paper in store.iter_papers():
            assert not has_control_characters(paper.abstract)
            assert "text continues after the sequence" in paper.abstract, paper.abstract
            tail = paper.abstract.split("] ", 1)[1]
            assert not any(payload in tail for payload in PAYLOADS), paper.abstract


def test_a_note_keeps_markup_verbatim(hostile_db):
    with Store.open(hostile_db, create=False) as store:
        paper = store.find_by_arxiv_id("2401.00001")
        assert paper.notes == MARKUP_NOTE
        assert store.note_versions(paper.id)[0][1] == MARKUP_NOTE


def test_a_note_has_its_control_sequences_removed(hostile_db):
    with Store.open(hostile_db, create=False) as store:
        paper_id = store.find_by_arxiv_id("2401.00002").id
        store.save_note(paper_id, CONTROL_NOTE)
        assert not has_control_characters(store.get(paper_id).notes)


# ----- (b) the TUI shows markup as text -----------------------------------------------


async def test_the_tui_shows_markup_literally_and_nothing_runs(hostile_db):
    app = make_test_app(hostile_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.screen.paper_list.current.arxiv_id == "2401.00001"
        abstract = static_text(app, "#detail-abstract")
        for markup in MARKUP:
            assert markup in abstract
        assert MARKUP_COMMENT in static_text(app, "#detail-meta")
        assert "[bold red]x[/]" in static_text(app, "#detail-title")
        rows = visible_rows(app)
        assert len(rows) == 2 and "[bold red]x[/]" in rows[0]
        assert app.screen.notes.editor.text == MARKUP_NOTE
        # Moving around re-renders everything; nothing is clicked, nothing quits.
        await pilot.press("j", "k", "j", "k")
        await pilot.click("#detail-abstract")
        await pilot.pause(0.2)
        assert app.is_running and app.return_code is None
        assert static_text(app, "#detail-abstract") == MARKUP_ABSTRACT


async def test_the_tui_search_highlights_inside_markup_without_interpreting_it(hostile_db):
    app = make_test_app(hostile_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash")
        await type_text(pilot, "sparkles boom")
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.search_result.ids
        assert app.screen.paper_list.current.arxiv_id == "2401.00001"
        assert static_text(app, "#detail-abstract") == MARKUP_ABSTRACT
        assert app.is_running


async def test_markup_entered_into_a_note_is_saved_and_shown_as_entered(hostile_db):
    app = make_test_app(hostile_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j")  # the paper without a note
        paper_id = app.screen.paper_list.current.id
        await pilot.press("n")
        app.screen.notes.editor.insert("[red]typed[/] [@click=app.quit]x[/]")
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.store.get(paper_id).notes == "[red]typed[/] [@click=app.quit]x[/]"
        assert app.screen.notes.editor.text == "[red]typed[/] [@click=app.quit]x[/]"
        assert app.is_running
    app = make_test_app(hostile_db)  # and loaded again as it was entered
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j")
        await pilot.pause()
        assert app.screen.notes.editor.text == "[red]typed[/] [@click=app.quit]x[/]"


async def test_hostile_file_names_in_the_import_dialog_and_notifications_stay_text(hostile_db, tmp_path):
    name = "[@click=app.quit]boom [bold red]x [link=https:evil]y.txt"
    binary = tmp_path / name
    binary.write_bytes(gzip.compress(b"not text"))
    app = make_test_app(hostile_db)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        await pilot.pause()
        app.screen.query_one("#import-path", Input).value = str(tmp_path / "[link=x]missing[/link].txt")
        await pilot.press("enter")
        await pilot.pause()
        assert "[link=x]missing[/link].txt" in static_text(app, "#import-error")
        app.screen.query_one("#import-path", Input).value = str(binary)
        await pilot.press("enter")
        await settle(app, pilot, 0.2)
        assert app.is_running
        messages = [str(n.message) for n in app._notifications]
        assert any(name in message and "not a text file" in message for message in messages), messages


# ----- (c) what reaches the terminal ------------------------------------------------------


@pytest.fixture
def dirty_db(tmp_path: Path, hostile_db: Path) -> Path:
    """The hostile listing plus what other paths can put in a database: a note from
    `readq note` on stdin, a source file whose name holds escapes, and fields
    another tool wrote with control characters."""
    result = run_readq(tmp_path, "--db", hostile_db, "note", "2401.00002", input=CONTROL_NOTE.encode())
    assert result.returncode == 0, result.stderr
    evil_name = tmp_path / "evil\x1b]0;pwned\x07name.txt"
    evil_name.write_text("An abstract imported from a file whose name retitles terminals, long enough.\n")
    result = run_readq(tmp_path, "--db", hostile_db, "import", evil_name)
    assert result.returncode == 0, result.stderr
    assert_terminal_safe(result.stdout + result.stderr, "import of a hostile file name")
    with closing(sqlite3.connect(hostile_db)) as conn:
        conn.execute(
            "INSERT INTO papers (title, abstract, comments, authors, added_at, content_hash, rating, notes)"
            " VALUES (?, ?, ?, ?, '2026-01-01', 'x', 4, ?)",
            (f"Title {CONTROL_NOTE}", f"Abstract {CONTROL_NOTE}", f"Comments {CONTROL_NOTE}",
             f"Authors {CONTROL_NOTE}", f"Notes {CONTROL_NOTE}"),
        )
        conn.commit()
    return hostile_db


def _stored_papers(db: Path) -> dict[int, dict]:
    with closing(sqlite3.connect(db)) as conn:
        conn.row_factory = sqlite3.Row
        return {row["id"]: dict(row) for row in conn.execute("SELECT * FROM papers")}


def test_cli_text_output_never_carries_control_characters(tmp_path, dirty_db):
    stored = _stored_papers(dirty_db)
    assert any(has_control_characters(str(v)) for p in stored.values() for v in p.values())  # the test bites
    commands = [("list",), ("search", "pwned"), ("search", "sparkles"), ("export", "--format", "markdown"),
                ("stats",)]
    commands += [("show", paper_id) for paper_id in stored]
    commands += [("note", paper_id, "--history") for paper_id in stored]
    for command in commands:
        result = run_readq(tmp_path, "--db", dirty_db, *command)
        assert result.returncode == 0, (command, result.stderr)
        assert_terminal_safe(result.stdout + result.stderr, " ".join(map(str, command)))
    shown = run_readq(tmp_path, "--db", dirty_db, "show", "2401.00001").stdout.decode()
    for markup in MARKUP:
        assert markup in shown
    assert MARKUP_NOTE in shown


@pytest.mark.parametrize("command", [("list", "--json"), ("export", "--format", "json"),
                                     ("export", "--format", "jsonl"), ("search", "pwned", "--json")])
def test_json_output_escapes_control_characters_and_round_trips(tmp_path, dirty_db, command):
    stored = _stored_papers(dirty_db)
    result = run_readq(tmp_path, "--db", dirty_db, *command)
    assert result.returncode == 0, result.stderr
    assert_terminal_safe(result.stdout, " ".join(command))
    assert b"\xe2\x80\xa8" not in result.stdout and b"\xe2\x80\xa9" not in result.stdout
    text = result.stdout.decode("utf-8")
    papers = [json.loads(line) for line in text.splitlines()] if "jsonl" in command else json.loads(text)
    assert papers
    for paper in papers:
        original = stored[paper["id"]]
        for key, value in paper.items():
            if key == "tags":  # kept in their own table; none here
                assert value == []
                continue
            expected = original[key]
            if key == "headline_derived":
                expected = bool(expected)
            if key == "url" and command[0] in ("list", "search"):
                # Views for scripts give the link readq opens; exports keep the stored field.
                expected = expected or (f"https://arxiv.org/abs/{original['arxiv_id']}" if original["arxiv_id"]
                                        else f"https://doi.org/{original['doi']}" if original["doi"] else None)
            assert value == expected, (key, value, expected)


@pytest.mark.parametrize("kind", ["missing", "binary", "directory"])
def test_error_messages_quoting_a_hostile_file_name_carry_no_escapes(tmp_path, kind):
    name = "bad\x1b]0;x\x07\x1b[2J\x9bname.txt"
    path = tmp_path / name
    try:
        if kind == "binary":
            path.write_bytes(gzip.compress(b"zipped"))
        elif kind == "directory":
            path.mkdir()
    except OSError as error:  # pragma: no cover - a filesystem that refuses such names
        pytest.skip(f"the filesystem refuses the name: {error}")
    result = run_readq(tmp_path, "--db", tmp_path / "readq.db", "import", path)
    assert result.returncode == 1
    assert_terminal_safe(result.stdout + result.stderr, f"import of a {kind} hostile file name")
    assert result.stderr.decode().count("\n") == 1 and result.stderr.startswith(b"readq: ")
    assert b"\\x1b]0;x\\x07" in result.stderr  # shown, visibly escaped


@pytest.mark.parametrize("args", [("rate", "1", "\x1b]0;pwned\x07"), ("show", "\x1b]0;pwned\x07"),
                                  ("\x1b]0;pwned\x07",), ("list", "--sort", "\x1b[2J"),
                                  ("--db", "/nonexistent/\x1b]0;pwned\x07.db", "list")])
def test_usage_errors_quoting_hostile_arguments_carry_no_escapes(tmp_path, args):
    db = build_sample_db(tmp_path / "readq.db")
    full = args if args[0] == "--db" else ("--db", db, *args)
    result = run_readq(tmp_path, *full)
    assert result.returncode != 0
    assert b"Traceback" not in result.stderr
    assert_terminal_safe(result.stdout + result.stderr, " ".join(map(repr, args)))


# ----- (d) what the TUI sends to the terminal ------------------------------------------------

# Byte sequences of the hostile texts that must not reach the terminal as such.
LEAKS = [b"\x1b]0;pwned", b"\x1b]52;c;ZXZpbA", b"\x1b[2J", b"\xc2\x9b31m"]


def _tui_output(tmp_path: Path, db: Path, keys: bytes = b"") -> bytes:
    """Everything the real TUI writes to a 120x40 terminal while showing the first paper."""
    terminal = Terminal(["-m", "readq", "--db", str(db)], tmp_path, child_env(tmp_path))
    try:
        terminal.wait_for("unread")
        terminal.wait_quiet()
        if keys:
            terminal.send(keys)
            terminal.wait_quiet()
        terminal.send(b"q")
        terminal.process.wait(15)
        return terminal.raw
    finally:
        terminal.close()


def _assert_no_leaks(output: bytes) -> None:
    for leak in LEAKS:
        assert leak not in output, f"{leak!r} reached the terminal"


@needs_pty
@pytest.mark.slow
def test_the_tui_renders_a_clean_queue_without_leaks(tmp_path, hostile_db):
    """Control: with imported (cleaned) text only, nothing leaks; this is what
    the three tests below expect of the other ways text gets in."""
    _assert_no_leaks(_tui_output(tmp_path, hostile_db, b"j"))


@needs_pty
@pytest.mark.slow
def test_the_tui_never_writes_a_notes_escape_sequences_to_the_terminal(tmp_path, hostile_db):
    with Store.open(hostile_db) as store:
        paper_id = store.find_by_arxiv_id("2401.00001").id
    result = run_readq(tmp_path, "--db", hostile_db, "note", paper_id, input=CONTROL_NOTE.encode())
    assert result.returncode == 0, result.stderr
    _assert_no_leaks(_tui_output(tmp_path, hostile_db))


@needs_pty
@pytest.mark.slow
def test_the_tui_never_writes_escape_sequences_from_a_file_name(tmp_path):
    db = tmp_path / "readq.db"
    evil = tmp_path / "x\x1b]0;pwned\x07\x1b[2J.txt"
    evil.write_text("An abstract imported from a file whose name retitles terminals, long enough.\n")
    result = run_readq(tmp_path, "--db", db, "import", evil)
    assert result.returncode == 0, result.stderr
    _assert_no_leaks(_tui_output(tmp_path, db))


@needs_pty
@pytest.mark.slow
def test_the_tui_never_writes_escape_sequences_from_fields_written_by_another_tool(tmp_path, hostile_db):
    with closing(sqlite3.connect(hostile_db)) as conn:
        conn.execute("UPDATE papers SET title = ?, abstract = ?, comments = ?, authors = ?"
                     " WHERE arxiv_id = '2401.00001'",
                     (f"Title {CONTROL_NOTE}", f"Abstract {CONTROL_NOTE}", f"Comments {CONTROL_NOTE}",
                      f"Authors {CONTROL_NOTE}"))
        conn.commit()
    _assert_no_leaks(_tui_output(tmp_path, hostile_db))
