"""Verification: the rules and guards that decide a pair, on the sample's real texts."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedupe import DedupeConfig, read_articles
from dedupe.clean import clean_corpus
from dedupe.prepare import prepare, prepared_from
from dedupe.sketch import sketch
from dedupe.tokens import Tokens
from dedupe.verify import Decision, Gap, Verifier

from conftest import SAMPLE


def verifier_for(texts: list[str], config: DedupeConfig | None = None) -> Verifier:
    cleaned = clean_corpus(texts, [None] * len(texts))
    return Verifier(sketch(cleaned.tokens), cleaned, config or DedupeConfig())


@pytest.fixture(scope="module")
def sample():
    articles = sorted(read_articles([SAMPLE]).articles, key=lambda a: a.id)
    ids = [a.id for a in articles]
    verifier = verifier_for([a.text for a in articles])
    pairs = np.array(list(itertools.combinations(range(len(ids)), 2)))
    scores = verifier.judge(pairs)
    decided = {frozenset((ids[i], ids[j])): (Decision(scores.decision[k]), k) for k, (i, j) in enumerate(pairs)}
    return ids, scores, decided


def test_copies_of_the_wire_story_are_accepted(sample) -> None:
    _, _, decided = sample
    wire = "wire-port-terminal.txt"
    for copy in ("ledger-port-terminal.txt", "coastnews-port-terminal.txt", "expatdaily-port-terminal.txt",
                 "northern-emirates-port-terminal.txt"):
        assert decided[frozenset((wire, copy))][0] is Decision.CONTAINED
    assert decided[frozenset(("wam-desalination-ar", "alkhaleej-desalination-ar"))][0].accepted


def test_templated_readouts_with_other_names_are_refused(sample) -> None:
    ids, scores, decided = sample
    decision, k = decided[frozenset(("wire-readout-kenya.txt", "wire-readout-chile.txt"))]
    assert decision is Decision.FACTS_DIFFER
    # Without the facts guard the wording alone would have merged them.
    assert min(scores.shingle_containment_ab[k], scores.shingle_containment_ba[k]) >= 0.5


def test_templated_earnings_and_market_reports_stay_apart(sample) -> None:
    _, _, decided = sample
    for pair in (("wire-earnings-cement.txt", "wire-earnings-steel.txt"),
                 ("ledger-market-close-0612.txt", "ledger-market-close-0613.txt")):
        assert not decided[frozenset(pair)][0].accepted


def test_nothing_else_in_the_sample_matches(sample) -> None:
    _, _, decided = sample
    accepted = {pair for pair, (decision, _) in decided.items() if decision.accepted}
    port = {p.name for p in SAMPLE.glob("*port-terminal.txt")}
    arabic = {"wam-desalination-ar", "alkhaleej-desalination-ar", "albayan-desalination-ar"}
    assert all(pair <= port or pair <= arabic for pair in accepted)
    assert len(accepted) == 10 + 3


def test_alignment_finds_the_cut_and_the_dropped_passage(sample) -> None:
    ids, scores, decided = sample
    wire = "wire-port-terminal.txt"
    for copy, gap in (("coastnews-port-terminal.txt", Gap.END), ("expatdaily-port-terminal.txt", Gap.MIDDLE)):
        _, k = decided[frozenset((wire, copy))]
        wire_first = ids[scores.pairs[k, 0]] == wire
        gaps_of_wire = scores.gaps_ab[k] if wire_first else scores.gaps_ba[k]
        assert Gap(gaps_of_wire) == gap
        lead_of_wire = scores.lead_ab[k] if wire_first else scores.lead_ba[k]
        assert lead_of_wire == 0


def read(name: str) -> str:
    return (SAMPLE / name).read_text(encoding="utf-8").split("\n\n", 1)[1]


def test_a_digest_of_whole_items_is_not_their_copy() -> None:
    items = [read("museum-opening.md"), read("weather-dust-storm.txt"), read("ledger-falcons-final.txt")]
    digest = "\n\n".join(items)
    verifier = verifier_for(items + [digest])
    scores = verifier.judge(np.array([[0, 3], [1, 3], [2, 3]]))
    decisions = [Decision(d) for d in scores.decision]
    # The first item sits at the digest's lead, like a copy cut short, and the second, of three
    # paragraphs, reads as an excerpt of it: only the digest guard stops them.
    assert decisions[0] is Decision.DIGEST
    assert decisions[1] is Decision.DIGEST
    assert not decisions[2].accepted
    assert verifier.digests(scores).tolist() == [False, False, False, True]


def test_a_page_embedding_one_paragraph_is_not_a_copy() -> None:
    wire = read("wire-port-terminal.txt")
    quoted = wire.split("\n\n")[3]
    page = read("weather-dust-storm.txt") + "\n\n" + quoted + "\n\n" + read("museum-opening.md")
    scores = verifier_for([wire, page]).judge(np.array([[0, 1]]))
    assert not scores.accepted[0]


@pytest.mark.parametrize("a, b, decision", [
    ("Markets closed early today", "Markets closed early today", Decision.IDENTICAL_SHORT),
    ("Markets closed early today", "Markets opened late today", Decision.SHORT),
    ("Photos", "Photos", Decision.SHORT),
    ("", "", Decision.SHORT),
])
def test_short_texts_match_only_word_for_word(a: str, b: str, decision: Decision) -> None:
    scores = verifier_for([a, b]).judge(np.array([[0, 1]]))
    assert Decision(scores.decision[0]) is decision


def test_the_partial_coverage_floor_refuses_a_part_that_does_not_open_the_story() -> None:
    # The test named so asserted the pair was accepted: partial_coverage was never seen refusing.
    wire = read("wire-port-terminal.txt")
    paragraphs = wire.split("\n\n")
    # A page of its own opening paragraph, then three of the wire's middle paragraphs: 40% of it.
    page = read("museum-opening.md").split("\n\n")[0] + "\n\n" + "\n\n".join(paragraphs[2:5])
    default = verifier_for([wire, page]).judge(np.array([[0, 1]]))
    assert Decision(default.decision[0]) is Decision.CONTAINED and default.accepted[0]
    strict = verifier_for([wire, page], DedupeConfig(partial_coverage=0.6)).judge(np.array([[0, 1]]))
    assert Decision(strict.decision[0]) is Decision.NOT_AT_LEAD and not strict.accepted[0]
    # A copy cut short opens where the story opens: kept under any floor.
    cut = read("coastnews-port-terminal.txt")
    for floor in (0.4, 0.9, 1.0):
        kept = verifier_for([wire, cut], DedupeConfig(partial_coverage=floor)).judge(np.array([[0, 1]]))
        assert Decision(kept.decision[0]) is Decision.CONTAINED and kept.accepted[0], floor
    assert kept.shingle_containment_ba[0] > 0.95  # its whole self lies inside the wire story


RESERVES_WEEK = """Central bank weekly reserves report - March 4
Two weeks ended March 3, daily averages in millions
Net free reserves 712 vs 1,204
Bank borrowings 655 vs 433
Seasonal loans 77 vs 51
Excess reserves 1,118 vs 1,562
Vault cash N.A. vs N.A.
One week ended March 3
Bank borrowings 598 down 142
Float 487 down 301
Currency 208,115 down 644
Treasury deposits 4,377 down 58"""


def test_a_table_with_figures_of_its_own_is_another_report() -> None:
    # Part two of the report fills in the rows part one left blank and repeats its last section:
    # most of its words are in part one, but it reports figures part one does not.
    part_two = "\n".join(["Central bank weekly reserves report 2 - March 4",
                          "Two weeks ended March 3", "Vault cash 25,911 vs 27,046",
                          "Cash equal to required reserves 22,519 vs 24,373"]
                         + RESERVES_WEEK.splitlines()[7:])
    # A correction sent again: one figure changed, a row dropped.
    corrected = RESERVES_WEEK.replace("1,118", "1,181").replace("Seasonal loans 77 vs 51\n", "")
    # The same table cut short holds no figure of its own: a copy.
    cut = "\n".join(RESERVES_WEEK.splitlines()[:7])
    scores = verifier_for([RESERVES_WEEK, part_two, corrected, cut]).judge(np.array([[0, 1], [0, 2], [0, 3]]))
    assert [Decision(d) for d in scores.decision] == [Decision.FACTS_DIFFER, Decision.FACTS_DIFFER,
                                                      Decision.CONTAINED]


def test_an_edit_in_the_last_words_is_read_against_the_other_text() -> None:
    # The edit sits in the last shingle's width: where it stands in the other text is found from
    # the shingles before it (reading past the last one once gave answers that changed per run).
    note = "Shr 22 cts vs 16 cts\nNet 2,460,000 vs 1,730,000\nNOTE: Share adjusted for a stock split in {} 1987."
    verifier = verifier_for([note.format("February"), note.format("January")])
    for _ in range(3):
        scores = verifier.score(np.array([[0, 1], [1, 0]]))
        assert scores.swaps_ab[:, 1].tolist() == [1, 1]


def test_pairs_left_unaligned_are_those_no_rule_accepts() -> None:
    articles = sorted(read_articles([SAMPLE]).articles, key=lambda a: a.id)
    verifier = verifier_for([a.text for a in articles])
    pairs = np.array(list(itertools.combinations(range(len(articles)), 2)))
    quick, full = verifier.score(pairs), verifier.score(pairs, align_all=True)
    assert np.array_equal(quick.decision, full.decision)
    assert 0 < quick.aligned.sum() < len(pairs) and full.aligned.all()
    aligned = quick.aligned
    for name in ("coverage_ab", "coverage_ba", "gaps_ab", "lead_ba", "swaps_ab", "facts_ba"):
        assert np.array_equal(getattr(quick, name)[aligned], getattr(full, name)[aligned]), name


def reference_covered(verifier: Verifier, x: int, y: int) -> np.ndarray:
    """Which of x's words a shingle found anywhere in y covers, word by word."""
    sk = verifier.sketches
    n_words = sk.word_counts[x]
    width = min(sk.shingle_size, n_words)
    in_y = set(sk.shingles[sk.shingle_offsets[y]:sk.shingle_offsets[y + 1]].tolist())
    covered = np.zeros(n_words, dtype=bool)
    for j, value in enumerate(sk.shingles[sk.shingle_offsets[x]:sk.shingle_offsets[x + 1]].tolist()):
        if value in in_y:
            covered[j:j + width] = True
    return covered


