"""Learned headlines in the background, for the papers a large import gave quick ones.

An import derives the learned headline (readq.headline) of the first
importing.INLINE_HEADLINES title-less papers of a file; the rest get a quick one
(import_engine.quick_headline) and a row in `headline_queue`, written with the
paper and visible when the import is published. This module works through that
queue: it derives headlines in rounds outside any transaction, then writes them
in short transactions (WRITE_SECONDS at most, then a pause, so another writer
such as `readq rate` waits a fraction of a second), each replacing a headline
only while the paper still holds the quick headline it was queued with and is
still derived (a real title from a merge, or anything else, is never
clobbered), and dequeuing the same rows in the same transaction. Killed at any
point, it leaves each paper either done and dequeued or untouched and queued:
the next run goes on from there.

One backfill per database at a time: an exclusive flock on `DB-headlines.lock`,
which the kernel drops when its process ends, however it ends.

    python -m readq.headline_backfill DB      # work through the queue, then exit
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from readq.migrations import VISIBLE_BELOW

if TYPE_CHECKING:
    from readq.store import Store

DERIVE_ROWS = 500  # headlines derived per round, outside any transaction
WRITE_SECONDS = 0.1  # a transaction stops taking rows after this long...
WRITE_STEP = 50  # ...checked every this many rows (about 5 ms of FTS updates)
PAUSE_SECONDS = 0.02  # the write lock left free between transactions
NICENESS = 10  # the background process yields the CPU to the TUI and the import

Derive = Callable[[str], str]


def lock_path(db_path: str | Path) -> Path:
    return Path(f"{db_path}-headlines.lock")


def try_lock(db_path: str | Path) -> int | None:
    """A descriptor holding the database's backfill lock, or None when another
    process holds it (or no lock file can be made beside the database)."""
    try:
        fd = os.open(lock_path(db_path), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def wait_lock(db_path: str | Path, waiting: Callable[[], None] | None = None) -> int:
    """The backfill lock, waiting for a running backfill to finish (calling
    `waiting` once first, if it must)."""
    fd = try_lock(db_path)
    if fd is not None:
        return fd
    if waiting is not None:
        waiting()
    fd = os.open(lock_path(db_path), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def queued(conn: sqlite3.Connection) -> int:
    """Headlines waiting for the backfill (of published papers only)."""
    try:
        return conn.execute(f"SELECT count(*) FROM headline_queue WHERE paper_id < {VISIBLE_BELOW}").fetchone()[0]
    except sqlite3.OperationalError:  # a database not migrated yet has no queue
        return 0


# ----- the work ---------------------------------------------------------------------


def run(store: Store, derive: Derive | None = None,
        progress: Callable[[int], None] | None = None) -> int:
    """Work through the queue until it is empty (papers published meanwhile
    included). Returns how many headlines changed. Hold the lock to call it."""
    if derive is None:
        from readq.headline import derive_headline as derive
    changed = 0
    after = 0
    reader = store.connect_reader()
    try:
        while True:
            rows = reader.execute(
                "SELECT q.paper_id, q.quick, p.abstract FROM headline_queue q JOIN papers p ON p.id = q.paper_id"
                f" WHERE q.paper_id > ? AND q.paper_id < {VISIBLE_BELOW} ORDER BY q.paper_id LIMIT ?",
                (after, DERIVE_ROWS),
            ).fetchall()
            if not rows:
                return changed
            changed += write_headlines(store, [(paper_id, quick, _derived(derive, abstract))
                                               for paper_id, quick, abstract in rows])
            after = rows[-1][0]
            if progress is not None:
                progress(changed)
    finally:
        if reader is not store._conn:
            reader.close()


def _derived(derive: Derive, abstract: str) -> str:
    """The learned headline, or "" (keep the quick one) when the model fails on
    this abstract: one odd paper must not stop the queue for good."""
    try:
        return derive(abstract)
    except Exception:  # noqa: BLE001 - the quick headline stays, a whole phrase too
        return ""


def write_headlines(store: Store, changes: Iterable[tuple[int, str, str]]) -> int:
    """Store (paper id, headline it replaces, new headline) triples and dequeue
    those papers, in transactions of WRITE_SECONDS at most. A paper whose
    headline is no longer the one it replaces, or no longer derived, keeps it.
    Returns how many headlines changed."""
    changes = list(changes)
    changed = done = 0
    while done < len(changes):
        if done:
            time.sleep(PAUSE_SECONDS)  # another process waiting for the lock gets it now
        with store._write() as conn:
            deadline = time.monotonic() + WRITE_SECONDS
            while done < len(changes) and time.monotonic() < deadline:
                step = changes[done:done + WRITE_STEP]
                done += len(step)
                for paper_id, old, new in step:
                    if new and new != old:
                        changed += conn.execute(
                            "UPDATE papers SET title = ? WHERE id = ? AND headline_derived = 1 AND title = ?",
                            (new, paper_id, old)).rowcount
                conn.executemany("DELETE FROM headline_queue WHERE paper_id = ?",
                                 [(paper_id,) for paper_id, _, _ in step])
    return changed


# ----- starting it in the background -----------------------------------------------------


def ensure_backfill(db_path: str | Path) -> int:
    """Start a background backfill of `db_path` unless the queue is empty or one
    runs already. Returns the number of headlines waiting (0: nothing to do).
    The process is detached (a session of its own, no terminal, no inherited
    descriptor but the lock) and reaped by a thread of this process if it ends
    first."""
    path = Path(db_path)
    if not path.is_file():
        return 0
    count = _queued_in(path)
    if not count:
        return 0  # the usual answer, at every TUI start: nothing more is imported for it
    from readq.importing import _can_spawn, _worker_env

    if not _can_spawn():
        return 0
    fd = try_lock(path)
    if fd is None:
        return count  # a backfill runs already (it takes newly published papers too)
    try:
        process = subprocess.Popen(
            [sys.executable, "-P", "-m", "readq.headline_backfill", "--lock-fd", str(fd), str(path)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, close_fds=True, pass_fds=(fd,), env=_worker_env(),
        )
    finally:
        os.close(fd)  # the child's copy holds the lock now
    threading.Thread(target=process.wait, name="readq-backfill-reaper", daemon=True).start()
    return count


def _queued_in(path: Path) -> int:
    try:
        conn = sqlite3.connect(path, timeout=5)
        try:
            return queued(conn)
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    fd = None
    if args[:1] == ["--lock-fd"] and len(args) == 3 and args[1].isdigit():
        fd, args = int(args[1]), args[2:]
    if len(args) != 1:
        print("usage: python -m readq.headline_backfill DB", file=sys.stderr)
        return 2
    from readq.errors import ReadqError
    from readq.store import Store

    try:
        os.nice(NICENESS)
    except OSError:
        pass  # not allowed to: run at normal priority
    if fd is None:
        fd = try_lock(args[0])
        if fd is None:
            print(f"readq: a headline backfill of {args[0]} is running already", file=sys.stderr)
            return 0
    changed = 0
    while True:
        try:
            with Store.open(args[0], create=False) as store:
                changed += run(store)
        except ReadqError as error:
            print(f"readq: {error}", file=sys.stderr)
            return 1
        finally:
            os.close(fd)
        # An import published while this run was ending found the lock taken and
        # started nobody: look again now that the lock is free.
        if not _queued_in(Path(args[0])) or (fd := try_lock(args[0])) is None:
            break
    print(f"readq: {changed} learned headlines written", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
