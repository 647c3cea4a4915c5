"""Candidates: LSH bands as datasketch chooses them, anchors for copies cut short, and the one
rule by which the scan, the index and Spark link articles that share keys."""

from __future__ import annotations

import ast
from pathlib import Path

import datasketch
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import dedupe
from dedupe.candidates import (ANCHOR_BUCKET, BAND_KEY, MAX_BUCKET, band_buckets, candidate_pairs, is_band,
                               key_links, linked, lookup_keys, lsh_bands, pairs_from_keys, shared_keys)
from dedupe.sketch import sketch
from dedupe.tokens import tokenize

from conftest import SAMPLE


def sample_texts() -> tuple[list[str], list[str]]:
    paths = sorted(SAMPLE.glob("*.txt"))
    return [p.name for p in paths], [p.read_text(encoding="utf-8").split("\n\n", 1)[1] for p in paths]


def pairs_of(names: list[str], pairs: np.ndarray) -> set[frozenset[str]]:
    return {frozenset((names[i], names[j])) for i, j in pairs}


def band_pairs(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """The pairs that share a band bucket, by the stage's own linking."""
    buckets = band_buckets(signatures, bands, rows)
    links, _ = key_links(buckets.ravel(), np.repeat(np.arange(len(signatures)), bands))
    return shared_keys(links, np.ones(len(links), dtype=bool))[0]


def links_of(texts: list[str], band: bool) -> np.ndarray:
    """The links that keys of one kind make among ``texts``."""
    keys, offsets = lookup_keys(sketch(tokenize(texts)))
    members = np.repeat(np.arange(len(texts)), np.diff(offsets))
    kind = is_band(keys) == band
    return key_links(keys[kind], members[kind])[0]


def test_bands_follow_datasketch() -> None:
    for threshold in (0.3, 0.5, 0.8):
        lsh = datasketch.MinHashLSH(threshold=threshold, num_perm=128)
        assert lsh_bands(threshold, 128) == (lsh.b, lsh.r)


def test_band_pairs_agree_with_datasketch_lsh() -> None:
    names, texts = sample_texts()
    sk = sketch(tokenize(texts))
    bands, rows = lsh_bands(0.4, 128)
    ours = pairs_of(names, band_pairs(sk.signatures, bands, rows))
    lsh = datasketch.MinHashLSH(num_perm=128, params=(bands, rows))
    minhashes = [datasketch.MinHash(num_perm=128, hashvalues=s, scheme="affine32") for s in sk.signatures]
    for name, m in zip(names, minhashes):
        lsh.insert(name, m)
    theirs = {frozenset((a, b)) for a, m in zip(names, minhashes) for b in lsh.query(m) if a != b}
    assert ours == theirs
    assert frozenset(("wire-port-terminal.txt", "ledger-port-terminal.txt")) in ours


def test_anchors_find_the_copy_cut_short_that_lsh_misses() -> None:
    wire = (SAMPLE / "wire-port-terminal.txt").read_text(encoding="utf-8").split("\n\n", 1)[1]
    texts = [wire, wire.split("\n\n")[1]]  # the story, and its lead alone
    sk = sketch(tokenize(texts))
    agree = float((sk.signatures[0] == sk.signatures[1]).mean())
    assert agree < 0.15  # Jaccard sees little of the lead in the whole story
    assert len(links_of(texts, band=True)) == 0
    assert len(links_of(texts, band=False)) >= 2
    assert candidate_pairs(sk).tolist() == [[0, 1]]


def test_unrelated_stories_are_not_candidates() -> None:
    names, texts = sample_texts()
    found = pairs_of(names, candidate_pairs(sketch(tokenize(texts))))
    assert not any("museum" in n or "weather" in n for pair in found for n in pair)
    assert all(i < j for i, j in candidate_pairs(sketch(tokenize(texts))))


def test_a_crowded_bucket_links_to_its_first_member_only() -> None:
    for limit, key in ((MAX_BUCKET, BAND_KEY | np.uint64(7)), (ANCHOR_BUCKET, np.uint64(7))):
        members = np.random.default_rng(limit).permutation(limit + 1) + 10
        links, band = key_links(np.full(limit + 1, key), members)
        assert set(map(tuple, links.tolist())) == {(10, j) for j in range(11, limit + 11)}
        assert band.all() == bool(key & BAND_KEY)
        # One holder fewer is not crowded: every two are linked.
        assert len(key_links(np.full(limit, key), members[:limit])[0]) == limit * (limit - 1) // 2


def test_an_anchor_held_by_many_links_them_to_its_first_holder() -> None:
    # Eighty copies of one story and its lead cut short: the anchors are held by 81 articles, more
    # than a key takes, so links grow with the copies rather than with their square.
    wire = (SAMPLE / "wire-port-terminal.txt").read_text(encoding="utf-8").split("\n\n", 1)[1]
    texts = [wire] * 80 + [wire.split("\n\n")[1]]
    pairs = np.unique(links_of(texts, band=False), axis=0)
    assert [0, 80] in pairs.tolist()
    assert len(pairs) == 80


def test_the_anchor_rule() -> None:
    band = np.array([True, False, False, False, False])
    shared = np.array([0, 2, 1, 1, 1])
    fewer = np.array([5, 9, 1, 2, 3])
    assert linked(band, shared, fewer, np.full(5, 9)).tolist() == [True, True, True, False, False]
    assert linked(band, shared, np.full(5, 9), fewer).tolist() == [True, True, True, False, False]


def test_fresh_links_are_the_ones_with_a_fresh_end() -> None:
    keys = np.array([1, 1, 1, 2, 2], dtype=np.uint64)
    members = np.array([0, 1, 2, 1, 2])
    fresh = np.array([False, False, True, False, False])
    assert sorted(map(tuple, key_links(keys, members, fresh)[0].tolist())) == [(0, 2), (1, 2)]


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 25), st.integers(0, 2**32 - 1))
def test_pairs_do_not_depend_on_the_order_of_keys(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, 6, n)
    offsets = np.r_[0, np.cumsum(counts)]
    keys = rng.integers(0, 12, offsets[-1]).astype(np.uint64) | np.where(rng.random(offsets[-1]) < 0.3, BAND_KEY, 0)
    expected = pairs_from_keys(keys, offsets)  # links its keys share by share and adds up the sums
    owner = np.repeat(np.arange(n), counts)
    order = rng.permutation(len(keys))
    links, band = key_links(keys[order], owner[order])
    pairs, band, shared = shared_keys(links, band)
    anchors = np.bincount(owner[~is_band(keys)], minlength=n)
    assert np.array_equal(pairs[linked(band, shared, anchors[pairs[:, 0]], anchors[pairs[:, 1]])], expected)


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 30), st.sampled_from([(32, 4), (25, 5), (9, 13)]), st.integers(0, 2**32 - 1))
def test_band_pairs_agree_with_datasketch_on_colliding_signatures(n: int, params: tuple[int, int], seed: int) -> None:
    # Signatures over three values: bands collide often, as they do for copies.
    signatures = np.random.default_rng(seed).integers(0, 3, size=(n, 128)).astype(np.uint32)
    bands, rows = params
    ours = {frozenset(p) for p in band_pairs(signatures, bands, rows).tolist()}
    lsh = datasketch.MinHashLSH(num_perm=128, params=(bands, rows))
    minhashes = [datasketch.MinHash(num_perm=128, hashvalues=s, scheme="affine32") for s in signatures]
    for i, m in enumerate(minhashes):
        lsh.insert(i, m)
    assert ours == {frozenset((i, j)) for i, m in enumerate(minhashes) for j in lsh.query(m) if i != j}


def test_the_index_and_spark_link_by_the_stage_s_own_rule() -> None:
    """The candidate rule lives in dedupe.candidates: the index and the Spark job call its
    functions and restate none of its limits."""
    package = Path(dedupe.__file__).parent
    for path in (package / "index" / "index.py", package / "spark" / "__init__.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        called = {node.func.id for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
        assert {"key_links", "linked", "anchor_counts"} <= called, path
        names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
        assert not names & {"MAX_BUCKET", "ANCHOR_BUCKET", "BAND_KEY"}, path
