"""Cleaning: furniture out, Arabic unified, boilerplate learnt only across different stories."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedupe.clean import BoilerplateLearner, clean_article, clean_corpus, drop_title_lines, join_wrapped_lines, strip_furniture
from dedupe.tokens import tokenize

from conftest import SAMPLE


@pytest.mark.parametrize("raw, clean", [
    ("ABU DHABI, 14th June, 2025 (WAM) -- UAE President His Highness Sheikh Mohamed received a call.",
     "UAE President His Highness Sheikh Mohamed received a call."),
    ("LONDON, July 15 (Reuters) - Oil prices rose on Monday.", "Oil prices rose on Monday."),
    ("WASHINGTON (AP) — The Senate voted on Tuesday.", "The Senate voted on Tuesday."),
    ("SALVADOR, Feb 26 - Showers continued throughout the week.", "Showers continued throughout the week."),
    ("UPDATE 2-Oil rises as supply tightens", "Oil rises as supply tightens"),
    ("REFILE-Stocks fall\nStocks fell.", "Stocks fall\nStocks fell."),
    ("By Jeff Mason and Steve Holland\nTrump spoke.", "Trump spoke."),
    ("By JOHN SMITH, Associated Press\nThe vote passed.", "The vote passed."),
    ("The vote passed.\n(Reporting by Jeff Mason; Editing by Mary Milliken)", "The vote passed."),
    ("The vote passed.\nRead more: Why the vote matters\nContinue reading", "The vote passed."),
    ("The call ended.\nDOWNLOAD THE APP\nGet Started Now: Download the App\napp-storeplay-store", "The call ended."),
    ("Copyright 2018 The Associated Press. All rights reserved.\nText.", "Text."),
    ("By Reuters\nJuly 15, 2018\nText.", "Text."),
])
def test_furniture_is_removed(raw: str, clean: str) -> None:
    assert strip_furniture(raw) == clean


@pytest.mark.parametrize("text", [
    "By and large, the market rose.",              # "By" that is no byline
    "NATO - the alliance - met in Brussels.",      # a dash that is no dateline
    "The U.S. - China talks went on.",
    "Apple said downloads of its app rose in the App Store this year.",
])
def test_story_text_is_kept(text: str) -> None:
    assert strip_furniture(text) == text


def test_datelines_are_only_looked_for_at_the_top() -> None:
    body = "\n".join(["Line."] * 10 + ["PARIS (AFP) - A quoted wire lead deep in a page."])
    assert strip_furniture(body).endswith("PARIS (AFP) - A quoted wire lead deep in a page.")


def test_hard_wrapped_lines_become_paragraphs() -> None:
    wrapped = "Showers continued throughout the week in\nthe Bahia cocoa zone, Comissaria Smith said\nin its weekly review.\n    The dry period means the temporao will be late."
    assert join_wrapped_lines(wrapped).split("\n") == [
        "Showers continued throughout the week in the Bahia cocoa zone, Comissaria Smith said in its weekly review.",
        "    The dry period means the temporao will be late."]
    paragraphs = "First paragraph ends here.\nSecond one starts.\n\nDOWNLOAD THE APP\n\nMore."
    assert join_wrapped_lines(paragraphs) == paragraphs


def test_title_lines_are_dropped() -> None:
    assert drop_title_lines("Port opens\nPORT  OPENS\nThe port opened.", "Port opens") == "The port opened."
    assert drop_title_lines("Text.", None) == "Text."


def test_boilerplate_is_learnt_across_different_stories() -> None:
    footer = "The Gulf Ledger | Independent business news from the Gulf since 1998"
    stories = [f"Story number {i} tells of event {i} in detail, with quotes and figures {i * 7}." for i in range(5)]
    learner = BoilerplateLearner(min_docs=4).fit([f"{s}\n{footer}" for s in stories])
    assert footer.casefold() in learner.lines_
    assert learner.strip(f"{stories[0]}\n{footer}") == stories[0]


def test_a_paragraph_shared_by_copies_of_one_story_is_not_boilerplate() -> None:
    paragraph = "Shipping lines serving East Africa are expected to move first, officials said."
    copies = [f"The port opened its fourth terminal on Saturday.\n{paragraph}\nOutlet {i} footer." for i in range(6)]
    assert paragraph.casefold() not in BoilerplateLearner(min_docs=4).fit(copies).lines_


def test_sample_folder_learns_its_site_footer() -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted(SAMPLE.glob("*.txt"))]
    learner = BoilerplateLearner(min_docs=4).fit([clean_article(t, None) for t in texts])
    assert any("independent business news" in line for line in learner.lines_)
    cleaned = clean_corpus(texts, [None] * len(texts), boilerplate_min_docs=4)
    assert len(cleaned.boilerplate) == len(learner)
    assert all("independent business news" not in t for t in cleaned.texts)
    # The list of popular links under the footer is page junk, gone before anything is learnt.
    assert any("Most popular on the Gulf Ledger" in t for t in texts)
    assert all("most popular" not in t.casefold() for t in cleaned.texts)


# Pieces of text and of furniture, joined at random: idempotence must hold however they combine.
text_strategy = st.lists(st.sampled_from(list("abcXYZ ٠١أإةىَ\n-—,.()'’0123456789") + [
    "(WAM) --", "By ", "Read more", "DUBAI", "UPDATE 2-", "Reuters", "July 15, 2018", "\n\n"]),
    max_size=80).map("".join)


@settings(max_examples=300, deadline=None)
@given(text_strategy)
def test_cleaning_is_idempotent(text: str) -> None:
    once = strip_furniture(text)
    assert strip_furniture(once) == once


@settings(max_examples=300, deadline=None)
@given(text_strategy, st.one_of(st.none(), text_strategy))
def test_cleaning_an_article_is_idempotent(text: str, title: str | None) -> None:
    # Whole articles: joining wrapped lines must not leave furniture or a headline for a second
    # cleaning to find (a dateline split over two lines, a headline wrapped in two).
    once = clean_article(text, title)
    assert clean_article(once, title) == once


def test_a_headline_wrapped_over_two_lines_goes_in_one_cleaning() -> None:
    text = "Oil prices rise\nas supply tightens\n\nOil prices rose on Monday as supply tightened."
    assert clean_article(text, "Oil prices rise as supply tightens") == "Oil prices rose on Monday as supply tightened."


def whole_text_fixed_point(text: str) -> str:
    """The specification of strip_furniture: every pass over the whole text, until none changes it."""
    from dedupe.clean import _strip_once
    while True:
        stripped = _strip_once(text)[0].strip("\n")
        if stripped == text:
            return text
        text = stripped


@settings(max_examples=300, deadline=None)
@given(text_strategy)
def test_later_passes_over_the_head_alone_change_nothing(text: str) -> None:
    assert strip_furniture(text) == whole_text_fixed_point(text)


def reference_boilerplate(texts: list[str], min_docs: int = 4, max_chars: int = 300, sample: int = 8) -> set[str]:
    """The specification of BoilerplateLearner, on line strings."""
    from collections import Counter, defaultdict

    from dedupe.boilerplate import line_key as _line_key

    def figure_line(key: str) -> bool:  # one word in five or more holds a digit: a line of data
        return 5 * len(re.findall(r"(?<!\S)[^\s\d]*\d", key)) >= len(key.split())

    docs = [[(_line_key(line), len(line)) for line in text.split("\n") if line.strip()] for text in texts]
    holders = defaultdict(list)
    for index, lines in enumerate(docs):
        for key in {key for key, size in lines if size <= max_chars}:
            holders[key].append(index)
    learnt = set()
    for key, where in holders.items():
        if len(where) < min_docs or figure_line(key):
            continue
        picked = [docs[i] for i in where[:sample]]
        counts = Counter(k for lines in picked for k in {k for k, _ in lines})
        unshared = sum(sum(s for k, s in lines if k != key and counts[k] >= 2) < 0.5 * sum(s for k, s in lines if k != key)
                       for lines in picked)
        if 2 * unshared > len(picked):
            learnt.add(key)
    return learnt


lines_strategy = st.sampled_from(["Subscribe to our newsletter", "Share this article", "Markets rose on Monday.",
                                  "Oil fell 2 pct.", "", "  ", "The Gulf Ledger | News since 1998", "Pay April 15"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.one_of(lines_strategy, st.text("abcdef XY.07", max_size=30)), max_size=8), max_size=14))
def test_boilerplate_learnt_on_line_hashes_follows_the_specification(docs: list[list[str]]) -> None:
    texts = ["\n".join(lines) for lines in docs]
    assert BoilerplateLearner(min_docs=3).fit(texts).lines_ == reference_boilerplate(texts, min_docs=3)


def test_cleaning_in_processes_or_without_texts_gives_the_same_tokens() -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted(SAMPLE.glob("*.txt"))]
    corpus = [f"{text}\n\nStory number {i} of the feed." for i in range(160) for text in texts]
    alone = clean_corpus(corpus, [None] * len(corpus), processes=1)
    shared = clean_corpus(corpus, [None] * len(corpus), processes=2, keep_texts=False)
    assert len(corpus) >= 2000 and len(alone.texts) == len(corpus) and shared.texts == []
    assert np.array_equal(alone.tokens.words, shared.tokens.words)
    assert np.array_equal(alone.tokens.name, shared.tokens.name)
    assert np.array_equal(alone.fingerprints, shared.fingerprints)
    assert np.array_equal(alone.tokens.words, tokenize(alone.texts).words)


any_case_lines = st.lists(st.sampled_from([
    "\n", " ", "\t", "Read More: ", "COPYRIGHT 2024 Gulf Ledger", "Reporting by Ali; Editing by Sara", "(c) x",
    "Associated   Press", "SHARE", "Staff Writers", "Source: WAM", "ApP StOrE and Google Play Store", "İ", "ß",
    "related", "Related Articles", "x", "Comments"]), max_size=30).map("".join)


@settings(max_examples=400, deadline=None)
@given(any_case_lines)
def test_phrases_matched_in_lower_case_are_matched_in_any_case(text: str) -> None:
    from dedupe.clean import _FURNITURE_ANY_CASE, _drop_lines, _strip_any_case
    text = "\n" + text
    assert _strip_any_case(text) == _drop_lines(text, _FURNITURE_ANY_CASE.finditer(text))


def test_the_page_s_own_lines_are_counted_and_the_story_s_credits_are_not() -> None:
    from dedupe.clean import strip_pages
    body = ("The airline said on Tuesday it had ordered 30 wide-body jets, its largest order in five years, "
            "as it prepares to expand its long-haul network.")
    page = ("Advertisement\nShare on Facebook\nDUBAI, June 3 (Reuters) - " + body
            + "\n(Reporting by Lisa Ng; Editing by Jane Merriman)\nRead more: Oil steadies\n"
            "Copyright 2026 Coastal Times. All rights reserved.")
    stripped = strip_pages([page], [None])[0]
    assert stripped.text == body
    # Advertisement, the share button, Read more and the rights line are the outlet's; the
    # dateline and the reporting credit are the wire's own.
    assert stripped.page_lines == 4
    assert stripped.credit > 0 and strip_pages([body], [None])[0].page_lines == 0
