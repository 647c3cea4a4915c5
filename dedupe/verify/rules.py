"""The rules that decide pairs, and the digest guard: thresholds named here, read from
:class:`~dedupe.verify.scores.PairScores`, never computing a score themselves."""

from __future__ import annotations

import enum

from ..numba_cache import CACHE  # noqa: E402 - sets where numba caches, before numba is imported
import numba
import numpy as np

from ..config import DedupeConfig
from .scores import Oriented, PairScores, orient, shorter_longer

__all__ = ["Decision", "decide", "small_part", "held_items", "digest_flags", "find_digests", "refuse_digests",
           "refused_by_digest", "excerpt", "PASSAGE", "EXCERPT_PARAGRAPHS", "EXCERPT_HELD"]

# The facts guard speaks when both texts have at least this many figures (names), and then
# requires one of them to hold this share of the other's. Copies keep their figures almost
# always, and their names through most edits ("His Highness Sheikh Mohamed" → "Sheikh Mohamed").
_FIGURES_MIN, _FIGURES_SHARE = 2, 2 / 3
_NAMES_MIN, _NAMES_SHARE = 3, 2 / 3
_DIGEST_ITEM = 0.5   # a text holding less than this share of a digest is one of its items
PASSAGE = 20         # words: a run one side lacks this long is an added or dropped passage
_FACT_SWAPS = 2      # facts swapped in place that make a template (one, for a partial copy)
_SWAPPED_SHARE = 0.1  # ... and at least this share of the shorter text's facts
_TABLE_FIGURES = 0.15  # distinct figures per word from which a text reads as a table
_SHORT_WORDS = 3     # fewer words than this never make a copy, even word for word ("Photo gallery")
# An excerpt page (a search or aggregator snippet, a blog's quoted paragraphs) is at most this
# many paragraphs, the longer text holds at least this share of its words, and it quotes at
# least two passages' worth: a text of one line or two that a longer one holds is a brief that a
# digest or a running log carries as one of its items.
EXCERPT_PARAGRAPHS, EXCERPT_HELD, EXCERPT_WORDS = 3, 0.85, 2 * PASSAGE


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


def decide(scores: PairScores, words: np.ndarray, junk_only: np.ndarray, paragraphs: np.ndarray,
           cfg: DedupeConfig) -> np.ndarray:
    """The :class:`Decision` of each pair, judged alone (the digest guard needs all pairs at
    once: :func:`refuse_digests`). ``words``: each article's compared words; ``junk_only``:
    whether each page is page junk alone; ``paragraphs``: each article's paragraphs."""
    oriented = orient(scores, words)
    a, b = scores.pairs[:, 0], scores.pairs[:, 1]
    decision = np.full(len(scores), Decision.LOW_OVERLAP, dtype=np.int8)
    decision[scores.cosine >= cfg.similarity_threshold] = Decision.SIMILAR
    decision[oriented.shingle_containment >= cfg.threshold] = Decision.CONTAINED
    decision[(decision > 0) & not_at_lead(oriented, cfg) & ~excerpt(scores, words, paragraphs)] = Decision.NOT_AT_LEAD
    decision[(decision > 0) & facts_differ(scores, words, oriented.coverage, cfg)] = Decision.FACTS_DIFFER
    short = np.minimum(words[a], words[b]) < cfg.min_tokens
    exact = scores.identical & (np.minimum(words[a], words[b]) >= _SHORT_WORDS)
    decision[short] = np.where(exact[short], Decision.IDENTICAL_SHORT, Decision.SHORT)
    junk = (junk_only[a] | junk_only[b]) & ~scores.identical
    decision[junk] = Decision.JUNK_ONLY
    return decision


def not_at_lead(oriented: Oriented, cfg: DedupeConfig) -> np.ndarray:
    """Which pairs' shorter text is a small part of the longer one that neither opens it nor
    shares its opening and its end: an embedded passage, not a copy cut short."""
    # A copy cut short is the original's opening: what it shares starts where the original
    # starts (allowing a dateline's worth of slack) and lies mostly in the opening, where a
    # wrap-up quoting a shorter story holds it scattered over its length.
    # A running log ("The Latest") keeps its header at the top and adds entries under it: its
    # earlier version shares that header and the log's end. A piece equal to one entry shares
    # no header, and stays apart.
    _, coverage, lead, last, opening, longer_words = oriented
    slack = np.maximum(cfg.min_gap_tokens, 0.05 * longer_words)
    at_lead = (lead <= slack) & (opening >= 0.8 * coverage * longer_words)
    at_tail = (lead <= slack) & (last >= longer_words - 1 - slack)
    return (coverage < cfg.partial_coverage) & ~at_lead & ~at_tail


