"""The library with what Python users hold: a pandas frame, plain strings, keyword parameters,
and a frame back."""

from __future__ import annotations

import math

import pytest

from dedupe import DedupeConfig, InputError, find_duplicates, read_articles

from conftest import SAMPLE, module

pd = module("pandas")
np = module("numpy")


@pytest.fixture(scope="module")
def sample_frame():
    """The sample as a frame does it: its own column names, a missing headline as NaN, a
    missing time as NaT, numbers as numpy scalars, the row index as the only id."""
    articles = read_articles([SAMPLE]).articles
    frame = pd.DataFrame({
        "story": [a.text for a in articles],
        "hed": [a.title if i % 4 else np.nan for i, a in enumerate(articles)],
        "when": pd.to_datetime([a.published.isoformat() if a.published and i % 5 else None
                                for i, a in enumerate(articles)], utc=True, format="ISO8601"),
        "words": [len(a.text.split()) for a in articles],
        "name": [a.id for a in articles],
    }, index=pd.RangeIndex(100, 100 + len(articles)))
    return frame


def test_a_frame_round_trip(sample_frame) -> None:
    result = find_duplicates(sample_frame, text_col="story", title_col="hed", published_col="when")
    assert not result.rejects and len(result.verdicts) == len(sample_frame)
    back = result.to_pandas()
    assert back["similarity"].dtype == "float64" and set(back["id"]) == {str(i) for i in sample_frame.index}
    joined = sample_frame.join(back.set_index("id"), on=sample_frame.index.astype(str))
    roles = dict(zip(joined["name"], joined["role"]))
    # The same stories as the files give.
    assert roles["wire-port-terminal.txt"] == "canonical"
    assert roles["coastnews-port-terminal.txt"] == "truncated"
    assert roles["ledger-port-terminal.txt"] == "duplicate"
    # A missing headline stays missing; a NaN is never read as a title.
    first = back.set_index("id").loc[str(sample_frame.index[0])]
    assert first["title"] is None or (isinstance(first["title"], float) and math.isnan(first["title"]))
    # The frame's other columns travel with the article when asked for.
    assert "words" in result.to_pandas(extra=True).columns and "words" not in back.columns


def test_an_id_column_and_numeric_ids(sample_frame) -> None:
    frame = sample_frame.assign(num=np.arange(len(sample_frame), dtype="int64") * 10)
    result = find_duplicates(frame, text_col="story", id_col="num")
    assert sorted(int(v.id) for v in result.verdicts) == list(range(0, 10 * len(frame), 10))


def test_plain_strings_and_a_series() -> None:
    text = "Rain fell on Dubai on Monday, the first in months, and flooded roads near the airport."
    result = find_duplicates([text, "An unrelated story about falcons racing at a desert festival in Liwa.", text])
    assert {v.id: v.role.value for v in result.verdicts} == {"0": "canonical", "1": "unique", "2": "duplicate"}
    series = pd.Series([text, text], index=["a", "b"])
    assert sorted(v.id for v in find_duplicates(series).verdicts) == ["a", "b"]


def test_parameters_as_keywords() -> None:
    text = "Rain fell on Dubai on Monday, the first in months, and flooded roads near the airport."
    assert find_duplicates([text], threshold=0.6).summary["articles"] == 1
    with pytest.raises(TypeError, match="unknown parameter.*thresold"):
        find_duplicates([text], thresold=0.6)
    with pytest.raises(Exception, match="threshold"):
        find_duplicates([text], threshold=3)
    # Keywords win over a config.
    assert find_duplicates([text], DedupeConfig(num_perm=64), num_perm=32).summary["articles"] == 1


def test_a_missing_column_is_an_error_naming_it(sample_frame) -> None:
    with pytest.raises(InputError, match="no column 'body'; its columns are 'story', 'hed'"):
        find_duplicates(sample_frame, text_col="body")


def test_records_that_are_not_articles_are_rejects_not_exceptions() -> None:
    result = find_duplicates([{"id": 1, "text": "A story long enough to be read, about ports and ships."},
                              {"id": 2}, 17, {"id": 1, "text": "again"}])
    assert len(result.verdicts) == 1 and [r.line for r in result.rejects] == [2, 3, 4]


