"""The same deduplication on Apache Spark, for corpora beyond one machine.

Every stage runs the local implementation on Spark's executors (``mapInPandas``,
``applyInPandas``); Spark only moves the data between them. What a local run learns from the
whole corpus is learnt here with group-bys over all of it, and handed to the stages as a
:class:`dedupe.prepare.CorpusContext`:

0. **stripping** (:mod:`dedupe.spark.cleaning`): the costly, per-article part of cleaning
   (:func:`dedupe.clean.strip_pages`), once per article, which is numbered in id order on the
   way in (``n``: shuffles, joins and groups move these numbers, not the ids);
1. **boilerplate** (:mod:`dedupe.spark.cleaning`): each article's short lines; the lines held by enough articles are judged
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
from ..candidates import anchor_counts, is_band, key_links, linked, shared_keys
from ..clean import Stripped
from ..config import DedupeConfig
from ..headline import HeadlineCandidates, TextOffers, headline_candidates, offered_lines, story_headlines
from ..pipeline import Deduplicator
from ..prepare import CorpusContext, prepare, prepared_from
from ..results import COLUMNS, SCORE_COLUMNS, Verdict
from ..tokens import Tokens
from ..verify import (TFIDF_FEATURES, Verifier, digest_flags, held_items, idf_weights, orient, refused_by_digest,
                      shorter_longer, small_part, word_columns)
from .cleaning import learn_boilerplate, stripped_articles
from .components import connected_components
from .frames import FIELDS, bucketed, broadcast_if_small, fresh, release_batch

__all__ = ["deduplicate", "FIELDS"]

# Lookup keys are small rows: a partition of whole keys, linked in one call, holds about this
# many (calls of 5,000 rows spent the candidate step in Python workers' per-call overhead).
_KEY_BUCKET_ROWS = 1_000_000
# Pairs are scored in buckets that unpack and sketch every article they hold: an article with
# pairs in many buckets is unpacked in each, so buckets of pairs are larger than the others.
_PAIR_BUCKET_ROWS = 50_000


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
    articles, count = stripped_articles(frame, text_col, id_col, config)
    boilerplate = learn_boilerplate(articles, config)
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
    uniques = articles.select(*FIELDS, "n").join(broadcast_if_small(component, count), on="n", how="left_anti") \
        .mapInPandas(_unique_records, _schema())
    # The verdicts are computed here, their long lineage cut (the headline step reads them
    # twice), and the result too, so that the frames they came from can be let go.
    verdicts = stories.unionByName(uniques).localCheckpoint(eager=True)
    result = _headlined(verdicts, articles).cache()
    result.count()
    for step in (articles, prepared, keys, pairs, scored, digests, component):
        step.unpersist()
    return result


def _stories(articles, prepared, pairs, digests, component, count: int, config: DedupeConfig,
             boilerplate: np.ndarray, idf: np.ndarray):
    """The verdicts on the articles in stories: buckets of whole stories (components) clustered
    by the local pipeline, on the prepared articles. A story's verdicts depend on its own
    articles and pairs only, given the corpus context."""
    from pyspark.sql import functions as F

    in_stories = component.count()
    # The stories' articles and the digests are few numbers each: copied to the executors, they
    # pick the members and pairs without shuffling every article and pair to meet them.
    component = broadcast_if_small(component, in_stories)
    flagged = broadcast_if_small(digests.select(F.col("longer").alias("n"), F.lit(True).alias("digest")), count)
    members = articles.select(*FIELDS, "n", *_OFFERS).join(component, on="n") \
        .join(prepared.select("n", "tokens", "fingerprint", "junk_only", "page_lines", "credit"), "n") \
        .join(flagged, on="n", how="left").fillna(False, subset=["digest"])
    members = bucketed(members, "component", in_stories)
    # A story's pairs: both ends in it, accepted or not (every pair scored counts to support).
    story_pairs = bucketed(
        pairs.join(component.select(F.col("n").alias("a"), "component"), on="a")
        .join(component.select(F.col("n").alias("b"), F.col("component").alias("component_b")), on="b")
        .where(F.col("component") == F.col("component_b")), "component", in_stories).select("bucket", "a", "b")
    return members.drop("component").groupBy("bucket").cogroup(story_pairs.groupBy("bucket")).applyInPandas(
        lambda people, links: _story_verdicts(people, links, config, boilerplate, idf), _schema())


def _prepared(texts: pd.DataFrame, config: DedupeConfig, boilerplate: np.ndarray):
    """These stripped articles prepared (:func:`dedupe.prepare.prepare`), without cleaning them again."""
    # Preparation reads an article's id, text and title only: the rest of a record is not parsed.
    articles = [Article(id=i, text=t if isinstance(t, str) and t.strip() else i, title=h if isinstance(h, str) else None)
                for i, t, h in zip(texts["id"].tolist(), texts["text"].tolist(), texts["title"].tolist())]
    return prepare(articles, config, CorpusContext(boilerplate=boilerplate, stripped=_stripped(texts)),
                   processes=1)


def _stripped(texts: pd.DataFrame) -> dict[str, Stripped]:
    return dict(zip(texts["id"], map(Stripped._make, zip(texts["text"], texts["junk"], texts["page_lines"],
                                                        texts["credit"], _column_offers(texts)))))


# -- sketches, weights and candidates -------------------------------------------------------------

_BAND, _ANCHOR, _COLUMN, _ANCHORS = 0, 1, 2, 3  # kinds of the rows _key_rows gives
# A prepared article: what comparing it needs (its packed tokens, fingerprint and junk flag, see
# dedupe.prepare.prepared_from), and its lookup keys and hashed word columns, packed.
_PREPARED = ("n long, tokens binary, fingerprint long, junk_only boolean, page_lines long, credit byte, keys binary, "
             "columns binary")


def _prepare(parts: Iterator[pd.DataFrame], config: DedupeConfig, boilerplate: np.ndarray) -> Iterator[pd.DataFrame]:
    """Each stripped article prepared once (:func:`dedupe.prepare.prepare`): the rows of
    :data:`_PREPARED`."""
    for part in parts:
        prepared = _prepared(part, config, boilerplate)
        keys, offsets = prepared.lookup_keys(config)
        columns = word_columns(prepared.sketches)
        release_batch()
        yield pd.DataFrame({
            "n": part["n"].to_numpy(), "tokens": prepared.cleaned.tokens.pack(),
            "fingerprint": prepared.cleaned.fingerprints.view(np.int64), "junk_only": prepared.cleaned.junk_only,
            "page_lines": prepared.cleaned.page_lines, "credit": prepared.cleaned.credits,
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
    anchors = broadcast_if_small(keys.where(f"kind = {_ANCHORS}"), count)
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
    labelled = pairs.join(broadcast_if_small(label.withColumnRenamed("n", "a"), count), "a")
    # Cached: the pairs and both ends' texts read the labels, which would be grouped once for each.
    links = bucketed(labelled, "label", pairs.count(), _PAIR_BUCKET_ROWS).drop("label").cache()
    ends = fresh(links, "bucket", "a").unionByName(fresh(links, "bucket", "b").withColumnRenamed("b", "a"))
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
    release_batch()
    return pd.DataFrame({
        "a": ids[pairs[:, 0]], "b": ids[pairs[:, 1]], "accepted": scores.accepted,
        "item": held_items(scores, verifier.words, config), "small": small_part(oriented.coverage),
        "longer": ids[longer], "lead": oriented.lead.astype(np.int64), "last": oriented.last.astype(np.int64),
    })


def _digests(scored):
    """The articles that hold, in separate places, several texts that are small parts of them."""
    items = scored.where("item").select("a", "b", "longer", "lead", "last")
    return bucketed(items, "longer", items.count()).groupBy("bucket").applyInPandas(
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
    flagged = broadcast_if_small(digests.select("longer", F.lit(True).alias("is_digest")), count)
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


_OFFERS = TextOffers._fields  # the columns of what an article offers its story as a headline


def _headlined(records, articles):
    """``records`` with their story's headline, chosen as a scan chooses it
    (:func:`dedupe.headline.story_headlines`): a line that several stories offer is none of
    theirs, counted over every story of the corpus, not one bucket's."""
    from pyspark.sql import functions as F

    rows = records.drop("headline").join(articles.select("id", *_OFFERS), "id")
    keys = rows.mapInPandas(_offered_keys, "cluster string, key string").distinct()
    shared = frozenset(row["key"] for row in keys.groupBy("key").agg(F.count("*").alias("stories"))
                       .where("stories > 1").select("key").collect())
    heads = rows.groupBy("cluster").applyInPandas(lambda story: _story_headline(story, shared),
                                                  "cluster string, headline string")
    return records.drop("headline").join(heads, "cluster").select(*COLUMNS)


