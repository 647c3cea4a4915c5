"""The same deduplication on Apache Spark, for corpora beyond one machine.

Every stage runs the local implementation on Spark's executors (``mapInPandas``,
``applyInPandas``); Spark only moves the data between them. What a local run learns from the
whole corpus is learnt here with group-bys over all of it, and handed to the stages as a
:class:`dedupe.prepare.CorpusContext`:

0. **stripping**: the costly, per-article part of cleaning (:func:`dedupe.clean.strip_pages`),
   once per article, which is numbered in id order on the way in (``n``: shuffles, joins and
   groups move these numbers, not the ids);
1. **boilerplate**: each article's short lines; the lines held by enough articles are judged
   on a sample of their holders, by :class:`~dedupe.boilerplate.BoilerplateLearner`'s own
   ``judged``, ``sample_of`` and ``spans_stories``;
2. **preparation**: each article prepared once (:func:`dedupe.prepare.prepare`): its packed
   tokens (:meth:`dedupe.tokens.Tokens.pack`), which scoring reads in place of the text
   (:func:`dedupe.prepare.prepared_from`); its LSH band buckets and anchors
   (:func:`dedupe.candidates.lookup_keys`); and its hashed word columns, whose document
   frequencies give the TF-IDF weights (:func:`dedupe.verify.idf_weights`);
3. **candidates**: pairs from the keys, in buckets of keys, by the rule of
   :mod:`dedupe.candidates` (:func:`~dedupe.candidates.key_links`, then
   :func:`~dedupe.candidates.linked` on the keys each pair shares);
4. **verification**: the pairs, in buckets by a label of their first article, scored by
   :class:`dedupe.verify.Verifier` on the prepared articles; digests found per longer article
   (:func:`dedupe.verify.digest_flags`), and refused by :func:`dedupe.verify.refused_by_digest`;
5. **stories**: connected components of the accepted pairs (:mod:`dedupe.spark.components`:
   on the driver for up to 5M pairs, beyond that inside Spark, so that no large edge list
   reaches the driver); buckets of whole components are then clustered by
   the local pipeline, on the prepared articles (``CorpusContext.prepared``), which picks
   canonicals and roles and makes each record
   (:meth:`dedupe.results.Verdict.to_record`, as for the articles in no story).

The stages that call the local code on groups (lines judged, pairs scored, stories clustered)
take them in buckets of a few thousand rows, hashed on the group: one call per bucket prepares
each text it needs once and works on whole arrays, where a call per group would spend its time
in Spark's per-group overhead.

``pyspark`` is the ``[spark]`` extra; nothing else in the package imports this module.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np
import pandas as pd

from ..article import Article, Role
from ..boilerplate import BoilerplateLearner
from ..candidates import anchor_counts, is_band, key_links, linked, shared_keys
from ..clean import strip_pages
from ..config import DedupeConfig
from ..heap import release_freed_memory
from ..pipeline import Deduplicator
from ..prepare import CorpusContext, prepare, prepared_from
from ..results import COLUMNS, SCORE_COLUMNS, Verdict
from ..tokens import Lines, Tokens, tokenize_lines
from ..verify import (TFIDF_FEATURES, Verifier, digest_flags, held_items, idf_weights, orient, refused_by_digest,
                      shorter_longer, small_part, word_columns)
from .components import connected_components

__all__ = ["deduplicate", "FIELDS"]

FIELDS = ("id", "text", "title", "source", "url", "published")
"""The article columns the job reads; all but ``id`` and ``text`` may be absent."""

_KEY = "long"  # uint64 keys travel as Spark longs, with the same bits
_BUCKET_ROWS = 5_000  # rows in one call of a bucketed stage: pairs, sampled holders or story members
# Lookup keys are small rows: a partition of whole keys, linked in one call, holds about this
# many (calls of 5,000 rows spent the candidate step in Python workers' per-call overhead).
_KEY_BUCKET_ROWS = 1_000_000
# Pairs are scored in buckets that unpack and sketch every article they hold: an article with
# pairs in many buckets is unpacked in each, so buckets of pairs are larger than the others.
_PAIR_BUCKET_ROWS = 50_000
# A frame of at most this many rows of numbers per article (32 MB as two longs) is copied to
# every executor for a join, instead of shuffling both sides of it.
_BROADCAST_ROWS = 2_000_000


def deduplicate(frame, text_col: str = "text", id_col: str = "id", config: DedupeConfig | None = None):
    """Deduplicate a Spark DataFrame of articles, one row each; return one row per article with
    the columns of ``dedupe scan -o`` (:data:`dedupe.results.COLUMNS`).

    ``title``, ``source``, ``url`` and ``published`` (ISO 8601 text or a timestamp) are read when
    the frame has them. Rows without an id or text are left out, and of the rows that share an
    id, all but one (the first by text, then the other fields).

    The result is computed and cached before it is returned; ``unpersist()`` it when done.
    """
    from pyspark.sql import functions as F

    config = config or DedupeConfig()
    articles, count = _stripped_articles(frame, text_col, id_col)
    boilerplate = _learn_boilerplate(articles, config)
    prepared = articles.mapInPandas(lambda parts: _prepare(parts, config, boilerplate), _PREPARED).cache()
    keys = prepared.mapInPandas(_key_rows, "n long, kind byte, value long, count int").cache()
    idf = _idf(keys, count)
    pairs = _candidate_pairs(keys, count).cache()
    scored = _score(prepared, pairs, config, boilerplate, idf, count)
    digests = _digests(scored).cache()
    accepted = _accepted(scored, digests, count)
    component = connected_components(accepted.select(F.col("a").alias("src"), F.col("b").alias("dst"))) \
        .withColumnRenamed("id", "n").cache()
    stories = _stories(articles, prepared, pairs, digests, component, count, config, boilerplate, idf)
    uniques = articles.select(*FIELDS, "n").join(_small(component, count), on="n", how="left_anti") \
        .mapInPandas(_unique_records, _schema())
    # The result is computed here, so that the frames it came from can be let go.
    result = stories.unionByName(uniques).cache()
    result.count()
    for step in (articles, prepared, keys, pairs, scored, digests, component):
        step.unpersist()
    return result


def _stripped_articles(frame, text_col: str, id_col: str):
    """The frame's articles, one row per id, numbered in id order (``n``), their text stripped
    (:func:`_strip`), cached; and how many there are."""
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
    stripped = numbered.mapInPandas(_strip, f"{', '.join(f'{c} string' for c in FIELDS)}, n long, junk boolean, "
                                            "lines binary").cache()
    stripped.count()
    articles.unpersist()
    return stripped, count


def _stories(articles, prepared, pairs, digests, component, count: int, config: DedupeConfig,
             boilerplate: np.ndarray, idf: np.ndarray):
    """The verdicts on the articles in stories: buckets of whole stories (components) clustered
    by the local pipeline, on the prepared articles. A story's verdicts depend on its own
    articles and pairs only, given the corpus context."""
    from pyspark.sql import functions as F

    in_stories = component.count()
    # The stories' articles and the digests are few numbers each: copied to the executors, they
    # pick the members and pairs without shuffling every article and pair to meet them.
    component = _small(component, in_stories)
    flagged = _small(digests.select(F.col("longer").alias("n"), F.lit(True).alias("digest")), count)
    members = articles.select(*FIELDS, "n").join(component, on="n") \
        .join(prepared.select("n", "tokens", "fingerprint", "junk_only"), "n") \
        .join(flagged, on="n", how="left").fillna(False, subset=["digest"])
    members = _bucketed(members, "component", in_stories)
    # A story's pairs: both ends in it, accepted or not (every pair scored counts to support).
    story_pairs = _bucketed(
        pairs.join(component.select(F.col("n").alias("a"), "component"), on="a")
        .join(component.select(F.col("n").alias("b"), F.col("component").alias("component_b")), on="b")
        .where(F.col("component") == F.col("component_b")), "component", in_stories).select("bucket", "a", "b")
    return members.drop("component").groupBy("bucket").cogroup(story_pairs.groupBy("bucket")).applyInPandas(
        lambda people, links: _story_verdicts(people, links, config, boilerplate, idf), _schema())


# -- boilerplate ----------------------------------------------------------------------------------


def _learn_boilerplate(articles, config: DedupeConfig) -> np.ndarray:
    from pyspark.sql import functions as F

    learner = BoilerplateLearner(config.boilerplate_min_docs)
    lines = articles.mapInPandas(lambda parts: _short_lines(parts, learner), f"n long, key {_KEY}")
    counts = lines.groupBy("key").agg(F.count("*").alias("holders"))
    held = counts.mapInPandas(lambda parts: (p[learner.judged(p["holders"].to_numpy())] for p in parts), counts.schema)
    holders = lines.join(held.select("key"), "key").groupBy("key").agg(F.array_sort(F.collect_list("n")).alias("ns"))
    sampled = holders.mapInPandas(lambda parts: _samples(parts, learner), f"key {_KEY}, n long").cache()
    # Lines are judged in buckets, each cleaning the texts its samples need once.
    sample = _bucketed(sampled, "key", sampled.count())
    texts = _fresh(sample, "bucket", "n").distinct().join(articles.select("n", "lines"), "n")
    judged = sample.groupBy("bucket").cogroup(texts.groupBy("bucket")).applyInPandas(
        lambda holders, held_texts: _judge_lines(holders, held_texts, learner), f"key {_KEY}, learnt boolean")
    learnt = [row.key for row in judged.where("learnt").collect()]
    sampled.unpersist()
    return np.sort(np.array(learnt, dtype=np.int64).view(np.uint64))


def _samples(parts: Iterator[pd.DataFrame], learner: BoilerplateLearner) -> Iterator[pd.DataFrame]:
    """Each line's sample of holders (:meth:`~dedupe.boilerplate.BoilerplateLearner.sample_of`)."""
    for part in parts:
        chosen = [learner.sample_of(ns) for ns in part["ns"]]
        yield pd.DataFrame({"key": np.repeat(part["key"].to_numpy(), [len(c) for c in chosen]),
                            "n": np.concatenate(chosen).astype(np.int64) if chosen else np.zeros(0, np.int64)})


