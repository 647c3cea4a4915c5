"""Tables → records: CSV/TSV rows and Parquet rows as mappings, a row at a time.

Each function yields ``(line, row)``: the row as a mapping of its columns (empty cells left
out: a table has no other way to say "absent"), or a :class:`~dedupe.io.readers.Reject` for a row
or a file that could not be read. Rows above the per-article limit are rejected unread where the
format allows (CSV), or unconverted (Parquet), so one giant cell cannot exhaust memory.
"""

from __future__ import annotations

import csv
import mmap
from pathlib import Path
from typing import IO, Any, Callable, Iterator

from ..article import Columns, Reject
from ..errors import install_hint
from .streams import decoded_lines, size_text

__all__ = ["csv_records", "parquet_records"]

_PARQUET_BATCH = 1024
_PARQUET_BUDGET = 64 * 1024 * 1024
"""Bytes of cells a Parquet batch may decode to, as the file's metadata tells them: a batch holds
fewer rows where rows are large."""
_PARQUET_BOMB = (256 * 1024 * 1024, 50)
"""A column chunk that decodes to more bytes than the first and expands by more than the second
times is refused unread: pyarrow decodes a page whole, and a writer may put a whole chunk in one
page (3 GB from 94 KB of a file); text, even wire copy, compresses a few times, not fifty."""
MAX_CELL_LINES = 1_000
"""Lines a quoted CSV cell may span: an article's paragraphs. A quote open longer is a stray one."""
_END = "\ue000dedupe: end of the file\ue000\n"  # read after the last line: a cell it lands in never closed


class _StrayQuote(Exception):
    """A quoted cell ran past its limit of lines: the row it opened is skipped."""


class _RowTooLarge(Exception):
    """A row's lines came to more than the per-article limit: it is skipped to its end unkept."""


def _reject(path: str, reason: str, line: int | None = None) -> Reject:
    return Reject(path, reason, line)


