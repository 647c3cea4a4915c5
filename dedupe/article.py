"""The record that flows through the pipeline, and the roles a story assigns."""

from __future__ import annotations

import enum
import math
import re
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from datetime import date, datetime, timezone
from typing import Any, Mapping

__all__ = ["Article", "Columns", "Reject", "Role", "parse_published", "timestamp"]


class Role(str, enum.Enum):
    """What an article is within its story."""

    CANONICAL = "canonical"
    """The most complete version of the story; every other member is compared with it."""
    DUPLICATE = "duplicate"
    """The same text apart from headline, boilerplate and small edits."""
    TRUNCATED = "truncated"
    """Lacks part of the canonical's text: cut short, or passages dropped."""
    EXTENDED = "extended"
    """Carries substantial text that the canonical lacks."""
    VERSION = "version"
    """Another version of the story (a write-through), joined to it through a chain of versions,
    sharing under half of its text with the canonical."""
    UNIQUE = "unique"
    """No other article reproduces the same text."""

    def __str__(self) -> str:
        return self.value


# Field names accepted from JSON records, first match wins.
_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "title": ("title", "headline"),
    "text": ("text", "body", "content"),
    "source": ("source", "publisher"),
    "url": ("url",),
    "published": ("published",),
}
# Other names feeds give the publication time; a value none of the accepted forms reads is
# carried through as it is rather than refused (Reuters-21578's "date" is its own format).
_PUBLISHED_ALIASES = ("pubDate", "pubdate", "published_at", "date", "scrape_time")


@dataclass(frozen=True)
class Columns:
    """The columns (or JSON fields) that hold an article's fields, where a feed or a frame names
    them otherwise. A field named here is read from that column only; the others from their usual
    names (``text``/``body``/``content``, ``id``, ``title``/``headline``, ...).

    >>> Article.from_dict({"story": "It rained.", "n": 7}, columns=Columns(text="story", id="n")).id
    '7'
    """

    text: str | None = None
    id: str | None = None
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: str | None = None

    def names(self, field_name: str) -> tuple[str, ...]:
        """The names ``field_name`` is read from."""
        named = getattr(self, field_name)
        return (named,) if named else _ALIASES[field_name]

    def missing(self, available: "set[str] | list[str]") -> list[str]:
        """The named columns that are not among ``available`` (a file's header)."""
        return [c for c in (self.text, self.id, self.title, self.source, self.url, self.published)
                if c and c not in available]

    def table_fault(self, available: "list[str]") -> str | None:
        """What keeps a table with the columns ``available`` (a header, a frame's columns) from
        giving any article: a named column it lacks, or no column of text. ``None`` if nothing."""
        shown = ", ".join(map(repr, available)) or "none"
        absent = self.missing(available)
        if absent:
            return f"no column {', '.join(map(repr, absent))}; its columns are {shown}"
        if not set(self.names("text")) & set(available):
            names = [repr(name) for name in self.names("text")]
            expected = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
            return (f"no column of text: expected {expected} "
                    f"(--text-col NAME names another); its columns are {shown}")
        return None


_USUAL = Columns()


