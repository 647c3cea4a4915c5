"""The whole pipeline as a library call: roles, canonicals, order independence, no chaining."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedupe import Article, DedupeConfig, Role, find_duplicates, read_articles
from dedupe.pipeline import Deduplicator
from dedupe.prepare import CorpusContext, prepare

from conftest import SAMPLE, by_id

PORT = "wire-port-terminal.txt"


def test_sample_roles(sample_result) -> None:
    v = by_id(sample_result)
    assert v[PORT].role is Role.CANONICAL
    assert v["ledger-port-terminal.txt"].role is Role.DUPLICATE        # other headline and boilerplate
    cut = v["coastnews-port-terminal.txt"]
    assert (cut.role, cut.missing) == (Role.TRUNCATED, "end")           # cut short
    assert 0.3 < cut.canonical_coverage < 0.45 and cut.coverage > 0.95
    dropped = v["expatdaily-port-terminal.txt"]
    assert (dropped.role, dropped.missing) == (Role.TRUNCATED, "middle")  # a paragraph dropped
    assert 0.8 < dropped.canonical_coverage < 0.9
    extended = v["northern-emirates-port-terminal.txt"]
    assert extended.role is Role.EXTENDED and extended.missing is None  # local paragraphs added
    assert extended.coverage < 0.8
    for member in ("ledger-port-terminal.txt", "coastnews-port-terminal.txt", "expatdaily-port-terminal.txt",
                   "northern-emirates-port-terminal.txt"):
        assert v[member].canonical == PORT and v[member].cluster == v[PORT].cluster


def test_arabic_copies_differing_in_diacritics_and_letter_forms(sample_result) -> None:
    v = by_id(sample_result)
    assert v["wam-desalination-ar"].role is Role.CANONICAL
    plain = v["alkhaleej-desalination-ar"]
    assert plain.role is Role.DUPLICATE and plain.similarity == pytest.approx(1.0)
    assert v["albayan-desalination-ar"].role is Role.TRUNCATED


def test_look_alikes_digests_and_unrelated_stories_stay_unique(sample_result) -> None:
    v = by_id(sample_result)
    for article in ("wire-earnings-cement.txt", "wire-earnings-steel.txt", "wire-readout-kenya.txt",
                    "wire-readout-chile.txt", "ledger-market-close-0612.txt", "ledger-market-close-0613.txt",
                    "gulf-briefs-2025-06-15", "rail-freight-link", "museum-opening.md",
                    "weather-dust-storm.txt", "ledger-falcons-final.txt"):
        assert v[article].role is Role.UNIQUE, article
        assert v[article].cluster == article and v[article].similarity is None


def test_every_article_is_accounted_for_once(sample_result) -> None:
    read = read_articles([SAMPLE])
    assert sorted(v.id for v in sample_result.verdicts) == sorted(a.id for a in read.articles)
    s = sample_result.summary
    assert s["articles"] == sum(s[r.value] for r in Role)
    assert s["stories"] == s["canonical"] == len(sample_result.clusters) == 2
    story = sample_result.clusters[0]
    assert story.canonical.id == PORT and len(story) == 5


@settings(max_examples=15, deadline=None)
@given(st.permutations(read_articles([SAMPLE]).articles))
def test_input_order_never_changes_the_result(articles) -> None:
    shuffled = find_duplicates(articles)
    reference = find_duplicates(sorted(articles, key=lambda a: a.id))
    assert [v.to_record() for v in shuffled.verdicts] == [v.to_record() for v in reference.verdicts]


def test_dicts_work_like_articles() -> None:
    wire = (SAMPLE / PORT).read_text(encoding="utf-8").split("\n\n", 1)[1]
    result = find_duplicates([{"id": "a", "body": wire, "publisher": "X"}, {"id": "b", "text": wire},
                              {"title": "no id"}, {"id": "a", "text": "again"}])
    assert [v.role for v in result.verdicts] == [Role.CANONICAL, Role.DUPLICATE]
    assert [r.line for r in result.rejects] == [3, 4]
    assert "duplicate id 'a'" in result.rejects[1].reason


def body(name: str) -> str:
    return (SAMPLE / name).read_text(encoding="utf-8").split("\n\n", 1)[1]


def test_equal_copies_go_to_source_priority_then_earliest_then_id() -> None:
    text = body(PORT)
    articles = [Article("c", text, source="Late Wire", published=None),
                Article("b", text, source="Coast", published=datetime(2025, 6, 15)),
                Article("a", text, source="Coast", published=datetime(2025, 6, 16))]
    assert by_id(find_duplicates(articles))["a"].canonical == "b"      # earliest published
    config = DedupeConfig(source_priority=("Late Wire",))
    assert by_id(find_duplicates(articles, config))["a"].canonical == "c"  # preferred source
    undated = [replace(a, published=None, source=None) for a in articles]
    assert by_id(find_duplicates(undated))["c"].canonical == "a"        # smallest id


def test_the_most_complete_version_is_canonical_whatever_its_date() -> None:
    full, cut = body(PORT), body("coastnews-port-terminal.txt")
    early_cut = [Article("full", full, published=datetime(2025, 6, 14, 12)),
                 Article("cut", cut, published=datetime(2025, 6, 14, 8))]
    v = by_id(find_duplicates(early_cut, DedupeConfig(source_priority=("nobody",))))
    assert v["full"].role is Role.CANONICAL and v["cut"].role is Role.TRUNCATED


def test_a_digest_does_not_chain_the_stories_it_holds() -> None:
    port, weather, museum = body(PORT), body("weather-dust-storm.txt"), body("museum-opening.md")
    digest = "\n\n".join([body("coastnews-port-terminal.txt"), weather, museum])
    articles = [Article("port", port), Article("port-copy", port.replace("Saturday", "Sat")),
                Article("weather", weather), Article("weather-copy", weather),
                Article("museum", museum), Article("digest", digest)]
    v = by_id(find_duplicates(articles))
    assert v["digest"].role is Role.UNIQUE
    assert v["port"].cluster == v["port-copy"].cluster != v["weather"].cluster == v["weather-copy"].cluster
    assert v["museum"].role is Role.UNIQUE


def test_a_shared_quote_does_not_join_two_stories() -> None:
    quote = ('"We designed this terminal for the trade routes of the next twenty years, not the last '
             'twenty," the chief executive said at the ceremony on Saturday.')
    a = body("weather-dust-storm.txt") + "\n\n" + quote
    b = body("museum-opening.md") + "\n\n" + quote
    result = find_duplicates([Article("a", a), Article("b", b), Article("q", quote)])
    assert all(v.role is Role.UNIQUE for v in result.verdicts)


def test_timings_cover_every_stage(sample_result) -> None:
    assert set(sample_result.timings) == {"clean", "sketch", "candidates", "verify", "cluster"}
    assert sample_result.boilerplate_lines >= 1
    assert not sample_result.peak_memory  # measured only when asked: it resets the process's peak
    if sys.platform == "linux":
        measured = Deduplicator(stage_peaks=True).run(read_articles([SAMPLE]).articles)
        assert set(measured.peak_memory) == set(measured.timings)


def test_releasing_the_texts_changes_no_verdict_and_empties_them() -> None:
    kept = Deduplicator().run(read_articles([SAMPLE]).articles)
    released = Deduplicator(release_texts=True).run(read_articles([SAMPLE]).articles)
    assert [(v.id, v.role, v.canonical, v.similarity, v.coverage, v.missing) for v in released.verdicts] == \
        [(v.id, v.role, v.canonical, v.similarity, v.coverage, v.missing) for v in kept.verdicts]
    assert all(v.article.text == "" for v in released.verdicts)
    assert all(v.article.text for v in kept.verdicts)


@pytest.mark.skipif(sys.platform != "linux", reason="the kernel's high-water mark is Linux's")
def test_a_stage_s_peak_memory_counts_what_it_freed_and_the_next_one_starts_afresh() -> None:
    from dedupe.heap import peak_since_last_call

    peak_since_last_call()
    before = int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    block = np.ones(300 * 2**20, dtype=np.uint8)  # 300 MB, written, then freed: a stage's passing peak
    del block
    first = peak_since_last_call()
    second = peak_since_last_call()
    assert first >= before + 290 * 2**20
    assert second < first - 250 * 2**20


def test_a_run_leaves_the_cycle_collector_as_it_found_it() -> None:
    import gc

    articles = [{"id": "a", "text": "The port opened a new terminal on Saturday, its operator said."}]
    for enabled in (True, False):
        (gc.enable if enabled else gc.disable)()
        try:
            find_duplicates(articles)
            assert gc.isenabled() is enabled

            def broken_feed():
                yield from articles
                raise OSError("feed went away")

            with pytest.raises(OSError):
                find_duplicates(broken_feed())  # a run that fails half way
            assert gc.isenabled() is enabled
        finally:
            gc.enable()


ARABIC_READOUT = (
    "تلقى صاحب السمو الشيخ محمد بن زايد آل نهيان رئيس الدولة اليوم اتصالا هاتفيا من فخامة الرئيس {president} "
    "رئيس جمهورية {country}، تبادلا خلاله التهاني بمناسبة العام الهجري الجديد، وبحثا علاقات التعاون بين البلدين "
    "وسبل تعزيزها في مختلف المجالات بما يخدم مصالحهما المشتركة.\n"
    "كما تناول الاتصال عددا من القضايا الإقليمية والدولية ذات الاهتمام المشترك، وأكد الجانبان أهمية مواصلة "
    "التنسيق والتشاور بما يعزز الأمن والاستقرار في المنطقة والعالم.")


def test_arabic_readouts_with_other_names_in_the_same_wording_stay_apart() -> None:
    # A templated protocol story: one agency's wording, another president and country. Arabic
    # has no capitals; the words after a title are its names.
    kenya = ARABIC_READOUT.format(president="وليام روتو", country="كينيا")
    chile = ARABIC_READOUT.format(president="غابرييل بوريتش", country="تشيلي")
    result = find_duplicates([{"id": "kenya", "text": kenya}, {"id": "chile", "text": chile},
                              {"id": "kenya-copy", "text": "أبوظبي في 14 يوليو / وام /\n" + kenya}])
    verdicts = {v.id: v for v in result.verdicts}
    assert verdicts["chile"].role is Role.UNIQUE
    assert verdicts["kenya-copy"].cluster == verdicts["kenya"].cluster


def test_a_write_through_chain_of_four_versions_is_one_story() -> None:
    from test_quality_slice import POOL
    paragraphs = [p.strip().replace("\n", " ") for p in POOL if p.strip()][:6]
    # Each version drops its oldest paragraph and adds a new one: the first and the last share
    # nothing, yet every version is mostly the one before.
    versions = [{"id": f"0{k}:00-version", "text": "\n".join(paragraphs[k:k + 3])} for k in range(4)]
    unrelated = {"id": "other", "text": "\n".join([p.strip().replace("\n", " ") for p in POOL if p.strip()][7:10])}
    verdicts = by_id(find_duplicates([*versions, unrelated]))
    assert len({verdicts[v["id"]].cluster for v in versions}) == 1
    assert verdicts["other"].role is Role.UNIQUE
    roles = sorted(verdicts[v["id"]].role.value for v in versions)
    assert roles.count("canonical") == 1 and "version" in roles
    far = next(v for v in verdicts.values() if v.role is Role.VERSION)
    assert far.chain[0] == far.id and far.chain[-1] == far.canonical and len(far.chain) >= 3


def test_a_run_on_articles_prepared_elsewhere_gives_the_same_verdicts() -> None:
    # The Spark job prepares each article once, then clusters stories from the packed tokens.
    articles = read_articles([SAMPLE]).articles
    config = DedupeConfig()
    made = prepare(sorted(articles, key=lambda a: a.id), config, processes=1)
    cleaned = made.cleaned
    packed = dict(zip(sorted(a.id for a in articles),
                      zip(cleaned.tokens.pack(), cleaned.fingerprints.view(np.int64).tolist(), cleaned.junk_only.tolist(),
                          cleaned.page_lines.tolist(), cleaned.credits.tolist())))
    fresh = Deduplicator(config).run(articles, context=CorpusContext(boilerplate=cleaned.boilerplate))
    given_ = Deduplicator(config).run(articles, context=CorpusContext(boilerplate=cleaned.boilerplate, prepared=packed))
    assert len(fresh.clusters) >= 2
    assert [v.to_record() for v in given_.verdicts] == [v.to_record() for v in fresh.verdicts]
