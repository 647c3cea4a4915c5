"""The template guard, one rule in every script: names, places and figures swapped in place inside
otherwise identical wording make two stories; light edits do not."""

from __future__ import annotations

from pathlib import Path

import pytest

from dedupe import Role, find_duplicates, read_articles

from conftest import by_id
from test_seed import cut_stories

# The swaps that turn the seed page's UAE–Iraq call into the same call with Egypt, in order.
ENGLISH_SWAPS = [
    ("Dr Abdul Latif Jamal Rashid, President of the Republic of Iraq",
     "Abdel Fattah El-Sisi, President of the Arab Republic of Egypt"),
    ("ties between the UAE and Iraq", "ties between the UAE and Egypt"),
    ("the Iraqi President", "the Egyptian President"),
    ("prosperity for both nations", "prosperity for the UAE and Egypt"),  # a fourth place
]

ARABIC_IRAQ = (
    "تلقى صاحب السمو الشيخ محمد بن زايد آل نهيان رئيس الدولة اليوم اتصالا هاتفيا من فخامة الدكتور عبد اللطيف جمال رشيد "
    "رئيس جمهورية العراق.\n\nوبحث الجانبان خلال الاتصال آخر التطورات في منطقة الشرق الأوسط، حيث أكدا أهمية تعزيز الحوار "
    "والدبلوماسية سبيلا لترسيخ السلام وصون الأمن الإقليمي وتحقيق تطلعات الجميع إلى التنمية والازدهار.\n\nكما تناول الاتصال "
    "فرص تعزيز العلاقات الوثيقة بين الإمارات والعراق بما يحقق التقدم والازدهار للبلدين وشعبيهما.\n\nوتبادل سموه والرئيس "
    "العراقي التهاني بمناسبة حلول السنة الهجرية الجديدة، معربين عن أملهما في أن تحمل السلام والأمن والاستقرار للمنطقة والعالم.")
ARABIC_SWAPS = [
    ("الدكتور عبد اللطيف جمال رشيد رئيس جمهورية العراق", "عبد الفتاح السيسي رئيس جمهورية مصر العربية"),
    ("والرئيس العراقي", "والرئيس المصري"),
    ("الإمارات والعراق", "الإمارات ومصر"),
]


def _swapped(text: str, swaps: list[tuple[str, str]]) -> str:
    for old, new in swaps:
        assert old in text
        text = text.replace(old, new)
    return text


@pytest.fixture()
def seed_stories(seed_page: str, tmp_path: Path) -> dict[str, str]:
    """The bodies of the seed page's stories, by name."""
    cut_stories(seed_page, tmp_path)
    return {a.id.removesuffix(".txt"): a.text for a in read_articles([tmp_path]).articles}


@pytest.mark.parametrize("places", [2, 3, 4])
def test_english_readout_with_another_country_is_another_story(seed_stories: dict[str, str], places: int) -> None:
    zawya = seed_stories["zawya"]
    swaps = ENGLISH_SWAPS[:places] if places > 2 else [ENGLISH_SWAPS[0], ENGLISH_SWAPS[2]]
    egypt = _swapped(zawya, swaps).replace("Iraqi Presidents", "Egyptian Presidents")
    result = find_duplicates([{"id": "zawya", "text": zawya}, {"id": "khaleej", "text": seed_stories["khaleej"]},
                              {"id": "egypt", "text": egypt}])
    verdicts = by_id(result)
    assert verdicts["egypt"].role is Role.UNIQUE
    # The real copy of the Iraq call is still its story's truncated copy, its gap in the middle.
    assert verdicts["zawya"].role is Role.CANONICAL
    assert verdicts["khaleej"].role is Role.TRUNCATED and verdicts["khaleej"].missing == "middle"


@pytest.mark.parametrize("places", [2, 3])
def test_arabic_readout_with_another_country_is_another_story(places: int) -> None:
    egypt = _swapped(ARABIC_IRAQ, ARABIC_SWAPS[:places])
    result = find_duplicates([{"id": "iraq", "text": ARABIC_IRAQ}, {"id": "egypt", "text": egypt}])
    assert {v.role for v in result.verdicts} == {Role.UNIQUE}


def test_market_reports_that_differ_only_in_figures_stay_apart() -> None:
    report = ("Dubai's main share index rose {a} percent to {b} points on {day}, led by property stocks, while "
              "Abu Dhabi's index gained {c} percent to {d}. Emaar Properties climbed {e} percent and Emirates NBD "
              "added {f} percent. Trading volume reached {g} million shares worth {h} million dirhams, traders said, "
              "as investors awaited the central bank's decision on interest rates later in the week.")
    monday = report.format(a="0.8", b="5,412", day="Monday", c="0.3", d="9,871", e="2.1", f="1.4", g="312", h="845")
    tuesday = report.format(a="0.8", b="5,455", day="Monday", c="0.5", d="9,902", e="1.7", f="1.4", g="298", h="812")
    result = find_duplicates([{"id": "monday", "text": monday}, {"id": "tuesday", "text": tuesday}])
    assert {v.role for v in result.verdicts} == {Role.UNIQUE}


LIGHT_EDITS = [
    ("UAE President His Highness Sheikh Mohamed bin Zayed Al Nahyan", "UAE President Sheikh Mohamed bin Zayed Al Nahyan"),
    ("His Excellency Dr Abdul Latif Jamal Rashid", "Dr Abdul Latif Jamal Rashid"),
    ("the UAE and Iraq", "the United Arab Emirates and Iraq"),
    ("in the Middle East", "in the Mideast"),
]


@pytest.mark.parametrize("edits", [LIGHT_EDITS[:1], LIGHT_EDITS[:2], LIGHT_EDITS[2:], LIGHT_EDITS])
def test_light_edits_still_make_a_copy(seed_stories: dict[str, str], edits: list[tuple[str, str]]) -> None:
    zawya = seed_stories["zawya"]
    copy = _swapped(zawya, edits)
    result = find_duplicates([{"id": "zawya", "text": zawya}, {"id": "copy", "text": copy}])
    assert len(result.clusters) == 1, [(v.id, v.role) for v in result.verdicts]


def test_wire_us_for_united_states_still_makes_a_copy() -> None:
    wire = ("The U.S. Federal Reserve held interest rates steady on Wednesday but signalled that it could cut them "
            "later this year if inflation keeps easing, sending U.S. stocks higher. Fed Chair Jerome Powell told "
            "reporters that the central bank wanted more evidence before acting, and that the U.S. labour market "
            "remained strong. Treasury yields fell after the statement, and the dollar weakened against the euro "
            "and the yen in afternoon trading in New York.")
    copy = wire.replace("The U.S. Federal", "The United States Federal").replace("U.S. stocks", "US stocks")
    result = find_duplicates([{"id": "wire", "text": wire}, {"id": "copy", "text": copy}])
    assert len(result.clusters) == 1
