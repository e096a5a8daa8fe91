"""Summaries and table formatting for the benchmark report."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence


def percentile(values: Sequence[float], share: float) -> float:
    """Linear-interpolation percentile (share 0..1) of a non-empty sequence."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    position = (len(ordered) - 1) * share
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


class Spread:
    """A figure measured in several runs: its median and its min-max range."""

    def __init__(self, values: Sequence[float]):
        self.values = [v for v in values if not math.isnan(v)]

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else math.nan

    def format(self, fmt: str = "{:,.1f}") -> str:
        if not self.values:
            return "n/a"
        low, high = min(self.values), max(self.values)
        if len(self.values) == 1 or fmt.format(low) == fmt.format(high):
            return fmt.format(self.median)
        return f"{fmt.format(self.median)} ({fmt.format(low)}–{fmt.format(high)})"


def verdict(value: float, passes: Callable[[float], bool]) -> str:
    if math.isnan(value):
        return "n/a"
    return "PASS" if passes(value) else "MISS"


def target(limit: float | None, fmt: str, median: float, higher_is_better: bool = False) -> str:
    """'PASS (≤ 16 ms)' style column; empty when this figure has no target."""
    if limit is None:
        return ""
    if higher_is_better:
        return f"{verdict(median, lambda v: v >= limit)} (≥ {fmt.format(limit)})"
    return f"{verdict(median, lambda v: v <= limit)} (≤ {fmt.format(limit)})"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "  ") -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]
    lines = []
    for row in (headers, *rows):
        cells = [str(cell).ljust(width) for cell, width in zip(row, widths)]
        lines.append(indent + "  ".join(cells).rstrip())
    lines.insert(1, indent + "  ".join("-" * width for width in widths))
    return "\n".join(lines)
