"""The search engine on a small queue: the seeds plus a few hand-written papers."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from readq.importers import arxiv_listing
from readq.importing import import_file
from readq.models import PaperRecord
from readq.search import SearchEngine, SearchResult
from readq.store import Store

FILLER = (
    "Data pipelines move records between systems, and most of their cost lies in the"
    " joins, the retries and the bookkeeping that keeps batches consistent when a stage"
    " fails halfway. We catalogue fifty production pipelines, measure where their time"
    " goes, and describe the scheduling habits that keep them cheap to operate. "
)
# Hand-written papers with fixed titles, so that ranking does not depend on derived headlines.
EXTRA = [
    PaperRecord(
        title="Graph sparsification for streaming networks",
        abstract="We keep a small weighted subset of edges that preserves cut sizes while"
                 " edges arrive one at a time, with guarantees on memory and error.",
        line=1,
    ),
    PaperRecord(
        title="A survey of data pipeline engineering",
        abstract=FILLER * 2 + "A closing remark touches on graph sparsification for lineage.",
        line=2,
    ),
    PaperRecord(
        title="Head pose estimation from talking videos without landmarks",
        abstract="Estimating head pose from video usually relies on facial landmarks; we"
                 " regress it directly from frames of people talking to a camera.",
        line=3,
    ),
]


@pytest.fixture
def store(plain_seed: Path, arxiv_seed: Path) -> Store:
    """In memory: ids 1–11 the plain seed, 12–21 the listing, 22–24 EXTRA."""
    store = Store.memory()
    import_file(store, str(plain_seed))
    import_file(store, str(arxiv_seed))
    store.import_records(EXTRA, "extra")
    return store


@pytest.fixture
def engine(store: Store):
    engine = SearchEngine(store.connect_reader)
    yield engine
    engine.close()


def ids_of(store: Store, pattern: str) -> set[int]:
    """Papers whose headline or abstract holds a word matching `pattern`."""
    regex = re.compile(pattern, re.IGNORECASE)
    return {p.id for p in store.iter_papers() if regex.search(f"{p.title} {p.abstract}")}


def first(engine: SearchEngine, query: str) -> int | None:
    result = engine.search(query)
    return result.ids[0] if result.ids else None


def paper_id(store: Store, arxiv_id: str) -> int:
    return store.find_by_arxiv_id(arxiv_id).id


def test_typo_in_a_name_finds_it(store: Store, engine: SearchEngine):
    assert first(engine, "stlytalker") == paper_id(store, "2208.10922")
    assert first(engine, "stlytalker ") == paper_id(store, "2208.10922")


def test_typo_finds_every_transformer_paper(store: Store, engine: SearchEngine):
    transformer_papers = ids_of(store, r"\btransformers?\b")
    assert len(transformer_papers) >= 3
    result = engine.search("trasnformer ")
    assert set(result.ids) >= transformer_papers
    assert set(result.ids[: len(transformer_papers)]) == transformer_papers
    assert "transformer" in result.terms


def test_an_unfinished_word_is_completed(store: Store, engine: SearchEngine):
    assert first(engine, "styleta") == paper_id(store, "2208.10922")
    assert first(engine, "audio-driven talk") == paper_id(store, "2208.10922")


@pytest.mark.parametrize(("query", "reversed_query"), [("talking head", "head talking"),
                                                       ("talking head ", "HEAD Talking ")])
def test_word_order_does_not_matter(store: Store, engine: SearchEngine, query: str, reversed_query: str):
    styletalker = paper_id(store, "2208.10922")
    forward, backward = engine.search(query).ids, engine.search(reversed_query).ids
    assert set(forward) == set(backward)
    assert styletalker in forward[:2] and styletalker in backward[:2]


def test_words_in_the_headline_rank_above_words_deep_in_the_abstract(store: Store, engine: SearchEngine):
    in_title = next(p.id for p in store.iter_papers() if p.title.startswith("Graph sparsification"))
    deep = next(p.id for p in store.iter_papers() if p.title.startswith("A survey of data"))
    for query in ("graph sparsification", "sparsification graph ", "graph sparsificaton "):
        ids = engine.search(query).ids
        assert ids[:2] == [in_title, deep], query


def test_words_next_to_each_other_rank_first(store: Store, engine: SearchEngine):
    # StyleTalker says "talking head" many times; the hand-written paper has both words apart.
    ids = engine.search("talking head ").ids
    head_pose = next(p.id for p in store.iter_papers() if p.title.startswith("Head pose"))
    assert head_pose in ids
    assert ids.index(paper_id(store, "2208.10922")) < ids.index(head_pose)


@pytest.mark.parametrize("query", ["2208.10922", "arXiv:2208.10922", "2208.10922v3", " 2208.10922 "])
def test_an_arxiv_id_finds_that_paper_first(store: Store, engine: SearchEngine, query: str):
    assert first(engine, query) == paper_id(store, "2208.10922")


@pytest.mark.parametrize(
    "query",
    ['"', '""', "AND", "OR", "NOT", "NEAR(", "NEAR(a b, 2)", "*", "-", "+", "^", "col:", "title:x",
     'a"b', "(", ")", "[x]", "{y}", "\\", "\\\\ \\", "a AND (b OR", "'; DROP TABLE papers; --",
     "\x00", "\x1b[31m", "ﬁ ligature", "ümlaut", "日本語", "🙂", "a" * 60, "x" * 10_000,
     "transformer " * 2000],
    ids=lambda q: repr(q[:12]),
)
def test_odd_queries_never_raise(store: Store, engine: SearchEngine, query: str):
    started = time.perf_counter()
    result = engine.search(query)
    assert time.perf_counter() - started < 2.0
    assert isinstance(result, SearchResult)
    assert all(isinstance(i, int) and store.get(i) is not None for i in result.ids)
    assert len(result.ids) == len(set(result.ids))
    assert store.count() == 24  # and nothing was written


@pytest.mark.parametrize("query", ["", " ", "   \t\n", "!!!", "-- --"])
def test_empty_queries_find_nothing(engine: SearchEngine, query: str):
    result = engine.search(query)
    assert result.ids == [] and not result.waiting_for_more


@pytest.mark.parametrize("query", ["s", "S", "é"])
def test_one_character_waits_for_more(engine: SearchEngine, query: str):
    result = engine.search(query)
    assert result.ids == [] and result.waiting_for_more


def test_limit(engine: SearchEngine):
    assert len(engine.search("the model ", limit=3).ids) == 3


def test_notes_are_searchable_after_saving(store: Store, engine: SearchEngine):
    assert engine.search("zebrafish ").ids == []
    store.save_note(3, "Compare with the zebrafish regeneration experiments")
    assert engine.search("zebrafish ").ids == [3]
    assert first(engine, "zebrafish regeneration") == 3
    store.save_note(3, "nothing left")
    assert engine.search("zebrafish ").ids == []


@pytest.mark.parametrize("query", ["zebraf", "zebrafsih "])
def test_note_words_complete_and_correct(store: Store, engine: SearchEngine, query: str):
    store.save_note(3, "Compare with the zebrafish regeneration experiments")
    assert first(engine, query) == 3


def test_new_imports_are_picked_up(seeded_store: Store):
    store = seeded_store
    engine = SearchEngine(store.connect_reader)
    assert engine.search("qokka ").ids == []
    # Another process imports: the engine's vocabulary must reload.
    with Store.open(store.path) as other:
        other.import_records(
            [PaperRecord(abstract="Quokka populations respond to habitat fragmentation on islands.", line=1)],
            "quokka.txt",
        )
    quokka = store.count()
    assert first(engine, "quokka ") == quokka
    assert first(engine, "qokka ") == quokka  # corrected against the reloaded vocabulary
    assert first(engine, "quok") == quokka  # completed from it
    engine.close()


@pytest.mark.parametrize("query", ["interspe", "intrespeech "])
def test_comment_words_of_a_small_import_complete_and_correct(store: Store, engine: SearchEngine, query: str):
    records, _ = arxiv_listing.parse(
        "Quokka populations respond to habitat fragmentation in complex ways on islands.\n\n"
        "Oral presentation at Interspeech 2023\n\narXiv:2301.00001\nCreated: 2023-01-01\n"
    )
    store.import_records(records, "listing.txt")
    assert first(engine, "interspeech ") == paper_id(store, "2301.00001")  # the full word works
    assert first(engine, query) == paper_id(store, "2301.00001")


def test_store_and_search_never_import_textual():
    code = "import readq.store, readq.search, readq.importing, sys; print('textual' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


# ----- the query language (readq/query.py) --------------------------------------------------------


def test_a_query_parses_into_words_phrases_exclusions_and_filters():
    from readq.query import parse
    from readq.search import fold

    query = parse('Talking "Head Pose" -landmarks -"facial video" is:unread rated:>=4 has:note '
                  "cat:cs.CV year:2024..2025 id:2208.1 foo:bar ", fold)
    assert query.words == ["talking", "foo", "bar"]
    assert query.phrases == ["head pose"] and query.excluded == ["landmarks", "facial video"]
    sql = " ".join(condition.sql for condition in query.conditions)
    assert "read_at IS NULL" in sql and "rating >= ?" in sql and "notes" in sql
    params = [param for condition in query.conditions for param in condition.params]
    assert {4, "% cs.CV %", "2024", "2026", "2208.1"} <= set(params)
    assert not query.still_typing


@pytest.mark.parametrize("query", ["rated:9 ", "is:everything ", "year:soon ", "cat: ", "has:cats "])
def test_a_filter_with_a_value_it_cannot_take_is_searched_as_words(engine: SearchEngine, query: str):
    from readq.query import parse
    from readq.search import fold

    assert parse(query, fold).words  # words, not a filter: never an error
    assert isinstance(engine.search(query), SearchResult)


def test_a_filter_still_being_typed_does_not_change_the_results(engine: SearchEngine):
    assert engine.search("talking is:unr").ids == engine.search("talking").ids


def test_phrases_and_exclusions(store: Store, engine: SearchEngine):
    styletalker = paper_id(store, "2208.10922")
    head_pose = next(p.id for p in store.iter_papers() if p.title.startswith("Head pose"))
    both = set(engine.search("talking head ").ids)
    assert {styletalker, head_pose} <= both
    assert styletalker in engine.search('"talking head" ').ids
    assert head_pose not in engine.search('"talking head" ').ids  # both words, never adjacent
    assert set(engine.search("talking head -landmarks ").ids) == both - {head_pose}
    assert set(engine.search('talking head -"facial landmarks" ').ids) == both - {head_pose}
    assert head_pose not in engine.search("-landmarks ").ids and engine.search("-landmarks ").total == 23


def test_state_filters_in_the_query(store: Store, engine: SearchEngine):
    store.set_read([1, 2], True)
    store.rate(3, 4)
    store.rate(4, 5)
    store.rate(5, 2)
    store.save_note(6, "see the appendix")
    every = engine.search("-qqqqqq ").total
    assert set(engine.search("is:read ").ids) == {1, 2}
    assert engine.search("is:unread ").total == every - 2
    assert set(engine.search("rated:4 ").ids) == {3}
    assert set(engine.search("rated:>=4 ").ids) == {3, 4}
    assert set(engine.search("rated:<3 ").ids) == {5}
    assert set(engine.search("has:note ").ids) == {6}
    assert set(engine.search("is:read is:unread ").ids) == set()  # filters combine with AND


def test_years_and_tags(store: Store, engine: SearchEngine):
    dated = {p.id: p.created for p in store.iter_papers() if p.created}
    assert dated
    year = max(dated.values())[:4]
    assert set(engine.search(f"year:{year} ").ids) == {i for i, d in dated.items() if d.startswith(year)}
    assert set(engine.search(f"year:1990..{year} ").ids) == set(dated)
    store.add_tags(7, ["toread"])
    store.add_tags(8, ["ToRead", "later"])
    assert set(engine.search("tag:toread ").ids) == {7, 8}
    assert set(engine.search("tag:later ").ids) == {8}


def test_results_pages_and_status(engine: SearchEngine):
    from readq.search import describe

    result = engine.search("the ", limit=5)
    assert len(result.ids) == 5 and result.total > 5
    every = result.ids + engine.page(result, 5, 1000)
    assert len(every) == len(set(every)) == result.total
    assert describe(result) == f"{result.total} matches · {result.order}"
    assert describe(engine.search("zzzqqqxxx ")) == "no matches"
    assert describe(engine.search("s")) == "type another letter"


def test_a_whole_word_outranks_its_completion_which_outranks_a_typo(store: Store, engine: SearchEngine):
    # Same length and shape, so bm25 ties; ids rise in the opposite order (ties go to newer).
    records = [
        PaperRecord(title=f"{word} for sparse graphs", abstract=f"We study it on {place} networks.", line=i)
        for i, (word, place) in enumerate([("Coarsening", "city"), ("Coarsenings", "mesh"), ("Coarsenimg", "road")])
    ]
    store.import_records(records, "ranking")
    titles = [store.get(i).title.split()[0] for i in engine.search("coarsening ").ids[:3]]
    assert titles == ["Coarsening", "Coarsenings", "Coarsenimg"]



def test_counting_gets_what_the_frame_has_left(engine: SearchEngine):
    """Ranking and counting share one frame: after a ranking that used it up,
    counting gets only a share of its own budget (the count is then a lower
    bound, "more than ..."), never nothing; with time left, its whole budget."""
    from readq.search import MIN_COUNT_SHARE

    engine.rank_time_limit, engine.count_time_limit = 0.006, 0.005
    engine._started = time.perf_counter() - 1.0  # the frame is long gone
    assert engine._count_seconds() == pytest.approx(0.005 * MIN_COUNT_SHARE)
    engine._started = time.perf_counter() + 1.0  # all of it left
    assert engine._count_seconds() == 0.005
