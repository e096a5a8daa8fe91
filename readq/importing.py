"""Glue between the pure importers and the store: one file, all or nothing (readq/import_engine.py).

Large files are parsed in a second process (readq.parse_worker), which also
prepares the records (content hash, headline: most of an import's CPU time),
sharing that work with a helper process per further core (readq.prepare_pool),
while this process only writes to SQLite: on two cores the parts overlap. The
pipes between them are the bound, so a file of any size is imported in constant
memory. The worker and its helpers die with this process, however it ends.

Headlines: the first INLINE_HEADLINES title-less records of a file get the
learned headline during the import; the rest a quick one (import_engine.
quick_headline), queued for readq.headline_backfill, which derives the learned
ones in the background after the import is published.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator

from readq import parse_worker
from readq.errors import UnusableInput
from readq.importers import iter_parse, open_source
from readq.models import ImportSummary, PaperRecord, Problem
from readq.store import PreparedRecord, Store, prepare

# Called with the running summary and the share of the file read so far (0..1,
# or None for stdin). An exception raised by it cancels the import.
ImportProgress = Callable[[ImportSummary, float | None], None]

PARALLEL_FROM_BYTES = 2_000_000  # below this, starting a process costs more than it saves
PIPE_READ_BUFFER = 1 << 16
# Learned headlines derived inline per file (everyday imports get nothing else);
# past these, quick ones, replaced in the background. READQ_INLINE_HEADLINES
# overrides it (tests use a small number).
INLINE_HEADLINES = 2000
ALL = None  # inline_headlines=ALL: every headline learned inline (`readq import --headlines-now`)


def inline_headlines_default() -> int:
    value = os.environ.get("READQ_INLINE_HEADLINES", "")
    return int(value) if value.isdigit() else INLINE_HEADLINES


_DEFAULT = -1


def import_file(
    store: Store, path: str, format: str | None = None, progress: ImportProgress | None = None,
    source_name: str | None = None, inline_headlines: int | None = _DEFAULT,
) -> ImportSummary:
    """Import one file (or `-` for stdin). Raises UnusableInput for files that
    cannot be read as text; records with problems are counted, not raised.
    `source_name` is what papers record as their source (default: the path).
    `inline_headlines`: how many title-less records get the learned headline now
    (default INLINE_HEADLINES; ALL: every one); the rest are queued for
    readq.headline_backfill (start it with headline_backfill.ensure_backfill)."""
    source_name = source_name or ("<stdin>" if path == "-" else path)
    if inline_headlines == _DEFAULT:
        inline_headlines = inline_headlines_default()
    if store.path is None:
        inline_headlines = ALL  # an in-memory store has no background process
    if path != "-" and store.path is not None and _same_file(path, store.path):
        # Reading the database file would also drop this process's SQLite locks on it.
        raise UnusableInput(f"{source_name}: that is the readq database itself")
    if path != "-" and _file_size(path) >= PARALLEL_FROM_BYTES and _can_spawn():
        summary = _import_in_parallel(store, path, format, progress, source_name, inline_headlines)
    else:
        with open_source(path) as source:
            used_format, items = iter_parse(source.lines, format)
            if inline_headlines is not ALL:
                items = _prepared(items, inline_headlines)

            def report(summary: ImportSummary) -> None:
                if progress is not None:
                    progress(summary, source.fraction_read())

            summary = store.import_records(items, source_name, progress=report)
        summary.format = used_format
    if summary.seen == 0 and not summary.problems:
        raise UnusableInput(f"{source_name}: no abstracts found (the file is empty)")
    return summary


def _prepared(items, inline: int):
    """The records prepared here (on the import's read-ahead thread): learned
    headlines for the first `inline` title-less ones, quick ones after."""
    for item in items:
        if isinstance(item, PaperRecord):
            learned = bool(item.title) or inline > 0
            inline -= not item.title
            item = prepare(item, learned=learned)
        yield item


def _can_spawn() -> bool:
    """The reader process is `sys.executable -P -m readq.parse_worker`: it needs a
    Python interpreter (a frozen app has none) but no main file, so `python -` works."""
    return bool(sys.executable) and not getattr(sys, "frozen", False)


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


def _import_in_parallel(store: Store, path: str, format: str | None, progress: ImportProgress | None,
                        source_name: str, inline_headlines: int | None) -> ImportSummary:
    state = {"format": "", "fraction": 0.0}
    items = _consume(path, format, source_name, state, inline_headlines)

    def report(summary: ImportSummary) -> None:
        if progress is not None:
            progress(summary, state["fraction"])

    try:
        summary = store.import_records(items, source_name, progress=report)
    finally:
        items.close()  # cancelled or failed: the reader process is killed and reaped now
    summary.format = state["format"]
    return summary


def _consume(path: str, format: str | None, source_name: str, state: dict,
             inline_headlines: int | None = ALL) -> Iterator[PreparedRecord | Problem]:
    """Run the reader process on `path` and yield its records and problems in file
    order; `state` gets the share read and, at the end, the format. Closing this
    generator (a cancelled import) kills the process and reaps it."""
    # Started here, on the thread that reads every frame and then reaps the process,
    # not earlier on another one: the worker's PR_SET_PDEATHSIG fires when the
    # *thread* that started it exits. This thread (the CLI's main thread, the TUI's
    # import thread) runs or closes this generator before it ends, so it outlives
    # the worker.
    errors = _error_file()
    try:
        worker = subprocess.Popen(
            [sys.executable, "-P", "-m", "readq.parse_worker", path, format or "",
             str(os.getpid()), "" if inline_headlines is ALL else str(inline_headlines)],
            # Explicit descriptors only: under Textual, sys.stderr is no real file.
            # The worker's stdin is a pipe it watches for EOF, never written to.
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=errors if errors is not None else subprocess.DEVNULL,
            close_fds=True, env=_worker_env(), bufsize=PIPE_READ_BUFFER,
        )
    except BaseException:
        if errors is not None:
            errors.close()
        raise
    try:
        while True:
            # Blocks while the worker parses; its death, however it happens, gives EOF.
            frame = parse_worker.read_frame(worker.stdout)
            if frame is None:
                raise UnusableInput(f"{source_name}: the import's reader process stopped "
                                    f"unexpectedly ({_death_note(worker, errors)})")
            kind, payload, fraction = frame
            if kind == parse_worker.ERROR:
                raise UnusableInput(payload)
            if kind == parse_worker.END:
                state["format"] = payload
                return
            state["fraction"] = fraction
            yield from payload
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.wait()
        worker.stdin.close()
        worker.stdout.close()
        if errors is not None:
            errors.close()


def _worker_env() -> dict[str, str]:
    """This process's environment, with this readq package first on the path
    (`-P` keeps the current directory off it)."""
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(parse_worker.__file__)))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    return env


def _error_file():
    """Where the worker's stderr goes: a temporary file (read only if the worker
    dies), or nowhere if none can be made. A pipe could fill up and block it."""
    try:
        return tempfile.TemporaryFile()
    except OSError:
        return None


def _death_note(worker: subprocess.Popen, errors) -> str:
    """How the worker ended, for one line: its exit status or signal, and the last
    line it wrote to stderr (a traceback's last line names the exception)."""
    try:
        status = worker.wait(timeout=5)
    except subprocess.TimeoutExpired:  # it closed stdout and lives on: not readq's worker
        worker.kill()
        status = worker.wait()
    if status < 0:
        try:
            note = f"killed by {signal.Signals(-status).name}"
        except ValueError:
            note = f"killed by signal {-status}"
    else:
        note = f"exit status {status}"
    if errors is not None:
        errors.seek(0, os.SEEK_END)
        errors.seek(max(0, errors.tell() - 4096))
        lines = errors.read().decode("utf-8", "replace").splitlines()
        last = next((line.strip() for line in reversed(lines) if line.strip()), "")
        if last:
            note += f": {last[:200]}"
    return note
