"""Bytes in: files opened with a byte limit, decompressed by extension, and decoded a line at a time.

Reading never trusts a file's reported size: a link to ``/dev/zero`` or a FIFO is refused as
not a regular file, and every read is bounded, so a file that grows while it is read (or a
compressed file that expands without end) costs at most the limit.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import lzma
import os
import stat
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import IO, BinaryIO, Iterator

import charset_normalizer

__all__ = ["COMPRESSIONS", "compression_of", "open_input", "bounded_read", "decode", "decoded_lines",
           "size_text", "NotReadable", "BOMS"]

# Extension → compression; the extension before it names the format (feed.jsonl.gz is JSON lines).
COMPRESSIONS = {".gz": "gzip", ".bz2": "bzip2", ".zst": "zstd", ".xz": "xz"}
_MAGIC = ((b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"\x28\xb5\x2f\xfd", "zstd"), (b"\xfd7zXZ\x00", "xz"))

# Legacy encodings accepted when a text is not UTF-8: Arabic and Western European news.
LEGACY_ENCODINGS = ["cp1252", "cp1256", "latin_1"]
BOMS = (  # UTF-32 first: its little-endian BOM begins with UTF-16's.
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_WIDE_BOMS = tuple(bom for bom, encoding in BOMS if encoding != "utf-8")
_BLOCK = 1 << 20


def _zstd_error() -> tuple[type[BaseException], ...]:
    try:
        import zstandard
    except ImportError:
        return ()
    return (zstandard.ZstdError,)


# Every error that reading a file (or standard input) can raise midway: the system's, a
# decompressor's on bytes that are not its format, cut short or followed by other bytes, a
# decoder's. Readers turn each one into a reject naming the input, and the run goes on.
READ_ERRORS: tuple[type[BaseException], ...] = (OSError, EOFError, ValueError, lzma.LZMAError, zlib.error,
                                                *_zstd_error())


class NotReadable(Exception):
    """An input that cannot be read at all; the message says why (it becomes a reject)."""


def compression_of(name: str) -> str | None:
    """The compression a file name's extension names, if any.

    >>> compression_of("feed.jsonl.gz"), compression_of("feed.jsonl")
    ('gzip', None)
    """
    return COMPRESSIONS.get(Path(name).suffix.lower())


def sniff_compression(head: bytes) -> str | None:
    """The compression whose magic bytes ``head`` starts with (for standard input, which has no name)."""
    return next((name for magic, name in _MAGIC if head.startswith(magic)), None)


@contextmanager
def open_input(path: Path | None, compression: str | None) -> Iterator[BinaryIO]:
    """``path`` (``None``: standard input) opened for reading bytes, decompressed as named.

    Raises :class:`NotReadable` for what is not a regular file (a device, a FIFO, a socket), a
    compression whose library is missing, or an ``OSError`` while opening.
    """
    if path is None:
        import sys
        raw: BinaryIO = sys.stdin.buffer
    else:
        try:
            mode = os.stat(path).st_mode  # follows symbolic links: the target is what is read
        except OSError as error:
            raise NotReadable(f"cannot read: {error.strerror or error}") from None
        if not stat.S_ISREG(mode):
            kind = ("a character device" if stat.S_ISCHR(mode) else "a block device" if stat.S_ISBLK(mode)
                    else "a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
                    else "not a file")
            raise NotReadable(f"{kind}, not a regular file; not read")
        try:
            raw = open(path, "rb")  # noqa: SIM115 - closed below
        except OSError as error:
            raise NotReadable(f"cannot read: {error.strerror or error}") from None
    try:
        yield _decompressed(raw, compression)
    finally:
        if path is not None:
            raw.close()


def _decompressed(raw: BinaryIO, compression: str | None) -> BinaryIO:
    if compression is None:
        return raw
    if compression == "gzip":
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    if compression == "bzip2":
        return bz2.BZ2File(raw, mode="rb")  # type: ignore[return-value]
    if compression == "xz":
        return lzma.LZMAFile(raw, mode="rb")  # type: ignore[return-value]
    try:
        import zstandard
    except ImportError:
        raise NotReadable("reading .zst needs the zstandard package: pip install zstandard") from None
    # A buffer over the frames gives readline.
    return io.BufferedReader(_ZstdFrames(raw, zstandard.ZstdDecompressor()), buffer_size=_BLOCK)  # type: ignore[arg-type]


class _ZstdFrames(io.RawIOBase):
    """zstd frames one after another, decoded as they are read. A frame cut short is an error
    (``EOFError``), as gzip, bzip2 and xz readers make it, and so are bytes after a frame that
    are no frame (``zstandard.ZstdError``): the library's own stream reader passes both silently."""

    def __init__(self, raw: BinaryIO, decompressor) -> None:
        super().__init__()
        self._raw, self._decompressor = raw, decompressor
        self._frame = None  # the frame being decoded
        self._unused = b""  # bytes read after the last frame's end
        self._decoded = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._decoded:
            data, self._unused = self._unused or self._raw.read(_BLOCK), b""
            if not data:
                if self._frame is not None and not self._frame.eof:
                    raise EOFError("compressed file ended before the end-of-stream marker was reached")
                return 0
            if self._frame is None or self._frame.eof:
                self._frame = self._decompressor.decompressobj()
            self._decoded = self._frame.decompress(data)
            if self._frame.eof:
                self._unused = self._frame.unused_data
        count = min(len(buffer), len(self._decoded))
        buffer[:count] = self._decoded[:count]
        self._decoded = self._decoded[count:]
        return count


