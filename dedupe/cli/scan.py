"""``dedupe scan``: a folder (or files) of articles → stories on the terminal and in a file."""

from __future__ import annotations

import re
import sys
import time
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Iterator, List, NoReturn, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from ..article import Columns
from ..config import DedupeConfig
from ..errors import ConfigError, InputError, OutputError
from ..heap import peak_since_last_call
from ..io import read_articles, write_rejects, write_results
from ..io.writers import STDOUT, check_target, format_of
from .render import print_error, print_rejects, shown_text, stories_table, summary_line, timings_line

STAGES = ("read", "clean", "sketch", "candidates", "verify", "cluster")


class Format(str, Enum):
    jsonl = "jsonl"
    csv = "csv"
    parquet = "parquet"


def choice_of(kind: type[Enum]) -> Callable[[Optional[str]], Optional[Enum]]:
    """A callback that reads an option's text as one of ``kind``'s values, or says which it takes
    (the option's own coercion prefixed its message with "Value error,")."""
    def read(value: Optional[str]) -> Optional[Enum]:
        if value is None or isinstance(value, kind):
            return value
        try:
            return kind(value.lower())
        except ValueError:
            raise typer.BadParameter(f"{value!r} is not one of {', '.join(k.value for k in kind)}") from None
    return read


def format_option(default: Optional[str], *names: str, help: str, kind: Optional[type[Enum]] = None) -> Any:
    """An option that takes one of the formats of ``kind`` (default :class:`Format`)."""
    kind = kind or Format
    return typer.Option(default, *names, metavar="|".join(k.value for k in kind), callback=choice_of(kind),
                        help=help)


class InputFormat(str, Enum):
    jsonl = "jsonl"
    json = "json"
    csv = "csv"
    tsv = "tsv"
    text = "text"
    html = "html"


INPUTS_HELP = ("Folders (walked recursively) or files of articles: .txt, .md, .json, .jsonl, .ndjson, .csv, "
               ".tsv, .parquet, .html, .htm; the text ones may be compressed (.gz, .bz2, .xz, .zst). "
               "'-' reads standard input.")
# The same names as dedupe spark scan's.
TEXT_COL = typer.Option(None, "--text-col", metavar="COLUMN", help="Column (or JSON field) holding the text "
                                                  "(default: text, body or content).")
ID_COL = typer.Option(None, "--id-col", metavar="COLUMN", help="Column holding the unique id (default: id; else the file's "
                                              "path, #N for the N-th record).")
TITLE_COL = typer.Option(None, "--title-col", metavar="COLUMN", help="Column holding the headline (default: title or headline).")
SOURCE_COL = typer.Option(None, "--source-col", metavar="COLUMN", help="Column holding the outlet (default: source or publisher).")
PUBLISHED_COL = typer.Option(None, "--published-col", metavar="COLUMN", help="Column holding the publication time (default: "
                                                           "published, else pubDate, published_at, date, "
                                                           "scrape_time).")
INPUT_FORMAT = format_option("jsonl", "--input-format", help="Format of standard input ('-').", kind=InputFormat)


def columns_from(text_col: Optional[str], id_col: Optional[str], title_col: Optional[str],
                 source_col: Optional[str], published_col: Optional[str]) -> Optional[Columns]:
    """The columns named on the command line, or ``None`` for the usual names."""
    named = dict(text=text_col, id=id_col, title=title_col, source=source_col, published=published_col)
    return Columns(**named) if any(named.values()) else None