def _bucketed(frame, column: str, rows: int, per_bucket: int = _BUCKET_ROWS):
    """``frame`` with a ``bucket`` column from the hash of ``column``, partitioned by it: enough
    buckets to keep every core busy, and few enough rows in each for one call to handle them at
    once. Frames to be cogrouped must be bucketed with the same ``rows``."""
    from pyspark.sql import functions as F

    cores = frame.sparkSession.sparkContext.defaultParallelism
    buckets = max(cores, -(-rows // per_bucket))
    # One partition per bucket: the group-by that follows reuses it instead of spreading the
    # buckets over spark.sql.shuffle.partitions mostly empty tasks.
    return frame.withColumn("bucket", F.pmod(F.xxhash64(column), F.lit(buckets))).repartition(buckets, "bucket")


def _small(frame, rows: int):
    """``frame`` (at most ``rows`` rows, one per article) marked to be copied to every executor
    for its joins when it is small (:data:`_BROADCAST_ROWS`)."""
    from pyspark.sql import functions as F
    return F.broadcast(frame) if rows <= _BROADCAST_ROWS else frame


def _fresh(frame, *columns: str):
    """``columns`` of ``frame`` as new columns: a cogroup of two frames derived from one cannot
    tell their shared columns apart."""
    from pyspark.sql import functions as F
    return frame.select(*[F.col(c).alias(c) for c in columns])


def _short_lines(parts: Iterator[pd.DataFrame], learner: BoilerplateLearner) -> Iterator[pd.DataFrame]:
    for part in parts:
        keys, docs = learner.short_lines(_unpack_lines(part["lines"]))
        yield pd.DataFrame({"n": part["n"].to_numpy()[docs], "key": keys.view(np.int64)})


def _strip(parts: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """Articles with their text stripped (:func:`dedupe.clean.strip_pages`), a ``junk`` flag,
    and their hashed lines packed (:func:`_pack_lines`): what boilerplate learning reads."""
    for part in parts:
        done = strip_pages(list(part["text"]), list(part["title"]))
        texts = [text for text, _ in done]
        _release()
        yield part.assign(text=texts, junk=[junk for _, junk in done],
                          lines=_pack_lines(tokenize_lines(texts, nfkc=False)[1]))


def _release() -> None:
    """Hand a Python worker's freed memory back between batches: two workers per core hold what
    their largest batch needed otherwise, in Arrow's pool and in the C heap."""
    import pyarrow as pa

    if pa.default_memory_pool().backend_name != "system":
        # Arrow's own allocators keep freed blocks for reuse; the system's gives them back.
        pa.set_memory_pool(pa.system_memory_pool())
    release_freed_memory()


def _pack_lines(lines: Lines) -> list[bytes]:
    """Each text's lines as bytes: their keys (uint64), sizes (int64) and data flags (uint8)."""
    keys, sizes = lines.keys.astype("<u8"), lines.sizes.astype("<i8")
    data = lines.data.astype(np.uint8)
    bounds = lines.offsets.tolist()
    return [keys[a:b].tobytes() + sizes[a:b].tobytes() + data[a:b].tobytes() for a, b in zip(bounds, bounds[1:])]


def _unpack_lines(blobs) -> Lines:
    """The lines of texts packed by :func:`_pack_lines`, in order (no words: ``word_line`` is empty)."""
    counts = np.array([len(blob) // 17 for blob in blobs], dtype=np.int64)
    parts = [(np.frombuffer(blob, "<u8", n), np.frombuffer(blob, "<i8", n, 8 * n), np.frombuffer(blob, np.uint8, n, 16 * n))
             for blob, n in zip(blobs, counts.tolist())]
    offsets = np.r_[0, np.cumsum(counts)].astype(np.int64)
    if not parts:
        return Lines(np.zeros(0, np.uint64), np.zeros(0, np.int64), np.zeros(0, bool), np.zeros(0, np.int32), offsets)
    return Lines(np.concatenate([p[0] for p in parts]).astype(np.uint64), np.concatenate([p[1] for p in parts]),
                 np.concatenate([p[2] for p in parts]).astype(bool), np.zeros(0, np.int32), offsets)


def _prepared(texts: pd.DataFrame, config: DedupeConfig, boilerplate: np.ndarray):
    """These stripped articles prepared (:func:`dedupe.prepare.prepare`), without cleaning them again."""
    # Preparation reads an article's id, text and title only: the rest of a record is not parsed.
    articles = [Article(id=i, text=t if isinstance(t, str) and t.strip() else i, title=h if isinstance(h, str) else None)
                for i, t, h in zip(texts["id"].tolist(), texts["text"].tolist(), texts["title"].tolist())]
    return prepare(articles, config, CorpusContext(boilerplate=boilerplate, stripped=_stripped(texts)),
                   processes=1)


def _stripped(texts: pd.DataFrame) -> dict[str, tuple[str, bool]]:
    return dict(zip(texts["id"], zip(texts["text"], texts["junk"])))


def _judge_lines(holders: pd.DataFrame, texts: pd.DataFrame, learner: BoilerplateLearner) -> pd.DataFrame:
    """Whether each line of a bucket spans stories, judged on its sample of holders."""
    texts = texts.sort_values("n")
    where = pd.Series(np.arange(len(texts)), index=texts["n"])
    holders = holders.sort_values(["key", "n"])  # each sample in id order, as the local learner has it
    keys, starts = np.unique(holders["key"].to_numpy(), return_index=True)
    samples = np.split(where[holders["n"]].to_numpy(), starts[1:])
    spans = learner.spans_stories(keys.view(np.uint64), samples, _unpack_lines(texts["lines"]))
    return pd.DataFrame({"key": keys, "learnt": spans})


# -- sketches, weights and candidates -------------------------------------------------------------

_BAND, _ANCHOR, _COLUMN, _ANCHORS = 0, 1, 2, 3  # kinds of the rows _key_rows gives
# A prepared article: what comparing it needs (its packed tokens, fingerprint and junk flag, see
# dedupe.prepare.prepared_from), and its lookup keys and hashed word columns, packed.
_PREPARED = "n long, tokens binary, fingerprint long, junk_only boolean, keys binary, columns binary"


def _prepare(parts: Iterator[pd.DataFrame], config: DedupeConfig, boilerplate: np.ndarray) -> Iterator[pd.DataFrame]:
    """Each stripped article prepared once (:func:`dedupe.prepare.prepare`): the rows of
    :data:`_PREPARED`."""
    for part in parts:
        prepared = _prepared(part, config, boilerplate)
        keys, offsets = prepared.lookup_keys(config)
        columns = word_columns(prepared.sketches)
        _release()
        yield pd.DataFrame({
            "n": part["n"].to_numpy(), "tokens": prepared.cleaned.tokens.pack(),
            "fingerprint": prepared.cleaned.fingerprints.view(np.int64), "junk_only": prepared.cleaned.junk_only,
            "keys": _row_bytes(keys.astype("<u8"), offsets),
            "columns": _row_bytes(columns.indices.astype("<i4"), columns.indptr),
        })


def _row_bytes(values: np.ndarray, offsets: np.ndarray) -> list[bytes]:
    """Each CSR row ``values[offsets[i]:offsets[i + 1]]`` as bytes."""
    bounds = np.asarray(offsets).tolist()
    return [values[a:b].tobytes() for a, b in zip(bounds, bounds[1:])]


def _key_rows(parts: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """Per article: its band buckets, its anchors and how many anchors it has, as ``(n, kind,
    value, count)`` rows (``count`` 1); and per part, the hashed word columns its articles hold,
    each with how many hold it (``n`` -1), from which the document frequencies are summed."""
    for part in parts:
        blobs = part["keys"].tolist()
        keys = np.frombuffer(b"".join(blobs), dtype="<u8").astype(np.uint64)
        offsets = np.r_[0, np.cumsum([len(blob) // 8 for blob in blobs])].astype(np.int64)
        ids = part["n"].to_numpy()
        owner = np.repeat(np.arange(len(ids)), np.diff(offsets))
        band = is_band(keys)
        anchors = anchor_counts(keys, offsets)
        columns, holders = np.unique(np.frombuffer(b"".join(part["columns"].tolist()), dtype="<i4"),
                                     return_counts=True)
        yield pd.DataFrame({
            "n": np.concatenate([ids[owner], ids, np.full(len(columns), -1)]).astype(np.int64),
            "kind": np.concatenate([np.where(band, _BAND, _ANCHOR), np.full(len(ids), _ANCHORS),
                                    np.full(len(columns), _COLUMN)]).astype(np.int8),
            "value": np.concatenate([keys.view(np.int64), anchors, columns.astype(np.int64)]),
            "count": np.concatenate([np.ones(len(keys) + len(ids), dtype=np.int32), holders.astype(np.int32)]),
        })


def _idf(keys, count: int) -> np.ndarray:
    """TF-IDF weights from the document frequency of each column, as scikit-learn's smooth idf."""
    from pyspark.sql import functions as F

    frequency = keys.where(f"kind = {_COLUMN}").groupBy("value").agg(F.sum("count").alias("holders"))
    # Each column with its count as one long (columns < 2**32, counts < 2**31), gathered in one
    # row: a list of numbers reaches the driver far faster than a row per column.
    packed = frequency.agg(F.collect_list(F.shiftleft("value", 32) + F.col("holders")).alias("packed")).first()
    packed = np.array(packed["packed"] or [], dtype=np.int64)
    documents = np.zeros(TFIDF_FEATURES, dtype=np.int64)
    documents[packed >> 32] = packed & 0xFFFFFFFF
    return idf_weights(documents, count)


def _candidate_pairs(keys, count: int):
    """Candidate pairs ``(a, b)`` of article numbers, ``a < b``, by the rule of :mod:`dedupe.candidates`: the
    links of each key's holders (in buckets of keys), the keys each linked pair shares, and the
    pairs that rule keeps."""
    from pyspark.sql import functions as F

    held = keys.where(f"kind IN ({_BAND}, {_ANCHOR})").select("value", "n")
    cores = keys.sparkSession.sparkContext.defaultParallelism
    # Each partition holds whole keys: its links are made and summed per pair at once in one
    # call, and only the sums are shuffled to be added up across partitions.
    parts = max(cores, -(-held.count() // _KEY_BUCKET_ROWS))
    links = held.repartition(parts, "value").mapInPandas(_key_links, "a long, b long, band boolean, shared long")
    shared = links.groupBy("a", "b").agg(F.max("band").alias("band"), F.sum("shared").alias("shared"))
    anchors = _small(keys.where(f"kind = {_ANCHORS}"), count)
    return shared.join(anchors.select(F.col("n").alias("a"), F.col("value").alias("anchors_a")), "a") \
        .join(anchors.select(F.col("n").alias("b"), F.col("value").alias("anchors_b")), "b") \
        .mapInPandas(_linked, "a long, b long")


def _key_links(parts: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """The pairs linked by the keys of a partition (:func:`dedupe.candidates.key_links`), each
    with whether a band bucket links it and how many anchors it shares there."""
    batches = list(parts)
    held = pd.concat(batches) if batches else None
    if held is None or held.empty:
        return
    # Members numbered in id order: a crowded key's first holder is its smallest id, as in a scan.
    ids, members = np.unique(held["n"].to_numpy(), return_inverse=True)
    pairs, band, shared = shared_keys(*key_links(held["value"].to_numpy().view(np.uint64), members.ravel()))
    yield pd.DataFrame({"a": ids[pairs[:, 0]], "b": ids[pairs[:, 1]], "band": band, "shared": shared})


def _linked(parts: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    for part in parts:
        keep = linked(part["band"].to_numpy(), part["shared"].to_numpy(), part["anchors_a"].to_numpy(),
                      part["anchors_b"].to_numpy())
        yield part.loc[keep, ["a", "b"]]


# -- verification ----------------------------------------------------------------------------------


def _score(prepared, pairs, config: DedupeConfig, boilerplate: np.ndarray, idf: np.ndarray, count: int):
    """Every candidate pair scored, in buckets that hold each of their prepared articles once:
    accepted or not by the verifier's rules, and what the digest guard needs."""
    from pyspark.sql import functions as F

    # A text goes to every bucket holding one of its pairs. Pairs are bucketed by a label of
    # their first end, the smallest id among it and its neighbours, so that the pairs of a
    # story's copies (a clique of candidates) share a bucket, and their texts travel once.
    both = pairs.select(F.col("a").alias("n"), F.col("b").alias("near")) \
        .unionByName(pairs.select(F.col("b").alias("n"), F.col("a").alias("near")))
    label = both.groupBy("n").agg(F.least(F.first("n"), F.min("near")).alias("label"))
    labelled = pairs.join(_small(label.withColumnRenamed("n", "a"), count), "a")
    # Cached: the pairs and both ends' texts read the labels, which would be grouped once for each.
    links = _bucketed(labelled, "label", pairs.count(), _PAIR_BUCKET_ROWS).drop("label").cache()
    ends = _fresh(links, "bucket", "a").unionByName(_fresh(links, "bucket", "b").withColumnRenamed("b", "a"))
    texts = ends.withColumnRenamed("a", "n").distinct() \
        .join(prepared.select("n", "tokens", "fingerprint", "junk_only"), "n")
    scored = links.groupBy("bucket").cogroup(texts.groupBy("bucket")).applyInPandas(
        lambda bucket, bucket_texts: _score_bucket(bucket, bucket_texts, config, boilerplate, idf),
        "a long, b long, accepted boolean, item boolean, small boolean, longer long, lead long, last long").cache()
    scored.count()
    links.unpersist()
    return scored


def _score_bucket(links: pd.DataFrame, texts: pd.DataFrame, config: DedupeConfig, boilerplate: np.ndarray,
                  idf: np.ndarray) -> pd.DataFrame:
    texts = texts.sort_values("n")
    ids = texts["n"].to_numpy()
    where = pd.Series(np.arange(len(ids)), index=ids)
    prepared = prepared_from(Tokens.unpack(texts["tokens"].tolist()), texts["fingerprint"].to_numpy().view(np.uint64),
                             texts["junk_only"].to_numpy(), boilerplate, config, with_signatures=False)
    verifier = Verifier(prepared.sketches, prepared.cleaned, config, idf=idf)
    pairs = np.column_stack([where[links["a"]].to_numpy(), where[links["b"]].to_numpy()]).astype(np.int64)
    pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]  # a < b by number, so by index too
    scores = verifier.score(pairs)
    oriented = orient(scores, verifier.words)
    _, longer = shorter_longer(scores.pairs, verifier.words)
    _release()
    return pd.DataFrame({
        "a": ids[pairs[:, 0]], "b": ids[pairs[:, 1]], "accepted": scores.accepted,
        "item": held_items(scores, verifier.words, config), "small": small_part(oriented.coverage),
        "longer": ids[longer], "lead": oriented.lead.astype(np.int64), "last": oriented.last.astype(np.int64),
    })


def _digests(scored):
    """The articles that hold, in separate places, several texts that are small parts of them."""
    items = scored.where("item").select("a", "b", "longer", "lead", "last")
    return _bucketed(items, "longer", items.count()).groupBy("bucket").applyInPandas(
        _digest, "longer long, digest boolean").where("digest")


def _digest(items: pd.DataFrame) -> pd.DataFrame:
    items = items.sort_values(["a", "b"])  # pair order, as a local run has them
    longer, held = np.unique(items["longer"].to_numpy(), return_inverse=True)
    flags = digest_flags(held.astype(np.int64), items["lead"].to_numpy(), items["last"].to_numpy(), len(longer))
    return pd.DataFrame({"longer": longer, "digest": flags})


def _accepted(scored, digests, count: int):
    """Accepted pairs, but those the digest guard refuses
    (:func:`dedupe.verify.refused_by_digest`)."""
    from pyspark.sql import functions as F
    flagged = _small(digests.select("longer", F.lit(True).alias("is_digest")), count)
    columns = scored.columns  # read here: a frame cannot travel to the executors
    return scored.where("accepted").join(flagged, "longer", "left").fillna(False, subset=["is_digest"]) \
        .mapInPandas(lambda parts: _kept(parts, columns), scored.schema)


def _kept(parts: Iterator[pd.DataFrame], columns: list[str]) -> Iterator[pd.DataFrame]:
    for part in parts:
        accepted = part["accepted"].to_numpy()
        refused = refused_by_digest(accepted, part["small"].to_numpy(), part["is_digest"].to_numpy())
        yield part.loc[accepted & ~refused, columns]


# -- stories -----------------------------------------------------------------------------------------


def _schema() -> str:
    return ", ".join(f"{c} {'double' if c in SCORE_COLUMNS else 'string'}" for c in COLUMNS)


def _articles(rows: pd.DataFrame) -> list[Article]:
    """The articles of rows whose text is stripped already: what a run needs of them besides."""
    articles = []
    for row in rows.to_dict("records"):
        fields = {k: v for k, v in row.items() if k in FIELDS and v is not None and v == v}
        # A page whose cleaning left nothing still counts; its text is never read again.
        fields["text"] = fields.get("text") if str(fields.get("text") or "").strip() else fields["id"]
        articles.append(Article.from_dict(fields))
    return articles


def _unique_records(parts: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """The records of articles in no story, as a scan writes them."""
    for part in parts:
        records = [Verdict(a, Role.UNIQUE, a.id, a.id).to_record(extra=False) for a in _articles(part)]
        if records:
            yield pd.DataFrame(records, columns=list(COLUMNS))


def _story_verdicts(people: pd.DataFrame, links: pd.DataFrame, config: DedupeConfig, boilerplate: np.ndarray,
                    idf: np.ndarray) -> pd.DataFrame:
    """Whole stories' articles (components of accepted pairs) clustered by the local pipeline."""
    articles = _articles(people)
    ids = pd.Series(people["id"].to_numpy(), index=people["n"])
    ready = zip(people["tokens"], people["fingerprint"].tolist(), people["junk_only"].tolist())
    run = CorpusContext(boilerplate=boilerplate, idf=idf,
                        pairs=list(zip(ids[links["a"]], ids[links["b"]])),
                        digests=frozenset(people.loc[people["digest"], "id"]), prepared=dict(zip(people["id"], ready)))
    records = [v.to_record() for v in Deduplicator(config.replace(n_jobs=1)).run(articles, context=run).verdicts]
    _release()
    return pd.DataFrame(records, columns=list(COLUMNS))
