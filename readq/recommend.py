"""Recommendations: the unread queue ordered by resemblance to what you liked.

The model is built from the database itself, fresh each time (a few hundred
milliseconds for 100k papers, so a new rating counts at once):

1. Labels. Positives are papers rated 4–5 or carrying a note (or, for a tag,
   the tag's papers); negatives are papers rated 1–2. With fewer than
   MIN_POSITIVES positives there is no model: the order is newest first, and
   `RecommendedOrder.reason` says why.
2. Terms. Each labelled paper becomes a tf-idf vector of its title and
   abstract words (document counts from the full-text index's own vocabulary,
   papers_vocab; title words count more). The model is a Rocchio query: the
   mean positive vector minus part of the mean negative one, cut to its
   TERMS strongest terms (and a few two-word phrases the positives share).
3. Scoring. Each model term is one FTS5 query whose bm25 scores (title and
   abstract only) are summed with the term's weight: the work is proportional
   to the papers holding model terms, not to the queue.

No textual import here; the TUI runs this in a worker.
"""

from __future__ import annotations

import math
import re
import sqlite3
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from readq.migrations import VISIBLE_BELOW

if TYPE_CHECKING:
    from readq.models import Filter, Paper
    from readq.store import Store

POSITIVE_MIN_RATING = 4
NEGATIVE_MAX_RATING = 2
MIN_POSITIVES = 3
FALLBACK_REASON = "rate a few papers to get recommendations"
TERMS = 30  # single words kept in the model
PHRASES = 8  # two-word phrases kept in the model
TITLE_WEIGHT = 3.0  # a word in the title counts as this many in the abstract
NEGATIVE_WEIGHT = 0.5  # Rocchio's gamma: how much the disliked papers pull away
MAX_DOC_SHARE = 0.1  # words in more than this share of papers carry no topic...
MAX_DOC_SHARE_FROM = 500  # ...in a queue big enough to tell (a topic of 12 papers in 64 is one)
POSTINGS_BUDGET = 60_000  # papers read per model, summed over its terms
MIN_SUPPORT = 2  # positives a model term must occur in
MIN_DOCS = 2  # a word must occur in this many papers to count
BM25_WEIGHTS = "2.0, 1.0, 0.0, 0.0, 0.0"  # title, abstract, arxiv_id, comments, notes
WHY_TERMS = 4
TOKEN = re.compile(r"[^\W_]+")  # a word as FTS5's unicode61 tokenizer splits them
_IGNORED = frozenset(
    "a an and are as at be by for from has have in is it its of on or that the this to"
    " was were which with we our via"
    " also can into not such these they their than then there more most other using used use"
    " both each between while however based propose proposed paper approach method methods"
    " results show shows new novel existing well".split()
)


def words(text: str) -> list[str]:
    """Lowercase words without diacritics, as the full-text index holds them."""
    folded = unicodedata.normalize("NFKD", text.lower())
    return TOKEN.findall("".join(ch for ch in folded if not unicodedata.combining(ch)))


@dataclass(frozen=True, slots=True)
class Model:
    """Term (or two-word phrase) -> weight; positive means 'like the positives'."""

    weights: dict[str, float]
    positives: frozenset[int] = frozenset()
    negatives: frozenset[int] = frozenset()

    def shared_terms(self, paper: Paper, limit: int = WHY_TERMS) -> list[str]:
        """The model terms in `paper` that lift it most, strongest first."""
        found = _features(paper.title, paper.abstract)
        contributions = {term: weight * found[term] for term, weight in self.weights.items()
                         if weight > 0 and term in found}
        return sorted(contributions, key=lambda term: (-contributions[term], term))[:limit]


@dataclass(frozen=True, slots=True)
class RecommendedOrder:
    """Ids of a view, best first. `reason` is None when ranked by a model, else
    the one line saying why the order is newest first instead."""

    ids: list[int]
    reason: str | None = None
    model: Model | None = field(default=None, repr=False)
    positives: int = 0
    negatives: int = 0

    @property
    def ranked(self) -> bool:
        return self.reason is None

    def page(self, store: Store, offset: int, limit: int, brief: bool = True) -> list[Paper]:
        """Papers at positions offset… of the order (a paper gone meanwhile is skipped)."""
        wanted = self.ids[offset:offset + limit]
        found = store.get_many(wanted, brief=brief)
        return [found[i] for i in wanted if i in found]

    def why(self, store: Store, paper_id: int) -> list[str]:
        return why(store, paper_id, model=self.model)


# ----- the public entry points ------------------------------------------------------


