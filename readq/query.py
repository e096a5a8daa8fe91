"""The search query language, parsed into words and SQL conditions on papers.

    transformer segmentation     words, typo-tolerant, all of them must match
    "exact phrase"               words next to each other, as typed
    -word  -"a phrase"           papers without it
    is:unread  is:read  has:note  rated:4  rated:>=4  cat:cs.RO  year:2025
    year:2024..2025  id:2503.12  tag:NAME (when the database has tags)

A bare category ("cs.RO"), arXiv id or id prefix ("2503.12") works without
its filter name; a bare year ("2025") matches the text or the publication year.
Anything else is searched as words: a mistyped filter is never an error.
Pure: no database, so the parse is tested on its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

TOKEN = re.compile(r"[^\W_]+")
QUERY_TOKEN = re.compile(r'-?"[^"]*"?|[^\s"]+')
FILTER_TOKEN = re.compile(r"^([A-Za-z]+):(.*)$")
ARXIV_ID = re.compile(r"^(?:arxiv:)?(\d{4}\.\d{1,5})(?:v\d+)?$", re.IGNORECASE)
# arXiv archives (the part of a category before the dot), so that "cs.RO" is
# taken for a category and "e.g" or "fig.3" are not.
ARCHIVES = frozenset(
    "cs math stat eess econ q-bio q-fin physics astro-ph cond-mat gr-qc hep-ex hep-lat"
    " hep-ph hep-th math-ph nlin nucl-ex nucl-th quant-ph".split()
)
CATEGORY = re.compile(r"^([a-z]+(?:-[a-z]+)?)\.([a-z]+(?:-[a-z]+)?)$", re.IGNORECASE)
YEAR = re.compile(r"^(19[89]\d|20\d\d)$")
YEAR_RANGE = re.compile(r"^(\d{4})?\.\.(\d{4})?$")
RATING = re.compile(r"^(>=|<=|>|<|=)?([0-5])$")


@dataclass(frozen=True, slots=True)
class Condition:
    """A SQL condition on the papers table, aliased `p`, with its parameters."""

    sql: str
    params: tuple = ()


@dataclass(slots=True)
class Query:
    words: list[str] = field(default_factory=list)  # folded, in typed order
    phrases: list[str] = field(default_factory=list)  # folded words joined by one space
    excluded: list[str] = field(default_factory=list)  # words or phrases
    conditions: list[Condition] = field(default_factory=list)
    still_typing: bool = False  # the last word is unfinished: complete it

    @property
    def empty(self) -> bool:
        return not (self.words or self.phrases or self.excluded or self.conditions)


def fold_words(text: str, fold: Callable[[str], str]) -> list[str]:
    return [fold(word) for word in TOKEN.findall(text)]


def category_condition(value: str) -> Condition | None:
    """`cs.RO` (one category) or `cs` (an archive); categories are stored space-separated."""
    value = value.strip()
    if not re.fullmatch(r"[A-Za-z][A-Za-z.-]*", value):
        return None
    pattern = f"% {value} %" if "." in value else f"% {value}.%"
    # Importers keep arXiv's separators ("cs.RO, cs.CV, I.2.9" or "cs.RO cs.CV");
    # IS NOT NULL lets the partial index papers_categories answer it.
    return Condition("p.categories IS NOT NULL AND"
                     " (' ' || replace(replace(p.categories, ',', ' '), ';', ' ') || ' ') LIKE ?", (pattern,))


def id_condition(value: str) -> Condition | None:
    """Papers whose arXiv id starts with `value` (a range: the unique index answers it)."""
    match = ARXIV_ID.match(value.strip())
    prefix = match.group(1) if match else value.strip()
    if not re.fullmatch(r"[\w./-]+", prefix):
        return None
    return Condition("p.arxiv_id >= ? AND p.arxiv_id < ?", (prefix, prefix + "\uffff"))


def year_condition(value: str) -> Condition | None:
    if YEAR.match(value):
        first = last = int(value)
    elif match := YEAR_RANGE.match(value):
        if not any(match.groups()):
            return None
        first = int(match.group(1) or 0)
        last = int(match.group(2) or 9999)
    else:
        return None
    first, last = min(first, last), max(first, last)
    return Condition("p.created >= ? AND p.created < ?", (f"{first:04d}", f"{last + 1:04d}"))


def rating_condition(value: str) -> Condition | None:
    match = RATING.match(value.strip())
    if not match:
        return Condition("p.rating IS NOT NULL") if value.lower() in ("any", "yes") else None
    operator, number = match.group(1) or "=", int(match.group(2))
    if number == 0:
        return Condition("p.rating IS NULL") if operator in ("=", "<=") else None
    return Condition(f"p.rating {operator} ?", (number,))


STATES = {
    "unread": Condition("p.read_at IS NULL"),
    "read": Condition("p.read_at IS NOT NULL"),
    "rated": Condition("p.rating IS NOT NULL"),
    "noted": Condition("p.notes IS NOT NULL AND p.notes <> ''"),
}
HAS = {
    "note": STATES["noted"], "notes": STATES["noted"],
    "rating": STATES["rated"],
}


def tag_condition(value: str) -> Condition | None:
    value = value.strip()
    if not value:
        return None
    return Condition("p.id IN (SELECT paper_id FROM paper_tags WHERE tag = ?)", (value,))


# name -> builder of its condition from the value typed after the colon (None: not
# a valid value, so the token is searched as words). `tag` joins when the
# database has a paper_tags table (see SearchEngine); another filter is one entry.
FilterBuilder = Callable[[str], Condition | None]
FILTERS: dict[str, FilterBuilder] = {
    "is": lambda value: STATES.get(value.lower()),
    "has": lambda value: HAS.get(value.lower()),
    "rated": rating_condition,
    "cat": category_condition,
    "year": year_condition,
    "id": id_condition,
}
TAG_FILTERS: dict[str, FilterBuilder] = {**FILTERS, "tag": tag_condition}


def bare_condition(token: str) -> Condition | None:
    """A token that names something by itself: an arXiv id (prefix) or a category."""
    if ARXIV_ID.match(token):
        return id_condition(token)
    match = CATEGORY.match(token)
    if match and match.group(1).lower() in ARCHIVES:
        return category_condition(token)
    return None


def year_word_condition(year: str) -> Condition:
    """A bare year: in the text ("CVPR 2025") or the paper's publication year."""
    return Condition(
        "(p.created >= ? AND p.created < ?"
        " OR p.id IN (SELECT rowid FROM papers_fts WHERE papers_fts MATCH ?))",
        (year, f"{int(year) + 1:04d}", f'"{year}"'),
    )


