"""Preparation: articles → what every later stage reads, made once.

:func:`prepare` cleans (page junk, furniture, learnt boilerplate), tokenises and sketches a batch
of articles; it is the only way into candidates, verification and clustering, for a scan, an
index add, ``dedupe explain`` and the Spark job alike. What a run over a larger corpus learnt
comes in a :class:`CorpusContext`, and so does the costly, per-article part of cleaning when it
was done already (:func:`dedupe.clean.strip_pages`): an index add and the Spark job clean each
article once. An index keeps each article as :func:`prepare_once` made it (a
:class:`PreparedArticle`), and :func:`prepared_context` gives it back to later runs with the
boilerplate learnt by then removed.
"""

from __future__ import annotations

import struct
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Callable, ContextManager, Mapping, NamedTuple, Sequence

import numpy as np
import orjson

from .article import Article
from .candidates import lookup_keys
from .clean import CleaningPool, CleanCorpus, Stripped, clean_corpus, strip_pages
from .headline import TextOffers
from .config import DedupeConfig
from .sketch import Sketches, sketch
from .tokens import Lines, Tokens, tokenize_lines

__all__ = ["CorpusContext", "Prepared", "PreparedArticle", "prepare", "prepare_once", "prepared_context",
           "prepared_from"]


@dataclass(frozen=True)
class CorpusContext:
    """What a run over a whole corpus learns from all of it, for a run over a part of it to give
    the same results.

    ``boilerplate``: the keys of the lines learnt as boilerplate (see
    :class:`dedupe.boilerplate.BoilerplateLearner`); ``idf``: the TF-IDF weight of each hashed word
    column; ``pairs``: the candidate pairs among the part's articles, as id pairs; ``digests``:
    the ids of its articles that hold several stories, as pairs outside the part show (the run
    flags those its own pairs show too). Each one left ``None`` is learnt from the articles of the
    run itself. ``arrival``: when each article arrived (any increasing number), to
    rank versions without a publication time as the earliest published are ranked (an index
    knows the order it received its articles in; a batch does not). ``stripped``: by id, what
    :func:`dedupe.clean.strip_pages` made of articles already, so that they are not cleaned again.
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


class PreparedArticle(NamedTuple):
    """One article cleaned and hashed, once, in a form that outlives the run: what an index
    stores, so that an article is never cleaned again whatever boilerplate is learnt later.
    Learnt boilerplate is not removed here: :func:`prepared_context` removes the lines learnt
    by the time the article is compared."""

    tokens: bytes
    """Its words with every line (:meth:`dedupe.tokens.Tokens.pack`), fingerprint first."""
    lines: bytes
    """Its lines (:meth:`dedupe.tokens.Lines.pack`): the keys by which boilerplate is learnt and removed."""
    junk_only: bool
    page_lines: int
    """Lines of the page's own that stripping dropped (:attr:`dedupe.clean.Stripped.page_lines`)."""
    credit: int
    offers: TextOffers

    def to_bytes(self) -> bytes:
        """The record as bytes (:meth:`from_bytes` reads them back)."""
        head = struct.pack(_HEAD, len(self.tokens), len(self.lines), self.junk_only, self.page_lines, self.credit)
        fits, openings, caption = self.offers
        return head + self.tokens + self.lines + orjson.dumps([fits, list(openings), caption])

    @classmethod
    def from_bytes(cls, blob: bytes) -> "PreparedArticle":
        """The record :meth:`to_bytes` wrote; ``ValueError`` for bytes it did not write."""
        try:
            tokens, lines, junk_only, page_lines, credit = struct.unpack_from(_HEAD, blob)
            start = struct.calcsize(_HEAD)
            end = start + tokens + lines
            if end > len(blob) or (tokens - 8) % 9 >= 8 or tokens < 8 or lines % 21:
                raise ValueError("its sizes do not fit its bytes")
            fits, openings, caption = orjson.loads(blob[end:])
            return cls(blob[start:start + tokens], blob[start + tokens:end], bool(junk_only), page_lines, credit,
                       TextOffers(bool(fits), tuple(openings), str(caption)))
        except (struct.error, orjson.JSONDecodeError, TypeError) as error:
            raise ValueError(f"its prepared text is damaged ({error})") from None


_HEAD = "<IIBqb"  # a PreparedArticle's sizes of tokens and lines, junk flag, page lines, credit


def prepare_once(articles: Sequence[Article], config: DedupeConfig,
                 pool: CleaningPool | None = None) -> list[PreparedArticle]:
    """Clean and hash ``articles`` (the costly part: :func:`dedupe.clean.strip_pages`, with the
    config's site profile, on ``pool``'s processes when given), each once, into records that any
    later run takes back (:func:`prepared_context`)."""
    texts, titles = [a.text for a in articles], [a.title for a in articles]
    stripped = pool.strip(texts, titles, config.site_profile) if pool is not None \
        else strip_pages(texts, titles, config.cores, config.site_profile)
    tokens, lines = tokenize_lines([s.text for s in stripped], nfkc=False)  # clean_article normalised them
    return [PreparedArticle(t, l, s.junk_only, s.page_lines, s.credit, s.offers)
            for t, l, s in zip(tokens.pack(), lines.pack(tokens.offsets), stripped)]


def prepared_context(ids: Sequence[str], records: Sequence[PreparedArticle],
                     boilerplate: np.ndarray) -> CorpusContext:
    """The context of a run over the articles ``ids`` prepared as ``records``
    (:func:`prepare_once`), with the lines of ``boilerplate`` removed from them: the run cleans
    none of them again (:func:`prepare` takes them back)."""
    tokens = Tokens.unpack([r.tokens for r in records])
    lines = Lines.unpack([r.lines for r in records])
    fingerprints = tokens.fingerprints.copy()  # identical texts are told before boilerplate goes
    gone = np.isin(lines.keys, boilerplate)
    removed = np.bincount(lines.owner[gone], minlength=len(records))
    kept = tokens.without_lines(lines, gone)
    ready = {i: (packed, int(fingerprint), r.junk_only, r.page_lines + int(more), r.credit)
             for i, packed, fingerprint, r, more in zip(ids, kept.pack(), fingerprints.view(np.int64).tolist(),
                                                         records, removed.tolist())}
    return CorpusContext(boilerplate=np.asarray(boilerplate, dtype=np.uint64), prepared=ready,
                         offers={i: r.offers for i, r in zip(ids, records)})


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
