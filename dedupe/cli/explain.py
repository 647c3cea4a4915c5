"""``dedupe explain``: why two articles are, or are not, copies of one story."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import List, Optional

import orjson
import typer
from rich.console import Console

from ..article import Columns
from ..errors import DedupeError, InputError
from ..io import read_articles
from .render import explanation_view, print_error
from .common import (ID_COL, PUBLISHED_COL, SOURCE_COL, TEXT_COL, TITLE_COL, announce_compiles_on, columns_from,
                   config_from, stops_cleanly)


def explain(
    a: str = typer.Argument(..., help="A file holding one article, or an article's id with --in."),
    b: str = typer.Argument(..., help="The other one, likewise."),
    within: Optional[List[Path]] = typer.Option(None, "--in", help="Folders or files to find the two ids in; "
                                                "they are also the context (boilerplate, TF-IDF) of the scores."),
    as_json: bool = typer.Option(False, "--json", help="Print everything as one JSON object."),
    config_file: Optional[Path] = typer.Option(None, "--config", help="A dedupe.toml or pyproject.toml."),
    text_col: Optional[str] = TEXT_COL,
    id_col: Optional[str] = ID_COL,
    title_col: Optional[str] = TITLE_COL,
    source_col: Optional[str] = SOURCE_COL,
    published_col: Optional[str] = PUBLISHED_COL,
) -> None:
    """Show every score of two articles, the rule that decided, the roles a scan gives them, and
    the two texts aligned: shared passages dimmed, what only one holds highlighted.

    Exit status: 0 when shown; 2 when an article cannot be read or found; 130 when interrupted (Ctrl-C).
    """
    out, err = Console(), Console(stderr=True)
    announce_compiles_on(err)
    with stops_cleanly(err, "nothing was shown"):
        pair = _explained(a, b, within, config_file, err,
                          columns_from(text_col, id_col, title_col, source_col, published_col))
    if as_json:
        out.print_json(orjson.dumps(pair.to_dict()).decode())
    else:
        out.print(explanation_view(pair))


def _explained(a: str, b: str, within: Optional[List[Path]], config_file: Optional[Path], err: Console,
               columns: Optional[Columns]):
    """The two articles' explanation, or exit status 2 with a message when one cannot be read."""
    try:
        config = config_from(config_file)
        if within:
            read = read_articles(within, config.max_article_bytes, columns=columns)
            articles, a_id, b_id = read.articles, a, b
        else:
            articles = [_one_article(Path(a), config.max_article_bytes, columns),
                        _one_article(Path(b), config.max_article_bytes, columns)]
            a_id, b_id = articles[0].id, articles[1].id
        from ..explain import explain_pair
        return explain_pair(articles, a_id, b_id, config)
    except DedupeError as error:
        print_error(err, error)
        raise typer.Exit(2) from None


def _one_article(path: Path, limit: int, columns: Optional[Columns]):
    """The one article a file holds, named by the path as given."""
    read = read_articles([path], limit, columns=columns)
    if read.rejects:
        raise InputError(str(path), read.rejects[0].reason)
    if len(read.articles) != 1:
        raise InputError(str(path), f"holds {len(read.articles)} articles; give ids with --in {path}")
    return dataclasses.replace(read.articles[0], id=str(path))
