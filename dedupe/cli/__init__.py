"""The ``dedupe`` command line: one sub-command per module, each calling one library function."""

from __future__ import annotations

import sys

import typer

from .explain import explain
from .index import app as index_app
from .report import report
from .scan import scan
from .spark import app as spark_app

app = typer.Typer(
    name="dedupe",
    help="Find the syndicated copies of news wire stories, pick the canonical version, "
         "and mark the truncated ones.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command(no_args_is_help=True)(scan)
app.command(no_args_is_help=True)(explain)
app.command(no_args_is_help=True)(report)
app.add_typer(index_app, name="index")
app.add_typer(spark_app, name="spark")


@app.callback(invoke_without_command=True)
def _root(version: bool = typer.Option(False, "--version", help="Print the version and exit.",
                                       is_eager=True)) -> None:
    if version:
        from .. import __version__
        typer.echo(f"dedupe {__version__}")
        raise typer.Exit()


OUT_OF_MEMORY = 4
"""The exit status of a run that ran out of memory (README: exit status)."""


def main() -> None:
    """Entry point of the ``dedupe`` script and of ``python -m dedupe``."""
    from .help_style import readable_help
    try:
        try:
            readable_help(typer.main.get_command(app))(prog_name="dedupe")
        except SystemError as error:  # what a compiled kernel makes of a MemoryError inside it
            if not _caused_by_memory(error):
                raise
            raise MemoryError from None
    except MemoryError:
        # Outputs are written whole or not at all, so none was left half-written. The message is
        # written without rich: it must not need the memory that ran out.
        sys.stderr.write("error: out of memory: the articles given do not fit in this machine's memory, and "
                         "nothing was written; scan them in parts, add them to an index in batches (dedupe "
                         "index add), or use the Spark job (dedupe spark scan)\n")
        sys.exit(OUT_OF_MEMORY)


def _caused_by_memory(error: BaseException | None) -> bool:
    while error is not None:
        if isinstance(error, MemoryError):
            return True
        error = error.__cause__ or error.__context__
    return False
