"""The benchmark's input data: the real arXiv corpus, scaled past its size.

A database of N papers holds the first N records of this stream: every corpus
record in corpus order (sorted by listing date), then copy 1 of every record,
then copy 2, and so on. A copy keeps the real text but gets

* a distinct, *valid* arXiv id (readq rejects ids that are not ``NNNN.NNNNN``):
  ``99MM.NNNNN`` with a month MM of 13 or more, which no real id has, so copies
  never collide with real ids or with each other (87 months x 100,000 numbers);
* a slightly altered abstract, so its content hash differs: ``k`` dots are
  appended as a separate "word" (punctuation, so no search term is added).

Past the corpus size the vocabulary therefore stops growing, as with the
corpus README's ``.rK`` suffixes.
"""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from readq.search import STOP_WORDS as READQ_STOP_WORDS
from readq.search import words

COPY_ID_FIRST_MONTH = 13
COPY_IDS_PER_MONTH = 100_000
COPY_ID_LIMIT = (100 - COPY_ID_FIRST_MONTH) * COPY_IDS_PER_MONTH

# Function words that a person looking for a paper would not type; readq's own
# list plus common title fillers. Domain words ("learning", "model") stay in:
# people do type them.
STOP_WORDS = READQ_STOP_WORDS | frozenset(
    """about above after again against all also among any based been before being
    between beyond both but can could does doing down during each every few further
    here how into just more most much must new not now only other over own same
    should some such than their them then there these they those through toward
    towards under until upon using very what when where whether while who why will
    within without would your you one two three""".split()
)


@dataclass(frozen=True, slots=True)
class CorpusRecord:
    id: str
    title: str
    abstract: str
    created: str
    comment: str | None


@dataclass(frozen=True, slots=True)
class BenchRecord:
    """One paper of a benchmark database: a corpus record or a copy of one."""

    arxiv_id: str
    source: int  # index of the corpus record it is (a copy of)
    abstract: str
    created: str
    comment: str | None


def load_corpus(path: Path) -> list[CorpusRecord]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [
            CorpusRecord(r["id"], r["title"], r["abstract"], r["created"], r.get("comment") or None)
            for r in map(json.loads, handle)
        ]


def copy_id(sequence: int) -> str:
    """The arXiv id of the `sequence`-th copy (0-based), e.g. ``9913.00042``."""
    if sequence >= COPY_ID_LIMIT:
        raise ValueError(f"more than {COPY_ID_LIMIT:,} copies are not supported")
    month = COPY_ID_FIRST_MONTH + sequence // COPY_IDS_PER_MONTH
    return f"99{month:02d}.{sequence % COPY_IDS_PER_MONTH:05d}"


def bench_records(corpus: list[CorpusRecord], size: int) -> Iterator[BenchRecord]:
    """The first `size` papers of the scaled stream described above."""
    for position in range(size):
        copy, source = divmod(position, len(corpus))
        record = corpus[source]
        if copy == 0:
            yield BenchRecord(record.id, source, record.abstract, record.created, record.comment)
        else:
            yield BenchRecord(
                copy_id(position - len(corpus)),
                source,
                f"{record.abstract} {'.' * copy}",
                record.created,
                record.comment,
            )