@dataclass(frozen=True, repr=False)
class Article:
    """One news article as read from a file, a feed or a caller.

    Parameters
    ----------
    id:
        Unique within a run. Readers fall back to the file's path relative to the scanned folder.
    text:
        The body as published; cleaning never changes it, only the compared copy.
    title, source, url:
        Optional metadata, carried to the output.
    published:
        When it was published; breaks ties between equally complete versions.
    path, line:
        Where it was read from (the line for one-record-a-line files), for messages and output.
    extra:
        Fields the reader did not recognise, carried through untouched.

    Examples
    --------
    >>> Article.from_dict({"id": "a1", "headline": "Rain", "body": "It rained."}).title
    'Rain'
    """

    id: str
    text: str
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: datetime | None = None
    path: str | None = None
    line: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A name the system could not decode (a file name's bytes that are not UTF-8 come as
        # lone surrogates, "\udcff") is kept with those bytes escaped ("\xff"), so that every
        # output can write it; a text that holds them is no text.
        if isinstance(self.text, str) and not _encodable(self.text):
            raise ValueError("the text holds code points that are not characters (lone surrogates, such as "
                             "undecodable bytes of a file name); decode it first")
        for name in ("id", "title", "source", "url", "path"):
            value = getattr(self, name)
            if isinstance(value, str) and not _encodable(value):
                object.__setattr__(self, name, escaped(value))
        if any(isinstance(v, str) and not _encodable(v) for v in self.extra.values()):
            object.__setattr__(self, "extra", {k: escaped(v) if isinstance(v, str) else v for k, v in self.extra.items()})

    def __repr__(self) -> str:
        title = f", title={_shorten(self.title)!r}" if self.title else ""
        return f"Article(id={self.id!r}{title}, text={_shorten(self.text)!r} ({len(self.text):,} chars))"

    @property
    def place(self) -> str:
        """Where the article was read from, as ``path`` or ``path:line``."""
        if self.line is not None:
            return f"{self.path}:{self.line}"
        return self.path or self.id

    @classmethod
    def from_dict(cls, record: Mapping[str, Any], *, default_id: str | None = None,
                  path: str | None = None, line: int | None = None, columns: Columns | None = None) -> "Article":
        """Build an article from a mapping that uses any of the accepted field names, or the
        names ``columns`` gives.

        Raises ``ValueError`` naming the field when a value has the wrong type.
        """
        columns = columns or _USUAL
        values: dict[str, Any] = {}
        known: set[str] = set()
        for name in _ALIASES:
            aliases = columns.names(name)
            for alias in aliases:
                if not _missing(record.get(alias)):
                    values[name] = record[alias]
                    known.add(alias)  # the others ("body" beside "text") are carried through
                    break
        taken_from = None
        if "published" not in values and not columns.published:
            for alias in _PUBLISHED_ALIASES:
                if not _missing(record.get(alias)):
                    try:
                        values["published"], taken_from = parse_published(record[alias]), alias
                    except ValueError:
                        continue
                    break
        text = values.get("text")
        if text is None:
            if columns.text:
                raise ValueError(f"no text: the column {columns.text!r} is missing or empty")
            raise ValueError("no text: expected a 'text', 'body' or 'content' field")
        if not isinstance(text, str):
            raise ValueError(f"'text' must be a string, not {type(text).__name__}")
        if not text.strip():
            raise ValueError("empty text")
        for name in ("title", "source", "url"):
            if name in values and not isinstance(values[name], str):
                raise ValueError(f"'{name}' must be a string, not {type(values[name]).__name__}")
        article_id = values.get("id", default_id)
        if article_id is None:
            raise ValueError("no id: expected an 'id' field")
        if isinstance(article_id, float) and article_id.is_integer():
            article_id = int(article_id)  # a frame's integer column with a missing value is float
        if isinstance(article_id, bool) or not isinstance(article_id, (str, int)):
            raise ValueError(f"'id' must be a string or an integer, not {type(article_id).__name__}")
        return cls(
            id=str(article_id),
            text=text,
            title=values.get("title"),
            source=values.get("source"),
            url=values.get("url"),
            published=parse_published(values.get("published")),
            path=path,
            line=line,
            extra={k: v for k, v in record.items() if k not in known and k != taken_from and not _missing(v)},
        )


def escaped(text: str) -> str:
    """``text`` with what UTF-8 cannot hold (lone surrogates: a file name's undecodable bytes)
    written as escapes: ``"d/\udcffbad.txt"`` becomes ``"d/\\xffbad.txt"``."""
    if _encodable(text):
        return text
    return text.encode("utf-8", "surrogateescape" if _bytes_only(text) else "backslashreplace") \
        .decode("utf-8", "backslashreplace")


def _bytes_only(text: str) -> bool:
    # Surrogates U+DC80..U+DCFF stand for the bytes 0x80..0xFF a decoder could not read.
    return all(not "\ud800" <= c <= "\udfff" or "\udc80" <= c <= "\udcff" for c in text)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_published(value: Any) -> datetime | None:
    """Parse a publication time as feeds write it: ISO 8601, RFC 2822 (RSS's ``pubDate``), or
    POSIX seconds (milliseconds when the number is too large for seconds); ``None`` and empty
    values stay ``None``.

    Raises ``ValueError`` with the offending value when it is none of these.

    >>> parse_published("Mon, 16 Jul 2018 08:11:00 GMT").isoformat()
    '2018-07-16T08:11:00+00:00'
    >>> parse_published(1531728660).isoformat()
    '2018-07-16T08:11:00+00:00'
    """
    if _missing(value) or value == "":
        return None
    if isinstance(value, datetime):
        return _in_range(value, value)
    if isinstance(value, date):  # a day (Parquet's date32, a frame's datetime.date): its midnight, UTC
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    if type(value).__name__ == "datetime64":  # numpy's, as a frame of times may hold it
        as_datetime = value.astype("datetime64[us]").item()
        if not isinstance(as_datetime, datetime):
            raise ValueError(f"'published' is not a time: {value!r}")
        return _in_range(as_datetime, value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = value / 1000 if abs(value) >= 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"'published' is not a time: {value!r}") from None
    if not isinstance(value, str):
        raise ValueError(f"'published' must be a date string or a number, not {type(value).__name__}")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        return _in_range(datetime.fromisoformat(text), value)
    except ValueError as error:
        if "out of range" in str(error):
            raise
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        raise ValueError(f"'published' is not an ISO 8601 or RFC 2822 date: {value!r}") from None
    # The parser reads a year under 100 as this century's, even one written "0001": a year
    # written with three or four digits is taken as written.
    written = _RFC_YEAR.search(text)
    if written and int(written.group(1)) != moment.year:
        try:
            moment = moment.replace(year=int(written.group(1)))
        except ValueError:
            raise ValueError(f"'published' is out of range: {value!r}") from None
    return _in_range(moment, value)


_RFC_YEAR = re.compile(r"\b\d{1,2}\s+[A-Za-z]{3,}\.?\s+(\d{3,4})\b")


def _in_range(moment: datetime, value: Any) -> datetime:
    """``moment``, if it can be told in UTC (9999-12-31 at -05:00 is in year 10000 there)."""
    try:
        moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc).timestamp()
    except (OverflowError, ValueError, OSError):
        raise ValueError(f"'published' is out of range: {value!r}") from None
    return moment


