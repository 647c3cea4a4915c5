"""Verification: candidate pairs → scores and a verdict for each pair.

Scores, all vectorised over the pairs:

* **cosine** of the TF-IDF vectors (scikit-learn's ``TfidfTransformer`` over hashed words);
* **shingle containment** both ways: the share of one article's shingles found in the other's;
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

The package keeps measuring apart from deciding: :mod:`.overlap`, :mod:`.tfidf` and
:mod:`.alignment` compute scores (compiled kernels), :mod:`.scores` holds them
(:class:`PairScores`, read-only), :mod:`.rules` decides with thresholds named in one place, and
:class:`Verifier` wires one corpus to both.
"""

from __future__ import annotations

from .rules import (Decision, digest_flags, find_digests, held_items, refuse_digests, refused_by_digest,
                    small_part)
from .scores import Gap, Oriented, PairScores, orient, shorter_longer
from .tfidf import TFIDF_FEATURES, idf_weights, word_columns
from .verifier import Verifier

__all__ = ["Decision", "Gap", "Oriented", "PairScores", "Verifier", "TFIDF_FEATURES", "digest_flags", "find_digests",
           "held_items", "idf_weights", "orient", "refuse_digests", "refused_by_digest", "shorter_longer",
           "small_part", "word_columns"]
