"""The record that flows through the pipeline, and the roles a story assigns."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping

__all__ = ["Article", "Role", "parse_published", "timestamp"]


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
_KNOWN = {name for names in _ALIASES.values() for name in names}


@dataclass(frozen=True)
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

    @property
    def place(self) -> str:
        """Where the article was read from, as ``path`` or ``path:line``."""
        if self.line is not None:
            return f"{self.path}:{self.line}"
        return self.path or self.id

    @classmethod
    def from_dict(cls, record: Mapping[str, Any], *, default_id: str | None = None,
                  path: str | None = None, line: int | None = None) -> "Article":
        """Build an article from a mapping that uses any of the accepted field names.

        Raises ``ValueError`` naming the field when a value has the wrong type.
        """
        values: dict[str, Any] = {}
        for name, aliases in _ALIASES.items():
            for alias in aliases:
                if record.get(alias) is not None:
                    values[name] = record[alias]
                    break
        text = values.get("text")
        if text is None:
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
            extra={k: v for k, v in record.items() if k not in _KNOWN},
        )


def parse_published(value: Any) -> datetime | None:
    """Parse an ISO 8601 date or datetime; ``None`` stays ``None``.

    Raises ``ValueError`` with the offending value when it is not ISO 8601.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValueError(f"'published' must be an ISO 8601 string, not {type(value).__name__}")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'published' is not an ISO 8601 date or datetime: {value!r}") from None


def timestamp(moment: datetime) -> float:
    """POSIX seconds of ``moment``; a naive time is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()
