"""Why two articles are, or are not, copies of one story: every score, the rule that decided,
the roles a scan gives them, and their texts aligned word by word.

>>> story = "The central bank raised its main interest rate by a quarter point on Tuesday. " * 3
>>> more = "Analysts had expected the move after inflation rose again."
>>> pair = explain_pair([{"id": "wire", "text": story + more},
...                      {"id": "cut", "text": "DUBAI (Reuters) - " + story}], "wire", "cut")
>>> pair.rule, pair.role_a, pair.role_b, pair.missing
('contained', 'canonical', 'truncated', 'end')
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import numpy as np

from .article import Article
from .clean import normalize_unicode
from .config import DedupeConfig
from .errors import InputError
from .cluster import WHY_LOST
from .passages import Passage, align_texts
from .pipeline import Deduplicator, collect_articles
from .verify import Decision, PairScores

__all__ = ["Passage", "PairExplanation", "explain_pair", "align_texts"]

@dataclass(frozen=True)
class PairExplanation:
    """Every score of a pair, the rule that decided it, and what a scan makes of the two.

    ``containment_ab`` is the share of ``a``'s shingles found in ``b`` (and the other way
    round); ``coverage_ab`` the share of ``a``'s words that ``b`` holds, word for word in
    order. ``chain_a``/``chain_b``: for a ``version``, the versions joining it to the canonical.
    ``dropped_a``/``dropped_b``: the lines cleaning dropped or cut (page junk, furniture, learnt
    boilerplate), so what was not compared can be seen. ``jaccard_estimated`` comes from the MinHash signatures, ``jaccard`` from the shingle
    sets themselves. ``rule`` names the :class:`~dedupe.verify.Decision` and ``reason`` says it
    in words. ``role_a``/``role_b`` are the roles a scan of the same articles gives, and
    ``same_story`` whether it puts the two in one story; ``missing`` where the one that lacks
    part of the other has its gap (``"end"``, ``"middle"``, ``"start"``). ``won_a``/``won_b``:
    for a member of a story, why its canonical won over it (:data:`dedupe.cluster.WHY_LOST`),
    with both sides' marks of a house; empty for a canonical or a unique article.
    """

    a: Article
    b: Article
    similarity: float
    containment_ab: float
    containment_ba: float
    coverage_ab: float
    coverage_ba: float
    jaccard_estimated: float
    jaccard: float
    words_a: int
    words_b: int
    rule: str
    reason: str
    accepted: bool
    same_story: bool
    role_a: str
    role_b: str
    missing: str | None
    passages: tuple[Passage, ...]
    chain_a: tuple[str, ...] = ()
    chain_b: tuple[str, ...] = ()
    dropped_a: tuple[str, ...] = ()
    dropped_b: tuple[str, ...] = ()
    won_a: str = ""
    won_b: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Everything, as one JSON-ready object (``dedupe explain --json``)."""
        return {
            "a": self.a.id, "b": self.b.id, "similarity": round(self.similarity, 4),
            "containment": {"a_in_b": round(self.containment_ab, 4), "b_in_a": round(self.containment_ba, 4)},
            "coverage": {"a_in_b": round(self.coverage_ab, 4), "b_in_a": round(self.coverage_ba, 4)},
            "jaccard": {"estimated": round(self.jaccard_estimated, 4), "exact": round(self.jaccard, 4)},
            "words": {"a": self.words_a, "b": self.words_b},
            "rule": self.rule, "reason": self.reason, "accepted": self.accepted, "same_story": self.same_story,
            "roles": {"a": self.role_a, "b": self.role_b}, "missing": self.missing,
            "chain": {"a": list(self.chain_a), "b": list(self.chain_b)},
            "dropped": {"a": list(self.dropped_a), "b": list(self.dropped_b)},
            "canonical_won": {"a": self.won_a, "b": self.won_b},
            "passages": [{"kind": p.kind, "a": p.a, "b": p.b} for p in self.passages],
        }


