"""Helpers of a large import's reader process: content hashes and headlines on every core.

Deriving a headline can cost more than parsing the record, so the reader process
(readq.parse_worker) does not prepare every batch itself: it parses the file and
deals its batches out in turn to itself and to helper processes (`python -P -m
readq.prepare_pool READER_PID PATH`), one per further core, which prepare each record
(import_engine.prepare: content hash, headline) and send the batch back. A thread of
the reader writes the prepared batches to the importer, unchanged, in the order they
were dealt. The importer still sees one child process and one stream of records in
file order; the one who parses also prepares its share, so a helper's memory is only
spent where there is a core to use it.

A helper never outlives the reader: PR_SET_PDEATHSIG (Linux) kills it with the reader;
EOF on its stdin (the reader closed its end: done, or dead) ends it; so does EPIPE.
A helper that dies makes the reader exit with a line saying so, which the importer
reports as one clear error.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable

from readq import parse_worker
from readq.import_engine import prepare
from readq.models import PaperRecord

MAX_HELPERS = 3  # each is an interpreter with the headline model and its caches: memory bounds it
QUEUED_FRAMES = 16  # frames dealt but not yet written to the importer, at most


def helper_count() -> int:
    """Helpers for one import: one per core besides the reader's own."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(0, min(MAX_HELPERS, cores - 1))


class PreparePool:
    """The reader's side. `submit(batch, fraction)` deals a batch of records to the
    next in turn: a helper, or the reader itself (which prepares it at once);
    `finish()` waits until every prepared batch is written, in order."""

    def __init__(self, count: int, path: str, write: Callable[[bytes], None]):
        self._helpers = [
            subprocess.Popen(
                [sys.executable, "-P", "-m", "readq.prepare_pool", str(os.getpid()), path],
                # stderr: the reader's own (the importer's temporary file), so a
                # helper's traceback is where the importer looks.
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True,
            )
            for _ in range(count)
        ]
        # Helpers and frames prepared here, in file order; bounded, so the reader
        # waits rather than piling up frames when the importer is slow.
        self._order: queue.Queue = queue.Queue(maxsize=QUEUED_FRAMES)
        self._turn = 0
        self._relay = threading.Thread(target=self._forward, args=(write,), name="relay", daemon=True)
        self._relay.start()

    def submit(self, batch: list, fraction: float | None) -> None:
        turn, self._turn = self._turn, (self._turn + 1) % (len(self._helpers) + 1)
        if turn == len(self._helpers):  # the reader's own turn
            prepared = [prepare(i) if isinstance(i, PaperRecord) else i for i in batch]
            self._order.put(parse_worker.encode(parse_worker.BATCH, prepared, fraction))
            return
        helper = self._helpers[turn]
        self._order.put(helper)  # before writing: the relay may wait for its answer at once
        try:
            helper.stdin.write(parse_worker.encode(parse_worker.BATCH, batch, fraction))
            helper.stdin.flush()
        except BrokenPipeError:
            _fail(helper)

    def put_ready(self, frame: bytes) -> None:
        """A frame prepared already (quick headlines): written in its turn, in file order."""
        self._order.put(frame)

    def finish(self) -> None:
        self._order.put(None)
        self._relay.join()
        for helper in self._helpers:
            helper.stdin.close()  # EOF: the helper is done
        for helper in self._helpers:
            helper.wait()
            helper.stdout.close()

    def _forward(self, write: Callable[[bytes], None]) -> None:
        while (entry := self._order.get()) is not None:
            if isinstance(entry, bytes):
                write(entry)
                continue
            frame = parse_worker.read_frame_bytes(entry.stdout)
            if frame is None:
                _fail(entry)
            write(frame)


_FAILING = threading.Lock()


def _fail(helper: subprocess.Popen) -> None:
    """A helper died: nothing after its batch can be sent in order. The reader
    exits (its helpers die with it) and says why on stderr, for the importer.
    The writer and the relay thread can both notice: the first one reports,
    the other waits here for the exit (one clear line, not two)."""
    _FAILING.acquire()
    try:
        status = helper.wait(timeout=5)
        how = f"killed by {signal.Signals(-status).name}" if status < 0 else f"exit status {status}"
    except (subprocess.TimeoutExpired, ValueError):
        how = "it closed its output"
    print(f"readq: a headline helper process stopped ({how})", file=sys.stderr, flush=True)
    os._exit(1)


# ----- the helper process ---------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    reader_pid = int((argv if argv is not None else sys.argv[1:])[0])
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the importer decides, as for the reader
    parse_worker.die_with_parent(reader_pid, watch_stdin=False)  # stdin is the data here
    write = parse_worker.frame_writer()
    stdin = sys.stdin.buffer
    while (frame := parse_worker.read_frame(stdin)) is not None:
        kind, items, fraction = frame
        write(parse_worker.encode(
            kind, [prepare(i) if isinstance(i, PaperRecord) else i for i in items], fraction))
    os._exit(0)  # EOF: the reader is done with this helper (or gone)


if __name__ == "__main__":
    try:
        main()
    except BaseException:
        import traceback

        traceback.print_exc()
        sys.stderr.flush()
        os._exit(1)