def csv_records(stream: IO[bytes], shown: str, limit: int, columns: Columns | None,
                delimiter: str = ",") -> Iterator[tuple[int | None, Any]]:
    """The rows of a CSV (or, with ``delimiter="\\t"``, TSV) stream after its header row.

    Lines are decoded one at a time as JSON lines are (UTF-8, a line that is not decoded alone in
    the encoding it shows); a quoted cell may span lines. ``line`` is the row's first line.

    A quoted cell that does not close within :data:`MAX_CELL_LINES` lines or ``limit`` bytes,
    or before the end of the file, or that closes inside a cell on a later line (at the next
    quoted cell, having swallowed the rows between), is a stray quote, not a cell: its row is a reject naming the
    line the quote opened on, and reading goes on from the next line, so the rows after it are
    never swallowed into one cell.
    """
    problems: list[tuple[int, str]] = []
    where = [0]
    source = decoded_lines(stream, limit)
    pending: list[tuple[int, str]] = []  # lines to read again after a stray quote
    current: list[tuple[int, str]] = []  # the lines of the row being read
    held = [0]  # characters in ``current``: a row is never held past the limit

    def next_line() -> tuple[int, str, str | None]:
        if pending:
            return (*pending.pop(0), None)
        return next(source, (where[0] + 1, _END, None))

    def lines() -> Iterator[str]:
        while True:
            if len(current) >= MAX_CELL_LINES:
                raise _StrayQuote  # checked before a line is taken, so that none is lost
            number, text, problem = next_line()
            where[0] = number
            if problem is not None:
                problems.append((number, problem))
                continue
            if not current:
                held[0] = 0
            held[0] += len(text)
            current.append((number, text))
            if held[0] > limit and text is not _END:
                raise _RowTooLarge
            yield text
            if text is _END:
                return

    def skip_row() -> tuple[int, int, bool]:
        """The row of ``current``, too large to keep, read to its end without keeping it: the
        line it opened on, its last line, and whether its quotes closed (else it was cut at
        :data:`MAX_CELL_LINES` lines, a stray quote in a giant row)."""
        opened, last = current[0][0], current[-1][0]
        quotes, count = sum(text.count('"') for _, text in current), len(current)
        current.clear()
        while quotes % 2 and count < MAX_CELL_LINES:
            number, text, problem = next_line()
            if text is _END:
                pending.append((number, text))
                break
            where[0] = last = number
            count += 1
            if problem is None:
                quotes += text.count('"')
        return opened, last, quotes % 2 == 0

    def reader_from_here() -> Iterator[list[str]]:
        return csv.reader(lines(), delimiter=delimiter, strict=True)

    def read_again() -> None:
        """The lines of ``current`` after the one a stray quote opened on, to be read as rows."""
        pending[:0] = [line for line in current[1:] if line[1] is not _END]

    # The csv module's own cap on a cell is global state; raise it to our limit only.
    csv.field_size_limit(max(limit, 131072))
    reader = reader_from_here()
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
            read_again()
            row_line, reader = opened + 1, reader_from_here()
            continue
        except _RowTooLarge:
            opened, last, closed = skip_row()
            span = f"line {opened}" if last == opened else f"lines {opened}-{last}"
            yield opened, _reject(shown, f"a row above the limit of {size_text(limit)} per article "
                                         f"(max_article_bytes), {span}; skipped" + (
                                             "" if closed else f" (a quoted cell there did not close within "
                                                               f"{MAX_CELL_LINES:,} lines)"), opened)
            row_line, reader = last + 1, reader_from_here()
            continue
        except StopIteration:
            break
        except csv.Error as error:
            reader = reader_from_here()
            if len(current) > 1:
                # A quote that opened on an earlier line closed inside a cell: it was a stray one,
                # and closed at the next cell that is quoted, swallowing the rows between.
                opened, closed_at = current[0][0], current[-1][0]
                yield opened, _reject(shown, f"a quoted cell opens on this line and its quote closes inside a "
                                             f"cell on line {closed_at} (a stray quote?): the row is skipped, the "
                                             "lines after it are read", opened)
                read_again()
                row_line = opened + 1
                continue
            try:  # one line with a quote inside a quoted cell ("a "b" c"): read as written
                row = next(csv.reader([current[0][1]], delimiter=delimiter, strict=False)) if current else []
            except csv.Error:
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
            fault = (columns or Columns()).table_fault(header)
            if fault:
                yield None, _reject(shown, fault)
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


