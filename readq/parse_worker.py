"""The reader process of a large import: parse one file, prepare its records, stream them.

Preparing (content hash, headline) costs more than parsing, so the batches are
prepared in turn here and by helper processes, one per further core
(readq.prepare_pool); the stream stays in file order.

`readq.importing` starts it as `python -P -m readq.parse_worker PATH FORMAT PARENT_PID
INLINE` (FORMAT empty: detect it; INLINE: how many learned headlines, empty: all)
with three explicit descriptors: stdin and stdout are pipes to the importer, stderr
a temporary file the importer reads if this process dies. Nothing is inherited from
the importer's `sys.stderr`, which under Textual is not a real file.

The records go to stdout as frames: an 8-byte little-endian length, then
`marshal.dumps((kind, payload, fraction))`. marshal is fast, and cannot run code
when read, unlike pickle. The pipe is the bound on memory: when the importer stops
reading, `write` blocks.

This process never outlives the importer, and stops at the first of:
* the importer's death: `PR_SET_PDEATHSIG` (Linux) sends SIGKILL;
* EOF on stdin (the importer died, or closed the pipe to cancel): a thread that
  blocks reading stdin calls `os._exit` (every platform);
* EPIPE when writing a frame (the importer closed its end).
"""

from __future__ import annotations

import dataclasses
import marshal
import os
import signal
import struct
import sys
import threading
import traceback
from typing import BinaryIO

from readq.errors import UnusableInput
from readq.importers import iter_parse, open_source
from readq.models import PaperRecord, Problem
from readq.import_engine import PreparedRecord, prepare

BATCH_SIZE = 250
HELPED_FROM = 5000  # learned headlines in the import: from this many on, helper processes share them
BATCH, END, ERROR = "batch", "end", "error"
EXIT_ORPHANED = 3  # the importer went away; nobody reads this status, but ps and tests may

_HEADER = struct.Struct("<Q")
_RECORD_FIELDS = tuple(field.name for field in dataclasses.fields(PaperRecord))
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>

Item = PreparedRecord | PaperRecord | Problem  # a record not prepared yet goes to a helper


# ----- the frame format (both sides) -------------------------------------------

def encode(kind: str, payload, fraction: float | None) -> bytes:
    """One frame. A batch's payload is a list of items, as plain tuples."""
    if kind == BATCH:
        payload = [_item_tuple(item) for item in payload]
    body = marshal.dumps((kind, payload, fraction))
    return _HEADER.pack(len(body)) + body


def read_frame(stream: BinaryIO) -> tuple[str, object, float | None] | None:
    """The next frame from `stream`, or None at EOF (also EOF inside a frame:
    the writer died)."""
    frame = read_frame_bytes(stream)
    if frame is None:
        return None
    kind, payload, fraction = marshal.loads(memoryview(frame)[_HEADER.size:])
    if kind == BATCH:
        payload = [_item(values) for values in payload]
    return kind, payload, fraction


def read_frame_bytes(stream: BinaryIO) -> bytes | None:
    """The next frame, undecoded (header included), or None at EOF."""
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(header)
    body = stream.read(size)
    if len(body) < size:
        return None
    return header + body


def _item_tuple(item: Item) -> tuple:
    if isinstance(item, Problem):
        return (None, item.line, item.reason, item.rejected)
    if isinstance(item, PaperRecord):  # digest "": not prepared yet
        return ("", None, None, False, *(getattr(item, name) for name in _RECORD_FIELDS))
    record = item.record
    return (item.digest, item.headline, item.headline_problem, item.quick,
            *(getattr(record, name) for name in _RECORD_FIELDS))


def _item(values: tuple) -> Item:
    if values[0] is None:
        return Problem(*values[1:])
    record = PaperRecord(*values[4:])
    return PreparedRecord(record, values[0], values[1], values[2], values[3]) if values[0] else record


class LearnedBudget:
    """Which title-less records get the learned headline in the import: the first
    `inline` of the file (None: all); the rest get a quick one, queued for the
    background backfill (readq/headline_backfill.py)."""

    def __init__(self, inline: int | None):
        self.left = inline

    def quick_from_here(self, batch: list) -> bool:
        """Count the batch's title-less records against the budget; True once it is
        spent: every record of the batch is then prepared at once, quick headlines."""
        if self.left is None:
            return False
        if self.left <= 0:
            return True
        for index, item in enumerate(batch):
            if isinstance(item, PaperRecord) and not item.title:
                if self.left <= 0:  # past the budget inside this batch
                    batch[index] = prepare(item, learned=False)
                else:
                    self.left -= 1
        return False


