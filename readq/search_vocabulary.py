"""The search vocabulary: index words with document counts, and what a typed
word may stand for (completions, near spellings, run-together names).

Built from the search_terms table (kept by imports) plus the words of the
notes, which the engine counts itself whenever a note is saved.
The store and this module never import textual.
"""

from __future__ import annotations

import bisect
import heapq
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache


TOKEN = re.compile(r"[^\W_]+")
LONGEST_TERM = 40
# Completions a prefix stands for, commonest first. Each adds its doclist to the
# ranking's work, and past its frame budget a query falls back to newest first...
PREFIX_EXPANSIONS = 8
# ...so fewer for three letters, whose completions are the commonest words.
SHORT_PREFIX_EXPANSIONS = 6
FUZZY_EXPANSIONS = 6
COMPOUND_EXPANSIONS = 12
# A word the vocabulary holds this often is taken as typed, not as a typo...
KNOWN_WORD_DOCS = 3
# ...unless it is this rare and a spelling one or two edits away is this many
# times more common ("langauge" in 5 abstracts, "language" in 20,000).
RARE_WORD_DOCS = 20
RARE_NEIGHBOUR_RATIO = 20
# Completions of a prefix that together appear in fewer papers than this are
# not trusted alone: the word may be a typo ("modle" -> "modles").
TRUSTED_COMPLETION_DOCS = 10
# Parts of a run-together word ("pointmamba" -> "point mamba") must be common words.
PART_DOCS = 20
SHORTEST_PART = 3


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
    """Index words with their document counts, searchable by prefix, by edits
    and by containment."""

    def __init__(self, rows: Iterable[tuple[str, int]], paper_count: int = 1,
                 extra: dict[str, int] | None = None):
        self.base: dict[str, int] = dict(rows)
        self.paper_count = max(1, paper_count)
        self.base_sorted = sorted(self.base)
        self.set_extra(extra or {})

    def set_extra(self, extra: dict[str, int]) -> None:
        """Words counted outside search_terms (the notes), merged in; caches reset."""
        self.extra = extra
        if extra:
            self.docs = dict(self.base)
            for term, count in extra.items():
                self.docs[term] = self.docs.get(term, 0) + count
            self.sorted_terms = sorted(self.docs)
        else:
            self.docs, self.sorted_terms = self.base, self.base_sorted
        self._by_length: dict[int, list[str]] | None = None
        self._joined: str | None = None
        self.prefixed = lru_cache(maxsize=4096)(self._prefixed)
        self.similar = lru_cache(maxsize=4096)(self._similar)
        self.typo_prefixed = lru_cache(maxsize=1024)(self._typo_prefixed)
        self.containing = lru_cache(maxsize=1024)(self._containing)
        self.split = lru_cache(maxsize=1024)(self._split)
        self.swapped = lru_cache(maxsize=4096)(self._swapped)

    def matches(self, terms: Iterable[str]) -> int:
        """Papers holding any of `terms` (at most: one paper may hold several)."""
        return min(self.paper_count, sum(self.docs.get(term, 0) for term in terms))

    def is_known(self, word: str) -> bool:
        return self.docs.get(word, 0) >= KNOWN_WORD_DOCS

    def _prefixed(self, prefix: str) -> tuple[str, ...]:
        """The most common words starting with `prefix` (the prefix itself excluded)."""
        start = bisect.bisect_right(self.sorted_terms, prefix)
        end = bisect.bisect_left(self.sorted_terms, prefix + "\U0010ffff", lo=start)
        candidates = self.sorted_terms[start:end]
        expansions = PREFIX_EXPANSIONS if len(prefix) > 3 else SHORT_PREFIX_EXPANSIONS
        return tuple(heapq.nlargest(expansions, candidates, key=self.docs.__getitem__))

    def _similar(self, word: str) -> tuple[str, ...]:
        """Words within the allowed edits of `word`, closest and most common first."""
        edits = allowed_edits(word)
        if edits == 0:
            return ()
        if self._by_length is None:  # built on first use: `readq search` often needs none
            self._by_length = {}
            for term in self.sorted_terms:
                self._by_length.setdefault(len(term), []).append(term)
        from rapidfuzz import process  # here: the TUI's first frame needs no edit distances
        from rapidfuzz.distance import OSA

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

    def _typo_prefixed(self, word: str) -> tuple[str, ...]:
        """The most common words whose start is within the allowed edits of
        `word` ("gausia" -> "gaussian"): an unfinished word with a typo in it.
        Only words with the same first letter: typos there are rare, and that
        keeps the scan to a twentieth of the vocabulary."""
        edits = allowed_edits(word)
        if edits == 0 or len(word) < 5:  # four letters and an edit start half the vocabulary
            return ()
        start = bisect.bisect_left(self.sorted_terms, word[0])
        end = bisect.bisect_left(self.sorted_terms, word[0] + "\U0010ffff", lo=start)
        choices = self.sorted_terms[start:end]
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        found: dict[str, int] = {}
        for extra in (0, 1, -1):  # the start as long as the word, one letter more or less
            length = len(word) + extra
            for term, distance, _ in process.extract(
                    word, choices, scorer=OSA.distance, processor=lambda t, n=length: t[:n],
                    score_cutoff=edits, limit=None):
                if len(term) > length:
                    found[term] = min(distance, found.get(term, distance))
        return tuple(sorted(found, key=lambda t: (found[t], -self.docs[t]))[:PREFIX_EXPANSIONS])

    def _swapped(self, word: str, complete: bool = False) -> tuple[str, ...]:
        """`word` with two adjacent letters swapped, the commonest slip ("segmnetation"),
        where that is a word far more common than `word` (and, with `complete`,
        than any completion of it: "sgem" -> segmentation). A few lookups: cheap
        enough for every key, unlike an edit-distance scan."""
        readings = [self.docs.get(word, 0)]
        if complete:
            readings += map(self.docs.__getitem__, self.prefixed(word))
        floor = RARE_NEIGHBOUR_RATIO * max(1, *readings)
        found: dict[str, int] = {}
        for i in range(len(word) - 1):
            if word[i] == word[i + 1]:
                continue
            variant = word[:i] + word[i + 1] + word[i] + word[i + 2:]
            for term in (variant, *self.prefixed(variant)) if complete else (variant,):
                if self.docs.get(term, 0) >= floor:
                    found[term] = self.docs[term]
        return tuple(heapq.nlargest(PREFIX_EXPANSIONS, found, key=found.__getitem__))

    def common_neighbours(self, word: str) -> tuple[str, ...]:
        """For a rare word: the near spellings far more common than it (it may be a
        typo the corpus itself holds)."""
        docs = self.docs.get(word, 0)
        if docs >= RARE_WORD_DOCS:
            return ()
        floor = RARE_NEIGHBOUR_RATIO * max(docs, 1)
        return tuple(term for term in self.similar(word) if self.docs[term] >= floor)

    def _containing(self, joined: str) -> tuple[str, ...]:
        """Words holding `joined` (adjacent query words run together, "pointmamba"):
        the word itself first, then the rarest names containing it ("zigzagpointmamba")."""
        if self._joined is None:  # one string, so a C-speed find replaces a loop over words
            self._joined = "\n" + "\n".join(self.sorted_terms) + "\n"
        text, found, start = self._joined, [], 0
        while (at := text.find(joined, start)) >= 0:
            begin = text.rfind("\n", 0, at) + 1
            end = text.find("\n", at)
            found.append(text[begin:end])
            start = end
        exact = [joined] if joined in self.docs else []
        others = sorted((t for t in found if t != joined), key=lambda t: (self.docs[t], t))
        return tuple(exact + others[:COMPOUND_EXPANSIONS])

    def _split(self, word: str) -> str | None:
        """A run-together word as two common words ("pointmamba" -> "point mamba")."""
        best: tuple[int, str] | None = None
        for cut in range(SHORTEST_PART, len(word) - SHORTEST_PART + 1):
            head, tail = word[:cut], word[cut:]
            docs = min(self.docs.get(head, 0), self.docs.get(tail, 0))
            if docs >= PART_DOCS and (best is None or docs > best[0]):
                best = (docs, f"{head} {tail}")
        return best[1] if best else None


def note_word_counts(notes: Iterable[str]) -> dict[str, int]:
    """Vocabulary counts of the notes' words: one per note holding a word."""
    counts: dict[str, int] = {}
    for text in notes:
        for word in raw_words(text):
            counts[word] = counts.get(word, 0) + 1
    return vocabulary_counts(counts)
