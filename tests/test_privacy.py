"""Notes are personal: readq's folders are 0700 and its files 0600, whatever the umask."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from readq import migrations, privacy
from readq import store as store_module
from readq.cli import cli
from readq.models import PaperRecord
from readq.privacy import (
    ensure_private_dir,
    open_private,
    private_file,
    readable_by_others_warning,
    warn_once,
)
from readq.store import Store

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(params=[0o022, 0o000], ids=["umask022", "umask000"])
def permissive_umask(request):
    """The umasks that would leave files readable (022) or writable (000) by all."""
    previous = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(previous)


@pytest.fixture(autouse=True)
def no_user_files(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("READQ_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))


@pytest.fixture(autouse=True)
def fresh_warnings(monkeypatch):
    """Each test is a new "process run" for warn_once."""
    monkeypatch.setattr(privacy, "_warned", set())


def write_a_note(store: Store) -> None:
    store.import_records([PaperRecord(abstract="An abstract on private notes.", line=1)], "test")
    store.save_note(1, "my private thoughts")


# ----- what readq creates ---------------------------------------------------------------------


def test_a_new_database_its_folders_and_its_wal_are_private(tmp_path: Path, permissive_umask):
    db = tmp_path / "made" / "by" / "readq" / "readq.db"
    with Store.open(db) as store:
        write_a_note(store)
        wal, shm = Path(f"{db}-wal"), Path(f"{db}-shm")
        assert wal.exists() and shm.exists()  # WAL mode: both live while the store is open
        assert mode(db) == 0o600
        assert mode(wal) == 0o600 and mode(shm) == 0o600
    for folder in (tmp_path / "made", tmp_path / "made" / "by", db.parent):
        assert mode(folder) == 0o700, folder
    assert readable_by_others_warning(db) is None


def test_an_existing_folder_keeps_its_mode(tmp_path: Path, permissive_umask):
    folder = tmp_path / "shared-project"
    folder.mkdir()
    os.chmod(folder, 0o755)
    with Store.open(folder / "readq.db") as store:
        write_a_note(store)
    assert mode(folder) == 0o755  # the user's folder: not readq's to change
    assert mode(folder / "readq.db") == 0o600


def test_an_empty_file_becomes_a_private_database(tmp_path: Path, permissive_umask):
    touched = tmp_path / "touched.db"  # `touch readq.db`: SQLite and readq take it as new
    touched.touch()
    os.chmod(touched, 0o644)
    with Store.open(touched) as store:
        write_a_note(store)
    assert mode(touched) == 0o600
    assert readable_by_others_warning(touched) is None


def test_the_default_data_folder_is_private(tmp_path: Path, plain_seed: Path, permissive_umask):
    result = CliRunner().invoke(cli, ["import", str(plain_seed)])
    assert result.exit_code == 0, result.stderr
    data_home = tmp_path / "xdg-data"
    db = data_home / "readq" / "readq.db"
    assert db.is_file()
    assert mode(data_home) == 0o700 and mode(db.parent) == 0o700 and mode(db) == 0o600
    assert result.stderr == ""


def test_migration_backups_are_private(tmp_path: Path, monkeypatch, permissive_umask):
    db = tmp_path / "readq.db"
    with Store.open(db) as store:
        write_a_note(store)
    current = migrations.SCHEMA_VERSION
    stale = db.with_name(f"readq.db.bak-v{current}")
    with Store.open(tmp_path / "older.db") as older:  # an older backup, readable by all
        write_a_note(older)
    shutil.copy(tmp_path / "older.db", stale)
    os.chmod(stale, 0o644)
    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, lambda: "CREATE TABLE extra (x)"])
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", current + 1)
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", current + 1)
    with Store.open(db) as store:
        assert store.get(1).notes == "my private thoughts"
    assert mode(stale) == 0o600  # written over, and no longer readable by others

    shutil.copy(db, tmp_path / "copy.db")  # a fresh backup name, nothing there before
    os.chmod(tmp_path / "copy.db", 0o600)
    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, lambda: "CREATE TABLE more (y)"])
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", current + 2)
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", current + 2)
    with Store.open(tmp_path / "copy.db"):
        pass
    backup = tmp_path / f"copy.db.bak-v{current + 1}"
    assert backup.is_file() and mode(backup) == 0o600


def test_a_folder_that_cannot_be_made_is_one_line(tmp_path: Path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = CliRunner().invoke(cli, ["--db", str(blocker / "sub" / "readq.db"), "import", "-"],
                                input="An abstract.\n")
    assert result.exit_code == 1
    assert result.stderr.startswith("readq: ") and len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stderr


# ----- the helpers other code uses ------------------------------------------------------------


def test_helpers_make_private_files_and_folders(tmp_path: Path, permissive_umask):
    folder = ensure_private_dir(tmp_path / "a" / "b")
    assert mode(tmp_path / "a") == 0o700 and mode(folder) == 0o700
    assert ensure_private_dir(folder) == folder  # already there: fine

    drafts = folder / "readq.db-drafts.json"
    with open_private(drafts, "w", encoding="utf-8") as handle:
        handle.write('{"1": "draft"}')
    assert mode(drafts) == 0o600 and drafts.read_text() == '{"1": "draft"}'

    os.chmod(drafts, 0o644)  # written by something else in between: open_private tightens it
    with open_private(drafts, "a", encoding="utf-8") as handle:
        handle.write(" ")
    assert mode(drafts) == 0o600
    with pytest.raises(ValueError):
        open_private(drafts, "r")

    created = private_file(folder / "new.db")
    assert created.read_bytes() == b"" and mode(created) == 0o600
    loose = folder / "loose"
    loose.write_text("x")
    os.chmod(loose, 0o644)
    private_file(loose)
    assert mode(loose) == 0o644 and loose.read_text() == "x"  # an existing file keeps its mode
    private_file(loose, tighten=True)
    assert mode(loose) == 0o600 and loose.read_text() == "x"


def test_helpers_set_exact_modes_under_a_strict_umask(tmp_path: Path):
    """A umask can take the owner's own bits away too (0277): the modes are set, not masked."""
    previous = os.umask(0o277)
    try:
        folder = ensure_private_dir(tmp_path / "strict" / "inner")
        made = private_file(folder / "readq.db")
        with open_private(folder / "readq.db-drafts.json", "w") as handle:
            handle.write("{}")
    finally:
        os.umask(previous)
    assert mode(tmp_path / "strict") == 0o700 and mode(folder) == 0o700
    assert mode(made) == 0o600 and mode(folder / "readq.db-drafts.json") == 0o600


