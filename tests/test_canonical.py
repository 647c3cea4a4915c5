"""The canonical an editor signs off: the agency's original among equally complete versions,
whatever the ids, with no publication times to go by."""

from __future__ import annotations

from dedupe import Role, find_duplicates

PARAGRAPHS = [
    "The Gulf carrier said on Tuesday it had ordered 30 wide-body jets worth 9.5 bln dlrs at list prices, "
    "its largest order in five years, as it prepares to expand its long-haul network to the U.S. and Asia.",
    "The airline said deliveries would begin in 2027 and run until 2031, and that the aircraft would replace "
    "older models that burn about a fifth more fuel per seat on its busiest routes.",
    "Its chief executive told reporters the order reflected strong demand for travel through the region, "
    "where passenger numbers rose 12 pct last year, and said the carrier would also hire 2,000 pilots.",
    "Analysts said the deal was in line with the plans the airline set out last year, although the timing "
    "surprised some investors who had expected the order to be announced at an air show in November.",
]
ORIGINAL = "\n\n".join(PARAGRAPHS)


def _verdicts(articles: list[dict]) -> dict:
    return {v.id: v for v in find_duplicates(articles).verdicts}


def test_the_readme_example() -> None:
    furnished = ("Share this article\n\n" + ORIGINAL.replace(" pct", " percent")
                 + "\n\nRead more: Oil steadies after volatile week")
    cut = "\n\n".join(PARAGRAPHS[:3])
    verdicts = _verdicts([{"id": "z-reuters", "text": ORIGINAL, "source": "Reuters"},
                          {"id": "a-coastal", "text": furnished, "source": "Coastal Times"},
                          {"id": "b-metro", "text": cut, "source": "Metro Wire"}])
    assert verdicts["z-reuters"].role is Role.CANONICAL
    assert verdicts["a-coastal"].role is Role.DUPLICATE and verdicts["a-coastal"].canonical == "z-reuters"
    assert verdicts["b-metro"].role is Role.TRUNCATED and verdicts["b-metro"].missing == "end"


def test_page_furniture_loses_the_tie_whatever_the_ids() -> None:
    furnished = "Advertisement\n\n" + ORIGINAL + "\n\nCopyright 2026 Coastal Times. All rights reserved."
    for original_id, copy_id in (("a", "b"), ("b", "a")):
        verdicts = _verdicts([{"id": original_id, "text": ORIGINAL}, {"id": copy_id, "text": furnished}])
        assert verdicts[original_id].role is Role.CANONICAL
        assert verdicts[copy_id].role is Role.DUPLICATE


def test_a_house_edit_loses_the_tie_whatever_the_ids() -> None:
    edited = ORIGINAL.replace("told reporters", "told reporters on Tuesday").replace("Analysts said", "Analysts said on Tuesday")
    for original_id, copy_id in (("a", "b"), ("b", "a")):
        verdicts = _verdicts([{"id": original_id, "text": ORIGINAL}, {"id": copy_id, "text": edited}])
        assert verdicts[original_id].role is Role.CANONICAL
        assert verdicts[copy_id].role is Role.DUPLICATE


def test_between_two_versions_each_with_its_edit_the_agency_s_own_copy_wins() -> None:
    # "US" for "U.S.": one edit on each side, nothing tells which came first but the source.
    edited = ORIGINAL.replace("the U.S.", "the US")
    for original_id, copy_id in (("a", "b"), ("b", "a")):
        verdicts = _verdicts([{"id": original_id, "text": ORIGINAL, "source": "Reuters"},
                              {"id": copy_id, "text": edited, "source": "Gulf Courier"}])
        assert verdicts[original_id].role is Role.CANONICAL


def test_the_agency_its_texts_credit_beats_another_agency_s_feed() -> None:
    credited = "DUBAI, June 3 (Reuters) - " + ORIGINAL
    verdicts = _verdicts([{"id": "a", "text": credited, "source": "AFP"},
                          {"id": "b", "text": credited, "source": "Thomson Reuters"},
                          {"id": "c", "text": credited, "source": "Gulf News"}])
    assert verdicts["b"].role is Role.CANONICAL


def test_explain_says_why_the_canonical_won() -> None:
    from dedupe.explain import explain_pair

    furnished = "Advertisement\n\n" + ORIGINAL.replace(" pct", " percent") + "\n\nShare this article"
    cut = "\n\n".join(PARAGRAPHS[:2])
    articles = [{"id": "b-original", "text": ORIGINAL, "source": "Reuters"},
                {"id": "a-copy", "text": furnished, "source": "Coastal Times"},
                {"id": "c-cut", "text": cut, "source": "Metro Wire"}]
    pair = explain_pair(articles, "b-original", "a-copy")
    assert pair.role_a == "canonical" and pair.won_a == ""
    # Two page lines and one edit on the copy; on the original, its side of the edit ("pct",
    # which no other version holds).
    assert pair.won_b == ("the canonical is as complete and a cleaner page: fewer marks of a house "
                          "(b-original: 1 mark of a house; a-copy: 3 marks of a house)")
    assert explain_pair(articles, "c-cut", "b-original").won_a.startswith("the canonical is more complete")
    # Equally clean pages: the agency's own copy wins, and explain says so.
    edited = ORIGINAL.replace(" pct", " percent")
    pair = explain_pair([{"id": "b-original", "text": ORIGINAL, "source": "Reuters"},
                         {"id": "a-copy", "text": edited, "source": "Coastal Times"}], "b-original", "a-copy")
    assert pair.won_b.startswith("the canonical is as complete and as clean, and is the agency's own copy")
    assert pair.to_dict()["canonical_won"] == {"a": "", "b": pair.won_b}
