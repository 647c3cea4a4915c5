"""Candidates: LSH bands as datasketch chooses them, and anchors for copies cut short."""

from __future__ import annotations

import datasketch
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dedupe.candidates import anchor_pairs, candidate_pairs, lsh_bands, lsh_pairs
from dedupe.sketch import sketch
from dedupe.tokens import tokenize

from conftest import SAMPLE


def sample_texts() -> tuple[list[str], list[str]]:
    paths = sorted(SAMPLE.glob("*.txt"))
    return [p.name for p in paths], [p.read_text(encoding="utf-8").split("\n\n", 1)[1] for p in paths]


def pairs_of(names: list[str], pairs: np.ndarray) -> set[frozenset[str]]:
    return {frozenset((names[i], names[j])) for i, j in pairs}


def test_bands_follow_datasketch() -> None:
    for threshold in (0.3, 0.5, 0.8):
        lsh = datasketch.MinHashLSH(threshold=threshold, num_perm=128)
        assert lsh_bands(threshold, 128) == (lsh.b, lsh.r)


def test_lsh_pairs_agree_with_datasketch_lsh() -> None:
    names, texts = sample_texts()
    sk = sketch(tokenize(texts))
    bands, rows = lsh_bands(0.4, 128)
    ours = pairs_of(names, lsh_pairs(sk.signatures, sk.set_sizes, bands, rows))
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
    bands, rows = lsh_bands(0.4, 128)
    assert len(lsh_pairs(sk.signatures, sk.set_sizes, bands, rows)) == 0
    assert anchor_pairs(sk, 8).tolist() == [[0, 1]]
    assert candidate_pairs(sk).tolist() == [[0, 1]]


def test_unrelated_stories_are_not_candidates() -> None:
    names, texts = sample_texts()
    found = pairs_of(names, candidate_pairs(sketch(tokenize(texts))))
    assert not any("museum" in n or "weather" in n for pair in found for n in pair)
    assert all(i < j for i, j in candidate_pairs(sketch(tokenize(texts))))


def test_a_crowded_bucket_links_to_its_first_member_only() -> None:
    texts = ["the same wire story word for word again"] * 10
    pairs = lsh_pairs(sketch(tokenize(texts)).signatures, np.ones(10, dtype=np.int64), 4, 32, max_bucket=5)
    assert set(map(tuple, pairs.tolist())) == {(0, j) for j in range(1, 10)}


def test_an_anchor_held_by_many_links_them_to_its_first_holder() -> None:
    # Eighty copies of one story and its lead cut short: the anchors are held by 81 articles, more
    # than a bucket takes, so pairs grow with the copies rather than with their square.
    wire = (SAMPLE / "wire-port-terminal.txt").read_text(encoding="utf-8").split("\n\n", 1)[1]
    texts = [wire] * 80 + [wire.split("\n\n")[1]]
    pairs = anchor_pairs(sketch(tokenize(texts)), 8)
    assert [0, 80] in pairs.tolist()
    assert len(pairs) == 80


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 30), st.sampled_from([(32, 4), (25, 5), (9, 13)]), st.integers(0, 2**32 - 1))
def test_lsh_pairs_agree_with_datasketch_on_colliding_signatures(n: int, params: tuple[int, int], seed: int) -> None:
    # Signatures over three values: bands collide often, as they do for copies.
    signatures = np.random.default_rng(seed).integers(0, 3, size=(n, 128)).astype(np.uint32)
    bands, rows = params
    ours = {frozenset(p) for p in lsh_pairs(signatures, np.ones(n, dtype=np.int64), bands, rows).tolist()}
    lsh = datasketch.MinHashLSH(num_perm=128, params=(bands, rows))
    minhashes = [datasketch.MinHash(num_perm=128, hashvalues=s, scheme="affine32") for s in signatures]
    for i, m in enumerate(minhashes):
        lsh.insert(i, m)
    assert ours == {frozenset((i, j)) for i, m in enumerate(minhashes) for j in lsh.query(m) if i != j}
