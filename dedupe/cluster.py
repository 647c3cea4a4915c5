"""Clustering: verified pairs → stories, each with a canonical version and a role per member.

Connected components alone chain unrelated stories through one digest or one shared quote, so
every member is checked against its story's canonical directly; members that fail leave and are
clustered again among themselves, round after round, until every story holds.

The canonical is the most complete version: the member sharing the most text with the others
(its *support*: the words it shares with each other member it was compared with, summed), and among
members within ``TOLERANCE`` of that, the longest. Versions that differ from it only by small
edits are equally complete: among them the canonical is the earliest in ``source_priority``,
then the earliest ``published``, then the smallest id. Ties therefore never depend on input
order.

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

TOLERANCE = 0.02  # versions whose support is within 2% of the best are equally well supported
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
    # Pairs link a story only when accepted, but every pair scored inside a story counts
    # towards support: two versions that each added their own paragraphs still share the rest.
    linked = matches.accepted & _best_partial(verifier, matches)
    edges = matches.pairs
    # The words a pair shares, counted alike for both sides (the smaller of what each holds of the
    # other: a phrase a text repeats must not count twice for it); a text's support is the sum
    # over the pairs inside its story. Counting words, not shingles, keeps an inserted paragraph
    # or an edited word from costing more than the words it touches.
    held = np.where(matches.aligned, _shared_words(verifier, matches), np.nan)
    words = verifier.sketches.word_counts
    rounds: list[PairScores] = []
    while True:
        live = active[edges[:, 0]] & active[edges[:, 1]]
        edges, held, linked = edges[live], held[live], linked[live]
        if not linked.any():
            break
        links = edges[linked]
        graph = sp.csr_matrix((np.ones(len(links)), (links[:, 0], links[:, 1])), shape=(n, n))
        _, component = connected_components(graph, directed=False)
        # Support counts every match inside a story, links or not.
        inside = component[edges[:, 0]] == component[edges[:, 1]]
        unknown = inside & np.isnan(held)  # pairs left unaligned when scored: align them now
        if unknown.any():
            held[unknown] = _shared_words(verifier, verifier.score(edges[unknown], align_all=True))
        support = np.bincount(edges[inside].ravel(), np.repeat(held[inside], 2), n)
        in_story = np.zeros(n, dtype=bool)
        in_story[links.ravel()] = True
        heads, members, checked = _check(verifier, component, in_story,
                                         _most_complete(component, in_story, support, words), ranking, digests)
        kept = checked.accepted
        rounds.append(_select(checked, kept))
        canonical[members[kept]] = heads[members[kept]]
        # A story is settled once checked: its canonical and the members that held leave the
        # graph; members that failed are clustered again among themselves.
        active[members[kept]] = False
        active[np.unique(heads[members])] = False
    scores = PairScores.concat(rounds) if rounds else verifier.score(np.empty((0, 2), dtype=np.int64))
    return Stories(canonical, scores)


def _shared_words(verifier: Verifier, scores: PairScores) -> np.ndarray:
    words = verifier.sketches.word_counts
    return np.minimum(scores.coverage_ab * words[scores.pairs[:, 0]], scores.coverage_ba * words[scores.pairs[:, 1]])


def _best_partial(verifier: Verifier, matches: PairScores) -> np.ndarray:
    """Keep, for each text that is a small part of several others, only its best match.

    A copy cut short needs one link to join its story; linked to every text that opens the same
    way (market reports that share a first paragraph) it would chain them all together.
    """
    keep = np.ones(len(matches), dtype=bool)
    shorter, _ = verifier.shorter_longer(matches)
    coverage = verifier.oriented(matches).coverage
    partial = np.flatnonzero(matches.accepted & (coverage < verifier.config.partial_coverage))
    if len(partial) == 0:
        return keep
    order = partial[np.lexsort((partial, -matches.cosine[partial], shorter[partial]))]
    first = np.r_[True, shorter[order][1:] != shorter[order][:-1]]
    keep[order[~first]] = False
    return keep


def _most_complete(component: np.ndarray, in_story: np.ndarray, support: np.ndarray,
                   words: np.ndarray) -> np.ndarray:
    """Per component, the member with the most support; among those within ``TOLERANCE`` of it,
    the longest (``-1`` for components outside any story)."""
    count = component.max() + 1
    nodes = np.flatnonzero(in_story)
    best = np.zeros(count)
    np.maximum.at(best, component[nodes], support[nodes])
    nodes = nodes[support[nodes] >= (1.0 - TOLERANCE) * best[component[nodes]]]
    order = np.lexsort((nodes, -words[nodes], component[nodes]))
    nodes = nodes[order]
    first = np.r_[True, component[nodes][1:] != component[nodes][:-1]]
    chosen = np.full(count, -1, dtype=np.int64)
    chosen[component[nodes[first]]] = nodes[first]
    return chosen


def _check(verifier: Verifier, component: np.ndarray, in_story: np.ndarray, complete: np.ndarray,
           ranking: Ranking, digests: np.ndarray):
    """Choose each story's canonical and check every member against it.

    The most complete version has the last word only over versions that differ from it: among
    those that are its duplicates (no passage of ``min_gap_tokens`` words either way), the one
    preferred by ``source_priority``, then the earliest ``published``, then the smallest id is
    the canonical. Returns each node's head, the members checked, and their scores.
    """
    n = len(component)
    nodes = np.arange(n)
    heads = complete[component]
    members = np.flatnonzero(in_story & (heads != nodes))
    first = verifier.judge(np.stack([members, heads[members]], axis=1), digests)
    same = first.accepted & (first.gaps_ab == 0) & (first.gaps_ba == 0)
    contenders = np.concatenate([complete[complete >= 0], members[same]])
    order = np.lexsort((contenders, ranking.published[contenders], ranking.priority[contenders],
                        component[contenders]))
    contenders = contenders[order]
    lead = np.r_[True, component[contenders][1:] != component[contenders][:-1]]
    preferred = complete.copy()
    preferred[component[contenders[lead]]] = contenders[lead]
    moved = preferred != complete
    if not moved.any():
        return heads, members, first
    # Stories whose canonical moved to a duplicate are checked again against it.
    heads = preferred[component]
    again = np.flatnonzero(in_story & moved[component] & (heads != nodes))
    unchanged = ~moved[component[members]]
    checked = PairScores.concat([_select(first, unchanged),
                                 verifier.judge(np.stack([again, heads[again]], axis=1), digests)])
    return heads, np.concatenate([members[unchanged], again]), checked


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
