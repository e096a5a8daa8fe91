"""Search as people use it, on a realistic queue: 20,000 real arXiv papers from
the shared corpus (issue 12, one test or more per numbered case).

The database is built once per test session (about 3 s); tests that write
work on a copy. Expected answers come from the corpus records themselves
(regexes over titles and abstracts), never from the engine.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from readq.cli import cli
from readq.importing import import_file
from readq.search import SearchEngine, SearchResult
from readq.store import Store

CORPUS = Path(os.environ.get("READQ_CORPUS", "/work/shared/corpus/arxiv_abstracts.jsonl.gz"))
FIRST_RECORDS = 20_000
# Later papers the issue names, added to the first 20,000 (titles must contain one of these).
NAMED = ("VideoJudge", "DAPointMamba")


def _records() -> list[dict]:
    if not CORPUS.is_file():
        pytest.skip(f"the shared corpus is not at {CORPUS} (set READQ_CORPUS)")
    with gzip.open(CORPUS, "rt", encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle]
    chosen = records[:FIRST_RECORDS]
    chosen += [r for r in records[FIRST_RECORDS:] if any(name in r["title"] for name in NAMED)
               or "langauge" in r["abstract"].lower()]
    return chosen


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> tuple[Path, list[dict]]:
    """(database, its records in import order): built once, never changed."""
    records = _records()
    folder = tmp_path_factory.mktemp("corpus")
    source = folder / "papers.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    with Store.open(folder / "readq.db") as store:
        summary = import_file(store, str(source))
    assert summary.imported == len(records)
    return folder / "readq.db", records


@pytest.fixture(scope="session")
def ids_by_arxiv(corpus) -> dict[str, int]:
    with sqlite3.connect(corpus[0]) as conn:
        return dict(conn.execute("SELECT arxiv_id, id FROM papers"))


@pytest.fixture(scope="session")
def reader(corpus):
    store = Store.open(corpus[0])
    yield store
    store.close()


def patient(engine: SearchEngine) -> SearchEngine:
    """No frame budgets: what a query finds must not depend on the machine's load.
    (The budgets' fallbacks have tests of their own, with budgets of zero.)"""
    engine.rank_time_limit = engine.count_time_limit = engine.first_page_time_limit = 60.0
    return engine


@pytest.fixture(scope="session")
def engine(reader: Store):
    engine = patient(SearchEngine(reader.connect_reader))
    yield engine
    engine.close()


@pytest.fixture
def writable(corpus, tmp_path: Path):
    """A private copy of the corpus database, and an engine on it."""
    target = tmp_path / "readq.db"
    shutil.copy(corpus[0], target)
    store = Store.open(target)
    engine = patient(SearchEngine(store.connect_reader))
    yield store, engine
    engine.close()
    store.close()


def having(records: list[dict], ids: dict[str, int], *patterns: str) -> set[int]:
    """Papers whose title, abstract or comment matches every regex."""
    found = set()
    for r in records:
        text = f"{r['title']} {r['abstract']} {r.get('comment') or ''}"
        if all(re.search(p, text, re.IGNORECASE) for p in patterns):
            found.add(ids[r["id"]])
    return found


def every_id(engine: SearchEngine, result: SearchResult, step: int = 100) -> list[int]:
    found: list[int] = []
    while page := engine.page(result, len(found), step):
        assert not set(page) & set(found), "a page repeats ids already read"
        found.extend(page)
    return found


def text_of(reader: Store, paper_id: int) -> str:
    paper = reader.get(paper_id)
    return f"{paper.title} {paper.abstract}".lower()


# ----- 1. every match reachable, no cap at 100 --------------------------------------------------


def test_every_match_is_reachable_and_counted(corpus, ids_by_arxiv, engine: SearchEngine):
    expected = having(corpus[1], ids_by_arxiv, r"\bgaussian\b", r"\bsplatting\b")
    assert len(expected) > 300  # far past one page
    result = engine.search("gaussian splatting ")
    reached = every_id(engine, result)
    assert len(reached) == len(set(reached)) == result.total and result.total_exact
    assert set(reached) >= expected
    assert reached[: len(result.ids)] == result.ids


def test_the_results_list_pages_through_every_match(engine: SearchEngine, reader: Store):
    from readq.tui.sources import ResultsSource

    result = engine.search("gaussian splatting ")
    source = ResultsSource(reader, result, engine)
    assert len(source) == result.total > 100
    assert source.row(len(source) - 1) is not None and source.row(len(source)) is None
    assert source.all_ids() == every_id(engine, result)
    last = source.all_ids()[-1]
    assert source.position_of(last) == len(source) - 1


def test_more_than_ten_thousand_then_the_exact_count(corpus, engine: SearchEngine, reader: Store):
    from readq.search import describe
    from readq.tui.sources import ResultsSource

    result = engine.search("the ")  # a lone word is searched even when it is a stop word
    assert not result.total_exact
    assert describe(result) == f"more than 10,000 matches · {result.order}"
    source = ResultsSource(reader, result, engine)
    assert len(source) == result.total  # the lower bound: never a blocking count on the UI thread
    expected = len(having(corpus[1], {r["id"]: i for i, r in enumerate(corpus[1])}, r"\bthe\b"))
    assert engine.count(result) == expected and result.total_exact  # what the TUI's worker does next
    source.invalidate()
    assert len(source) == expected  # the list then grows to every match


def test_a_count_past_its_budget_is_a_lower_bound(reader: Store):
    from readq.search import describe

    hasty = SearchEngine(reader.connect_reader)
    hasty.rank_time_limit = hasty.count_time_limit = 0.0
    hasty.first_page_time_limit = 60.0
    try:
        result = hasty.search("cs.RO")
        assert not result.total_exact and result.total >= len(result.ids) == 100
        assert describe(result) == f"more than {result.total:,} matches · newest added first"
        lower_bound = result.total
        assert hasty.count(result) > lower_bound and result.total_exact
        ranked = hasty.search("gaussian splatting ")  # ranking all of them: past its budget
        assert not ranked.ranked and ranked.order == "newest added first"
        assert not ranked.total_exact and ranked.total >= len(ranked.ids) == 100  # counting: past its budget too
        assert ranked.ids == sorted(ranked.ids, reverse=True)
        hasty.first_page_time_limit = 0.0  # walking the index for few matches: past its budget
        few = hasty.search("cat:cs.RO is:unread")
        assert few.total_exact and few.ids == sorted(few.ids, reverse=True)
    finally:
        hasty.close()


def test_cli_prints_every_match_up_to_its_limit(corpus, ids_by_arxiv):
    expected = having(corpus[1], ids_by_arxiv, r"\bgaussian\b", r"\bsplatting\b")
    printed = CliRunner().invoke(cli, ["--db", str(corpus[0]), "search", "--limit", "5000",
                                       "gaussian", "splatting"])
    assert printed.exit_code == 0, printed.stderr
    shown = {int(line.split()[0]) for line in printed.stdout.splitlines()}
    assert shown >= expected and len(shown) == len(printed.stdout.splitlines())
    assert printed.stderr.startswith(f"{len(shown):,} matches · ")  # then the order used


# ----- 2. the status line says one true thing ----------------------------------------------------


@pytest.mark.parametrize(("total", "exact", "partial", "order", "text"), [
    (1135, True, False, "best match first", "1,135 matches · best match first"),
    (1, True, False, "newest first", "1 match · newest first"),
    (0, True, False, "best match first", "no matches"),
    (10_000, False, False, "newest added first", "more than 10,000 matches · newest added first"),
    (37, True, True, "best match first", "37 near matches · best match first"),
])
def test_describe(total: int, exact: bool, partial: bool, order: str, text: str):
    from readq.search import describe

    assert describe(SearchResult("q", total=total, total_exact=exact, partial=partial, order=order)) == text


def test_the_order_named_is_the_order_shown(engine: SearchEngine, reader: Store):
    newest = engine.search("gaussian splatting ", sort="newest")
    assert newest.order == "newest first"
    dates = [reader.get(i).created for i in every_id(engine, newest)[:400]]
    assert dates == sorted(dates, reverse=True)
    many = engine.search("model ")  # too many to rank in a frame: those with it in the title first
    assert many.order == "title matches first, then newest added" and not many.ranked
    head = many.plan.head
    assert head and all(re.search(r"\bmodel\b", reader.get(i).title, re.IGNORECASE) for i in head)
    rest = engine.page(many, len(head), 300)
    assert rest == sorted(rest, reverse=True) and not set(rest) & set(head)
    assert not any(re.search(r"\bmodel\b", reader.get(i).title, re.IGNORECASE) for i in rest)
    best = engine.search("speculative decoding ")
    assert best.ranked and best.order == "best match first"


# ----- 3. a typo that is itself a rare word ------------------------------------------------------


def test_a_rare_typo_also_matches_its_common_neighbour(corpus, ids_by_arxiv, engine: SearchEngine, reader: Store):
    result = engine.search("vision langauge model hallucination ")
    assert len(result.ids) > 20
    for paper_id in result.ids[:10]:
        text = text_of(reader, paper_id)
        assert "hallucinat" in text and re.search(r"\blang(ua|au)ge", text)


def test_the_typo_as_typed_ranks_above_its_correction(engine: SearchEngine, reader: Store):
    result = engine.search("heterogeneous langauge model ")
    first = reader.get(result.ids[0])
    assert "langauge" in first.abstract and first.title.startswith("SYMPHONY")
    # ...and papers that spell it right follow
    assert any("langauge" not in text_of(reader, i) for i in result.ids[1:])


# ----- 4. note words join the vocabulary when the note is saved ---------------------------------


@pytest.mark.parametrize("query", ["zoltn ", "zolt", "zoltan "])
def test_a_word_only_in_a_note_is_corrected_and_completed(writable, query: str):
    store, engine = writable
    assert 123 not in engine.search(query).ids
    store.save_note(123, "Ask Zoltan about the calibration rig")
    assert 123 in engine.search(query).ids[:10]
    store.save_note(123, "")
    assert 123 not in engine.search(query).ids


def test_a_note_saved_by_another_process_is_searchable(writable):
    store, engine = writable
    engine.search("warmup ")  # the vocabulary is loaded before the note exists
    with Store.open(store.path) as other:
        other.save_note(77, "Zoltan's rig")
    assert engine.search("zoltn ").ids[:1] == [77]


# ----- 5. a prefix completes before any edit-distance guess --------------------------------------


@pytest.mark.parametrize("query", ["llm judg", "llm judg "])
def test_a_prefix_completes_to_the_words_it_starts(corpus, ids_by_arxiv, engine: SearchEngine,
                                                   reader: Store, query: str):
    result = engine.search(query)
    assert len(result.ids) > 50
    for paper_id in result.ids[:20]:
        assert re.search(r"\bjudg", text_of(reader, paper_id)), reader.get(paper_id).title
    # judgment, judging, judged...: not one edit from "judg", but its completions
    other_forms = having(corpus[1], ids_by_arxiv, r"\bllm\b", r"\bjudg(ment|ments|ing|ed)\b") - having(
        corpus[1], ids_by_arxiv, r"\bjudges?\b")
    assert other_forms and other_forms <= set(engine.search(query, limit=5000).ids)


def test_whole_word_outranks_prefix_outranks_typo(engine: SearchEngine, reader: Store):
    ids = engine.search("splatting diffusion ").ids[:10]
    assert all(re.search(r"\bsplatting\b", text_of(reader, i)) for i in ids)
    ids = engine.search("splattin diffusion ").ids[:10]  # a prefix of "splatting"
    assert all(re.search(r"\bsplatting", text_of(reader, i)) for i in ids)


# ----- 6. run-together names ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["StyleMorpheus", "UniMamba", "TopoGaussian", "ProbDiffFlow", "GuideDog"])
def test_the_parts_of_a_name_find_it(corpus, ids_by_arxiv, engine: SearchEngine, name: str):
    paper = next(ids_by_arxiv[r["id"]] for r in corpus[1] if r["title"].startswith(f"{name}:"))
    parts = " ".join(re.findall(r"[A-Z][a-z]+", name)).lower()  # "topo gaussian"
    assert paper in engine.search(parts + " ").ids[:10]
    assert paper in engine.search(parts).ids[:10]  # still typing the last part


def test_a_name_run_together_from_three_words(engine: SearchEngine, ids_by_arxiv):
    zigzag = ids_by_arxiv["2505.21381"]  # ZigzagPointMamba
    assert engine.search("zigzag point mamba ").ids[:1] == [zigzag]
    assert engine.search("zigzag point mamba").ids[:1] == [zigzag]
    found = set(engine.search("point mamba ").ids)
    assert {zigzag, ids_by_arxiv["2511.20278"]} <= found  # and DAPointMamba


def test_a_run_together_word_finds_its_parts(engine: SearchEngine, ids_by_arxiv):
    found = set(engine.search("pointmamba ").ids)
    # "Efficient Spiking Point Mamba ..." and "... via Point Mamba Adapter"
    assert {ids_by_arxiv["2504.14371"], ids_by_arxiv["2505.20941"]} <= found


# ----- 7. numbers, ids and categories -----------------------------------------------------------


def test_a_name_and_a_year(engine: SearchEngine, ids_by_arxiv):
    for query in ("VideoJudge 2025 ", "videojudge 2025"):
        result = engine.search(query)  # the paper was listed in 2025; its text has no "2025"
        assert result.ids == [ids_by_arxiv["2509.21451"]] and not result.partial


@pytest.mark.parametrize("query", ["2503.12", "2503.12 ", "id:2503.12"])
def test_an_arxiv_id_prefix(corpus, ids_by_arxiv, engine: SearchEngine, query: str):
    expected = {ids_by_arxiv[r["id"]] for r in corpus[1] if r["id"].startswith("2503.12")}
    result = engine.search(query)
    assert set(result.ids) <= expected and len(result.ids) == 100
    assert set(every_id(engine, result)) == expected and result.total == len(expected) > 100


@pytest.mark.parametrize("query", ["cs.RO ", "cs.ro", "cat:cs.RO"])
def test_a_category(corpus, ids_by_arxiv, engine: SearchEngine, query: str):
    expected = {ids_by_arxiv[r["id"]] for r in corpus[1] if "cs.RO" in r["categories"]}
    result = engine.search(query)
    assert set(result.ids) <= expected and len(result.ids) == 100
    # Counting every paper's categories may cost more than a frame: then a lower bound.
    assert result.total == len(expected) if result.total_exact else result.total < len(expected)
    assert set(every_id(engine, result)) == expected and len(expected) > 100
    assert engine.count(result) == len(expected) and result.total_exact


def test_a_category_with_words(corpus, ids_by_arxiv, engine: SearchEngine):
    expected = {ids_by_arxiv[r["id"]] for r in corpus[1] if "cs.RO" in r["categories"]}
    result = engine.search("cat:cs.RO grasp ")
    assert set(result.ids) <= expected and 10 < len(result.ids) < 100
    assert set(every_id(engine, result)) <= expected


# ----- 8. filter and sort the results (u and s in the TUI) --------------------------------------


def test_results_filtered_and_sorted(writable):
    store, engine = writable
    everything = every_id(engine, engine.search("gaussian splatting "))
    read = everything[::3]
    store.set_read(read, True)
    for rating, paper_id in zip((5, 3, 4), everything[1::50]):
        store.rate(paper_id, rating)
    assert set(engine.search("gaussian splatting is:read ", limit=5000).ids) == set(read)
    unread = engine.search("gaussian splatting ", filter="unread")
    assert set(every_id(engine, unread)) == set(everything) - set(read)
    assert unread.total == len(everything) - len(read)
    assert set(every_id(engine, engine.search("gaussian splatting is:read "))) == set(read)
    rated = engine.search("gaussian splatting ", filter="rated", sort="rating")
    assert [store.get(i).rating for i in rated.ids] == [5, 4, 3]
    assert rated.order == "highest rated first"


# ----- 9. typing never blanks the results --------------------------------------------------------


@pytest.mark.parametrize("typed", ["gaussian splatting", "gausian splatting"])
def test_every_keystroke_finds_something(engine: SearchEngine, typed: str):
    for end in range(3, len(typed) + 1):
        prefix = typed[:end]
        if len(prefix.split()[-1]) < 3 or prefix.endswith(" "):
            continue
        result = engine.search(prefix)
        assert result.ids and result.query == prefix, prefix