def _missing(value: Any) -> bool:
    """``None``, or what a frame writes for a missing value: a float NaN, pandas' ``NaT`` or ``NA``
    (values that are not equal to themselves)."""
    if value is None or isinstance(value, (str, bytes, int)):
        return value is None
    if isinstance(value, float):
        return math.isnan(value)
    try:
        return bool(value != value)
    except TypeError:  # pandas' NA: its comparisons are NA, which has no truth value
        return True
    except ValueError:  # an array: a value, not a missing one
        return False


def _shorten(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def timestamp(moment: datetime | str | float) -> float:
    """POSIX seconds of ``moment``: a time, or any value :func:`parse_published` reads (so a
    library caller may pass ``"2018-07-16"``); a naive time is taken as UTC.

    Raises ``ValueError`` for a value that is not a time, an empty one included.
    """
    if not isinstance(moment, datetime):
        read = parse_published(moment)
        if read is None:
            raise ValueError(f"not a time: {moment!r} is empty")
        moment = read
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


@dataclass(frozen=True)
class Reject:
    """An input that did not become an article: where it was and why."""

    path: str
    reason: str
    line: int | None = None

    def __post_init__(self) -> None:
        # A path or a reason quoting one may hold a file name's undecodable bytes: escaped, as an
        # article's id is (dedupe.article.escaped), so that every output can write them.
        for name in ("path", "reason"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, escaped(value))

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.reason}"

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "reason": self.reason}
