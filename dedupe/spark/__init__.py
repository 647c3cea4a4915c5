"""The same deduplication on Apache Spark, for corpora beyond one machine.

Every stage runs the local implementation on Spark's executors (``mapInPandas``,
``applyInPandas``); Spark only moves the data between them. What a local run learns from the
whole corpus is learnt here with group-bys over all of it, and handed to the stages as a
:class:`dedupe.pipeline.CorpusContext`:

1. **boilerplate**: each article's short lines; the lines held by enough articles are judged
   on a sample of their holders (the first by id), as :class:`~dedupe.clean.BoilerplateLearner`
   does;
2. **sketches**: each article's LSH band buckets and anchors
   (:func:`dedupe.candidates.lookup_keys`), and its hashed word columns, whose document
   frequencies give the TF-IDF weights;
3. **candidates**: pairs from the keys with a group-by, under the rules of
   :func:`dedupe.candidates.candidate_pairs` (a crowded key links to its first holder only;
   anchors need two shared, or all of the fewer);
4. **verification**: the pairs, in blocks by their first article, scored by
   :class:`dedupe.verify.Verifier`; digests found per longer article;
5. **stories**: connected components of the accepted pairs, by large-star/small-star inside
   Spark, so no edge list reaches the driver; each component is then clustered by the local
   pipeline, which picks canonicals and roles.

``pyspark`` is the ``[spark]`` extra; nothing else in the package imports this module.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np
import pandas as pd

from ..article import Article, Role, parse_published
from ..candidates import ANCHOR_BUCKET, BAND_KEY, MAX_BUCKET, lookup_keys
from ..clean import BoilerplateLearner, clean_article, clean_corpus
from ..config import DedupeConfig
from ..io.writers import COLUMNS
from ..pipeline import CorpusContext, Deduplicator
from ..sketch import sketch
from ..tokens import tokenize_lines
from ..verify import Verifier, digest_flags, word_columns
from .components import connected_components

__all__ = ["deduplicate", "FIELDS"]

FIELDS = ("id", "text", "title", "source", "url", "published")
"""The article columns the job reads; all but ``id`` and ``text`` may be absent."""

_KEY = "long"  # uint64 keys travel as Spark longs, with the same bits


def deduplicate(frame, text_col: str = "text", id_col: str = "id", config: DedupeConfig | None = None):
    """Deduplicate a Spark DataFrame of articles, one row each; return one row per article with
    the columns of ``dedupe scan -o`` (:data:`dedupe.io.writers.COLUMNS`).

    ``title``, ``source``, ``url`` and ``published`` (ISO 8601 text or a timestamp) are read when
    the frame has them. Ids must be unique, and rows without text are left out.
    """
    from pyspark.sql import functions as F

    config = config or DedupeConfig()
    columns = {name: frame[col] for name, col in (("id", id_col), ("text", text_col))}
    for name in FIELDS[2:]:
        columns[name] = frame[name] if name in frame.columns else F.lit(None)
    articles = frame.select(*[columns[name].cast("string").alias(name) for name in FIELDS]) \
        .where(F.col("text").isNotNull() & (F.length(F.trim(F.col("text"))) > 0)).cache()
    count = articles.count()

    boilerplate = _learn_boilerplate(articles, config)
    keys = articles.mapInPandas(lambda parts: _sketch_keys(parts, config, boilerplate),
                                "id string, kind byte, value long").cache()
    idf = _idf(keys, count)
    pairs = _candidate_pairs(keys).cache()
    scored = _score(articles, pairs, config, boilerplate, idf).cache()
    digests = _digests(scored)
    accepted = _accepted(scored, digests)
    component = connected_components(accepted.select(F.col("a").alias("src"), F.col("b").alias("dst")))
    # Each side of the cogroup gets a story column of its own: one shared would be ambiguous.
    members = articles.join(component, on="id").withColumn("story", F.concat(F.col("component"), F.lit(""))) \
        .drop("component")
    # A story's pairs: both ends in it, accepted or not (every pair scored counts to support).
    story_pairs = pairs.join(component.select(F.col("id").alias("a"), "component"), on="a") \
        .join(component.select(F.col("id").alias("b"), F.col("component").alias("component_b")), on="b") \
        .where(F.col("component") == F.col("component_b")) \
        .withColumn("story", F.concat(F.col("component"), F.lit(""))).drop("component", "component_b")
    digest_ids = digests.select(F.col("longer").alias("id"), F.lit(True).alias("digest"))
    members = members.join(digest_ids, on="id", how="left").fillna(False, subset=["digest"])
    stories = members.groupBy("story").cogroup(story_pairs.groupBy("story")).applyInPandas(
        lambda people, links: _story_verdicts(people, links, config, boilerplate, idf), _schema())
    alone = articles.join(component, on="id", how="left_anti")
    uniques = alone.select(
        F.col("id"), F.col("id").alias("cluster"), F.lit(Role.UNIQUE.value).alias("role"), F.col("id").alias("canonical"),
        *[F.lit(None).cast("double").alias(c) for c in ("similarity", "containment", "coverage")],
        F.lit(None).cast("string").alias("missing"), "title", "source", "url",
        F.col("published"), F.lit(None).cast("string").alias("path"))
    uniques = uniques.withColumn("published", _iso(F.col("published")))
    return stories.unionByName(uniques)


# -- boilerplate ----------------------------------------------------------------------------------


def _learn_boilerplate(articles, config: DedupeConfig) -> np.ndarray:
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    learner = BoilerplateLearner(config.boilerplate_min_docs)
    lines = articles.mapInPandas(lambda parts: _short_lines(parts, learner), f"id string, key {_KEY}")
    held = lines.groupBy("key").agg(F.count("*").alias("holders")).where(F.col("holders") >= learner.min_docs)
    by_id = Window.partitionBy("key").orderBy("id")
    sample = lines.join(held, "key").withColumn("rank", F.row_number().over(by_id)) \
        .where(F.col("rank") <= learner.sample).join(articles.select("id", "text", "title"), "id")
    judged = sample.groupBy("key").applyInPandas(lambda rows: _judge_line(rows, learner), f"key {_KEY}, learnt boolean")
    learnt = [row.key for row in judged.where("learnt").collect()]
    return np.sort(np.array(learnt, dtype=np.int64).view(np.uint64))


def _short_lines(parts: Iterator[pd.DataFrame], learner: BoilerplateLearner) -> Iterator[pd.DataFrame]:
    for part in parts:
        stripped = [clean_article(t, title) for t, title in zip(part["text"], part["title"])]
        keys, docs = learner.short_lines(tokenize_lines(stripped, nfkc=False)[1])
        yield pd.DataFrame({"id": part["id"].to_numpy()[docs], "key": keys.view(np.int64)})


def _judge_line(rows: pd.DataFrame, learner: BoilerplateLearner) -> pd.DataFrame:
    rows = rows.sort_values("id")
    stripped = [clean_article(t, title) for t, title in zip(rows["text"], rows["title"])]
    key = np.array([rows["key"].iloc[0]], dtype=np.int64).view(np.uint64)
    spans = learner.spans_stories(key, [np.arange(len(rows))], tokenize_lines(stripped, nfkc=False)[1])
    return pd.DataFrame({"key": key.view(np.int64), "learnt": spans})


# -- sketches, weights and candidates -------------------------------------------------------------

_BAND, _ANCHOR, _COLUMN, _ANCHORS = 0, 1, 2, 3  # kinds of the rows _sketch_keys gives


def _sketch_keys(parts: Iterator[pd.DataFrame], config: DedupeConfig, boilerplate: np.ndarray) -> Iterator[pd.DataFrame]:
    """Per article: its band buckets, its anchors, how many anchors it has, and its hashed word
    columns, as ``(id, kind, value)`` rows."""
    for part in parts:
        cleaned = clean_corpus(list(part["text"]), list(part["title"]), config.boilerplate_min_docs, 1,
                               keep_texts=False, boilerplate=boilerplate)
        sketches = sketch(cleaned.tokens, config.shingle_size, config.num_perm, config.seed)
        keys, offsets = lookup_keys(sketches, config.lsh_threshold, config.anchor_rate)
        ids = part["id"].to_numpy()
        owner = np.repeat(np.arange(len(ids)), np.diff(offsets))
        band = (keys & BAND_KEY) != 0
        anchors = np.bincount(owner[~band], minlength=len(ids))
        matrix = word_columns(sketches)
        column_owner = np.repeat(np.arange(len(ids)), np.diff(matrix.indptr))
        yield pd.DataFrame({
            "id": np.concatenate([ids[owner], ids, ids[column_owner]]),
            "kind": np.concatenate([np.where(band, _BAND, _ANCHOR), np.full(len(ids), _ANCHORS),
                                    np.full(len(column_owner), _COLUMN)]).astype(np.int8),
            "value": np.concatenate([keys.view(np.int64), anchors, matrix.indices.astype(np.int64)]),
        })


def _idf(keys, count: int) -> np.ndarray:
    """TF-IDF weights from the document frequency of each column, as scikit-learn's smooth idf."""
    frequency = keys.where(f"kind = {_COLUMN}").groupBy("value").count().collect()
    columns = np.array([row.value for row in frequency], dtype=np.int64)
    documents = np.zeros(1 << 20, dtype=np.float64)
    documents[columns] = [row["count"] for row in frequency]
    return np.log((1 + count) / (1 + documents)) + 1


