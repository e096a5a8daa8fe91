"""Value types shared by the store, the importers, the CLI and the UI."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Filter = Literal["all", "unread", "read", "rated", "noted"]
Sort = Literal["queue", "newest", "rating"]
FILTERS: tuple[Filter, ...] = ("all", "unread", "read", "rated", "noted")
SORTS: tuple[Sort, ...] = ("queue", "newest", "rating")
# Orders a view can be shown in: the store's sorts, and the recommended order,
# which readq/recommend.py computes as a ranked list of ids (page it like
# search results; the store's page() does not take it).
Order = Literal["queue", "newest", "rating", "recommended"]
ORDERS: tuple[Order, ...] = (*SORTS, "recommended")


@dataclass(frozen=True, slots=True)
class PaperRecord:
    """One paper as an importer found it: no id; reading state only from a readq export."""

    abstract: str
    line: int  # first line of the record in its file, counted the way an editor does
    title: str | None = None
    arxiv_id: str | None = None
    authors: str | None = None
    comments: str | None = None
    categories: str | None = None
    doi: str | None = None
    url: str | None = None
    created: str | None = None
    updated: str | None = None
    # Only readq's own JSON export carries these: a backup restores reading
    # state, while other formats never touch it (see Store._insert_record).
    headline_derived: bool | None = None
    source: str | None = None
    added_at: str | None = None
    read_at: str | None = None
    rating: int | None = None
    notes: str | None = None
    notes_updated_at: str | None = None
    tags: tuple[str, ...] | None = None
    tags_updated_at: str | None = None  # set when the export's paper had tags set: newer wins


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with the input, tied to a line number.

    A rejected problem means the record was not imported; otherwise it is a
    warning (for example: control characters were removed).
    """

    line: int
    reason: str
    rejected: bool = True


@dataclass(frozen=True, slots=True)
class Paper:
    """One paper as the store holds it."""

    id: int
    title: str
    headline_derived: bool
    abstract: str
    arxiv_id: str | None = None
    authors: str | None = None
    comments: str | None = None
    categories: str | None = None
    doi: str | None = None
    url: str | None = None
    created: str | None = None
    updated: str | None = None
    source: str | None = None
    added_at: str = ""
    read_at: str | None = None
    rating: int | None = None
    notes: str | None = None
    notes_updated_at: str | None = None
    content_hash: str = ""

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def link(self) -> str | None:
        if self.url:
            return self.url
        if self.arxiv_id:
            return f"https://arxiv.org/abs/{self.arxiv_id}"
        if self.doi:
            return f"https://doi.org/{self.doi}"
        return None


@dataclass(slots=True)
class ImportSummary:
    source: str
    seen: int = 0
    imported: int = 0
    duplicates: int = 0
    rejected: int = 0
    problems: list[Problem] = field(default_factory=list)
    format: str = ""
    # Set while the import waits for another one to finish, or removes the rows
    # of one that was interrupted (progress is called meanwhile); else empty.
    waiting: str = ""

    def line(self) -> str:
        return (
            f"imported {self.imported}, duplicates {self.duplicates}, "
            f"rejected {self.rejected}"
        )


@dataclass(frozen=True, slots=True)
class Stats:
    total: int
    unread: int
    rated: int
    noted: int