# ----- the warning ----------------------------------------------------------------------------


def test_a_database_readable_by_others_is_named_with_its_fix(tmp_path: Path):
    db = tmp_path / "readq.db"
    with Store.open(db) as store:
        write_a_note(store)
    assert readable_by_others_warning(db) is None
    os.chmod(db, 0o644)
    warning = readable_by_others_warning(db)
    assert warning == (f"{db} (mode 0644) can be read by other users;"
                       f" to keep your notes private: chmod 600 {db}")
    os.chmod(db, 0o640)
    assert "can be read by the file's group" in readable_by_others_warning(db)

    backup = db.with_name("readq.db.bak-v1")
    backup.write_text("old notes")
    os.chmod(backup, 0o604)
    drafts = db.with_name("readq.db-drafts.json")
    drafts.write_text("{}")
    os.chmod(drafts, 0o600)
    warning = readable_by_others_warning(db)
    assert "and 1 more of its files can be read by other users" in warning
    assert warning.endswith(f"chmod 600 {db} {backup}")

    os.chmod(db, 0o600)
    os.chmod(backup, 0o600)
    assert readable_by_others_warning(db) is None


def test_the_cli_warns_on_stderr_once_per_run(tmp_path: Path, plain_seed: Path):
    db = tmp_path / "readq.db"
    assert CliRunner().invoke(cli, ["--db", str(db), "import", str(plain_seed)]).exit_code == 0
    os.chmod(db, 0o644)
    quiet = CliRunner().invoke(cli, ["--db", str(db), "list", "--json"])
    first = quiet.stderr
    assert quiet.exit_code == 0 and quiet.stdout.startswith("[")  # stdout stays clean
    assert first == f"readq: warning: {readable_by_others_warning(db)}\n"
    assert first.endswith(f"chmod 600 {db}\n")  # not the -wal and -shm, gone at close

    # CliRunner runs in this process: a second command in it is not warned again
    assert CliRunner().invoke(cli, ["--db", str(db), "stats"]).stderr == ""
    assert warn_once(db) is None


def test_warn_once_is_once_per_database(tmp_path: Path):
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    for db in (one, two):
        Store.open(db).close()
        os.chmod(db, 0o644)
    assert "chmod 600" in warn_once(one)
    assert warn_once(tmp_path / "." / "one.db") is None
    assert "chmod 600" in warn_once(two)


# ----- another user, for real -----------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="needs root to run a child as another user")
def test_another_user_cannot_read_the_notes(tmp_path: Path):
    """Run as `nobody` in a child: the private database and folder are refused,
    a world-readable file beside them is not (so the refusal is the mode's doing)."""
    shared = Path(tempfile.mkdtemp(prefix="readq-privacy-"))  # under /tmp: nobody can reach it
    try:
        os.chmod(shared, 0o755)
        db = shared / "readq.db"
        with Store.open(db) as store:
            write_a_note(store)
        made = shared / "made" / "readq.db"
        with Store.open(made) as store:
            write_a_note(store)
        control = shared / "public.txt"
        control.write_text("anyone may read this")
        os.chmod(control, 0o644)

        def as_nobody(*command: str) -> subprocess.CompletedProcess:
            return subprocess.run(command, user=65534, group=65534, extra_groups=[],
                                  capture_output=True, text=True, timeout=30)

        assert as_nobody("cat", str(control)).returncode == 0
        refused = as_nobody("cat", str(db))
        assert refused.returncode != 0 and "Permission denied" in refused.stderr
        assert as_nobody("ls", str(made.parent)).returncode != 0
    finally:
        shutil.rmtree(shared)


def test_an_export_written_to_a_file_is_private(tmp_path):
    """An export holds every note: `-o FILE` is created 0600 whatever the umask."""
    from click.testing import CliRunner

    from readq.cli import cli
    from tests.tui_support import build_sample_db

    db = build_sample_db(tmp_path / "readq.db")
    previous = os.umask(0o022)
    try:
        result = CliRunner().invoke(cli, ["--db", str(db), "export", "-o", str(tmp_path / "backup.json")])
    finally:
        os.umask(previous)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE((tmp_path / "backup.json").stat().st_mode) == 0o600
