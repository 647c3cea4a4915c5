"""Preparation: articles → what every later stage reads, made once.

:func:`prepare` cleans (page junk, furniture, learnt boilerplate), tokenises and sketches a batch
of articles; it is the only way into candidates, verification and clustering, for a scan, an
index add, ``dedupe explain`` and the Spark job alike. What a run over a larger corpus learnt
comes in a :class:`CorpusContext`, and so does the costly, per-article part of cleaning when it
was done already (:func:`dedupe.clean.strip_pages`): an index add and the Spark job clean each
article once.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from typing import Callable, ContextManager, Mapping, Sequence

import numpy as np

from .article import Article
from .candidates import lookup_keys
from .clean import CleanCorpus, Stripped, clean_corpus, strip_pages
from .headline import TextOffers
from .site_profile import SiteProfile
from .config import DedupeConfig
from .sketch import Sketches, sketch
from .tokens import Tokens

__all__ = ["CorpusContext", "Prepared", "prepare", "prepared_from", "strip_articles"]


@dataclass(frozen=True)
class CorpusContext:
    """What a run over a whole corpus learns from all of it, for a run over a part of it to give
    the same results.

    ``boilerplate``: the keys of the lines learnt as boilerplate (see
    :class:`dedupe.boilerplate.BoilerplateLearner`); ``idf``: the TF-IDF weight of each hashed word
    column; ``pairs``: the candidate pairs among the part's articles, as id pairs; ``digests``:
    the ids of its articles that hold several stories. Each one left ``None`` is learnt from the
    articles of the run itself. ``arrival``: when each article arrived (any increasing number), to
    rank versions without a publication time as the earliest published are ranked (an index
    knows the order it received its articles in; a batch does not). ``stripped``: by id, what
    :func:`strip_articles` made of articles already, so that they are not cleaned again.
    ``prepared``: by id, articles prepared already, as their packed tokens
    (:meth:`dedupe.tokens.Tokens.pack`), fingerprint (a signed 64-bit number, as a data frame
    holds it), junk flag, page lines and credit (:class:`dedupe.clean.CleanCorpus`); with
    ``boilerplate``, they are taken back by :func:`prepared_from` and not tokenised again.
    ``offers``: by id, what articles prepared elsewhere offer their story as a headline
    (:func:`dedupe.headline.text_offers`, read where their page was cleaned).
    """

    boilerplate: np.ndarray | None = None
    idf: np.ndarray | None = None
    pairs: Sequence[tuple[str, str]] | None = None
    digests: frozenset[str] | None = None
    arrival: Mapping[str, float] | None = None
    stripped: Mapping[str, Stripped] | None = None
    prepared: Mapping[str, tuple[bytes, int, bool, int, int]] | None = None
    offers: Mapping[str, TextOffers] | None = None


@dataclass(frozen=True)
class Prepared:
    """A batch of articles made ready: cleaned and tokenised (``cleaned``), shingled and
    sketched (``sketches``), in the order they were given."""

    cleaned: CleanCorpus
    sketches: Sketches

    def __len__(self) -> int:
        return len(self.sketches)

    def lookup_keys(self, config: DedupeConfig) -> tuple[np.ndarray, np.ndarray]:
        """Each article's lookup keys (:func:`dedupe.candidates.lookup_keys`), as CSR rows."""
        return lookup_keys(self.sketches, config.lsh_threshold, config.anchor_rate)


def strip_articles(articles: Sequence[Article], processes: int = 1,
                   profile: SiteProfile | None = None) -> dict[str, Stripped]:
    """By id, the costly part of cleaning each article (:func:`dedupe.clean.strip_pages`, with
    ``profile``'s page junk), for a :class:`CorpusContext`."""
    return dict(zip((a.id for a in articles),
                    strip_pages([a.text for a in articles], [a.title for a in articles], processes, profile)))


def prepare(articles: Sequence[Article], config: DedupeConfig, context: CorpusContext | None = None,
            keep_texts: bool = False, processes: int | None = None,
            stage: Callable[[str], ContextManager[object]] | None = None, with_signatures: bool = True) -> Prepared:
    """Clean, tokenise and sketch ``articles`` by ``config``, with what ``context`` gives
    (boilerplate learnt elsewhere, articles stripped or prepared already). ``keep_texts`` keeps the cleaned
    texts too (``dedupe explain`` shows what cleaning dropped); ``processes`` cleans in parallel
    (default: ``config.cores``); ``stage`` wraps the two steps, ``"clean"`` and ``"sketch"``
    (a run times them). Without ``with_signatures`` the MinHash signatures are left out: a batch
    whose candidate pairs are known needs none."""
    context = context or CorpusContext()
    stage = stage or (lambda name: nullcontext())
    ready = context.prepared
    if ready is not None and context.boilerplate is not None and not keep_texts and all(a.id in ready for a in articles):
        with stage("clean"):
            parts = [ready[a.id] for a in articles]
            tokens = Tokens.unpack([part[0] for part in parts])
            fingerprints = np.array([part[1] for part in parts], dtype=np.int64).view(np.uint64)
            junk_only = np.array([part[2] for part in parts], dtype=bool)
            page_lines = np.array([part[3] for part in parts], dtype=np.int64)
            credits = np.array([part[4] for part in parts], dtype=np.int8)
        with stage("sketch"):
            return prepared_from(tokens, fingerprints, junk_only, context.boilerplate, config, with_signatures,
                                 page_lines, credits)
    known = [context.stripped.get(a.id) for a in articles] if context.stripped else None
    with stage("clean"):
        cleaned = clean_corpus([a.text for a in articles], [a.title for a in articles],
                               config.boilerplate_min_docs, config.cores if processes is None else processes,
                               keep_texts=keep_texts, boilerplate=context.boilerplate, stripped=known,
                               profile=config.site_profile)
    with stage("sketch"):
        sketches = sketch(cleaned.tokens, config.shingle_size, config.num_perm, config.seed, with_signatures)
    return Prepared(cleaned, sketches)


def prepared_from(tokens: Tokens, fingerprints: np.ndarray, junk_only: np.ndarray, boilerplate: np.ndarray,
                  config: DedupeConfig, with_signatures: bool = True, page_lines: np.ndarray | None = None,
                  credits: np.ndarray | None = None) -> Prepared:
    """Articles that :func:`prepare` made ready elsewhere, from what it gave for them: their
    tokens (:meth:`dedupe.tokens.Tokens.unpack` of the packed ones), fingerprints, junk flags,
    page lines and credits (:class:`dedupe.clean.CleanCorpus`; the last two, which only choose
    canonicals, may be left out by a job that scores pairs alone), and the boilerplate removed.
    A job that prepares articles once and compares them in other processes (the Spark job) sketches them here again,
    which costs little next to cleaning; the cleaned texts are not kept."""
    no_lines = (np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64))
    none = np.zeros(len(tokens), dtype=np.int64)
    cleaned = CleanCorpus([], tokens, np.asarray(fingerprints, dtype=np.uint64), boilerplate, no_lines,
                          np.asarray(junk_only, dtype=bool), none if page_lines is None else np.asarray(page_lines),
                          none.astype(np.int8) if credits is None else np.asarray(credits, dtype=np.int8))
    return Prepared(cleaned, sketch(tokens, config.shingle_size, config.num_perm, config.seed, with_signatures))
