"""The readq Textual app. It is given a store; it does not build one."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterable
from functools import partial
from pathlib import Path

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message

from readq.errors import ReadqError
from readq.paths import config_path
from readq.search import SearchEngine
from readq.session import WRITE_WAIT_SECONDS, EditSession, SessionEvent
from readq.store import Store
from readq.tui.config import keymap_conflicts, load_config
from readq.tui.heap import pause_collection, resume_after_first_frame
from readq.tui.screens.confirm import ConfirmScreen
from readq.tui.screens.queue import QueueScreen
from readq.tui.screens.reader import ReaderScreen
from readq.tui.state import UiState, remembered_view
from readq.tui.widgets.notes_pane import NotesPane
from readq.tui.widgets.paper_list import PaperList

# How long quitting waits for note saves before asking (the drafts file keeps
# them either way), and for a cancelled import to clean up after itself.
EXIT_SAVE_WAIT_SECONDS = 1.5
IMPORT_STOP_WAIT_SECONDS = 30


class SessionMessage(Message):
    """An edit-session event, carried from the writer thread to the UI."""

    def __init__(self, event: SessionEvent) -> None:
        super().__init__()
        self.event = event


class ImportCancelled(Exception):
    """Raised from the import's progress callback: the import stops and leaves nothing."""


class ImportProgress(Message):
    def __init__(self, fraction: float | None, records: int, waiting: str = "") -> None:
        super().__init__()
        self.fraction = fraction
        self.records = records
        self.waiting = waiting  # why it is not writing yet (another import runs)


class ImportFinished(Message):
    def __init__(self, summary=None, error: str = "", cancelled: bool = False,
                 headlines_waiting: int = 0) -> None:
        super().__init__()
        self.summary = summary
        self.error = error
        self.cancelled = cancelled
        self.headlines_waiting = headlines_waiting  # learned headlines being derived in the background