def parse(text: str, fold: Callable[[str], str], filters: dict[str, FilterBuilder] = FILTERS) -> Query:
    query = Query()
    tokens = QUERY_TOKEN.findall(text)
    still_typing = bool(text) and not text[-1].isspace()
    for position, token in enumerate(tokens):
        last = position == len(tokens) - 1
        negated = token.startswith("-") and len(token) > 1
        body = token[1:] if negated else token
        if body.startswith('"'):
            phrase = " ".join(fold_words(body.strip('"'), fold))
            if phrase:
                (query.excluded if negated else query.phrases).append(phrase)
            continue
        if negated:
            query.excluded.extend(fold_words(body, fold))
            continue
        if match := FILTER_TOKEN.match(token):
            name, value = match.group(1).lower(), match.group(2)
            if name in filters:
                condition = filters[name](value) if value else None
                if condition is not None:
                    query.conditions.append(condition)
                    continue
                if last and still_typing:
                    continue  # a filter still being typed: wait for its value
        condition = bare_condition(token)
        if condition is not None:
            query.conditions.append(condition)
            continue
        for word in fold_words(token, fold):
            if YEAR.match(word):
                query.conditions.append(year_word_condition(word))
                query.still_typing = False
            else:
                query.words.append(word)
                query.still_typing = last and still_typing
    return query