def bounded_read(stream: IO[bytes], limit: int) -> bytes:
    """All of ``stream`` if it holds at most ``limit`` bytes; :class:`NotReadable` otherwise,
    after reading no more than ``limit + 1`` bytes."""
    data = _read_up_to(stream, limit + 1)
    if len(data) > limit:
        raise NotReadable(f"larger than the limit of {size_text(limit)} per article (max_article_bytes); "
                          "not read further")
    return data


def _read_up_to(stream: IO[bytes], count: int) -> bytes:
    parts, left = [], count
    while left > 0:
        block = stream.read(min(left, _BLOCK))
        if not block:
            break
        parts.append(block)
        left -= len(block)
    return b"".join(parts)


def size_text(count: int) -> str:
    """A byte count for people: ``1,024 bytes``, ``16.0 MB``."""
    return f"{count:,} bytes" if count < 1_000_000 else f"{count / 1e6:,.1f} MB"


def decode(data: bytes) -> str:
    """Bytes → text: a BOM decides; else UTF-8; else a legacy encoding detected with confidence.

    Raises ``ValueError`` rather than pass on mojibake.
    """
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding)
            except UnicodeDecodeError as error:
                raise ValueError(f"starts with a {encoding} byte-order mark but is not valid "
                                 f"{encoding} (byte {error.start + len(bom)})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        return data.decode(legacy_encoding(data, error))


def legacy_encoding(data: bytes, utf8_error: UnicodeDecodeError) -> str:
    """The legacy encoding ``data`` (not UTF-8) is written in, detected with confidence."""
    if b"\x00" in data:
        raise ValueError("binary data (NUL bytes), not text")
    guess = charset_normalizer.from_bytes(data, cp_isolation=LEGACY_ENCODINGS).best()
    if guess is None:
        raise ValueError(f"not valid UTF-8 (byte {utf8_error.start}) and not readable as "
                         f"{', '.join(LEGACY_ENCODINGS)}; convert it to UTF-8")
    return guess.encoding


def decoded_lines(stream: IO[bytes], limit: int) -> Iterator[tuple[int, str | None, str | None]]:
    """The numbered lines of a stream as ``(number, text, problem)``, one at a time so memory
    stays bounded: ``text`` keeps its line end; ``problem`` says why a line gives no text (longer
    than ``limit`` bytes, skipped unread; or undecodable).

    Each line is read as UTF-8 (a BOM is skipped); a line that is not UTF-8 is decoded alone, in
    the legacy encoding its own bytes show, or given as a problem: one bad line never changes how
    the lines around it are read. A stream that starts with a UTF-16 or UTF-32 BOM is decoded
    whole, within the limit. A lone CR ends a line as LF does.
    """
    first = stream.readline(limit + 1)
    if first.startswith(_WIDE_BOMS):
        data = first + _read_up_to(stream, limit + 1 - len(first))
        if len(data) > limit:
            yield 1, None, (f"a UTF-16 or UTF-32 file is decoded whole, and this one is above the limit of "
                            f"{size_text(limit)} (max_article_bytes); convert it to UTF-8")
            return
        try:
            text = decode(data)
        except ValueError as error:
            yield 1, None, str(error)
            return
        for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").splitlines(True), start=1):
            yield number, line, None
        return
    if first.startswith(codecs.BOM_UTF8):
        first = first[len(codecs.BOM_UTF8):]
    number = 0
    raw = first
    while raw:
        if len(raw) > limit:  # too long: skip to the end of this line, a block at a time
            while raw and not raw.endswith(b"\n"):
                raw = stream.readline(_BLOCK)
            number += 1
            yield number, None, (f"line longer than the limit of {size_text(limit)} per article "
                                 "(max_article_bytes); skipped")
            raw = stream.readline(limit + 1)
            continue
        body = raw[:-1] if raw.endswith(b"\n") else raw
        body = body[:-1] if body.endswith(b"\r") else body
        # Old Mac line ends (a lone CR) end lines too.
        for piece in body.split(b"\r") if b"\r" in body else (body,):
            number += 1
            if b"\x00" in piece:
                yield number, None, "binary data (NUL bytes), not text"
                continue
            try:
                yield number, piece.decode("utf-8") + "\n", None
                continue
            except UnicodeDecodeError as error:
                utf8_error = error
            try:
                yield number, piece.decode(legacy_encoding(piece, utf8_error)) + "\n", None
            except ValueError as error:
                yield number, None, str(error)
        raw = stream.readline(limit + 1)