def _candidate_pairs(keys):
    """Candidate pairs ``(a, b)``, ``a < b`` by id, as :func:`dedupe.candidates.candidate_pairs`
    finds them."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    by_key = Window.partitionBy("kind", "value")
    held = keys.where(f"kind IN ({_BAND}, {_ANCHOR})") \
        .withColumn("holders", F.count("*").over(by_key)).withColumn("first", F.min("id").over(by_key))
    crowded = F.col("holders") > F.when(F.col("kind") == _BAND, MAX_BUCKET).otherwise(ANCHOR_BUCKET)
    # A crowded key links each holder to its first one; the others link every two holders.
    star = held.where(crowded & (F.col("id") != F.col("first"))).select(
        "kind", "value", F.col("first").alias("a"), F.col("id").alias("b"))
    small = held.where(~crowded)
    mesh = small.alias("x").join(small.alias("y"), ["kind", "value"]).where("x.id < y.id") \
        .select("kind", "value", F.col("x.id").alias("a"), F.col("y.id").alias("b"))
    links = star.unionByName(mesh)
    bands = links.where(f"kind = {_BAND}").select("a", "b")
    anchors = keys.where(f"kind = {_ANCHORS}").select("id", F.col("value").alias("anchors"))
    shared = links.where(f"kind = {_ANCHOR}").groupBy("a", "b").agg(F.count("*").alias("shared")) \
        .join(anchors.withColumnRenamed("id", "a").withColumnRenamed("anchors", "anchors_a"), "a") \
        .join(anchors.withColumnRenamed("id", "b").withColumnRenamed("anchors", "anchors_b"), "b") \
        .where(F.col("shared") >= F.least(F.lit(2), F.col("anchors_a"), F.col("anchors_b"))).select("a", "b")
    return bands.unionByName(shared).distinct()


# -- verification ----------------------------------------------------------------------------------


def _score(articles, pairs, config: DedupeConfig, boilerplate: np.ndarray, idf: np.ndarray):
    """Every candidate pair scored, in blocks of the pairs of one first article: accepted or not
    by the verifier's rules, and what the digest guard needs."""
    from pyspark.sql import functions as F

    block = pairs.join(articles.select("id", "text", "title").withColumnRenamed("id", "b"), "b") \
        .select("a", "b", "text", "title")
    heads = articles.select(F.col("id").alias("a"), F.col("id").alias("b"), "text", "title") \
        .join(pairs.select("a").distinct(), "a")
    rows = block.unionByName(heads)
    return rows.groupBy("a").applyInPandas(
        lambda part: _score_block(part, config, boilerplate, idf),
        "a string, b string, accepted boolean, item boolean, longer string, lead long, last long, coverage double")


