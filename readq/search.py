"""Typo-tolerant ranked search: the one engine behind the TUI and `readq search`.

How a query runs (each step bounded, so a keystroke stays within a frame):
1. readq/query.py splits the query into words, "phrases", -exclusions and
   filters (is:unread, cat:cs.RO, ...), which become SQL conditions.
2. Each word becomes a group of index terms: the word itself; for the word
   still being typed, or an unknown word of three or more letters, the
   commonest words it is a prefix of; the word with two letters swapped back
   ("segmnetation", "sgem" while typing) when that is far commoner, else words
   of the vocabulary within one or two edits (for a rare word, only the far
   commoner ones); run-together names holding adjacent query words ("point
   mamba" -> "zigzagpointmamba"), and a run-together word's parts
   ("pointmamba" -> "point mamba").
3. FTS5 finds papers holding a term of every group. When the vocabulary says
   the matches are few, all of them are ranked by bm25 and the best re-ranked
   in Python (a short headline holding every word in the typed order first,
   then exact words, word order, recency): "best match first".
   When they are many, those with every word in the title are ranked first,
   the rest follow newest-added first straight from the index, and the count
   stops at COUNT_LIMIT ("more than 10,000"). Every ranking and count has a
   time limit; past it the answer is the cheaper one, and says so.
4. Every match stays reachable: `page(result, offset, limit)` reads any
   stretch of them, ranked ids from the list kept in the result, others with
   LIMIT/OFFSET on the same query.
The store and this module never import textual.
"""

from __future__ import annotations

import math
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from readq import query as query_language
from readq import search_sql as sql
from readq.migrations import VISIBLE_BELOW
from readq.query import STATES, Condition, Query
from readq.search_sql import COUNT_LIMIT
from readq.search_vocabulary import (  # noqa: F401 - re-exported for importers, widgets, benchmarks
    LONGEST_TERM, RARE_WORD_DOCS, TOKEN, TRUSTED_COMPLETION_DOCS, Vocabulary, fold, note_word_counts,
    raw_words, vocabulary_counts, words,
)

MAX_QUERY_WORDS = 8
# Above this many estimated matches, bm25 over all of them costs more than a
# frame (about 2 µs a match); a wrong estimate is caught by the time limit.
BM25_BUDGET = 4000
# Up to this many estimated matches, the ones with every word in the title are
# ranked first (reading the index for them costs about what ranking 4,000 does).
TITLE_BUDGET = 6 * BM25_BUDGET
RANK_TIME_LIMIT = 0.006
COUNT_TIME_LIMIT = 0.005
MIN_COUNT_SHARE = 0.2  # of COUNT_TIME_LIMIT, however late counting starts
FIRST_PAGE_TIME_LIMIT = 0.003
CORRELATION = 4.0
PAGE = 100
JOIN_SHORTEST_WORD = 3
SPLIT_SHORTEST_WORD = 7
# Re-ranking weights, tuned on known-item queries from the corpus (benchmarks/).
WEIGHT_BM25 = 1.0
WEIGHT_TITLE = 2.0  # query words in the headline
WEIGHT_EARLY = 0.3  # query words in the abstract's opening
WEIGHT_EXACT = 0.3  # words found as typed...
WEIGHT_PREFIX = 0.2  # ...or as completions of what was typed (a typo correction gets nothing)
WEIGHT_IN_ORDER = 0.8  # query words next to each other, in the typed order
# Every query word in the headline: the fewer other words it has, the likelier
# these are the words remembered of it (a short title holding them all is the
# one meant), scored as log 1 / (ways to pick k of its n words).
WEIGHT_ALL_IN_TITLE = 3.0
WEIGHT_TITLE_LENGTH = 0.4
OUT_OF_ORDER = 0.2  # ...and fewer when the headline has them in another order
EARLY_CHARACTERS = 300  # about the first two sentences
RERANK_DEPTH = 40  # bm25 with a heavy headline weight puts the short titles among these
STOP_WORDS = frozenset(
    "a an and are as at be by for from has have in is it its of on or that the this to"
    " was were which with we our via".split()
)
BM25 = "bm25(papers_fts, 20.0, 1.0, 4.0, 1.0, 2.0)"  # title, abstract, arxiv_id, comments, notes
ORDERS = {  # sort -> (ORDER BY over papers p, what the status line says)
    "best": ("", "best match first"),
    "added": ("ORDER BY p.id DESC", "newest added first"),
    "newest": ("ORDER BY p.created DESC, p.id DESC", "newest first"),
    "rating": ("ORDER BY p.rating DESC, p.id", "highest rated first"),
    "queue": ("ORDER BY p.id", "queue order"),
}
RESULT_SORTS = ("best", "newest", "rating", "queue")  # what `s` cycles through on results


