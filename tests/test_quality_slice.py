"""A small, fixed-seed slice of the quality benchmark, built from the project's own sample
articles: the figures must not fall below what the pipeline reaches today."""

from __future__ import annotations

import random
from pathlib import Path

from benchmarks.metrics import pairwise, truncated_recall
from benchmarks.syndication import Labelled, expected_story, make_copies, split_story
from dedupe import Article, find_duplicates, read_articles

from conftest import SAMPLE

POOL = (Path(__file__).parent / "fixtures" / "local_paragraphs.txt").read_text(encoding="utf-8").split("\n\n")
SEEDS = range(3)
# The sample's own copies stay out: each story enters once, as a source.
SAMPLE_COPIES = {"ledger-port-terminal.txt", "coastnews-port-terminal.txt", "expatdaily-port-terminal.txt",
                 "northern-emirates-port-terminal.txt", "alkhaleej-desalination-ar", "albayan-desalination-ar"}


def build_slice(seed: int) -> tuple[list[Article], list[Labelled]]:
    """Every sample story of three paragraphs or more with four generated copies; the rest as they are."""
    pool = [p.strip() for p in POOL if p.strip()]
    random.Random(seed).shuffle(pool)
    corpus, labels = [], []
    for article in sorted(read_articles([SAMPLE]).articles, key=lambda a: a.id):
        if article.id in SAMPLE_COPIES:
            continue
        story = split_story(article.id, article.title or "", article.text, article.published)
        if len(story.paragraphs) >= 3 and len(pool) >= 4:
            copies = make_copies(story, pool, random.Random(f"{seed}:{article.id}"), count=4)
            corpus.append(article)
            corpus += [Article(c.id, c.text, title=c.title, source=c.outlet, published=c.published) for c in copies]
            labels += expected_story(story, copies)
        else:
            corpus.append(article)
            labels.append(Labelled(article.id, article.id, "unique", article.id, "single"))
    return corpus, labels


def test_slice_keeps_its_f1_and_truncated_recall() -> None:
    # Today's figures on this slice: F1 0.958, 0.961, 0.966 and 13 of 14 copies cut short found
    # (the corpus is too small to learn the outlets' footers, which costs a few copies).
    f1, found, total = [], 0, 0
    for seed in SEEDS:
        corpus, labels = build_slice(seed)
        truth = {label.id: label.cluster for label in labels}
        result = find_duplicates(corpus)
        predicted = {v.id: v.cluster for v in result.verdicts}
        ids = sorted(truth)
        scores = pairwise([truth[i] for i in ids], [predicted[i] for i in ids])
        assert scores["precision"] == 1.0, (seed, scores)
        f1.append(scores["f1"])
        for bucket_found, bucket_total in truncated_recall(labels, predicted).values():
            found, total = found + bucket_found, total + bucket_total
    assert min(f1) >= 0.95, f1
    assert total >= 10 and found >= total - 1, (found, total)
