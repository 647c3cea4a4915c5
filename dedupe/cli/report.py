"""``dedupe report``: a scan's output file → a self-contained HTML report."""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path
from typing import Any, Optional

import orjson
import typer
from rich.console import Console
from rich.text import Text

from .render import print_error

from ..article import Columns
from ..errors import DedupeError, InputError, OutputError
from ..io.writers import csv_cell_value
from .common import (ID_COL, PUBLISHED_COL, SOURCE_COL, TEXT_COL, TITLE_COL, check_targets, columns_from,
                   stops_cleanly)



def report(
    clusters: Path = typer.Argument(..., help="The output of dedupe scan -o: JSON lines, CSV or Parquet.",
                                    metavar="CLUSTERS"),
    output: Path = typer.Option(..., "--output", "-o", help="The HTML file to write."),
    text_col: Optional[str] = TEXT_COL,
    id_col: Optional[str] = ID_COL,
    title_col: Optional[str] = TITLE_COL,
    source_col: Optional[str] = SOURCE_COL,
    published_col: Optional[str] = PUBLISHED_COL,
) -> None:
    """Write the HTML report of a scan's output, reading the articles' texts back from their paths.

    A relative path is found from the current folder, else from the output file's folder or the
    nearest folder above it that holds it (where the scan ran). Give the column options the scan
    was given.

    Exit status: 0 when written; 2 when the output file is not a scan's, or an article it names
    cannot be read; 3 when the report cannot be written (a full disk).
    """
    out, err = Console(), Console(stderr=True)
    check_targets(err, html=output)
    try:
        verdicts = _verdicts(clusters, columns_from(text_col, id_col, title_col, source_col, published_col))
    except DedupeError as error:
        print_error(err, error)
        raise typer.Exit(2) from None
    from ..report import write_report
    with stops_cleanly(err, "no report was written"):
        try:
            write_report(verdicts, output)
        except OutputError as error:  # a full disk, a device that refuses it: exit 3, as scan does
            print_error(err, error)
            raise typer.Exit(3) from None
    out.print(Text(f"wrote the report of {len(verdicts)} articles to {output}"), soft_wrap=True)


def _verdicts(clusters: Path, columns: Optional[Columns]) -> list:
    """The verdicts of a scan's output, with their articles read again from their paths."""
    from ..io import read_articles
    from ..results import Verdict

    records = _records(clusters)
    by_path: dict[str, list[tuple[int, dict]]] = {}
    for line, r in records:
        by_path.setdefault(r["path"] or "", []).append((line, r))
    verdicts = []
    for path, wanted in by_path.items():
        found_at = _find(path, clusters)
        if found_at is None:
            line = wanted[0][0]
            raise InputError(str(clusters), f"article {wanted[0][1]['id']!r}: its file {path or '(none)'} is not "
                                            "found from here, nor from the output's folder or above it", line)
        read = read_articles([found_at], columns=columns)
        found = read.articles
        # A file of one article is matched by its path: its id was made relative to the folder
        # scanned, which this reading does not know. Records of other files carry their own ids,
        # or ids made of the file's (prefixed by a folder's name when several were scanned).
        by_id = {a.id: a for a in found}
        single = found[0] if len(found) == 1 and len(wanted) == 1 else None
        for line, r in wanted:
            article = single or by_id.get(r["id"]) or next(
                (a for a in found if r["id"].endswith("/" + a.id)), None)
            if article is None:
                why = (f"; reading it gave {len(read.rejects):,} reject{'s' if len(read.rejects) != 1 else ''} "
                       f"({read.rejects[0].reason}): give the column options the scan was given (--text-col, "
                       "--id-col, ...)" if read.rejects else "")
                raise InputError(str(clusters), f"article {r['id']!r} is not in {found_at} as read now{why}", line)
            verdicts.append(Verdict.from_record(r, dataclasses.replace(article, id=r["id"])))
    return verdicts


def _find(path: str, clusters: Path) -> Optional[Path]:
    if not path or path.startswith("<"):
        return None
    given = Path(path)
    if given.is_absolute():
        return given if given.exists() else None
    if given.exists():
        return given
    for folder in [clusters.resolve().parent, *clusters.resolve().parent.parents]:
        if (folder / given).exists():
            return folder / given
    return None


def _records(clusters: Path) -> list[tuple[int, dict]]:
    """The records of a scan's output (JSON lines, or CSV by its extension or its first byte),
    each checked: a record that is not one of the scan's is an error naming its line."""
    try:
        data = clusters.read_bytes()
    except OSError as error:
        raise InputError(str(clusters), f"cannot read: {error.strerror or error}") from None
    rows: list[tuple[int, Any]] = []
    if clusters.suffix.lower() == ".parquet" or data[:4] == b"PAR1":
        rows = list(enumerate(_parquet_rows(clusters), start=1))
    elif clusters.suffix.lower() == ".csv" or (data[:1] not in (b"{", b"") and data.startswith(b"id,")):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InputError(str(clusters), f"not UTF-8 (byte {error.start})") from None
        reader = csv.DictReader(io.StringIO(text, newline=""))
        for row in reader:
            rows.append((reader.line_num, {k: (csv_cell_value(v) if isinstance(v, str) and v != "" else None) for k, v in row.items()}))
    else:
        for number, line in enumerate(data.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                rows.append((number, orjson.loads(line)))
            except orjson.JSONDecodeError as error:
                raise InputError(str(clusters), f"not the output of dedupe scan: {error.msg}", number) from None
    return [(number, _checked(row, clusters, number)) for number, row in rows]


def _parquet_rows(clusters: Path) -> list[dict]:
    """The rows of a scan's Parquet output, its time column as the ISO text the other formats hold."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        from ..errors import install_hint
        raise InputError(str(clusters), f"reading Parquet needs pyarrow: {install_hint('parquet')}") from None
    try:
        rows = pq.read_table(clusters).to_pylist()
    except Exception as error:  # pyarrow's own errors: not a Parquet file, a corrupt page
        raise InputError(str(clusters), f"not a readable Parquet file: {error}") from None
    return [{k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in row.items()} for row in rows]


def _checked(row: Any, clusters: Path, line: int) -> dict:
    from ..results import checked_record
    try:
        return checked_record(row)
    except ValueError as error:
        raise InputError(str(clusters), f"not a record of dedupe scan: {error}", line) from None