def load_corpus_records(path: Path) -> list[dict]:
    """Every corpus record whole, as JSON gives it (titles, categories...)."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def scaled_database(corpus: list[dict], size: int, db: Path) -> Path:
    """A readq database of the first `size` records of the scaled stream (the
    copy rule of bench_records), imported as arXiv JSON lines so titles and
    categories come along; built once, under another name until complete."""
    if db.exists():
        return db
    from readq.importing import import_file
    from readq.store import Store

    source = db.with_suffix(".jsonl")
    with source.open("w", encoding="utf-8") as handle:
        for position in range(size):
            copy, index = divmod(position, len(corpus))
            record = dict(corpus[index])
            if copy:
                record["id"] = copy_id(position - len(corpus))
                record["abstract"] += " " + "." * copy
            handle.write(json.dumps(record) + "\n")
    partial = db.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    with Store.open(partial) as store:
        import_file(store, str(source))
    partial.rename(db)
    source.unlink()
    return db


def write_listing(records: Iterator[BenchRecord], path: Path) -> int:
    """Write arXiv listing blocks exactly as the corpus README describes."""
    count = 0
    temporary = path.with_suffix(".partial")
    with temporary.open("w", encoding="utf-8") as handle:
        for record in records:
            if count:
                handle.write("\n")
            comment = f"{record.comment}\n" if record.comment else ""
            handle.write(
                f"{record.abstract}\n{comment}arXiv:{record.arxiv_id}\nCreated: {record.created}\n"
            )
            count += 1
    temporary.replace(path)  # a half-written file is never mistaken for a finished one
    return count


# ----- queries ---------------------------------------------------------------------

# Typed one key at a time in the keystroke benchmark: topics common in the
# corpus (mostly cs.CV / cs.CL / cs.AI), 2-4 words, as people type them.
KEYSTROKE_QUERIES = (
    "transformer segmentation",
    "diffusion model video generation",
    "large language model reasoning",
    "retrieval augmented generation",
    "point cloud registration",
    "medical image segmentation",
    "vision language hallucination",
    "reinforcement learning human feedback",
    "knowledge distillation",
    "gaussian splatting",
    "speech recognition low resource",
    "graph neural network",
)


def swap_adjacent(word: str, rng: random.Random) -> str:
    """The word with two adjacent, different letters swapped (a common typo)."""
    positions = [i for i in range(len(word) - 1) if word[i] != word[i + 1]]
    if not positions:
        return word
    i = rng.choice(positions)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def with_typo(query: str, rng: random.Random) -> str:
    """The query with a swapped pair of letters in one word of five or more letters."""
    parts = query.split(" ")
    candidates = [i for i, part in enumerate(parts) if len(part) >= 5 and part.isalpha()]
    if not candidates:
        return query
    index = rng.choice(candidates)
    parts[index] = swap_adjacent(parts[index], rng)
    return " ".join(parts)


def pasted_queries(corpus: list[CorpusRecord], count: int, length: int, rng: random.Random) -> list[str]:
    """`count` pastes of `length` characters: consecutive abstracts joined, cut at a space."""
    pastes = []
    for _ in range(count):
        start = rng.randrange(len(corpus) - 10)
        text = ""
        for record in corpus[start : start + 10]:
            text = f"{text} {record.abstract}".strip()
            if len(text) >= length:
                break
        pastes.append(text[:length].rsplit(" ", 1)[0])
    return pastes


@dataclass(frozen=True, slots=True)
class KnownItemQuery:
    source: int  # the corpus record sought
    text: str  # what is typed (without the trailing space)
    typo: bool


def title_query_words(record: CorpusRecord) -> list[str]:
    """Content words of the title (length >= 4, not numbers) that the abstract also holds."""
    in_abstract = set(words(record.abstract))
    chosen: list[str] = []
    for word in words(record.title):
        if len(word) >= 4 and not word.isdigit() and word not in STOP_WORDS and word in in_abstract:
            if word not in chosen:
                chosen.append(word)
    return chosen


def known_item_queries(corpus: list[CorpusRecord], sources: list[int], count: int,
                       rng: random.Random, rarest_by: dict[str, int] | None = None) -> list[KnownItemQuery]:
    """`count` queries for papers drawn from `sources`: 2-3 title words in title
    order; every second query gets a swapped-letters typo in a word of 5+ letters.

    The words are picked at random among the candidates, or, given document
    counts in `rarest_by`, the rarest ones (what someone who remembers the
    paper's distinctive words would type)."""
    queries: list[KnownItemQuery] = []
    order = list(sources)
    rng.shuffle(order)
    for source in order:
        if len(queries) == count:
            break
        candidates = title_query_words(corpus[source])
        if len(candidates) < 2:
            continue
        how_many = min(len(candidates), rng.choice((2, 3)))
        if rarest_by is None:
            picked = rng.sample(range(len(candidates)), how_many)
        else:
            by_rarity = sorted(range(len(candidates)), key=lambda i: rarest_by.get(candidates[i], 0))
            picked = by_rarity[:how_many]
        chosen = [candidates[i] for i in sorted(picked)]
        wants_typo = len(queries) % 2 == 1
        if wants_typo:
            long_words = [i for i, w in enumerate(chosen) if len(w) >= 5]
            if not long_words:
                continue  # keep the exact/typo halves equal: try another paper
            i = rng.choice(long_words)
            typo_word = swap_adjacent(chosen[i], rng)
            if typo_word == chosen[i]:
                continue
            chosen[i] = typo_word
        queries.append(KnownItemQuery(source, " ".join(chosen), wants_typo))
    return queries