class ReadqApp(App):
    TITLE = "readq"
    CSS_PATH = "app.tcss"
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("ctrl+c", "quit", "Quit", id="app.quit_ctrl_c", show=False, priority=True),
    ]

    def __init__(self, store: Store, *, config_file: Path | None = None) -> None:
        super().__init__()
        self.store = store
        # The TUI never waits long for another process's lock: a note that could
        # not be saved is in the drafts file and retried.
        store.write_wait_seconds = WRITE_WAIT_SECONDS
        self.search_engine = SearchEngine(store.connect_reader)
        self.session = EditSession(store, lambda event: self.post_message(SessionMessage(event)))
        self._config_file = config_file or config_path()
        self.ui_state = UiState(self._config_file.with_name("ui-state.json"))
        self._config_problems: list[str] = []
        self.user_keymap: dict[str, str] = {}
        self._import_thread: threading.Thread | None = None
        self._import_cancel = threading.Event()
        self._quit_after_import = False
        self._quitting = False

    # ----- start and stop ---------------------------------------------------

    def on_mount(self) -> None:
        config = load_config(self._config_file, all_binding_ids())
        self._config_problems = config.problems + keymap_conflicts(binding_chains(), config.keymap)
        self.user_keymap = config.keymap
        if config.keymap:
            self.set_keymap(config.keymap)
        # The theme is the user's, whatever the database (an older readq kept it per database).
        saved_theme = self.ui_state.get("theme") or self.store.get_setting("theme")
        if saved_theme and saved_theme in self.available_themes:
            self.theme = saved_theme
        self.push_screen(QueueScreen(**remembered_view(self.store.get_setting("view"))))
        for problem in self._config_problems:
            self.notify(problem, title="Config", severity="warning", timeout=15)
        from readq.privacy import readable_by_others_warning

        if self.store.path is not None and (warning := readable_by_others_warning(self.store.path)):
            self.notify(warning, title="Privacy", severity="warning", timeout=15)
        restored = self.session.restore_drafts()
        if restored:
            noun = "note" if restored == 1 else "notes"
            self.notify(f"Restored {restored} unsaved {noun} from the last session "
                        f"(kept in {self.session.journal.path.name}); saving now.", timeout=10)
        self._install_signal_handlers()
        self.call_after_refresh(resume_after_first_frame)  # see readq/tui/heap.py
        # A backfill killed with its machine (or never started) goes on.
        self.call_after_refresh(lambda: self.run_worker(self._start_headline_backfill, thread=True,
                                                        group="backfill", exit_on_error=False))

    def _install_signal_handlers(self) -> None:
        """SIGTERM and SIGHUP (the terminal closed) save the note before leaving."""
        import asyncio

        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGHUP):
            try:
                loop.add_signal_handler(signum, self._exit_on_signal)
            except (NotImplementedError, RuntimeError, ValueError):
                pass  # not the main thread (some test runners): nothing to install

    def _exit_on_signal(self) -> None:
        self._import_cancel.set()
        self._flush_notes()
        self.exit(return_code=0)

    def watch_theme(self, theme: str) -> None:
        if self.is_mounted and self.ui_state.get("theme") != theme:
            problem = self.ui_state.set("theme", theme)
            if problem:
                self.notify(f"The theme is not remembered: {problem}", severity="warning")

    async def action_quit(self) -> None:
        if self._quitting:
            return
        if self.import_running():
            def answered(stop: bool | None) -> None:
                if stop:
                    self._quit_after_import = True
                    self.cancel_import()
                    self.notify("Stopping the import…")

            self.push_screen(ConfirmScreen("An import is running. Stop it (nothing of it is kept) and quit?"),
                             answered)
            return
        self._flush_notes()
        unsaved = self.session.unsaved()
        if unsaved:
            def answered(leave: bool | None) -> None:
                if leave:
                    self._quitting = True
                    self.exit()

            count = len(unsaved)
            self.push_screen(ConfirmScreen(
                f"{count} {'note is' if count == 1 else 'notes are'} not saved yet: the database is busy. "
                f"The text is kept in {self.session.journal.path.name} and saved when readq next starts. "
                "Quit anyway?"), answered)
            return
        self._quitting = True
        self.exit()

    def _flush_notes(self) -> None:
        """Save every note being typed (and where the user was), waiting a moment for the writer."""
        for screen in self.screen_stack:
            if isinstance(screen, QueueScreen):
                screen.notes.flush()
                screen.remember_view()
            elif isinstance(screen, ReaderScreen):
                screen.notes.flush()
        self.session.save_all_notes()
        self.session.wait_idle(EXIT_SAVE_WAIT_SECONDS)

    def on_unmount(self) -> None:
        self._import_cancel.set()
        if self._import_thread is not None:
            self._import_thread.join(IMPORT_STOP_WAIT_SECONDS)
        self.session.close(EXIT_SAVE_WAIT_SECONDS)
        self.search_engine.close()

    def notify(self, message: str, *, title: str = "", severity="information",
               timeout: float | None = None, markup: bool = False) -> None:
        # Notifications quote file paths, abstracts and error messages: never markup.
        super().notify(str(message), title=title, severity=severity, timeout=timeout, markup=False)

    # ----- writes -----------------------------------------------------------

    def on_session_message(self, message: SessionMessage) -> None:
        for screen in self.screen_stack:  # the queue first: the reader shows the queue's rows
            if isinstance(screen, (QueueScreen, ReaderScreen)):
                screen.on_session_event(message.event)

    def flush_writes(self, timeout: float | None = 30) -> None:
        """Wait until every queued write has run (tests and exit paths)."""
        self.session.wait_idle(timeout)

    # ----- importing --------------------------------------------------------

    def import_running(self) -> bool:
        return self._import_thread is not None and self._import_thread.is_alive()

    def start_import(self, path: str) -> None:
        """Import on a thread of its own (user edits keep going through the
        session's writer meanwhile); progress and the end come back as messages."""
        from readq.importing import import_file

        cancel = self._import_cancel
        cancel.clear()

        def progress(summary, fraction) -> None:
            if cancel.is_set():
                raise ImportCancelled()
            self.post_message(ImportProgress(fraction, summary.seen, summary.waiting))

        def run() -> None:
            try:
                summary = import_file(self.store, path, progress=progress)
            except ImportCancelled:
                self.post_message(ImportFinished(cancelled=True))
            except (ReadqError, OSError) as error:
                self.post_message(ImportFinished(error=str(error)))
            except Exception as error:  # noqa: BLE001 - shown, not swallowed: the app must not die
                self.post_message(ImportFinished(error=f"{type(error).__name__}: {error}"))
            else:
                self.post_message(ImportFinished(summary, headlines_waiting=self._start_headline_backfill()))

        self.post_message(ImportProgress(0.0, 0))
        self._import_thread = threading.Thread(target=run, name="readq-import", daemon=True)
        self._import_thread.start()

    def _start_headline_backfill(self) -> int:
        """Learned headlines for the papers a large import gave quick ones, in a
        process of its own (readq/headline_backfill.py); how many are waiting."""
        if self.store.path is None:
            return 0
        from readq.headline_backfill import ensure_backfill

        try:
            return ensure_backfill(self.store.path)
        except OSError:
            return 0  # the quick headlines stay; `readq reheadline` derives them

    def cancel_import(self) -> None:
        self._import_cancel.set()

    def on_import_progress(self, message: ImportProgress) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, QueueScreen):
                screen.show_import_progress(message.fraction, message.records, message.waiting)

    def on_import_finished(self, message: ImportFinished) -> None:
        if self._import_thread is not None:
            self._import_thread.join(5)
            self._import_thread = None
        if message.cancelled:
            self.notify("Import stopped: nothing of it was added.", title="Import")
        elif message.error:
            self.notify(message.error, title="Import failed", severity="error", timeout=10)
        else:
            summary = message.summary
            severity = "warning" if summary.rejected else "information"
            lines = [f"{summary.source}: {summary.line()}"]
            lines += [f"line {p.line}: {p.reason}" for p in summary.problems[:5]]
            if len(summary.problems) > 5:
                lines.append(f"… and {len(summary.problems) - 5} more (readq import shows all)")
            if message.headlines_waiting:
                lines.append(f"Headlines of {message.headlines_waiting:,} papers are quick ones for now:"
                             " the learned ones replace them in the background within a minute or so.")
            self.notify("\n".join(lines), title="Import", severity=severity, timeout=10)
        for screen in self.screen_stack:
            if isinstance(screen, QueueScreen):
                screen.after_import()
        if self._quit_after_import:
            self._quit_after_import = False
            self.call_later(self.action_quit)

    # ----- help and command palette -----------------------------------------

    def action_help(self) -> None:
        from readq.tui.screens.help import HelpScreen, section_rows  # not needed for the first frame

        if not isinstance(self.screen, HelpScreen):
            bindings = iter_bindings(PaperList, QueueScreen, NotesPane, ReaderScreen, ReadqApp)
            self.push_screen(HelpScreen(section_rows(
                [(binding.id, self.keys_of(binding), binding.description) for binding in bindings]
            )))

    def get_system_commands(self, screen):
        yield from super().get_system_commands(screen)
        owners = {QueueScreen: (QueueScreen, PaperList), ReaderScreen: (ReaderScreen,)}.get(type(screen), ())
        for binding in iter_bindings(*owners):
            # The id is what a keymap entry in config.toml names.
            yield SystemCommand(
                binding.description, f"key: {self.keys_of(binding)}  ·  id: {binding.id}",
                partial(self._run_binding, screen, binding),
            )

    def keys_of(self, binding: Binding) -> str:
        """The keys a binding answers to after the user's keymap, for display."""
        keys = self.user_keymap.get(binding.id, binding.key) if binding.id else binding.key
        return ", ".join(self.get_key_display(Binding(key.strip(), "")) for key in keys.split(","))

    async def _run_binding(self, screen, binding: Binding) -> None:
        # List movement actions live on the list widget, the rest on the screen.
        target = screen.paper_list if binding.id.startswith("list.") else screen
        await target.run_action(binding.action)


