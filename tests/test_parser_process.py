"""The reader process of large imports: works under Textual, dies with its importer.

These tests look at processes through /proc, so they run on Linux only.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

import readq
import readq.importing as importing
from readq.errors import UnusableInput
from readq.importers import iter_parse, open_source
from readq.importing import import_file
from readq.models import PaperRecord, Problem
from readq.store import Store, prepare

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")

WORKER_MODULE = "readq.parse_worker"
GONE_WITHIN = 2.0  # seconds a reader process may take to die with its importer
WORDS = "graph neural attention diffusion segmentation retrieval language vision robust sparse".split()
READQ_ROOT = str(Path(readq.__file__).resolve().parent.parent)  # the readq under test


# ----- files ---------------------------------------------------------------------

def abstract(number: int) -> str:
    words = " ".join(WORDS[(number * 7 + k) % len(WORDS)] for k in range(40))
    return f"Paper {number} studies {words}."


def plain_file(path: Path, size: int, first: int = 0) -> Path:
    """One abstract a line, `size` bytes or a little more, numbered from `first`."""
    lines, total, number = [], 0, first
    while total < size:
        line = abstract(number) + "\n"
        lines.append(line)
        total += len(line)
        number += 1
    path.write_text("".join(lines), encoding="utf-8")
    return path


def silent_file(path: Path, size: int) -> Path:
    """Blank lines, then one abstract: the reader works for seconds without writing a frame."""
    path.write_bytes(b"\n" * size + abstract(0).encode() + b"\n")
    return path


def partly_bad_listing(path: Path, count: int) -> Path:
    """arXiv listing blocks with rejections (bad ids, bad UTF-8), warnings (control
    characters) and every field the format has, so every kind of item crosses the pipe."""
    blocks = []
    for number in range(count):
        text = abstract(number).encode()
        if number % 97 == 3:
            text += b" \x07bell"  # warning: control characters removed
        if number % 89 == 5:
            text = b"bad \xff\xfe bytes " + text  # rejected: not valid UTF-8
        arxiv_id = b"not-an-id" if number % 83 == 7 else f"2401.{number:05d}".encode()
        comment = f"{number % 20 + 3} pages".encode() if number % 2 else b""
        blocks.append(text + b"\n" + (comment + b"\n" if comment else b"")
                      + b"arXiv:" + arxiv_id + b"\nCreated: 2024-01-02 Updated: 2024-02-03\n")
    path.write_bytes(b"\n".join(blocks))
    return path


# ----- processes -----------------------------------------------------------------

@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    start: int  # clock ticks after boot: tells a reused pid apart
    state: str
    threads: int
    cmdline: str


def _proc(pid: int) -> Proc | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()  # after the command name, which may hold spaces
    return Proc(pid, int(fields[1]), int(fields[19]), fields[0], int(fields[17]),
                cmdline.decode("utf-8", "replace"))


def processes() -> list[Proc]:
    found = (_proc(int(name)) for name in os.listdir("/proc") if name.isdigit())
    return [proc for proc in found if proc is not None]


def running(proc: Proc) -> bool:
    """Still the same process and not dead (a zombie is dead, only not yet reaped)."""
    now = _proc(proc.pid)
    return now is not None and now.start == proc.start and now.state not in "ZXx"


def children(pid: int) -> list[Proc]:
    return [proc for proc in processes() if proc.ppid == pid]


def workers_for(path: Path) -> list[Proc]:
    """Reader processes working on `path` (each test's file name is unique)."""
    return [proc for proc in processes()
            if WORKER_MODULE in proc.cmdline and str(path) in proc.cmdline]


def wait_until(condition, timeout: float):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.02)


def kill_if_running(procs) -> None:
    for proc in procs:
        if running(proc):
            os.kill(proc.pid, signal.SIGKILL)


@pytest.fixture
def unique(tmp_path: Path):
    """A directory whose path no other test's reader process has in its command line;
    removed afterwards (some files here are large)."""
    path = tmp_path / uuid.uuid4().hex
    path.mkdir()
    yield path
    shutil.rmtree(path)


# ----- under Textual -------------------------------------------------------------

