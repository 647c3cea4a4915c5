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
  wording but not their figures and names; a pair is no match when, leaving aside passages one
  side added or dropped, neither text holds two thirds of the other's figures, or two thirds of
  its names, or when an edit puts other facts where one text has its own (one figure, or two
  facts of any kind; one, in a copy holding a small part of the longer text), or when the
  shorter text is a table (distinct figures are 15% of its words or more) with a figure of its own;
* **partial**: a copy that holds less than ``partial_coverage`` of the longer text must begin
  where it begins (a copy cut short), or share its opening and its end (a running log's earlier
  version: the log's header, then its older entries);
* **digest**: a text that holds several other texts in separate places (a digest, news in brief)
  is no one's copy: pairs in which the shorter text holds less than half of it are refused;
* **junk only**: a page of captions, buttons or widgets alone (no story text once cleaned)
  matches only its identical copies.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from typing import NamedTuple

from .numba_cache import CACHE  # noqa: E402 - sets where numba caches, before numba is imported
import numba
import numpy as np
import scipy.sparse as sp

from .clean import CleanCorpus
from .config import DedupeConfig
from .sketch import Sketches, unique_per_row

__all__ = ["Decision", "Gap", "Oriented", "PairScores", "Verifier", "digest_flags", "small_part", "word_columns"]

_TFIDF_FEATURES = 1 << 20
# The facts guard speaks when both texts have at least this many figures (names), and then
# requires one of them to hold this share of the other's. Copies keep their figures almost
# always, and their names through most edits ("His Highness Sheikh Mohamed" → "Sheikh Mohamed").
_FIGURES_MIN, _FIGURES_SHARE = 2, 2 / 3
_NAMES_MIN, _NAMES_SHARE = 3, 2 / 3
_DIGEST_ITEM = 0.5   # a text holding less than this share of a digest is one of its items
_PASSAGE = 20        # words: a run one side lacks this long is an added or dropped passage
_FACT_SWAPS = 2      # facts swapped in place that make a template (one, for a partial copy)
_SWAPPED_SHARE = 0.1  # ... and at least this share of the shorter text's facts
_TABLE_FIGURES = 0.15  # distinct figures per word from which a text reads as a table
_SHORT_WORDS = 3     # fewer words than this never make a copy, even word for word ("Photo gallery")


class Decision(enum.IntEnum):
    """Why a pair was accepted or refused; the rule that decided (:attr:`description` says it)."""

    CONTAINED = 1
    SIMILAR = 2
    IDENTICAL_SHORT = 3
    LOW_OVERLAP = -1
    SHORT = -2
    FACTS_DIFFER = -3
    NOT_AT_LEAD = -4
    DIGEST = -5
    JUNK_ONLY = -6

    @property
    def accepted(self) -> bool:
        return self > 0

    @property
    def description(self) -> str:
        """The rule, in words."""
        return _DECISIONS[self]


_DECISIONS = {
    Decision.CONTAINED: "accepted: the shorter text is mostly reproduced in the longer one",
    Decision.SIMILAR: "accepted: TF-IDF cosine at or above similarity_threshold",
    Decision.IDENTICAL_SHORT: "accepted: short texts, word for word the same",
    Decision.LOW_OVERLAP: "refused: too little of the shorter text is in the longer one",
    Decision.SHORT: "refused: a text under min_tokens words that is not identical to the other",
    Decision.FACTS_DIFFER: "refused: the same wording with other numbers and names (a templated story)",
    Decision.NOT_AT_LEAD: "refused: a small part of the longer text, not its opening (an embedded passage)",
    Decision.DIGEST: "refused: the longer text holds several unrelated texts (a digest, news in brief)",
    Decision.JUNK_ONLY: "refused: a page of captions, buttons or widgets alone matches only its identical copies",
}


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
    that ``b`` holds, and ``last_ab`` the last; ``opening_ab`` how many of the words of ``a`` that
    ``b`` holds lie in ``a``'s opening (its first ``2 * len(b) + min_gap_tokens`` words); ``swaps_ab`` how many of ``a``'s
    distinct figures stand in an edit where ``b`` has other figures in their place, and how many
    facts of either kind (two columns: a template filled in with other facts); ``facts_ab`` the counts of ``a``'s distinct figures
    and names outside passages ``b`` lacks, and of those ``b`` has (four columns).

    ``aligned`` says which pairs were aligned word by word: the others could match by no rule
    (see :meth:`Verifier.score`) and hold zeros in the alignment's arrays.
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
    opening_ab: np.ndarray
    opening_ba: np.ndarray
    swaps_ab: np.ndarray
    swaps_ba: np.ndarray
    facts_ab: np.ndarray
    facts_ba: np.ndarray
    identical: np.ndarray
    aligned: np.ndarray
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


class Oriented(NamedTuple):
    """Scores of pairs read from the shorter article to the longer one, one entry per pair."""

    containment: np.ndarray
    """Share of the shorter's shingles found in the longer."""
    coverage: np.ndarray
    """Share of the longer's words that the shorter holds."""
    lead: np.ndarray
    """First word of the longer that the shorter holds."""
    last: np.ndarray
    """Last word of the longer that the shorter holds."""
    opening: np.ndarray
    """How many of the words the shorter holds lie in the longer's opening."""
    longer_words: np.ndarray
    """Words of the longer."""


class Verifier:
    """Scores and judges pairs of one sketched corpus.

    Parameters
    ----------
    sketches:
        The corpus, as :func:`dedupe.sketch.sketch` gives it.
    cleaned:
        The same corpus as cleaning gave it: its figures and names (see :mod:`dedupe.tokens`),
        and the fingerprints that tell identical texts.
    config:
        Thresholds and guards.
    idf:
        The TF-IDF weight of each hashed word column, when the corpus these articles are part of
        is larger than they are; by default it is learnt from them.
    """

    def __init__(self, sketches: Sketches, cleaned: CleanCorpus, config: DedupeConfig,
                 idf: np.ndarray | None = None) -> None:
        self.sketches = sketches
        self.fingerprints = cleaned.fingerprints
        self.junk_only = cleaned.junk_only
        self.config = config
        tokens = cleaned.tokens
        self.figures_ = unique_per_row(*tokens.facts(tokens.figure))
        self.names_ = unique_per_row(*tokens.facts(tokens.name))
        self.shingle_index_ = _shingle_index(sketches)
        self.tfidf_ = _tfidf(sketches, idf)

    def score(self, pairs: np.ndarray, align_all: bool = False) -> PairScores:
        """Score ``pairs`` (an ``(m, 2)`` array of article indices) and judge each one alone.

        Word alignment is the costly score: it is skipped, unless ``align_all``, for pairs that
        no rule could accept (neither text mostly in the other, vocabularies apart, not
        identical). The digest guard needs all pairs at once: :meth:`judge` applies it.
        """
        sk, cfg = self.sketches, self.config
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        a, b = pairs[:, 0], pairs[:, 1]
        shared = _intersections(sk.shingle_sets, sk.set_offsets, pairs)
        sizes = sk.set_sizes
        with np.errstate(divide="ignore", invalid="ignore"):
            containment_ab = np.where(sizes[a] > 0, shared / np.maximum(sizes[a], 1), 0.0)
            containment_ba = np.where(sizes[b] > 0, shared / np.maximum(sizes[b], 1), 0.0)
        identical = self.fingerprints[a] == self.fingerprints[b]
        cosine = _cosine(self.tfidf_, a, b)
        aligned = (align_all | identical | (cosine >= cfg.similarity_threshold)
                   | (np.maximum(containment_ab, containment_ba) >= cfg.threshold))
        ab = self._align(pairs, aligned)
        ba = self._align(pairs[:, ::-1].copy(), aligned)
        (cov_ab, gaps_ab, lead_ab, last_ab, open_ab, swaps_ab, facts_ab), \
            (cov_ba, gaps_ba, lead_ba, last_ba, open_ba, swaps_ba, facts_ba) = ab, ba
        scores = PairScores(pairs, cosine, shared, containment_ab, containment_ba, cov_ab, cov_ba,
                            gaps_ab, gaps_ba, lead_ab, lead_ba, last_ab, last_ba, open_ab, open_ba, swaps_ab, swaps_ba,
                            facts_ab, facts_ba, identical, aligned, np.zeros(len(pairs), dtype=np.int8))
        scores.decision[:] = self._decide(scores)
        return scores

    def _align(self, pairs: np.ndarray, which: np.ndarray):
        sk = self.sketches
        return _align(sk.words, sk.word_offsets, sk.shingle_offsets, *self.shingle_index_,
                      *self.figures_, *self.names_, sk.shingle_size, pairs, which, self.config.min_gap_tokens,
                      _PASSAGE)

    def held_words(self, pairs: np.ndarray) -> np.ndarray:
        """How many of each article's words another article holds, counting the articles it is
        paired with in ``pairs`` (either side): one count per article."""
        sk = self.sketches
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        both = np.concatenate([pairs, pairs[:, ::-1]])
        both = both[np.lexsort((both[:, 1], both[:, 0]))]
        starts = np.searchsorted(both[:, 0], np.arange(len(sk) + 1)).astype(np.int64)
        held = _held_by_any(sk.word_offsets, sk.shingle_offsets, *self.shingle_index_, sk.shingle_size,
                            starts, np.ascontiguousarray(both[:, 1]))
        running = np.r_[0, np.cumsum(held, dtype=np.int64)]
        return running[sk.word_offsets[1:]] - running[sk.word_offsets[:-1]]

    def judge(self, pairs: np.ndarray, digests: np.ndarray | None = None, align_all: bool = False) -> PairScores:
        """Score ``pairs`` and apply every guard, the digest guard included.

        ``digests`` flags the articles known to be digests (see :meth:`digests`); by default they
        are found among these pairs. ``align_all`` as for :meth:`score`.
        """
        scores = self.score(pairs, align_all)
        self.refuse_digests(scores, self.digests(scores) if digests is None else digests)
        return scores

    def refuse_digests(self, scores: PairScores, digests: np.ndarray) -> None:
        """Refuse, in place, the accepted pairs whose longer text is a digest holding the shorter
        one as one of its items."""
        _, longer = self.shorter_longer(scores)
        coverage = self.oriented(scores).coverage
        scores.decision[small_part(coverage) & digests[longer] & scores.accepted] = Decision.DIGEST

    def shorter_longer(self, scores: PairScores) -> tuple[np.ndarray, np.ndarray]:
        """Per pair: the shorter article (by words; ties to the smaller index) and the longer."""
        a, b = scores.pairs[:, 0], scores.pairs[:, 1]
        words = self.sketches.word_counts
        a_shorter = (words[a] < words[b]) | ((words[a] == words[b]) & (a < b))
        return np.where(a_shorter, a, b), np.where(a_shorter, b, a)

    def oriented(self, scores: PairScores) -> "Oriented":
        """The scores of each pair read from the shorter article to the longer one."""
        a, b = scores.pairs[:, 0], scores.pairs[:, 1]
        shorter, _ = self.shorter_longer(scores)
        a_short = shorter == a
        containment = np.where(a_short, scores.containment_ab, scores.containment_ba)
        coverage = np.where(a_short, scores.coverage_ba, scores.coverage_ab)
        lead = np.where(a_short, scores.lead_ba, scores.lead_ab)
        last = np.where(a_short, scores.last_ba, scores.last_ab)
        opening = np.where(a_short, scores.opening_ba, scores.opening_ab)
        words = self.sketches.word_counts[np.where(a_short, b, a)]
        return Oriented(containment, coverage, lead, last, opening, words)

    def _decide(self, scores: PairScores) -> np.ndarray:
        cfg = self.config
        containment, coverage, lead, last, opening, longer_words = self.oriented(scores)
        a, b = scores.pairs[:, 0], scores.pairs[:, 1]
        words = self.sketches.word_counts
        short = np.minimum(words[a], words[b]) < cfg.min_tokens
        facts_differ = np.zeros(len(scores), dtype=bool)
        for column, least, share in ((0, _FIGURES_MIN, _FIGURES_SHARE), (2, _NAMES_MIN, _NAMES_SHARE)):
            # Facts in passages one side added or dropped do not count; of the rest, either side
            # holding most of the other's facts is enough (a copy cut short holds all of the
            # original's opening facts, not the other way round).
            held_ab, kept_ab = scores.facts_ab[:, column], scores.facts_ab[:, column + 1]
            held_ba, kept_ba = scores.facts_ba[:, column], scores.facts_ba[:, column + 1]
            enough = (kept_ab >= share * held_ab) | (kept_ba >= share * held_ba)
            facts_differ |= (np.minimum(held_ab, held_ba) >= least) & ~enough
        # Facts swapped in place: one figure is a template filled in anew; so are two facts of
        # any kind, or one in a text that holds only a small part of the other (a template item
        # at the lead).
        swaps = np.maximum(scores.swaps_ab, scores.swaps_ba)
        # In a table the figures are the content: a shorter table holding any figure of its own
        # (outside passages) is another report, however many rows it shares.
        shorter, _ = self.shorter_longer(scores)
        facts_short = np.where((shorter == a)[:, None], scores.facts_ab, scores.facts_ba)
        table = facts_short[:, 0] >= _TABLE_FIGURES * words[shorter]
        facts_differ |= table & (facts_short[:, 0] > facts_short[:, 1])
        facts_differ |= swaps[:, 0] >= 1
        # A long text edited in a few places (a name spelt out, a title added) keeps most of its
        # facts: swaps make a template only when they are a share of the facts it holds.
        facts_held = facts_short[:, 0] + facts_short[:, 2]
        facts_differ |= swaps[:, 1] >= np.maximum(np.where(coverage < cfg.partial_coverage, 1, _FACT_SWAPS),
                                                  _SWAPPED_SHARE * facts_held)
        # A copy cut short is the original's opening: what it shares starts where the original
        # starts (allowing a dateline's worth of slack) and lies mostly in the opening, where a
        # wrap-up quoting a shorter story holds it scattered over its length.
        # A running log ("The Latest") keeps its header at the top and adds entries under it: its
        # earlier version shares that header and the log's end. A piece equal to one entry shares
        # no header, and stays apart.
        slack = np.maximum(cfg.min_gap_tokens, 0.05 * longer_words)
        at_lead = (lead <= slack) & (opening >= 0.8 * coverage * longer_words)
        at_tail = (lead <= slack) & (last >= longer_words - 1 - slack)
        not_at_lead = (coverage < cfg.partial_coverage) & ~at_lead & ~at_tail

        decision = np.full(len(scores), Decision.LOW_OVERLAP, dtype=np.int8)
        decision[scores.cosine >= cfg.similarity_threshold] = Decision.SIMILAR
        decision[containment >= cfg.threshold] = Decision.CONTAINED
        matched = decision > 0
        decision[matched & not_at_lead] = Decision.NOT_AT_LEAD
        decision[(decision > 0) & facts_differ] = Decision.FACTS_DIFFER
        exact = scores.identical & (np.minimum(words[a], words[b]) >= _SHORT_WORDS)
        decision[short] = np.where(exact[short], Decision.IDENTICAL_SHORT, Decision.SHORT)
        junk = (self.junk_only[a] | self.junk_only[b]) & ~scores.identical
        decision[junk] = Decision.JUNK_ONLY
        return decision

    def digests(self, scores: PairScores) -> np.ndarray:
        """A boolean per article: it holds, in separate places, several texts each of which is a
        small part of it (a digest or news-in-brief page)."""
        containment, coverage, lead, last, _, _ = self.oriented(scores)
        _, longer = self.shorter_longer(scores)
        held = self.held_items(containment, coverage)
        return digest_flags(longer[held], lead[held], last[held], len(self.sketches))

    def held_items(self, containment: np.ndarray, coverage: np.ndarray) -> np.ndarray:
        """Which pairs (read from the shorter to the longer) may be an item of a digest: the
        shorter mostly in the longer, yet a small part of it."""
        return (containment >= self.config.threshold) & small_part(coverage)


def small_part(coverage: np.ndarray) -> np.ndarray:
    """Which pairs' shorter text covers so little of the longer that, were the longer a digest,
    it would be one of its items."""
    return coverage < _DIGEST_ITEM


def digest_flags(longer: np.ndarray, lead: np.ndarray, last: np.ndarray, n: int) -> np.ndarray:
    """A boolean per article of ``n``: it is the longer text of items (pairs, in pair order)
    that lie in separate places of it, from word ``lead`` to ``last``."""
    order = np.lexsort((lead, longer))  # stable: pair order breaks ties
    return _disjoint_spans(longer[order], lead[order], last[order], n)


def _shingle_index(sketches: Sketches) -> tuple[np.ndarray, np.ndarray]:
    """Each article's shingles sorted by hash, and the position of each in its text."""
    return _sorted_rows(sketches.shingles, sketches.shingle_offsets)


@numba.njit(cache=CACHE, parallel=True)
def _sorted_rows(values, offsets):
    by_value = np.empty_like(values)
    positions = np.empty(len(values), dtype=np.int32)  # a word's place in its text
    for row in numba.prange(len(offsets) - 1):
        start = offsets[row]
        order = np.argsort(values[start:offsets[row + 1]], kind="mergesort")  # stable: first position first
        for i in range(len(order)):
            by_value[start + i] = values[start + order[i]]
            positions[start + i] = order[i]
    return by_value, positions


def word_columns(sketches: Sketches) -> sp.csr_matrix:
    """Each article's word counts by hashed column: the matrix TF-IDF weighs."""
    columns = _columns(sketches.words, _TFIDF_FEATURES)
    indices, indptr = unique_per_row(columns, sketches.word_offsets)
    counts = _row_counts(columns, sketches.word_offsets, indices, indptr)
    return sp.csr_matrix((counts, indices, indptr), shape=(len(sketches), _TFIDF_FEATURES))


def _tfidf(sketches: Sketches, idf: np.ndarray | None) -> sp.csr_matrix:
    matrix = word_columns(sketches)
    # Imported here: scikit-learn takes 2 s to import, and only a run's weighting needs it.
    from sklearn.feature_extraction.text import TfidfTransformer
    weigh = TfidfTransformer(sublinear_tf=True)
    if idf is None:
        tfidf = weigh.fit_transform(matrix).tocsr()
    else:
        weigh.idf_ = idf
        tfidf = weigh.transform(matrix).tocsr()
    tfidf.sort_indices()
    return tfidf


@numba.njit(cache=CACHE, parallel=True)
def _columns(words, features):
    """Each word's column, ``word % features``, in 32 bits: half the memory of the hashes."""
    out = np.empty(len(words), dtype=np.int32)
    for i in numba.prange(len(words)):
        out[i] = words[i] % np.uint64(features)
    return out


@numba.njit(cache=CACHE, parallel=True)
def _row_counts(values, offsets, distinct, distinct_offsets):
    """How often each of a row's ``distinct`` values (sorted) stands in its ``values``."""
    counts = np.zeros(len(distinct), dtype=np.float64)
    for row in numba.prange(len(offsets) - 1):
        mine = distinct[distinct_offsets[row]:distinct_offsets[row + 1]]
        for value in values[offsets[row]:offsets[row + 1]]:
            counts[distinct_offsets[row] + np.searchsorted(mine, value)] += 1.0
    return counts


def _cosine(tfidf: sp.csr_matrix, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    # Rows are unit vectors: the cosine is their dot product, merged row against row rather
    # than by gathering the rows of every pair into new matrices.
    return _row_dots(tfidf.indptr, tfidf.indices, tfidf.data, a, b)


@numba.njit(cache=CACHE, parallel=True)
def _row_dots(indptr, indices, data, a, b):
    out = np.zeros(len(a))
    for p in numba.prange(len(a)):
        out[p] = _overlap(indices, indptr, data, a[p], b[p])
    return out


@numba.njit(cache=CACHE, parallel=True)
def _intersections(sets, offsets, pairs):
    out = np.zeros(len(pairs), dtype=np.int64)
    for p in numba.prange(len(pairs)):
        out[p] = int(_overlap(sets, offsets, None, pairs[p, 0], pairs[p, 1]))
    return out


@numba.njit(cache=CACHE)
def _overlap(keys, offsets, weights, x, y):
    """Rows ``x`` and ``y`` of sorted ``keys``: the sum over the keys they share of the product of
    their ``weights`` (a dot product), or without weights how many keys they share."""
    i, j, i_end, j_end = offsets[x], offsets[y], offsets[x + 1], offsets[y + 1]
    total = 0.0
    while i < i_end and j < j_end:
        if keys[i] == keys[j]:
            total += 1.0 if weights is None else weights[i] * weights[j]
            i += 1
            j += 1
        elif keys[i] < keys[j]:
            i += 1
        else:
            j += 1
    return total


@numba.njit(cache=CACHE)
def _member(sorted_values, value):
    k = np.searchsorted(sorted_values, value)
    return k < len(sorted_values) and sorted_values[k] == value


@numba.njit(cache=CACHE)
def _distinct_facts(words, inside, facts, other_facts):
    """How many distinct facts among ``words[inside]``, and how many of them ``other_facts`` holds."""
    found = np.empty(len(words), dtype=words.dtype)
    count = 0
    for w in range(len(words)):
        if inside[w] and _member(facts, words[w]):
            found[count] = words[w]
            count += 1
    found = np.unique(found[:count])
    kept = 0
    for value in found:
        kept += _member(other_facts, value)
    return len(found), kept


@numba.njit(cache=CACHE)
def _only_in(gap, facts, absent):
    """Distinct facts standing in ``gap`` that are not among ``absent`` (sorted, or a gap)."""
    held, kept = _distinct_facts(gap, np.ones(len(gap), dtype=np.bool_), facts, absent)
    return held - kept


@numba.njit(cache=CACHE)
def _swapped(x_gap, y_gap, x_facts, y_facts):
    """Facts of x's edit replaced by others: x's facts that y has nowhere, as long as y's side of
    the edit has facts x's side lacks (a fact dropped or added alone, "His Highness", is no swap;
    "April 15" where the other has "April 10" is one, whatever else the texts hold)."""
    return min(_only_in(x_gap, x_facts, y_facts), _only_in(y_gap, y_facts, np.sort(x_gap)))


@numba.njit(cache=CACHE, parallel=True)
def _align(words, word_offsets, shingle_offsets, by_hash, positions, figures, figure_offsets,
           names, name_offsets, size, pairs, which, min_gap, passage):
    """For each pair (x, y), how x reads against y:

    * the share of x's words that y holds; where x's passages missing from y lie (Gap flags);
      the first and last word of x that y holds (-1 if none); how many of the words y holds lie
      in x's opening (its first ``2 * len(y) + min_gap`` words);
    * swaps: x's distinct figures that stand in a short gap (an edit, not a passage) where y has
      other figures in their place; and the same for facts of either kind, figures and names
      (two columns);
    * facts: x's distinct figures and names outside passages of ``passage`` words or more that
      y lacks (text one side added or dropped), and how many of them y has: columns
      (figures, figures y has, names, names y has).

    ``by_hash`` holds each article's shingles sorted, ``positions`` where each stands in its text.
    Only the pairs flagged in ``which`` are aligned; the others keep zeros (and -1 for lead, last).
    """
    m = len(pairs)
    coverage = np.zeros(m, dtype=np.float64)
    gaps = np.zeros(m, dtype=np.int8)
    lead = np.full(m, -1, dtype=np.int32)  # word positions and counts: 32 bits hold any text
    last = np.full(m, -1, dtype=np.int32)
    swaps = np.zeros((m, 2), dtype=np.int32)
    opening = np.zeros(m, dtype=np.int32)
    facts = np.zeros((m, 4), dtype=np.int32)
    for p in numba.prange(m):
        if not which[p]:
            continue
        # One pair per call: the body stays out of the parallel loop's own transformations.
        _align_pair(p, words, word_offsets, shingle_offsets, by_hash, positions, figures, figure_offsets,
                    names, name_offsets, size, pairs, min_gap, passage, coverage, gaps, lead, last, opening, swaps,
                    facts)
    return coverage, gaps, lead, last, opening, swaps, facts


@numba.njit(cache=CACHE)
def _align_pair(p, words, word_offsets, shingle_offsets, by_hash, positions, figures, figure_offsets,
                names, name_offsets, size, pairs, min_gap, passage, coverage, gaps, lead, last, opening, swaps, facts):
    x, y = pairs[p, 0], pairs[p, 1]
    n_words = word_offsets[x + 1] - word_offsets[x]
    if n_words == 0:
        return
    y_words = words[word_offsets[y]:word_offsets[y + 1]]
    opening_end = 2 * len(y_words) + min_gap
    x_words = words[word_offsets[x]:word_offsets[x + 1]]
    n_shingles = shingle_offsets[x + 1] - shingle_offsets[x]
    found_at = np.full(n_shingles, -1, dtype=np.int64)
    covered = np.zeros(n_words + 1, dtype=np.bool_)
    covered[n_words] = True  # a sentinel that closes the last run
    width = min(size, n_words)
    _held_words(x, y, shingle_offsets, by_hash, positions, width, found_at, covered)
    x_figures = figures[figure_offsets[x]:figure_offsets[x + 1]]
    y_figures = figures[figure_offsets[y]:figure_offsets[y + 1]]
    x_names = names[name_offsets[x]:name_offsets[x + 1]]
    y_names = names[name_offsets[y]:name_offsets[y + 1]]
    inside = np.ones(n_words, dtype=np.bool_)
    # Covered words before each position: an edit is read against y only between stretches
    # of mostly shared text, not beside the scraps a stock phrase ("will be supported by a")
    # leaves in a passage y lacks.
    held_before = np.zeros(n_words + 1, dtype=np.int64)
    for w in range(n_words):
        held_before[w + 1] = held_before[w] + covered[w]
    count = 0
    run = 0
    flags = 0
    for w in range(n_words + 1):
        if not covered[w]:
            run += 1
            continue
        if w < n_words:
            count += 1
            opening[p] += w < opening_end
            if lead[p] < 0:
                lead[p] = w
            last[p] = w
        if run >= passage:
            inside[w - run:w] = False
        if run >= min_gap:
            flags |= 1 if run == w else (4 if w == n_words else 2)
        elif run > 0 and _solid(held_before, w - run, w, n_words, 2 * min_gap):
            start = w - run
            y_start, y_end = _facing(found_at, width, start, w, n_words, len(y_words))
            if 0 <= y_start < y_end <= len(y_words) and y_end - y_start <= 2 * run + min_gap:
                x_gap, y_gap = x_words[start:w], y_words[y_start:y_end]
                swaps[p, 0] += _swapped(x_gap, y_gap, x_figures, y_figures)
                swaps[p, 1] += min(_only_in(x_gap, x_figures, y_figures) + _only_in(x_gap, x_names, y_names),
                                   _only_in(y_gap, y_figures, np.sort(x_gap))
                                   + _only_in(y_gap, y_names, np.sort(x_gap)))
        run = 0
    coverage[p] = count / n_words
    gaps[p] = flags
    facts[p, 0], facts[p, 1] = _distinct_facts(x_words, inside, x_figures, y_figures)
    facts[p, 2], facts[p, 3] = _distinct_facts(x_words, inside, x_names, y_names)


@numba.njit(cache=CACHE)
def _held_words(x, y, shingle_offsets, by_hash, positions, width, found_at, covered):
    """Where each of x's shingles first stands in y (``found_at``, -1: nowhere), and which of x's
    words y holds (``covered``, set where held): both texts' shingles sorted by hash are walked
    side by side (equal hashes in the order of their positions, so y's first comes first)."""
    i, i_end = shingle_offsets[x], shingle_offsets[x + 1]
    k, k_end = shingle_offsets[y], shingle_offsets[y + 1]
    while i < i_end and k < k_end:
        if by_hash[i] < by_hash[k]:
            i += 1
        elif by_hash[i] > by_hash[k]:
            k += 1
        else:
            value, at = by_hash[i], positions[k]
            while i < i_end and by_hash[i] == value:
                j = positions[i]
                found_at[j] = at
                covered[j:j + width] = True
                i += 1


@numba.njit(cache=CACHE, parallel=True)
def _held_by_any(word_offsets, shingle_offsets, by_hash, positions, size, starts, partners):
    """For each article x, which of its words some article of ``partners[starts[x]:starts[x + 1]]``
    holds: one flag per word of the corpus."""
    held = np.zeros(word_offsets[-1], dtype=np.bool_)
    for x in numba.prange(len(starts) - 1):
        n_words = word_offsets[x + 1] - word_offsets[x]
        if n_words == 0 or starts[x] == starts[x + 1]:
            continue
        found_at = np.full(shingle_offsets[x + 1] - shingle_offsets[x], -1, dtype=np.int64)
        covered = np.zeros(n_words, dtype=np.bool_)
        for p in range(starts[x], starts[x + 1]):
            _held_words(x, partners[p], shingle_offsets, by_hash, positions, min(size, n_words), found_at, covered)
        held[word_offsets[x]:word_offsets[x + 1]] = covered
    return held


@numba.njit(cache=CACHE)
def _solid(held_before, start, end, n_words, reach):
    """Most of the ``reach`` words on each side of ``[start, end)`` are shared (or it is the edge)."""
    before = min(reach, start)
    after = min(reach, n_words - end)
    shared_before = held_before[start] - held_before[start - before]
    shared_after = held_before[end + after] - held_before[end]
    return 5 * shared_before >= 3 * before and 5 * shared_after >= 3 * after


@numba.njit(cache=CACHE)
def _facing(found_at, width, start, end, n_words, n_y):
    """The stretch of y facing x's gap ``[start, end)``: between where the words on either side of
    the gap stand in y; where the gap reaches an edge of x, as many of y's words as the gap has
    next to the side it shares; (-1, -1) if unknown."""
    if start == 0 and end == n_words:
        return -1, -1
    y_start = 0
    if start > 0:
        y_start = -1
        for j in range(max(start - width, 0), min(start, len(found_at))):  # shingles that hold word start - 1
            if found_at[j] >= 0 and j + width > start - 1:
                y_start = found_at[j] + (start - 1 - j) + 1
        if y_start < 0:
            return -1, -1
    y_end = n_y
    if end < n_words:
        y_end = -1
        for j in range(min(end, len(found_at) - 1), max(end - width, -1), -1):  # shingles that hold word end
            if found_at[j] >= 0:
                y_end = found_at[j] + (end - j)
        if y_end < 0:
            return -1, -1
    if start == 0:
        y_start = max(y_end - (end - start), 0)
    elif end == n_words:
        y_end = min(y_start + (end - start), n_y)
    return y_start, y_end


@numba.njit(cache=CACHE)
def _disjoint_spans(owner, start, end, n):
    """owner sorted, then start: True for owners holding two spans that barely overlap.

    Each span is compared with the span reaching furthest before it: less than half of the
    shorter of the two shared means two separate texts (items of a digest), where a copy cut
    short and a fuller copy overlap almost wholly.
    """
    out = np.zeros(n, dtype=np.bool_)
    i = 0
    while i < len(owner):
        j = i
        reach_start, reach_end = start[i], end[i]
        while j + 1 < len(owner) and owner[j + 1] == owner[i]:
            j += 1
            shared = min(reach_end, end[j]) - start[j]
            if shared * 2 < min(end[j] - start[j], reach_end - reach_start):
                out[owner[i]] = True
            if end[j] > reach_end:
                reach_start, reach_end = start[j], end[j]
        i = j + 1
    return out