def recommended_ids(store: Store, filter: Filter = "unread", tag: str | None = None) -> RecommendedOrder:
    """Every paper of the view `filter`, once: the most recommended first, then
    papers sharing no model term, newest first, and last the labelled papers
    themselves (rated, noted or tagged: already judged), newest first."""
    with _reader(store) as conn:
        positives, negatives = labels(conn, tag)
        newest = _newest_ids(store, conn, filter)
        if len(positives) < MIN_POSITIVES:
            reason = (f"tag {tag!r} needs {MIN_POSITIVES} papers to rank by"
                      if tag is not None else FALLBACK_REASON)
            return RecommendedOrder(newest, reason, None, len(positives), len(negatives))
        model = build_model(conn, positives, negatives)
        scores = score(conn, model)
    labelled = model.positives | model.negatives
    ranked = sorted((pid for pid in newest if pid in scores and pid not in labelled),
                    key=lambda pid: -scores[pid])  # stable: ties stay newest first
    rest = [pid for pid in newest if pid not in scores and pid not in labelled]
    judged = [pid for pid in newest if pid in labelled]
    return RecommendedOrder(ranked + rest + judged, None, model, len(positives), len(negatives))


def similar_ids(store: Store, paper_id: int, limit: int = 50) -> list[int]:
    """Papers most like one paper, best first (the paper itself left out)."""
    with _reader(store) as conn:
        model = build_model(conn, [paper_id], [])
        scores = score(conn, model)
    scores.pop(paper_id, None)
    return sorted(scores, key=lambda pid: (-scores[pid], -pid))[:limit]


def why(store: Store, paper_id: int, tag: str | None = None, model: Model | None = None) -> list[str]:
    """The few model terms that lift a paper: what it shares with the positives.
    Empty when there is no model (too few positives) or nothing is shared."""
    if model is None:
        with _reader(store) as conn:
            positives, negatives = labels(conn, tag)
            if len(positives) < MIN_POSITIVES:
                return []
            model = build_model(conn, positives, negatives)
    paper = store.get(paper_id)
    return model.shared_terms(paper) if paper is not None else []


# ----- labels ---------------------------------------------------------------------------


def labels(conn: sqlite3.Connection, tag: str | None = None) -> tuple[list[int], list[int]]:
    """(positive ids, negative ids) of the visible papers."""
    negatives = [row[0] for row in conn.execute(
        f"SELECT id FROM papers WHERE rating <= ? AND +id < {VISIBLE_BELOW}", (NEGATIVE_MAX_RATING,))]
    if tag is not None:
        positives = [row[0] for row in conn.execute(
            f"SELECT paper_id FROM paper_tags WHERE tag = ? AND paper_id < {VISIBLE_BELOW}", (tag,))]
        chosen = set(positives)
        return positives, [pid for pid in negatives if pid not in chosen]
    # Two indexed reads (papers_by_rating, papers_noted): an OR of both would
    # read every row of the table.
    positives = [row[0] for row in conn.execute(
        f"SELECT id FROM papers WHERE rating >= ? AND +id < {VISIBLE_BELOW} UNION"
        f" SELECT id FROM papers WHERE notes IS NOT NULL AND notes <> '' AND +id < {VISIBLE_BELOW}",
        (POSITIVE_MIN_RATING,))]
    disliked = set(negatives)  # a low rating with a note: the rating says more
    return [pid for pid in positives if pid not in disliked], negatives


# ----- the model --------------------------------------------------------------------------


def _features(title: str, abstract: str) -> Counter[str]:
    """Weighted counts of a paper's words and adjacent word pairs."""
    counts: Counter[str] = Counter()
    for text, weight in ((title, TITLE_WEIGHT), (abstract, 1.0)):
        previous = None
        for word in words(text):
            if word in _IGNORED or word.isdigit() or len(word) < 2:
                previous = None
                continue
            counts[word] += weight
            if previous is not None:
                counts[f"{previous} {word}"] += weight
            previous = word
    return counts


