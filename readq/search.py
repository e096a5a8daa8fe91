"""Typo-tolerant ranked search: the one engine behind the TUI and `readq search`.

How a query runs (each step bounded, so a keystroke stays within a frame):
1. Split the query into words. Each word becomes a group of index terms: the
   word itself, words of the vocabulary within one or two edits of it (OSA
   distance, so swapped letters count once), and, for the word still being
   typed, the most common vocabulary words it is a prefix of.
2. FTS5 finds papers holding a term of every group. When the vocabulary says
   the matches are few, FTS5 ranks them by bm25; when they are many, it returns
   the newest matches unranked (ranking all of them is what makes `tr*` slow).
3. The candidates are re-ranked in Python: bm25, words found in the headline,
   words typed exactly (not corrected), words found next to each other in the
   typed order, and a little recency.
The store and this module never import textual.
"""

from __future__ import annotations

import bisect
import heapq
import re
import sqlite3
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

# Papers of an import still running are in the index but not yet visible:
# every query keeps to ids below the first pending one (see readq/import_engine.py).
from readq.migrations import VISIBLE_BELOW

TOKEN = re.compile(r"[^\W_]+")
ARXIV_ID_QUERY = re.compile(r"^\s*(?:arxiv:)?(\d{4}\.\d{4,5})(?:v\d+)?\s*$", re.IGNORECASE)
LONGEST_TERM = 40
MAX_QUERY_WORDS = 8
PREFIX_EXPANSIONS = 12
FUZZY_EXPANSIONS = 6
# Above this many estimated matches, bm25 over all of them costs more than a
# frame (about 2 µs a match); a wrong estimate is caught by the time limit.
BM25_BUDGET = 4000
RANK_TIME_LIMIT = 0.006
CORRELATION = 4.0
# A word the vocabulary holds this often is taken as typed, not as a typo.
KNOWN_WORD_DOCS = 3
CANDIDATES = 150
# Re-ranking weights, tuned on known-item queries from the corpus (benchmarks/).
WEIGHT_BM25 = 1.0
WEIGHT_TITLE = 0.6  # query words in the headline
WEIGHT_EARLY = 0.3  # query words in the abstract's opening
WEIGHT_EXACT = 0.3  # words typed exactly, not typo-corrected
WEIGHT_IN_ORDER = 0.8  # query words next to each other, in the typed order
EARLY_CHARACTERS = 300  # about the first two sentences
RERANK_DEPTH = 60
STOP_WORDS = frozenset(
    "a an and are as at be by for from has have in is it its of on or that the this to"
    " was were which with we our via".split()
)


def fold(term: str) -> str:
    """Lowercase without diacritics, as FTS5's unicode61 tokenizer sees a word."""
    term = term.lower()
    if term.isascii():
        return term
    decomposed = unicodedata.normalize("NFKD", term)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    return [fold(word) for word in TOKEN.findall(text)]


