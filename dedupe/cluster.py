"""Clustering: verified pairs → stories, each with a canonical version and a role per member.

Connected components alone chain unrelated stories through one digest or one shared quote, so
every member is checked against its story's canonical directly; members that fail leave and are
clustered again among themselves, round after round, until every story holds.

The canonical is the most complete version: the member sharing the most text with the others
(its *support*: the shingles it shares with each other member, summed); among members within
``TOLERANCE`` of that, the longest; among those within ``TOLERANCE`` of the longest, the earliest
in ``source_priority``, then the earliest ``published``, then the smallest id. Ties therefore
never depend on input order.

A member lacking a passage of the canonical (``min_gap_tokens`` words or more) is ``truncated``;
one carrying substantial text that the canonical lacks (such passages adding up to a tenth of the
canonical's length) is ``extended``; one with both is whichever it has more of; one with neither
is a ``duplicate``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from .article import Role
from .verify import Gap, PairScores, Verifier

__all__ = ["Ranking", "Stories", "cluster", "roles"]

TOLERANCE = 0.01  # versions whose support and length are within 1% are equally complete
EXTENDED_SHARE = 0.1  # extra text, as a share of the canonical, that makes a copy extended


@dataclass(frozen=True)
class Ranking:
    """What breaks ties between equally complete versions, one entry per article."""

    priority: np.ndarray
    """Position of the article's source in ``source_priority`` (its length when absent)."""
    published: np.ndarray
    """Publication time as a POSIX timestamp, ``inf`` when unknown."""


@dataclass(frozen=True)
class Stories:
    """The outcome of clustering.

    ``canonical[i]`` is the index of article ``i``'s canonical (``i`` itself for a canonical or
    a unique article). ``scores`` holds the verified pairs ``(member, canonical)``.
    """

    canonical: np.ndarray
    scores: PairScores


def cluster(verifier: Verifier, matches: PairScores, digests: np.ndarray, ranking: Ranking) -> Stories:
    """Group the accepted pairs of ``matches`` into stories checked against their canonicals."""
    n = len(verifier.sketches)
    canonical = np.arange(n)
    active = np.ones(n, dtype=bool)
    edges = matches.pairs[matches.accepted]
    weights = matches.shared[matches.accepted].astype(np.float64)
    rounds: list[PairScores] = []
    while True:
        live = active[edges[:, 0]] & active[edges[:, 1]]
        edges, weights = edges[live], weights[live]
        if len(edges) == 0:
            break
        graph = sp.csr_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
        _, component = connected_components(graph, directed=False)
        support = (np.bincount(edges[:, 0], weights, n) + np.bincount(edges[:, 1], weights, n))
        in_story = np.zeros(n, dtype=bool)
        in_story[edges.ravel()] = True
        chosen = _canonicals(component, in_story, support, verifier.sketches.word_counts, ranking)
        heads = chosen[component]
        members = np.flatnonzero(in_story & (heads != np.arange(n)))
        checked = verifier.judge(np.stack([members, heads[members]], axis=1), digests)
        kept = checked.accepted
        rounds.append(_select(checked, kept))
        canonical[members[kept]] = heads[members[kept]]
        # A story is settled once checked: its canonical and the members that held leave the
        # graph; members that failed are clustered again among themselves.
        active[members[kept]] = False
        active[np.unique(heads[members])] = False
    scores = PairScores.concat(rounds) if rounds else verifier.score(np.empty((0, 2), dtype=np.int64))
    return Stories(canonical, scores)


def _canonicals(component: np.ndarray, in_story: np.ndarray, support: np.ndarray,
                words: np.ndarray, ranking: Ranking) -> np.ndarray:
    """The canonical article of each component (``-1`` for components outside any story)."""
    count = component.max() + 1
    nodes = np.flatnonzero(in_story)
    for measure in (support, words):  # most shared text, then most text
        best = np.zeros(count)
        np.maximum.at(best, component[nodes], measure[nodes])
        nodes = nodes[measure[nodes] >= (1.0 - TOLERANCE) * best[component[nodes]]]
    order = np.lexsort((nodes, ranking.published[nodes], ranking.priority[nodes], component[nodes]))
    nodes = nodes[order]
    first = np.r_[True, component[nodes][1:] != component[nodes][:-1]]
    chosen = np.full(count, -1, dtype=np.int64)
    chosen[component[nodes[first]]] = nodes[first]
    return chosen


def _select(scores: PairScores, mask: np.ndarray) -> PairScores:
    return PairScores(**{name: value[mask] for name, value in vars(scores).items()})


def roles(stories: Stories, words: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each article's :class:`~dedupe.article.Role`, and where a truncated copy's gap lies
    (:class:`~dedupe.verify.Gap` of the canonical's text it lacks; 0 for the others).

    ``words`` is the number of compared words of each article.
    """
    role = np.full(len(words), Role.UNIQUE.value, dtype=object)
    missing = np.zeros(len(words), dtype=np.int8)
    s = stories.scores
    members, heads = s.pairs[:, 0], s.pairs[:, 1]
    role[np.unique(heads)] = Role.CANONICAL.value
    lacking = s.gaps_ba != Gap.NONE
    extra = s.gaps_ab != Gap.NONE
    lacked_words = (1.0 - s.coverage_ba) * words[heads]
    extra_words = (1.0 - s.coverage_ab) * words[members]
    substantial = extra & (extra_words >= EXTENDED_SHARE * words[heads])
    extended = substantial & (~lacking | (extra_words > lacked_words))
    truncated = lacking & ~extended
    role[members] = np.where(truncated, Role.TRUNCATED.value,
                             np.where(extended, Role.EXTENDED.value, Role.DUPLICATE.value))
    missing[members] = np.where(truncated, s.gaps_ba, 0)
    return role, missing