# Run in a fresh interpreter: multiprocessing (what readq used before) fails under
# Textual only when it starts its resource tracker, once per process, so a test in
# pytest's own process would pass or fail depending on the tests before it.
TEXTUAL_LIKE_IMPORT = """
import io, json, os, sys
from readq.errors import UnusableInput
from readq.importing import import_file
from readq.store import Store

class CapturedStream(io.TextIOBase):
    # Like textual.app._PrintCapture: text goes somewhere, but there is no real file.
    def write(self, text):
        return len(text)
    def flush(self):
        pass
    def fileno(self):
        if sys.argv[1] == "raises":
            raise io.UnsupportedOperation("fileno")
        return -1  # what Textual's capture returns

db, small, big = sys.argv[2:]
real_stdout = sys.stdout
sys.stdout, sys.stderr = CapturedStream(), CapturedStream()
with Store.open(db) as store:
    import_file(store, small)  # opens SQLite's side files, which then stay open
    before = sorted(os.listdir("/proc/self/fd"))
    try:
        outcome = import_file(store, big).imported
    except UnusableInput as error:
        outcome = str(error)
    after = sorted(os.listdir("/proc/self/fd"))
    children = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = open(f"/proc/{pid}/stat").read()
        except OSError:  # gone meanwhile
            continue
        if stat.rsplit(")", 1)[1].split()[1] == str(os.getpid()):
            children.append(pid)
print(json.dumps({"outcome": outcome, "fds": [before, after], "children": children}),
      file=real_stdout)
"""


