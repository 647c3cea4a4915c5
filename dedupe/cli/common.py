"""What every command shares: the column and format options, reading the configuration, checking
outputs before work, and stopping cleanly on Ctrl-C."""

from __future__ import annotations

import re
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Iterator, NoReturn, Optional

import typer
from rich.console import Console
from rich.text import Text

from ..article import Columns
from ..config import DedupeConfig
from ..errors import ConfigError, OutputError
from ..io import write_rejects
from ..io.writers import check_target, format_of
from .render import print_error, print_rejects

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