# ASCII punctuation to spaces: splitting on it is ~6x faster than TOKEN.findall,
# and words with other punctuation left in are dropped by vocabulary_counts.
_PUNCTUATION_TO_SPACE = str.maketrans({c: " " for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"})


def raw_words(text: str) -> set[str]:
    """Distinct lowercase words of `text`, cheaply, for vocabulary counting."""
    return set(text.lower().translate(_PUNCTUATION_TO_SPACE).split())


def vocabulary_counts(raw_counts: dict[str, int]) -> dict[str, int]:
    """Fold and filter raw lowercase word counts into vocabulary terms."""
    counts: dict[str, int] = {}
    for word, count in raw_counts.items():
        term = word if word.isascii() else fold(word)
        if 1 < len(term) <= LONGEST_TERM and term.isalnum():
            counts[term] = counts.get(term, 0) + count
    return counts


def allowed_edits(word: str) -> int:
    if len(word) < 4:
        return 0
    return 1 if len(word) < 8 else 2


class Vocabulary:
    """Index words with their document counts, searchable by prefix and by edits."""

    def __init__(self, rows: Iterable[tuple[str, int]], paper_count: int = 1):
        self.docs: dict[str, int] = dict(rows)
        self.paper_count = max(1, paper_count)
        self.sorted_terms = sorted(self.docs)
        self._by_length: dict[int, list[str]] | None = None
        self.prefixed = lru_cache(maxsize=4096)(self._prefixed)
        self.similar = lru_cache(maxsize=4096)(self._similar)

    def matches(self, terms: Iterable[str]) -> int:
        """Papers holding any of `terms` (at most: one paper may hold several)."""
        return min(self.paper_count, sum(self.docs.get(term, 0) for term in terms))

    def _prefixed(self, prefix: str) -> tuple[str, ...]:
        """The most common words starting with `prefix` (the prefix itself excluded)."""
        start = bisect.bisect_right(self.sorted_terms, prefix)
        end = bisect.bisect_left(self.sorted_terms, prefix + "\U0010ffff", lo=start)
        candidates = self.sorted_terms[start:end]
        return tuple(heapq.nlargest(PREFIX_EXPANSIONS, candidates, key=self.docs.__getitem__))

    def _similar(self, word: str) -> tuple[str, ...]:
        """Words within the allowed edits of `word`, closest and most common first."""
        edits = allowed_edits(word)
        if edits == 0:
            return ()
        if self._by_length is None:  # built on first use: `readq search` often needs none
            self._by_length = {}
            for term in self.sorted_terms:
                self._by_length.setdefault(len(term), []).append(term)
        found: list[tuple[int, int, str]] = []
        for length in range(len(word) - edits, len(word) + edits + 1):
            choices = self._by_length.get(length)
            if not choices:
                continue
            for term, distance, _ in process.extract(
                word, choices, scorer=OSA.distance, score_cutoff=edits, limit=None
            ):
                if term != word:
                    found.append((distance, -self.docs[term], term))
        found.sort()
        return tuple(term for _, _, term in found[:FUZZY_EXPANSIONS])


@dataclass(frozen=True, slots=True)
class WordGroup:
    typed: str  # the word as typed (folded)
    terms: tuple[str, ...]  # index terms any of which satisfies the word


@dataclass(slots=True)
class SearchResult:
    query: str
    ids: list[int] = field(default_factory=list)
    terms: frozenset[str] = frozenset()  # index terms that matched: highlight these
    waiting_for_more: bool = False  # a lone one-character word waits for the next key
    ranked: bool = True  # False when matches were too many to rank: newest first
    elapsed_ms: float = 0.0


class SearchEngine:
    """Owns a connection of its own, so it can run in a worker thread."""

    def __init__(self, connect: Callable[[], sqlite3.Connection]):
        self._connect = connect
        self._conn: sqlite3.Connection | None = None
        self._vocabulary: Vocabulary | None = None
        self._vocabulary_stamp: str | None = None
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = self._connect()
        return self._conn

    def vocabulary(self) -> Vocabulary:
        """Load the vocabulary, again only when an import has changed it."""
        conn = self._connection()
        row = conn.execute(
            "SELECT value FROM settings WHERE key = 'search_terms_version'"
        ).fetchone()
        stamp = row[0] if row else ""
        if self._vocabulary is None or stamp != self._vocabulary_stamp:
            self._vocabulary = Vocabulary(
                conn.execute("SELECT term, docs FROM search_terms"),
                conn.execute(f"SELECT count(*) FROM papers WHERE +id < {VISIBLE_BELOW}").fetchone()[0],
            )
            self._vocabulary_stamp = stamp
        return self._vocabulary

    def search(self, query: str, limit: int = 100) -> SearchResult:
        started = time.perf_counter()
        with self._lock:
            result = self._search(query, limit)
        result.elapsed_ms = (time.perf_counter() - started) * 1000
        return result

    # ----- the steps ---------------------------------------------------------

    def _search(self, query: str, limit: int) -> SearchResult:
        result = SearchResult(query=query)
        typed = words(query)
        if not typed:
            return result
        still_typing = not query[-1:].isspace()
        if still_typing and len(typed[-1]) == 1:
            typed.pop()  # one letter matches too much to be worth a frame
            result.waiting_for_more = not typed
            if not typed:
                return result
        vocabulary = self.vocabulary()
        groups = self._groups(typed, vocabulary, still_typing)
        ids, scores, ranked = self._candidates(groups, vocabulary, still_typing=still_typing)
        if not ids and len(groups) > 1:
            # Nothing holds every word (a pasted abstract, an extra word):
            # fall back to papers holding the rarest words, best bm25 first.
            ids, scores, ranked = self._candidates(
                groups, vocabulary, still_typing=still_typing, any_word=True
            )
        exact_id = ARXIV_ID_QUERY.match(query)
        if exact_id:
            row = self._connection().execute(
                f"SELECT id FROM papers WHERE arxiv_id = ? AND +id < {VISIBLE_BELOW}", (exact_id.group(1),)
            ).fetchone()
            if row:
                ids = [row[0]] + [i for i in ids if i != row[0]]
                scores[row[0]] = min(scores.values(), default=0.0) - 1e6
        result.ids = self._rerank(ids, scores, groups)[:limit]
        result.terms = frozenset(term for group in groups for term in group.terms)
        result.ranked = ranked
        return result

    @staticmethod
    def _groups(typed: list[str], vocabulary: Vocabulary, still_typing: bool) -> list[WordGroup]:
        if len(typed) > 1:
            content = [w for w in typed if w not in STOP_WORDS]
            typed = content or typed
        if len(typed) > MAX_QUERY_WORDS:
            # A pasted paragraph: its rarest known words identify it best.
            known = sorted(set(typed), key=lambda w: vocabulary.docs.get(w, 1 << 30))
            # Words picked from a paste are the text's own: no completion or correction.
            return [WordGroup(word, (word,)) for word in known[:MAX_QUERY_WORDS]]
        groups = []
        for position, word in enumerate(typed):
            if still_typing and position == len(typed) - 1:
                # The word being typed: complete it; correct it only when no
                # known word starts with it (a typo, not an unfinished word).
                completions = vocabulary.prefixed(word)
                terms = [word, *(completions or vocabulary.similar(word))]
            elif vocabulary.docs.get(word, 0) >= KNOWN_WORD_DOCS:
                terms = [word]  # a known word: its near neighbours are other words
            else:
                terms = [word, *vocabulary.similar(word)]
            groups.append(WordGroup(word, tuple(dict.fromkeys(terms))))
        return groups

    def _candidates(self, groups: list[WordGroup], vocabulary: Vocabulary, *,
                    still_typing: bool, any_word: bool = False,
                    ) -> tuple[list[int], dict[int, float], bool]:
        """Candidate ids with their bm25 scores, and whether they are ranked.

        bm25 must score every match. It runs when the vocabulary's counts say
        the matches are few enough for a frame, and SQLite interrupts it past
        RANK_TIME_LIMIT all the same; then the newest matches come unranked."""
        sizes = sorted(vocabulary.matches(group.terms) for group in groups)
        if any_word:
            groups = sorted(groups, key=lambda group: vocabulary.matches(group.terms))[:3]
            estimate = sum(sizes[:3])
        elif still_typing:
            estimate = sizes[0]  # completions of a prefix overlap too much to guess better
        else:
            # Words of one paper go together: each further word keeps
            # CORRELATION times more papers than chance would.
            estimate = float(sizes[0])
            for size in sizes[1:]:
                estimate *= min(1.0, CORRELATION * size / vocabulary.paper_count)
        joiner = " OR " if any_word else " AND "
        expression = joiner.join(
            "(" + " OR ".join(f'"{term}"' for term in group.terms) + ")" for group in groups
        )
        conn = self._connection()
        if estimate <= BM25_BUDGET:
            deadline = time.perf_counter() + RANK_TIME_LIMIT
            conn.set_progress_handler(lambda: time.perf_counter() > deadline, 1000)
            try:
                rows = conn.execute(
                    "SELECT rowid, bm25(papers_fts, 6.0, 1.0, 4.0, 1.0, 2.0) AS score FROM papers_fts"
                    f" WHERE papers_fts MATCH ? AND rowid < {VISIBLE_BELOW} ORDER BY score LIMIT ?",
                    (expression, CANDIDATES),
                ).fetchall()
                return [r[0] for r in rows], {r[0]: r[1] for r in rows}, True
            except sqlite3.OperationalError as error:
                if "interrupted" not in str(error):
                    raise
            finally:
                conn.set_progress_handler(None, 0)
        if any_word:
            return [], {}, False
        rows = conn.execute(
            f"SELECT rowid FROM papers_fts WHERE papers_fts MATCH ? AND rowid < {VISIBLE_BELOW}"
            " ORDER BY rowid DESC LIMIT ?",
            (expression, CANDIDATES),
        ).fetchall()
        return [r[0] for r in rows], {r[0]: 0.0 for r in rows}, False

    def _rerank(self, ids: list[int], scores: dict[int, float], groups: list[WordGroup]) -> list[int]:
        """Order candidates by bm25 plus headline, exact-word and word-order bonuses.

        One regex pass per text finds every query term with its position; the
        bonuses are set arithmetic on those few matches. (A Python loop over
        each candidate's words, or a regex per bonus, cost more than the SQL.)"""
        if len(ids) < 2:
            return ids
        ids, rest = ids[:RERANK_DEPTH], ids[RERANK_DEPTH:]  # the rest keep bm25 order
        marks = ",".join("?" * len(ids))
        rows = self._connection().execute(
            f"SELECT id, title, abstract || ' ' || coalesce(notes, '') FROM papers WHERE id IN ({marks})",
            ids,
        ).fetchall()
        every_term = {term for group in groups for term in group.terms} | {g.typed for g in groups}
        pattern = _word_pattern(sorted(every_term, key=len, reverse=True))
        group_terms = [set(group.terms) for group in groups]
        worst = min(scores.values(), default=0.0) or -1.0  # bm25 is negative: lower is better
        share = 1 / len(groups)
        final: dict[int, float] = {}
        for paper_id, title, body in rows:
            title, body = title.lower(), body.lower()
            title_hits = [(m.start(), m.end(), m.group()) for m in pattern.finditer(title)]
            body_hits = [(m.start(), m.end(), m.group()) for m in pattern.finditer(body)]
            in_title = {word for _, _, word in title_hits}
            in_body = {word for _, _, word in body_hits}
            in_opening = {word for start, _, word in body_hits if start < EARLY_CHARACTERS}
            score = WEIGHT_BM25 * scores.get(paper_id, 0.0) / worst  # 0..1, 1 = best bm25
            for group, terms in zip(groups, group_terms):
                if terms & in_title:
                    score += WEIGHT_TITLE * share
                if terms & in_opening:
                    score += WEIGHT_EARLY * share
                if group.typed in in_title or group.typed in in_body:
                    score += WEIGHT_EXACT * share
            if len(groups) > 1:
                pairs = zip(group_terms, group_terms[1:])
                found = sum(
                    1 for first, second in pairs
                    if _adjacent(title, title_hits, first, second) or _adjacent(body, body_hits, first, second)
                )
                score += WEIGHT_IN_ORDER * found / (len(groups) - 1)
            final[paper_id] = score + paper_id * 1e-9  # ties: newer first
        return sorted(final, key=final.__getitem__, reverse=True) + rest


def _adjacent(text: str, hits: list[tuple[int, int, str]], first: set[str], second: set[str]) -> bool:
    """Whether a term of `first` is followed by a term of `second`, only
    punctuation or spaces between them."""
    return any(
        a[2] in first and b[2] in second and _NON_WORD.fullmatch(text, a[1], b[0])
        for a, b in zip(hits, hits[1:])
    )


_NON_WORD = re.compile(r"\W+")


def _alternatives(terms: Iterable[str]) -> str:
    return "|".join(re.escape(term) for term in terms)


def _word_pattern(terms: Iterable[str]) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{_alternatives(terms)})\b")
