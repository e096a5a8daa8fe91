"""Large files are parsed in a second process: same results as the inline path."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

import readq.importing as importing
from readq.errors import UnusableInput
from readq.importing import import_file
from readq.store import Store

WORDS = "graph neural attention diffusion segmentation retrieval language vision robust sparse".split()


def listing_file(path: Path, count: int, bad_every: int = 0) -> Path:
    blocks = []
    for number in range(count):
        words = " ".join(WORDS[(number + k) % len(WORDS)] for k in range(40))
        arxiv_id = f"2401.{number:05d}" if not (bad_every and number % bad_every == 7) else "not-an-id"
        blocks.append(f"Paper {number} studies {words}.\n\narXiv:{arxiv_id}\nCreated: 2024-01-02\n")
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


@pytest.fixture
def big_file(tmp_path: Path) -> Path:
    path = listing_file(tmp_path / "big.txt", 9000, bad_every=1000)
    assert path.stat().st_size >= importing.PARALLEL_FROM_BYTES
    return path


def test_parallel_import_matches_inline(tmp_path: Path, big_file: Path, monkeypatch):
    with Store.open(tmp_path / "parallel.db") as store:
        parallel = import_file(store, str(big_file))
        parallel_titles = [p.title for p in store.iter_papers()]
    monkeypatch.setattr(importing, "PARALLEL_FROM_BYTES", 10**12)
    with Store.open(tmp_path / "inline.db") as store:
        inline = import_file(store, str(big_file))
        inline_titles = [p.title for p in store.iter_papers()]
    assert (parallel.imported, parallel.rejected, parallel.format) == (8991, 9, "arxiv")
    assert (inline.imported, inline.rejected, inline.format) == (8991, 9, "arxiv")
    assert [p.line for p in parallel.problems] == [p.line for p in inline.problems]
    assert parallel_titles == inline_titles


def test_parallel_import_is_idempotent_and_reports_progress(tmp_path: Path, big_file: Path):
    fractions = []
    with Store.open(tmp_path / "readq.db") as store:
        import_file(store, str(big_file), progress=lambda summary, fraction: fractions.append(fraction))
        again = import_file(store, str(big_file))
        assert store.count() == 8991
    assert (again.imported, again.duplicates, again.rejected) == (0, 8991, 9)
    assert fractions[-1] == 1.0 and all(0 <= f <= 1 for f in fractions)


def test_parallel_import_cancelled_midway_leaves_nothing(tmp_path: Path, big_file: Path):
    def cancel(summary, fraction):
        if summary.seen >= 4000:
            raise KeyboardInterrupt

    with Store.open(tmp_path / "readq.db") as store:
        with pytest.raises(KeyboardInterrupt):
            import_file(store, str(big_file), progress=cancel)
        assert store.count() == 0


def test_unusable_big_file_is_one_clear_error(tmp_path: Path, big_file: Path):
    packed = tmp_path / "big.txt.gz"
    packed.write_bytes(gzip.compress(big_file.read_bytes()) * 40)
    assert packed.stat().st_size >= importing.PARALLEL_FROM_BYTES
    with Store.open(tmp_path / "readq.db") as store:
        with pytest.raises(UnusableInput, match="looks like gzip data"):
            import_file(store, str(packed))


@pytest.mark.parametrize("index_every", [1, 5000])
def test_full_text_index_follows_merges_during_an_import(tmp_path: Path, monkeypatch, index_every):
    """New rows are indexed in batches; a merge into an old row, or into a row
    of the same import before or after its batch was indexed, stays searchable."""
    import sqlite3

    import readq.import_engine as import_engine
    from readq.models import PaperRecord
    from readq.search import SearchEngine

    monkeypatch.setattr(import_engine, "BATCH_ROWS", index_every)  # 1: a transaction per record
    text = "A study of sparse attention kernels for long documents and their memory use."
    other = "Benchmarking retrieval pipelines for multilingual question answering at scale."
    with Store.open(tmp_path / "readq.db") as store:
        store.import_records([PaperRecord(abstract=text, line=1, arxiv_id="2401.00001")], "a.txt")
        store.import_records([
            PaperRecord(abstract=other, line=1, arxiv_id="2401.00002"),
            PaperRecord(abstract=text, line=2, arxiv_id="2401.00001", title="Zebrafinch attention"),
            PaperRecord(abstract=other, line=3, arxiv_id="2401.00002", title="Okapi retrieval"),
        ], "b.txt")
        conn = sqlite3.connect(tmp_path / "readq.db")
        conn.execute("INSERT INTO papers_fts(papers_fts, rank) VALUES ('integrity-check', 1)")
        assert conn.execute("SELECT count(*) FROM settings WHERE key = 'bulk_import'").fetchone()[0] == 0
        engine = SearchEngine(store.connect_reader)
        found = {q: [store.get(i).arxiv_id for i in engine.search(q + " ").ids] for q in ("zebrafinch", "okapi")}
        engine.close()
    assert found == {"zebrafinch": ["2401.00001"], "okapi": ["2401.00002"]}
