"""``dedupe scan``: a folder (or files) of articles → stories on the terminal and in a file."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Callable, List, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from ..errors import ConfigError, InputError, OutputError
from ..heap import peak_since_last_call
from ..io import read_articles, write_rejects, write_results
from ..io.writers import STDOUT, format_of
from .common import (ID_COL, INPUT_FORMAT, INPUTS_HELP, PUBLISHED_COL, SOURCE_COL, TEXT_COL, TITLE_COL,
                     announce_compiles_on, check_targets, columns_from, config_from, format_option, nothing_read,
                     stops_cleanly)
from .render import print_error, print_rejects, shown_text, stories_table, summary_line, timings_line

STAGES = ("read", "clean", "sketch", "candidates", "verify", "cluster")


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
