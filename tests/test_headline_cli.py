"""Derived headlines in the store, `readq reheadline` and the exports that say a title is derived."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from readq.cli import cli
from readq.exporters import DERIVED_TITLE_NOTE, bibtex_entry, write
from readq.headline import derive_headline
from readq.models import Paper

ABSTRACTS = [
    "We propose TinyNet, a small convolutional network for keyword spotting on edge devices. It runs fast.",
    "Graph neural networks struggle with long-range dependencies. We introduce a spectral rewiring method "
    "for message passing on large molecular graphs. Experiments show gains.",
]


@pytest.fixture(autouse=True)
def no_user_files(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("READQ_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))


def run(db: Path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db), *args])


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Two title-less abstracts and one BibTeX paper with a real title."""
    db = tmp_path / "readq.db"
    plain = tmp_path / "plain.txt"
    plain.write_text("\n".join(ABSTRACTS) + "\n", encoding="utf-8")
    bib = tmp_path / "real.bib"
    bib.write_text("@article{k, title = {A Real Title}, abstract = {We propose RealNet, a network.}}\n",
                   encoding="utf-8")
    for path in (plain, bib):
        result = run(db, "import", str(path))
        assert result.exit_code == 0, result.stderr
    return db


def titles(db: Path) -> dict[str, tuple[str, int]]:
    with sqlite3.connect(db) as conn:
        return {abstract: (title, derived) for title, derived, abstract
                in conn.execute("SELECT title, headline_derived, abstract FROM papers")}


def set_title(db: Path, abstract: str, title: str) -> None:
    """What an older readq (an older headline model) would have stored."""
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE papers SET title = ? WHERE abstract = ?", (title, abstract))


def test_import_stores_the_model_headline_flagged_as_derived(db: Path) -> None:
    stored = titles(db)
    for abstract in ABSTRACTS:
        assert stored[abstract] == (derive_headline(abstract), 1)
    assert stored["We propose RealNet, a network."] == ("A Real Title", 0)


def test_headlines_change_only_on_reheadline(db: Path, tmp_path: Path) -> None:
    set_title(db, ABSTRACTS[0], "Old headline…")
    again = tmp_path / "again.txt"  # importing the same abstracts again keeps what is stored
    again.write_text("\n".join(ABSTRACTS) + "\n", encoding="utf-8")
    assert run(db, "import", str(again)).exit_code == 0
    assert run(db, "list").exit_code == 0
    assert titles(db)[ABSTRACTS[0]][0] == "Old headline…"

    dry = run(db, "reheadline", "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert "would change 1 of 2 derived headlines" in dry.stdout
    assert "- Old headline…" in dry.stdout and f"+ {derive_headline(ABSTRACTS[0])}" in dry.stdout
    assert titles(db)[ABSTRACTS[0]][0] == "Old headline…", "a dry run stores nothing"

    result = run(db, "reheadline")
    assert result.exit_code == 0, result.stderr
    assert "changed 1 of 2 derived headlines" in result.stdout
    stored = titles(db)
    assert stored[ABSTRACTS[0]] == (derive_headline(ABSTRACTS[0]), 1)
    assert stored["We propose RealNet, a network."] == ("A Real Title", 0), "real titles are never touched"
    assert "changed 0 of 2" in run(db, "reheadline").stdout


def test_reheadline_keeps_search_in_step(db: Path) -> None:
    set_title(db, ABSTRACTS[1], "Zebra quagga headline")
    assert len(json.loads(run(db, "search", "--json", "zebra").stdout)) == 1
    assert run(db, "reheadline").exit_code == 0
    found = run(db, "search", "--json", "zebra")
    assert found.exit_code == 0 and json.loads(found.stdout or "[]") == []


def test_reheadline_leaves_a_headline_replaced_meanwhile(db: Path) -> None:
    from readq.store import Store

    with Store.open(db) as store:
        (paper_id, old, _), *_ = list(store.iter_derived_headlines())
        set_title(db, ABSTRACTS[0], "A real title that arrived meanwhile")
        assert store.replace_headlines([(paper_id, old, "new")]) == 0
    assert titles(db)[ABSTRACTS[0]][0] == "A real title that arrived meanwhile"


def test_reheadline_on_a_missing_database_is_one_line(tmp_path: Path) -> None:
    result = run(tmp_path / "nothing" / "x.db", "reheadline")
    assert result.exit_code != 0
    assert "Traceback" not in (result.stdout + result.stderr)


def paper(derived: bool, comments: str | None = None) -> Paper:
    return Paper(id=1, title="TinyNet: Small convolutional network for keyword spotting", headline_derived=derived,
                 abstract=ABSTRACTS[0], comments=comments, created="2025-03-18")


def test_bibtex_says_a_derived_title_is_derived() -> None:
    entry = bibtex_entry(paper(True), "k")
    assert "title = {{TinyNet: Small convolutional network for keyword spotting}}" in entry
    assert f"note = {{{DERIVED_TITLE_NOTE}}}" in entry
    assert "note = {Title derived by readq. 12 pages}" in bibtex_entry(paper(True, "12 pages"), "k")


def test_bibtex_of_a_real_title_has_no_derived_note() -> None:
    assert DERIVED_TITLE_NOTE not in bibtex_entry(paper(False), "k")
    assert "note = {12 pages}" in bibtex_entry(paper(False, "12 pages"), "k")


@pytest.mark.parametrize("format_", ["json", "jsonl"])
def test_json_exports_carry_headline_derived(format_: str) -> None:
    out = io.StringIO()
    write([paper(True), paper(False)], format_, out)
    text = out.getvalue()
    records = json.loads(text) if format_ == "json" else [json.loads(line) for line in text.splitlines()]
    assert [record["headline_derived"] for record in records] == [True, False]


def test_exports_hold_whole_headlines(db: Path) -> None:
    for format_ in ("json", "bibtex", "markdown", "csv"):
        result = run(db, "export", "--format", format_)
        assert result.exit_code == 0, result.stderr
        assert "…" not in result.stdout
