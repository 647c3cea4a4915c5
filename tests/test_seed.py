"""The first real case: a scraped page holding the Zawya and Khaleej Times copies of one WAM story."""

from __future__ import annotations

from pathlib import Path

from dedupe import Role, find_duplicates, read_articles

from conftest import by_id

HEADLINES = {
    "national": ("Iraq and Syria strengthen ties with reopening of key border crossing", "The National"),
    "un": ("UN commission says Syria must end violence against Alawites and protect places of worship",
           "The National"),
    "zawya": ("UAE, Iraqi Presidents discuss bilateral relations, regional developments in phone call", "Zawya"),
    "khaleej": ("UAE, Iraqi Presidents discuss regional tensions, exchange Hijri New Year greetings",
                "Khaleej Times"),
}


def cut_stories(page: str, folder: Path) -> None:
    """Write each story of the page to its own file: from its headline to the next story's."""
    starts = sorted((page.index(headline), name) for name, (headline, _) in HEADLINES.items())
    for k, (start, name) in enumerate(starts):
        end = starts[k + 1][0] if k + 1 < len(starts) else len(page)
        headline, source = HEADLINES[name]
        chunk = page[start:end]
        # The page prints the headline up to three times above the body; the body follows the last.
        body = chunk[chunk.rindex(headline) + len(headline):].strip()
        (folder / f"{name}.txt").write_text(f"Title: {headline}\nSource: {source}\n\n{body}\n", encoding="utf-8")


def test_seed_page_groups_the_two_copies(seed_page: str, tmp_path: Path) -> None:
    cut_stories(seed_page, tmp_path)
    read = read_articles([tmp_path])
    assert len(read.articles) == 4 and not read.rejects
    result = find_duplicates(read.articles)
    verdicts = by_id(result)

    zawya, khaleej = verdicts["zawya.txt"], verdicts["khaleej.txt"]
    assert zawya.role is Role.CANONICAL
    assert khaleej.role is Role.TRUNCATED
    assert khaleej.canonical == "zawya.txt" and khaleej.cluster == zawya.cluster
    assert khaleej.missing == "middle"
    # It keeps most of the story: only a clause of the last sentence and two honorifics are gone.
    assert 0.8 < khaleej.canonical_coverage < 0.97
    assert khaleej.coverage > 0.95
    assert verdicts["national.txt"].role is Role.UNIQUE
    assert verdicts["un.txt"].role is Role.UNIQUE
    assert len(result.clusters) == 1


def test_app_banner_of_the_page_is_not_compared(seed_page: str, tmp_path: Path) -> None:
    cut_stories(seed_page, tmp_path)
    khaleej = (tmp_path / "khaleej.txt").read_text(encoding="utf-8")
    assert "DOWNLOAD THE APP" in khaleej  # the scraped banner is in the file ...
    result = find_duplicates(read_articles([tmp_path]).articles)
    # ... yet the copy has no text the canonical lacks: it is not "extended".
    assert by_id(result)["khaleej.txt"].coverage > 0.95