def _score_block(part: pd.DataFrame, config: DedupeConfig, boilerplate: np.ndarray, idf: np.ndarray) -> pd.DataFrame:
    head = part["a"].iloc[0]
    texts = part.drop_duplicates("b").sort_values("b")
    ids = list(texts["b"])
    where = {i: k for k, i in enumerate(ids)}
    cleaned = clean_corpus(list(texts["text"]), list(texts["title"]), config.boilerplate_min_docs, 1,
                           keep_texts=False, boilerplate=boilerplate)
    sketches = sketch(cleaned.tokens, config.shingle_size, config.num_perm, config.seed)
    verifier = Verifier(sketches, cleaned, config, idf=idf)
    others = [b for b in ids if b != head]
    pairs = np.array([sorted((where[head], where[b])) for b in others], dtype=np.int64).reshape(-1, 2)
    scores = verifier.score(pairs)
    oriented = verifier.oriented(scores)
    _, longer = verifier.shorter_longer(scores)
    return pd.DataFrame({
        "a": [ids[i] for i in pairs[:, 0]], "b": [ids[j] for j in pairs[:, 1]], "accepted": scores.accepted,
        "item": verifier.held_items(oriented.containment, oriented.coverage),
        "longer": [ids[k] for k in longer], "lead": oriented.lead.astype(np.int64),
        "last": oriented.last.astype(np.int64), "coverage": oriented.coverage.astype(np.float64),
    })


