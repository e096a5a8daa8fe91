"""Glue between the pure importers and the store: one file, one transaction."""

from __future__ import annotations

from collections.abc import Callable

from readq.errors import UnusableInput
from readq.importers import iter_parse, open_source
from readq.models import ImportSummary
from readq.store import Store

# Called with the running summary and the share of the file read so far (0..1,
# or None for stdin). An exception raised by it cancels the import.
ImportProgress = Callable[[ImportSummary, float | None], None]


def import_file(
    store: Store, path: str, format: str | None = None, progress: ImportProgress | None = None,
    source_name: str | None = None,
) -> ImportSummary:
    """Import one file (or `-` for stdin). Raises UnusableInput for files that
    cannot be read as text; records with problems are counted, not raised.
    `source_name` is what papers record as their source (default: the path)."""
    source_name = source_name or ("<stdin>" if path == "-" else path)
    with open_source(path) as source:
        used_format, items = iter_parse(source.lines, format)

        def report(summary: ImportSummary) -> None:
            if progress is not None:
                progress(summary, source.fraction_read())

        summary = store.import_records(items, source_name, progress=report)
    summary.format = used_format
    if summary.seen == 0 and not summary.problems:
        raise UnusableInput(f"{source_name}: no abstracts found (the file is empty)")
    return summary