def iter_bindings(*owners: type) -> Iterable[Binding]:
    owners = owners or (PaperList, QueueScreen, ReadqApp)
    for owner in owners:
        for binding in owner.BINDINGS:
            if isinstance(binding, Binding) and binding.description:
                yield binding


def all_binding_ids() -> set[str]:
    owners = (PaperList, QueueScreen, ReaderScreen, ReadqApp)
    return {b.id for b in iter_bindings(*owners) if b.id}


def binding_chains() -> list[list[tuple[str, str, str, bool]]]:
    """The bindings active together, focused widget first (see keymap_conflicts)."""
    chains = [(PaperList, QueueScreen, ReadqApp), (ReaderScreen, ReadqApp)]
    return [[(b.id, b.key, b.description, b.priority) for b in iter_bindings(*chain) if b.id]
            for chain in chains]


def make_app(db_path: str | Path, *, config_file: Path | None = None, clock=None) -> ReadqApp:
    """One factory for the CLI, the tests and the screenshot script."""
    pause_collection()  # until the first frame (readq/tui/heap.py)
    kwargs = {"clock": clock} if clock else {}
    store = Store.open(db_path, **kwargs)
    return ReadqApp(store, config_file=config_file)


def run_app(db_path: str | Path) -> None:
    app = make_app(db_path)
    try:
        app.run()
    finally:
        app.store.close()
    unsaved = app.session.unsaved()
    if unsaved:
        count = len(unsaved)
        raise ReadqError(
            f"{count} {'note was' if count == 1 else 'notes were'} not saved (the database was busy);"
            f" kept in {app.session.journal.path}, saved when readq next starts")
