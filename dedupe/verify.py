"""Verification: candidate pairs → scores and a verdict for each pair.

Scores, all vectorised over the pairs:

* **cosine** of the TF-IDF vectors (scikit-learn's ``TfidfTransformer`` over hashed words);
* **containment** both ways: the share of one article's shingles found in the other's;
* **alignment**: which words of each article the other one holds, where the gaps are (start,
  middle, end) and where the shared text begins.

A pair is a match when the shorter article is mostly reproduced in the longer one (containment
at least ``threshold``) or the two are near-identical in vocabulary (cosine at least
``similarity_threshold``), unless a guard says otherwise:

* **short**: texts under ``min_tokens`` words match only an identical text, and texts of one or
  two words match nothing;
* **facts**: templated stories (earnings tables, market reports, protocol readouts) share their
  wording but not their figures and names; a pair is no match when neither text holds two thirds
  of the other's figures, or two thirds of its names, or when the shorter text has other facts
  standing where the longer one has its own (two of them; one, in a copy holding a small part
  of the longer text);
* **partial**: a copy that holds less than ``partial_coverage`` of the longer text must begin
  where it begins (a copy cut short);
* **digest**: a text that holds several other texts in separate places (a digest, news in brief)
  is no one's copy: pairs in which the shorter text holds less than half of it are refused.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass

import numba
import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfTransformer

from .config import DedupeConfig
from .sketch import Sketches, unique_per_row

__all__ = ["Decision", "Gap", "PairScores", "Verifier"]

_TFIDF_FEATURES = 1 << 20
# The facts guard speaks when both texts have at least this many figures (names), and then
# requires one of them to hold this share of the other's. Copies keep their figures almost
# always, and their names through most edits ("His Highness Sheikh Mohamed" → "Sheikh Mohamed").
_FIGURES_MIN, _FIGURES_SHARE = 2, 2 / 3
_NAMES_MIN, _NAMES_SHARE = 3, 2 / 3
_DIGEST_ITEM = 0.5   # a text holding less than this share of a digest is one of its items
_SWAPS = 2           # facts swapped in place that make a template (one, for a partial copy)
_SHORT_WORDS = 3     # fewer words than this never make a copy, even word for word ("Photo gallery")


class Decision(enum.IntEnum):
    """Why a pair was accepted or refused; the rule that decided."""

    CONTAINED = 1
    """Accepted: the shorter text is mostly reproduced in the longer one."""
    SIMILAR = 2
    """Accepted: TF-IDF cosine at or above ``similarity_threshold``."""
    IDENTICAL_SHORT = 3
    """Accepted: short texts, word for word the same."""
    LOW_OVERLAP = -1
    """Refused: too little of the shorter text is in the longer one."""
    SHORT = -2
    """Refused: a text under ``min_tokens`` words that is not identical to the other."""
    FACTS_DIFFER = -3
    """Refused: the same wording with other numbers and names (a templated story)."""
    NOT_AT_LEAD = -4
    """Refused: a small part of the longer text, not its opening (an embedded passage)."""
    DIGEST = -5
    """Refused: the longer text holds several unrelated texts (a digest, news in brief)."""

    @property
    def accepted(self) -> bool:
        return self > 0


class Gap(enum.IntFlag):
    """Where an article lacks a passage of at least ``min_gap_tokens`` words of the other."""

    NONE = 0
    START = 1
    MIDDLE = 2
    END = 4


@dataclass(frozen=True)
class PairScores:
    """Scores of pairs ``(a, b)``; each array has one entry per pair.

    ``*_ab`` arrays describe ``a`` as seen from ``b``: ``containment_ab`` is the share of ``a``'s
    shingles found in ``b``; ``coverage_ab`` the share of ``a``'s words that ``b`` holds;
    ``gaps_ab`` where ``a`` has passages that ``b`` lacks; ``lead_ab`` the first word of ``a``
    that ``b`` holds, and ``last_ab`` the last; ``swaps_ab`` how many of ``a``'s figures and names
    (distinct) stand where ``b`` has other words, and are nowhere among ``b``'s facts (a template filled in
    with other facts).
    """

    pairs: np.ndarray
    cosine: np.ndarray
    shared: np.ndarray
    containment_ab: np.ndarray
    containment_ba: np.ndarray
    coverage_ab: np.ndarray
    coverage_ba: np.ndarray
    gaps_ab: np.ndarray
    gaps_ba: np.ndarray
    lead_ab: np.ndarray
    lead_ba: np.ndarray
    last_ab: np.ndarray
    last_ba: np.ndarray
    swaps_ab: np.ndarray
    swaps_ba: np.ndarray
    figures_shared: np.ndarray
    names_shared: np.ndarray
    identical: np.ndarray
    decision: np.ndarray

    def __len__(self) -> int:
        return len(self.pairs)

    @property
    def accepted(self) -> np.ndarray:
        return self.decision > 0

    @classmethod
    def concat(cls, parts: "list[PairScores]") -> "PairScores":
        """One set of scores from several, in order."""
        return cls(**{f.name: np.concatenate([getattr(p, f.name) for p in parts])
                      for f in dataclasses.fields(cls)})


class Verifier:
    """Scores and judges pairs of one sketched corpus.

    Parameters
    ----------
    sketches:
        The corpus, as :func:`dedupe.sketch.sketch` gives it.
    figures, names:
        The corpus's figures and names (see :func:`dedupe.clean.facts`) hashed as
        :func:`dedupe.sketch.hash_words` gives them.
    fingerprints:
        One hash per article of its whole text (see :class:`dedupe.clean.CleanCorpus`): equal
        fingerprints are identical texts.
    config:
        Thresholds and guards.
    """

    def __init__(self, sketches: Sketches, figures: tuple[np.ndarray, np.ndarray],
                 names: tuple[np.ndarray, np.ndarray], fingerprints: np.ndarray, config: DedupeConfig) -> None:
        self.sketches = sketches
        self.fingerprints = fingerprints
        self.config = config
        self.figures_ = unique_per_row(*figures)
        self.names_ = unique_per_row(*names)
        self.facts_ = _merge_rows(self.figures_, self.names_)
        self.tfidf_ = _tfidf(sketches)

    def score(self, pairs: np.ndarray) -> PairScores:
        """Score ``pairs`` (an ``(m, 2)`` array of article indices) and judge each one alone.

        The digest guard needs all pairs at once: :meth:`judge` applies it.
        """
        sk, cfg = self.sketches, self.config
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        a, b = pairs[:, 0], pairs[:, 1]
        shared = _intersections(sk.shingle_sets, sk.set_offsets, pairs)
        sizes = sk.set_sizes
        with np.errstate(divide="ignore", invalid="ignore"):
            containment_ab = np.where(sizes[a] > 0, shared / np.maximum(sizes[a], 1), 0.0)
            containment_ba = np.where(sizes[b] > 0, shared / np.maximum(sizes[b], 1), 0.0)
        cov_ab, gaps_ab, lead_ab, last_ab, swaps_ab = self._align(pairs)
        cov_ba, gaps_ba, lead_ba, last_ba, swaps_ba = self._align(pairs[:, ::-1].copy())
        figures_shared = _intersections(*self.figures_, pairs)
        names_shared = _intersections(*self.names_, pairs)
        identical = self.fingerprints[a] == self.fingerprints[b]
        cosine = _cosine(self.tfidf_, a, b)
        scores = PairScores(pairs, cosine, shared, containment_ab, containment_ba, cov_ab, cov_ba,
                            gaps_ab, gaps_ba, lead_ab, lead_ba, last_ab, last_ba, swaps_ab, swaps_ba,
                            figures_shared, names_shared, identical, np.zeros(len(pairs), dtype=np.int8))
        scores.decision[:] = self._decide(scores)
        return scores

    def _align(self, pairs: np.ndarray):
        sk = self.sketches
        return _align(sk.words, sk.word_offsets, sk.shingles, sk.shingle_offsets, sk.shingle_sets,
                      sk.set_offsets, *self.facts_, sk.shingle_size, pairs, self.config.min_gap_tokens)

    def judge(self, pairs: np.ndarray, digests: np.ndarray | None = None) -> PairScores:
        """Score ``pairs`` and apply every guard, the digest guard included.

        ``digests`` flags the articles known to be digests (see :meth:`digests`); by default they
        are found among these pairs.
        """
        scores = self.score(pairs)
        if digests is None:
            digests = self.digests(scores)
        _, longer = self._shorter_longer(scores)
        _, coverage, _, _, _ = self._oriented(scores)
        scores.decision[(coverage < _DIGEST_ITEM) & digests[longer] & scores.accepted] = Decision.DIGEST
        return scores

    def _shorter_longer(self, scores: PairScores) -> tuple[np.ndarray, np.ndarray]:
        a, b = scores.pairs[:, 0], scores.pairs[:, 1]
        words = self.sketches.word_counts
        a_shorter = (words[a] < words[b]) | ((words[a] == words[b]) & (a < b))
        return np.where(a_shorter, a, b), np.where(a_shorter, b, a)

    def _oriented(self, scores: PairScores):
        """Per pair: (containment of the shorter in the longer, coverage of the longer by the
        shorter, first and last words of the longer that the shorter holds, longer's words)."""
        a, b = scores.pairs[:, 0], scores.pairs[:, 1]
        shorter, _ = self._shorter_longer(scores)
        a_short = shorter == a
        containment = np.where(a_short, scores.containment_ab, scores.containment_ba)
        coverage = np.where(a_short, scores.coverage_ba, scores.coverage_ab)
        lead = np.where(a_short, scores.lead_ba, scores.lead_ab)
        last = np.where(a_short, scores.last_ba, scores.last_ab)
        words = self.sketches.word_counts[np.where(a_short, b, a)]
        return containment, coverage, lead, last, words

    def _decide(self, scores: PairScores) -> np.ndarray:
        cfg = self.config
        containment, coverage, lead, last, longer_words = self._oriented(scores)
        a, b = scores.pairs[:, 0], scores.pairs[:, 1]
        words = self.sketches.word_counts
        short = np.minimum(words[a], words[b]) < cfg.min_tokens
        facts_differ = np.zeros(len(scores), dtype=bool)
        for (_, offsets), shared, least, share in ((self.figures_, scores.figures_shared, _FIGURES_MIN, _FIGURES_SHARE),
                                                   (self.names_, scores.names_shared, _NAMES_MIN, _NAMES_SHARE)):
            # The side with fewer facts decides: a copy cut short, or one that dropped a
            # passage, still holds all or most of the facts of the other side.
            fewer = np.minimum(np.diff(offsets)[a], np.diff(offsets)[b])
            facts_differ |= (fewer >= least) & (shared < share * fewer)
        # Facts swapped in place: two are a template filled in anew, and one is enough in a text
        # that holds only a small part of the other (a short template item at a longer one's lead).
        shorter, _ = self._shorter_longer(scores)
        swaps = np.where(shorter == a, scores.swaps_ab, scores.swaps_ba)
        facts_differ |= swaps >= np.where(coverage < cfg.partial_coverage, 1, _SWAPS)
        # A copy cut short is the original's opening: what it shares starts where the original
        # starts and ends about as far in as the copy is long; allow a dateline's worth of slack.
        slack = np.maximum(cfg.min_gap_tokens, 0.05 * longer_words)
        shorter_words = np.minimum(words[a], words[b])
        not_at_lead = (coverage < cfg.partial_coverage) & ((lead > slack) | (last > 1.5 * shorter_words + slack))

        decision = np.full(len(scores), Decision.LOW_OVERLAP, dtype=np.int8)
        decision[scores.cosine >= cfg.similarity_threshold] = Decision.SIMILAR
        decision[containment >= cfg.threshold] = Decision.CONTAINED
        matched = decision > 0
        decision[matched & not_at_lead] = Decision.NOT_AT_LEAD
        decision[(decision > 0) & facts_differ] = Decision.FACTS_DIFFER
        exact = scores.identical & (np.minimum(words[a], words[b]) >= _SHORT_WORDS)
        decision[short] = np.where(exact[short], Decision.IDENTICAL_SHORT, Decision.SHORT)
        return decision

    def digests(self, scores: PairScores) -> np.ndarray:
        """A boolean per article: it holds, in separate places, several texts each of which is a
        small part of it (a digest or news-in-brief page)."""
        containment, coverage, lead, last, _ = self._oriented(scores)
        _, longer = self._shorter_longer(scores)
        held = (containment >= self.config.threshold) & (coverage < _DIGEST_ITEM)
        order = np.lexsort((lead[held], longer[held]))
        return _disjoint_spans(longer[held][order], lead[held][order], last[held][order],
                               len(self.sketches))


def _tfidf(sketches: Sketches) -> sp.csr_matrix:
    rows = np.repeat(np.arange(len(sketches)), sketches.word_counts)
    cols = (sketches.words % np.uint64(_TFIDF_FEATURES)).astype(np.int64)
    counts = sp.csr_matrix((np.ones(len(cols), dtype=np.float64), (rows, cols)),
                           shape=(len(sketches), _TFIDF_FEATURES))
    counts.sum_duplicates()
    return TfidfTransformer(sublinear_tf=True).fit_transform(counts).tocsr()


def _cosine(tfidf: sp.csr_matrix, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if len(a) == 0:
        return np.zeros(0)
    return np.asarray(tfidf[a].multiply(tfidf[b]).sum(axis=1)).ravel()


@numba.njit(cache=True)
def _intersections(sets, offsets, pairs):
    out = np.zeros(len(pairs), dtype=np.int64)
    for p in range(len(pairs)):
        i, j = offsets[pairs[p, 0]], offsets[pairs[p, 1]]
        i_end, j_end = offsets[pairs[p, 0] + 1], offsets[pairs[p, 1] + 1]
        count = 0
        while i < i_end and j < j_end:
            if sets[i] == sets[j]:
                count += 1
                i += 1
                j += 1
            elif sets[i] < sets[j]:
                i += 1
            else:
                j += 1
        out[p] = count
    return out


@numba.njit(cache=True)
def _align(words, word_offsets, shingles, shingle_offsets, sets, set_offsets, facts, fact_offsets,
           size, pairs, min_gap):
    """For each pair (x, y): the share of x's words that y holds, where x's passages missing
    from y lie (Gap flags), the first and last word of x that y holds (-1 if none), and how many
    of x's facts sit in short gaps (edits, not dropped passages) and are not among y's facts."""
    m = len(pairs)
    coverage = np.zeros(m, dtype=np.float64)
    gaps = np.zeros(m, dtype=np.int8)
    lead = np.full(m, -1, dtype=np.int64)
    last = np.full(m, -1, dtype=np.int64)
    swaps = np.zeros(m, dtype=np.int64)
    for p in range(m):
        x, y = pairs[p, 0], pairs[p, 1]
        n_words = word_offsets[x + 1] - word_offsets[x]
        if n_words == 0:
            continue
        covered = np.zeros(n_words + 1, dtype=np.bool_)
        covered[n_words] = True  # a sentinel that closes the last run
        lo, hi = set_offsets[y], set_offsets[y + 1]
        width = min(size, n_words)
        for j in range(shingle_offsets[x + 1] - shingle_offsets[x]):
            value = shingles[shingle_offsets[x] + j]
            k = np.searchsorted(sets[lo:hi], value)
            if k < hi - lo and sets[lo + k] == value:
                covered[j:j + width] = True
        x_facts = facts[fact_offsets[x]:fact_offsets[x + 1]]
        y_facts = facts[fact_offsets[y]:fact_offsets[y + 1]]
        swapped = np.empty(len(x_facts), dtype=words.dtype)  # distinct facts, each counted once
        count = 0
        run = 0
        flags = 0
        for w in range(n_words + 1):
            if covered[w]:
                if w < n_words:
                    count += 1
                    if lead[p] < 0:
                        lead[p] = w
                    last[p] = w
                if run >= min_gap:
                    flags |= 1 if run == w else (4 if w == n_words else 2)
                elif 0 < run and len(x_facts) > 0:
                    for v in range(w - run, w):
                        word = words[word_offsets[x] + v]
                        i = np.searchsorted(x_facts, word)
                        j = np.searchsorted(y_facts, word)
                        if i < len(x_facts) and x_facts[i] == word and not (j < len(y_facts) and y_facts[j] == word):
                            seen = False
                            for q in range(swaps[p]):
                                seen = seen or swapped[q] == word
                            if not seen:
                                swapped[swaps[p]] = word
                                swaps[p] += 1
                run = 0
            else:
                run += 1
        coverage[p] = count / n_words
        gaps[p] = flags
    return coverage, gaps, lead, last, swaps


@numba.njit(cache=True)
def _merge_rows_kernel(a, a_offsets, b, b_offsets):
    n = len(a_offsets) - 1
    out = np.empty(len(a) + len(b), dtype=a.dtype)
    offsets = np.zeros(n + 1, dtype=np.int64)
    k = 0
    for row in range(n):
        for i in range(a_offsets[row], a_offsets[row + 1]):
            out[k] = a[i]
            k += 1
        for i in range(b_offsets[row], b_offsets[row + 1]):
            out[k] = b[i]
            k += 1
        offsets[row + 1] = k
    return out, offsets


def _merge_rows(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise union of two CSR-like sets, sorted and distinct."""
    return unique_per_row(*_merge_rows_kernel(a[0], a[1], b[0], b[1]))


@numba.njit(cache=True)
def _disjoint_spans(owner, start, end, n):
    """owner sorted, then start: True for owners with two spans that barely overlap."""
    out = np.zeros(n, dtype=np.bool_)
    i = 0
    while i < len(owner):
        j = i
        reach = end[i]
        while j + 1 < len(owner) and owner[j + 1] == owner[i]:
            j += 1
            # Less than half of the later span overlaps what came before: a separate text.
            if (reach - start[j]) * 2 < (end[j] - start[j]):
                out[owner[i]] = True
            reach = max(reach, end[j])
        i = j + 1
    return out
