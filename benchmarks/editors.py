"""The editor's set: the syndication set as an editor's desk receives it, to measure canonicals.

Built from the labelled syndication set (:mod:`benchmarks.syndication`): every article loses its
publication time and its id becomes a hash, so neither the clock nor the order of ids favours the
agency's original; outlets' copies gain page furniture at the top as well as at the bottom, and
half of the duplicates a house's "said on <day>". The original keeps ``source="Reuters"``, as an
agency's feed names itself, and the copies their outlets' names. Nothing in ``dedupe`` reads the
labels.

What it measures (see :func:`editor_scores`):

* **original canonical**: the share of stories with copies whose canonical is the agency's original, or a
  copy that extends it (local paragraphs added, a write-through): the version an editor runs;
* **duplicates called duplicate**: the share of copies that reproduce the whole story (with
  furniture, a dateline, house edits) and are ``duplicate`` by the labels, that dedupe calls
  ``duplicate``.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import replace
from typing import Mapping, Sequence

from dedupe import Article

from .syndication import Labelled

__all__ = ["editor_set", "editor_scores", "EXTENDING"]

EXTENDING = ("extended", "write-through")  # copies more complete than the original by design
_TOP_FURNITURE = ["Advertisement", "Share this article", "Share on Facebook Share on Twitter Share via Email",
                  "Skip to main content", "Subscribe to our newsletter"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def _hashed(seed: int, article_id: str) -> str:
    return hashlib.blake2b(f"{seed}:{article_id}".encode(), digest_size=6).hexdigest()


def editor_set(corpus: Sequence[Article], labels: Sequence[Labelled], seed: int) -> tuple[list[Article], list[Labelled]]:
    """The articles and labels of the syndication set, made into the editor's set (see the
    module's docstring)."""
    rng = random.Random(f"editors:{seed}")
    kinds = {label.id: label.kind for label in labels}
    new = {a.id: _hashed(seed, a.id) for a in corpus}
    articles = []
    for article in corpus:
        text = article.text
        kind = kinds.get(article.id)
        if kind not in (None, "source", "single"):
            if rng.random() < 0.5:
                text = "\n\n".join(rng.sample(_TOP_FURNITURE, rng.randint(1, 2))) + "\n\n" + text
            if kind == "duplicate" and rng.random() < 0.5:
                day = rng.choice(_DAYS)
                text = re.sub(r"\bsaid\b", lambda m: f"said on {day}" if rng.random() < 0.5 else m.group(0), text)
        articles.append(replace(article, id=new[article.id], text=text, published=None))
    relabelled = [replace(label, id=new[label.id], cluster=new.get(label.cluster, label.cluster),
                          canonical=new.get(label.canonical, label.canonical)) for label in labels]
    return articles, relabelled


def editor_scores(labels: Sequence[Labelled], roles: Mapping[str, str], canonicals: Mapping[str, str]) -> dict[str, float]:
    """Original canonical and duplicates called duplicate (see the module's docstring), as
    shares, with their counts."""
    acceptable: dict[str, set[str]] = {}
    for label in labels:
        if label.kind in ("single", "source"):
            continue
        acceptable.setdefault(label.cluster, {label.cluster})  # stories with copies: where there is a choice
        if label.kind in EXTENDING:
            acceptable[label.cluster].add(label.id)
    right = sum(canonicals[source] in ok for source, ok in acceptable.items())
    duplicates = [label for label in labels if label.kind == "duplicate" and label.role == "duplicate"]
    called = sum(roles[label.id] == "duplicate" for label in duplicates)
    return {"original_canonical": right / len(acceptable) if acceptable else float("nan"),
            "stories": len(acceptable),
            "duplicate_role": called / len(duplicates) if duplicates else float("nan"),
            "duplicates": len(duplicates)}
