"""Paths → articles, and a reject for everything that could not be read.

A path may be a folder (walked recursively, in sorted order, hidden entries skipped, symbolic
links followed once) or a file. Formats: ``.txt``/``.md`` (optional ``Key: value`` header block,
a blank line, then the body), ``.json`` (one article object or a list of them),
``.jsonl``/``.ndjson`` (one object a line, read a line at a time), ``.html``/``.htm`` (a web
page: its article is extracted with trafilatura, the ``[html]`` extra). An input larger than the
per-article limit is rejected unread, so memory stays bounded whatever the feed holds.
"""

from __future__ import annotations

import codecs
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

import charset_normalizer
import orjson

from ..article import Article
from ..config import DedupeConfig
from ..errors import InputError
from ..heap import no_cycle_collection

__all__ = ["Reject", "ReadResult", "read_articles", "SUPPORTED_SUFFIXES"]

TEXT_SUFFIXES = (".txt", ".md")
JSON_SUFFIXES = (".json",)
JSONL_SUFFIXES = (".jsonl", ".ndjson")
HTML_SUFFIXES = (".html", ".htm")
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + JSON_SUFFIXES + JSONL_SUFFIXES + HTML_SUFFIXES

# Legacy encodings we accept when a file is not UTF-8: Arabic and Western European news.
_LEGACY_ENCODINGS = ["cp1252", "cp1256", "latin_1"]
_BOMS = (  # UTF-32 first: its little-endian BOM begins with UTF-16's.
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_HEADER_LINE = re.compile(r"^([A-Za-z][A-Za-z _-]{0,30}):[ \t]*(.*?)\s*$")
_HEADER_KEYS = {"title": "title", "headline": "title", "source": "source",
                "publisher": "source", "url": "url", "published": "published", "id": "id"}


@dataclass(frozen=True)
class Reject:
    """An input that did not become an article: where it was and why."""

    path: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.reason}"

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "reason": self.reason}


@dataclass
class ReadResult:
    """Everything read from some paths: the articles, and what could not be read."""

    articles: list[Article] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)


def read_articles(paths: Iterable[str | os.PathLike[str]], max_article_bytes: int | None = None) -> ReadResult:
    """Read every article under ``paths``.

    A path that does not exist raises :class:`~dedupe.errors.InputError`: that is a usage error.
    Anything wrong inside a folder or a file becomes a :class:`Reject` and the rest goes on. A
    repeated id is rejected with both places named. A text or JSON file, or a JSONL line, above
    ``max_article_bytes`` (default: :attr:`dedupe.DedupeConfig.max_article_bytes`) is rejected
    unread.
    """
    limit = DedupeConfig().max_article_bytes if max_article_bytes is None else max_article_bytes
    with no_cycle_collection():
        return _read_all(paths, limit)


def _read_all(paths: Iterable[str | os.PathLike[str]], limit: int) -> ReadResult:
    result = ReadResult()
    first_seen: dict[str, str] = {}
    for root in paths:
        root = Path(root)
        if not root.exists() and not root.is_symlink():
            raise InputError(str(root), "no such file or folder")
        for item in _iter_path(root, limit):
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


def _iter_path(root: Path, limit: int) -> Iterator[Article | Reject]:
    if not root.is_dir():
        yield from _read_file(root, root.parent, limit)
        return
    yield from _walk(root, root, limit, set())


def _walk(folder: Path, root: Path, limit: int, walked: set[str]) -> Iterator[Article | Reject]:
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
            yield from _read_file(Path(entry.path), root, limit)
    for sub in folders:
        yield from _walk(sub, root, limit, walked)


def _read_file(path: Path, root: Path, limit: int) -> Iterator[Article | Reject]:
    shown = str(path)
    relative = path.relative_to(root).as_posix()
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        yield Reject(shown, f"unsupported file type {suffix or '(none)'!r}; "
                            f"expected one of {', '.join(SUPPORTED_SUFFIXES)}")
        return
    try:
        if suffix in JSONL_SUFFIXES:
            yield from _jsonl_articles(path, shown, relative, limit)
            return
        size = path.stat().st_size
        if size > limit:
            yield Reject(shown, f"{_size(size)}, above the limit of {_size(limit)} per article "
                                "(max_article_bytes); not read")
            return
        data = path.read_bytes()
    except OSError as error:
        yield Reject(shown, f"cannot read: {error.strerror or error}")
        return
    if suffix in HTML_SUFFIXES:
        yield _html_article(data, shown, relative)
        return
    try:
        text = _newlines(decode(data))
    except ValueError as error:
        yield Reject(shown, str(error))
        return
    if not text.strip("\ufeff \t\n"):
        yield Reject(shown, "empty file")
    elif suffix in TEXT_SUFFIXES:
        yield _text_article(text, shown, relative)
    else:
        yield from _json_articles(text, shown, relative)


