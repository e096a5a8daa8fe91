"""The `readq` command line. Bare `readq` opens the reading-queue TUI.

Every command takes `--db PATH` (or READQ_DB); errors are one line on stderr
and a non-zero exit, never a traceback; output to a closed pipe ends quietly.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import sqlite3
import sys
import tempfile
import threading
from pathlib import Path

import click

from readq import __version__
from readq.errors import ReadqError
from readq.formats import EXPORT_FORMATS, IMPORT_FORMATS
from readq.output import detail_text, list_line, paper_view, to_json
from readq.paths import config_path, resolve_db_path
from readq.textclean import terminal_safe

EXIT_ERROR = 1
EXIT_REJECTED = 2  # the import ran, but some records were rejected

SORT_CHOICES = {"added": "queue", "created": "newest", "rating": "rating"}


class ReadqGroup(click.Group):
    """Turns readq's own errors into one line and an exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ReadqError as error:
            click.echo(f"readq: {terminal_safe(str(error))}", err=True)
            ctx.exit(EXIT_ERROR)
        except sqlite3.DatabaseError as error:
            click.echo(f"readq: database error: {terminal_safe(str(error))}", err=True)
            ctx.exit(EXIT_ERROR)
        except KeyboardInterrupt:
            click.echo("readq: interrupted", err=True)
            ctx.exit(130)