def scan(
    paths: List[Path] = typer.Argument(..., help=INPUTS_HELP, metavar="PATH..."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write one record per article here "
                                          "('-': standard output)."),
    format: Optional[str] = format_option(None, "--format", "-f", help="Format of --output and --rejects "
                                          "(default: from the file's extension, .csv, .parquet or .jsonl; "
                                          "else jsonl)."),
    rejects: Optional[Path] = typer.Option(None, "--rejects", help="Write every input that could not be "
                                                                   "read here: path, line, reason."),
    report: Optional[Path] = typer.Option(None, "--report", help="Write a self-contained HTML report of the "
                                                                 "stories here."),
    config_file: Optional[Path] = typer.Option(None, "--config", help="A dedupe.toml or pyproject.toml to read "
                                               "parameters from (default: the nearest one with them)."),
    threshold: Optional[float] = typer.Option(None, help="Share of the shorter text that must be found in "
                                                         "the other for a copy (default 0.5)."),
    num_perm: Optional[int] = typer.Option(None, help="MinHash permutations (default 128)."),
    shingle_size: Optional[int] = typer.Option(None, help="Words per shingle (default 5)."),
    source_priority: Optional[str] = typer.Option(None, metavar="SOURCES", help="Comma-separated sources preferred as "
                                                             "canonical when versions are equally complete."),
    max_article_size: Optional[str] = typer.Option(None, metavar="SIZE", help="Largest article read: a text or JSON file, or a "
                                                              "JSONL line, above it is rejected unread (default "
                                                              "16MB; e.g. 512kB, 64MB)."),
    text_col: Optional[str] = TEXT_COL,
    id_col: Optional[str] = ID_COL,
    title_col: Optional[str] = TITLE_COL,
    source_col: Optional[str] = SOURCE_COL,
    published_col: Optional[str] = PUBLISHED_COL,
    input_format: str = INPUT_FORMAT,
    limit: int = typer.Option(20, help="Stories shown in the table (all are written to --output)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the summary line."),
    timings: bool = typer.Option(False, "--timings", help="Print the seconds each stage took, and its peak memory, on standard error."),
) -> None:
    """Group syndicated copies into stories, pick each story's canonical version and mark the truncated copies.

    Exit status: 0 when every input was read (duplicates found or not); 1 when some inputs were rejected (listed on standard error and in --rejects); 2 on bad usage, a path that does not exist or an output that cannot be written (checked before any work), or when no article at all could be read; 3 when writing an output failed during the run (a full disk), that file left as it was; 130 when interrupted (Ctrl-C), with no output file written.
    """
    err = Console(stderr=True)
    # With the records on standard output, everything said goes to standard error.
    out = err if STDOUT in (str(output), str(rejects)) else Console()
    try:
        config = config_from(config_file, threshold=threshold, num_perm=num_perm, shingle_size=shingle_size,
                             source_priority=source_priority, max_article_bytes=max_article_size)
    except ConfigError as error:
        print_error(err, error)
        raise typer.Exit(2)
    check_targets(err, output, rejects, html=report, format=format.value if format else None)
    announce_compiles_on(err)

    start = time.perf_counter()
    if timings:
        peak_since_last_call()  # each stage's peak memory is counted from its start
    with stops_cleanly(err, "nothing was written"), _progress(err) as advance:
        advance("read")
        try:
            read = read_articles(paths, config.max_article_bytes, stdin_format=input_format.value,
                                 columns=columns_from(text_col, id_col, title_col, source_col, published_col))
        except InputError as error:
            print_error(err, error)
            raise typer.Exit(2)
        if not read.articles:
            nothing_read(err, read.rejects, rejects)
        read_seconds, read_peak = time.perf_counter() - start, peak_since_last_call() if timings else None
        from ..pipeline import Deduplicator
        from ..report import write_report
        # Quiet and without a report, the run shows no text (a story's headline may come from its
        # canonical's text): the articles' texts go once cleaned, and their memory with them.
        result = Deduplicator(config, progress=advance, stage_peaks=timings,
                              release_texts=quiet and report is None).run(read.articles, read.rejects)
        written = time.perf_counter()
        if timings:
            peak_since_last_call()
        # Each file appears whole or not at all; one interrupted is never left looking finished.
        given = format.value if format else None
        try:
            if output is not None:
                write_results(result.verdicts, output, format_of(output, given))
            if rejects is not None:
                write_rejects(result.rejects, rejects, format_of(rejects, given))
            if report is not None:
                write_report(result.verdicts, report)
        except OutputError as error:
            print_error(err, error)
            raise typer.Exit(3) from None
    if timings:
        stages = {"read": read_seconds, **result.timings, "write": time.perf_counter() - written}
        peaks = {"read": read_peak, **result.peak_memory, "write": peak_since_last_call()}
        err.print(timings_line(stages, time.perf_counter() - start,
                               {name: peak for name, peak in peaks.items() if peak is not None}), soft_wrap=True)
    if not quiet and result.clusters:
        out.print(stories_table(result.clusters, limit))
    print_rejects(err, result.rejects, str(rejects) if rejects is not None else None)
    # Lines a script may grep are never wrapped.
    out.print(summary_line(result), soft_wrap=True)
    if output is not None and not quiet:
        out.print(Text(f"wrote {len(result.verdicts)} records to {shown_text(str(output))}", style="dim"),
                  soft_wrap=True)
    raise typer.Exit(1 if result.rejects else 0)


