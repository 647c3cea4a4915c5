"""Tokens: cleaned texts → the hashed words that sketches and scores compare, with the facts
(figures and names) that the templated-story guard reads, in one numba pass over the corpus.

A text's words are its runs of letters and digits after case folding (Unicode NFKC first), with
Arabic diacritics and tatweel removed, Arabic letter variants unified and Arabic-Indic digits
made Western. A figure stays one word ("6,200" → ``6200``, "7-3/4" → ``734``) and a small
number spelt out becomes its digits ("twenty" → ``20``), so house styles that write numbers
either way give the same words.

Facts: a **figure** is a word of digits; a **name** is a word (three letters or more, legal
suffixes aside) of a run of capitalised words: two or more in a row ("Northern Trust"), or one
inside a sentence ("... said Monday"), not the capital that opens a sentence or a line.

>>> to_tokens("Ｄｕｂａｉ’s ports—OPEN, 1,412.6 twenty-one!")
'dubai s ports open 14126 20 1'
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from .numba_cache import CACHE  # noqa: E402 - sets where numba caches, before numba is imported
import numba
import numpy as np

from .token_tables import ARABIC_LETTERS, ARABIC_MARKS, NAME_NOISE, NUMBER_WORDS, TITLES

__all__ = ["Tokens", "tokenize", "tokenize_lines", "to_tokens", "Lines"]

_TABLE_SIZE = 0x20000          # code points below this are looked up; above, planes 2-3 are letters
_WORD, _ALNUM, _DIGIT, _SPACE = 1, 2, 4, 8  # classes: re's \w, letters and digits, \d, \s
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_LINE_BYTES = 21              # a packed line: key, size, words, data flag (Lines.pack)
_CHUNK_CHARS = 1 << 22         # characters tokenised at once: bounds memory on large corpora


def _spans(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The positions ``starts[i] .. starts[i] + lengths[i] - 1`` of every span, in order."""
    total = int(lengths.sum())
    ends = np.cumsum(lengths)
    return np.arange(total, dtype=np.int64) + np.repeat(starts - (ends - lengths), lengths)