# ----- the process --------------------------------------------------------------

def produce(path: str, format: str | None, write, helpers: int = 0, inline_headlines: int | None = None) -> None:
    """Parse `path` and hand `write` every frame: batches of prepared records (here,
    and by `helpers` helper processes in turn), then END or ERROR. Past the first
    `inline_headlines` title-less records (None: never), records get quick
    headlines, prepared here: they need no helper."""
    from readq.prepare_pool import PreparePool  # it imports this module

    pool: PreparePool | None = None
    budget = LearnedBudget(inline_headlines)

    def send(batch: list[Item], fraction: float | None) -> None:
        nonlocal pool
        if budget.quick_from_here(batch):
            prepared = [prepare(i, learned=False) if isinstance(i, PaperRecord) else i for i in batch]
            frame = encode(BATCH, prepared, fraction)
            if pool is None:
                write(frame)
            else:
                pool.put_ready(frame)
            return
        if not helpers:
            write(encode(BATCH, [prepare(i) if isinstance(i, PaperRecord) else i for i in batch], fraction))
            return
        if pool is None:  # started at the first batch: an unusable file costs no process
            pool = PreparePool(helpers, path, write)
        pool.submit(batch, fraction)

    try:
        try:
            with open_source(path) as source:
                used_format, items = iter_parse(source.lines, format)
                batch: list[Item] = []
                for item in items:
                    batch.append(item)
                    if len(batch) >= BATCH_SIZE:
                        send(batch, source.fraction_read())
                        batch = []
                send(batch, 1.0)
        finally:
            if pool is not None:
                pool.finish()  # every batch dealt out so far is written, in order
        write(encode(END, used_format, 1.0))
    except UnusableInput as error:
        write(encode(ERROR, str(error), None))


def die_with_parent(parent_pid: int, watch_stdin: bool = True) -> None:
    # PDEATHSIG fires when the *thread* that started this process exits, not the
    # whole importer. readq starts it from the thread that then reads every frame
    # and reaps it, so that thread outlives this process (see readq.importing).
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # no prctl: the stdin watcher below still ends this process
    if os.getppid() != parent_pid:  # the importer died before prctl took effect
        os._exit(EXIT_ORPHANED)
    if watch_stdin:
        threading.Thread(target=_exit_at_stdin_eof, name="stdin-watch", daemon=True).start()


def _exit_at_stdin_eof() -> None:
    # os.read, not sys.stdin: a daemon thread holding sys.stdin's lock would
    # break interpreter shutdown (which this process skips anyway: os._exit).
    while True:
        try:
            data = os.read(0, 4096)
        except OSError:
            data = b""
        if not data:
            os._exit(EXIT_ORPHANED)


def frame_writer():
    """A function writing whole frames to the pipe that was stdout; fd 1 itself
    now goes to stderr, so a stray print cannot corrupt the stream."""
    out = os.dup(1)
    os.dup2(2, 1)

    def write(frame: bytes) -> None:
        view = memoryview(frame)
        while view:
            try:
                written = os.write(out, view)
            except BrokenPipeError:  # the importer closed its end: nobody wants the rest
                os._exit(EXIT_ORPHANED)
            view = view[written:]

    return write


def main(argv: list[str] | None = None) -> None:
    path, format, parent_pid, *rest = argv if argv is not None else sys.argv[1:]
    inline = rest[0] if rest else ""  # none given: every headline learned, as before
    # Ctrl+C reaches the whole process group: the importer decides, and ends this process.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(int(parent_pid))
    write = frame_writer()
    from readq.prepare_pool import helper_count

    inline_headlines = int(inline) if inline else None
    # A few thousand learned headlines cost this process a fraction of a second;
    # a helper process would cost about 40 MB for them.
    helpers = helper_count() if inline_headlines is None or inline_headlines > HELPED_FROM else 0
    try:
        produce(path, format or None, write, helpers, inline_headlines)
    except BaseException:
        traceback.print_exc()  # to the importer's temporary file; it shows the last line
        sys.stderr.flush()
        os._exit(1)
    os._exit(0)  # no interpreter shutdown: nothing to flush, and the watcher thread is blocked


if __name__ == "__main__":
    main()
