"""Scores of pairs: what the kernels measure, read either way round or from the shorter text."""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

__all__ = ["Gap", "PairScores", "Oriented", "shorter_longer", "orient"]


class Gap(enum.IntFlag):
    """Where an article lacks a passage of at least ``min_gap_tokens`` words of the other."""

    NONE = 0
    START = 1
    MIDDLE = 2
    END = 4


@dataclass(frozen=True)
class PairScores:
    """Scores of pairs ``(a, b)``; each array has one entry per pair.

    ``*_ab`` arrays describe ``a`` as seen from ``b``: ``shingle_containment_ab`` is the share of
    ``a``'s shingles found in ``b``; ``coverage_ab`` the share of ``a``'s words that ``b`` holds;
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
    shingle_containment_ab: np.ndarray
    shingle_containment_ba: np.ndarray
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

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):  # scores are read, never changed: a decision is a new PairScores
            getattr(self, f.name).flags.writeable = False

    @classmethod
    def concat(cls, parts: "list[PairScores]") -> "PairScores":
        """One set of scores from several, in order."""
        return cls(**{f.name: np.concatenate([getattr(p, f.name) for p in parts])
                      for f in dataclasses.fields(cls)})

    def select(self, mask: np.ndarray) -> "PairScores":
        """The scores of the pairs flagged (or indexed) by ``mask``."""
        return PairScores(**{f.name: getattr(self, f.name)[mask] for f in dataclasses.fields(self)})

    def decided(self, decision: np.ndarray) -> "PairScores":
        """These scores with other decisions."""
        return dataclasses.replace(self, decision=np.asarray(decision, dtype=np.int8))


class Oriented(NamedTuple):
    """Scores of pairs read from the shorter article to the longer one, one entry per pair."""

    shingle_containment: np.ndarray
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


def shorter_longer(pairs: np.ndarray, words: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per pair: the shorter article (by ``words``; ties to the smaller index) and the longer."""
    a, b = pairs[:, 0], pairs[:, 1]
    a_shorter = (words[a] < words[b]) | ((words[a] == words[b]) & (a < b))
    return np.where(a_shorter, a, b), np.where(a_shorter, b, a)


def orient(scores: PairScores, words: np.ndarray) -> Oriented:
    """The scores of each pair read from the shorter article (by ``words``) to the longer one."""
    a, b = scores.pairs[:, 0], scores.pairs[:, 1]
    shorter, _ = shorter_longer(scores.pairs, words)
    a_short = shorter == a
    containment = np.where(a_short, scores.shingle_containment_ab, scores.shingle_containment_ba)
    coverage = np.where(a_short, scores.coverage_ba, scores.coverage_ab)
    lead = np.where(a_short, scores.lead_ba, scores.lead_ab)
    last = np.where(a_short, scores.last_ba, scores.last_ab)
    opening = np.where(a_short, scores.opening_ba, scores.opening_ab)
    return Oriented(containment, coverage, lead, last, opening, words[np.where(a_short, b, a)])