@dataclass(frozen=True)
class Tokens:
    """The words of a batch of texts, hashed, as flat arrays: text ``i`` owns
    ``words[offsets[i]:offsets[i + 1]]`` (and the same slice of ``figure`` and ``name``).

    Attributes
    ----------
    words:
        64-bit hash of each word, in text order.
    offsets:
        Where each text's words start; ``len(texts) + 1`` entries.
    figure, name:
        Whether each word is a figure, a name.
    fingerprints:
        A 64-bit hash of each text's whole word sequence: equal for texts that are word for word
        the same.
    opens:
        Whether each word is the first of its line: a text's paragraphs are the words that open
        one (a web page has a paragraph a line; a hard-wrapped text's lines are joined first).
    """

    words: np.ndarray
    offsets: np.ndarray
    figure: np.ndarray
    name: np.ndarray
    fingerprints: np.ndarray
    opens: np.ndarray

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def pack(self) -> list[bytes]:
        """Each text's tokens as bytes: its fingerprint, its word hashes, their flags (figure 1,
        name 2, opens a line 4), zeros to a multiple of 8 bytes. A job that prepares articles in one process and
        compares them in another moves these (see :meth:`unpack`)."""
        words = self.words.astype("<u8")
        flags = self.figure.astype(np.uint8) | (self.name.astype(np.uint8) << 1) | (self.opens.astype(np.uint8) << 2)
        prints = self.fingerprints.astype("<u8")
        bounds = self.offsets.tolist()
        return [prints[i:i + 1].tobytes() + words[a:b].tobytes() + flags[a:b].tobytes() + bytes(-(b - a) % 8)
                for i, (a, b) in enumerate(zip(bounds, bounds[1:]))]

    @classmethod
    def unpack(cls, blobs: Sequence[bytes]) -> "Tokens":
        """The tokens of texts packed by :meth:`pack`, in order."""
        sizes = np.array([len(blob) for blob in blobs], dtype=np.int64)
        counts = (sizes - 8) // 9  # the padding is under 8 bytes, a word takes 9
        joined = b"".join(blobs)
        # Every blob starts on a multiple of 8 bytes: fingerprints and words are read as 64-bit
        # numbers where they lie, the flags as bytes.
        numbers, data = np.frombuffer(joined, dtype="<u8"), np.frombuffer(joined, dtype=np.uint8)
        starts = (np.cumsum(sizes // 8) - sizes // 8).astype(np.int64)
        flags = data[_spans(8 * (starts + 1 + counts), counts)]
        return cls(numbers[_spans(starts + 1, counts)].astype(np.uint64), np.r_[0, np.cumsum(counts)].astype(np.int64),
                   (flags & 1).astype(bool), (flags & 2).astype(bool), numbers[starts].astype(np.uint64),
                   (flags & 4).astype(bool))

    def without_lines(self, lines: "Lines", gone: np.ndarray) -> "Tokens":
        """These tokens without the words of the lines flagged in ``gone`` (a flag per line of
        ``lines``, hashed in the same pass as these tokens); fingerprints are worked out anew.
        Words never look past their line, so the result is the tokens of the texts without those
        lines. The arrays are rewritten in place, which spares a copy of the corpus: only the
        tokens returned may be used afterwards."""
        offsets, fingerprints = _drop_lines(self.words, self.figure, self.name, self.opens, self.offsets,
                                            lines.word_line, lines.offsets, np.asarray(gone, dtype=np.bool_))
        end = offsets[-1]
        return Tokens(self.words[:end], offsets, self.figure[:end], self.name[:end], fingerprints, self.opens[:end])

    def paragraphs(self) -> np.ndarray:
        """How many paragraphs (lines holding words) each text has."""
        owner = np.repeat(np.arange(len(self), dtype=np.int64), np.diff(self.offsets))
        return np.bincount(owner[self.opens], minlength=len(self)).astype(np.int64)

    def facts(self, flags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The hashes of the words flagged (``self.figure`` or ``self.name``) with per-text offsets."""
        where = np.flatnonzero(flags)
        return self.words[where], np.searchsorted(where, self.offsets).astype(np.int64)


def tokenize(texts: Sequence[str]) -> Tokens:
    """Hash the words of ``texts`` and flag their facts (see the module documentation)."""
    return tokenize_lines(texts)[0]


def tokenize_lines(texts: Sequence[str], nfkc: bool = True) -> tuple[Tokens, "Lines"]:
    """:func:`tokenize`, and hash the lines of ``texts`` (see :class:`Lines`) in the same pass.

    ``nfkc=False`` skips the normalisation, for texts known to be in NFKC already.
    """
    parts = []
    for start, stop in _chunks(texts):
        chunk = texts[start:stop]
        if nfkc:
            chunk = [unicodedata.normalize("NFKC", t) for t in chunk]
        codes, char_offsets = _code_points(chunk)
        parts.append(_tokenize(codes, char_offsets, *_tables(), False))
    if not parts:
        empty = np.zeros(0, dtype=np.uint64)
        nothing = np.zeros(0, dtype=bool)
        return (Tokens(empty, np.zeros(1, dtype=np.int64), nothing, nothing, empty, nothing),
                Lines(empty, np.zeros(0, dtype=np.int64), nothing, np.zeros(0, dtype=np.int32),
                      np.zeros(1, dtype=np.int64)))
    tokens = Tokens(np.concatenate([p[0] for p in parts]), _joined_offsets([p[1] for p in parts]),
                    np.concatenate([p[2] for p in parts]), np.concatenate([p[3] for p in parts]),
                    np.concatenate([p[4] for p in parts]), np.zeros(0, dtype=bool))
    lines = Lines(np.concatenate([p[7] for p in parts]), np.concatenate([p[8] for p in parts]),
                  np.concatenate([p[9] for p in parts]), np.concatenate([p[11] for p in parts]),
                  _joined_offsets([p[10] for p in parts]))
    # A word opens a line when the word before it (in its text) lies on another line.
    opens = np.ones(len(tokens.words), dtype=bool)
    opens[1:] = lines.word_line[1:] != lines.word_line[:-1]
    opens[tokens.offsets[:-1][np.diff(tokens.offsets) > 0]] = True
    return dataclasses.replace(tokens, opens=opens), lines


def _joined_offsets(offsets: list[np.ndarray]) -> np.ndarray:
    """The offsets of consecutive chunks, each starting at 0, as offsets of the whole."""
    shift = np.cumsum([0] + [o[-1] for o in offsets[:-1]])
    return np.concatenate([[0]] + [o[1:] + s for o, s in zip(offsets, shift)]).astype(np.int64)


def to_tokens(text: str) -> str:
    """The words of ``text`` as :func:`tokenize` sees them, separated by single spaces."""
    codes, char_offsets = _code_points([unicodedata.normalize("NFKC", text)])
    chars, char_counts = _tokenize(codes, char_offsets, *_tables(), True)[5:7]
    return chars[:char_counts[0]].tobytes().decode("utf-32-le")


@dataclass(frozen=True)
class Lines:
    """The lines of a batch of texts (split at ``\\n``), in order: text ``i`` owns lines
    ``offsets[i]:offsets[i + 1]``.

    Attributes
    ----------
    keys:
        64-bit hash of each line's key: its characters case folded (and Arabic unified, as for
        words), whitespace runs made one space, none at either end. Blank lines have key 0.
    sizes:
        Each line's length in characters, as written.
    data:
        Whether one of the line's words (split at whitespace) in five or more holds a digit: a
        line of data, such as a table row.
    word_line:
        For each word of the tokens made in the same pass, its line's number within its text.
    offsets:
        Where each text's lines start; ``len(texts) + 1`` entries.
    """

    keys: np.ndarray
    sizes: np.ndarray
    data: np.ndarray
    word_line: np.ndarray
    offsets: np.ndarray

    @property
    def blank(self) -> np.ndarray:
        return self.keys == 0

    @property
    def owner(self) -> np.ndarray:
        """The text each line belongs to."""
        return np.repeat(np.arange(len(self.offsets) - 1), np.diff(self.offsets))

    def pack(self, word_offsets: np.ndarray) -> list[bytes]:
        """Each text's lines as bytes: their keys (uint64), sizes (int64), how many words each
        holds (uint32) and data flags (uint8); ``word_offsets`` are the offsets of the tokens
        hashed in the same pass (:attr:`Tokens.offsets`). A job that hashes texts in one place
        and learns boilerplate, or drops its lines from the tokens, in another moves these (see
        :meth:`unpack`): the Spark job does, and an index stores them."""
        texts = len(self.offsets) - 1
        word_text = np.repeat(np.arange(texts, dtype=np.int64), np.diff(word_offsets))
        words = np.bincount(self.offsets[:-1][word_text] + self.word_line, minlength=len(self.keys)).astype("<u4")
        keys, sizes, data = self.keys.astype("<u8"), self.sizes.astype("<i8"), self.data.astype(np.uint8)
        bounds = self.offsets.tolist()
        return [keys[a:b].tobytes() + sizes[a:b].tobytes() + words[a:b].tobytes() + data[a:b].tobytes()
                for a, b in zip(bounds, bounds[1:])]

    @classmethod
    def unpack(cls, blobs: Sequence[bytes]) -> "Lines":
        """The lines of texts packed by :meth:`pack`, in order, ``word_line`` too."""
        counts = np.array([len(blob) // _LINE_BYTES for blob in blobs], dtype=np.int64)
        offsets = np.r_[0, np.cumsum(counts)].astype(np.int64)
        if not offsets[-1]:
            return cls(np.zeros(0, np.uint64), np.zeros(0, np.int64), np.zeros(0, bool), np.zeros(0, np.int32), offsets)
        joined = np.frombuffer(b"".join(blobs), dtype=np.uint8)
        # Where each text's four columns start in the joined bytes, and each line's place in them.
        starts = np.r_[0, np.cumsum(counts * _LINE_BYTES)[:-1]].astype(np.int64)
        line = np.arange(offsets[-1], dtype=np.int64)
        owner = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
        local = line - offsets[owner]
        base, n = starts[owner], counts[owner]

        def column(at: np.ndarray, width: int, dtype: str) -> np.ndarray:
            where = (at[:, None] + np.arange(width)).ravel()
            return joined[where].view(dtype)

        keys = column(base + 8 * local, 8, "<u8").astype(np.uint64)
        sizes = column(base + 8 * n + 8 * local, 8, "<i8").astype(np.int64)
        words = column(base + 16 * n + 4 * local, 4, "<u4").astype(np.int64)
        data = joined[base + 20 * n + local].astype(bool)
        word_line = np.repeat(local, words).astype(np.int32)
        return cls(keys, sizes, data, word_line, offsets)


def _chunks(texts: Sequence[str]):
    start, size = 0, 0
    for i, text in enumerate(texts):
        size += len(text)
        if size >= _CHUNK_CHARS:
            yield start, i + 1
            start, size = i + 1, 0
    if start < len(texts):
        yield start, len(texts)


def _code_points(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32), offsets


@lru_cache(maxsize=1)
def _tables():
    """Per code point: what it becomes (case folded, Arabic unified; up to three code points),
    and its classes. Built from Python's own ``str`` methods and ``re`` classes, so words match
    ``re``'s ``\\w``."""
    expansion = np.zeros((_TABLE_SIZE, 3), dtype=np.uint32)
    expansion[:, 0] = np.arange(_TABLE_SIZE, dtype=np.uint32)
    length = np.ones(_TABLE_SIZE, dtype=np.uint8)
    # Most code points stand for themselves: only those that fold or unify are written out.
    every = "".join(map(chr, range(_TABLE_SIZE)))
    changed = {i for i, c in enumerate(every) if c.casefold() != c} | set(ARABIC_LETTERS) | ARABIC_MARKS
    for code in changed:
        folded = "".join(ARABIC_LETTERS.get(ord(c), c) for c in chr(code).casefold() if ord(c) not in ARABIC_MARKS)
        length[code] = len(folded)
        expansion[code] = [ord(c) for c in folded] + [0] * (3 - len(folded))
    classes = np.zeros(_TABLE_SIZE, dtype=np.uint8)
    for pattern, flags in ((r"[^\W_]", _WORD | _ALNUM), (r"_", _WORD), (r"\d", _DIGIT), (r"\s", _SPACE)):
        where = np.array([m.start() for m in re.finditer(pattern, every)], dtype=np.int64)
        classes[where] |= flags
    words = sorted((_pack(w), v) for w, v in NUMBER_WORDS.items())
    keys = np.array([k for k, _ in words], dtype=np.int64)
    values = np.array([v for _, v in words], dtype=np.int64)
    # The noise words hashed as words: by the tokenizer itself, with no noise yet.
    noise_codes, noise_offsets = _code_points(NAME_NOISE)
    nothing = np.zeros(0, dtype=np.uint64)
    noise = np.sort(_tokenize(noise_codes, noise_offsets, expansion, length, classes, keys, values,
                              nothing, nothing, False)[0])
    title_codes, title_offsets = _code_points(TITLES)
    titles = np.unique(_tokenize(title_codes, title_offsets, expansion, length, classes, keys, values,
                                 nothing, nothing, False)[0])
    return expansion, length, classes, keys, values, noise, titles


def _pack(word: str) -> int:
    """A lower-case ASCII word of up to 12 letters as one integer (5 bits a letter)."""
    packed = 0
    for c in word:
        packed = packed * 32 + ord(c) - 96
    return packed


@numba.njit(cache=CACHE)
def _drop_lines(words, figure, name, opens, offsets, word_line, line_offsets, gone):
    # Kept words move towards the start, never past words not yet read.
    kept = np.zeros(len(offsets), dtype=np.int64)
    fingerprints = np.empty(len(offsets) - 1, dtype=np.uint64)
    w = 0
    for doc in range(len(offsets) - 1):
        fingerprint = _FNV_OFFSET
        for i in range(offsets[doc], offsets[doc + 1]):
            if gone[line_offsets[doc] + word_line[i]]:
                continue
            words[w], figure[w], name[w], opens[w] = words[i], figure[i], name[i], opens[i]
            fingerprint = (fingerprint ^ words[w]) * _FNV_PRIME
            w += 1
        kept[doc + 1] = w
        fingerprints[doc] = fmix64(fingerprint)
    return kept, fingerprints


@numba.njit(cache=CACHE)
def fmix64(h):
    """MurmurHash3's 64-bit finalizer: every input bit moves every output bit."""
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    h ^= h >> np.uint64(33)
    return h


@numba.njit(cache=CACHE, inline="always")
def _class(classes, code):
    if code < _TABLE_SIZE:
        return classes[code]
    return (_WORD | _ALNUM) if code < 0x40000 else 0


@numba.njit(cache=CACHE, inline="always")
def _upper(code):
    return 65 <= code <= 90


@numba.njit(cache=CACHE)
def _name_chars(chars, classes):
    """Which characters lie in a name run: capitalised words ([A-Z] then word characters,
    apostrophes, hyphens) joined by single spaces or tabs, kept when the run has two words or
    more, or when a lone whitespace character stands before it (inside a sentence). A line's
    first word opens a sentence, as a word after ". " does; nothing looks past the line, so
    taking lines out of a text leaves the flags of the others as they were."""
    n = len(chars)
    marked = np.zeros(n, dtype=np.bool_)
    p = 0
    while p < n:
        start = -1
        alone = False  # one whitespace character before the run
        if p == 0 or chars[p - 1] == 10:  # a line's first word, after its indentation
            q = p
            while q < n and chars[q] != 10 and _class(classes, chars[q]) & _SPACE:
                q += 1
            if q < n and _upper(chars[q]):
                start = q
            elif q > p:  # the indentation is no space inside a sentence
                p = q
                continue
        if start < 0 and (chars[p] == 46 or chars[p] == 33 or chars[p] == 63):  # . ! ? then spaces
            q = p + 1
            while q < n and chars[q] != 10 and _class(classes, chars[q]) & _SPACE:
                q += 1
            if q > p + 1 and q < n and _upper(chars[q]):
                start = q
        if (start < 0 and chars[p] != 10 and _class(classes, chars[p]) & _SPACE and p + 1 < n
                and _upper(chars[p + 1])):
            start, alone = p + 1, True
        if start < 0:
            p += 1
            continue
        q = start + 1
        several = False
        while True:
            while q < n and (_class(classes, chars[q]) & _WORD or chars[q] == 39 or chars[q] == 0x2019
                             or chars[q] == 45):
                q += 1
            if q + 1 < n and (chars[q] == 32 or chars[q] == 9) and _upper(chars[q + 1]):
                several |= chars[q] == 32
                q += 2
                continue
            break
        if several or alone:
            marked[start:q] = True
        p = q
    return marked


@numba.njit(cache=CACHE, parallel=True)
def _tokenize(codes, char_offsets, expansion, length, classes, number_keys, number_values, noise, titles, emit):
    n = len(char_offsets) - 1
    # Each text writes into its own slots, so texts are tokenised in parallel. Case folding turns
    # a character into three at most ("İ" is "i" and a combining dot, which separates words), and
    # a word takes a character and a separator: c characters make at most (3c + 1) // 2 words.
    slots = np.zeros(n + 1, dtype=np.int64)
    line_counts = np.zeros(n, dtype=np.int64)
    for doc in numba.prange(n):
        line_counts[doc] = 1 + np.sum(codes[char_offsets[doc]:char_offsets[doc + 1]] == 10)
    line_offsets = np.zeros(n + 1, dtype=np.int64)
    for doc in range(n):
        slots[doc + 1] = slots[doc] + (3 * (char_offsets[doc + 1] - char_offsets[doc]) + 1) // 2 + 1
        line_offsets[doc + 1] = line_offsets[doc] + line_counts[doc]
    words = np.empty(slots[n], dtype=np.uint64)
    figure = np.zeros(slots[n], dtype=np.bool_)
    name = np.zeros(slots[n], dtype=np.bool_)
    word_line = np.empty(slots[n], dtype=np.int32)
    counts = np.zeros(n, dtype=np.int64)
    fingerprints = np.empty(n, dtype=np.uint64)
    chars_out = np.empty(3 * len(codes) + n if emit else 0, dtype=np.uint32)
    char_counts = np.zeros(n, dtype=np.int64)
    line_keys = np.empty(line_offsets[n], dtype=np.uint64)
    line_sizes = np.empty(line_offsets[n], dtype=np.int64)
    line_data = np.empty(line_offsets[n], dtype=np.bool_)
    for doc in numba.prange(n):
        chars = codes[char_offsets[doc]:char_offsets[doc + 1]]
        out = words[slots[doc]:slots[doc + 1]]
        text_out = chars_out[3 * char_offsets[doc] + doc:3 * char_offsets[doc + 1] + doc + 1] if emit else chars_out
        counts[doc], char_counts[doc], fingerprints[doc] = _tokenize_text(
            chars, expansion, length, classes, number_keys, number_values, noise, titles, emit,
            out, figure[slots[doc]:slots[doc + 1]], name[slots[doc]:slots[doc + 1]],
            word_line[slots[doc]:slots[doc + 1]], text_out)
        lines = slice(line_offsets[doc], line_offsets[doc + 1])
        _hash_lines(chars, expansion, length, classes, line_keys[lines], line_sizes[lines], line_data[lines])
    # Gather the words of every text, in order.
    offsets = np.zeros(n + 1, dtype=np.int64)
    for doc in range(n):
        offsets[doc + 1] = offsets[doc] + counts[doc]
    packed_words = np.empty(offsets[n], dtype=np.uint64)
    packed_figure = np.empty(offsets[n], dtype=np.bool_)
    packed_name = np.empty(offsets[n], dtype=np.bool_)
    packed_line = np.empty(offsets[n], dtype=np.int32)
    for doc in numba.prange(n):
        for i in range(counts[doc]):
            packed_words[offsets[doc] + i] = words[slots[doc] + i]
            packed_figure[offsets[doc] + i] = figure[slots[doc] + i]
            packed_name[offsets[doc] + i] = name[slots[doc] + i]
            packed_line[offsets[doc] + i] = word_line[slots[doc] + i]
    return (packed_words, offsets, packed_figure, packed_name, fingerprints, chars_out, char_counts,
            line_keys, line_sizes, line_data, line_offsets, packed_line)


@numba.njit(cache=CACHE)
def _tokenize_text(chars, expansion, length, classes, number_keys, number_values, noise, titles, emit,
                   words, figure, name, word_line, chars_out):
    """Tokenise one text into ``words`` (and its flags and lines); returns how many words, how
    many characters went to ``chars_out`` (when ``emit``), and the text's fingerprint."""
    in_name = _name_chars(chars, classes)
    folded = np.empty(3 * len(chars) + 1, dtype=np.uint32)
    source = np.empty(3 * len(chars) + 1, dtype=np.int64)
    spelt = np.empty(2, dtype=np.uint32)
    # Case fold and unify, keeping where each folded character came from.
    m = 0
    for i in range(len(chars)):
        code = chars[i]
        if code < _TABLE_SIZE:
            for j in range(length[code]):
                folded[m] = expansion[code, j]
                source[m] = i
                m += 1
        else:
            folded[m] = code
            source[m] = i
            m += 1
    # A separator between two digits goes ("6,200", "1.75", "7-3/4" are one figure).
    kept = 0
    for k in range(m):
        c = folded[k]
        if ((c == 44 or c == 46 or c == 47 or c == 45) and 0 < k < m - 1
                and _class(classes, folded[k - 1]) & _DIGIT and _class(classes, folded[k + 1]) & _DIGIT):
            continue
        folded[kept] = c
        source[kept] = source[k]
        kept += 1
    fingerprint = _FNV_OFFSET
    count = 0
    written = 0
    k = 0
    line = 0
    while k < kept:
        if not _class(classes, folded[k]) & _ALNUM:
            line += folded[k] == 10
            k += 1
            continue
        # A run of letters and digits is a word; a small number spelt out, its digits.
        end = k
        packed = 0
        while end < kept and _class(classes, folded[end]) & _ALNUM:
            c = folded[end]
            if packed >= 0:
                packed = packed * 32 + (c - 96) if 97 <= c <= 122 and end - k < 12 else -1
            end += 1
        text = folded[k:end]
        if packed > 0:
            at = np.searchsorted(number_keys, packed)
            if at < len(number_keys) and number_keys[at] == packed:
                number = number_values[at]
                spelt[0], spelt[1] = 48 + number // 10, 48 + number % 10
                text = spelt if number >= 10 else spelt[1:]
        h = _FNV_OFFSET
        digits_only = True
        for c in text:
            h = (h ^ np.uint64(c)) * _FNV_PRIME
            digits_only &= (_class(classes, c) & _DIGIT) != 0
            if emit:
                chars_out[written] = c
                written += 1
        if emit:
            chars_out[written] = 32
            written += 1
        word = fmix64(h)
        words[count] = word
        figure[count] = digits_only
        word_line[count] = line
        if len(text) > 2 and in_name[source[k]] and in_name[source[end - 1]]:
            at = np.searchsorted(noise, word)
            name[count] = not (at < len(noise) and noise[at] == word)
        fingerprint = (fingerprint ^ word) * _FNV_PRIME
        count += 1
        k = end
    after = 0  # words since the last title, on this line
    for w in range(count):
        at = np.searchsorted(titles, words[w])
        if at < len(titles) and titles[at] == words[w]:
            after = 2
        elif after > 0 and word_line[w] == word_line[w - 1]:
            name[w] |= not figure[w]
            after -= 1
        else:
            after = 0
    return count, max(written - 1, 0), fmix64(fingerprint)


@numba.njit(cache=CACHE)
def _hash_lines(chars, expansion, length, classes, keys, sizes, data):
    """Hash the key of each line of one text into ``keys`` (see :class:`Lines`), with its
    length and whether it is a line of data."""
    line = 0
    h = _FNV_OFFSET
    key_chars = 0     # key characters so far
    space = True      # whitespace seen since the last key character (or the line's start)
    size = 0
    words = 0         # words split at whitespace, and those holding a digit
    figures = 0
    has_digit = False
    for pos in range(len(chars) + 1):
        code = chars[pos] if pos < len(chars) else 10
        if code == 10:
            figures += has_digit
            keys[line] = fmix64(h) | np.uint64(1) if key_chars else np.uint64(0)
            sizes[line] = size
            data[line] = words > 0 and 5 * figures >= words
            line += 1
            h, key_chars, space, size, words, figures, has_digit = _FNV_OFFSET, 0, True, 0, 0, 0, False
            continue
        size += 1
        kind = _class(classes, code)
        if kind & _SPACE:
            figures += has_digit
            has_digit = False
            space = True
            continue
        if space:
            words += 1
            if key_chars:
                h = (h ^ np.uint64(32)) * _FNV_PRIME
        space = False
        has_digit |= (kind & _DIGIT) != 0
        if code < _TABLE_SIZE:
            for j in range(length[code]):
                h = (h ^ np.uint64(expansion[code, j])) * _FNV_PRIME
                key_chars += 1
        else:
            h = (h ^ np.uint64(code)) * _FNV_PRIME
            key_chars += 1