def _parquet_batches(source: Callable[[], Any], file: Any) -> Iterator[Any]:
    """The file's rows in batches of about :data:`_PARQUET_BUDGET` bytes, a row group at a time.

    Text columns stored with a dictionary are read as dictionaries: a value repeated in many rows
    is held once (a few kilobytes of file can repeat one 17 MB value 300 times), and only the
    rows kept are expanded."""
    import pyarrow.parquet as pq
    meta = file.metadata
    texts = [field.name for field in file.schema_arrow if _is_text(field.type)]
    coded = sorted({meta.row_group(g).column(c).path_in_schema for g in range(meta.num_row_groups)
                    for c in range(meta.num_columns) if meta.row_group(g).column(c).has_dictionary_page} & set(texts))
    reader = pq.ParquetFile(source(), read_dictionary=coded) if coded else file
    first = 1
    for group in range(meta.num_row_groups):
        info = meta.row_group(group)
        first, start = first + info.num_rows, first
        bomb = _expanding_chunk(info)
        if bomb:
            yield _RowGroupRefused(start, first - 1, bomb)
            continue
        per_row = max(1, info.total_byte_size // max(info.num_rows, 1))
        size = int(min(_PARQUET_BATCH, max(1, _PARQUET_BUDGET // per_row)))
        yield from reader.iter_batches(batch_size=size, row_groups=[group])


class _RowGroupRefused:
    """A row group not read, rows ``first`` to ``last``, and why."""

    def __init__(self, first: int, last: int, why: str) -> None:
        self.first, self.last, self.why, self.num_rows = first, last, why, last - first + 1


def _expanding_chunk(info: Any) -> str | None:
    """Why a row group's column chunk must not be decoded (see :data:`_PARQUET_BOMB`), if so."""
    size, ratio = _PARQUET_BOMB
    for c in range(info.num_columns):
        chunk = info.column(c)
        grown, packed = chunk.total_uncompressed_size, max(chunk.total_compressed_size, 1)
        if grown > size and grown > ratio * packed:
            return (f"its column {chunk.path_in_schema!r} expands from {size_text(packed)} to {size_text(grown)} "
                    f"(more than {ratio} times: no text compresses so far, a decompression bomb?)")
    return None


def _is_text(kind: Any) -> bool:
    return str(kind) in ("string", "large_string", "binary", "large_binary")


def _row_sizes(batch: Any, pc: Any) -> Any:
    """Each row's bytes of text and binary cells, measured without expanding a dictionary."""
    import numpy as np
    sizes = np.zeros(batch.num_rows, dtype=np.int64)
    for column in batch.columns:
        if hasattr(column, "dictionary") and _is_text(column.dictionary.type):
            lengths = pc.take(pc.binary_length(column.dictionary), column.indices)
        elif _is_text(column.type):
            lengths = pc.binary_length(column)
        else:
            continue
        sizes += pc.fill_null(lengths, 0).to_numpy(zero_copy_only=False)
    return sizes


def parquet_records(path: Path, limit: int, columns: Columns | None) -> Iterator[tuple[int | None, Any]]:
    """The rows of a Parquet file, a batch at a time; ``line`` is the row's number (from 1)."""
    shown = str(path)
    try:
        import pyarrow as pa
    except ImportError:
        yield None, _reject(shown, f"reading Parquet needs pyarrow: {install_hint('parquet')}")
        return
    try:
        # Opened here, not by pyarrow: a file name that is not UTF-8 is a path Python opens as bytes.
        handle = open(path, "rb")  # noqa: SIM115 - closed below, the generator's whole life
    except OSError as error:
        yield None, _reject(shown, f"cannot read: {error.strerror or error}")
        return
    with handle:
        try:
            mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)  # read in place, as pyarrow would
        except (ValueError, OSError):  # an empty file cannot be mapped
            yield None, _reject(shown, "empty file")
            return
        yield from _parquet_rows(lambda: pa.BufferReader(pa.py_buffer(mapped)), shown, limit, columns)


def _parquet_rows(source: Callable[[], Any], shown: str, limit: int,
                  columns: Columns | None) -> Iterator[tuple[int | None, Any]]:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    try:
        file = pq.ParquetFile(source())
    except OSError as error:
        yield None, _reject(shown, f"cannot read: {error.strerror or error}")
        return
    except Exception as error:  # pyarrow's own errors: not a Parquet file, a corrupt footer
        yield None, _reject(shown, f"not a readable Parquet file: {error}")
        return
    fault = (columns or Columns()).table_fault(file.schema_arrow.names)
    if fault:
        yield None, _reject(shown, fault)
        return
    number = 0
    try:
        for batch in _parquet_batches(source, file):
            if isinstance(batch, _RowGroupRefused):
                yield batch.first, _reject(shown, f"rows {batch.first:,}-{batch.last:,} not read: {batch.why}",
                                           batch.first)
                number += batch.num_rows
                continue
            sizes = _row_sizes(batch, pc)
            fits = sizes <= limit
            # Only the rows within the limit are turned into Python values.
            rows = iter((batch if fits.all() else batch.filter(pa.array(fits))).to_pylist())
            for i in range(batch.num_rows):
                number += 1
                if not fits[i]:
                    yield number, _reject(shown, f"row of {size_text(int(sizes[i]))}, above the limit of "
                                                 f"{size_text(limit)} per article (max_article_bytes); skipped",
                                          number)
                    continue
                yield number, {k: v for k, v in next(rows).items() if v is not None}
    except Exception as error:  # a corrupt page: the rows before it stand
        yield number + 1, _reject(shown, f"cannot read the rows from here on: {error}", number + 1)
    if number == 0:
        yield None, _reject(shown, "no rows")