def _digests(scored):
    """The articles that hold, in separate places, several texts that are small parts of them."""
    return scored.where("item").groupBy("longer").applyInPandas(_digest, "longer string, digest boolean") \
        .where("digest")


def _digest(items: pd.DataFrame) -> pd.DataFrame:
    items = items.sort_values(["a", "b"])  # pair order, as a local run has them
    flag = digest_flags(np.zeros(len(items), dtype=np.int64), items["lead"].to_numpy(), items["last"].to_numpy(), 1)
    return pd.DataFrame({"longer": [items["longer"].iloc[0]], "digest": flag})


def _accepted(scored, digests):
    """Accepted pairs, but those whose longer text is a digest holding the shorter as an item."""
    from pyspark.sql import functions as F
    flagged = digests.select("longer", F.lit(True).alias("is_digest"))
    return scored.join(flagged, "longer", "left").where(
        F.col("accepted") & ~(F.coalesce(F.col("is_digest"), F.lit(False)) & (F.col("coverage") < 0.5)))


# -- stories -----------------------------------------------------------------------------------------


def _schema() -> str:
    kinds = {"similarity": "double", "containment": "double", "coverage": "double"}
    return ", ".join(f"{c} {kinds.get(c, 'string')}" for c in COLUMNS)


def _story_verdicts(people: pd.DataFrame, links: pd.DataFrame, config: DedupeConfig, boilerplate: np.ndarray,
                    idf: np.ndarray) -> pd.DataFrame:
    """One story's articles (a component of accepted pairs) clustered by the local pipeline."""
    articles = [Article.from_dict({k: v for k, v in row.items() if k in FIELDS and v is not None and v == v})
                for row in people.to_dict("records")]
    run = CorpusContext(boilerplate=boilerplate, idf=idf,
                        pairs=list(zip(links["a"], links["b"])),
                        digests=frozenset(people.loc[people["digest"], "id"]))
    records = [v.to_record() for v in Deduplicator(config.replace(n_jobs=1)).run(articles, context=run).verdicts]
    return pd.DataFrame(records, columns=list(COLUMNS))


def _iso(column):
    """A ``published`` value as the output writes it: ISO 8601, as the reader parses it."""
    from pyspark.sql import functions as F
    return F.udf(lambda v: parse_published(v).isoformat() if v else None, "string")(column)
