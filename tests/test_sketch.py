"""Sketching: shingle hashes in bulk, signatures bit-identical to datasketch."""

from __future__ import annotations

import datasketch
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dedupe.sketch import shingle_hashes, signatures, sketch
from dedupe.tokens import tokenize

from conftest import SAMPLE

words = st.lists(st.sampled_from("port terminal opened cranes dubai ميناء محطة 2025 the a of".split()),
                 max_size=60).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(st.lists(words, min_size=1, max_size=6), st.sampled_from([16, 64, 128]), st.integers(0, 2**32 - 1),
       st.integers(1, 7))
def test_signatures_are_bit_identical_to_datasketch(texts, num_perm, seed, size) -> None:
    sk = sketch(tokenize(texts), shingle_size=size, num_perm=num_perm, seed=seed)
    for i in range(len(texts)):
        shingles = sk.shingles[sk.shingle_offsets[i]:sk.shingle_offsets[i + 1]]
        expected = datasketch.MinHash(num_perm=num_perm, seed=seed, hashfunc=int)
        expected.update_batch(shingles.tolist())
        assert np.array_equal(sk.signatures[i], expected.hashvalues)
        assert sk.signatures.dtype == expected.hashvalues.dtype == np.uint32


def test_real_texts_match_datasketch_and_estimate_jaccard() -> None:
    paths = sorted(SAMPLE.glob("*port-terminal.txt"))
    texts = [p.read_text(encoding="utf-8") for p in paths]
    sk = sketch(tokenize(texts), num_perm=256)
    minhashes = []
    for i in range(len(texts)):
        m = datasketch.MinHash(num_perm=256, hashfunc=int)
        m.update_batch(sk.shingles[sk.shingle_offsets[i]:sk.shingle_offsets[i + 1]].tolist())
        minhashes.append(m)
        assert np.array_equal(m.hashvalues, sk.signatures[i])
    # Signatures serve datasketch's own LSH unchanged.
    lsh = datasketch.MinHashLSH(threshold=0.5, num_perm=256)
    for i, m in enumerate(minhashes):
        lsh.insert(str(i), datasketch.LeanMinHash(m))
    wire = [p.name for p in paths].index("wire-port-terminal.txt")
    found = {paths[int(key)].name for key in lsh.query(minhashes[wire])}
    assert {"wire-port-terminal.txt", "ledger-port-terminal.txt", "expatdaily-port-terminal.txt"} <= found


def test_shingles_cover_runs_of_words_and_short_texts() -> None:
    tokens = tokenize(["a b c d e f", "a b", "", "a b c"])
    hashed, offsets = tokens.words, tokens.offsets
    assert offsets.tolist() == [0, 6, 8, 8, 11]
    assert hashed[0] == hashed[6] == hashed[8]            # the same word hashes the same everywhere
    shingles, s_offsets = shingle_hashes(hashed, offsets, 3)
    assert np.diff(s_offsets).tolist() == [4, 1, 0, 1]     # a short text has one shingle of all its words
    assert shingles[0] == shingles[5]                       # "a b c" in the first and last text
    assert len(set(shingles[:4].tolist())) == 4


def test_an_empty_text_has_an_empty_signature() -> None:
    sk = sketch(tokenize(["", "some words here to sketch"]), num_perm=32)
    assert (sk.signatures[0] == np.iinfo(np.uint32).max).all()
    assert sk.set_sizes.tolist() == [0, 1]
    assert np.array_equal(signatures(sk.shingle_sets, sk.set_offsets, 32), sk.signatures)