def explain_pair(articles: Iterable[Article | Mapping[str, Any]], a_id: str, b_id: str,
                 config: DedupeConfig | None = None) -> PairExplanation:
    """Explain the pair ``a_id``, ``b_id`` among ``articles``, which give the context a scan
    would have (boilerplate learnt, TF-IDF weights): the two alone, or the whole folder.

    Raises :class:`~dedupe.errors.InputError` when an id is not among the articles.
    """
    config = config or DedupeConfig()
    accepted, _ = collect_articles(articles)
    where = {a.id: i for i, a in enumerate(sorted(accepted, key=lambda a: a.id))}  # as a scan orders them
    for wanted in (a_id, b_id):
        if wanted not in where:
            raise InputError(wanted, "no article with this id among those read")
    if a_id == b_id:
        raise InputError(a_id, "give two different articles")
    i, j = where[a_id], where[b_id]
    # One run: its verdicts, and its own scores of the pair (scored with the digests it found,
    # when the pair was no candidate of it).
    result = Deduplicator(config).run(accepted, keep_scoring=True)
    run = result.scoring
    assert run is not None
    cleaned, sketches = run.prepared.cleaned, run.prepared.sketches
    found = np.flatnonzero((run.matches.pairs[:, 0] == min(i, j)) & (run.matches.pairs[:, 1] == max(i, j)))
    if len(found) and run.matches.aligned[found].all():
        scores = run.matches.select(found)
    else:
        # Aligned in full, as clustering aligns a member with its canonical: a score the run left
        # uncomputed (a pair no rule could accept is not aligned) is never shown as zero.
        scores = run.verifier.judge([[min(i, j), max(i, j)]], run.digests, align_all=True)
    scores = scores if i < j else _swapped(scores)
    decision = Decision(int(scores.decision[0]))
    verdicts = {v.id: v for v in result.verdicts}
    va, vb = verdicts[a_id], verdicts[b_id]
    shared = float(scores.shared[0])
    union = sketches.set_sizes[i] + sketches.set_sizes[j] - shared
    a, b = run.articles[i], run.articles[j]
    return PairExplanation(
        a=a, b=b, similarity=float(scores.cosine[0]),
        containment_ab=float(scores.shingle_containment_ab[0]), containment_ba=float(scores.shingle_containment_ba[0]),
        coverage_ab=float(scores.coverage_ab[0]), coverage_ba=float(scores.coverage_ba[0]),
        jaccard_estimated=float(np.mean(sketches.signatures[i] == sketches.signatures[j])),
        jaccard=float(shared / union) if union else 0.0,
        words_a=int(sketches.word_counts[i]), words_b=int(sketches.word_counts[j]),
        rule=decision.name.lower(), reason=decision.description, accepted=decision.accepted,
        same_story=va.cluster == vb.cluster, role_a=va.role.value, role_b=vb.role.value,
        missing=vb.missing or va.missing if va.cluster == vb.cluster else None,
        passages=align_texts(a.text, b.text), chain_a=va.chain, chain_b=vb.chain,
        dropped_a=dropped_lines(a.text, cleaned.texts[i]), dropped_b=dropped_lines(b.text, cleaned.texts[j]),
        won_a=_why_lost(run, i), won_b=_why_lost(run, j))


def _why_lost(run: Any, i: int) -> str:
    """Why article ``i``'s canonical won over it, in words, with both sides' marks of a house."""
    stories = run.stories
    code = int(stories.lost[i])
    if not code:
        return ""
    head = int(stories.canonical[i])
    marks = [(run.articles[k].id, int(stories.marks[k])) for k in (head, i)]
    return f"{WHY_LOST[code]} (" + "; ".join(f"{name}: {n} mark{'s' * (n != 1)} of a house" for name, n in marks) + ")"


def _swapped(scores: PairScores) -> PairScores:
    """The scores of pairs ``(a, b)`` read as ``(b, a)``."""
    fields = {f.name: getattr(scores, f.name) for f in dataclasses.fields(scores)}
    for name in list(fields):
        if name.endswith("_ab"):
            other = name[:-3] + "_ba"
            fields[name], fields[other] = fields[other], fields[name]
    fields["pairs"] = scores.pairs[:, ::-1]
    return PairScores(**fields)


def dropped_lines(text: str, cleaned: str) -> tuple[str, ...]:
    """What cleaning took out of ``text``, line by line: a line dropped whole, or the front cut
    off a line (a dateline, a byline), followed by "…". Lines a hard-wrapped text joined are
    found inside the joined ones."""
    kept = " ".join(normalize_unicode(cleaned).split())
    out = []
    for line in text.split("\n"):
        words = normalize_unicode(line).split()
        if not words or " ".join(words) in kept:
            continue
        cut = next((k for k in range(1, len(words)) if " ".join(words[k:]) in kept), None)
        out.append(" ".join(words) if cut is None else " ".join(words[:cut]) + " …")
    return tuple(out)
