"""Clustering: verified pairs → stories, each with a canonical version and a role per member.

A story is a connected set of **strong links**: accepted pairs in which the shorter text holds
at least ``WEAK_COVERAGE`` (a fifth) of the longer one, so one text mostly reproduces the
other. A **weak link** (a short page holding a small part of a long one: a copy cut short early)
may attach a page that has no strong link to a story, through its best such link, but never
joins two stories. Successive write-through versions are linked pairwise, so a story holds the
whole chain even where the latest version shares little with the earliest.

Every member is then judged against its story's canonical. Sharing little with it keeps a member
(a later version along the chain); a guard's refusal does not: a digest's item, a templated
story with other facts, an embedded passage or a page of junk leaves the story, with whatever
joined the story only through it, and is clustered again among the others that left. So one
digest cut down to its first items, or one shared quote, cannot chain two stories together.

The canonical chooses roles; it does not decide membership. It is the most complete version:
the member sharing the most text with the others (its *support*: the words it shares with each
other member it was compared with, summed), and among members within ``TOLERANCE`` of that, the
longest, page junk being cleaned away before anything is counted. Versions that differ from it
only by small edits are equally complete: among them the canonical is the cleanest page (the
fewest marks of a house: runs of words no other member carries, and lines of the page's own that
cleaning dropped, counted exactly), then the agency's own copy (its ``source`` names the agency
the story's texts credit), then the earliest in ``source_priority``, then the earliest
``published`` (then, in an index, the earliest arrival), then the smallest id. Ties therefore
never depend on input order.

Each member is then read against the canonical. One sharing under half of its text with it,
joined through a chain of versions, is a ``version``; so is one lacking a passage of the canonical
while holding passages of its own, the canonical holding under ``CLEAN_CUT`` of it. One lacking
a passage of the canonical (``min_gap_tokens`` words or more) is ``truncated``; one carrying
substantial text that the canonical lacks (such passages adding up to a tenth of the canonical's
length) is ``extended``; one with both is whichever it has more of; one with neither is a
``duplicate``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order, connected_components

from .article import Role
from .verify import Decision, Gap, PairScores, orient, shorter_longer

__all__ = ["PairJudge", "Ranking", "Stories", "cluster", "roles", "story_links", "version_chains"]

TOLERANCE = 0.02  # versions whose support is within 2% of the best are equally well supported
EXTENDED_SHARE = 0.1  # extra text, as a share of the canonical, that makes a copy extended
WEAK_COVERAGE = 0.2   # a link whose shorter text holds less than this share of the longer one is weak
VERSION_SHARE = 0.5   # a member sharing less of its text than this with the canonical is a version
CLEAN_CUT = 0.6       # ... and so is one lacking a passage and holding its own, the canonical holding less of it


class PairJudge(Protocol):
    """What clustering asks of verification (:class:`dedupe.verify.Verifier` is one): scores
    and decisions of the pairs it names, and the words of each article."""

    words: np.ndarray
    """How many words of each article are compared."""
    min_gap_tokens: int
    """The fewest words that make a passage one text lacks."""

    def __len__(self) -> int: ...

    def score(self, pairs: np.ndarray, align_all: bool = False) -> PairScores:
        """``pairs`` scored and judged each alone."""

    def judge(self, pairs: np.ndarray, digests: np.ndarray | None = None, align_all: bool = False) -> PairScores:
        """``pairs`` scored and judged, the digest guard included."""

    def own_edits(self, pairs: np.ndarray) -> np.ndarray:
        """In how many runs each article's words that none of the articles it is paired with
        holds stand."""


@dataclass(frozen=True)
class Ranking:
    """What breaks ties between equally complete versions, one entry per article."""

    priority: np.ndarray
    """Position of the article's source in ``source_priority`` (its length when absent)."""
    published: np.ndarray
    """Publication time as a POSIX timestamp, ``inf`` when unknown."""
    arrival: np.ndarray
    """When the article arrived (an index's order of arrival), ``inf`` when unknown: ranks
    versions that have no publication time."""
    page_lines: np.ndarray
    """Lines of the page's own that cleaning dropped (page junk, furniture, learnt boilerplate:
    :attr:`dedupe.clean.CleanCorpus.page_lines`)."""
    credits: np.ndarray
    """The agency each text credits (:mod:`dedupe.agencies`, 0 for none)."""
    source_agency: np.ndarray
    """The agency each article's ``source`` names (0 for none)."""


