"""Paths → articles, and a reject for everything that could not be read.

A path may be a folder (walked recursively, in sorted order, hidden entries skipped) or a file.
Formats: ``.txt``/``.md`` (optional ``Key: value`` header block, a blank line, then the body),
``.json`` (one article object or a list of them), ``.jsonl``/``.ndjson`` (one object a line).
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
from ..errors import InputError
from ..heap import no_cycle_collection

__all__ = ["Reject", "ReadResult", "read_articles", "SUPPORTED_SUFFIXES"]

TEXT_SUFFIXES = (".txt", ".md")
JSON_SUFFIXES = (".json",)
JSONL_SUFFIXES = (".jsonl", ".ndjson")
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + JSON_SUFFIXES + JSONL_SUFFIXES

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


def read_articles(paths: Iterable[str | os.PathLike[str]]) -> ReadResult:
    """Read every article under ``paths``.

    A path that does not exist raises :class:`~dedupe.errors.InputError`: that is a usage error.
    Anything wrong inside a file becomes a :class:`Reject` and the rest goes on. A repeated id
    is rejected with both places named.
    """
    with no_cycle_collection():
        return _read_all(paths)


def _read_all(paths: Iterable[str | os.PathLike[str]]) -> ReadResult:
    result = ReadResult()
    first_seen: dict[str, str] = {}
    for root in paths:
        root = Path(root)
        if not root.exists():
            raise InputError(str(root), "no such file or folder")
        for item in _iter_path(root):
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


def _iter_path(root: Path) -> Iterator[Article | Reject]:
    if root.is_file():
        yield from _read_file(root, root.parent)
        return
    for folder, dirs, files in os.walk(root, onerror=None):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield from _read_file(Path(folder) / name, root)


def _read_file(path: Path, root: Path) -> Iterator[Article | Reject]:
    shown = str(path)
    relative = path.relative_to(root).as_posix()
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        yield Reject(shown, f"unsupported file type {suffix or '(none)'!r}; "
                            f"expected one of {', '.join(SUPPORTED_SUFFIXES)}")
        return
    try:
        if suffix in JSONL_SUFFIXES:
            yield from _jsonl_articles(path, shown, relative)
            return
        data = path.read_bytes()
    except OSError as error:
        yield Reject(shown, f"cannot read: {error.strerror or error}")
        return
    try:
        text = _newlines(decode(data))
    except ValueError as error:
        yield Reject(shown, str(error))
        return
    if suffix in TEXT_SUFFIXES:
        yield _text_article(text, shown, relative)
    else:
        yield from _json_articles(text, shown, relative)


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
    elif isinstance(document, list):
        for number, record in enumerate(document, start=1):
            yield _record_article(record, shown, f"{relative}#{number}", None, number)
    else:
        yield Reject(shown, f"expected an article object or a list of them, "
                            f"found a JSON {type(document).__name__}")


def _jsonl_articles(path: Path, shown: str, relative: str) -> Iterator[Article | Reject]:
    number = line_number = 0
    try:
        for line_number, line in _jsonl_lines(path):
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


def _jsonl_lines(path: Path) -> Iterator[tuple[int, str]]:
    """The numbered lines of a JSONL file, read one at a time so that memory stays bounded.

    Lines are UTF-8 (a BOM is skipped). A file that starts with a UTF-16 or UTF-32 BOM, or whose
    bytes are not UTF-8, is decoded whole, as other files are.
    """
    with path.open("rb") as file:
        if file.read(4).startswith(tuple(bom for bom, encoding in _BOMS if encoding != "utf-8")):
            file.seek(0)
            yield from enumerate(_newlines(decode(file.read())).split("\n"), start=1)
            return
        file.seek(0)
        encoding = "utf-8"
        number = 0
        for raw in file:
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
                    encoding = _legacy_encoding(path.read_bytes(), error)
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
