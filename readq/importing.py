"""Glue between the pure importers and the store: one file, one transaction.

Large files are parsed in a second process: parsing and hashing there, while
this process derives headlines (for new papers only) and writes to SQLite, so
on two cores the halves overlap and an import takes about half as long. The queue between them is bounded, so a
file of any size is imported in constant memory.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import sys
from collections.abc import Callable, Iterator

from readq.errors import UnusableInput
from readq.importers import iter_parse, open_source
from readq.models import ImportSummary, PaperRecord, Problem
from readq.store import PreparedRecord, Store, prepare

# Called with the running summary and the share of the file read so far (0..1,
# or None for stdin). An exception raised by it cancels the import.
ImportProgress = Callable[[ImportSummary, float | None], None]

PARALLEL_FROM_BYTES = 2_000_000  # below this, starting a process costs more than it saves
BATCH_SIZE = 250
QUEUE_BATCHES = 64
_END, _ERROR = "end", "error"


def import_file(
    store: Store, path: str, format: str | None = None, progress: ImportProgress | None = None,
    source_name: str | None = None,
) -> ImportSummary:
    """Import one file (or `-` for stdin). Raises UnusableInput for files that
    cannot be read as text; records with problems are counted, not raised.
    `source_name` is what papers record as their source (default: the path)."""
    source_name = source_name or ("<stdin>" if path == "-" else path)
    if path != "-" and store.path is not None and _same_file(path, store.path):
        # Reading the database file would also drop this process's SQLite locks on it.
        raise UnusableInput(f"{source_name}: that is the readq database itself")
    if path != "-" and _file_size(path) >= PARALLEL_FROM_BYTES and _can_spawn():
        summary = _import_in_parallel(store, path, format, progress, source_name)
    else:
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


def _can_spawn() -> bool:
    """A spawned process re-imports the main script: impossible for `python -`."""
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    return main_file is None or os.path.exists(main_file)


def _same_file(path: str, other) -> bool:
    try:
        return os.path.samefile(path, other)
    except OSError:
        return False


def _file_size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0  # open_source reports the problem clearly


def _import_in_parallel(store: Store, path: str, format: str | None,
                        progress: ImportProgress | None, source_name: str) -> ImportSummary:
    # spawn, not fork: the TUI has threads, and a forked copy of a held lock deadlocks.
    context = multiprocessing.get_context("spawn")
    batches = context.Queue(maxsize=QUEUE_BATCHES)
    producer = context.Process(
        target=_produce, args=(path, format, batches, os.getpid()), daemon=True
    )
    producer.start()
    state = {"format": "", "fraction": 0.0}
    try:
        items = _consume(batches, producer, state)

        def report(summary: ImportSummary) -> None:
            if progress is not None:
                progress(summary, state["fraction"])

        summary = store.import_records(items, source_name, progress=report)
    finally:
        if producer.is_alive():
            producer.terminate()
        producer.join()
    summary.format = state["format"]
    return summary


def _consume(batches, producer, state: dict) -> Iterator[PreparedRecord | Problem]:
    while True:
        try:
            kind, payload, fraction = batches.get(timeout=1.0)
        except queue.Empty:
            if not producer.is_alive():
                raise UnusableInput("the import's reader process stopped unexpectedly") from None
            continue
        if kind == _ERROR:
            raise UnusableInput(payload)
        if kind == _END:
            state["format"] = payload
            return
        state["fraction"] = fraction
        yield from payload


def _produce(path: str, format: str | None, batches, parent_pid: int) -> None:
    """Child process: parse the file and prepare its records, in batches."""

    def put(message) -> None:
        while True:
            try:
                batches.put(message, timeout=1.0)
                return
            except queue.Full:
                if os.getppid() != parent_pid:  # the importer died: stop, don't linger
                    raise SystemExit(1) from None

    try:
        with open_source(path) as source:
            used_format, items = iter_parse(source.lines, format)
            batch: list[PreparedRecord | Problem] = []
            for item in items:
                batch.append(prepare(item) if isinstance(item, PaperRecord) else item)
                if len(batch) >= BATCH_SIZE:
                    put(("batch", batch, source.fraction_read()))
                    batch = []
            put(("batch", batch, 1.0))
            put((_END, used_format, 1.0))
    except UnusableInput as error:
        put((_ERROR, str(error), 0.0))