@dataclass(frozen=True)
class Stories:
    """The outcome of clustering.

    ``canonical[i]`` is the index of article ``i``'s canonical (``i`` itself for a canonical or
    a unique article). ``scores`` holds the scores of the pairs ``(member, canonical)``;
    ``links`` the pairs that joined the stories, ``(m, 2)``.
    """

    canonical: np.ndarray
    scores: PairScores
    links: np.ndarray
    lost: np.ndarray
    """For a member, why its canonical won over it (:data:`WHY_LOST` names each code); 0 for the rest."""
    marks: np.ndarray
    """Each member's marks of a house (runs of words no other version holds, and lines of the
    page's own), as the canonical rule counted them; 0 outside stories."""


WHY_LOST = {
    1: "the canonical is more complete: it holds passages this version lacks",
    2: "the canonical is as complete and a cleaner page: fewer marks of a house",
    3: "the canonical is as complete and as clean, and is the agency's own copy",
    4: "the canonical is as complete and as clean, and its source comes first in source_priority",
    5: "the canonical is as complete and as clean, and was published first",
    6: "the canonical is as complete and as clean, and arrived first",
    7: "the canonical is as complete and as clean, and its id comes first",
}
"""Why a story's canonical won over a member, by :attr:`Stories.lost` code."""


def cluster(verifier: PairJudge, matches: PairScores, digests: np.ndarray, ranking: Ranking) -> Stories:
    """Group the accepted pairs of ``matches`` into stories, choose each story's canonical and
    score every member against it. ``digests`` flags the digests: a member that a guard refuses
    against its story's canonical (a digest's item, a templated story, an embedded passage)
    leaves the story and is clustered again with the others that left."""
    n = len(verifier)
    strong, weak = link_kinds(verifier, matches)
    canonical = np.arange(n)
    lost, marks = np.zeros(n, dtype=np.int8), np.zeros(n, dtype=np.int64)
    active = np.ones(n, dtype=bool)
    used: list[np.ndarray] = []
    rounds: list[PairScores] = []
    while True:
        live = active[matches.pairs[:, 0]] & active[matches.pairs[:, 1]]
        links = story_links(verifier, matches, strong & live, weak & live)
        if not len(links):
            break
        component = link_components(links, n)
        in_story = np.bincount(component, minlength=n)[component] > 1
        heads, why, counted = _canonicals(verifier, matches.select(live), component, in_story, ranking)
        members = np.flatnonzero(in_story & (heads != np.arange(n)))
        # Aligned in full: the scores of the members that stay give their roles.
        judged = verifier.judge(np.stack([members, heads[members]], axis=1), digests, align_all=True)
        # Sharing little with the canonical keeps a member (a later version along the chain); a
        # guard's refusal (a digest's item, a template, an embedded passage) does not.
        holds = (judged.decision > 0) | (judged.decision == Decision.LOW_OVERLAP)
        # What a refused member joined to the story without it joins no longer.
        stays = np.zeros(n, dtype=bool)
        stays[members[holds]] = stays[heads[members]] = True
        inside = link_components(links[stays[links[:, 0]] & stays[links[:, 1]]], n)
        holds &= inside[members] == inside[heads[members]]
        kept = members[holds]
        rounds.append(judged.select(holds))
        canonical[kept] = heads[kept]
        lost[kept], marks[kept], marks[heads[kept]] = why[kept], counted[kept], counted[heads[kept]]
        settled = np.zeros(n, dtype=bool)
        settled[kept] = settled[heads[kept]] = True
        used.append(links[settled[links[:, 0]] & settled[links[:, 1]]])
        # A story is settled once checked: its canonical and the members that held leave the
        # graph; members that a guard refused are clustered again among themselves.
        active[kept] = False
        active[np.unique(heads[members])] = False
    scores = PairScores.concat(rounds) if rounds else verifier.score(np.empty((0, 2), dtype=np.int64))
    return Stories(canonical, scores, np.concatenate(used) if used else np.empty((0, 2), dtype=np.int64), lost, marks)


