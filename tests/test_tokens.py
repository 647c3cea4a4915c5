"""Tokens: the numba tokenizer against the regular expressions that specify it."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dedupe.tokens import Tokens, tokenize, tokenize_lines, to_tokens

from conftest import SAMPLE

# The specification, written with Python's regular expressions: NFKC, case folding, Arabic
# unified, separators between digits dropped, small numbers spelt out made digits, then runs of
# letters and digits. Names: runs of capitalised words, kept when two or more or inside a sentence.
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_LETTERS = str.maketrans({"\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627", "\u0671": "\u0627",
                                 "\u0649": "\u064a", "\u0629": "\u0647",
                                 **{chr(0x0660 + d): str(d) for d in range(10)},
                                 **{chr(0x06F0 + d): str(d) for d in range(10)}})
_NUMBERS = {w: str(v) for v, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve "
                                             "thirteen fourteen fifteen sixteen seventeen eighteen nineteen "
                                             "twenty".split())}
_NUMBERS.update({w: str(10 * t) for t, w in enumerate("thirty forty fifty sixty seventy eighty ninety".split(), 3)})
_NUMBER_WORD = re.compile(r"(?<![^\W_])(?:" + "|".join(_NUMBERS) + r")(?![^\W_])")  # a whole word
# A line's first word (after its indentation) opens a sentence, as one after ". " does; nothing
# looks past the line.
_NAMES = re.compile(r"(?:^[^\S\n]*|[.!?][^\S\n]+|([^\S\n]))([A-Z][\w'\u2019-]*(?:[ \t][A-Z][\w'\u2019-]*)*)",
                    re.MULTILINE)
_NOISE = set("corp corporation inc incorporated ltd limited plc llc company the".split())


def spec_tokens(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_LETTERS)
    text = re.sub(r"(?<=\d)[.,/-](?=\d)", "", text)
    text = _NUMBER_WORD.sub(lambda m: _NUMBERS[m.group(0)], text)
    return re.sub(r"[\W_]+", " ", text).split()


def spec_names(text: str) -> set[str]:
    runs = [run for alone, run in _NAMES.findall(unicodedata.normalize("NFKC", text)) if " " in run or alone]
    return {w for w in spec_tokens(" ".join(runs)) if len(w) > 2 and w not in _NOISE}


def flagged(text: str) -> tuple[list[str], set[str], set[str]]:
    tokens = tokenize([text])
    words = to_tokens(text).split()
    assert len(words) == len(tokens.words)
    return (words, {w for w, f in zip(words, tokens.figure) if f}, {w for w, n in zip(words, tokens.name) if n})


pieces = st.lists(st.sampled_from(list("abcXYZ ٠١أإةىَ\n\t-—,./_()'’0123456789ßİǅ") + [
    "Northern Trust Corp", "said Monday", ". Revenue", "twenty", "One", "Seventy-five", "1,412.6",
    "7-3/4", "U.S.", "Al-Maktoum", "\n\nSheikh Mohamed", "ﬁnance", "Ｄｕｂａｉ"]), max_size=60).map("".join)


@settings(max_examples=400, deadline=None)
@given(pieces)
def test_tokens_follow_the_specification(text: str) -> None:
    words, figures, names = flagged(text)
    assert words == spec_tokens(text)
    assert figures == {w for w in words if w.isdecimal()}
    # A name is one of the specification's, as long as the word is in the text whole.
    assert names <= spec_names(text)


def test_sample_texts_give_the_specified_words_and_names() -> None:
    for path in sorted(SAMPLE.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        words, _, names = flagged(text)
        assert words == spec_tokens(text), path.name
        assert names == spec_names(text) & set(words), path.name


def test_arabic_forms_and_diacritics_are_unified() -> None:
    voweled = "أَعْلَنَتْ هيئةُ الكهرباء والمـياه إلى ١٥٠"
    plain = "اعلنت هيئه الكهرباء والمياه الي 150"
    assert to_tokens(voweled) == to_tokens(plain) == plain


def test_tokens_fold_case_width_and_punctuation() -> None:
    assert to_tokens("Ｄｕｂａｉ’s ports—OPEN, again!") == "dubai s ports open again"


def test_facts_are_figures_and_names() -> None:
    words, figures, names = flagged("Net profit rose to 84.3 million dirhams, Emirates Cement said. Revenue was "
                                    "1,412.6 million.\nNorthern Trust Corp raised its prime rate to 7-3/4 pct "
                                    "from Monday.")
    # Figures stay whole; names are capitalised runs, or capitalised words inside a sentence.
    assert figures == {"843", "14126", "734"}
    assert names == {"emirates", "cement", "northern", "trust", "monday"}  # no legal suffixes


@settings(max_examples=200, deadline=None)
@given(pieces)
def test_tokens_are_idempotent(text: str) -> None:
    once = to_tokens(text)
    assert to_tokens(once) == once
    assert "  " not in once and once == once.strip()
    assert np.array_equal(tokenize([once]).words, tokenize([text]).words)


def test_identical_words_share_a_fingerprint() -> None:
    tokens = tokenize(["The port opened.", "THE PORT — OPENED!", "The port closed.", "", "  "])
    assert tokens.fingerprints[0] == tokens.fingerprints[1] != tokens.fingerprints[2]
    assert tokens.fingerprints[3] == tokens.fingerprints[4]


def test_letters_that_fold_into_several_stay_in_their_own_text() -> None:
    # "İ" folds to "i" and a combining dot, which separates words: three characters, three words.
    texts = ["İİİ" * 50, "Ports Reopen In Dubai", "ǅİİ ßİ", "Sheikh Mohamed said"] * 20
    for _ in range(5):
        tokens = tokenize(texts)
        for i, text in enumerate(texts):
            words = tokens.words[tokens.offsets[i]:tokens.offsets[i + 1]]
            assert np.array_equal(words, tokenize([" ".join(spec_tokens(text))]).words)
        assert not tokens.name[tokens.offsets[0]:tokens.offsets[1]].any()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(pieces, st.sets(st.integers(0, 9))), max_size=12))
def test_taking_lines_out_gives_the_tokens_of_the_texts_without_them(edits: list[tuple[str, set[int]]]) -> None:
    # Words and their flags never look past their line: boilerplate removal relies on it.
    texts = [text for text, _ in edits]
    tokens, lines = tokenize_lines(texts)
    gone = np.zeros(len(lines.keys), dtype=bool)
    for doc, (_, numbers) in enumerate(edits):
        for number in numbers:
            if lines.offsets[doc] + number < lines.offsets[doc + 1]:
                gone[lines.offsets[doc] + number] = True
    after = ["\n".join(line for i, line in enumerate(text.split("\n")) if i not in numbers) for text, numbers in edits]
    without = tokens.without_lines(lines, gone)
    whole = tokenize(after)
    for field in ("words", "offsets", "figure", "name", "fingerprints"):
        assert np.array_equal(getattr(without, field), getattr(whole, field)), field


@settings(max_examples=100, deadline=None)
@given(st.lists(pieces, max_size=8))
def test_packed_tokens_unpack_to_the_same_tokens(texts: list[str]) -> None:
    # The Spark job moves prepared articles between processes as these bytes.
    tokens = tokenize(texts)
    unpacked = Tokens.unpack(tokens.pack())
    for field in ("words", "offsets", "figure", "name", "fingerprints"):
        assert np.array_equal(getattr(unpacked, field), getattr(tokens, field)), field
        assert getattr(unpacked, field).dtype == getattr(tokens, field).dtype, field