def build_model(conn: sqlite3.Connection, positives: Iterable[int], negatives: Iterable[int]) -> Model:
    """The Rocchio model of some labelled papers (see the module's docstring)."""
    positives, negatives = list(positives), list(negatives)
    texts = _texts(conn, positives + negatives)
    features = {pid: _features(*texts[pid]) for pid in texts}
    docs = _document_counts(conn, {term for counts in features.values() for term in counts if " " not in term})
    total = max(1, conn.execute(f"SELECT count(*) FROM papers WHERE +id < {VISIBLE_BELOW}").fetchone()[0])
    common = max(MAX_DOC_SHARE * total, MAX_DOC_SHARE_FROM)

    def vector(counts: Counter[str]) -> dict[str, float]:
        """Sublinear tf-idf, L2-normalised (as arxiv-sanity's vectorizer does)."""
        weights = {}
        for term, count in counts.items():
            df = _docs(term, docs)
            if df is not None and MIN_DOCS <= df <= common:
                weights[term] = (1 + math.log(count)) * math.log(total / df)
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {term: w / norm for term, w in weights.items()}

    liked = [features[pid] for pid in positives if pid in features]
    disliked = [features[pid] for pid in negatives if pid in features]
    centroid: Counter[str] = Counter()
    for counts in liked:
        for term, w in vector(counts).items():
            centroid[term] += w / len(liked)
    for counts in disliked:
        for term, w in vector(counts).items():
            if term in centroid:
                centroid[term] -= NEGATIVE_WEIGHT * w / len(disliked)
    # A word of one liked paper alone says little about the reader's interest.
    support = Counter(term for counts in liked for term in counts)
    needed = min(MIN_SUPPORT, len(liked))
    strong = [(w, t) for t, w in centroid.items() if w > 0 and support[t] >= needed]
    chosen = (sorted(((w, t) for w, t in strong if " " not in t), reverse=True)[:TERMS]
              + sorted(((w, t) for w, t in strong if " " in t), reverse=True)[:PHRASES])
    return Model(_within_budget(chosen, docs), frozenset(positives), frozenset(negatives))


def _within_budget(chosen: list[tuple[float, str]], docs: dict[str, int]) -> dict[str, float]:
    """Scoring reads every paper holding a model term: terms are kept strongest
    first while their papers fit POSTINGS_BUDGET, so a big queue stays fast."""
    spent, kept = 0, {}
    for weight, term in sorted(chosen, reverse=True):
        df = _docs(term, docs) or 0
        if kept and spent + df > POSTINGS_BUDGET:
            continue
        spent += df
        kept[term] = weight
    return kept


def _docs(term: str, docs: dict[str, int]) -> int | None:
    """Papers holding a word; for a two-word phrase, its rarer word's count
    stands in (the index has no phrase counts; a phrase is at least that rare)."""
    if " " not in term:
        return docs.get(term)
    first, second = term.split(" ")
    if first not in docs or second not in docs:
        return None
    return min(docs[first], docs[second])


def score(conn: sqlite3.Connection, model: Model) -> dict[int, float]:
    """Paper id -> summed weighted bm25 of the model terms it holds (visible papers only)."""
    scores: dict[int, float] = {}
    get = scores.get
    for term, weight in model.weights.items():
        query = '{title abstract}: "' + term + '"'  # a phrase when two words
        for pid, bm25 in conn.execute(
            f"SELECT rowid, bm25(papers_fts, {BM25_WEIGHTS}) FROM papers_fts"
            f" WHERE papers_fts MATCH ? AND rowid < {VISIBLE_BELOW}", (query,)
        ):
            scores[pid] = get(pid, 0.0) - weight * bm25  # bm25() is negative: lower is better
    return scores


def _texts(conn: sqlite3.Connection, ids: list[int]) -> dict[int, tuple[str, str]]:
    found: dict[int, tuple[str, str]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for pid, title, abstract in conn.execute(
            f"SELECT id, title, abstract FROM papers WHERE id IN ({marks})", chunk
        ):
            found[pid] = (title, abstract)
    return found


def _document_counts(conn: sqlite3.Connection, terms: set[str]) -> dict[str, int]:
    """Papers holding each term: the search vocabulary (search_terms), which the
    import engine keeps in step with the full-text index and which, unlike
    papers_vocab, is a table with a key (a lookup, not a scan of the index)."""
    counts: dict[str, int] = {}
    terms = sorted(terms)
    for start in range(0, len(terms), 500):
        chunk = terms[start:start + 500]
        marks = ",".join("?" * len(chunk))
        counts.update(conn.execute(f"SELECT term, docs FROM search_terms WHERE term IN ({marks})", chunk))
    return counts


def _newest_ids(store: Store, conn: sqlite3.Connection, filter: Filter) -> list[int]:
    """The view's ids newest first. For the big views, one walk of the covering
    newest-first index and a set of read ids: three times faster than letting
    SQLite check each row's read mark in the table."""
    if filter not in ("all", "unread", "read"):
        return store.view_ids(filter, "newest")
    ids = [row[0] for row in conn.execute(
        f"SELECT id FROM papers WHERE +id < {VISIBLE_BELOW} ORDER BY created DESC, id DESC")]
    if filter == "all":
        return ids
    read = {row[0] for row in conn.execute("SELECT id FROM papers WHERE read_at IS NOT NULL")}
    if filter == "read":
        return [pid for pid in ids if pid in read]
    return [pid for pid in ids if pid not in read]


@contextmanager
def _reader(store: Store) -> Iterator[sqlite3.Connection]:
    """A connection of this thread's own (the TUI calls from a worker)."""
    conn = store.connect_reader()
    try:
        yield conn
    finally:
        if store.path is not None:
            conn.close()