def nothing_read(err: Console, rejects: list, rejects_path: Optional[Path]) -> NoReturn:
    """End a run that read no article: its rejects (written to ``rejects_path`` too), then one
    line, exit status 2; no output is written, so that an empty file never looks like a result."""
    if rejects_path is not None:
        try:
            write_rejects(rejects, rejects_path, format_of(rejects_path, None))
        except OutputError as error:
            print_error(err, error)
    print_rejects(err, rejects, str(rejects_path) if rejects_path is not None else None)
    print_error(err, f"no article was read ({len(rejects):,} input{'s' if len(rejects) != 1 else ''} rejected, "
                     "as listed above): nothing was written")
    raise typer.Exit(2)


def announce_compiles_on(err: Console) -> None:
    """Say on standard error, whatever it is connected to, when the numeric kernels compile (the
    first run after installing takes about a minute)."""
    from ..numba_cache import announce_compiles
    announce_compiles(lambda line: err.print(Text(f"dedupe: {line}", style="dim"), soft_wrap=True))


def check_targets(err: Console, *targets: Optional[Path], format: Optional[str] = None,
                  html: Optional[Path] = None) -> None:
    """Exit with status 2 and a message, before any work, when an output cannot be written:
    ``targets`` of records in ``format`` (else the one their extension names), ``html`` a report."""
    for target, kind in [*((t, format) for t in targets), (html, "html")]:
        problem = check_target(target, kind) if target is not None else None
        if problem:
            print_error(err, problem)
            raise typer.Exit(2)


@contextmanager
def stops_cleanly(console: Console, undone: str) -> Iterator[None]:
    """Ctrl-C ends the command with a line saying what was left undone, and exit status 130,
    instead of a traceback. Ctrl-C while numba compiles a kernel waits for that kernel."""
    from ..numba_cache import compiles_finish_before_ctrl_c
    try:
        with compiles_finish_before_ctrl_c():
            yield
    except (KeyboardInterrupt, SystemError) as error:
        if not _interrupted(error):
            raise
        print_error(console, undone, "interrupted")
        raise typer.Exit(130) from None


def _interrupted(error: BaseException | None) -> bool:
    """Whether ``error`` is Ctrl-C: a KeyboardInterrupt, or what a numba function turned it into
    (a chain of SystemErrors caused by it)."""
    while isinstance(error, SystemError):
        error = error.__cause__
    return isinstance(error, KeyboardInterrupt)


def config_from(config_file: Optional[Path], **overrides) -> DedupeConfig:
    """The run's parameters: ``config_file``, else the nearest configuration, with ``overrides``."""
    if config_file is not None:
        if not config_file.is_file():
            raise ConfigError(f"{config_file}: no such configuration file")
        config = DedupeConfig.load_file(config_file)
    else:
        config = DedupeConfig.load(Path.cwd())
    changes = {k: v for k, v in overrides.items() if v is not None}
    if "source_priority" in changes:
        changes["source_priority"] = tuple(s.strip() for s in changes["source_priority"].split(",") if s.strip())
    if "max_article_bytes" in changes:
        changes["max_article_bytes"] = parse_size(changes["max_article_bytes"])
    return config.replace(**changes) if changes else config


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:([kmg])(i)?)?b?\s*$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """Bytes in ``text``: a count, or a count with a unit, as in ``512kB``, ``16MB``, ``2GiB``."""
    match = _SIZE.match(text)
    if match is None:
        raise ConfigError(f"a size must be a number of bytes or one like 512kB, 16MB or 1GB, got {text!r}")
    number, unit, binary = match.groups()
    power = " kmg".index(unit.lower()) if unit else 0
    return int(float(number) * (1024 if binary else 1000) ** power)


class _progress:
    """A bar over the pipeline's stages on standard error, shown only on a terminal."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.bar: Progress | None = None

    def __enter__(self) -> Callable[[str], None]:
        if self.console.is_terminal and sys.stderr.isatty():
            self.bar = Progress(TextColumn("[progress.description]{task.description:<10}"), BarColumn(),
                                TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                                console=self.console, transient=True)
            self.bar.start()
            self.task = self.bar.add_task("read", total=len(STAGES))
        return self.advance

    def advance(self, stage: str) -> None:
        if self.bar is not None:
            self.bar.update(self.task, description=stage, completed=STAGES.index(stage))

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()
