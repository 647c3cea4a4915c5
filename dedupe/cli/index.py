"""``dedupe index``: the ingestion index from the command line (see :class:`dedupe.Index`)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, List, Optional

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..article import parse_published
from ..errors import ConfigError, DedupeError, IndexWriteError, OutputError
from ..io import read_articles, write_rejects, write_results
from ..io.writers import INDEX_COLUMNS, STDOUT, format_of
from .render import added_line, events_line, print_error, print_rejects, story_table
from .common import (ID_COL, format_option, nothing_read, INPUT_FORMAT, INPUTS_HELP, PUBLISHED_COL, SOURCE_COL, TEXT_COL, TITLE_COL,
                   announce_compiles_on, check_targets, columns_from, config_from, stops_cleanly)

app = typer.Typer(help="A persistent index for ingestion jobs: add batches, show stories, prune old articles.",
                  no_args_is_help=True)

_INDEX = typer.Argument(..., metavar="INDEX", help="The index: a SQLite file or redis://host:port/db.")
_NEW_INDEX = typer.Argument(..., metavar="INDEX", help="The index: a SQLite file (created if absent) or "
                                                      "redis://host:port/db.")
_WINDOW = typer.Option(None, "--window", "-w", metavar="DURATION", help="Compare only with articles published (else arrived) "
                                                    "this long ago or less: 36h, 3d, 2w (default: all).")
_NOW = typer.Option(None, "--now", metavar="TIME", help="The time to count the window (or the age) from, ISO 8601 or RFC 2822 "
                                        "(default: the clock); for an archive, its last day.")


def _moment(now: Optional[str], option: str = "--now") -> Optional[datetime]:
    """``--now`` (or ``option``) read as a time; a naive time is UTC."""
    if now is None:
        return None
    try:
        moment = parse_published(now)
    except ValueError as error:
        raise ConfigError(f"{option}: {str(error).replace(chr(39) + 'published' + chr(39), 'the time')}") from None
    if moment is None:
        raise ConfigError(f"{option} is empty: give a time, ISO 8601 (2018-07-16T08:00) or RFC 2822")
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@app.command(no_args_is_help=True)
def add(
    index: str = _NEW_INDEX,
    paths: List[Path] = typer.Argument(..., help=INPUTS_HELP, metavar="PATH..."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write one verdict per article here "
                                          "('-': standard output)."),
    format: Optional[str] = format_option(None, "--format", "-f", help="Format of --output and --rejects "
                                          "(default: from the file's extension, .csv, .parquet or .jsonl; else jsonl)."),
    rejects: Optional[Path] = typer.Option(None, "--rejects", help="Write every input not taken here."),
    window: Optional[str] = _WINDOW,
    config_file: Optional[Path] = typer.Option(None, "--config", help="A dedupe.toml or pyproject.toml."),
    max_article_size: Optional[str] = typer.Option(None, metavar="SIZE", help="Largest article read, as for dedupe scan "
                                                              "(default 16MB)."),
    text_col: Optional[str] = TEXT_COL,
    id_col: Optional[str] = ID_COL,
    title_col: Optional[str] = TITLE_COL,
    source_col: Optional[str] = SOURCE_COL,
    published_col: Optional[str] = PUBLISHED_COL,
    input_format: str = INPUT_FORMAT,
    now: Optional[str] = _NOW,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the summary line (and what went wrong)."),
) -> None:
    """Compare new articles with the index's window, store them, and say what each one is.

    Exit status: 0 when every input was taken; 1 when some were rejected; 2 on bad usage, a path
    that does not exist, an index that cannot be opened or written (checked before any work), or
    no article read at all;
    3 when the index or an output could not be written during the work (a full disk, a damaged
    index: the message says what was stored); 130 when interrupted (Ctrl-C), with a line saying
    whether the add was stored.
    """
    err = Console(stderr=True)
    out = err if STDOUT in (str(output), str(rejects)) else Console()
    check_targets(err, output, rejects, format=format.value if format else None)
    announce_compiles_on(err)
    with _errors(err), stops_cleanly(err, "nothing of this add was stored, and no output was written"):
        config = config_from(config_file, max_article_bytes=max_article_size)
        moment = _moment(now)
        from ..index import Index
        with Index(index, window=window, config=config, on_wait=lambda line: print_error(err, line, "note")) as opened:
            opened.check_writable()  # before any work: a read-only or locked file says so now
            read = read_articles(paths, config.max_article_bytes, stdin_format=input_format.value,
                                 columns=columns_from(text_col, id_col, title_col, source_col, published_col))
            if not read.articles:
                nothing_read(err, read.rejects, rejects)
            added = opened.add(read.articles, now=moment)
    every_reject = read.rejects + added.rejects
    stored = ("the articles were stored; the output files were not written (the new canonicals of this add: "
              f"dedupe index events {index} --since ...)")
    with _errors(err, stored), stops_cleanly(err, stored):
        given = format.value if format else None
        if output is not None:
            write_results(added.verdicts, output, format_of(output, given), INDEX_COLUMNS)
        if rejects is not None:
            write_rejects(every_reject, rejects, format_of(rejects, given))
    early = {id(r) for r in added.early}
    print_rejects(err, [r for r in every_reject if id(r) not in early], str(rejects) if rejects is not None else None)
    if added.early:
        # One line, not one per article: an archive added against the clock is the usual cause.
        print_error(err, f"{len(added.early):,} article{'s were' if len(added.early) != 1 else ' was'} published "
                         "before the index's window and not stored"
                         + (f" (listed in {rejects})" if rejects is not None else " (--rejects FILE lists them)")
                         + ("; the window counts from --now: for an archive, give its last day" if now is None
                            else f"; the window counts back from --now {now}"), "note")
    if added.events and not quiet:
        out.print(Text(events_line(added.events), style="dim"), soft_wrap=True)
    out.print(added_line(added.verdicts, len(every_reject)), soft_wrap=True)
    raise typer.Exit(1 if every_reject else 0)


@app.command(no_args_is_help=True)
def show(index: str = _INDEX,
         story: str = typer.Option(..., "--story", "-s", metavar="STORY_ID", help="The story's id (the cluster column).")) -> None:
    """One stored story: its canonical first, then every member with its role and scores."""
    out, err = Console(), Console(stderr=True)
    with _errors(err):
        from ..index import Index
        with Index(index, create=False, writable=False) as opened:
            found = opened.story(story)
    if found is None:
        print_error(err, f"{opened.location}: no story {story!r}")
        raise typer.Exit(1)
    out.print(story_table(found))


@app.command(no_args_is_help=True)
def prune(index: str = _INDEX,
          older_than: str = typer.Option(..., "--older-than", metavar="DURATION", help="Remove articles published (else arrived) "
                                                                    "longer ago than this: 36h, 7d, 2w."),
          now: Optional[str] = _NOW,
          dry_run: bool = typer.Option(False, "--dry-run", help="Say how many articles would go; remove nothing.")
          ) -> None:
    """Remove old articles; stories that lose their canonical get the best remaining version.

    Exit status: 0 when done; 2 on bad usage or an index that cannot be opened (or does not exist).
    """
    out, err = Console(), Console(stderr=True)
    with _errors(err):
        moment = _moment(now)  # a bad option is said before the index is opened
        from ..index import Index
        with Index(index, create=False) as opened:
            count = opened.prune(older_than, now=moment, dry_run=dry_run)
    verb = "would prune" if dry_run else "pruned"
    out.print(Text(f"{verb} {count} article{'s' if count != 1 else ''} older than {older_than}"), soft_wrap=True)


@app.command(no_args_is_help=True)
def stats(index: str = _INDEX) -> None:
    """Articles and stories stored, their time span, the size, the boilerplate learnt, and the
    parameters."""
    out, err = Console(), Console(stderr=True)
    with _errors(err):
        from ..index import Index
        with Index(index, create=False, writable=False) as opened:
            found = opened.stats()
            location = opened.location
    table = Table(show_header=False, title=Text(f"Index {location}"), title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    table.add_row("articles", f"{found['articles']:,}")
    table.add_row("stories", f"{found['stories']:,} (of more than one version)")
    for name in ("oldest", "newest"):
        table.add_row(name, found[name] or "—")
    table.add_row("size", f"{found['bytes'] / 1e6:,.1f} MB")
    table.add_row("boilerplate lines", f"{found['boilerplate_lines']:,}")
    for name, value in (found["parameters"] or {}).items():
        table.add_row(name, str(value))
    out.print(table)


@app.command(no_args_is_help=True)
def events(index: str = _INDEX,
           since: Optional[str] = typer.Option(None, "--since", metavar="TIME", help="Only the adds (and prunes) "
                                               "at this time or later, ISO 8601 or RFC 2822 (default: all kept)."),
           output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write them here as JSON lines "
                                                 "(default: standard output).")) -> None:
    """What happened to stored stories, add by add (and prune by prune): one JSON line each, with
    the time, the event (joined, replaced, merged, split), the story, its canonical, the canonical
    it replaced, the story merged into it or split from it, and the articles concerned. Kept with
    each add, for a job that follows the stories or whose output of an add was lost."""
    err = Console(stderr=True)
    check_targets(err, output, format="jsonl")
    with _errors(err):
        moment = _moment(since, "--since")
        from ..index import Index
        with Index(index, create=False, writable=False) as opened:
            found = opened.events(moment)
        import orjson
        lines = b"".join(orjson.dumps(e, option=orjson.OPT_APPEND_NEWLINE) for e in found)
        if output is None:
            typer.echo(lines.decode(), nl=False)
        else:
            from ..io.writers import atomic_file
            with atomic_file(output, binary=True) as handle:
                handle.write(lines)


@contextmanager
def _errors(console: Console, after: str = "") -> Iterator[None]:
    """A DedupeError becomes its message on standard error and exit status 2; a failure to write
    while working (the index, an output), exit status 3, with ``after`` said."""
    try:
        yield
    except (IndexWriteError, OutputError) as error:
        print_error(console, f"{error}" + (f"; {after}" if after else ""))
        raise typer.Exit(3) from None
    except DedupeError as error:
        print_error(console, error)
        raise typer.Exit(2) from None
