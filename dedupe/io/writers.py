"""Results → files: one JSON line (or CSV row) per article, and a rejects file.

Files are written to a temporary name beside the target and renamed when complete, so a
partial file never looks finished.
"""

from __future__ import annotations

import csv
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterable, Iterator, Literal

import orjson

from .readers import Reject

__all__ = ["COLUMNS", "INDEX_COLUMNS", "write_results", "write_rejects", "atomic_file"]

COLUMNS = ("id", "cluster", "role", "canonical", "similarity", "containment", "coverage", "missing",
           "title", "source", "url", "published", "path")
INDEX_COLUMNS = COLUMNS + ("replaced", "known")
"""The columns of an index's verdicts (:class:`dedupe.IndexVerdict`)."""
REJECT_COLUMNS = ("path", "line", "reason")


def write_results(verdicts: Iterable, path: str | os.PathLike[str],
                  format: Literal["jsonl", "csv"] = "jsonl", columns: tuple[str, ...] = COLUMNS) -> None:
    """Write one record per verdict (see :meth:`dedupe.Verdict.to_record`); ``columns`` are the
    CSV header (``INDEX_COLUMNS`` for an index's verdicts)."""
    _write((v.to_record() for v in verdicts), path, format, columns)


def write_rejects(rejects: Iterable[Reject], path: str | os.PathLike[str],
                  format: Literal["jsonl", "csv"] = "jsonl") -> None:
    """Write one record per reject: ``path``, ``line``, ``reason``."""
    _write((r.to_dict() for r in rejects), path, format, REJECT_COLUMNS)


def _write(records: Iterable[dict], path: str | os.PathLike[str], format: str, columns: tuple[str, ...]) -> None:
    if format not in ("jsonl", "csv"):
        raise ValueError(f"unknown format {format!r}; expected 'jsonl' or 'csv'")
    if format == "jsonl":
        with atomic_file(Path(path), binary=True) as handle:
            for record in records:
                handle.write(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE))
        return
    with atomic_file(Path(path)) as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for record in records:
            writer.writerow({k: "" if record[k] is None else record[k] for k in columns})


@contextmanager
def atomic_file(path: Path, binary: bool = False) -> Iterator[IO]:
    """A file opened under a temporary name beside ``path``, renamed to it once the block ends
    without an error; on an error (Ctrl-C included) it is removed and ``path`` left as it was."""
    folder = path.parent if str(path.parent) else Path(".")
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    try:
        with (os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")) as handle:
            yield handle
        # mkstemp makes the file private; the output gets the permissions any new file would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
