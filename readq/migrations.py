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

# Papers with an id below this are visible; from it on they belong to an
# import not yet published (see the imports table). An uncorrelated scalar
# subquery, evaluated once per statement. Reads write `+id < VISIBLE_BELOW`
# where a view's own index must drive the plan (the unary + keeps the
# planner from switching to a rowid range scan of the whole table).
VISIBLE_BELOW = "(SELECT coalesce(min(first_id), 9223372036854775807) FROM imports)"


def _full_text_index() -> str:
    """The FTS5 index of papers, its vocabulary view and the triggers that keep
    it in step. Declared with content="papers" (double quotes) because that is
    how sqlite-utils and Datasette recognise a table's search index."""
    return """
        CREATE VIRTUAL TABLE papers_fts USING fts5(
            title, abstract, arxiv_id, comments, notes,
            content="papers", content_rowid='id',
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


def _v1_initial() -> str:
    return f"""
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

        {_full_text_index()}

        """


def _v2_imports() -> str:
    """Imports written in short batches, invisible until published (readq/import_engine.py).
    A SQL script like v1, so it runs in the same one-transaction runner below."""
    return """
        -- The running import, at most one (a second one waits). Its new papers
        -- have ids from first_id on: every read filters them out (VISIBLE_BELOW)
        -- until the import's last transaction deletes this row. A row whose
        -- process is gone (same host, pid not alive) or whose heartbeat is old
        -- is a dead import: the next import deletes its papers first.
        -- AUTOINCREMENT: an id is never reused, so leftovers of a finished
        -- import can never be taken for another's.
        CREATE TABLE imports (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            first_id INTEGER NOT NULL,
            pid INTEGER NOT NULL,
            host TEXT NOT NULL,
            started TEXT NOT NULL,
            heartbeat REAL NOT NULL,  -- unix time of its last batch
            state TEXT NOT NULL DEFAULT 'running'  -- running | removing (a dead or cancelled one)
        );
        -- Search vocabulary counts of a running import's new papers, added to
        -- search_terms when it is published (or, for a large import, the whole
        -- new vocabulary, replacing search_terms).
        CREATE TABLE pending_terms (
            import_id INTEGER NOT NULL,
            term TEXT NOT NULL,
            docs INTEGER NOT NULL,
            PRIMARY KEY (import_id, term)
        ) WITHOUT ROWID;
        -- Records of a running import that merge into papers already visible
        -- (filling empty columns, a real title, a newer note): applied when
        -- the import is published, so nobody sees half an import.
        CREATE TABLE pending_merges (
            import_id INTEGER NOT NULL,
            paper_id INTEGER NOT NULL,
            changes TEXT NOT NULL,  -- JSON: column -> value, as the import leaves the paper
            PRIMARY KEY (import_id, paper_id)
        ) WITHOUT ROWID;
        """


def _v3_searchable_by_sqlite_tools() -> str:
    """The same index re-declared with content="papers" (v1 wrote content='papers',
    which `sqlite-utils search` and Datasette do not recognise), then rebuilt
    from the papers table: a one-off pass over every abstract."""
    return f"""
        DROP TRIGGER papers_fts_insert;
        DROP TRIGGER papers_fts_delete;
        DROP TRIGGER papers_fts_update;
        DROP TABLE papers_vocab;
        DROP TABLE papers_fts;
        {_full_text_index()}
        INSERT INTO papers_fts(papers_fts) VALUES ('rebuild');
        """


def _v4_category_index() -> str:
    """Search's cat:cs.RO (and a bare "cs.RO") reads this small index, not every
    paper's row: categories are matched with LIKE, which a covering index answers."""
    return "CREATE INDEX papers_categories ON papers(categories) WHERE categories IS NOT NULL;"


def _v5_tags() -> str:
    """Tags on papers (readq/tags.py). A tag matches whatever its case (NOCASE):
    `RL` and `rl` are one tag. tags_updated_at is when a paper's tags last
    changed, so an import of an export keeps the newer set (like notes)."""
    return """
        CREATE TABLE paper_tags (
            paper_id INTEGER NOT NULL,
            tag TEXT NOT NULL COLLATE NOCASE,
            PRIMARY KEY (paper_id, tag)
        ) WITHOUT ROWID;
        CREATE INDEX paper_tags_by_tag ON paper_tags(tag, paper_id);
        ALTER TABLE papers ADD COLUMN tags_updated_at TEXT;
        -- A trigger, not a foreign key: an in-memory store runs without them.
        CREATE TRIGGER paper_tags_delete AFTER DELETE ON papers BEGIN
            DELETE FROM paper_tags WHERE paper_id = old.id;
        END;
        """


def _v6_headline_queue() -> str:
    """Papers of a large import that got a quick headline and wait for the
    learned one (readq/headline_backfill.py). A row is visible with its paper:
    the backfill keeps to paper ids below VISIBLE_BELOW, and a paper's deletion
    (a cancelled import's rows too) deletes its row."""
    return """
        CREATE TABLE headline_queue (
            paper_id INTEGER PRIMARY KEY,
            quick TEXT NOT NULL  -- the headline it got: replaced only while it still holds this
        );
        CREATE TRIGGER headline_queue_delete AFTER DELETE ON papers BEGIN
            DELETE FROM headline_queue WHERE paper_id = old.id;
        END;
        """


def _v7_views_read_from_indexes() -> str:
    """The list's views (a filter in a sort order) answered from indexes alone.
    Keeping the cursor on its paper counts the rows sorted before it, and a
    sparse view (read papers, newest first) skips the rows that fail its
    filter: both read read_at or rating of each row they pass. From the table
    that meant a page of abstracts per few rows (60 ms at 100k papers); these
    indexes carry the two columns, and papers_rated lists the rated in id order.
    papers_queue (the rowid alone) lets the whole queue in import order skip
    50,000 rows in 1 ms instead of 40 (the table's pages hold the abstracts)."""
    return """
        CREATE INDEX papers_queue ON papers(id);
        DROP INDEX papers_newest;
        CREATE INDEX papers_newest ON papers(created DESC, id DESC, read_at, rating);
        DROP INDEX papers_by_rating;
        CREATE INDEX papers_by_rating ON papers(rating DESC, id, read_at);
        CREATE INDEX papers_rated ON papers(id) WHERE rating IS NOT NULL;
        """


MIGRATIONS: list[Callable[[], str]] = [_v1_initial, _v2_imports, _v3_searchable_by_sqlite_tools,
                                       _v4_category_index, _v5_tags,
                                       _v6_headline_queue, _v7_views_read_from_indexes]
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
