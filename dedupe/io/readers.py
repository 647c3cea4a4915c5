"""Paths → articles, and a reject for everything that could not be read.

A path may be a folder (walked recursively, in sorted order, hidden entries skipped, symbolic
links followed once), a file, or ``-`` for standard input. Formats, by extension:
``.txt``/``.md`` (optional ``Key: value`` header block, a blank line, then the body), ``.json``
(one article object or a list of them), ``.jsonl``/``.ndjson`` (one object a line),
``.csv``/``.tsv`` (a header row, then one article a row), ``.parquet`` (one article a row;
pyarrow), ``.html``/``.htm`` (a web page: its article is extracted with trafilatura, the
``[html]`` extra). ``.gz``, ``.bz2``, ``.xz`` and ``.zst`` after any of the text formats are
decompressed as they are read. Line and row formats are read a record at a time; every read is
bounded by the per-article limit, so memory stays bounded whatever the feed holds.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

import orjson

from ..article import Article, Columns, Reject
from ..config import DedupeConfig
from ..errors import InputError, install_hint
from ..heap import no_cycle_collection
from .streams import (BOMS, READ_ERRORS, NotReadable, bounded_read, compression_of, decode, decoded_lines, open_input,
                      size_text, sniff_compression)

__all__ = ["Reject", "ReadResult", "read_articles", "SUPPORTED_SUFFIXES", "STDIN", "INPUT_FORMATS"]

STDIN = "-"
_FORMAT_OF_SUFFIX = {".txt": "text", ".md": "text", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl",
                     ".csv": "csv", ".tsv": "tsv", ".parquet": "parquet", ".html": "html", ".htm": "html"}
SUPPORTED_SUFFIXES = tuple(_FORMAT_OF_SUFFIX)
INPUT_FORMATS = ("jsonl", "json", "csv", "tsv", "text", "html")
"""The formats standard input may be read in (``--input-format``)."""
_HEADER_LINE = re.compile(r"^([A-Za-z][A-Za-z _-]{0,30}):[ \t]*(.*?)\s*$")
_HEADER_KEYS = {"title": "title", "headline": "title", "source": "source",
                "publisher": "source", "url": "url", "published": "published", "id": "id"}


@dataclass
class ReadResult:
    """Everything read from some paths: the articles, and what could not be read."""

    articles: list[Article] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)


@dataclass(frozen=True)
class _Reading:
    """What every file of one run is read with."""

    limit: int
    columns: Columns | None
    stdin_format: str


def read_articles(paths: Iterable[str | os.PathLike[str]], max_article_bytes: int | None = None, *,
                  columns: Columns | None = None, stdin_format: str = "jsonl") -> ReadResult:
    """Read every article under ``paths`` (``-``: standard input, in ``stdin_format``).

    A path that does not exist raises :class:`~dedupe.errors.InputError`: that is a usage error.
    Anything wrong inside a folder or a file becomes a :class:`Reject` and the rest goes on. A
    repeated id is rejected with both places named. A text or JSON file, or a JSONL line or a
    row, above ``max_article_bytes`` (default: :attr:`dedupe.DedupeConfig.max_article_bytes`)
    is rejected unread. ``columns`` names the columns or fields that hold the article's fields.
    An article without an id of its own is named by its path relative to the folder given (with
    several paths given, prefixed by the folder's name), ``#N`` added for the N-th record of a file.
    """
    limit = DedupeConfig().max_article_bytes if max_article_bytes is None else max_article_bytes
    if stdin_format not in INPUT_FORMATS:
        raise InputError(STDIN, f"unknown input format {stdin_format!r}; expected one of {', '.join(INPUT_FORMATS)}")
    with no_cycle_collection():
        return _read_all(list(paths), _Reading(limit, columns, stdin_format))


def _read_all(paths: list[str | os.PathLike[str]], reading: _Reading) -> ReadResult:
    result = ReadResult()
    first_seen: dict[str, str] = {}
    roots = [Path(p) for p in paths]
    for root in roots:
        if str(root) != STDIN and not root.exists() and not root.is_symlink():
            raise InputError(str(root), "no such file or folder")
    labels = _root_labels(roots)
    given: dict[Path, Path] = {}  # each path read, as the system resolves it (links followed)
    for root, label in zip(roots, labels):
        if str(root) != STDIN:
            real = root.resolve()
            # The same file or folder given twice (once through a symbolic link, say), or one inside
            # a folder given already: read once, never as two sets of articles with other ids.
            earlier = next((path for seen, path in given.items() if real == seen or seen in real.parents), None)
            if earlier is not None:
                result.rejects.append(Reject(str(root), f"the same as, or inside, {earlier}, given already: "
                                                        "read once"))
                continue
            given[real] = root
        for item in _iter_path(root, label, reading):
            if isinstance(item, Reject):
                result.rejects.append(item)
                continue
            if item.id in first_seen:
                result.rejects.append(Reject(
                    item.path or "", f"duplicate id {item.id!r}, first seen at {first_seen[item.id]}",
                    item.line))
                continue
            first_seen[item.id] = item.place
            result.articles.append(item)
    return result


def _root_labels(roots: list[Path]) -> list[str]:
    """What each root's articles' default ids start with: nothing when one path is given; with
    several, the folder's name (the path as given where two share a name), so that ``ap/`` and
    ``reuters/`` may each hold a ``story1.txt``."""
    if len(roots) < 2:
        return [""] * len(roots)
    names = [root.name if root.is_dir() else "" for root in roots]
    labels = []
    for root, name in zip(roots, names):
        if str(root) == STDIN:
            labels.append("")
        elif not root.is_dir():  # a file given by itself: the folder it was given in
            labels.append("" if str(root.parent) == "." else root.parent.as_posix() + "/")
        elif not name or names.count(name) > 1:
            labels.append(root.as_posix().rstrip("/") + "/")
        else:
            labels.append(name + "/")
    return labels


def _iter_path(root: Path, label: str, reading: _Reading) -> Iterator[Article | Reject]:
    if str(root) == STDIN:
        yield from _read_stdin(reading)
    elif not root.is_dir():
        yield from _read_file(root, label + root.name, reading)
    else:
        yield from _walk(root, root, label, reading, set())


def _walk(folder: Path, root: Path, label: str, reading: _Reading, walked: set[str]) -> Iterator[Article | Reject]:
    """A folder's files in sorted order, then its subfolders; a folder reached twice through
    symbolic links is read once, and a link that leads back into itself is a reject."""
    real = os.path.realpath(folder)
    if real in walked:
        yield Reject(str(folder), f"symbolic link to a folder already read ({real}): a loop or a second "
                                  "path to the same files; read once")
        return
    walked.add(real)
    try:
        with os.scandir(folder) as listing:
            entries = sorted((e for e in listing if not e.name.startswith(".")), key=lambda e: e.name)
    except OSError as error:
        yield Reject(str(folder), f"cannot list folder: {error.strerror or error}")
        return
    folders = []
    for entry in entries:
        try:
            is_folder = entry.is_dir()  # follows symbolic links
        except OSError:
            is_folder = False  # read as a file, which reports why it cannot be
        if is_folder:
            folders.append(Path(entry.path))
        else:
            path = Path(entry.path)
            yield from _read_file(path, label + path.relative_to(root).as_posix(), reading)
    for sub in folders:
        yield from _walk(sub, root, label, reading, walked)


def format_of_name(name: str) -> tuple[str | None, str | None]:
    """A file name's format and compression: ``feed.jsonl.gz`` → ``("jsonl", "gzip")``; an
    unknown format is ``None``.

    >>> format_of_name("feed.csv.zst"), format_of_name("a.TXT"), format_of_name("x.pdf")
    (('csv', 'zstd'), ('text', None), (None, None))
    """
    compression = compression_of(name)
    inner = Path(name).stem if compression else name
    return _FORMAT_OF_SUFFIX.get(Path(inner).suffix.lower()), compression


def _read_file(path: Path, name: str, reading: _Reading) -> Iterator[Article | Reject]:
    shown = str(path)
    kind, compression = format_of_name(path.name)
    if kind is None or (compression and kind in ("parquet", "html")):
        suffix = "".join(path.suffixes[-2:]) if compression else path.suffix
        yield Reject(shown, f"unsupported file type {suffix.lower() or '(none)'!r}; expected one of "
                            f"{', '.join(SUPPORTED_SUFFIXES)}, the text ones optionally compressed "
                            f"(.gz, .bz2, .xz, .zst)")
        return
    if kind == "parquet":
        from .tables import parquet_records  # pyarrow is imported only for Parquet
        yield from _records(parquet_records(path, reading.limit, reading.columns), shown, name, reading)
        return
    if kind in ("text", "json", "html") and compression is None:
        try:  # a file's size says at once when it is too large; the bounded read holds either way
            size = path.stat().st_size
        except OSError:
            size = 0
        if size > reading.limit:
            yield Reject(shown, f"{size_text(size)}, above the limit of {size_text(reading.limit)} per article "
                                "(max_article_bytes); not read")
            return
    try:
        with open_input(path, compression) as stream:
            yield from _read_stream(stream, kind, shown, name, reading)
    except NotReadable as error:
        yield Reject(shown, str(error))
    except READ_ERRORS as error:  # a corrupt compressed file, or a read failing midway
        yield Reject(shown, f"cannot read: {getattr(error, 'strerror', None) or error}")


def _read_stdin(reading: _Reading) -> Iterator[Article | Reject]:
    import sys
    shown, name = "<stdin>", "stdin"
    try:
        if sys.stdin is None:  # started with standard input closed (`<&-`)
            raise NotReadable("standard input is closed: nothing to read")
        head = sys.stdin.buffer.peek(8)[:8] if hasattr(sys.stdin.buffer, "peek") else b""
        with open_input(None, sniff_compression(head)) as stream:
            yield from _read_stream(stream, reading.stdin_format, shown, name, reading)
    except NotReadable as error:
        yield Reject(shown, str(error))
    except READ_ERRORS as error:
        yield Reject(shown, f"cannot read: {getattr(error, 'strerror', None) or error}")


def _read_stream(stream, kind: str, shown: str, name: str, reading: _Reading) -> Iterator[Article | Reject]:
    if kind == "jsonl":
        yield from _jsonl_articles(stream, shown, name, reading)
        return
    if kind in ("csv", "tsv"):
        from .tables import csv_records
        yield from _records(csv_records(stream, shown, reading.limit, reading.columns, "\t" if kind == "tsv" else ","),
                            shown, name, reading)
        return
    try:
        data = bounded_read(stream, reading.limit)
    except NotReadable as error:
        yield Reject(shown, str(error))
        return
    if kind == "html":
        yield _html_article(data, shown, name)
        return
    try:
        text = _newlines(decode(data))
    except ValueError as error:
        yield Reject(shown, str(error))
        return
    if not text.strip("\ufeff \t\n"):
        yield Reject(shown, "empty file")
    elif kind == "text":
        yield _text_article(text, shown, name)
    else:
        yield from _json_articles(text, shown, name, reading.columns)


def _records(records: Iterator[tuple[int, Any]], shown: str, name: str,
             reading: _Reading) -> Iterator[Article | Reject]:
    """Rows of a table as articles: each ``(line, row)`` where ``row`` is a mapping, or a
    :class:`Reject` for one that could not be read (``line`` ``None`` for the whole file)."""
    count = 0
    for line, row in records:
        if isinstance(row, Reject):
            yield row
            continue
        count += 1
        yield _record_article(row, shown, f"{name}#{count}", line, columns=reading.columns)


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _text_article(text: str, shown: str, relative: str) -> Article | Reject:
    fields, body = split_header(text)
    record: dict[str, Any] = {"id": relative, **fields, "text": body}
    try:
        return Article.from_dict(record, path=shown)
    except ValueError as error:
        return Reject(shown, str(error))


def _html_article(data: bytes, shown: str, relative: str) -> Article | Reject:
    """A web page's article, extracted by trafilatura, with the page's headline, date, site name
    and address when it has them."""
    try:
        import trafilatura
    except ImportError:
        return Reject(shown, f"reading HTML needs the html extra: {install_hint('html')}")
    if not data.strip():
        return Reject(shown, "empty file")
    if b"\x00" in data[:4096] and not data.startswith(tuple(bom for bom, _ in BOMS)):
        return Reject(shown, "binary data (NUL bytes), not HTML")
    page = trafilatura.bare_extraction(data, with_metadata=True, include_comments=False, include_tables=True)
    if page is None or not (page.text or "").strip():
        return Reject(shown, "no article text found in the page")
    record = {"id": relative, "text": page.text, "title": page.title, "source": page.sitename or page.hostname,
              "url": page.url, "published": page.date}
    try:
        return Article.from_dict({k: v for k, v in record.items() if v}, path=shown)
    except ValueError as error:
        return Reject(shown, str(error))


def split_header(text: str) -> tuple[dict[str, str], str]:
    """Split an optional ``Key: value`` header block, ended by a blank line, from the body.

    The block counts only when every line in it is ``Key: value`` and at least one key is
    known (title, headline, source, publisher, url, published, id); keys are case-insensitive.
    """
    head, sep, body = text.lstrip("\ufeff").partition("\n\n")
    if not sep:
        return {}, text
    fields: dict[str, str] = {}
    for line in head.split("\n"):
        match = _HEADER_LINE.match(line)
        if match is None:
            return {}, text
        key = match.group(1).strip().lower()
        fields[_HEADER_KEYS.get(key, key)] = match.group(2)
    if not set(fields) & set(_HEADER_KEYS.values()):
        return {}, text
    return {k: v for k, v in fields.items() if v != ""}, body


def _json_loads(text: str) -> Any:
    """JSON parsed by orjson, or by the standard library when orjson read an integer too long for
    64 bits as a float: an id of 30 digits is kept exact, never rounded into another one's."""
    value = orjson.loads(text)
    records = value if isinstance(value, list) else [value]
    if any(isinstance(v, float) and abs(v) >= _EXACT_FLOATS for r in records if isinstance(r, dict) for v in r.values()):
        return json.loads(text)
    return value


_EXACT_FLOATS = 2.0 ** 53  # from here on a float may stand for several integers


def _json_articles(text: str, shown: str, relative: str, columns: Columns | None) -> Iterator[Article | Reject]:
    try:
        document = _json_loads(text)
    except orjson.JSONDecodeError as error:
        yield Reject(shown, f"invalid JSON: {error.msg}", error.lineno)
        return
    if isinstance(document, dict):
        yield _record_article(document, shown, relative, None, columns=columns)
    elif isinstance(document, list) and not document:
        yield Reject(shown, "an empty list: no articles")
    elif isinstance(document, list):
        for number, record in enumerate(document, start=1):
            yield _record_article(record, shown, f"{relative}#{number}", None, number, columns=columns)
    else:
        yield Reject(shown, f"expected an article object or a list of them, "
                            f"found a JSON {type(document).__name__}")


NOT_JSON_LINES = 100
"""Lines that are not JSON, before any that is, after which an input is judged not to be JSON
lines at all (a CSV file on standard input, ``yes | dedupe scan -``): one reject, and the rest
of it is not read."""


def _jsonl_articles(stream, shown: str, relative: str, reading: _Reading) -> Iterator[Article | Reject]:
    number = 0
    held: list[Reject] | None = []  # the rejects before the first JSON line, until it comes
    for line_number, line, problem in decoded_lines(stream, reading.limit):
        if problem is not None:
            number += 1
            yield Reject(shown, problem, line_number)
            continue
        if not line.strip():
            continue
        number += 1
        try:
            record = _json_loads(line)
        except orjson.JSONDecodeError as error:
            reject = Reject(shown, f"invalid JSON: {error.msg} (column {error.colno})", line_number)
            if held is None:
                yield reject
                continue
            held.append(reject)
            if len(held) == NOT_JSON_LINES:
                yield _not_json_lines(shown, held, f"its first {NOT_JSON_LINES} lines hold no JSON; the rest "
                                                   "was not read")
                return
            continue
        if held:
            yield from held
        held = None
        yield _record_article(record, shown, f"{relative}#{number}", line_number, columns=reading.columns)
    if held:
        yield _not_json_lines(shown, held, "no line of it is JSON")
    elif number == 0:  # no line but blank ones
        yield Reject(shown, "empty file")


def _not_json_lines(shown: str, rejects: list[Reject], what: str) -> Reject:
    """One reject for an input read as JSON lines that is not JSON lines."""
    hint = ("give --input-format csv or tsv for a table on standard input" if shown == "<stdin>"
            else "name a CSV or TSV file .csv or .tsv")
    return Reject(shown, f"not JSON lines: {what} (line {rejects[0].line}: {rejects[0].reason}); {hint}",
                  rejects[0].line)


def _record_article(record: Any, shown: str, default_id: str, line: int | None,
                    number: int | None = None, columns: Columns | None = None) -> Article | Reject:
    if not isinstance(record, dict):
        reason = f"expected an article object, found a JSON {type(record).__name__}"
        if number is not None:
            reason += f" (item {number})"
        return Reject(shown, reason, line)
    try:
        return Article.from_dict(record, default_id=default_id, path=shown, line=line, columns=columns)
    except ValueError as error:
        reason = str(error) if number is None else f"item {number}: {error}"
        return Reject(shown, reason, line)
