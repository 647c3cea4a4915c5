"""News agencies: which one a text credits ("LONDON (Reuters) -", a lone "AP" line, "Source: WAM"),
and which one an article's ``source`` names ("The Associated Press", "Emirates News Agency").

Canonical choice prefers the agency's own copy of a story (:mod:`dedupe.cluster`): a version
whose source is the agency that the story's texts credit. Agencies are numbered: ``0`` is none,
``k`` is ``AGENCIES[k - 1]``.

>>> AGENCIES[credited_agency("LONDON, July 15 (Reuters) - Oil rose.") - 1]
'reuters'
>>> AGENCIES[agency_of_source("The Associated Press") - 1]
'ap'
>>> agency_of_source("Khaleej Times")
0
"""

from __future__ import annotations

import re

__all__ = ["AGENCY_PATTERN", "AGENCIES", "credited_agency", "agency_of_source"]

# How agencies are written in a credit (case matters: "AP" is not "ap"); "REUTER" signs off Reuters'
# older wire copy.
AGENCY_PATTERN = (r"WAM|Reuters|REUTERS|Reuter|REUTER|AP|AFP|dpa|DPA|ANI|PTI|IANS|UPI|Xinhua|XINHUA|SPA|KUNA|QNA|BNA|ONA|MENA|"
                  r"IRNA|Bernama|AAP|Kyodo|Yonhap|TASS|EFE|ANSA")
# Each agency once, by the key its credits and sources fold to; then the other names sources use.
AGENCIES = tuple(dict.fromkeys(name.lower() for name in AGENCY_PATTERN.split("|") if name.lower() != "reuter"))
_ALIASES = {
    "reuter": "reuters", "thomson reuters": "reuters", "reuters news": "reuters", "associated press": "ap", "the associated press": "ap",
    "ap news": "ap", "agence france-presse": "afp", "agence france presse": "afp", "emirates news agency": "wam",
    "wam news agency": "wam", "saudi press agency": "spa", "kuwait news agency": "kuna", "qatar news agency": "qna",
    "xinhua news agency": "xinhua", "press trust of india": "pti", "asian news international": "ani",
    "united press international": "upi", "deutsche presse-agentur": "dpa", "australian associated press": "aap",
    "kyodo news": "kyodo", "yonhap news agency": "yonhap", "middle east news agency": "mena",
}
_CODES = {name: k + 1 for k, name in enumerate(AGENCIES)}
_CODES.update({alias: _CODES[key] for alias, key in _ALIASES.items()})
# A credit: "(Reuters)" in the dateline, at the head of the text; or a line holding the agency
# alone ("- AP", "(AFP)", "Source: Reuters", "By Reuters", "The Associated Press"). Case matters, as
# agencies write themselves ("spa" in lower case is a word), so no pattern ignores case: the line
# pattern starts with a newline (one is put before the text), and the regex engine skips from
# line to line. Every article of a corpus is read this way: it must cost little.
_DATELINE = re.compile(rf"\((?P<name>{AGENCY_PATTERN})\)[ \t]*(?:--?|\u2013|\u2014|:)")
_HEAD_CHARS = 400  # a dateline stands in the first lines
_NAMED = (r"(?:(?:The|THE|the)[ \t]+)?(?:Associated[ \t]+Press|ASSOCIATED[ \t]+PRESS)|Agence[ \t]+France[- ]Presse"
          r"|AGENCE[ \t]+FRANCE[- ]PRESSE|Emirates[ \t]+News[ \t]+Agency|EMIRATES[ \t]+NEWS[ \t]+AGENCY")
_LINE = re.compile(
    rf"\n[ \t]*(?:[-\u2013\u2014(][-\u2013\u2014( \t]*)?(?:(?:Source|SOURCE|source|By|BY)[ \t]*:?[ \t]*)?"
    rf"(?P<name>{AGENCY_PATTERN}|{_NAMED})[ \t]*\)?[ \t.]*(?=\n|\Z)")


def credited_agency(text: str) -> int:
    """The agency ``text`` credits (in its dateline, else on the first line of its own), as a
    number (see the module's docstring); ``0`` when it credits none."""
    for match in (_DATELINE.search(text, 0, _HEAD_CHARS), _LINE.search("\n" + text)):
        if match is not None:
            return _CODES.get(" ".join(match.group("name").lower().split()), 0)
    return 0


def agency_of_source(source: str | None) -> int:
    """The agency an article's ``source`` names, as a number; ``0`` for any other source."""
    if not source:
        return 0
    return _CODES.get(" ".join(source.casefold().replace("\u2019", "'").split()), 0)
