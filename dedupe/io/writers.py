"""Results → files: one JSON line (or CSV row) per article, and a rejects file.

A regular file is written under a temporary name beside it (beside the file a symbolic link
points to, so the link stays) and renamed when complete, so a partial file never looks finished.
``-`` is standard output; a device or a pipe (``/dev/stdout``) is written as it is, never
replaced. :func:`check_target` says before any work whether a target can be written.
"""

from __future__ import annotations

import csv
import os
import stat
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Iterable, Iterator, Literal

import orjson

from ..errors import OutputError, install_hint
from ..results import COLUMNS, INDEX_COLUMNS, SCORE_COLUMNS
from ..article import Reject

__all__ = ["COLUMNS", "INDEX_COLUMNS", "write_results", "write_rejects", "atomic_file", "check_target", "csv_cell_value",
           "format_of", "STDOUT"]

STDOUT = "-"
_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet"}
# Cells a spreadsheet would run as a formula; written with a leading apostrophe in CSV.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

REJECT_COLUMNS = ("path", "line", "reason")


def write_results(verdicts: Iterable, path: str | os.PathLike[str],
                  format: Literal["jsonl", "csv", "parquet"] = "jsonl", columns: tuple[str, ...] = COLUMNS) -> None:
    """Write one record per verdict (see :meth:`dedupe.Verdict.to_record`): ``columns``
    (``INDEX_COLUMNS`` for an index's verdicts), then the input fields the articles carried."""
    _write([v.to_record() for v in verdicts], path, format, columns)


def write_rejects(rejects: Iterable[Reject], path: str | os.PathLike[str],
                  format: Literal["jsonl", "csv", "parquet"] = "jsonl") -> None:
    """Write one record per reject: ``path``, ``line``, ``reason``."""
    _write([r.to_dict() for r in rejects], path, format, REJECT_COLUMNS)


def format_of(path: str | os.PathLike[str], given: str | None = None) -> str:
    """The format to write ``path`` in: ``given``, else the one its extension names (``.csv``;
    ``.parquet``; ``.jsonl``, ``.ndjson``, ``.json``), else JSON lines.

    >>> format_of("out.csv"), format_of("out.jsonl", "csv"), format_of("-"), format_of("o.parquet")
    ('csv', 'csv', 'jsonl', 'parquet')
    """
    return given or _FORMATS.get(Path(str(path)).suffix.lower(), "jsonl")


def _followed(path: Path) -> Path:
    """``path``, or the file its chain of symbolic links ends at (which need not exist yet); a
    link to what is not a regular file (``/dev/stdout``, a pipe) is kept, to be written through."""
    try:
        if not path.is_symlink() or (path.exists() and not path.is_file()):
            return path
        return path.resolve()
    except (RuntimeError, OSError):  # a loop of links (Python 3.13 raises OSError, older RuntimeError)
        raise OutputError(f"{path}: cannot write: a symbolic link that leads back to itself; "
                          "nothing was written") from None


def check_target(path: str | os.PathLike[str], format: str | None = None) -> str | None:
    """Why ``path`` cannot be written (``None`` when it can): checked before a run's work. Without
    ``format``, an extension that names no format we write (``out.xlsx``) is refused: its
    reader would find JSON lines in it."""
    suffix = Path(str(path)).suffix.lower()
    if format is None and suffix and suffix not in _FORMATS and str(path) != STDOUT:
        return (f"{path}: no format is written as {suffix}: name the file .jsonl, .csv or .parquet, or "
                "give --format jsonl|csv|parquet" + ("; --report FILE writes the HTML report"
                                                     if suffix in (".html", ".htm") else ""))
    if (format or format_of(path)) == "parquet":
        import importlib.util
        if importlib.util.find_spec("pyarrow") is None:
            return f"{path}: writing Parquet needs pyarrow: {install_hint('parquet')}"
    if str(path) == STDOUT:
        return None
    try:
        target = _followed(Path(path))
    except OutputError as error:
        return str(error)
    if target.is_dir():
        return f"{target}: is a folder, not a file to write"
    if target.exists():
        return None if os.access(target, os.W_OK) else f"{target}: cannot be written (no permission)"
    folder = target.resolve().parent
    if not folder.is_dir():
        return f"{target}: the folder {folder} does not exist"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"{target}: cannot create a file in {folder} (no permission)"
    return None


def _write(records: list[dict], path: str | os.PathLike[str], format: str, columns: tuple[str, ...]) -> None:
    if format not in ("jsonl", "csv", "parquet"):
        raise ValueError(f"unknown format {format!r}; expected 'jsonl', 'csv' or 'parquet'")
    if format == "jsonl":
        with atomic_file(path, binary=True) as handle:
            for record in records:
                handle.write(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE, default=str))
        return
    header = list(columns) + [name for name in dict.fromkeys(k for r in records for k in r) if name not in columns]
    if format == "parquet":
        table = _arrow_table(records, header)
        with atomic_file(path, binary=True) as handle:
            import pyarrow.parquet as pq
            pq.write_table(table, handle)
        return
    with atomic_file(path) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for record in records:
            writer.writerow([_csv_cell(record.get(name)) for name in header])


