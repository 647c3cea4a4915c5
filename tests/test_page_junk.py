"""Page junk on small scraped pages written for these tests: each kind goes, the story stays."""

from __future__ import annotations

import pytest

from dedupe import Role, find_duplicates
from dedupe.clean import clean_article, hard_wrapped
from dedupe.page_junk import junk_lines, strip_page_junk

from conftest import by_id

STORY = [
    "President Donald Trump says nothing bad will come out of Monday's summit with Russian President "
    "Vladimir Putin, as he attempted to lower expectations for what the meeting may achieve.",
    "Trump's national security adviser said they are not looking for concrete deliverables, and that the "
    "president would raise the indictments of 12 Russian military intelligence officers.",
    "The U.S. has no extradition treaty with Moscow and can't compel Russia to hand over citizens, and a "
    "provision in Russia's constitution prohibits extraditing its citizens to foreign countries.",
]

JUNK = {
    "caption": "In this July 7, 2017 file photo the two leaders meet at the G-20 summit in Hamburg. (AP Photo/Evan Vucci, file)",
    "file photo": "FILE - In this Nov. 11, 2017 photo, the leaders talk during a summit in Vietnam.",
    "credit": "Photo: Pablo Martinez Monsivais, AP",
    "gallery counter": "Image 1 of 15",
    "stamp": "Posted: 8:11 AM, July 15, 2018",
    "updated": "Updated July 15, 2018 at 9:58 am",
    "relative stamp": "2 hours ago",
    "weather": "Areas of fog early, becoming mostly sunny this afternoon. High 91F. Winds N at 5 to 10 mph.",
    "search widget": "Enter City and State or Zip Code",
    "script": "window._taboola = window._taboola || []; _taboola.push({article:'auto'});",
    "counter": "12 Comments",
    "share": "Share on Facebook Share on Twitter",
    "buttons": "share more_vert",
    "newsletter": "Sign up for our newsletter to get the day's top stories delivered every morning.",
    "breadcrumb": "Star Tribune\u2022 The Latest",
    "arabic related": "\u0627\u0642\u0631\u0623 \u0623\u064a\u0636\u0627",
}


@pytest.mark.parametrize("kind", sorted(JUNK))
def test_each_kind_of_page_junk_goes_and_the_story_stays(kind: str) -> None:
    page = "\n".join([STORY[0], JUNK[kind], STORY[1], STORY[2]])
    assert clean_article(page, None) == "\n".join(STORY)


def test_a_list_of_related_links_goes_up_to_the_story() -> None:
    page = "\n".join([STORY[0], "Related Articles", "Trump stands by criticism of European immigration",
                      "Putin arrives late for meeting", STORY[1], STORY[2]])
    assert clean_article(page, None) == "\n".join(STORY)


def test_story_paragraphs_are_never_junk() -> None:
    # Paragraphs that speak of photos, dates, shares and subscriptions are story text, and so are
    # a wire's table rows and its "more" that closes a take.
    paragraphs = ["The photo, taken on July 15, 2018, showed the two leaders shaking hands in Helsinki.",
                  "Shares of the company rose 4 percent on Monday after the announcement.",
                  "On Monday, July 16, the two presidents met for more than two hours.",
                  "In this city, the photo exhibition opened to visitors on Sunday, July 15, 2018.",
                  "The plant would cost about 125 mln dlrs, with production beginning in 1991. more",
                  "Subscriptions close March 18 and payment date is April 2.",
                  "The newsletter said the letter indicated the bank was having difficulties."]
    assert strip_page_junk("\n".join(paragraphs)) == "\n".join(paragraphs)
    table = "04/09/87 03/09/87  04/09/87 03/09/87\n90 days       6.97\n208.78 UP  1.30\nTogo             130\nDec 31"
    assert strip_page_junk(table) == table


def test_page_lines_are_not_glued_onto_paragraphs() -> None:
    page = "\n".join(["Posted", "July 15, 2018 at 8:11 AM", "Comment", *STORY])
    assert not hard_wrapped(page)
    assert clean_article(page, None) == "\n".join(STORY)


def test_zero_width_characters_do_not_hide_a_copy() -> None:
    text = "\n".join(STORY)
    hidden = "".join(c + ("\u200b" if i % 4 == 0 else "") + ("\u00ad" if i % 7 == 0 else "")
                     for i, c in enumerate(text))
    result = find_duplicates([{"id": "wire", "text": text}, {"id": "hidden", "text": hidden}])
    wire, copy = by_id(result)["wire"], by_id(result)["hidden"]
    assert wire.cluster == copy.cluster and {wire.role, copy.role} == {Role.CANONICAL, Role.DUPLICATE}