@dataclass(frozen=True, slots=True)
class WordGroup:
    typed: str  # the word as typed (folded), or a "phrase"
    terms: tuple[str, ...]  # index terms any of which satisfies the word
    completions: frozenset[str] = frozenset()  # terms that extend what was typed


@dataclass(slots=True)
class _Plan:
    """How to read any stretch of a result's matches."""

    every_id: list[int] | None = None  # every match in order, when read at once
    head: list[int] = field(default_factory=list)  # else: these first (title matches, best first)...
    sql: str = ""  # ...then SELECT id ... ORDER BY ... (LIMIT ? OFFSET ? appended)
    params: tuple = ()


@dataclass(slots=True)
class SearchResult:
    query: str
    ids: list[int] = field(default_factory=list)  # the first page, in `order`
    total: int = 0  # every match, or a lower bound when not total_exact
    total_exact: bool = True
    order: str = ""  # the order actually used, in words ("best match first")
    partial: bool = False  # nothing held every word: papers holding the rarest ones
    terms: frozenset[str] = frozenset()  # index terms that matched: highlight these
    waiting_for_more: bool = False  # a lone one-character word waits for the next key
    ranked: bool = True  # False when the order is not by relevance
    filter: str = "all"
    sort: str = "best"
    elapsed_ms: float = 0.0
    plan: _Plan = field(default_factory=_Plan, repr=False)


def describe(result: SearchResult) -> str:
    """The status line's one true sentence: "1,135 matches · best match first"."""
    if result.waiting_for_more:
        return "type another letter"
    if result.total == 0:
        return "no matches"
    noun = "near match" if result.partial else "match"
    count = f"{result.total:,} {noun}" + ("" if result.total == 1 else "es")
    if not result.total_exact:
        count = f"more than {count}"
    return f"{count} · {result.order}"


