"""The clean stage on Spark: each article stripped once (:func:`dedupe.clean.strip_pages`) and
numbered in id order, and the page boilerplate learnt from all of them with the local rule
(:class:`dedupe.boilerplate.BoilerplateLearner`'s ``judged``, ``sample_of`` and ``spans_stories``)."""

from __future__ import annotations

from typing import Iterator

import numpy as np
import pandas as pd

from ..boilerplate import BoilerplateLearner
from ..clean import strip_pages
from ..config import DedupeConfig
from ..site_profile import SiteProfile
from ..tokens import Lines, tokenize_lines
from .frames import FIELDS, KEY_TYPE, bucketed, fresh, release_batch

__all__ = ["stripped_articles", "learn_boilerplate", "unpack_lines"]


def stripped_articles(frame, text_col: str, id_col: str, config: DedupeConfig):
    """The frame's articles, one row per id, numbered in id order (``n``), their text stripped
    (:func:`_strip`, with ``config``'s site profile), cached; and how many there are."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    columns = {name: frame[col] for name, col in (("id", id_col), ("text", text_col))}
    for name in FIELDS[2:]:
        columns[name] = frame[name] if name in frame.columns else F.lit(None)
    articles = frame.select(*[columns[name].cast("string").alias(name) for name in FIELDS]) \
        .where(F.col("id").isNotNull() & F.col("text").isNotNull() & (F.length(F.trim(F.col("text"))) > 0)).cache()
    counted = articles.agg(F.count("*").alias("rows"), F.countDistinct("id").alias("ids")).first()
    count = counted["rows"]
    if counted["ids"] < count:
        # An id on several rows: one row is kept, the same whatever the input's order, as a scan
        # keeps one article per id.
        first = Window.partitionBy("id").orderBy(*FIELDS[1:])
        kept = articles.withColumn("copy", F.row_number().over(first)).where("copy = 1").drop("copy").cache()
        articles.unpersist()
        articles, count = kept, kept.count()
    # Numbers in id order: the later shuffles, joins and groups move longs instead of strings, and
    # a rule that takes the smallest id (a crowded key's first holder, a story's label, a line's
    # sample) takes the smallest number. Ranges of ids, each sorted, numbered upwards.
    numbered = articles.repartitionByRange("id").sortWithinPartitions("id") \
        .withColumn("n", F.monotonically_increasing_id())
    # The costly part of cleaning, once per article: later stages read the stripped text (in
    # place of the text) and only tokenise it.
    profile = config.site_profile
    stripped = numbered.mapInPandas(lambda parts: _strip(parts, profile), f"{', '.join(f'{c} string' for c in FIELDS)}, n long, junk boolean, "
                                            "page_lines long, credit byte, title_fits boolean, "
                                            "openings array<string>, caption string, lines binary").cache()
    stripped.count()
    articles.unpersist()
    return stripped, count


def learn_boilerplate(articles, config: DedupeConfig) -> np.ndarray:
    from pyspark.sql import functions as F

    learner = BoilerplateLearner(config.boilerplate_min_docs)
    lines = articles.mapInPandas(lambda parts: _short_lines(parts, learner), f"n long, key {KEY_TYPE}")
    counts = lines.groupBy("key").agg(F.count("*").alias("holders"))
    held = counts.mapInPandas(lambda parts: (p[learner.judged(p["holders"].to_numpy())] for p in parts), counts.schema)
    holders = lines.join(held.select("key"), "key").groupBy("key").agg(F.array_sort(F.collect_list("n")).alias("ns"))
    sampled = holders.mapInPandas(lambda parts: _samples(parts, learner), f"key {KEY_TYPE}, n long").cache()
    # Lines are judged in buckets, each cleaning the texts its samples need once.
    sample = bucketed(sampled, "key", sampled.count())
    texts = fresh(sample, "bucket", "n").distinct().join(articles.select("n", "lines"), "n")
    judged = sample.groupBy("bucket").cogroup(texts.groupBy("bucket")).applyInPandas(
        lambda holders, held_texts: _judge_lines(holders, held_texts, learner), f"key {KEY_TYPE}, learnt boolean")
    learnt = [row.key for row in judged.where("learnt").collect()]
    sampled.unpersist()
    return np.sort(np.array(learnt, dtype=np.int64).view(np.uint64))


def _samples(parts: Iterator[pd.DataFrame], learner: BoilerplateLearner) -> Iterator[pd.DataFrame]:
    """Each line's sample of holders (:meth:`~dedupe.boilerplate.BoilerplateLearner.sample_of`)."""
    for part in parts:
        chosen = [learner.sample_of(ns) for ns in part["ns"]]
        yield pd.DataFrame({"key": np.repeat(part["key"].to_numpy(), [len(c) for c in chosen]),
                            "n": np.concatenate(chosen).astype(np.int64) if chosen else np.zeros(0, np.int64)})


def _short_lines(parts: Iterator[pd.DataFrame], learner: BoilerplateLearner) -> Iterator[pd.DataFrame]:
    for part in parts:
        keys, docs = learner.short_lines(unpack_lines(part["lines"]))
        yield pd.DataFrame({"n": part["n"].to_numpy()[docs], "key": keys.view(np.int64)})


def _strip(parts: Iterator[pd.DataFrame], profile: SiteProfile) -> Iterator[pd.DataFrame]:
    """Articles with their text stripped (:func:`dedupe.clean.strip_pages`, with ``profile``'s page junk), with a ``junk`` flag,
    ``page_lines`` and ``credit`` (:class:`dedupe.clean.Stripped`), and their hashed lines packed
    (:meth:`dedupe.tokens.Lines.pack`): what boilerplate learning reads."""
    for part in parts:
        pages, titles = list(part["text"]), [t if isinstance(t, str) else None for t in part["title"]]
        done = strip_pages(pages, titles, profile=profile)
        texts = [s.text for s in done]
        offers = [s.offers for s in done]  # read in the page as it came: later stages see the stripped text
        release_batch()
        yield part.assign(text=texts, junk=[s.junk_only for s in done], page_lines=[s.page_lines for s in done],
                          credit=np.array([s.credit for s in done], dtype=np.int8),
                          title_fits=[o.title_fits for o in offers], openings=[list(o.openings) for o in offers],
                          caption=[o.caption for o in offers],
                          lines=_packed_lines(texts))


def _packed_lines(texts: list[str]) -> list[bytes]:
    tokens, lines = tokenize_lines(texts, nfkc=False)
    return lines.pack(tokens.offsets)


def unpack_lines(blobs) -> Lines:
    """The lines of texts packed by :meth:`dedupe.tokens.Lines.pack`, in order."""
    return Lines.unpack(list(blobs))


def _judge_lines(holders: pd.DataFrame, texts: pd.DataFrame, learner: BoilerplateLearner) -> pd.DataFrame:
    """Whether each line of a bucket spans stories, judged on its sample of holders."""
    texts = texts.sort_values("n")
    where = pd.Series(np.arange(len(texts)), index=texts["n"])
    holders = holders.sort_values(["key", "n"])  # each sample in id order, as the local learner has it
    keys, starts = np.unique(holders["key"].to_numpy(), return_index=True)
    samples = np.split(where[holders["n"]].to_numpy(), starts[1:])
    spans = learner.spans_stories(keys.view(np.uint64), samples, unpack_lines(texts["lines"]))
    return pd.DataFrame({"key": keys, "learnt": spans})
