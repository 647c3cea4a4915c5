"""Roles an editor signs off: a write-through's earlier takes are versions, not copies cut short;
explain, scan -o and the report give one pair the same scores."""

from __future__ import annotations

import pytest

from dedupe import Role, find_duplicates
from dedupe.explain import explain_pair

LEAD_1 = ("Firefighters battled a large blaze at a warehouse in the industrial district of the city early on Tuesday "
          "morning, sending thick black smoke over nearby homes, and residents were told to keep their windows "
          "closed while crews worked to stop the fire from spreading to neighbouring buildings.")
LEAD_2 = ("A fire that broke out before dawn on Tuesday destroyed a furniture warehouse in the city's industrial "
          "district, officials said, adding that no one was hurt.")
LEAD_3 = ("Investigators were examining on Tuesday evening what caused a fire that destroyed a furniture warehouse "
          "in the city's industrial district, as the owner put the damage at several million dirhams.")
BODY = [
    "The civil defence authority said its first teams reached the site within eight minutes of the alarm and "
    "that more than forty firefighters took part in the operation, supported by water tankers.",
    "Traffic on the main road beside the district was diverted for several hours, and police asked drivers to "
    "avoid the area until the last of the smoke had cleared from the streets.",
    "The warehouse stored sofas, mattresses and wooden frames, materials that burn quickly, a spokesman for the "
    "authority told reporters at the scene, where cooling work went on into the afternoon.",
    "Three workers who were sleeping in a building next door were taken out as a precaution and checked by "
    "paramedics, who found that none of them needed to be taken to hospital.",
    "The owner of the business said he had renewed the building's safety certificate last month and would "
    "cooperate fully with the investigation into how the fire started.",
]


def write_through() -> list[dict]:
    """Four takes of one story through the day, each rewriting the lead and adding paragraphs."""
    takes = [[LEAD_1, *BODY[:2]], [LEAD_2, *BODY[:3]], [LEAD_2, *BODY[:4]], [LEAD_3, *BODY]]
    return [{"id": f"take{k + 1}", "text": "\n\n".join(take)} for k, take in enumerate(takes)]


def test_the_first_take_of_a_write_through_is_a_version_not_truncated() -> None:
    verdicts = {v.id: v for v in find_duplicates(write_through()).verdicts}
    assert len({v.cluster for v in verdicts.values()}) == 1
    assert verdicts["take1"].role is not Role.CANONICAL
    first = verdicts["take1"]
    # It holds its own lead, which no later take carries: not the canonical cut short.
    assert first.role is Role.VERSION and first.missing is None
    assert first.coverage < 0.6
    assert first.chain[0] == "take1" and first.chain[-1] == first.canonical
    # A later take that is the canonical's text without its newest paragraphs is cut short.
    assert verdicts["take2"].role is Role.TRUNCATED and verdicts["take2"].missing == "end"


def test_no_truncated_copy_holds_much_text_the_canonical_lacks() -> None:
    for v in find_duplicates(write_through()).verdicts:
        if v.role is Role.TRUNCATED:
            assert v.coverage >= 0.6



def test_explain_gives_the_scores_of_the_scan(web_pages: list[dict]) -> None:
    # A version the scan scored 0.51 / 0.07 against its canonical: explain once showed 0.000 both
    # ways, a score it had not computed.
    verdict = next(v for v in find_duplicates(web_pages).verdicts if v.id == "helsinki_summit-11596")
    assert verdict.role is not Role.UNIQUE
    pair = explain_pair(web_pages, verdict.id, verdict.canonical)
    assert pair.coverage_ab == pytest.approx(verdict.coverage)
    assert pair.coverage_ba == pytest.approx(verdict.canonical_coverage)
    assert pair.similarity == pytest.approx(verdict.similarity)
    assert pair.coverage_ab > 0 and pair.coverage_ba > 0


def test_an_excerpt_page_is_a_copy_cut_short_wherever_its_paragraphs_stand() -> None:
    # A snippet page quotes two paragraphs from the middle of the story and nothing else: the
    # labels' definition makes it a truncated copy. A page that embeds a paragraph of the story
    # in its own text stays apart (tests/test_verify.py), and so does a one-line brief that a
    # running log carries as an entry (tests/test_page_junk.py).
    story = "\n".join([LEAD_1, *BODY])
    excerpt = "\n".join(BODY[2:4])
    verdicts = {v.id: v for v in find_duplicates([{"id": "wire", "text": story},
                                                  {"id": "snippet", "text": excerpt}]).verdicts}
    assert verdicts["snippet"].cluster == verdicts["wire"].cluster
    assert verdicts["snippet"].role is Role.TRUNCATED and verdicts["wire"].role is Role.CANONICAL
