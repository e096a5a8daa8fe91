"""Notes are personal: readq's files are for their owner's eyes only.

Directories readq creates are 0700 and the files it creates are 0600, whatever
the umask: the mode is set with chmod after creation, since a umask can only
take bits away and a permissive one (022, 000) would leave notes readable on a
shared server. SQLite gives the `-wal`, `-shm` and `-journal` files the mode of
the database file, so creating that file 0600 before SQLite opens it covers
them too.

Files and directories that already exist keep their mode (a database may be
shared with a group on purpose), except an empty file readq turns into a
database and a backup it writes over. For the rest readq names the problem and
the fix (`readable_by_others_warning`).

Every file beside the database is named `<db>-…` or `<db>.bak-v…`; new sidecar
files (the drafts journal, `<db>-drafts.json`) are written with `open_private`.
"""

from __future__ import annotations

import os
import shlex
import stat
from pathlib import Path
from typing import IO, Any

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
# Bits that let anyone but the owner read or change a file.
OTHERS_MODE = 0o066
# The files of one database that hold its data (notes included). SQLite
# makes the first three while the database is open, with the database's mode.
TRANSIENT_SIDECARS = ("-wal", "-shm", "-journal")
SIDECAR_PATTERNS = (*TRANSIENT_SIDECARS, "-drafts*", ".bak-v*")

_CAN_CHMOD = os.name == "posix"  # on Windows, modes do not describe who can read a file
_warned: set[Path] = set()


def ensure_private_dir(path: str | os.PathLike) -> Path:
    """Create `path` and any missing parents, each one 0700.

    Only directories created here get that mode; existing ones (the user's
    home, a project folder given with --db) are left as they are.
    """
    path = Path(path)
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:  # another process made it meanwhile: not ours to change
            continue
        if _CAN_CHMOD:
            os.chmod(folder, PRIVATE_DIR_MODE)
    if not path.is_dir():
        raise NotADirectoryError(f"{path}: not a directory")
    return path


def private_file(path: str | os.PathLike, *, tighten: bool = False) -> Path:
    """Make sure `path` exists, creating it empty with mode 0600 if it is missing.

    An existing file keeps its mode unless `tighten` (for a file readq is about
    to fill, such as a migration backup), and a file of another user always
    keeps it. Creating an empty file is how a database gets its mode: SQLite
    takes an empty file as a new database.
    """
    path = Path(path)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        if tighten and _CAN_CHMOD and path.stat().st_uid == os.geteuid():
            os.chmod(path, PRIVATE_FILE_MODE)
        return path
    try:
        if _CAN_CHMOD:
            os.fchmod(descriptor, PRIVATE_FILE_MODE)
    finally:
        os.close(descriptor)
    return path


def open_private(path: str | os.PathLike, mode: str = "w", **kwargs: Any) -> IO:
    """`open()` for writing a file only its owner can read: created 0600, and an
    existing file is set to 0600 before anything is written to it."""
    if not any(flag in mode for flag in "wax+"):
        raise ValueError(f"open_private is for writing, not mode {mode!r}")

    def opener(name: str, flags: int) -> int:
        descriptor = os.open(name, flags, PRIVATE_FILE_MODE)
        try:
            if _CAN_CHMOD and stat.S_IMODE(os.fstat(descriptor).st_mode) != PRIVATE_FILE_MODE:
                os.fchmod(descriptor, PRIVATE_FILE_MODE)
        except BaseException:
            os.close(descriptor)
            raise
        return descriptor

    return open(path, mode, opener=opener, **kwargs)


def database_files(db_path: str | os.PathLike) -> list[Path]:
    """The database and those of its sidecar files that exist now."""
    db_path = Path(db_path)
    found = [db_path] if db_path.exists() else []
    for pattern in SIDECAR_PATTERNS:
        found.extend(sorted(db_path.parent.glob(_glob_escape(db_path.name) + pattern)))
    return found


def readable_by_others_warning(db_path: str | os.PathLike) -> str | None:
    """One line naming the database files other users can read (or change) and
    the command that fixes it; None when they are private (or on Windows).

    The -wal, -shm and -journal files are left out: SQLite deletes them on
    close and gives new ones the database's mode, so fixing the database fixes
    them (and a chmod naming a vanished file would fail)."""
    if not _CAN_CHMOD:
        return None
    transient = {Path(f"{db_path}{suffix}") for suffix in TRANSIENT_SIDECARS}
    exposed = []
    for path in database_files(db_path):
        if path in transient:
            continue
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except OSError:  # a -wal or -shm removed since the listing
            continue
        if mode & OTHERS_MODE:
            exposed.append((path, mode))
    if not exposed:
        return None
    first, mode = exposed[0]
    what = f"{first} (mode {mode:04o})"
    if len(exposed) > 1:
        what += f" and {len(exposed) - 1} more of its files"
    modes = [mode for _, mode in exposed]
    verb = "read" if any(m & 0o044 for m in modes) else "changed"
    who = "other users" if any(m & 0o006 for m in modes) else "the file's group"
    command = "chmod 600 " + " ".join(shlex.quote(str(path)) for path, _ in exposed)
    return f"{what} can be {verb} by {who}; to keep your notes private: {command}"


def warn_once(db_path: str | os.PathLike) -> str | None:
    """`readable_by_others_warning`, given once per database per process run.

    Each CLI command is one run, so the warning comes back until the mode is
    fixed, as ssh and gpg do with loose key files. Remembering it in the
    database instead would be easy to miss, and would make read-only commands
    write (and wait behind a running import for the lock)."""
    key = Path(db_path).resolve()
    if key in _warned:
        return None
    warning = readable_by_others_warning(db_path)
    if warning:
        _warned.add(key)
    return warning


def _glob_escape(name: str) -> str:
    return "".join(f"[{char}]" if char in "*?[" else char for char in name)