class SearchEngine:
    """Owns a connection of its own, so it can run in a worker thread; its
    lock lets the UI thread read further pages meanwhile."""

    # Frame budgets (seconds) past which a query falls back to a cheaper answer;
    # tests that check an answer, not its speed, raise them (see tests/).
    rank_time_limit = RANK_TIME_LIMIT
    count_time_limit = COUNT_TIME_LIMIT
    first_page_time_limit = FIRST_PAGE_TIME_LIMIT

    def __init__(self, connect: Callable[[], sqlite3.Connection]):
        self._connect = connect
        self._conn: sqlite3.Connection | None = None
        self._vocabulary: Vocabulary | None = None
        self._stamps: tuple[str, str] | None = None
        self._filters = query_language.FILTERS
        self._lock = threading.Lock()
        self._started = 0.0  # when the search under way began (frame budgets)

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = self._connect()
        return self._conn

    @property
    def loaded_vocabulary(self) -> Vocabulary | None:
        """The vocabulary the last search used, without touching the database:
        safe from any thread (vocabulary() must run under the engine's lock)."""
        return self._vocabulary

    def vocabulary(self) -> Vocabulary:
        """Load the vocabulary again when an import changed it; recount the
        notes' words when a note was saved (a few ms: notes are few)."""
        conn = self._connection()
        stamps = dict(conn.execute(
            "SELECT key, value FROM settings WHERE key IN ('search_terms_version', 'notes_version')"
        ).fetchall())
        now = (stamps.get("search_terms_version", ""), stamps.get("notes_version", ""))
        if self._vocabulary is None or now[0] != self._stamps[0]:
            self._vocabulary = Vocabulary(
                conn.execute("SELECT term, docs FROM search_terms"),
                conn.execute(f"SELECT count(*) FROM papers WHERE +id < {VISIBLE_BELOW}").fetchone()[0],
                self._note_words(conn),
            )
            has_tags = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'paper_tags'").fetchone()
            self._filters = query_language.TAG_FILTERS if has_tags else query_language.FILTERS
        elif now[1] != self._stamps[1]:
            self._vocabulary.set_extra(self._note_words(conn))
        self._stamps = now
        return self._vocabulary

    @staticmethod
    def _note_words(conn: sqlite3.Connection) -> dict[str, int]:
        return note_word_counts(row[0] for row in conn.execute(
            f"SELECT notes FROM papers WHERE notes IS NOT NULL AND notes <> '' AND +id < {VISIBLE_BELOW}"))

    # ----- the API ------------------------------------------------------------

    def search(self, query: str, limit: int = PAGE, *, filter: str = "all",
               sort: str | None = None) -> SearchResult:
        """The first `limit` matches of `query` among the papers passing
        `filter` (models.FILTERS), in `sort` (RESULT_SORTS; None: best match)."""
        started = time.perf_counter()
        with self._lock:
            self._started = started
            result = self._search(query, filter, sort or "best", limit)
        result.elapsed_ms = (time.perf_counter() - started) * 1000
        return result

    def page(self, result: SearchResult, offset: int, limit: int = PAGE) -> list[int]:
        """Ids of matches offset..offset+limit, in the result's order (limit -1: all)."""
        plan = result.plan
        if plan.every_id is not None:
            return plan.every_id[offset : offset + limit] if limit >= 0 else plan.every_id[offset:]
        ids = plan.head[offset : offset + limit] if limit >= 0 else plan.head[offset:]
        if not plan.sql or 0 <= limit <= len(ids):
            return ids
        with self._lock:
            rows = self._connection().execute(
                f"{plan.sql} LIMIT ? OFFSET ?",
                (*plan.params, limit - len(ids) if limit >= 0 else -1, max(0, offset - len(plan.head))),
            ).fetchall()
        return ids + [row[0] for row in rows]

    def count(self, result: SearchResult) -> int:
        """The exact count, however long it takes (the result is updated)."""
        if not result.total_exact:
            with self._lock:
                rest = self._connection().execute(
                    f"SELECT count(*) FROM ({result.plan.sql})", result.plan.params).fetchone()[0]
            result.total, result.total_exact = len(result.plan.head) + rest, True
        return result.total

    def all_ids(self, result: SearchResult) -> list[int]:
        """Every match in order (for actions on all of them, not for display)."""
        return self.page(result, 0, -1)

    def position_of(self, result: SearchResult, paper_id: int) -> int | None:
        plan = result.plan
        ids = plan.every_id if plan.every_id is not None else plan.head
        if paper_id in ids:
            return ids.index(paper_id)
        if not plan.sql:
            return None
        with self._lock:
            row = self._connection().execute(
                f"SELECT position FROM (SELECT id, row_number() OVER () - 1 AS position"
                f" FROM ({plan.sql})) WHERE id = ?", (*plan.params, paper_id)).fetchone()
        return row[0] + len(plan.head) if row else None

    # ----- the steps ---------------------------------------------------------

    def _search(self, text: str, filter: str, sort: str, limit: int) -> SearchResult:
        result = SearchResult(query=text, filter=filter, sort=sort)
        vocabulary = self.vocabulary()
        parsed = query_language.parse(text, fold, self._filters)
        if parsed.still_typing and len(parsed.words[-1]) == 1:
            parsed.words.pop()  # one letter matches too much to be worth a frame
            parsed.still_typing = False
            result.waiting_for_more = parsed.empty
        if parsed.empty:
            return result
        conditions = list(parsed.conditions)
        if filter in STATES:
            conditions.append(STATES[filter])
        groups = self._groups(parsed, vocabulary)
        result.terms = frozenset(
            word for group in groups for term in group.terms for word in term.split())
        if not groups:
            sort = "added" if sort == "best" else sort
            self._read_sorted(result, "", conditions, parsed.excluded, sort, limit)
            return result
        expression = sql.fts_expression(groups, parsed.excluded)
        if parsed.still_typing and len(parsed.words[-1]) < 3:
            sort = "added" if sort == "best" else sort  # "se": a ranking is not worth a frame yet
        title_time_limit = self.rank_time_limit
        estimate = self._estimate(groups, vocabulary, parsed.still_typing) if sort == "best" else 0
        if sort == "best" and estimate <= BM25_BUDGET:
            ranked = self._ranked(expression, conditions)
            title_time_limit /= 3  # what is left of a frame after that try
            if ranked is not None:
                self._finish_ranked(result, ranked, groups, limit)
                if ranked or len(groups) < 2:
                    return result
                # Nothing holds every word (a pasted abstract, an extra word):
                # papers holding the rarest words, best bm25 first.
                rarest = sorted(groups, key=lambda g: vocabulary.matches(g.terms))[:3]
                ranked = self._ranked(sql.fts_expression(rarest, parsed.excluded, joiner=" OR "), conditions)
                if ranked:
                    self._finish_ranked(result, ranked, groups, limit)
                    result.partial = True
                return result
        if sort == "best" and estimate <= TITLE_BUDGET:
            # Too many to rank them all: those holding every word in the headline
            # are few enough, and what people remember of a paper is mostly its title.
            in_title = sql.fts_expression(groups, parsed.excluded, column="title")
            head = self._ranked(in_title, conditions, title_time_limit)
            if head:
                self._read_sorted(result, f"({expression}) NOT ({sql.fts_expression(groups, [], column='title')})",
                                  conditions, [], "added", max(0, limit - len(head)))
                head_ids = [row[0] for row in head]
                scores = {row[0]: row[1] for row in head[:RERANK_DEPTH]}
                result.plan.head = self._rerank(head_ids[:RERANK_DEPTH], scores, groups) + head_ids[RERANK_DEPTH:]
                result.ids = (result.plan.head + result.ids)[:limit]
                if result.total_exact or result.total < COUNT_LIMIT:
                    result.total += len(head)  # else "more than 10,000" stays a round lower bound
                result.order = "title matches first, then newest added"
                return result
        self._read_sorted(result, expression, conditions, parsed.excluded,
                          "added" if sort == "best" else sort, limit)
        return result

    def _groups(self, parsed: Query, vocabulary: Vocabulary) -> list[WordGroup]:
        typed = parsed.words
        still_typing = parsed.still_typing
        if len(typed) > 1:
            content = [w for w in typed if w not in STOP_WORDS]
            if content and content[-1] != typed[-1]:
                still_typing = False  # the unfinished word was a stop word
            typed = content or typed
        if len(typed) > MAX_QUERY_WORDS:
            # A pasted paragraph: its rarest known words identify it best, as written.
            known = sorted(set(typed), key=lambda w: vocabulary.docs.get(w, 1 << 30))
            return [WordGroup(word, (word,)) for word in known[:MAX_QUERY_WORDS]]
        groups: list[list[str]] = []
        completions: list[set[str]] = []
        for position, word in enumerate(typed):
            terms, completed = _word_terms(word, vocabulary, still_typing and position == len(typed) - 1)
            groups.append(terms)
            completions.append(completed)
        # Adjacent words run together in a name ("point mamba" -> "zigzagpointmamba"):
        # such a word satisfies both words' groups.
        for position in range(len(typed) - 1):
            first, second = typed[position], typed[position + 1]
            if min(len(first), len(second)) >= JOIN_SHORTEST_WORD:
                joined = vocabulary.containing(first + second)
                if not joined and not (still_typing and position + 1 == len(typed) - 1) and min(
                        vocabulary.docs.get(first, 0), vocabulary.docs.get(second, 0)) < RARE_WORD_DOCS:
                    # a near spelling of the name ("retor motion" -> "retromotion"),
                    # once its words are finished (an edit search is a few ms), and
                    # when one of them may be a typo: two common words that no name
                    # holds are not a misspelt one ("dual agent" is not "evalagent")
                    joined = vocabulary.similar(first + second)
                groups[position].extend(joined)
                groups[position + 1].extend(joined)
        result = [WordGroup(word, tuple(dict.fromkeys(terms)), frozenset(completed))
                  for word, terms, completed in zip(typed, groups, completions)]
        return result + [WordGroup(phrase, (phrase,)) for phrase in parsed.phrases]

    @staticmethod
    def _estimate(groups: list[WordGroup], vocabulary: Vocabulary, still_typing: bool) -> float:
        sizes = sorted(min(vocabulary.paper_count, sum(map(_term_docs(vocabulary), group.terms)))
                       for group in groups)
        if still_typing:
            return sizes[0]  # completions of a prefix overlap too much to guess better
        # Words of one paper go together: each further word keeps
        # CORRELATION times more papers than chance would.
        estimate = float(sizes[0])
        for size in sizes[1:]:
            estimate *= min(1.0, CORRELATION * size / vocabulary.paper_count)
        return estimate

    def _ranked(self, expression: str, conditions: list[Condition],
                seconds: float | None = None) -> list[tuple[int, float]] | None:
        """Every match with its bm25 score, best first; None past the time limit."""
        return sql.interruptible(
            self._connection(), self.rank_time_limit if seconds is None else seconds,
            f"SELECT rowid, {BM25} AS score FROM papers_fts{sql.fts_where(conditions)} ORDER BY score",
            (expression, *sql.condition_params(conditions)))

    def _finish_ranked(self, result: SearchResult, ranked: list[tuple[int, float]],
                       groups: list[WordGroup], limit: int) -> None:
        ids = [row[0] for row in ranked]
        scores = {row[0]: row[1] for row in ranked[:RERANK_DEPTH]}
        ids = self._rerank(ids[:RERANK_DEPTH], scores, groups) + ids[RERANK_DEPTH:]
        result.plan = _Plan(every_id=ids)
        result.ids = ids[:limit]
        result.total, result.total_exact = len(ids), True
        result.order, result.ranked = ORDERS["best"][1], True

    def _read_sorted(self, result: SearchResult, expression: str, conditions: list[Condition],
                     excluded: list[str], sort: str, limit: int) -> None:
        """Matches in a stored order: the first page now, the rest on demand."""
        where, params = sql.conditions_sql(conditions)
        order = ORDERS.get(sort, ORDERS["added"])
        counting = ""  # the same matches, in an order cheaper to count
        if expression and sort in ("added", "queue"):  # the index's own order: no sorting
            select = f"SELECT rowid AS id FROM papers_fts{sql.fts_where(conditions)}"
            params = (expression, *params)
            order = (order[0].replace("p.id", "rowid"), order[1])
        elif expression:
            select = f"SELECT p.id FROM papers p WHERE p.id IN (SELECT rowid FROM papers_fts{sql.fts_where(conditions)})"
            counting = f"SELECT rowid FROM papers_fts{sql.fts_where(conditions)}"
            params = (expression, *params)
        else:
            if excluded:
                where += " AND p.id NOT IN (SELECT rowid FROM papers_fts WHERE papers_fts MATCH ?)"
                params = (*params, sql.fts_expression([], excluded, positive=False))
            select = f"SELECT p.id FROM papers p WHERE +p.id < {VISIBLE_BELOW}{where}"
        params = tuple(params)
        conn = self._connection()
        result.order, result.ranked = order[1], False
        result.plan = _Plan(sql=f"{select} {order[0]}", params=params)
        if bool(expression) and sort in ("added", "queue") and not conditions:
            # The index's own order: the first page, then counting on from there.
            result.ids, result.total, result.total_exact = sql.page_and_count(
                conn, result.plan.sql, params, limit, self._count_seconds())
            return
        # Walking another order's index past few matches (cat:cs.RO, rated:5)
        # can take long: then find the matches first and sort them.
        first_page = sql.interruptible(conn, self.first_page_time_limit, f"{result.plan.sql} LIMIT ?",
                                       (*params, limit))
        if first_page is None:
            every_id = [row[0] for row in conn.execute(
                f"WITH found AS MATERIALIZED ({select}) SELECT p.id FROM found"
                f" JOIN papers p ON p.id = found.id {ORDERS.get(sort, ORDERS['added'])[0]}", params)]
            result.plan = _Plan(every_id=every_id)
            result.ids, result.total, result.total_exact = every_id[:limit], len(every_id), True
            return
        result.ids = [row[0] for row in first_page]
        if len(result.ids) < limit:
            result.total, result.total_exact = len(result.ids), True
            return
        counted, result.total_exact = sql.count_within(
            conn, f"{counting or select} LIMIT {COUNT_LIMIT + 1}", params, self._count_seconds())
        result.total = max(counted, len(result.ids))

    def _count_seconds(self) -> float:
        """Counting gets what the query's frame has left: the ranking and counting
        budgets together, less the time already spent (on a ranking that ran out
        of time, say), and at least a fraction of its own. Past it the count is a
        lower bound ("more than 3,200 matches")."""
        spent = time.perf_counter() - self._started
        left = self.rank_time_limit + self.count_time_limit - spent
        return min(self.count_time_limit, max(self.count_time_limit * MIN_COUNT_SHARE, left))

    def _rerank(self, ids: list[int], scores: dict[int, float], groups: list[WordGroup]) -> list[int]:
        """Order candidates by bm25 plus headline, exact-word and word-order bonuses.

        One regex pass per text finds every query term with its position; the
        bonuses are set arithmetic on those few matches. (A Python loop over
        each candidate's words, or a regex per bonus, cost more than the SQL.)"""
        if len(ids) < 2:
            return ids
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
                elif group.completions & (in_title | in_body):
                    score += WEIGHT_PREFIX * share
            if all(terms & in_title for terms in group_terms):
                picks = math.comb(max(len(groups), _title_length(title)), len(groups))
                bonus = max(0.0, WEIGHT_ALL_IN_TITLE - WEIGHT_TITLE_LENGTH * math.log(picks))
                score += bonus if _in_order(title_hits, group_terms) else bonus * OUT_OF_ORDER
            if len(groups) > 1:
                pairs = zip(group_terms, group_terms[1:])
                found = sum(
                    1 for first, second in pairs
                    if _adjacent(title, title_hits, first, second) or _adjacent(body, body_hits, first, second)
                )
                score += WEIGHT_IN_ORDER * found / (len(groups) - 1)
            final[paper_id] = score + paper_id * 1e-9  # ties: newer first
        return sorted(final, key=final.__getitem__, reverse=True)