def _candidates(rows: pd.DataFrame) -> list[HeadlineCandidates]:
    """What each record's article offers its story as a headline (columns :data:`_OFFERS`)."""
    def text(value):
        return value if isinstance(value, str) else None

    return [headline_candidates(Article(id=i, text=i, title=text(t), source=text(s), url=text(u)), offers)
            for i, t, s, u, offers in zip(rows["id"], rows["title"], rows["source"], rows["url"], _column_offers(rows))]


def _column_offers(rows: pd.DataFrame) -> list[TextOffers]:
    """What each row's article offers its story as a headline, from the columns :data:`_OFFERS`."""
    return [TextOffers(bool(fits), tuple(openings), caption or "")
            for fits, openings, caption in zip(rows["title_fits"], rows["openings"], rows["caption"])]


def _offered_keys(parts: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    for part in parts:
        pairs = [(story, key) for story, offered in zip(part["cluster"], _candidates(part))
                 for key in offered_lines([offered])]
        yield pd.DataFrame(pairs, columns=["cluster", "key"])


def _story_headline(story: pd.DataFrame, shared: frozenset[str]) -> pd.DataFrame:
    story = story.assign(first=~story["role"].isin(["canonical", "unique"])).sort_values(["first", "id"])
    name = story["cluster"].iloc[0]
    return pd.DataFrame({"cluster": [name], "headline": [story_headlines({name: _candidates(story)}, shared)[name]]})


def _offers(rows: pd.DataFrame, articles: list[Article]) -> dict[str, TextOffers]:
    """What each article offers its story as a headline, read when its page was stripped."""
    return {a.id: offers for a, offers in zip(articles, _column_offers(rows))}


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
    ready = zip(people["tokens"], people["fingerprint"].tolist(), people["junk_only"].tolist(),
                people["page_lines"].tolist(), people["credit"].tolist())
    run = CorpusContext(boilerplate=boilerplate, idf=idf,
                        pairs=list(zip(ids[links["a"]], ids[links["b"]])),
                        digests=frozenset(people.loc[people["digest"], "id"]), prepared=dict(zip(people["id"], ready)),
                        offers=_offers(people, articles))
    records = [v.to_record() for v in Deduplicator(config.replace(n_jobs=1)).run(articles, context=run).verdicts]
    release_batch()
    return pd.DataFrame(records, columns=list(COLUMNS))