def reference_alignment(verifier: Verifier, x: int, y: int) -> tuple[float, int, int]:
    """x's words that a shingle found anywhere in y covers: their share, the first and the last."""
    covered = reference_covered(verifier, x, y)
    where = np.flatnonzero(covered)
    return covered.mean(), int(where[0]) if len(where) else -1, int(where[-1]) if len(where) else -1


word_pool = st.sampled_from("the port said oil rose fell 12 Dubai Reuters again new terminal".split())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(word_pool, min_size=1, max_size=40).map(" ".join), min_size=2, max_size=6))
def test_alignment_covers_the_words_of_shingles_the_other_holds(texts: list[str]) -> None:
    verifier = verifier_for(texts)
    pairs = np.array([(x, y) for x in range(len(texts)) for y in range(len(texts)) if x != y])
    scores = verifier.score(pairs, align_all=True)
    for k, (x, y) in enumerate(pairs.tolist()):
        if verifier.sketches.word_counts[x] == 0:
            continue
        coverage, lead, last = reference_alignment(verifier, x, y)
        assert scores.coverage_ab[k] == pytest.approx(coverage)
        assert (scores.lead_ab[k], scores.last_ab[k]) == (lead, last)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(word_pool, min_size=1, max_size=40).map(" ".join), min_size=2, max_size=6),
       st.data())
