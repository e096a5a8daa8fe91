"""The SQLite tools are users too: sqlite-utils (and so Datasette) find readq's
search index and search it, on new databases and on migrated ones (issue 11)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import sqlite_utils

from readq import migrations
from readq.importing import import_file
from readq.search import SearchEngine
from readq.store import Store


def sqlite_utils_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sqlite_utils", *args], capture_output=True,
                          text=True, timeout=60)


def test_sqlite_utils_search_returns_papers_with_their_ids(seeded_store):
    expected = {p.id for p in seeded_store.iter_papers() if "talking" in p.abstract.lower()}
    result = sqlite_utils_cli("search", str(seeded_store.path), "papers", "talking", "-c", "id", "-c", "title")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found and {row["id"] for row in found} == expected
    assert all(seeded_store.get(row["id"]).title == row["title"] for row in found)


def test_detect_fts_finds_the_index_and_the_schema_is_as_designed(seeded_store):
    db = sqlite_utils.Database(seeded_store.path)
    assert db["papers"].detect_fts() == "papers_fts"
    assert {"id", "arxiv_id", "title", "abstract", "notes", "content_hash"} <= set(db["papers"].columns_dict)
    assert db["papers"].pks == ["id"]
    assert {"papers_fts_insert", "papers_fts_delete", "papers_fts_update"} <= {t.name for t in db.triggers}
    assert {"imports", "pending_terms", "pending_merges", "note_versions"} <= set(db.table_names())


def _version_1_database(path: Path) -> None:
    """A database as readq 1 wrote it: schema 1, the index declared content='papers'."""
    script = migrations._v1_initial().replace('content="papers"', "content='papers'")
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.executescript(f"BEGIN;\n{script};\nPRAGMA user_version = 1;\nCOMMIT;")
        conn.execute(
            "INSERT INTO papers (title, abstract, added_at, content_hash)"
            " VALUES ('Gaussian splatting for dynamic scenes', 'We splat gaussians over time.',"
            " '2025-01-01T00:00:00.000+00:00', 'h1')")
    assert sqlite_utils.Database(path)["papers"].detect_fts() is None  # the bug


def test_a_version_1_database_migrates_to_a_searchable_index(tmp_path, plain_seed):
    db = tmp_path / "readq.db"
    _version_1_database(db)
    with Store.open(db) as store:
        import_file(store, str(plain_seed))
        engine = SearchEngine(store.connect_reader)
        try:
            assert engine.search("splatting ").ids == [1]
        finally:
            engine.close()
    assert (tmp_path / "readq.db.bak-v1").is_file()
    assert sqlite_utils.Database(db)["papers"].detect_fts() == "papers_fts"
    result = sqlite_utils_cli("search", str(db), "papers", "gaussian", "-c", "id")
    assert json.loads(result.stdout) == [{"id": 1}]
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("INSERT INTO papers_fts(papers_fts, rank) VALUES ('integrity-check', 1)")
        assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations.SCHEMA_VERSION
