"""Schema versions, tracked in PRAGMA user_version.

Each migration is a SQL script run inside one transaction, together with the
version bump, so a failed migration leaves the database as it was. Before any migration of
an existing database, the store copies the file next to itself
(`readq.db.bak-v1`), so a failed or unwanted migration can be undone by hand.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

# Text columns the search index covers, with bm25 weights: a match in the
# headline counts most, then the arXiv id, notes, comments, the abstract.
FTS_COLUMNS = ("title", "abstract", "arxiv_id", "comments", "notes")


def _v1_initial() -> str:
    return """
        CREATE TABLE papers (
            id INTEGER PRIMARY KEY,
            arxiv_id TEXT UNIQUE,
            title TEXT NOT NULL,
            headline_derived INTEGER NOT NULL DEFAULT 0,
            authors TEXT,
            abstract TEXT NOT NULL DEFAULT '',
            comments TEXT,
            categories TEXT,
            doi TEXT,
            url TEXT,
            created TEXT,
            updated TEXT,
            source TEXT,
            added_at TEXT NOT NULL,
            read_at TEXT,
            rating INTEGER CHECK (rating BETWEEN 1 AND 5),
            notes TEXT,
            notes_updated_at TEXT,
            content_hash TEXT NOT NULL
        );
        CREATE INDEX papers_content_hash ON papers(content_hash);
        CREATE INDEX papers_doi ON papers(doi) WHERE doi IS NOT NULL;
        -- One index per sort order and filter, so that a page of any view and
        -- the counts in the status line read an index, not a million rows.
        CREATE INDEX papers_newest ON papers(created DESC, id DESC);
        CREATE INDEX papers_by_rating ON papers(rating DESC, id);
        CREATE INDEX papers_unread ON papers(id) WHERE read_at IS NULL;
        CREATE INDEX papers_read ON papers(id) WHERE read_at IS NOT NULL;
        CREATE INDEX papers_noted ON papers(id) WHERE notes IS NOT NULL AND notes <> '';

        -- Every saved note text, so a note overwritten by another readq process
        -- (or by mistake) can be restored. Bounded per paper by the store.
        CREATE TABLE note_versions (
            id INTEGER PRIMARY KEY,
            paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
            text TEXT NOT NULL,
            saved_at TEXT NOT NULL,
            session TEXT NOT NULL  -- which readq process saved it
        );
        CREATE INDEX note_versions_paper ON note_versions(paper_id, id);

        -- Words of the indexed text with the number of papers holding each:
        -- the vocabulary that typo-tolerant search corrects query words against.
        CREATE TABLE search_terms (
            term TEXT PRIMARY KEY,
            docs INTEGER NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

        CREATE VIRTUAL TABLE papers_fts USING fts5(
            title, abstract, arxiv_id, comments, notes,
            content='papers', content_rowid='id',
            tokenize = 'unicode61 remove_diacritics 2'
        );
        -- Merge index segments in larger steps: a third faster bulk imports,
        -- at the cost of a few more segments for queries to read.
        INSERT INTO papers_fts(papers_fts, rank) VALUES ('automerge', 16);
        INSERT INTO papers_fts(papers_fts, rank) VALUES ('crisismerge', 64);
        -- The index's own word list with document counts, read by SQL.
        CREATE VIRTUAL TABLE papers_vocab USING fts5vocab(papers_fts, row);
        -- While an import runs, settings holds 'bulk_import' = its first new id:
        -- rows from that id on are indexed in one INSERT ... SELECT when the
        -- import ends (four times faster than a row at a time), so the
        -- triggers leave them alone. Any other write is indexed at once.
        CREATE TRIGGER papers_fts_insert AFTER INSERT ON papers
        WHEN NOT EXISTS (SELECT 1 FROM settings WHERE key = 'bulk_import'
                         AND CAST(value AS INTEGER) <= new.id) BEGIN
            INSERT INTO papers_fts(rowid, title, abstract, arxiv_id, comments, notes)
            VALUES (new.id, new.title, new.abstract, new.arxiv_id, new.comments, new.notes);
        END;
        CREATE TRIGGER papers_fts_delete AFTER DELETE ON papers
        WHEN NOT EXISTS (SELECT 1 FROM settings WHERE key = 'bulk_import'
                         AND CAST(value AS INTEGER) <= old.id) BEGIN
            INSERT INTO papers_fts(papers_fts, rowid, title, abstract, arxiv_id, comments, notes)
            VALUES ('delete', old.id, old.title, old.abstract, old.arxiv_id, old.comments, old.notes);
        END;
        CREATE TRIGGER papers_fts_update
        AFTER UPDATE OF title, abstract, arxiv_id, comments, notes ON papers
        WHEN NOT EXISTS (SELECT 1 FROM settings WHERE key = 'bulk_import'
                         AND CAST(value AS INTEGER) <= old.id) BEGIN
            INSERT INTO papers_fts(papers_fts, rowid, title, abstract, arxiv_id, comments, notes)
            VALUES ('delete', old.id, old.title, old.abstract, old.arxiv_id, old.comments, old.notes);
            INSERT INTO papers_fts(rowid, title, abstract, arxiv_id, comments, notes)
            VALUES (new.id, new.title, new.abstract, new.arxiv_id, new.comments, new.notes);
        END;

        """


MIGRATIONS: list[Callable[[], str]] = [_v1_initial]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection, from_version: int) -> None:
    """Run every migration after `from_version`, each in its own transaction."""
    for version in range(from_version + 1, SCHEMA_VERSION + 1):
        script = MIGRATIONS[version - 1]()
        try:
            conn.executescript(
                f"BEGIN IMMEDIATE;\n{script};\nPRAGMA user_version = {version};\nCOMMIT;"
            )
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
