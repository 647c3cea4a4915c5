"""Tables → records: CSV/TSV rows and Parquet rows as mappings, a row at a time.

Each function yields ``(line, row)``: the row as a mapping of its columns (empty cells left
out: a table has no other way to say "absent"), or a :class:`~dedupe.io.readers.Reject` for a row
or a file that could not be read. Rows above the per-article limit are rejected unread where the
format allows (CSV), or unconverted (Parquet), so one giant cell cannot exhaust memory.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import IO, Any, Iterator

from ..article import Columns
from ..errors import install_hint
from .streams import decoded_lines, size_text

__all__ = ["csv_records", "parquet_records"]

_PARQUET_BATCH = 1024
MAX_CELL_LINES = 1_000
"""Lines a quoted CSV cell may span: an article's paragraphs. A quote open longer is a stray one."""
_END = "\ue000dedupe: end of the file\ue000\n"  # read after the last line: a cell it lands in never closed


class _StrayQuote(Exception):
    """A quoted cell ran past its limits: the row it opened is skipped."""


def _reject(path: str, reason: str, line: int | None = None):
    from .readers import Reject  # readers imports this module lazily; no cycle at import time
    return Reject(path, reason, line)


def csv_records(stream: IO[bytes], shown: str, limit: int, columns: Columns | None,
                delimiter: str = ",") -> Iterator[tuple[int | None, Any]]:
    """The rows of a CSV (or, with ``delimiter="\\t"``, TSV) stream after its header row.

    Lines are decoded one at a time as JSON lines are (UTF-8, a line that is not decoded alone in
    the encoding it shows); a quoted cell may span lines. ``line`` is the row's first line.

    A quoted cell that does not close within :data:`MAX_CELL_LINES` lines or ``limit`` bytes,
    or before the end of the file, is a stray quote, not a cell: its row is a reject naming the
    line the quote opened on, and reading goes on from the next line, so the rows after it are
    never swallowed into one cell.
    """
    problems: list[tuple[int, str]] = []
    where = [0]
    source = decoded_lines(stream, limit)
    pending: list[tuple[int, str]] = []  # lines to read again after a stray quote
    current: list[tuple[int, str]] = []  # the lines of the row being read

    def lines() -> Iterator[str]:
        while True:
            if len(current) >= MAX_CELL_LINES:
                raise _StrayQuote  # checked before a line is taken, so that none is lost
            if pending:
                number, text, problem = (*pending.pop(0), None)
            else:
                number, text, problem = next(source, (where[0] + 1, _END, None))
            where[0] = number
            if problem is not None:
                problems.append((number, problem))
                continue
            current.append((number, text))
            yield text
            if text is _END:
                return

    # The csv module's own cap on a cell is global state; raise it to our limit only.
    csv.field_size_limit(max(limit, 131072))
    reader = csv.reader(lines(), delimiter=delimiter, strict=False)
    header: list[str] | None = None
    row_line = 1
    rows_seen = 0
    while True:
        try:
            current.clear()
            row = next(reader)
            if row and row[-1].endswith(_END) and len(current) > 1:
                raise _StrayQuote  # the quote ran to the end of the file
            if row == [_END.rstrip("\n")]:
                break
        except _StrayQuote:
            opened = current[0][0]
            yield opened, _reject(shown, f"a quoted cell opens on this line and does not close within "
                                         f"{MAX_CELL_LINES:,} lines or before the end of the file (a stray "
                                         "quote?): the row is skipped, the lines after it are read", opened)
            pending[:0] = [line for line in current[1:] if line[1] is not _END]
            row_line = opened + 1
            reader = csv.reader(lines(), delimiter=delimiter, strict=False)
            continue
        except StopIteration:
            break
        except csv.Error as error:
            yield None if header is None else row_line, _reject(shown, f"malformed row: {error}", where[0])
            row_line = where[0] + 1
            if header is None:
                return
            continue
        for number, problem in problems:
            yield number, _reject(shown, problem, number)
        problems.clear()
        if header is None:
            if not row:
                row_line = where[0] + 1
                continue
            header = [name.strip() for name in row]
            absent = columns.missing(set(header)) if columns else []
            if absent:
                yield None, _reject(shown, f"no column {', '.join(map(repr, absent))}; the header has "
                                           f"{', '.join(map(repr, header))}")
                return
            row_line = where[0] + 1
            continue
        first, row_line = row_line, where[0] + 1
        if not row or all(not cell for cell in row):
            continue
        rows_seen += 1
        size = sum(len(cell) for cell in row)
        if size > limit:
            yield first, _reject(shown, f"row of {size_text(size)}, above the limit of {size_text(limit)} per "
                                        "article (max_article_bytes); skipped", first)
            continue
        if len(row) > len(header):
            yield first, _reject(shown, f"{len(row)} cells in a row under a header of {len(header)} columns", first)
            continue
        yield first, {name: cell for name, cell in zip(header, row) if cell != ""}
    for number, problem in problems:
        yield number, _reject(shown, problem, number)
    if header is None:
        yield None, _reject(shown, "empty file")
    elif not rows_seen:
        yield None, _reject(shown, "a header row and no rows")


def parquet_records(path: Path, limit: int, columns: Columns | None) -> Iterator[tuple[int | None, Any]]:
    """The rows of a Parquet file, a batch at a time; ``line`` is the row's number (from 1)."""
    shown = str(path)
    try:
        import pyarrow.parquet as pq
        import pyarrow.compute as pc
    except ImportError:
        yield None, _reject(shown, f"reading Parquet needs pyarrow: {install_hint('parquet')}")
        return
    try:
        file = pq.ParquetFile(path)
    except OSError as error:
        yield None, _reject(shown, f"cannot read: {error.strerror or error}")
        return
    except Exception as error:  # pyarrow's own errors: not a Parquet file, a corrupt footer
        yield None, _reject(shown, f"not a readable Parquet file: {error}")
        return
    names = file.schema_arrow.names
    absent = columns.missing(set(names)) if columns else []
    if absent:
        yield None, _reject(shown, f"no column {', '.join(map(repr, absent))}; the file has "
                                   f"{', '.join(map(repr, names))}")
        return
    number = 0
    try:
        for batch in file.iter_batches(batch_size=_PARQUET_BATCH):
            # A row's size is the sum of its string and binary cells, measured before conversion.
            sizes = None
            for name in batch.schema.names:
                column = batch.column(name)
                kind = str(column.type)
                if kind in ("string", "large_string", "binary", "large_binary"):
                    lengths = pc.fill_null(pc.binary_length(column), 0).to_numpy(zero_copy_only=False)
                    sizes = lengths if sizes is None else sizes + lengths
            rows = batch.to_pylist() if sizes is None or sizes.max(initial=0) <= limit else None
            for i in range(batch.num_rows):
                number += 1
                if sizes is not None and sizes[i] > limit:
                    yield number, _reject(shown, f"row of {size_text(int(sizes[i]))}, above the limit of "
                                                 f"{size_text(limit)} per article (max_article_bytes); skipped",
                                          number)
                    continue
                row = rows[i] if rows is not None else batch.slice(i, 1).to_pylist()[0]
                yield number, {k: v for k, v in row.items() if v is not None}
    except Exception as error:  # a corrupt page: the rows before it stand
        yield number + 1, _reject(shown, f"cannot read the rows from here on: {error}", number + 1)
    if number == 0:
        yield None, _reject(shown, "no rows")