def _csv_cell(value: Any) -> Any:
    """A value as a CSV cell: absent is empty; lists and objects as JSON; text a spreadsheet
    would run as a formula (``=``, ``+``, ``-``, ``@``) gets a leading apostrophe, as spreadsheet
    programs expect (numbers are written as numbers)."""
    if value is None:
        return ""
    if isinstance(value, (dict, list, tuple)):
        value = orjson.dumps(value, default=str).decode()
    if isinstance(value, str) and (value.startswith(_FORMULA_START) or _guarded(value)):
        return "'" + value  # a text that reads as guarded already is guarded too, so that it reads back
    return value


def _guarded(cell: str) -> bool:
    return cell.startswith("'") and cell[1:2] != "" and (cell[1:].startswith(_FORMULA_START) or cell[1] == "'")


def csv_cell_value(cell: str) -> str:
    """A CSV cell of :func:`write_results` read back: the apostrophe that guards a formula-like
    text taken off."""
    return cell[1:] if _guarded(cell) else cell


def _microseconds(values: list[Any]) -> list[int | None] | None:
    """ISO times (a record's ``published``) as microseconds since 1970 in UTC, a naive one taken as
    UTC; ``None`` if one is not such a time (a carried value of another kind)."""
    from datetime import datetime, timedelta, timezone
    epoch, unit = datetime(1970, 1, 1, tzinfo=timezone.utc), timedelta(microseconds=1)
    counted: list[int | None] = []
    for value in values:
        if value is None:
            counted.append(None)
            continue
        try:
            moment = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            return None
        counted.append(((moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)) - epoch) // unit)
    return counted


def _arrow_table(records: list[dict], header: list[str]):
    """Records as an Arrow table: the scores as doubles, the rest as their values give; a
    carried field whose values mix types is written as JSON text."""
    try:
        import pyarrow as pa
    except ImportError:
        raise OutputError(f"writing Parquet needs pyarrow: {install_hint('parquet')}") from None
    arrays, fields = [], []
    for name in header:
        values = [r.get(name) for r in records]
        if name in SCORE_COLUMNS:
            kind = pa.float64()
        elif name == "published" and _microseconds(values) is not None:
            # A time column, as Parquet readers expect one: the record's ISO text back to a time in UTC.
            kind, values = pa.timestamp("us", tz="UTC"), _microseconds(values)
        elif name in ("line",):
            kind = pa.int64()
        elif name in INDEX_COLUMNS or name in REJECT_COLUMNS:  # INDEX_COLUMNS holds COLUMNS
            kind = pa.bool_() if name == "known" else pa.string()
        else:
            kind = None
        try:
            array = pa.array(values, type=kind)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
            array = pa.array([None if v is None else orjson.dumps(v, default=str).decode() for v in values],
                             type=pa.string())
        if array.type == pa.null():
            array = array.cast(pa.string())
        arrays.append(array)
        fields.append(pa.field(name, array.type))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


@contextmanager
def atomic_file(path: str | os.PathLike[str], binary: bool = False) -> Iterator[IO]:
    """A file opened under a temporary name beside ``path``, renamed to it once the block ends
    without an error; on an error (Ctrl-C included) it is removed and ``path`` left as it was.
    ``-`` is standard output, and a path that is not a regular file (a device, a pipe) is
    written directly; a symbolic link is followed, and its target replaced."""
    if str(path) == STDOUT:
        stream = sys.stdout.buffer if binary else sys.stdout
        yield stream
        stream.flush()
        return
    path = _followed(Path(path))
    if path.exists() and not path.is_file():
        try:
            with path.open("wb" if binary else "w", **({} if binary else {"encoding": "utf-8", "newline": ""})) as handle:
                yield handle
        except OSError as error:
            raise OutputError(f"{path}: cannot write: {error.strerror or error}") from None
        return
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError as error:
        raise OutputError(f"{path}: cannot write: {error.strerror or error}; nothing was written") from None
    try:
        with (os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")) as handle:
            yield handle
        # mkstemp makes the file private; a file replaced keeps its permissions (a private
        # output stays private), a new one gets those any new file would.
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except OSError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException as error:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        if isinstance(error, OSError):
            kept = "the file there was left as it was" if path.exists() else "nothing was written"
            raise OutputError(f"{path}: cannot write: {error.strerror or error}; {kept}") from None
        raise
