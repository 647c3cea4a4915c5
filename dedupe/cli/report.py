"""``dedupe report``: a scan's output file → a self-contained HTML report."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import orjson
import typer
from rich.console import Console

from ..article import Role
from ..errors import DedupeError, InputError
from ..io import read_articles
from ..pipeline import Verdict
from ..report import write_report
from .scan import stops_cleanly


def report(
    clusters: Path = typer.Argument(..., help="The JSONL output of dedupe scan -o."),
    output: Path = typer.Option(..., "--output", "-o", help="The HTML file to write."),
) -> None:
    """Write the HTML report of a scan's output, reading the articles' texts back from their paths.

    Exit status: 0 when written; 2 when the output or an article it names cannot be read.
    """
    out, err = Console(), Console(stderr=True)
    try:
        verdicts = _verdicts(clusters)
    except DedupeError as error:
        err.print(f"[bold red]error:[/] {error}", soft_wrap=True)
        raise typer.Exit(2) from None
    with stops_cleanly(err, "no report was written"):
        write_report(verdicts, output)
    out.print(f"wrote the report of {len(verdicts)} articles to {output}", soft_wrap=True)


def _verdicts(clusters: Path) -> list[Verdict]:
    """The verdicts of a scan's JSONL output, with their articles read again from ``path``."""
    try:
        records = [orjson.loads(line) for line in clusters.read_bytes().splitlines() if line.strip()]
    except OSError as error:
        raise InputError(str(clusters), f"cannot read: {error.strerror or error}") from None
    except orjson.JSONDecodeError as error:
        raise InputError(str(clusters), f"not the JSONL output of dedupe scan: {error.msg}") from None
    by_path: dict[str, list[dict]] = {}
    for r in records:
        by_path.setdefault(r.get("path") or "", []).append(r)
    verdicts = []
    for path, wanted in by_path.items():
        found = read_articles([path]).articles if path and Path(path).exists() else []
        # A file of one article is matched by its path: its id was made relative to the folder
        # scanned, which this reading does not know. Records of other files carry their own ids.
        by_id = {wanted[0]["id"]: found[0]} if len(found) == 1 and len(wanted) == 1 else {a.id: a for a in found}
        for r in wanted:
            if r.get("id") not in by_id:
                raise InputError(str(clusters), f"article {r.get('id')!r} is no longer at {path or '(no path)'}")
            verdicts.append(Verdict(dataclasses.replace(by_id[r["id"]], id=r["id"]), Role(r["role"]), r["cluster"],
                                    r["canonical"], r.get("similarity"), r.get("containment"), r.get("coverage"),
                                    r.get("missing")))
    return verdicts