def link_kinds(verifier: PairJudge, matches: PairScores) -> tuple[np.ndarray, np.ndarray]:
    """Which accepted pairs are strong links (the shorter text holds at least ``WEAK_COVERAGE``
    of the longer one) and which are weak, one flag per pair."""
    coverage = orient(matches, verifier.words).coverage
    strong = matches.accepted & (coverage >= WEAK_COVERAGE)
    return strong, matches.accepted & ~strong


def story_links(verifier: PairJudge, matches: PairScores, strong: np.ndarray, weak: np.ndarray) -> np.ndarray:
    """The pairs that make stories, ``(m, 2)``: every ``strong`` link, and for each page without
    one its best ``weak`` link (see the module's docstring)."""
    n = len(verifier)
    shorter, _ = shorter_longer(matches.pairs, verifier.words)
    component = link_components(matches.pairs[strong], n)
    alone = np.bincount(component, minlength=n)[component] == 1
    attach = weak & _best_partial(verifier, matches, weak) & alone[shorter]
    return matches.pairs[strong | attach]


def _graph(links: np.ndarray, n: int) -> sp.csr_matrix:
    return sp.csr_matrix((np.ones(len(links)), (links[:, 0], links[:, 1])), shape=(n, n))


def link_components(links: np.ndarray, n: int) -> np.ndarray:
    """The connected component of each of ``n`` nodes linked by ``links`` (``(m, 2)`` node
    numbers), as scipy labels them."""
    return connected_components(_graph(links, n), directed=False)[1]


def version_chains(stories: Stories, versions: np.ndarray) -> dict[int, list[int]]:
    """For each of ``versions``, the articles along its story's links from it to its canonical
    (fewest steps; one search per story)."""
    graph = _graph(stories.links, len(stories.canonical))
    chains: dict[int, list[int]] = {}
    for head in np.unique(stories.canonical[versions]).tolist():
        _, before = breadth_first_order(graph, head, directed=False, return_predecessors=True)
        for member in versions[stories.canonical[versions] == head].tolist():
            path = [member]
            while path[-1] != head and before[path[-1]] >= 0:
                path.append(int(before[path[-1]]))
            chains[member] = path
    return chains


def _best_partial(verifier: PairJudge, matches: PairScores, partial: np.ndarray) -> np.ndarray:
    """Keep, for each text that is a small part of several others (the pairs flagged in
    ``partial``), only its best match.

    A copy cut short needs one link to join its story; linked to every text that opens the same
    way (market reports that share a first paragraph) it would chain them all together.
    """
    keep = np.ones(len(matches), dtype=bool)
    shorter, _ = shorter_longer(matches.pairs, verifier.words)
    partial = np.flatnonzero(partial)
    if len(partial) == 0:
        return keep
    order = partial[np.lexsort((partial, -matches.cosine[partial], shorter[partial]))]
    first = np.r_[True, shorter[order][1:] != shorter[order][:-1]]
    keep[order[~first]] = False
    return keep


