"""Passages: two texts aligned word by word, what both hold and what only one does, read as
passages. ``dedupe explain`` shows them for a pair, and the HTML report for each copy of a story."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from rapidfuzz.distance import Levenshtein

__all__ = ["Passage", "align_texts", "by_passage", "MAX_ALIGNED_WORDS"]

_WORD = re.compile(r"\S+\s*")


@dataclass(frozen=True)
class Passage:
    """One run of an alignment of two texts: text both hold (``kind`` ``"shared"``), or text
    only one of them holds (``"only_a"``, ``"only_b"``), or a place where each has its own
    (``"changed"``), or, beyond the words aligned, the rest of both (``"unaligned"``). ``a`` and
    ``b`` are the run's text in each, as written."""

    kind: str
    a: str
    b: str


MAX_ALIGNED_WORDS = 50_000
"""Words of each text aligned; what lies beyond is one ``unaligned`` passage. Alignment takes
about a second at this length (``python benchmarks/explain_long.py``)."""


def align_texts(a: str, b: str) -> tuple[Passage, ...]:
    """The two texts aligned word by word (case and punctuation count): what both hold, and what
    only one does, in order. Each word keeps the spacing that follows it, so joining a side's
    passages gives its text back, but for leading space.

    The alignment is a word-level Levenshtein alignment (rapidfuzz: bit-parallel, linear memory),
    on the first :data:`MAX_ALIGNED_WORDS` words of each text; the rest of both is one passage of
    kind ``unaligned``.
    """
    words_a, words_b = _WORD.findall(a.lstrip()), _WORD.findall(b.lstrip())
    head_a, head_b = words_a[:MAX_ALIGNED_WORDS], words_b[:MAX_ALIGNED_WORDS]
    passages = []
    ops = Levenshtein.opcodes([w.strip() for w in head_a], [w.strip() for w in head_b])
    # Consecutive edits read as one passage: what each side holds between two shared runs.
    start = 0
    while start < len(ops):
        end = start + 1
        if ops[start].tag != "equal":
            while end < len(ops) and ops[end].tag != "equal":
                end += 1
        first, last = ops[start], ops[end - 1]
        a_part = "".join(head_a[first.src_start:last.src_end])
        b_part = "".join(head_b[first.dest_start:last.dest_end])
        kind = "shared" if first.tag == "equal" else "changed" if a_part and b_part else \
            "only_a" if a_part else "only_b"
        passages.append(Passage(kind, a_part, b_part))
        start = end
    if len(words_a) > MAX_ALIGNED_WORDS or len(words_b) > MAX_ALIGNED_WORDS:
        passages.append(Passage("unaligned", "".join(words_a[MAX_ALIGNED_WORDS:]),
                                "".join(words_b[MAX_ALIGNED_WORDS:])))
    return tuple(passages)


def by_passage(passages: Sequence[Passage], min_shared: int = 4) -> tuple[Passage, ...]:
    """``passages`` read as passages, not words: a shared run of fewer than ``min_shared`` words
    between two edits ("the", "said on") joins them, so that two versions that tell a story in
    other words show each side's passage whole, not a jumble of words they happen to share."""
    edits = ("only_a", "only_b", "changed")
    merged: list[Passage] = []
    for k, p in enumerate(passages):
        inside = 0 < k < len(passages) - 1 and passages[k - 1].kind in edits and passages[k + 1].kind in edits
        if p.kind in edits or (p.kind == "shared" and inside and len(p.a.split()) < min_shared):
            if merged and merged[-1].kind in edits:
                a, b = merged[-1].a + p.a, merged[-1].b + p.b
                merged[-1] = Passage("changed" if a.strip() and b.strip() else "only_a" if a.strip() else "only_b",
                                     a, b)
                continue
            if p.kind == "shared":
                p = Passage("changed", p.a, p.b)
        merged.append(p)
    return tuple(merged)