def test_a_caption_gallery_matches_only_its_identical_copies() -> None:
    gallery = ("share\nmore_vert\nPeople hold placards during the march towards the Senate Square in Helsinki, "
               "ahead of the arrival of the US President for the summit. (Photo by Jonathan Nackstrand / AFP)")
    story_with_caption = "\n".join([STORY[0], gallery.split("\n")[-1], STORY[1], STORY[2]])
    result = find_duplicates([{"id": "gallery-a", "text": gallery}, {"id": "gallery-b", "text": gallery},
                              {"id": "story", "text": story_with_caption},
                              {"id": "copy", "text": "\n".join(STORY)}])
    verdicts = by_id(result)
    assert verdicts["gallery-a"].cluster == verdicts["gallery-b"].cluster
    assert verdicts["story"].cluster == verdicts["copy"].cluster != verdicts["gallery-a"].cluster
    # The caption is not story text: the page that carries it is no more complete than the copy.
    assert verdicts["story"].role is not Role.EXTENDED and verdicts["copy"].role is not Role.EXTENDED


ENTRIES = [
    "European Council President Donald Tusk urged the leaders to work with Europe to avoid trade wars and "
    "prevent conflict and chaos, speaking in Beijing at the opening of a summit with China.",
    "President Donald Trump is claiming credit for bolstering NATO as he heads into a day of meetings, "
    "saying leaders called to thank him for getting them focused on their financial obligations.",
    "Finnish President Sauli Niinisto welcomed his guest to the presidential palace for breakfast, where "
    "the two discussed the Arctic, trade and the security of the Baltic region.",
    "Hundreds of demonstrators marched through central Helsinki carrying banners that called for free "
    "speech and human rights, while police closed several streets near the harbour.",
    "The Kremlin spokesman told reporters that no agenda had been agreed in advance and that the two "
    "presidents would decide themselves which questions to raise behind closed doors.",
]


def test_a_running_log_and_its_earlier_version_are_one_story() -> None:
    # A running log grows at the top, under its header: the earlier version is the newer one's
    # header and its closing part.
    header = "The Latest on President Donald Trump's summit with Russian President Vladimir Putin (all times local):"
    older = "\n".join([header, *reversed(ENTRIES[:2])])
    newer = "\n".join([header, *reversed(ENTRIES)])
    alone = ENTRIES[0]  # a piece equal to the log's first entry, without its header
    result = find_duplicates([{"id": "latest-0900", "text": older}, {"id": "latest-1200", "text": newer},
                              {"id": "tusk", "text": alone}])
    verdicts = by_id(result)
    assert verdicts["latest-0900"].cluster == verdicts["latest-1200"].cluster
    assert verdicts["tusk"].role is Role.UNIQUE


# Chrome that every kind of site writes, found by its structure, with no site's own phrases:
# icon names written out, button labels glued together, a form's prompt, a widget's setting
# whose value was lost, a link's address alone, an embedded tweet's signature, a time stamp
# with the date in figures, a comment policy's line, a window notice.
CHROME = ["more_vert", "play_arrow", "CONNECT TWEET LINKEDIN 27 COMMENTEMAILMORE",
          "FacebookEmail Twitter Google+ LinkedIn Pinterest", "Enter City and State or Zip Code",
          "Enter your email address", "Your weather is set to . You can change the location at any time.",
          "You are signed in as", "AccuWeather.com Quick Look", "Close share panel",
          "These are external links and will open in a new window",
          "politico.com/story/2018/07/15/trump-putin-snowden-summit-722256", "https://t.co/noutroe8mv",
          "— CBS News (@CBSNews) July 16, 2018", "Elections 07/14/2018, 03:30pm",
          "Politico Posted at 9:40 am on July 16, 2018",
          "To find out more about Facebook commenting please read the Conversation Guidelines and FAQs"]
# Story lines that look a little like it and must stay.
PROSE = ["Amazon.com shares jump", "Enter the building and you will see a code on the wall.",
         "The full text of the ruling is available at .", "Togo", "Printing presses roll",
         "Trump tweeted on July 16, 2018 that the talks had gone well, and aides said the meeting at 10:30 ran long.",
         # A Reuters line of dots once took 49 s: the patterns tried every split of the run.
         "....................T-bonds..Fed funds..Prime..", "1986/87 1985/86", "Dec 31"]


@pytest.mark.parametrize("line", CHROME)
def test_chrome_is_found_by_its_structure(line: str) -> None:
    assert junk_lines(line) == [True]
    assert clean_article("\n".join([*STORY[:2], line, *STORY[2:]]), None) == "\n".join(STORY)


@pytest.mark.parametrize("line", PROSE)
def test_story_lines_like_chrome_stay(line: str) -> None:
    assert junk_lines(line) == [False]