def _remember_db(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:  # kept on the root context, where db_path() looks, whichever command took it
        ctx.find_root().ensure_object(dict)["db"] = value


def db_option(command):
    return click.option(
        "--db", metavar="PATH", expose_value=False, callback=_remember_db,
        help="Database file (default: READQ_DB, else the user data dir).",
    )(command)


def db_path(ctx: click.Context) -> Path:
    return resolve_db_path(ctx.find_root().ensure_object(dict).get("db"))


def open_store(ctx: click.Context, create: bool = False):
    from readq.privacy import warn_once
    from readq.store import Store

    store = Store.open(db_path(ctx), create=create)
    ctx.call_on_close(store.close)
    warning = warn_once(store.path)  # one stderr line: stdout stays clean for scripts
    if warning:
        click.echo(f"readq: warning: {terminal_safe(warning)}", err=True)
    return store


# What `Y` copies and a browser shows: https://arxiv.org/abs/ID, /pdf/ID(.pdf), vN optional.
ARXIV_URL = re.compile(r"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/(.+?)(?:\.pdf)?/?$",
                       re.IGNORECASE)


def resolve_ids(store, identifiers: tuple[str, ...]) -> list[int]:
    """Accept readq ids (`12`), arXiv ids (`2208.10922`, `arXiv:2208.10922v2`)
    and arXiv URLs (`https://arxiv.org/abs/2208.10922`)."""
    from readq.importers.arxiv_listing import normalise_arxiv_id

    ids = []
    for identifier in identifiers:
        if identifier.isdigit():
            paper = store.get(int(identifier))
        else:
            bare = identifier.strip()
            if url := ARXIV_URL.match(bare):
                bare = url.group(1)
            if bare[:6].lower() == "arxiv:":
                bare = bare[6:]
            paper = store.find_by_arxiv_id(normalise_arxiv_id(bare) or bare)
        if paper is None:
            raise ReadqError(f"no paper {identifier!r} (use the id from `readq list` or an arXiv id)")
        ids.append(paper.id)
    return ids


def launch_tui(db: Path) -> None:
    from readq.tui.heap import pause_collection

    pause_collection()  # until the first frame: the app's imports are long-lived (readq/tui/heap.py)
    from readq.tui.app import run_app

    run_app(db)


@click.group(cls=ReadqGroup, invoke_without_command=True)
@click.option("--db", metavar="PATH", expose_value=False, callback=_remember_db,
              help="Database file (default: READQ_DB, else the user data dir).")
@click.version_option(__version__, prog_name="readq")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """readq: a keyboard-driven reading queue for paper abstracts.

    Run without a command to open the reading queue in the terminal.
    """
    if ctx.invoked_subcommand is None:
        launch_tui(db_path(ctx))


@cli.command("import")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option("--format", "format_", type=click.Choice(list(IMPORT_FORMATS)),
              help="Force the input format (default: detected from the content).")
@click.option("--headlines-now", is_flag=True,
              help="Derive every headline before exiting (default: past the first 2,000 of a"
                   " file, quick headlines now, learned ones in the background).")
@db_option
@click.pass_context
def import_command(ctx: click.Context, files: tuple[str, ...], format_: str | None,
                   headlines_now: bool) -> None:
    """Import abstracts from FILEs (`-` reads stdin).

    Each file is imported whole or not at all; re-importing adds no duplicates.
    Problems are reported as FILE:LINE: reason. Exits 2 when records were
    rejected, 1 when a file could not be read at all.
    """
    from readq.errors import UnusableInput
    from readq.headline_backfill import ensure_backfill
    from readq.importing import ALL, import_file

    store = open_store(ctx, create=True)
    exit_code = 0
    for path in files:
        progress = _ProgressLine(path) if sys.stderr.isatty() else None
        try:
            with _saying_what_ctrl_c_does():
                summary = import_file(store, path, format_, progress,
                                      **({"inline_headlines": ALL} if headlines_now else {}))
        except UnusableInput as error:
            click.echo(f"readq: {terminal_safe(str(error))}", err=True)
            exit_code = EXIT_ERROR
            continue
        finally:
            if progress:
                progress.clear()
        for problem in summary.problems:
            kind = "" if problem.rejected else "warning: "
            click.echo(terminal_safe(f"{summary.source}:{problem.line}: {kind}{problem.reason}"), err=True)
        click.echo(terminal_safe(f"{summary.source}: {summary.line()} ({summary.format})"))
        if summary.rejected and exit_code == 0:
            exit_code = EXIT_REJECTED
    if waiting := ensure_backfill(store.path):
        click.echo(f"Deriving {waiting:,} headlines in the background (they read as the abstract's"
                   " first words until then); `readq reheadline` waits for them.")
    ctx.exit(exit_code)


@contextlib.contextmanager
def _saying_what_ctrl_c_does():
    """ctrl+c stops an import, which then removes the rows it wrote (seconds for
    a large one): say so at once instead of looking stuck."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupted(signum, frame):
        signal.signal(signal.SIGINT, previous)  # a second ctrl+c leaves the rest to the next import
        click.echo("\nreadq: stopping the import, removing what it wrote…", err=True)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, interrupted)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class _ProgressLine:
    """A one-line progress bar on stderr for large imports."""

    def __init__(self, name: str):
        self.name = name
        self.shown = False

    def __call__(self, summary, fraction: float | None) -> None:
        width = 30
        bar = ""
        if fraction is not None:
            filled = int(fraction * width)
            bar = f"[{'#' * filled}{'.' * (width - filled)}] {fraction:4.0%} "
        waiting = f" · {summary.waiting}" if summary.waiting else ""
        sys.stderr.write(f"\r\x1b[K{terminal_safe(self.name)} {bar}{summary.seen:,} records{waiting}")
        sys.stderr.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def list_options(command):
    command = click.option("--json", "as_json", is_flag=True, help="Print JSON.")(command)
    command = click.option("--sort", type=click.Choice([*SORT_CHOICES, "recommended"]), default="added",
                           show_default=True,
                           help="Order of the papers (recommended: most like the papers you rated"
                                " 4-5 or noted first).")(command)
    command = click.option("--min-rating", type=click.IntRange(1, 5), metavar="N",
                           help="Only papers rated N stars or more.")(command)
    command = click.option("--unread/--read", "unread", default=None,
                           help="Only unread (or only read) papers.")(command)
    command = click.option("--noted", is_flag=True, help="Only papers with a note.")(command)
    return command


def _filter(unread: bool | None, noted: bool = False) -> str:
    if noted:
        if unread is not None:
            raise click.UsageError("--noted cannot be combined with --unread or --read")
        return "noted"
    return "all" if unread is None else ("unread" if unread else "read")


@cli.command("list")
@list_options
@click.option("--limit", type=click.IntRange(min=1), help="Print at most N papers.")
@click.option("--tag", metavar="NAME",
              help="Only papers with this tag; with --sort recommended, every paper ranked"
                   " by how much it resembles the tag's (which come last).")
@db_option
@click.pass_context
def list_command(ctx, unread, noted, min_rating, sort, as_json, limit, tag) -> None:
    """List papers in the queue."""
    import itertools

    store = open_store(ctx)
    if sort == "recommended" or tag is not None:
        from readq.cli_triage import ranked_or_tagged

        papers = ranked_or_tagged(store, _filter(unread, noted), sort, min_rating, tag)
    else:
        papers = store.iter_papers(_filter(unread, noted), SORT_CHOICES[sort], min_rating)
    papers = itertools.islice(papers, limit)
    if as_json:
        _echo_json_array(paper_view(p) for p in papers)
        return
    width = _line_width()
    for paper in papers:
        click.echo(list_line(paper, width))


def _line_width() -> int | None:
    """The terminal's width; None for a pipe or a file, where lines are kept whole."""
    return shutil.get_terminal_size((100, 24)).columns if sys.stdout.isatty() else None


def _echo_json_array(items) -> None:
    """A JSON array written item by item, so `| head` stops it early and 1M
    papers take constant memory; one paper per line (json's C encoder: an
    indented dump is pure Python and five times slower)."""
    out = sys.stdout
    out.write("[")
    for index, item in enumerate(items):
        out.write(("," if index else "") + "\n  " + to_json(item, indent=None))
    out.write("\n]\n")


@cli.command()
@click.argument("paper_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@db_option
@click.pass_context
def show(ctx, paper_id: str, as_json: bool) -> None:
    """Show one paper: metadata, abstract and notes. ID is a readq or arXiv id."""
    store = open_store(ctx)
    paper = store.get(resolve_ids(store, (paper_id,))[0])
    click.echo(to_json(paper_view(paper)) if as_json else detail_text(paper))


@cli.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True,
              help="Print at most N results.")
@click.option("--sort", type=click.Choice(["best", "added", "created", "rating"]), default="best",
              show_default=True, help="Order: best match, queue order, newest first, highest rated.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@db_option
@click.pass_context
def search(ctx, query: tuple[str, ...], limit: int, sort: str, as_json: bool) -> None:
    """Fuzzy search: typo-tolerant, ranked best first (the TUI's engine).

    \b
    Words match with typos and as prefixes; also:
      "exact phrase"   -word   is:unread  is:read  has:note
      rated:4  rated:>=4  cat:cs.RO  year:2025  year:2024..2025  id:2503.12
    The count and order go to stderr, the papers to stdout."""
    from readq.search import SearchEngine, describe

    store = open_store(ctx)
    engine = SearchEngine(store.connect_reader)
    # One search per process, not one per keystroke: no need to fit a frame.
    engine.rank_time_limit = engine.count_time_limit = engine.first_page_time_limit = 1.0
    try:
        # A trailing space: every word is finished (no completion of the last one).
        result = engine.search(" ".join(query) + " ", sort={"added": "queue", "created": "newest"}.get(sort, sort),
                               limit=limit)
        ids = list(result.ids)
        while len(ids) < min(limit, result.total) or (not result.total_exact and len(ids) < limit):
            more = engine.page(result, len(ids), limit - len(ids))
            if not more:
                break
            ids.extend(more)
        engine.count(result)  # the exact count, past "more than 10,000" too
    finally:
        engine.close()
    found = store.get_many(ids)
    papers = [found[i] for i in ids if i in found]
    if as_json:
        click.echo(to_json([paper_view(p) for p in papers]))
        return
    width = _line_width()
    for paper in papers:
        click.echo(list_line(paper, width))
    click.echo(describe(result), err=True)


@cli.command()
@click.argument("ids", nargs=-1, required=True, metavar="ID...")
@click.option("--read/--unread", default=True, show_default=True, help="Mark read or unread.")
@db_option
@click.pass_context
def mark(ctx, ids: tuple[str, ...], read: bool) -> None:
    """Mark papers read (or unread with --unread)."""
    store = open_store(ctx)
    resolved = resolve_ids(store, ids)
    store.set_read(resolved, read)
    click.echo(f"marked {len(resolved)} {'read' if read else 'unread'}")


@cli.command()
@click.argument("paper_id", metavar="ID")
@click.argument("rating", type=click.IntRange(0, 5))
@db_option
@click.pass_context
def rate(ctx, paper_id: str, rating: int) -> None:
    """Rate a paper 1–5 stars; 0 clears the rating."""
    store = open_store(ctx)
    (resolved,) = resolve_ids(store, (paper_id,))
    store.rate(resolved, rating)
    stars = f"{rating} star" if rating == 1 else f"{rating} stars"
    click.echo(f"rated paper {resolved}: {stars}" if rating else f"cleared the rating of paper {resolved}")


@cli.command()
@click.argument("paper_id", metavar="ID")
@click.option("--history", is_flag=True, help="List the kept versions of the note, newest first.")
@click.option("--restore", type=click.IntRange(min=1), metavar="N",
              help="Make version N (from --history) the note again.")
@click.option("--clear", is_flag=True, help="Empty the note (the old text stays in --history).")
@db_option
@click.pass_context
def note(ctx, paper_id: str, history: bool, restore: int | None, clear: bool) -> None:
    """Set a paper's note: from stdin, or in $EDITOR when run in a terminal.

    Empty stdin (nothing, or only spaces and blank lines, as from </dev/null or
    an unset variable) changes nothing and exits 1; empty a note with --clear.

    Every saved version is kept (the last 50 per paper), so a note overwritten
    by another readq process or by mistake can be listed and restored.
    """
    if clear and (history or restore):
        raise click.UsageError("--clear cannot be combined with --history or --restore")
    store = open_store(ctx)
    (resolved,) = resolve_ids(store, (paper_id,))
    paper = store.get(resolved)
    if clear:
        if not paper.notes:
            click.echo(f"the note of {resolved} is already empty", err=True)
            return
        store.save_note(resolved, "", base=paper.notes, check_base=True, coalesce=False)
        click.echo(f"cleared the note of {resolved} (`readq note {resolved} --history` lists the old text)")
        return
    if history or restore:
        versions = store.note_versions(resolved)
        if history:
            for number, (saved_at, text) in enumerate(versions, start=1):
                first_line = text.strip().splitlines()[0] if text.strip() else "(empty)"
                click.echo(terminal_safe(f"{number:>3}  {saved_at[:19].replace('T', ' ')}  {first_line[:70]}"))
            if not versions:
                click.echo("no saved versions", err=True)
            return
        if restore > len(versions):
            raise ReadqError(f"no version {restore}: the note has {len(versions)} (see --history)")
        store.save_note(resolved, versions[restore - 1][1], coalesce=False)  # the replaced text stays
        click.echo(f"restored version {restore} of the note of {resolved}")
        return
    if sys.stdin is not None and sys.stdin.isatty():
        text = click.edit(paper.notes or "", extension=".md")
        if text is None:
            click.echo("note unchanged", err=True)
            return
    else:
        text = sys.stdin.read() if sys.stdin is not None else ""  # `<&-`: no stdin at all
        if not text.strip():  # a script's empty pipe must not wipe a note
            raise ReadqError("no note text on stdin (nothing changed; use --clear to empty the note)")
    store.save_note(resolved, text, base=paper.notes, check_base=True)
    click.echo(f"saved the note of {resolved}")


@cli.command()
@click.option("--format", "format_", type=click.Choice(list(EXPORT_FORMATS)),
              default="json", show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write to this file instead of stdout.")
@click.option("--unread/--read", "unread", default=None, help="Only unread (or read) papers.")
@click.option("--min-rating", type=click.IntRange(1, 5), metavar="N", help="Only rated ≥ N.")
@click.option("--sort", type=click.Choice(list(SORT_CHOICES)), default="added",
              show_default=True, help="Order of the papers.")
@click.option("--limit", type=click.IntRange(min=1), help="Export at most N papers.")
@db_option
@click.pass_context
def export(ctx, format_: str, output: str | None, unread, min_rating, sort, limit) -> None:
    """Export papers with their reading state, rating and notes.

    json/jsonl hold every field (a complete backup: `readq import` restores it,
    reading state and tags included); bibtex is for reference managers (notes in
    annote, tags as keywords, rating and read mark as readq-* keywords); csv has every field with a
    header row; markdown is a digest of the rated or noted papers.
    """
    import itertools

    from readq.exporters import write

    store = open_store(ctx)
    papers = itertools.islice(store.iter_papers(_filter(unread), SORT_CHOICES[sort], min_rating), limit)
    tags = store.tag_states()  # small: only papers whose tags were ever set
    if not output:
        write(papers, format_, sys.stdout, tags)
        return
    # Written beside the target and renamed: a failed export never leaves half a file.
    target = Path(output)
    partial = target.with_name(f".{target.name}.partial")
    try:
        from readq.privacy import open_private

        # An export holds the notes: private like the database.
        with open_private(partial, "w", encoding="utf-8", newline="") as handle:
            write(papers, format_, handle, tags)
        os.replace(partial, target)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise ReadqError(f"{output}: cannot write ({error.strerror})") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    click.echo(f"wrote {output}", err=True)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@db_option
@click.pass_context
def stats(ctx, as_json: bool) -> None:
    """Counts: papers, unread, rated, with notes."""
    from dataclasses import asdict

    numbers = open_store(ctx).stats()
    if as_json:
        click.echo(to_json(asdict(numbers)))
    else:
        click.echo(f"{numbers.total} papers · {numbers.unread} unread · "
                   f"{numbers.rated} rated · {numbers.noted} with notes")


@cli.command()
@click.option("--dry-run", is_flag=True, help="Count and show the changes; store nothing.")
@db_option
@click.pass_context
def reheadline(ctx, dry_run: bool) -> None:
    """Derive the headlines of title-less papers again, with readq's current headline model.

    Only headlines readq derived change; real titles never do. A stored headline
    changes only when this command runs, never on its own (say after an upgrade),
    or when the background derivation after a large import replaces a quick one.
    That one is waited for, and the papers this command handles leave its queue.
    """
    import os

    from readq.headline import derive_headline, model_version
    from readq.headline_backfill import ensure_backfill, wait_lock, write_headlines

    store = open_store(ctx)
    lock = None if dry_run else wait_lock(store.path, lambda: click.echo(
        "readq: waiting for the background headline derivation to finish…", err=True))
    checked = changed = differ = 0
    examples: list[tuple[str, str]] = []
    batch: list[tuple[int, str, str]] = []
    try:
        for paper_id, old, abstract in store.iter_derived_headlines():
            checked += 1
            new = derive_headline(abstract)
            batch.append((paper_id, old, new))  # every one: it leaves the background queue too
            if new and new != old:
                examples += [(old, new)] if len(examples) < 5 else []
                differ += 1
            if len(batch) >= 500:
                changed += 0 if dry_run else write_headlines(store, batch)
                batch = []
        changed = differ if dry_run else changed + write_headlines(store, batch)
    finally:
        if lock is not None:
            os.close(lock)
    if not dry_run:
        ensure_backfill(store.path)  # papers published by an import meanwhile
    for old, new in examples if dry_run else []:
        click.echo(terminal_safe(f"- {old}\n+ {new}"))
    verb = "would change" if dry_run else "changed"
    click.echo(f"{verb} {changed} of {checked} derived headlines (headline model {model_version()})")


@cli.command()
@db_option
@click.pass_context
def path(ctx) -> None:
    """Print the path of the database in use."""
    click.echo(str(db_path(ctx)))


@cli.group()
def config() -> None:
    """Settings file (key bindings)."""


@config.command("path")
def config_path_command() -> None:
    """Print where the config file lives."""
    click.echo(str(config_path()))


@cli.command()
@click.option("--no-open", is_flag=True, help="Only build the demo database and print its path.")
@click.pass_context
def demo(ctx, no_open: bool) -> None:
    """Try readq on the bundled sample abstracts, in a fresh temporary database."""
    from importlib import resources

    from readq.importing import import_file
    from readq.store import Store

    folder = Path(tempfile.mkdtemp(prefix="readq-demo-"))
    db = folder / "demo.db"
    with Store.open(db) as store:
        samples = resources.files("readq") / "samples"
        for sample in sorted(samples.iterdir(), key=lambda p: p.name):
            if sample.name.endswith(".txt"):
                with resources.as_file(sample) as sample_path:
                    import_file(store, str(sample_path), source_name=sample.name)
    if no_open:
        click.echo(str(db))  # kept: the caller asked for the path
        return
    try:
        launch_tui(db)
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # a throwaway database leaves nothing behind


# Tags, "more like this": commands of their own module, registered on `cli`.
from readq import cli_triage  # noqa: E402, F401


def main() -> None:
    try:
        cli(prog_name="readq")
    except BrokenPipeError:
        # `readq list | head`: the reader went away; exit quietly like cat does.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(141)