def test_reprs_are_short(sample_frame) -> None:
    big = sample_frame.assign(story=sample_frame["story"] * 200)
    result = find_duplicates(big, text_col="story")
    for thing in (result, result.clusters[0], result.verdicts[0], result.verdicts[0].article):
        assert len(repr(thing)) < 200, repr(thing)
    assert repr(result) == ("Result(19 articles, 2 stories: 2 duplicate, 3 truncated, 1 extended, "
                            "0 version, 11 unique; 0 rejected)")


def test_one_string_is_not_a_corpus() -> None:
    # Iterated, it once made an article of each character.
    with pytest.raises(TypeError, match="not one string"):
        find_duplicates("Trump met Putin in Helsinki on Monday for talks that ran for two hours.")


def test_a_four_digit_year_under_100_is_read_as_written() -> None:
    # The RFC 2822 parser reads years under 100 as this century's: "0001" became 2001.
    from dedupe.article import parse_published

    with pytest.raises(ValueError, match="out of range"):
        parse_published("Mon, 01 Jan 0001 00:00:00 +0100")  # year 0 in UTC
    assert parse_published("Sat, 02 Jan 0100 00:00:00 +0000").year == 100
    assert parse_published("Mon, 16 Jul 18 08:11:00 GMT").year == 2018  # two digits: as RFC 2822 says


def test_a_frame_indexed_by_time_or_by_several_levels_gives_ids_from_its_labels() -> None:
    # Every row was rejected: "'id' must be a string or an integer, not Timestamp" (or tuple).
    texts = ["The port opened a fourth terminal on Monday, officials said.",
             "The central bank held its main rate at 4.5 percent on Thursday."]
    by_day = pd.DataFrame({"text": texts}, index=pd.DatetimeIndex(["2018-07-16", "2018-07-17 08:30"]))
    by_levels = pd.DataFrame({"text": texts}, index=pd.MultiIndex.from_tuples([("wam", 1), ("wam", 2)]))
    for frame, ids in ((by_day, ["2018-07-16T00:00:00", "2018-07-17T08:30:00"]), (by_levels, ["wam/1", "wam/2"])):
        result = find_duplicates(frame)
        assert [v.id for v in result.verdicts] == ids and not result.rejects
        assert [v.id for v in find_duplicates(frame["text"]).verdicts] == ids


def test_days_and_numpy_times_are_publication_times() -> None:
    import datetime
    frame = pd.DataFrame({"id": ["a", "b", "c"], "text": ["One story of some words."] * 3,
                          "published": [datetime.date(2018, 7, 16), np.datetime64("2018-07-17T08:00"), pd.NaT]})
    result = find_duplicates(frame)
    assert not result.rejects
    published = {v.id: v.article.published for v in result.verdicts}
    assert published["a"] == datetime.datetime(2018, 7, 16, tzinfo=datetime.timezone.utc)
    assert published["b"].replace(tzinfo=None) == datetime.datetime(2018, 7, 17, 8) and published["c"] is None


def test_verdicts_come_back_row_for_row_with_the_frame_whatever_gave_the_ids() -> None:
    # The README's join on the index gave no role to any row of a frame with an id column.
    story, other = "The port opened a fourth terminal on Monday, officials said in Dubai.", \
        "The central bank held its main rate at 4.5 percent on Thursday, it said."
    with_ids = pd.DataFrame({"id": [10, 11, 12, 13], "text": [story, other, story, None]}, index=["x", "y", "x", "w"])
    by_index = pd.DataFrame({"text": [story, other, story]}, index=[5, 6, 7])
    for frame, story_id in ((with_ids, "10"), (by_index, "5")):
        result = find_duplicates(frame)
        frame[["story", "role"]] = result.to_pandas(frame=frame)[["cluster", "role"]]
        assert list(frame.role[:3]) == ["canonical", "unique", "duplicate"] and frame.story.iloc[2] == story_id
    assert with_ids.role.isna().tolist() == [False, False, False, True]  # the rejected row
    with pytest.raises(ValueError, match="the DataFrame these verdicts were found in"):
        find_duplicates(by_index).to_pandas(frame=by_index.iloc[:1])