def _term_docs(vocabulary: Vocabulary) -> Callable[[str], int]:
    """Papers holding a term, at most; for a phrase, its rarest word's count."""
    return lambda term: min(vocabulary.docs.get(word, 0) for word in term.split())


def _word_terms(word: str, vocabulary: Vocabulary, being_typed: bool) -> tuple[list[str], set[str]]:
    """The index terms a typed word stands for, and which of them complete it.
    Completion comes before correction: "judg" means judge/judgment, not "udg".
    Two swapped letters, the commonest slip, are undone first ("segmnetation",
    "sgem" while typing): a few lookups instead of an edit-distance scan."""
    completions: tuple[str, ...] = ()
    if being_typed or (len(word) >= 3 and not vocabulary.is_known(word)):
        completions = vocabulary.prefixed(word)
    swapped = vocabulary.swapped(word, complete=being_typed) if len(word) >= 3 else ()
    if completions:
        terms = [word, *completions]
        if vocabulary.matches(completions) < TRUSTED_COMPLETION_DOCS and not vocabulary.is_known(word):
            # maybe a typo that happens to prefix a rare word
            terms.extend(swapped or vocabulary.similar(word))
    elif vocabulary.is_known(word):
        terms = [word, *vocabulary.common_neighbours(word)]
    elif swapped:
        terms = [word, *swapped]
    else:
        terms = [word, *vocabulary.similar(word)]
        if being_typed and vocabulary.matches(terms[1:]) < TRUSTED_COMPLETION_DOCS:
            # an unfinished word with a typo: "gausia" is on its way to "gaussian"
            terms.extend(vocabulary.typo_prefixed(word))
    if being_typed:
        terms.extend(swapped)  # "sgem" on its way to "segmentation", beside "sgemm"
    if len(word) >= SPLIT_SHORTEST_WORD and not vocabulary.docs.get(word, 0) >= 50:
        parts = vocabulary.split(word)
        if parts:
            terms.append(parts)
    return terms, set(completions)


def _in_order(hits: list[tuple[int, int, str]], group_terms: list[set[str]]) -> bool:
    """Whether the text holds the groups' terms in the typed order (not
    necessarily next to each other): each group found from the previous one's
    word on (one run-together name may hold two typed words)."""
    position = 0
    for terms in group_terms:
        position = next((i for i in range(position, len(hits)) if hits[i][2] in terms), -1)
        if position < 0:
            return False
    return True


def _title_length(title: str) -> int:
    """Words of a headline that could be remembered of it (not "a", "of", ...)."""
    return len({word for word in _TITLE_WORD.findall(title)
                if word not in STOP_WORDS and not word.isdigit()})


_TITLE_WORD = re.compile(r"[^\W_]{4,}")  # shorter ones are seldom what is remembered


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
