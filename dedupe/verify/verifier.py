"""The verifier: one corpus's arrays, prepared once, and pairs scored and judged against them."""

from __future__ import annotations

import numpy as np

from ..clean import CleanCorpus
from ..config import DedupeConfig
from ..sketch import Sketches, unique_per_row
from .alignment import align, held_by_any, shingle_index
from .overlap import shared_shingles
from .rules import PASSAGE, decide, find_digests, refuse_digests
from .scores import PairScores
from .tfidf import cosine, tfidf_vectors

__all__ = ["Verifier"]


class Verifier:
    """Scores and judges pairs of one sketched corpus: the kernels of :mod:`.alignment`,
    :mod:`.tfidf` and :mod:`.overlap` measure, the rules of :mod:`.rules` decide.

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
        self.paragraphs = cleaned.tokens.paragraphs()
        self.config = config
        tokens = cleaned.tokens
        self.figures_ = unique_per_row(*tokens.facts(tokens.figure))
        self.names_ = unique_per_row(*tokens.facts(tokens.name))
        self.shingle_index_ = shingle_index(sketches)
        self.tfidf_ = tfidf_vectors(sketches, idf)

    @property
    def words(self) -> np.ndarray:
        """How many words of each article are compared."""
        return self.sketches.word_counts

    @property
    def min_gap_tokens(self) -> int:
        return self.config.min_gap_tokens

    def __len__(self) -> int:
        return len(self.sketches)

    def score(self, pairs: np.ndarray, align_all: bool = False) -> PairScores:
        """Score ``pairs`` (an ``(m, 2)`` array of article indices) and judge each one alone.

        Word alignment is the costly score: it is skipped, unless ``align_all``, for pairs that
        no rule could accept (neither text mostly in the other, vocabularies apart, not
        identical). The digest guard needs all pairs at once: :meth:`judge` applies it.
        """
        sk, cfg = self.sketches, self.config
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        a, b = pairs[:, 0], pairs[:, 1]
        shared = shared_shingles(sk.shingle_sets, sk.set_offsets, pairs)
        sizes = sk.set_sizes
        with np.errstate(divide="ignore", invalid="ignore"):
            containment_ab = np.where(sizes[a] > 0, shared / np.maximum(sizes[a], 1), 0.0)
            containment_ba = np.where(sizes[b] > 0, shared / np.maximum(sizes[b], 1), 0.0)
        identical = self.fingerprints[a] == self.fingerprints[b]
        similarity = cosine(self.tfidf_, a, b)
        aligned = (align_all | identical | (similarity >= cfg.similarity_threshold)
                   | (np.maximum(containment_ab, containment_ba) >= cfg.threshold))
        (cov_ab, gaps_ab, lead_ab, last_ab, open_ab, swaps_ab, facts_ab), \
            (cov_ba, gaps_ba, lead_ba, last_ba, open_ba, swaps_ba, facts_ba) = \
            self._align(pairs, aligned), self._align(pairs[:, ::-1].copy(), aligned)
        measured = PairScores(pairs, similarity, shared, containment_ab, containment_ba, cov_ab, cov_ba,
                              gaps_ab, gaps_ba, lead_ab, lead_ba, last_ab, last_ba, open_ab, open_ba, swaps_ab,
                              swaps_ba, facts_ab, facts_ba, identical, aligned, np.zeros(len(pairs), dtype=np.int8))
        return measured.decided(decide(measured, self.words, self.junk_only, self.paragraphs, cfg))

    def _align(self, pairs: np.ndarray, which: np.ndarray):
        sk = self.sketches
        return align(sk.words, sk.word_offsets, sk.shingle_offsets, *self.shingle_index_,
                     *self.figures_, *self.names_, sk.shingle_size, pairs, which, self.config.min_gap_tokens,
                     PASSAGE)

    def held_words(self, pairs: np.ndarray) -> np.ndarray:
        """How many of each article's words another article holds, counting the articles it is
        paired with in ``pairs`` (either side): one count per article."""
        return self._held(pairs)[0]

    def own_edits(self, pairs: np.ndarray) -> np.ndarray:
        """In how many runs each article's words that none of the articles it is paired with in
        ``pairs`` holds stand: its own edits and passages, one count per article ("pct" for
        "percent" is one, as is an added paragraph)."""
        return self._held(pairs)[1]

    def _held(self, pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        sk = self.sketches
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        both = np.concatenate([pairs, pairs[:, ::-1]])
        both = both[np.lexsort((both[:, 1], both[:, 0]))]
        starts = np.searchsorted(both[:, 0], np.arange(len(sk) + 1)).astype(np.int64)
        return held_by_any(sk.word_offsets, sk.shingle_offsets, *self.shingle_index_, sk.shingle_size,
                           starts, np.ascontiguousarray(both[:, 1]))

    def judge(self, pairs: np.ndarray, digests: np.ndarray | None = None, align_all: bool = False) -> PairScores:
        """Score ``pairs`` and apply every guard, the digest guard included.

        ``digests`` flags the articles known to be digests (see :meth:`digests`); by default they
        are found among these pairs. ``align_all`` as for :meth:`score`.
        """
        scores = self.score(pairs, align_all)
        return refuse_digests(scores, self.digests(scores) if digests is None else digests, self.words)

    def digests(self, scores: PairScores) -> np.ndarray:
        """A boolean per article: it holds, in separate places, several texts each of which is a
        small part of it (a digest or news-in-brief page)."""
        return find_digests(scores, self.words, self.config)
