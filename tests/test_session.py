"""The edit session without any UI: the sequences that lost notes or undid the
wrong thing when this logic lived in the widgets (issue 10, points 1–3)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing

import pytest

from readq.session import (
    DraftJournal,
    EditSession,
    NoteReplaced,
    NoteState,
    NothingToUndo,
    Undone,
    WriteFailed,
)


class Recorder:
    def __init__(self):
        self.events = []
        self.lock = threading.Lock()

    def __call__(self, event):
        with self.lock:
            self.events.append(event)

    def of(self, kind):
        with self.lock:
            return [e for e in self.events if isinstance(e, kind)]


@pytest.fixture
def session(seeded_store):
    recorder = Recorder()
    edits = EditSession(seeded_store, recorder, retry_seconds=0.2)
    edits.events = recorder
    yield edits
    edits.close(5)


def history(store, paper_id):
    return [text for _, text in store.note_versions(paper_id)]


def type_note(session, paper_id, text, base=""):
    session.edit_note(paper_id, text, base)
    session.save_note(paper_id)


def test_undo_after_a_note_and_a_mark_all_takes_back_the_mark_all(session, seeded_store):
    store = seeded_store
    type_note(session, 1, "my thoughts")
    every = store.view_ids()
    session.set_read(every, True)
    session.undo()
    assert session.wait_idle(10)
    assert store.stats().unread == 21  # the mark-all was undone ...
    assert store.get(1).notes == "my thoughts"  # ... and the note kept
    assert "my thoughts" in history(store, 1)
    assert session.events.of(Undone)[-1].description == "marking 21 papers read"


def test_undo_right_after_a_note_undoes_the_note_not_an_earlier_rating(session, seeded_store):
    store = seeded_store
    session.rate(3, 4)
    type_note(session, 3, "fresh note")
    session.undo()
    assert session.wait_idle(10)
    assert store.get(3).rating == 4
    assert (store.get(3).notes or "") == ""
    assert session.events.of(NoteReplaced)[-1] == NoteReplaced(3, "")


def test_an_undone_note_stays_in_the_history(session, seeded_store):
    store = seeded_store
    type_note(session, 2, "first text")
    assert session.wait_idle(10)
    session.undo()
    assert session.wait_idle(10)
    assert (store.get(2).notes or "") == ""
    assert "first text" in history(store, 2)
    session.redo()
    assert session.wait_idle(10)
    assert store.get(2).notes == "first text"
    # Typing after an undo must not overwrite the version the undo wrote either.
    type_note(session, 2, "first text, second thought", base="first text")
    assert session.wait_idle(10)
    assert {"first text", "first text, second thought"} <= set(history(store, 2))


def test_one_stretch_of_typing_is_one_undo(session, seeded_store):
    for text in ("a", "ab", "abc"):
        session.edit_note(5, text, "")
        session.save_note(5)
    session.undo()
    assert session.wait_idle(10)
    assert (seeded_store.get(5).notes or "") == ""
    session.undo()
    assert session.wait_idle(10)
    assert session.events.of(NothingToUndo)


def test_undo_applies_to_the_paper_it_changed(session, seeded_store):
    session.rate(7, 5)
    session.rate(8, 2)
    session.undo()
    session.undo()
    assert session.wait_idle(10)
    assert seeded_store.get(7).rating is None and seeded_store.get(8).rating is None
    session.undo()
    assert session.wait_idle(10)
    assert session.events.of(NothingToUndo)


def test_a_new_action_clears_redo(session, seeded_store):
    session.rate(4, 3)
    session.undo()
    session.rate(4, 1)
    session.redo()
    assert session.wait_idle(10)
    assert seeded_store.get(4).rating == 1
    assert session.events.of(NothingToUndo)[-1].redo


def _hold_lock(path, seconds):
    """Another process's long write transaction, in a thread with its own connection."""
    ready = threading.Event()

    def hold():
        with closing(sqlite3.connect(path, isolation_level=None)) as conn:
            conn.execute("BEGIN IMMEDIATE")
            ready.set()
            time.sleep(seconds)
            conn.execute("ROLLBACK")

    thread = threading.Thread(target=hold)
    thread.start()
    ready.wait(5)
    return thread


def test_a_note_whose_save_fails_is_journaled_kept_and_retried(session, seeded_store):
    store = seeded_store
    store.write_wait_seconds = 0.2
    holder = _hold_lock(store.path, 1.5)
    type_note(session, 6, "written while locked")
    assert session.wait_idle(10)
    # The move to another paper does not matter: the session keeps the draft.
    assert session.draft(6) == "written while locked"
    assert session.events.of(NoteState)[-1].state == "retrying"
    assert DraftJournal.beside(store.path).entries()[6]["text"] == "written while locked"
    holder.join()
    deadline = time.monotonic() + 10
    while session.draft(6) is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert store.get(6).notes == "written while locked"
    assert session.events.of(NoteState)[-1].state == "saved"
    assert DraftJournal.beside(store.path).entries() == {}


def test_drafts_left_by_a_crash_are_restored_on_the_next_start(seeded_store):
    journal = DraftJournal.beside(seeded_store.path)
    journal.put(9, "typed before the crash", "")
    journal.put(10, "", "")  # equal to the database: nothing to restore
    recorder = Recorder()
    edits = EditSession(seeded_store, recorder)
    try:
        assert edits.restore_drafts() == 1
        assert edits.wait_idle(10)
        assert seeded_store.get(9).notes == "typed before the crash"
        assert DraftJournal.beside(seeded_store.path).entries() == {}
    finally:
        edits.close(5)


def test_the_journal_is_private_and_a_damaged_one_is_set_aside(tmp_path):
    path = tmp_path / "readq.db-drafts.json"
    journal = DraftJournal(path)
    journal.put(1, "secret", "")
    assert path.stat().st_mode & 0o077 == 0
    path.write_text("{not json")
    assert DraftJournal(path).entries() == {}
    assert (tmp_path / "readq.db-drafts.json.damaged").read_text() == "{not json"


def test_a_failed_rating_is_reported_not_raised(session, seeded_store):
    session.rate(999, 3)
    assert session.wait_idle(10)
    assert session.events.of(WriteFailed)


def test_the_session_does_not_import_textual():
    code = "import sys, readq.session; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