def excerpt(scores: PairScores, words: np.ndarray, paragraphs: np.ndarray) -> np.ndarray:
    """Which pairs' shorter text is an excerpt of the longer one: a few of its paragraphs, from
    anywhere in it, and nothing else (a snippet page). Unlike a standalone story that a digest
    or a running log holds as one item, it has no paragraphs of its own and few at all."""
    shorter, _ = shorter_longer(scores.pairs, words)
    held = np.where(shorter == scores.pairs[:, 0], scores.coverage_ab, scores.coverage_ba)
    return (paragraphs[shorter] <= EXCERPT_PARAGRAPHS) & (held >= EXCERPT_HELD) & (words[shorter] >= EXCERPT_WORDS)


def facts_differ(scores: PairScores, words: np.ndarray, coverage: np.ndarray, cfg: DedupeConfig) -> np.ndarray:
    """Which pairs share their wording but not their facts: templated stories (see the
    package's documentation). ``coverage``: the share of the longer text the shorter holds."""
    a = scores.pairs[:, 0]
    differ = np.zeros(len(scores), dtype=bool)
    for column, least, share in ((0, _FIGURES_MIN, _FIGURES_SHARE), (2, _NAMES_MIN, _NAMES_SHARE)):
        # Facts in passages one side added or dropped do not count; of the rest, either side
        # holding most of the other's facts is enough (a copy cut short holds all of the
        # original's opening facts, not the other way round).
        held_ab, kept_ab = scores.facts_ab[:, column], scores.facts_ab[:, column + 1]
        held_ba, kept_ba = scores.facts_ba[:, column], scores.facts_ba[:, column + 1]
        enough = (kept_ab >= share * held_ab) | (kept_ba >= share * held_ba)
        differ |= (np.minimum(held_ab, held_ba) >= least) & ~enough
    # Facts swapped in place: one figure is a template filled in anew; so are two facts of
    # any kind, or one in a text that holds only a small part of the other (a template item
    # at the lead).
    swaps = np.maximum(scores.swaps_ab, scores.swaps_ba)
    # In a table the figures are the content: a shorter table holding any figure of its own
    # (outside passages) is another report, however many rows it shares.
    shorter, _ = shorter_longer(scores.pairs, words)
    facts_short = np.where((shorter == a)[:, None], scores.facts_ab, scores.facts_ba)
    table = facts_short[:, 0] >= _TABLE_FIGURES * words[shorter]
    differ |= table & (facts_short[:, 0] > facts_short[:, 1])
    differ |= swaps[:, 0] >= 1
    # A long text edited in a few places (a name spelt out, a title added) keeps most of its
    # facts: swaps make a template only when they are a share of the facts it holds.
    facts_held = facts_short[:, 0] + facts_short[:, 2]
    differ |= swaps[:, 1] >= np.maximum(np.where(coverage < cfg.partial_coverage, 1, _FACT_SWAPS),
                                        _SWAPPED_SHARE * facts_held)
    return differ


def small_part(coverage: np.ndarray) -> np.ndarray:
    """Which pairs' shorter text covers so little of the longer that, were the longer a digest,
    it would be one of its items."""
    return coverage < _DIGEST_ITEM


def held_items(scores: PairScores, words: np.ndarray, cfg: DedupeConfig) -> np.ndarray:
    """Which pairs may be an item of a digest: the shorter text mostly in the longer, yet a small
    part of it."""
    oriented = orient(scores, words)
    return (oriented.shingle_containment >= cfg.threshold) & small_part(oriented.coverage)


def find_digests(scores: PairScores, words: np.ndarray, cfg: DedupeConfig) -> np.ndarray:
    """A boolean per article: it holds, in separate places, several texts each of which is a
    small part of it (a digest or news-in-brief page)."""
    oriented = orient(scores, words)
    _, longer = shorter_longer(scores.pairs, words)
    held = held_items(scores, words, cfg)
    return digest_flags(longer[held], oriented.lead[held], oriented.last[held], len(words))


def digest_flags(longer: np.ndarray, lead: np.ndarray, last: np.ndarray, n: int) -> np.ndarray:
    """A boolean per article of ``n``: it is the longer text of items (pairs, in pair order)
    that lie in separate places of it, from word ``lead`` to ``last``."""
    order = np.lexsort((lead, longer))  # stable: pair order breaks ties
    return _disjoint_spans(longer[order], lead[order], last[order], n)


def refused_by_digest(accepted: np.ndarray, small: np.ndarray, longer_is_digest: np.ndarray) -> np.ndarray:
    """Which pairs the digest guard refuses: accepted, their longer text a digest, and the
    shorter one small enough a part of it to be one of its items."""
    return accepted & small & longer_is_digest


def refuse_digests(scores: PairScores, digests: np.ndarray, words: np.ndarray) -> PairScores:
    """``scores`` with the pairs :func:`refused_by_digest` refuses decided ``DIGEST``."""
    _, longer = shorter_longer(scores.pairs, words)
    refused = refused_by_digest(scores.accepted, small_part(orient(scores, words).coverage), digests[longer])
    return scores.decided(np.where(refused, np.int8(Decision.DIGEST), scores.decision))


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