def _canonicals(verifier: PairJudge, matches: PairScores, component: np.ndarray, in_story: np.ndarray,
                ranking: Ranking) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each article's canonical: for a story's members, the version chosen by the module's rule;
    for the others, the article itself. With it, why each member lost (:data:`WHY_LOST`) and
    each one's marks of a house."""
    n = len(component)
    a, b = matches.pairs[:, 0], matches.pairs[:, 1]
    inside = in_story[a] & (component[a] == component[b])
    inner = matches.pairs[inside]
    # The words a pair shares, counted alike for both sides (the smaller of what each holds of the
    # other: a phrase a text repeats must not count twice for it); a text's support is the sum
    # over the pairs inside its story, accepted or not: two versions that each added their own
    # paragraphs still share the rest. Pairs scored without their alignment are aligned now.
    shared = _shared_words(verifier, matches)[inside]
    unaligned = ~matches.aligned[inside]
    if unaligned.any():
        shared[unaligned] = _shared_words(verifier, verifier.score(inner[unaligned], align_all=True))
    support = np.bincount(inner.ravel(), np.repeat(shared, 2), n)
    words = verifier.words
    complete = _most_complete(component, in_story, support, words)
    # Versions that differ from the most complete only by small edits (no passage of
    # min_gap_tokens words either way) are as complete: the cleanest of them, then the rest of
    # the ranking, is the canonical.
    members = np.flatnonzero(in_story & (complete[component] != np.arange(n)))
    versus = verifier.score(np.stack([members, complete[component[members]]], axis=1), align_all=True)
    same = versus.accepted & (versus.gaps_ab == 0) & (versus.gaps_ba == 0)
    contenders = np.concatenate([complete[complete >= 0], members[same]])
    # The cleanest page: the fewest marks of a house on it. Each run of words no other version
    # carries is one (an edit, "percent" for "pct", "said on Thursday", a local paragraph), and so
    # is each line of the page's own that cleaning dropped (furniture, captions, page junk).
    # Counted exactly: one "Advertisement" sets a copy apart from the wire's text. Edits, not
    # words: between two versions alone, each one's side of an edit is its own, and "U.S." for
    # "US" must not weigh more than the other way round.
    own = (verifier.own_edits(inner) + ranking.page_lines).astype(np.float64)
    complete_enough = np.zeros(n, dtype=bool)
    complete_enough[contenders] = True
    least = np.full(n, np.inf)
    np.minimum.at(least, component[contenders], own[contenders])
    contenders = contenders[own[contenders] <= least[component[contenders]]]
    agency = _agency_copies(component, in_story, ranking)
    contenders = contenders[np.lexsort((contenders, ranking.arrival[contenders], ranking.published[contenders],
                                        ranking.priority[contenders], ~agency[contenders], component[contenders]))]
    first = contenders[np.r_[True, component[contenders][1:] != component[contenders][:-1]][:len(contenders)]]
    head = np.arange(n)
    head[component[first]] = first
    heads = np.where(in_story, head[component], np.arange(n))
    # Why each member lost to its canonical: the first step of the rule that set them apart.
    w = heads
    why = np.select([~complete_enough, own > own[w], agency[w] & ~agency, ranking.priority[w] < ranking.priority,
                     ranking.published[w] < ranking.published, ranking.arrival[w] < ranking.arrival],
                    [1, 2, 3, 4, 5, 6], 7).astype(np.int8)
    why[~in_story | (heads == np.arange(n))] = 0
    return heads, why, np.where(in_story, own, 0).astype(np.int64)


def _agency_copies(component: np.ndarray, in_story: np.ndarray, ranking: Ranking) -> np.ndarray:
    """Which articles are their agency's own copy of their story: their ``source`` names an agency
    that a version of the story credits ("(Reuters)", "- AP"), or any agency where none is credited."""
    source = ranking.source_agency.astype(np.int64)
    credits = ranking.credits.astype(np.int64)
    crediting = in_story & (credits > 0)
    width = 256  # agencies are numbered below this
    credited = np.unique(component[crediting] * width + credits[crediting])
    any_credit = np.bincount(component[crediting], minlength=component.max() + 1 if len(component) else 0) > 0
    return (source > 0) & (np.isin(component * width + source, credited) | ~any_credit[component])


def _shared_words(verifier: PairJudge, scores: PairScores) -> np.ndarray:
    words = verifier.words
    return np.minimum(scores.coverage_ab * words[scores.pairs[:, 0]], scores.coverage_ba * words[scores.pairs[:, 1]])


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
    first = np.r_[True, component[nodes][1:] != component[nodes][:-1]][:len(nodes)]
    chosen = np.full(count, -1, dtype=np.int64)
    chosen[component[nodes[first]]] = nodes[first]
    return chosen


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
    # Truncated is the canonical's own text with a passage missing: a member that also holds
    # passages of its own, so that much of it is not the canonical's, is another version of the
    # story (an earlier take of a write-through), not a cut of it.
    version = (s.coverage_ab < VERSION_SHARE) | (truncated & extra & (s.coverage_ab < CLEAN_CUT))
    role[members] = np.where(version, Role.VERSION.value, np.where(
        truncated, Role.TRUNCATED.value, np.where(extended, Role.EXTENDED.value, Role.DUPLICATE.value)))
    missing[members] = np.where(truncated & ~version, s.gaps_ba, 0)
    return role, missing