def test_held_words_count_the_words_any_partner_holds(texts: list[str], data) -> None:
    # A story's canonical is chosen on how many of its words its other members hold together.
    verifier = verifier_for(texts)
    every = [(x, y) for x in range(len(texts)) for y in range(x + 1, len(texts))]
    pairs = data.draw(st.lists(st.sampled_from(every), unique=True)) if every else []
    held = verifier.held_words(np.array(pairs, dtype=np.int64).reshape(-1, 2))
    # ... and a version's cleanliness on the runs of words none of them holds (its own edits).
    edits = verifier.own_edits(np.array(pairs, dtype=np.int64).reshape(-1, 2))
    for x in range(len(texts)):
        partners = [b for a, b in pairs if a == x] + [a for a, b in pairs if b == x]
        expected = np.zeros(verifier.sketches.word_counts[x], dtype=bool)
        for y in partners:
            expected |= reference_covered(verifier, x, y)
        assert held[x] == expected.sum()
        own = ~expected if partners else np.zeros(len(expected), dtype=bool)
        assert edits[x] == int(np.sum(own[1:] & ~own[:-1]) + own[:1].sum())


def test_articles_prepared_from_their_packed_tokens_score_as_prepared_ones() -> None:
    # The Spark job prepares each article once and scores pairs elsewhere, from packed tokens.
    articles = sorted(read_articles([SAMPLE]).articles, key=lambda a: a.id)
    config = DedupeConfig()
    made = prepare(articles, config, processes=1)
    cleaned = made.cleaned
    again = prepared_from(Tokens.unpack(cleaned.tokens.pack()), cleaned.fingerprints, cleaned.junk_only,
                          cleaned.boilerplate, config, with_signatures=False)
    pairs = np.array(list(itertools.combinations(range(len(articles)), 2)))
    direct = Verifier(made.sketches, cleaned, config).judge(pairs)
    packed = Verifier(again.sketches, again.cleaned, config).judge(pairs)
    assert direct.accepted.any() and not direct.accepted.all()
    assert np.array_equal(direct.decision, packed.decision)
    assert np.allclose(direct.cosine, packed.cosine)