def _size(count: int) -> str:
    return f"{count:,} bytes" if count < 1_000_000 else f"{count / 1e6:,.1f} MB"


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode(data: bytes) -> str:
    """Bytes → text: a BOM decides; else UTF-8; else a legacy encoding detected with confidence.

    Raises ``ValueError`` rather than pass on mojibake.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding)
            except UnicodeDecodeError as error:
                raise ValueError(f"starts with a {encoding} byte-order mark but is not valid "
                                 f"{encoding} (byte {error.start + len(bom)})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        return data.decode(_legacy_encoding(data, error))


def _legacy_encoding(data: bytes, utf8_error: UnicodeDecodeError) -> str:
    """The legacy encoding ``data`` (not UTF-8) is written in, detected with confidence."""
    if b"\x00" in data:
        raise ValueError("binary data (NUL bytes), not text")
    guess = charset_normalizer.from_bytes(data, cp_isolation=_LEGACY_ENCODINGS).best()
    if guess is None:
        raise ValueError(f"not valid UTF-8 (byte {utf8_error.start}) and not readable as "
                         f"{', '.join(_LEGACY_ENCODINGS)}; convert it to UTF-8")
    return guess.encoding


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
        return Reject(shown, "reading HTML needs the [html] extra: pip install 'wire-dedupe[html]'")
    if not data.strip():
        return Reject(shown, "empty file")
    if b"\x00" in data[:4096] and not data.startswith(tuple(bom for bom, _ in _BOMS)):
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


def _json_articles(text: str, shown: str, relative: str) -> Iterator[Article | Reject]:
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        yield Reject(shown, f"invalid JSON: {error.msg}", error.lineno)
        return
    if isinstance(document, dict):
        yield _record_article(document, shown, relative, None)
    elif isinstance(document, list) and not document:
        yield Reject(shown, "an empty list: no articles")
    elif isinstance(document, list):
        for number, record in enumerate(document, start=1):
            yield _record_article(record, shown, f"{relative}#{number}", None, number)
    else:
        yield Reject(shown, f"expected an article object or a list of them, "
                            f"found a JSON {type(document).__name__}")


def _jsonl_articles(path: Path, shown: str, relative: str, limit: int) -> Iterator[Article | Reject]:
    number = line_number = 0
    try:
        for line_number, line in _jsonl_lines(path, limit):
            if line is None:
                number += 1
                yield Reject(shown, f"line longer than the limit of {_size(limit)} per article "
                                    "(max_article_bytes); skipped", line_number)
                continue
            if not line.strip():
                continue
            number += 1
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError as error:
                yield Reject(shown, f"invalid JSON: {error.msg} (column {error.colno})", line_number)
                continue
            yield _record_article(record, shown, f"{relative}#{number}", line_number)
    except ValueError as error:  # undecodable: nothing from here on can be read
        yield Reject(shown, f"{error}; nothing read from this line on", line_number + 1)
        return
    if number == 0:  # no line but blank ones
        yield Reject(shown, "empty file")


def _jsonl_lines(path: Path, limit: int) -> Iterator[tuple[int, str | None]]:
    """The numbered lines of a JSONL file, read one at a time so that memory stays bounded; a
    line longer than ``limit`` bytes is skipped unread and given as ``None``.

    Lines are UTF-8 (a BOM is skipped). A file that starts with a UTF-16 or UTF-32 BOM, or whose
    bytes are not UTF-8, is decoded whole, as other files are (within the limit).
    """
    with path.open("rb") as file:
        if file.read(4).startswith(tuple(bom for bom, encoding in _BOMS if encoding != "utf-8")):
            file.seek(0)
            data = file.read(limit + 1)
            if len(data) > limit:
                raise ValueError(f"a UTF-16 or UTF-32 file is decoded whole, and this one is above the limit of "
                                 f"{_size(limit)} (max_article_bytes); convert it to UTF-8")
            yield from enumerate(_newlines(decode(data)).split("\n"), start=1)
            return
        file.seek(0)
        encoding = "utf-8"
        number = 0
        while raw := file.readline(limit + 1):
            if len(raw) > limit:  # skip to the end of this line, a block at a time
                while raw and not raw.endswith(b"\n"):
                    raw = file.readline(2**20)
                number += 1
                yield number, None
                continue
            if number == 0 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8):]
            body = raw[:-1] if raw.endswith(b"\n") else raw
            body = body[:-1] if body.endswith(b"\r") else body
            # Old Mac line ends (a lone CR) end lines too: JSON strings never hold a raw CR.
            for piece in body.split(b"\r") if b"\r" in body else (body,):
                number += 1
                try:
                    line = piece.decode(encoding)
                except UnicodeDecodeError as error:
                    if encoding != "utf-8":
                        raise ValueError(f"line {number} is not valid {encoding}") from None
                    at = file.tell()
                    file.seek(0)
                    encoding = _legacy_encoding(file.read(limit), error)
                    file.seek(at)
                    line = piece.decode(encoding)
                yield number, line


def _record_article(record: Any, shown: str, default_id: str, line: int | None,
                    number: int | None = None) -> Article | Reject:
    if not isinstance(record, dict):
        reason = f"expected an article object, found a JSON {type(record).__name__}"
        if number is not None:
            reason += f" (item {number})"
        return Reject(shown, reason, line)
    try:
        return Article.from_dict(record, default_id=default_id, path=shown, line=line)
    except ValueError as error:
        reason = str(error) if number is None else f"item {number}: {error}"
        return Reject(shown, reason, line)
