"""Triage commands: `readq similar`, `readq tag`, `readq untag`, `readq tags`, and
the recommended / tagged views of `readq list` (readq/recommend.py, readq/tags.py).

Registered on the `readq` group by readq/cli.py, which imports this module last.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

import click

from readq.cli import _echo_json_array, _line_width, cli, db_option, open_store, resolve_ids
from readq.errors import ReadqError
from readq.models import Paper
from readq.output import list_line, paper_view, to_json
from readq.textclean import terminal_safe

SIMILAR_LIMIT = 20
STREAM_CHUNK = 200  # papers read per query while a ranked list is printed


def ranked_or_tagged(store, filter: str, sort: str, min_rating: int | None,
                     tag: str | None) -> Iterator[Paper]:
    """The papers of `readq list` in the recommended order (for `tag`: ranked by
    the tag's papers), or only the tagged papers in a store sort."""
    from readq.cli import SORT_CHOICES

    if tag is not None and not store.tagged_ids(tag):
        raise ReadqError(f"no paper has the tag {tag!r} (see `readq tags`)")
    if sort != "recommended":
        tagged = set(store.tagged_ids(tag))
        return (p for p in store.iter_papers(filter, SORT_CHOICES[sort], min_rating) if p.id in tagged)
    from readq.recommend import recommended_ids

    order = recommended_ids(store, filter, tag=tag)
    if order.reason:  # stderr: a script reading stdout still gets the (newest first) list
        click.echo(f"readq: {terminal_safe(order.reason)} (newest first meanwhile)", err=True)
    papers = _papers_in_order(store, order.ids)
    if min_rating is not None:
        papers = (p for p in papers if p.rating is not None and p.rating >= min_rating)
    return papers


def _papers_in_order(store, ids: Iterable[int]) -> Iterator[Paper]:
    """Papers of a ranked id list, read a chunk at a time (`| head` reads little)."""
    ids = iter(ids)
    while chunk := list(itertools.islice(ids, STREAM_CHUNK)):
        found = store.get_many(chunk)
        yield from (found[i] for i in chunk if i in found)


def _print_papers(papers: list[Paper], as_json: bool, empty: str) -> None:
    if as_json:
        _echo_json_array(paper_view(p) for p in papers)
        return
    width = _line_width()
    for paper in papers:
        click.echo(list_line(paper, width))
    if not papers:
        click.echo(empty, err=True)


@cli.command()
@click.argument("paper_id", metavar="ID")
@click.option("--limit", type=click.IntRange(min=1), default=SIMILAR_LIMIT, show_default=True,
              help="Print at most N papers.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@db_option
@click.pass_context
def similar(ctx, paper_id: str, limit: int, as_json: bool) -> None:
    """More like this: the papers most similar to one paper, best first.

    ID is a readq or arXiv id. Similar means sharing its rarer title and
    abstract words and phrases.
    """
    from readq.recommend import similar_ids

    store = open_store(ctx)
    (resolved,) = resolve_ids(store, (paper_id,))
    _print_papers(list(_papers_in_order(store, similar_ids(store, resolved, limit))), as_json,
                  "no similar papers (it shares no distinctive words with others)")


@cli.command()
@click.argument("paper_id", metavar="ID")
@click.argument("names", nargs=-1, required=True, metavar="NAME...")
@db_option
@click.pass_context
def tag(ctx, paper_id: str, names: tuple[str, ...]) -> None:
    """Add tags to a paper. A tag is one word; case does not matter.

    `readq list --tag NAME` lists a tag's papers; with `--sort recommended`
    the others are ranked by how much they resemble them.
    """
    store = open_store(ctx)
    (resolved,) = resolve_ids(store, (paper_id,))
    added = store.add_tags(resolved, names)
    now = store.tags_of(resolved)
    verb = f"tagged paper {resolved} " + ", ".join(added) if added else f"paper {resolved} already had those tags"
    click.echo(terminal_safe(f"{verb} (tags: {', '.join(now)})"))


@cli.command()
@click.argument("paper_id", metavar="ID")
@click.argument("names", nargs=-1, required=True, metavar="NAME...")
@db_option
@click.pass_context
def untag(ctx, paper_id: str, names: tuple[str, ...]) -> None:
    """Remove tags from a paper."""
    store = open_store(ctx)
    (resolved,) = resolve_ids(store, (paper_id,))
    removed = store.remove_tags(resolved, names)
    if not removed:
        raise ReadqError(f"paper {resolved} has none of these tags (it has: "
                         f"{', '.join(store.tags_of(resolved)) or 'no tags'})")
    left = store.tags_of(resolved)
    click.echo(terminal_safe(f"removed {', '.join(removed)} from paper {resolved}"
                             f" (tags: {', '.join(left) or 'none'})"))


@cli.command("tags")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@db_option
@click.pass_context
def tags_command(ctx, as_json: bool) -> None:
    """List the tags in use with their number of papers, most used first."""
    counts = open_store(ctx).all_tags()
    if as_json:
        click.echo(to_json([{"tag": name, "papers": papers} for name, papers in counts]))
        return
    for name, papers in counts:
        click.echo(terminal_safe(f"{papers:>6}  {name}"))
    if not counts:
        click.echo("no tags yet (add one: readq tag ID NAME)", err=True)