def import_with_textual_like_streams(unique: Path, fileno: str, big: Path) -> dict:
    small = plain_file(unique / "small.txt", 2_000, first=10**6)
    done = subprocess.run(
        [sys.executable, "-c", TEXTUAL_LIKE_IMPORT, fileno, str(unique / "readq.db"), str(small),
         str(big)],
        capture_output=True, text=True, timeout=120, env=dict(os.environ, PYTHONPATH=READQ_ROOT),
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("fileno", ["-1", "raises"])
def test_big_import_works_with_textual_like_streams(unique: Path, fileno: str):
    big = plain_file(unique / "big.txt", 3_000_000)
    result = import_with_textual_like_streams(unique, fileno, big)
    assert result["outcome"] == len(big.read_text().splitlines())
    before, after = result["fds"]
    assert after == before
    assert result["children"] == []


@pytest.mark.parametrize("fileno", ["-1", "raises"])
def test_unusable_big_file_under_textual_is_the_inline_message(unique: Path, fileno: str):
    packed = unique / "big.png"
    packed.write_bytes(b"\x89PNG\r\n\x1a\n" + b"x" * 3_000_000)
    result = import_with_textual_like_streams(unique, fileno, packed)
    assert result["outcome"] == f"{packed}: not a text file (looks like a PNG image)"
    assert result["children"] == []


# ----- dying with the importer ---------------------------------------------------

@pytest.mark.parametrize("case", ["busy", "silent", "frozen"])
def test_kill_9_of_readq_import_leaves_no_reader_process(unique: Path, case: str):
    """busy: the reader is writing records (EPIPE, stdin EOF or PDEATHSIG end it);
    silent: it reads a long stretch with nothing to send (stdin EOF or PDEATHSIG);
    frozen: it is stopped, as if stuck in C code (only PDEATHSIG ends it)."""
    if case == "silent":
        path = silent_file(unique / "silent.txt", 100_000_000)
    else:
        path = plain_file(unique / "big.txt", 12_000_000)
    env = dict(os.environ, PYTHONPATH=READQ_ROOT)
    importer = subprocess.Popen(
        [sys.executable, "-m", "readq", "--db", str(unique / "readq.db"), "import", str(path)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )
    seen: list[Proc] = []
    try:
        assert wait_until(lambda: children(importer.pid), 20), "no reader process started"
        # Ready: it runs its second thread, which it starts after asking for PDEATHSIG.
        wait_until(lambda: any(p.threads >= 2 for p in children(importer.pid)), 2)
        time.sleep(0.3)
        seen = children(importer.pid) + workers_for(path)
        assert importer.poll() is None, "the import ended before it could be killed"
        if case == "frozen":
            for proc in seen:
                os.kill(proc.pid, signal.SIGSTOP)
        os.kill(importer.pid, signal.SIGKILL)
        importer.wait()
        left = wait_until(lambda: not ([p for p in seen if running(p)] + workers_for(path)),
                          GONE_WITHIN)
        assert left, f"still running: {[p for p in seen if running(p)] + workers_for(path)}"
    finally:
        if importer.poll() is None:
            importer.kill()
            importer.wait()
        kill_if_running(seen + workers_for(path))


def _start_worker(path: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-P", "-m", WORKER_MODULE, str(path), "", str(os.getpid())],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        env=dict(os.environ, PYTHONPATH=READQ_ROOT),
    )


def _wait_ready(worker: subprocess.Popen) -> None:
    assert wait_until(lambda: (p := _proc(worker.pid)) is not None and p.threads >= 2, 10)


def test_reader_exits_when_its_stdin_closes(unique: Path):
    """The importer alive, the reader silent: only the stdin watcher can end it."""
    from readq.parse_worker import EXIT_ORPHANED

    worker = _start_worker(silent_file(unique / "silent.txt", 60_000_000))
    try:
        _wait_ready(worker)
        worker.stdin.close()
        assert worker.wait(timeout=GONE_WITHIN) == EXIT_ORPHANED
    finally:
        worker.kill()
        worker.wait()
        worker.stdout.close()


def test_reader_exits_when_nobody_reads_its_records(unique: Path):
    """EPIPE: the importer closed its end of the pipe (its stdin stays open)."""
    from readq import parse_worker

    worker = _start_worker(plain_file(unique / "big.txt", 12_000_000))
    try:
        _wait_ready(worker)
        assert parse_worker.read_frame(worker.stdout)[0] == parse_worker.BATCH
        worker.stdout.close()
        # Not 0: it stopped at the closed pipe, it did not parse on to the end.
        assert worker.wait(timeout=GONE_WITHIN) == parse_worker.EXIT_ORPHANED
    finally:
        worker.kill()
        worker.wait()
        worker.stdin.close()


# ----- cancelling ----------------------------------------------------------------

def test_closing_the_consumer_kills_and_reaps_the_reader(unique: Path):
    big = plain_file(unique / "big.txt", 3_000_000)
    state = {"format": "", "fraction": 0.0}
    items = importing._consume(str(big), None, "big.txt", state)
    assert isinstance(next(items), importing.PreparedRecord)
    [worker] = workers_for(big)
    assert worker.ppid == os.getpid()
    items.close()
    assert _proc(worker.pid) is None  # gone, and reaped: not even a zombie


def test_cancelled_import_leaves_no_process(unique: Path):
    big = plain_file(unique / "big.txt", 3_000_000)
    before = {(p.pid, p.start) for p in children(os.getpid())}

    def cancel(summary, fraction):
        if summary.seen >= 2000:
            raise KeyboardInterrupt

    with Store.open(unique / "readq.db") as store:
        with pytest.raises(KeyboardInterrupt):
            import_file(store, str(big), progress=cancel)
        assert store.count() == 0
    time.sleep(0.3)  # time enough for a worker left to die alone to show up as a zombie
    assert {(p.pid, p.start) for p in children(os.getpid())} <= before
    assert workers_for(big) == []


# ----- no hang, one clear line ---------------------------------------------------

def test_reader_that_hangs_then_dies_is_one_clear_error(unique: Path):
    big = plain_file(unique / "big.txt", 12_000_000)
    outcome: dict = {}

    def run() -> None:
        with Store.open(unique / "readq.db") as store:
            try:
                import_file(store, str(big))
            except UnusableInput as error:
                outcome["error"] = str(error)
            outcome["count"] = store.count()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        [worker] = wait_until(lambda: workers_for(big), 10)
        os.kill(worker.pid, signal.SIGSTOP)  # hangs: the importer waits, it does not spin
        time.sleep(0.5)
        assert thread.is_alive()
        os.kill(worker.pid, signal.SIGKILL)
        thread.join(timeout=10)
        assert not thread.is_alive(), "the importer hangs after its reader died"
    finally:
        kill_if_running(workers_for(big))
        thread.join(timeout=10)
    assert outcome == {
        "error": f"{big}: the import's reader process stopped unexpectedly (killed by SIGKILL)",
        "count": 0,
    }


# ----- same results as parsing inline --------------------------------------------

def _inline_items(path: Path):
    with open_source(str(path)) as source:
        _, items = iter_parse(source.lines, None)
        return [prepare(i) if isinstance(i, PaperRecord) else i for i in items]


def test_reader_items_match_inline_items_in_file_order(unique: Path):
    path = partly_bad_listing(unique / "listing.txt", 3000)
    state = {"format": "", "fraction": 0.0}
    from_child = list(importing._consume(str(path), None, "listing.txt", state))
    inline = _inline_items(path)
    assert from_child == inline
    assert state == {"format": "arxiv", "fraction": 1.0}
    lines = [item.line if isinstance(item, Problem) else item.record.line for item in inline]
    assert lines == sorted(lines) and len(lines) > 3000


def test_import_through_reader_matches_inline_import(unique: Path, monkeypatch):
    path = partly_bad_listing(unique / "listing.txt", 3000)
    monkeypatch.setattr(importing, "PARALLEL_FROM_BYTES", 1000)
    fractions = []
    with Store.open(unique / "child.db") as store:
        child = import_file(store, str(path), progress=lambda s, f: fractions.append(f))
        child_papers = [(p.abstract, p.arxiv_id, p.comments, p.created) for p in store.iter_papers()]
    monkeypatch.setattr(importing, "PARALLEL_FROM_BYTES", 10**12)
    with Store.open(unique / "inline.db") as store:
        inline = import_file(store, str(path))
        inline_papers = [(p.abstract, p.arxiv_id, p.comments, p.created) for p in store.iter_papers()]
    assert child.problems == inline.problems
    assert (child.imported, child.rejected, child.format) == (inline.imported, inline.rejected, "arxiv")
    assert child_papers == inline_papers
    assert fractions[-1] == 1.0 and fractions == sorted(fractions)


def _utf16_broken_late(path: Path) -> Path:
    text = "".join(abstract(n) + "\n" for n in range(4_000)).encode("utf-16-le")
    path.write_bytes(b"\xff\xfe" + text + b"\x00\xd8a\x00\n\x00")  # a lone surrogate, last line
    return path


@pytest.mark.parametrize("kind", ["png", "nul bytes", "utf-16 broken late", "unknown format",
                                  "permission"])
def test_unusable_file_is_the_inline_message(unique: Path, monkeypatch, kind: str):
    path = unique / "big.dat"
    format = None
    if kind == "png":
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"x" * 3_000_000)
    elif kind == "nul bytes":
        path.write_bytes(b"\x00" * 3_000_000)
    elif kind == "utf-16 broken late":
        _utf16_broken_late(path)
    elif kind == "unknown format":
        plain_file(path, 3_000_000)
        format = "nonsense"
    else:
        if os.geteuid() == 0:
            pytest.skip("root reads any file")
        plain_file(path, 3_000_000).chmod(0)
    assert path.stat().st_size >= importing.PARALLEL_FROM_BYTES
    with Store.open(unique / "readq.db") as store:
        with pytest.raises(UnusableInput) as in_child:
            import_file(store, str(path), format)
        monkeypatch.setattr(importing, "PARALLEL_FROM_BYTES", 10**12)
        with pytest.raises(UnusableInput) as inline:
            import_file(store, str(path), format)
        assert store.count() == 0
    assert str(in_child.value) == str(inline.value)
    assert "\n" not in str(in_child.value)
    assert workers_for(path) == []


def test_big_import_from_python_stdin_script(unique: Path):
    """`python -` has no main file to re-import: the reader process does not need one."""
    big = plain_file(unique / "big.txt", 3_000_000)
    script = (
        "import readq.importing as i\n"
        "from readq.store import Store\n"
        f"with Store.open({str(unique / 'readq.db')!r}) as s:\n"
        f"    print(i.import_file(s, {str(big)!r}).imported, i._can_spawn())\n"
    )
    done = subprocess.run([sys.executable, "-"], input=script, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=READQ_ROOT), timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[1] == "True"
