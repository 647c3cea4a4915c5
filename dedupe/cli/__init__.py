"""The ``dedupe`` command line: one sub-command per module, each calling one library function."""

from __future__ import annotations

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


def main() -> None:
    """Entry point of the ``dedupe`` script and of ``python -m dedupe``."""
    from .help_style import readable_help
    readable_help(typer.main.get_command(app))(prog_name="dedupe")
