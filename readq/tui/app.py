"""The readq Textual app. It is given a store; it does not build one."""

from __future__ import annotations

import signal
import sqlite3
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from pathlib import Path

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message

from readq.errors import ReadqError
from readq.paths import config_path
from readq.search import SearchEngine
from readq.store import Store
from readq.tui.config import load_config
from readq.tui.screens.help import HelpScreen
from readq.tui.screens.queue import QueueScreen
from readq.tui.widgets.paper_list import PaperList

EXIT_SAVE_TIMEOUT_SECONDS = 20


class WriteFinished(Message):
    def __init__(self, future: Future, done: Callable | None, failed: Callable | None) -> None:
        super().__init__()
        self.future = future
        self.done = done
        self.failed = failed


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
        self.search_engine = SearchEngine(store.connect_reader)
        # One writer thread: writes keep their order and never block the UI,
        # even while another process holds the database lock.
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="readq-writer")
        self._config_file = config_file or config_path()
        self._config_problems: list[str] = []

    # ----- start and stop ---------------------------------------------------

    def on_mount(self) -> None:
        config = load_config(self._config_file, all_binding_ids())
        self._config_problems = config.problems
        if config.keymap:
            self.set_keymap(config.keymap)
        saved_theme = self.store.get_setting("theme")
        if saved_theme and saved_theme in self.available_themes:
            self.theme = saved_theme
        self.push_screen(QueueScreen())
        for problem in config.problems:
            self.notify(problem, title="Config", severity="warning", timeout=15)
        self._install_signal_handlers()

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
        self.save_pending_notes()
        self.exit(return_code=0)

    def watch_theme(self, theme: str) -> None:
        if self.is_mounted and self.store.get_setting("theme") != theme:
            self.run_write(lambda: self.store.set_setting("theme", theme))

    async def action_quit(self) -> None:
        self.save_pending_notes()
        self.exit()

    def save_pending_notes(self) -> None:
        """Save the note being typed, now, waiting for the writer. Raises nothing:
        a failure is reported on stderr by run_app, never swallowed."""
        self.flush_writes()
        for screen in self.screen_stack:
            if isinstance(screen, QueueScreen):
                pending = screen.notes.pending()
                if pending:
                    paper_id, text = pending
                    try:
                        self._writer.submit(self.store.save_note, paper_id, text).result(
                            EXIT_SAVE_TIMEOUT_SECONDS
                        )
                        screen.notes.mark_saved(paper_id, text)
                    except Exception as error:  # noqa: BLE001 - reported, then re-raised at exit
                        self.unsaved_note_error = (paper_id, text, error)

    unsaved_note_error: tuple[int, str, Exception] | None = None

    def on_unmount(self) -> None:
        self.save_pending_notes()
        self._writer.shutdown(wait=True)
        self.search_engine.close()

    def notify(self, message: str, *, title: str = "", severity="information",
               timeout: float | None = None, markup: bool = False) -> None:
        # Notifications quote file paths, abstracts and error messages: never markup.
        super().notify(str(message), title=title, severity=severity, timeout=timeout, markup=False)

    # ----- writes -----------------------------------------------------------

    def run_write(self, job: Callable, done: Callable | None = None,
                  failed: Callable[[str], None] | None = None) -> None:
        """Run `job` on the writer thread; `done(result)` or `failed(reason)` later on the UI thread."""
        future = self._writer.submit(job)
        future.add_done_callback(lambda f: self.post_message(WriteFinished(f, done, failed)))

    def on_write_finished(self, message: WriteFinished) -> None:
        error = message.future.exception()
        if error is None:
            if message.done is not None:
                message.done(message.future.result())
            return
        if not isinstance(error, (ReadqError, sqlite3.Error, OSError)):
            raise error
        reason = str(error)
        if message.failed is not None:
            message.failed(reason)
        else:
            self.notify(f"Not saved: {reason}", severity="error", timeout=10)

    def flush_writes(self) -> None:
        """Wait until every queued write has run (tests and exit paths)."""
        self._writer.submit(lambda: None).result()

    def import_in_background(self, path: str, on_done: Callable[[], None],
                             on_progress: Callable[[float | None, int], None]) -> None:
        """Import on the writer thread; progress and the summary come back here."""
        from readq.importing import import_file

        def progress(summary, fraction) -> None:
            self.call_from_thread(on_progress, fraction, summary.seen)

        def finished(summary) -> None:
            severity = "warning" if summary.rejected else "information"
            lines = [f"{summary.source}: {summary.line()}"]
            lines += [f"line {p.line}: {p.reason}" for p in summary.problems[:5]]
            if len(summary.problems) > 5:
                lines.append(f"… and {len(summary.problems) - 5} more (readq import shows all)")
            self.notify("\n".join(lines), title="Import", severity=severity, timeout=10)
            on_done()

        def failed(reason: str) -> None:
            self.notify(reason, title="Import failed", severity="error", timeout=10)
            on_done()

        on_progress(0.0, 0)
        self.run_write(lambda: import_file(self.store, path, progress=progress), finished, failed)

    # ----- help and command palette -----------------------------------------

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.binding_rows()))

    def binding_rows(self) -> list[tuple[str, str]]:
        """(keys, description) for every binding, after the user's keymap."""
        rows = []
        for binding in iter_bindings():
            keys = self._keymap.get(binding.id, binding.key) if binding.id else binding.key
            shown = ", ".join(self.get_key_display(Binding(k.strip(), "")) for k in keys.split(","))
            rows.append((shown, binding.description))
        rows.append(("ctrl+p", "Command palette: every action, themes"))
        return rows

    def get_system_commands(self, screen):
        yield from super().get_system_commands(screen)
        if isinstance(screen, QueueScreen):
            for binding in iter_bindings(QueueScreen, PaperList):
                yield SystemCommand(
                    binding.description, f"key: {binding.key}",
                    partial(self._run_binding, screen, binding),
                )

    async def _run_binding(self, screen: QueueScreen, binding: Binding) -> None:
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
    return {b.id for b in iter_bindings() if b.id}


def make_app(db_path: str | Path, *, config_file: Path | None = None, clock=None) -> ReadqApp:
    """One factory for the CLI, the tests and the screenshot script."""
    kwargs = {"clock": clock} if clock else {}
    store = Store.open(db_path, **kwargs)
    return ReadqApp(store, config_file=config_file)


def run_app(db_path: str | Path) -> None:
    app = make_app(db_path)
    try:
        app.run()
    finally:
        app.store.close()
    if app.unsaved_note_error:
        paper_id, text, error = app.unsaved_note_error
        raise ReadqError(f"the note of paper {paper_id} could not be saved ({error}); its text:\n{text}")
