"""The `readq` command line, through click's CliRunner (and one real process for pipes)."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from readq import paths
from readq.cli import cli
from readq.models import PaperRecord
from readq.store import Store

DATA = Path(__file__).parent / "data"
PARTLY_BAD = DATA / "partly_bad_listing.txt"  # 7 blocks: 4 good, then problems on lines 8, 19, 34
UNSAFE_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # all but tab and newline


@pytest.fixture(autouse=True)
def no_user_files(tmp_path: Path, monkeypatch):
    """Keep readq's default data and config folders inside tmp_path."""
    monkeypatch.delenv("READQ_DB", raising=False)
    monkeypatch.delenv("READQ_CONFIG", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "readq.db"


def run(db: Path | None, *args: str, input: str | None = None, env: dict | None = None) -> Result:
    prefix = ["--db", str(db)] if db is not None else []
    return CliRunner().invoke(cli, [*prefix, *args], input=input, env=env)


def one_error_line(result: Result) -> str:
    """The single `readq: ...` line a failed command prints, checked for tracebacks."""
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("readq: "), result.stderr
    return lines[0]


@pytest.fixture
def seeded_db(db: Path, plain_seed: Path, arxiv_seed: Path) -> Path:
    result = run(db, "import", str(plain_seed), str(arxiv_seed))
    assert result.exit_code == 0, result.stderr
    return db


def listed(db: Path, *args: str) -> list[dict]:
    result = run(db, "list", "--json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# ----- import ---------------------------------------------------------------------------------


def test_import_the_seeds_then_again(db: Path, plain_seed: Path, arxiv_seed: Path):
    first = run(db, "import", str(plain_seed), str(arxiv_seed))
    assert first.exit_code == 0 and first.stderr == ""
    assert first.stdout.splitlines() == [
        f"{plain_seed}: imported 11, duplicates 0, rejected 0 (plain)",
        f"{arxiv_seed}: imported 10, duplicates 0, rejected 0 (arxiv)",
    ]
    again = run(db, "import", str(plain_seed), str(arxiv_seed))
    assert again.exit_code == 0
    assert again.stdout.splitlines() == [
        f"{plain_seed}: imported 0, duplicates 11, rejected 0 (plain)",
        f"{arxiv_seed}: imported 0, duplicates 10, rejected 0 (arxiv)",
    ]
    with Store.open(db) as store:
        assert store.count() == 21


def test_import_with_a_forced_format(db: Path, arxiv_seed: Path):
    result = run(db, "import", "--format", "plain", str(arxiv_seed))
    # Read as plain text, every non-blank line is a record, short ones (arXiv: lines, most
    # Created: lines, short comments) with a warning; one Created: line appears twice.
    lines = [line.strip() for line in arxiv_seed.read_text(encoding="utf-8").splitlines() if line.strip()]
    short = sum(len(line) < 20 for line in lines)
    assert (len(lines), short) == (33, 21)
    assert result.stdout == f"{arxiv_seed}: imported 32, duplicates 1, rejected 0 (plain)\n"
    assert len(result.stderr.splitlines()) == short
    assert result.exit_code == 0
    with Store.open(db) as store:
        assert store.count() == 32 and store.find_by_arxiv_id("2208.10922") is None


def test_import_from_stdin(db: Path, plain_seed: Path):
    result = run(db, "import", "-", input=plain_seed.read_text(encoding="utf-8"))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "<stdin>: imported 11, duplicates 0, rejected 0 (plain)\n"


def test_a_partly_bad_file_keeps_the_good_records(db: Path):
    result = run(db, "import", str(PARTLY_BAD))
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"{PARTLY_BAD}:8: malformed arXiv id '2301.0000x'",
        f"{PARTLY_BAD}:19: bad Created date '2023-13-04' (want YYYY-MM-DD)",
        f"{PARTLY_BAD}:34: arXiv: line without a Created: line (truncated record?)",
    ]
    summary = re.fullmatch(
        rf"{re.escape(str(PARTLY_BAD))}: imported (\d+), duplicates (\d+), rejected (\d+) \(arxiv\)\n",
        result.stdout,
    )
    assert summary is not None, result.stdout
    imported, duplicates, rejected = map(int, summary.groups())
    blocks = PARTLY_BAD.read_text(encoding="utf-8").count("arXiv:")
    assert (imported, duplicates, rejected) == (4, 0, 3)
    assert imported + duplicates + rejected == blocks
    papers = listed(db)
    assert [p["arxiv_id"] for p in papers] == ["2301.00001", "2301.00003", "2301.00005", "2301.00006"]
    assert papers[2]["updated"] == "2023-02-01"

    again = run(db, "import", str(PARTLY_BAD))
    assert again.exit_code == 2
    assert f"{PARTLY_BAD}: imported 0, duplicates 4, rejected 3 (arxiv)" in again.stdout


def test_warnings_alone_do_not_fail_the_import(db: Path, tmp_path: Path):
    path = tmp_path / "colour.txt"
    path.write_text("An abstract with \x1b[31mcoloured\x1b[0m words about sparse graph learning.\n")
    result = run(db, "import", str(path))
    assert result.exit_code == 0
    assert result.stderr == f"{path}:1: warning: control characters removed\n"


@pytest.mark.parametrize("kind", ["missing", "directory", "gzip", "pdf", "sqlite", "empty"])
def test_unusable_files_are_one_line_and_exit_1(db: Path, tmp_path: Path, kind: str):
    path = tmp_path / f"input-{kind}"
    if kind == "directory":
        path.mkdir()
    elif kind == "gzip":
        path.write_bytes(b"\x1f\x8b\x08\x00" + bytes(200))
    elif kind == "pdf":
        path.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    elif kind == "sqlite":
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE t (x)")
        conn.close()
    elif kind == "empty":
        path.write_bytes(b"")
    line = one_error_line(run(db, "import", str(path)))
    assert str(path) in line
    expected = {"missing": "no such file", "directory": "is a directory", "gzip": "gzip",
                "pdf": "PDF", "sqlite": "SQLite", "empty": "no abstracts"}[kind]
    assert expected in line


def test_one_unusable_file_does_not_stop_the_others(db: Path, tmp_path: Path, plain_seed: Path):
    result = run(db, "import", str(tmp_path / "missing.txt"), str(plain_seed))
    assert result.exit_code == 1
    assert result.stderr.startswith("readq: ") and len(result.stderr.splitlines()) == 1
    assert "imported 11" in result.stdout


# ----- reading --------------------------------------------------------------------------------


def test_list_json_has_every_paper(seeded_db: Path):
    papers = listed(seeded_db)
    assert len(papers) == 21
    assert [p["id"] for p in papers] == list(range(1, 22))
    assert all(isinstance(p["title"], str) and p["title"].strip() for p in papers)
    assert all(p["abstract"] and p["read_at"] is None and p["rating"] is None for p in papers)
    listing = [p for p in papers if p["arxiv_id"]]
    assert len(listing) == 10
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", p["created"]) for p in listing)
    comments = {p["arxiv_id"]: p["comments"] for p in listing if p["comments"]}
    assert comments == {
        "2210.10485": "*Equal contribution. Author ordering determined by coin flip",
        "2210.02077": "pre-print",
        "2208.10781": "ECCV Workshop 2022",
    }
    assert next(p for p in listing if p["arxiv_id"] == "2208.10781")["updated"] == "2022-08-24"


def test_list_text(seeded_db: Path):
    result = run(seeded_db, "list", "--limit", "3")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert [int(line.split()[0]) for line in lines] == [1, 2, 3]
    assert all("•" in line for line in lines)  # unread marker


def test_list_filters_and_sorts(seeded_db: Path):
    assert run(seeded_db, "mark", "2", "5", "2208.10922").exit_code == 0
    for ident, stars in (("5", "3"), ("7", "5"), ("2210.02077", "4")):
        assert run(seeded_db, "rate", ident, stars).exit_code == 0
    with Store.open(seeded_db) as store:
        def view(filter, sort="queue", min_rating=None):
            return [p.id for p in store.iter_papers(filter, sort, min_rating)]

        read_ids = view("read")
        assert len(read_ids) == 3
        assert [p["id"] for p in listed(seeded_db, "--read")] == read_ids
        assert [p["id"] for p in listed(seeded_db, "--unread")] == view("unread")
        assert len(listed(seeded_db, "--unread")) == 18
        assert [p["id"] for p in listed(seeded_db, "--min-rating", "4")] == view("all", "queue", 4)
        assert [p["rating"] for p in listed(seeded_db, "--min-rating", "4")] == [5, 4]
        assert [p["id"] for p in listed(seeded_db, "--sort", "rating")] == view("all", "rating")
        assert [p["rating"] for p in listed(seeded_db, "--sort", "rating")][:4] == [5, 4, 3, None]
        newest = listed(seeded_db, "--sort", "created")
        assert [p["id"] for p in newest] == view("all", "newest")
        dated = [p["created"] for p in newest if p["created"]]
        assert dated == sorted(dated, reverse=True) and newest[-1]["created"] is None
        assert [p["id"] for p in listed(seeded_db, "--unread", "--min-rating", "3")] == view("unread", "queue", 3)
    assert run(seeded_db, "list", "--min-rating", "9").exit_code == 2  # click's usage error


def test_show_by_readq_id_and_by_arxiv_id(seeded_db: Path):
    by_arxiv = run(seeded_db, "show", "2208.10922")
    assert by_arxiv.exit_code == 0
    assert "arXiv:    2208.10922" in by_arxiv.stdout
    assert "created:  2022-08-23" in by_arxiv.stdout
    assert "We propose StyleTalker, a novel audio-driven talking head" in by_arxiv.stdout
    paper_id = int(re.search(r"^id:\s+(\d+)$", by_arxiv.stdout, re.MULTILINE).group(1))
    assert run(seeded_db, "show", str(paper_id)).stdout == by_arxiv.stdout
    as_json = json.loads(run(seeded_db, "show", "--json", str(paper_id)).stdout)
    assert as_json["arxiv_id"] == "2208.10922" and as_json["id"] == paper_id
    plain_one = run(seeded_db, "show", "1")
    assert plain_one.exit_code == 0 and "In recent years, Generative Adversarial Networks" in plain_one.stdout


@pytest.mark.parametrize("ident", ["999", "2299.99999", "nonsense"])
def test_show_unknown_paper(seeded_db: Path, ident: str):
    assert ident in one_error_line(run(seeded_db, "show", ident))


@pytest.mark.parametrize("ident", ["2208.10922v2", "arXiv:2208.10922"])
def test_show_accepts_versioned_arxiv_ids(seeded_db: Path, ident: str):
    result = run(seeded_db, "show", ident)
    assert result.exit_code == 0 and "2208.10922" in result.stdout


def test_search(seeded_db: Path):
    result = run(seeded_db, "search", "stlytalker")
    assert result.exit_code == 0
    assert "2208.10922" in result.stdout.splitlines()[0]
    as_json = json.loads(run(seeded_db, "search", "--json", "talking", "head").stdout)
    assert as_json[0]["arxiv_id"] == "2208.10922"
    limited = run(seeded_db, "search", "--limit", "2", "model")
    assert len(limited.stdout.splitlines()) == 2
    nothing = run(seeded_db, "search", "zzzqqqxxx")
    assert nothing.exit_code == 0 and nothing.stdout == "" and "no matches" in nothing.stderr
    odd = run(seeded_db, "search", 'NEAR(', '"', "*")
    assert odd.exit_code == 0 and "Traceback" not in odd.stderr


# ----- writing --------------------------------------------------------------------------------


def test_mark_rate_and_note(seeded_db: Path):
    marked = run(seeded_db, "mark", "1", "2208.10922")
    assert marked.exit_code == 0 and marked.stdout == "marked 2 read\n"
    assert run(seeded_db, "rate", "3", "4").stdout == "rated paper 3: 4 stars\n"
    noted = run(seeded_db, "note", "5", input="Read the ablation section.\nCompare with 3.\n")
    assert noted.exit_code == 0, noted.stderr
    with Store.open(seeded_db) as store:
        styletalker = store.find_by_arxiv_id("2208.10922")
        assert store.get(1).is_read and styletalker.is_read
        assert [p.id for p in store.iter_papers("read")] == sorted([1, styletalker.id])
        assert store.get(3).rating == 4
        assert store.get(5).notes == "Read the ablation section.\nCompare with 3.\n"
    shown = run(seeded_db, "show", "5").stdout
    assert "Notes:" in shown and "Read the ablation section." in shown

    assert run(seeded_db, "mark", "--unread", "1").stdout == "marked 1 unread\n"
    cleared = run(seeded_db, "rate", "3", "0")
    assert cleared.exit_code == 0 and "cleared" in cleared.stdout
    assert run(seeded_db, "rate", "3", "6").exit_code == 2  # out of range: click's usage error
    assert run(seeded_db, "rate", "3", "-1").exit_code == 2
    with Store.open(seeded_db) as store:
        assert not store.get(1).is_read and store.get(3).rating is None
    assert "999" in one_error_line(run(seeded_db, "mark", "1", "999"))
    with Store.open(seeded_db) as store:  # a bad id marks none of them
        assert not store.get(1).is_read


def test_note_history_and_restore(seeded_db: Path):
    run(seeded_db, "note", "4", input="first version")
    with Store.open(seeded_db) as store:  # another process edits the note meanwhile
        store.save_note(4, "someone else's version")
    run(seeded_db, "note", "4", input="my version")
    history = run(seeded_db, "note", "4", "--history")
    assert history.exit_code == 0
    assert "my version" in history.stdout.splitlines()[0]
    assert "someone else's version" in history.stdout
    number = next(i for i, line in enumerate(history.stdout.splitlines(), 1) if "someone else" in line)
    restored = run(seeded_db, "note", "4", "--restore", str(number))
    assert restored.exit_code == 0
    with Store.open(seeded_db) as store:
        assert store.get(4).notes == "someone else's version"
    assert "no version" in one_error_line(run(seeded_db, "note", "4", "--restore", "99"))


# ----- export and stats -----------------------------------------------------------------------


@pytest.fixture
def marked_db(seeded_db: Path) -> Path:
    run(seeded_db, "mark", "2")
    run(seeded_db, "rate", "7", "5")
    run(seeded_db, "rate", "2208.10922", "3")
    run(seeded_db, "note", "9", input="Check the RL environment details.")
    return seeded_db


def test_export_json_and_jsonl(marked_db: Path, tmp_path: Path):
    full = run(marked_db, "export")
    assert full.exit_code == 0
    papers = json.loads(full.stdout)
    assert len(papers) == 21
    assert papers[1]["read_at"] and papers[6]["rating"] == 5 and papers[8]["notes"].startswith("Check the RL")
    lines = run(marked_db, "export", "--format", "jsonl").stdout.splitlines()
    assert [json.loads(line) for line in lines] == papers
    unread = json.loads(run(marked_db, "export", "--unread").stdout)
    assert len(unread) == 20 and all(p["read_at"] is None for p in unread)
    out = tmp_path / "backup.json"
    written = run(marked_db, "export", "-o", str(out))
    assert written.exit_code == 0 and written.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8")) == papers


def test_export_markdown_holds_rated_and_noted_papers_only(marked_db: Path):
    with Store.open(marked_db) as store:
        papers = list(store.iter_papers())
    result = run(marked_db, "export", "--format", "markdown")
    assert result.exit_code == 0
    text = result.stdout
    assert text.startswith("# readq digest")
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert len(headings) == 3
    styletalker = next(p for p in papers if p.arxiv_id == "2208.10922")
    kept = [p for p in papers if p.rating or p.notes]
    assert [p.id for p in kept] == [7, 9, styletalker.id]
    assert "(https://arxiv.org/abs/2208.10922)" in text and "★★★☆☆" in text and "★★★★★" in text
    assert "Check the RL environment details." in text

    def escaped(title: str) -> str:
        return title.replace("[", "\\[").replace("]", "\\]")

    for paper in papers:
        assert (escaped(paper.title) in text) == (paper in kept), paper.title


def test_stats(marked_db: Path):
    result = run(marked_db, "stats")
    assert result.stdout == "21 papers · 20 unread · 2 rated · 1 with notes\n"
    assert json.loads(run(marked_db, "stats", "--json").stdout) == {
        "total": 21, "unread": 20, "rated": 2, "noted": 1,
    }


# ----- paths ----------------------------------------------------------------------------------


def test_path_respects_db_and_the_environment(tmp_path: Path):
    assert run(tmp_path / "chosen.db", "path").stdout == f"{tmp_path / 'chosen.db'}\n"
    from_env = run(None, "path", env={"READQ_DB": str(tmp_path / "env.db")})
    assert from_env.stdout == f"{tmp_path / 'env.db'}\n"
    both = run(tmp_path / "chosen.db", "path", env={"READQ_DB": str(tmp_path / "env.db")})
    assert both.stdout == f"{tmp_path / 'chosen.db'}\n"  # the option wins
    default = Path(run(None, "path").stdout.strip())
    assert default == paths.default_db_path() and default.name == "readq.db"


def test_config_path_respects_readq_config(tmp_path: Path):
    chosen = tmp_path / "keys.toml"
    assert run(None, "config", "path", env={"READQ_CONFIG": str(chosen)}).stdout == f"{chosen}\n"
    default = Path(run(None, "config", "path").stdout.strip())
    assert default.name == "config.toml" and default != chosen


@pytest.mark.parametrize("command", ["path", "import", "list", "stats"])
def test_db_after_the_subcommand_is_honoured(tmp_path: Path, plain_seed: Path, command: str):
    chosen = tmp_path / "chosen.db"
    other = tmp_path / "other.db"
    with Store.open(chosen) as store:
        store.import_records([PaperRecord(abstract="Only in the chosen database, about sparse graphs.", line=1)], "x")
    env = {"READQ_DB": str(other)}
    args = {"path": [], "import": [str(plain_seed)], "list": ["--json"], "stats": ["--json"]}[command]
    result = CliRunner().invoke(cli, [command, "--db", str(chosen), *args], env=env)
    assert result.exit_code == 0, result.stderr
    assert not other.exists()
    if command == "path":
        assert result.stdout == f"{chosen}\n"
    elif command == "list":
        assert [p["abstract"] for p in json.loads(result.stdout)] == [
            "Only in the chosen database, about sparse graphs."
        ]
    elif command == "stats":
        assert json.loads(result.stdout)["total"] == 1
    else:
        with Store.open(chosen) as store:
            assert store.count() == 12


# ----- help -----------------------------------------------------------------------------------


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from all_commands(command, (*prefix, name))


def test_every_command_has_help():
    commands = list(all_commands(cli))
    names = {" ".join(path) for path, _ in commands}
    assert {"import", "list", "show", "search", "mark", "rate", "note", "export", "stats",
            "path", "config", "config path", "demo"} <= names
    assert run(None, "--help").exit_code == 0
    for path, command in commands:
        assert (command.help or "").strip() or (command.short_help or "").strip(), path
        assert command.get_short_help_str().strip(), path
        result = run(None, *path, "--help")
        assert result.exit_code == 0, (path, result.stderr)
        assert result.stdout.startswith("Usage: ")
        for param in command.params:
            if isinstance(param, click.Option):
                assert (param.help or "").strip(), (path, param.name)


# ----- a missing or unsafe database -----------------------------------------------------------


@pytest.mark.parametrize(
    "args", [["list"], ["list", "--json"], ["show", "1"], ["search", "model"], ["stats"], ["export"],
             ["mark", "1"]],
    ids=lambda a: " ".join(a),
)
def test_reading_a_missing_database_is_one_line(tmp_path: Path, args: list[str]):
    missing = tmp_path / "nowhere" / "readq.db"
    line = one_error_line(run(missing, *args))
    assert str(missing.parent) in line
    assert not missing.exists() and not missing.parent.exists()


@pytest.mark.parametrize("kind", ["text", "directory", "newer"])
def test_unusable_databases_are_one_line(tmp_path: Path, plain_seed: Path, kind: str):
    path = tmp_path / "db"
    if kind == "text":
        path.write_text("not a database\n")
    elif kind == "directory":
        path.mkdir()
    else:
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE papers (id INTEGER PRIMARY KEY)")
            conn.execute("PRAGMA user_version = 99")
        conn.close()
    before = path.read_bytes() if path.is_file() else None
    for args in (["list"], ["import", str(plain_seed)]):
        one_error_line(run(path, *args))
    if before is not None:
        assert path.read_bytes() == before


HOSTILE = "Hostile \x1b]0;pwned\x07 title \x1b[31mred\x1b[0m and [bold red]x[/] markup in an abstract about graphs"


def assert_terminal_safe(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text
    assert UNSAFE_CHARACTERS.search(text) is None


def test_hostile_text_never_reaches_the_terminal(db: Path, tmp_path: Path):
    path = tmp_path / "hostile.txt"
    path.write_text(f"{HOSTILE}\n", encoding="utf-8")
    imported = run(db, "import", str(path))
    assert imported.exit_code == 0
    assert_terminal_safe(imported.stdout + imported.stderr)
    run(db, "note", "1", input="my note \x1b]52;c;Y2xpcA==\x07 with \x1b[2J a clear-screen\x07")
    for args in (["list"], ["show", "1"], ["search", "hostile"], ["note", "1", "--history"],
                 ["export", "--format", "markdown"]):
        result = run(db, *args)
        assert result.exit_code == 0, (args, result.stderr)
        assert_terminal_safe(result.stdout + result.stderr)
    shown = run(db, "show", "1").stdout
    assert "[bold red]x[/]" in shown and "pwned" not in shown
    for args in (["list", "--json"], ["show", "--json", "1"], ["export"]):
        result = run(db, *args)
        assert_terminal_safe(result.stdout)
        json.loads(result.stdout)  # valid JSON
    jsonl = run(db, "export", "--format", "jsonl").stdout
    assert_terminal_safe(jsonl)
    assert [json.loads(line)["id"] for line in jsonl.splitlines()] == [1]
    note = json.loads(run(db, "show", "--json", "1").stdout)["notes"]
    assert "\x1b" not in note  # notes are cleaned on save, like imported text


def test_control_characters_written_by_another_tool_are_escaped(seeded_db: Path):
    with sqlite3.connect(seeded_db) as conn:
        conn.execute("UPDATE papers SET title = ?, comments = ? WHERE id = 1",
                     ("Title \x1b]0;pwned\x07 \x9b31m C1 \x1b[5m blink", "\x1b[2J\x07"))
    conn.close()
    for args in (["list"], ["show", "1"], ["list", "--json"], ["export", "--format", "jsonl"]):
        result = run(seeded_db, *args)
        assert result.exit_code == 0
        assert_terminal_safe(result.stdout)
    listed_json = json.loads(run(seeded_db, "list", "--json").stdout)
    assert listed_json[0]["title"] == "Title \x1b]0;pwned\x07 \x9b31m C1 \x1b[5m blink"  # data intact


# ----- demo and pipes -------------------------------------------------------------------------


def test_demo_builds_a_database_of_the_samples(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = run(None, "demo", "--no-open")
    assert result.exit_code == 0, result.stderr
    demo_db = Path(result.stdout.strip())
    assert demo_db.is_file() and demo_db.is_relative_to(tmp_path)
    with Store.open(demo_db) as store:
        assert store.count() == 21
        assert store.count("unread") == 21
        assert len([p for p in store.iter_papers() if p.arxiv_id]) == 10


def test_output_to_a_closed_pipe_ends_quietly(tmp_path: Path):
    db = tmp_path / "big.db"
    with Store.open(db) as store:  # enough output to fill a pipe's buffer many times over
        store.import_records(
            (PaperRecord(abstract=f"Abstract {n} on sparse attention for long documents.", line=n,
                         title=f"Paper {n} " + "on sparse attention " * 4) for n in range(1, 4001)),
            "generated",
        )
    for args in (["list"], ["list", "--json"], ["export", "--format", "jsonl"]):
        process = subprocess.Popen(
            [sys.executable, "-m", "readq", "--db", str(db), *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=Path(__file__).resolve().parent.parent,
        )
        assert process.stdout.readline()
        process.stdout.close()
        stderr = process.stderr.read().decode()
        process.stderr.close()
        process.wait(timeout=30)
        assert "Traceback" not in stderr and "Exception" not in stderr, stderr
        assert process.returncode != 0 or stderr == ""


# ----- an empty note on stdin (issue 10) ------------------------------------------------------

NO_NOTE_TEXT = "readq: no note text on stdin (nothing changed; use --clear to empty the note)"


@pytest.mark.parametrize("text", ["", "\n", "  \n\t\n"], ids=["nothing", "newline", "blank"])
def test_empty_stdin_leaves_the_note_alone(seeded_db: Path, text: str):
    assert run(seeded_db, "note", "5", input="Keep this.\n").exit_code == 0
    result = run(seeded_db, "note", "5", input=text)
    assert one_error_line(result) == NO_NOTE_TEXT
    assert result.stdout == ""
    with Store.open(seeded_db) as store:
        assert store.get(5).notes == "Keep this.\n"
        assert len(store.note_versions(5)) == 1


def test_empty_stdin_in_a_real_process_from_dev_null(seeded_db: Path):
    assert run(seeded_db, "note", "5", input="Keep this.\n").exit_code == 0
    process = subprocess.run(  # `readq note 5 < /dev/null`
        [sys.executable, "-m", "readq", "--db", str(seeded_db), "note", "5"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert process.returncode == 1
    assert process.stderr == NO_NOTE_TEXT + "\n" and process.stdout == ""
    with Store.open(seeded_db) as store:
        assert store.get(5).notes == "Keep this.\n"


def test_clear_empties_the_note_and_keeps_the_old_text(seeded_db: Path):
    assert run(seeded_db, "note", "5", input="Keep this.\n").exit_code == 0
    cleared = run(seeded_db, "note", "5", "--clear")
    assert cleared.exit_code == 0, cleared.stderr
    assert cleared.stdout.startswith("cleared the note of 5")
    with Store.open(seeded_db) as store:
        assert store.get(5).notes == ""
        assert [text for _, text in store.note_versions(5)] == ["", "Keep this.\n"]
    history = run(seeded_db, "note", "5", "--history").stdout.splitlines()
    assert "(empty)" in history[0] and "Keep this." in history[1]
    assert run(seeded_db, "note", "5", "--restore", "2").exit_code == 0
    with Store.open(seeded_db) as store:
        assert store.get(5).notes == "Keep this.\n"

    again = run(seeded_db, "note", "6", "--clear")  # nothing to clear: says so, changes nothing
    assert again.exit_code == 0 and again.stderr == "the note of 6 is already empty\n"
    with Store.open(seeded_db) as store:
        assert store.note_versions(6) == []
    assert run(seeded_db, "note", "5", "--clear", "--history").exit_code == 2
    assert "--clear" in run(None, "note", "--help").stdout
