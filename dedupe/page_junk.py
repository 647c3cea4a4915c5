"""Page junk: the lines a scraped web page adds around a story, recognised line by line.

A scraper copies a page as text, one paragraph or widget a line. Besides the story it keeps
photo captions and credits, "Posted 9:58 AM" stamps, weather and search widgets, share and
follow buttons, comment counters, newsletter offers, script text and lists of related links.
None of it is the story, and all of it differs from one outlet's page to the next, so left in
it decides matches and roles. :func:`strip_page_junk` removes such lines whole; it runs before
any line joining, while the page's lines are still apart, and never touches a line of ordinary
prose: every rule asks for a short line made only of page words, or for a marker that no story
paragraph carries (a photo credit, script syntax).

The rules are what any site writes, found by structure as much as by words: buttons (also glued
by the scraper, "CommentEmailMore", or written as icon names, ``more_vert``), form prompts, a
widget's setting whose value was lost, a link's address alone, an embedded tweet's signature.
What one site alone writes is not here: boilerplate learnt from the corpus
(:mod:`dedupe.boilerplate`) and a site profile (:mod:`dedupe.site_profile`) carry it.

>>> page = "Posted\\nJuly 15, 2018 at  8:11 AM\\nShare\\nTrump met Putin in Helsinki on Monday.\\nImage 1 of 15"
>>> strip_page_junk(page)
'Trump met Putin in Helsinki on Monday.'
"""

from __future__ import annotations

import re

__all__ = ["strip_page_junk", "strip_page_junk_counted", "junk_lines", "photo_credit"]

_MONTHS = ("jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
           "|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")
_DAYS = "mon(?:day)?|tue(?:s|sday)?|wed(?:nesday)?|thu(?:rs|rsday)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?"
# Words of a time stamp: "Posted: 9:58 AM, July 15, 2018", "Updated 2 hours ago", "Jul.16.2018 06:14".
_STAMP_WORD = (rf"(?:{_MONTHS}|{_DAYS}|[ap]\.?m\.?|noon|midnight|[ecmp][sd]?t|gmt|utc|bst|cet|cest|est|edt|pdt|"
               r"posted|updated|published|originally|last|modified|at|on|by|and|ago|mins?|minutes?|hours?|hrs?|"
               r"days?|weeks?|an?|one|yesterday|today|tonight|now|just)")
# A line of page furniture words: buttons, menus, counters ("Share", "Image 2 of 15", "12 comments").
_UI_WORD = (r"(?:share[sd]?|tweet|e-?mail|print|comments?|facebook|twitter|linkedin|pinterest|whatsapp|reddit|"
            r"google\+?|g?share|fb(?:share)?|more|close|prev(?:ious)?|next|save|pin|search|edit|menu|home|"
            r"images?|photos?|videos?|gallery|back|to|view|of|sign|up|in|me|subscribe|follow|connect|watch(?:ed)?|"
            r"just|now|playing|amp|show|chapters|cancel|send|posted|hide|caption|toggle|"
            r"enlarge|expand|collapse|reprints?|purchase|order|permalink|go|top|scroll|page|story|the|first|"
            r"leave|a|add|your|post|link|copy|copied|slideshow|recommended|related|content|stories|articles?|"
            r"trending|popular|most|read|latest|news|live|updates?|skip|ad|advertisement|sponsored|"
            # A widget's labels: "Quick Look", "5-Day Forecast", "Close share panel".
            r"quick|look|weather|forecast|radar|traffic|alerts?|panel|window|tab|"
            # A link's text that is a site's address: "AccuWeather.com".
            r"[a-z0-9-]+\.(?:com|net|org|co\.uk|tv))")
# Phrases that only page furniture says, wherever they stand in a short line.
_PAGE_PHRASES = (
    r"sign up (?:for|to|now|today|here)|^sign up\W*$|sign me up|subscribe (?:now|today|to (?:our|the|breaking))|"
    r"(?:your|digital) subscription|subscription (?:supports|options)|^subscribe\W*$|"
    r"(?:our|free|daily|e-?mail) newsletters?|newsletters? (?:here|sign)|unlimited digital access|"
    r"order reprint|click here|be the first to know|breaking news e-?mails?|"
    r"breaking news alerts|enable notifications|turn on notifications|"
    r"scroll to top|story continued below|link has been (?:posted|sent)|"
    r"successfully subscribed|(?:share|post) (?:on|to) (?:facebook|twitter)|follow us (?:on|at)\b|"
    r"download (?:our|the) app|opens? in a new (?:window|tab)|you are (?:now )?(?:signed|logged) in\b|"
    # A form's prompt: "Enter City and State or Zip Code", "Enter your email address".
    r"^(?:enter|type) (?:your |a |an )?(?:[\w-]+ ){0,5}(?:code|city|e-?mail(?: address)?|location|keywords?|"
    r"search terms?|password)\W*$|"
    # A setting whose value the scraper did not keep: "Your weather is set to . You can change".
    r"^your [^.]{0,60}\b(?:to|as|is) [.,](?: |$)|"
    r"thank you for signing up|please enable|privacy policy|terms of (?:use|service)|"
    r"comments? (?:are|have been) closed|view comments|leave a comment|report an error|"
    r"\bcommenting\b.{0,60}\b(?:guidelines|polic(?:y|ies)|faqs?)\b|community guidelines|"
    # Headings of page lists, at the start of a line.
    r"^(?:trending (?:in|now)|most (?:read|popular|viewed|shared)|recommended (?:video|stories|for you)|"
    r"related (?:content|stories|articles|coverage|video)|more stories|top coverage|powered by)\b|"
    # Arabic: read also, related topics or news, most read, follow us, share, subscribe, photo credit.
    r"\u0627\u0642\u0631\u0623 \u0623\u064a\u0636\u0627|\u0645\u0648\u0627\u0636\u064a\u0639 \u0630\u0627\u062a \u0635\u0644\u0629|"
    r"\u0623\u062e\u0628\u0627\u0631 \u0630\u0627\u062a \u0635\u0644\u0629|\u0627\u0644\u0623\u0643\u062b\u0631 \u0642\u0631\u0627\u0621\u0629|"
    r"\u062a\u0627\u0628\u0639\u0648\u0646\u0627|\u0634\u0627\u0631\u0643 \u0639\u0628\u0631|\u0627\u0634\u062a\u0631\u0643 \u0641\u064a|"
    r"\u062a\u0635\u0648\u064a\u0631:")
# Markers no paragraph of a story carries, whatever the line's length: photo credits and captions.
# They are read in the lower-cased line, in three groups, so that a long paragraph costs a few
# anchored tries: how a line starts, how it ends (its last characters), and, only when one of
# the hints stands in it, anywhere.
_MARKER_START = re.compile(
    rf"in this (?:(?:{_DAYS}),? )?(?:(?:{_MONTHS})\.? \d{{1,2}},? (?:(?:19|20)\d\d,? )?)?(?:file )?photo\b|"
    r"file\s*[-\u2013\u2014]+\s*(?:in )?th(?:is|ese)\b|(?:pool |file |staff )?photo(?:graph)? (?:by|courtesy(?: of)?) [^.!?\n]{2,60}$|"
    r"(?:image|photo|slide) \d+ ?(?:of ?/?|/) ?\d+\b|\d+ ?/ ?\d+\s*$")
_MARKER_END = re.compile(
    # A credit closing a caption: "(Martti Kainulainen/Lehtikuva via AP)", "(Evan Vucci / AP)".
    r"(?:\([^()\n]{0,60}(?:/|\bvia )[^()\n]{0,60}\b(?:ap|afp|reuters|epa(?:-efe)?|getty images|pool)\b[^()\n]{0,20}\)"
    r"|\bgetty images\b\)?|\b(?:ap|afp|reuters|epa|getty images) photo"
    r"|[,|]\s*(?:ap|afp|reuters|epa(?:-efe)?|getty images|ap photo))\s*$")
_END_CHARS = 160
_CREDIT_ENDS = (")", "photo", "ap", "afp", "reuters", "epa", "efe", "images")
_MARKER_HINTS = ("photo", "getty", "handout", " / ", "published", "updated", "posted", "credit", "left", "right", "l to r",
                 "l-r")
# An embedded tweet's signature: "— CBS News (@CBSNews) July 16, 2018".
_TWEET_END = re.compile(rf"\(@\w{{1,15}}\)\s+(?:{_MONTHS})\.? \d{{1,2}},? (?:19|20)\d\d\s*$")
_MARKER_ANY = re.compile(
    r"\((?:ap|afp|reuters|epa|getty|photo)[^()\n]{0,20}photo\b[^()\n]{0,80}\)|\(photo:? [^()\n]{0,80}\)|"
    r"\bphoto(?:s|graph)?:\s*[^\n]{0,60}(?:/|,\s*)(?:ap|afp|reuters|getty images|epa|ap photo)\b|"
    r"\b(?:afp|ap|epa-efe|reuters)/getty images\b|"
    r"\([^()\n]{2,60}\s/\s(?:ap|afp|reuters|getty images|epa|ap photo)\)|\bhandout (?:picture|photo)\b|"
    r"\bcredit:\s*(?:the )?(?:associated press|ap|afp|reuters|getty images|epa)\b|"
    # Who stands where in a photo: "Brigitte Macron, left, and Melania Trump", "(L-R)".
    r",\s*(?:left|right|cent(?:er|re)|(?:second|third) (?:from )?(?:left|right))\s*,|\((?:l-r|r-l|from left)\)|\((?:from )?l to r\b|"
    # A stamp behind a byline: "Kim Hjelmgaard, USA TODAY Published 6:14 a.m. ET July 16, 2018".
    r"\b(?:published|updated|posted)\b:?(?: at| on)? \d{1,2}:\d{2}")
# A weather widget: "High 91F. Winds N at 5 to 10 mph."
_WEATHER = re.compile(r"\b(?:high|low)s?(?: (?:near|around|of))? -?\d+\s*\u00b0?[fc]\b|"
                      r"\bwinds? (?:[nsew]{1,3}|light|calm)\b[^\n]{0,12}\d+ ?mph\b")
_WEATHER_HINT = re.compile(r"\d\s*\u00b0?[fc]\b|\d ?mph\b")
# Button labels glued by a scraper ("CommentEmailMore", "FacebookEmail"): page words of four
# letters or more, two or more of them written as one word.
_GLUED_UI = (r"(?:(?:share|tweet|e-?mail|print|comments?|facebook|twitter|linkedin|pinterest|whatsapp|reddit|"
             r"google|more|close|prev|next|save|search|edit|menu|home|photos?|videos?|gallery|back|view|sign|"
             r"subscribe|follow|connect|watch|cancel|send|show|hide|copy|link|post|read){2,})")
# An icon's name written out where its glyph should be ("more_vert", "play_arrow", "video_youtube"):
# words joined by underscores, which no sentence writes.
_ICON_NAME = r"(?:[a-z]+(?:_[a-z0-9]+)+)"
_SHORT = 20   # words: a line of page phrases is at most this long
# Each word whole: "Togo" is not "to" and "go".
# Figures ("12", "15th") and runs of punctuation, which stamps and buttons both hold. Each token
# is read whole (a figure up to its last digit, a run to its last mark), so that a line of dots
# or digits is read one way only, never tried split in every way.
_FIGURE_OR_MARKS = r"(?:\d+(?:st|nd|rd|th)?(?![^\W_])|[-\u2013\u2014_/|•·:!&,.()\[\]@\\]+(?![-\u2013\u2014_/|•·:!&,.()\[\]@\\]))"


def _line_of(*words: str) -> re.Pattern[str]:
    """A whole line of these words, figures and punctuation, each word whole ("Togo" is not "to"
    and "go")."""
    return re.compile(rf"(?:(?:(?:{'|'.join(words)})(?![^\W\d_])|{_FIGURE_OR_MARKS})[ \t\u00a0]*)+")


_STAMP = _line_of(_STAMP_WORD)
_UI = _line_of(_GLUED_UI, _ICON_NAME, _UI_WORD)
_STAMP_OR_UI = _line_of(_STAMP_WORD, _UI_WORD)
# Prices and rows of figures are a table's, never a stamp's or a button's.
_TABLE = re.compile(r"\d[.,]\d|\d+\D+\d+\D+\d")
_PHRASE = re.compile(_PAGE_PHRASES)
# A stamp carries a time of day, a year beside a month, or a stamp word ("Posted", "2 hours
# ago"); a date without a year ("Dec 31"), or figures and periods alone ("1986/87 1985/86"), are
# the columns of a table.
_HAS_STAMP = re.compile(
    rf"\d{{1,2}}:\d{{2}}|\b(?:{_MONTHS})\b[^\n]*\b(?:19|20)\d\d\b|\b(?:posted|updated|published|yesterday|today)\b|"
    r"\b(?:\d+|an?|one) (?:mins?|minutes?|hours?|hrs?|days?)\b(?: ago)?")
# A list of related links: its heading, then headlines (lines that end no sentence).
_LIST_HEADING = re.compile(
    r"(?:related(?: \w+){0,2}|more (?:from|on|stories|news)\b[^\n]{0,40}|see also|read (?:more|also|next)|"
    r"trending(?: \w+){0,3}|most (?:read|popular|viewed)\b[^\n]{0,40}|recommended(?: \w+){0,2}|top stories|"
    r"tags?|you (?:may|might) also like|\u0627\u0642\u0631\u0623 \u0623\u064a\u0636\u0627\S*|"
    r"(?:\u0645\u0648\u0627\u0636\u064a\u0639|\u0623\u062e\u0628\u0627\u0631) \u0630\u0627\u062a \u0635\u0644\u0629)"
    r"\s*:?")
_CREDIT = re.compile(r"(?:[A-Z][\w.'\u2019-]*[ \t]+){0,3}[A-Z][\w.'\u2019-]*(?:[ \t]*[/|,][ \t]*[\w ]{1,30})?")
# A gallery's caption toggles, in lower case ("... Helsinki. less", "Putin in the ... more"); a
# wire's "MORE" closes a take.
_TOGGLE_CHARS = 8
_TOGGLE = re.compile(r"[.!?\"\u201d] less\s*$|(?:\.\.\.|\u2026) more\s*$")
# Script text: a line that opens with code, or a short line holding some.
_SCRIPT_START = re.compile(r"(?:<script|\(?function\s*\(|var \w+\s*=|window\.\w|document\.\w|googletag|[{}])")
_SCRIPT = re.compile(r"\bwindow\.\w|\bdocument\.\w|\bfunction\s*\(|\}\s*\)\s*;|googletag|\.push\(\{")
_ADDRESS = re.compile(r"(?:https?://|www\.)\S+|[\w-]+(?:\.[\w-]+)+/\S*")
# A widget's own word, which no table's row holds: a date beside one is the widget's stamp.
_WIDGET_WORD = re.compile(r"\b(?:forecast|weather|radar|traffic|share|comments?|videos?|photos?|gallery|print|"
                          r"e-?mail|subscribe|watch|live)\b")
_STAMP_WORDS = 14  # words: a line with a date and a time of day is a stamp up to this long
_DATE_TIME = re.compile(rf"\b(?:(?:{_MONTHS})\.? \d{{1,2}},? (?:19|20)\d\d|\d{{1,2}}/\d{{1,2}}/(?:19|20)?\d\d)\b"
                        r"[^\n]{0,24}\b\d{1,2}:\d{2}")
_HAS_TIME = re.compile(r"\d{1,2}:\d{2}")
_LETTER = re.compile(r"[^\W\d_]")
_NAV = re.compile("[\u2022|\u203a\u00bb]")
_HEADING_CHARS = 80       # a list's heading is at most this long
_LINK_LINES = 12          # a list of links is at most this many lines
_LINK_WORDS = 16          # a link's headline is at most this many words
_SENTENCE_END = tuple(".!?\"\u201d\u2019')]\u2026:;\u061f")


def junk_lines(text: str, memo: dict[str, tuple[bool, bool]] | None = None,
               site_phrases: re.Pattern[str] | None = None) -> list[bool]:
    """One flag per line of ``text`` (split on ``\\n``): whether it is page junk. ``memo`` keeps
    what was found of each line, for a text read again after a small change (with the same
    ``site_phrases``: a site profile's, :meth:`dedupe.site_profile.SiteProfile.pattern`)."""
    lines = text.split("\n")
    memo = {} if memo is None else memo
    judged = [memo.get(line) or memo.setdefault(line, _judge(line, site_phrases)) for line in lines]
    flags = [caption or junk for caption, junk in judged]
    for k in range(1, len(lines)):
        # A photographer's name alone under a caption: "Mel Evans".
        flags[k] = flags[k] or (judged[k - 1][0] and bool(_CREDIT.fullmatch(lines[k].strip())))
    k = 0
    while k < len(lines):
        # A list of related links: the heading and the headlines after it, up to the first line
        # that ends a sentence (the story again).
        if len(lines[k]) <= _HEADING_CHARS and _LIST_HEADING.fullmatch(lines[k].strip().lower()):
            flags[k] = True
            end = k + 1
            while end < len(lines) and end - k <= _LINK_LINES and _link_like(lines[end]):
                flags[end] = True
                end += 1
            k = end
        else:
            k += 1
    return flags


def strip_page_junk(text: str, memo: dict[str, tuple[bool, bool]] | None = None,
                    site_phrases: re.Pattern[str] | None = None) -> str:
    """``text`` without its lines of page junk (see the module's docstring); ``memo`` and
    ``site_phrases`` as for :func:`junk_lines`."""
    return strip_page_junk_counted(text, memo, site_phrases)[0]


def strip_page_junk_counted(text: str, memo: dict[str, tuple[bool, bool]] | None = None,
                            site_phrases: re.Pattern[str] | None = None) -> tuple[str, int]:
    """:func:`strip_page_junk`, and how many lines (not blank) it dropped."""
    if not text:
        return text, 0
    flags = junk_lines(text, memo, site_phrases)
    if not any(flags):
        return text, 0
    lines = text.split("\n")
    dropped = sum(bool(line.strip()) for line, junk in zip(lines, flags) if junk)
    return "\n".join(line for line, junk in zip(lines, flags) if not junk), dropped


_CREDIT_WORDS = 10  # a photo credit alone on its line is at most this long


def photo_credit(line: str) -> bool:
    """Whether ``line`` is a photo credit alone ("Saul Loeb | AFP | Getty Images", "(Evan Vucci /
    AP)"): the line beside it is then a caption."""
    stripped = line.strip()
    return bool(stripped) and len(stripped.split()) <= _CREDIT_WORDS and _is_caption(stripped.lower())


def _judge(line: str, site_phrases: re.Pattern[str] | None) -> tuple[bool, bool]:
    """Whether ``line`` carries a caption's marker, and whether it is junk of another kind."""
    stripped = line.strip()
    if not stripped:
        return False, False
    low = stripped.lower()
    if _is_caption(low):
        return True, False
    return False, _is_junk(stripped, low, site_phrases)


def _is_caption(low: str) -> bool:
    """Whether the lower-cased, stripped line ``low`` carries a marker of a caption, a credit or
    a widget."""
    return (_MARKER_START.match(low) is not None
            or (low.endswith(_CREDIT_ENDS) and _MARKER_END.search(low[-_END_CHARS:]) is not None)
            or (low[-1:].isdigit() and _TWEET_END.search(low[-_END_CHARS:]) is not None)
            or (any(hint in low for hint in _MARKER_HINTS) and _MARKER_ANY.search(low) is not None)
            or (_WEATHER_HINT.search(low) is not None and _WEATHER.search(low) is not None))


def _is_junk(stripped: str, low: str, site_phrases: re.Pattern[str] | None = None) -> bool:
    """Whether the stripped line (``low``: lower-cased) is page junk other than a caption."""
    if _TOGGLE.search(stripped[-_TOGGLE_CHARS:]):
        return True
    # The patterns below read the lower-cased line: several times faster than ignoring case.
    words = len(stripped.split(maxsplit=_SHORT + 1))
    if _SCRIPT_START.match(low) or (words <= _SHORT and _SCRIPT.search(low)):
        return True
    if words == 1 and _ADDRESS.fullmatch(low):
        return True  # a link's address alone: "politico.com/story/2018/07/15/trump-putin-snowden-722256"
    if words > _SHORT:
        return False
    if _PHRASE.search(low) or (site_phrases is not None and site_phrases.search(low)):
        return True
    if words <= _STAMP_WORDS and _DATE_TIME.search(low):
        return True  # "The Associated Press | Monday, July 16, 2018, 7:24 a.m."
    stamped_widget = words <= 8 and _WIDGET_WORD.search(low) is not None and _STAMP_OR_UI.fullmatch(low) is not None
    if _TABLE.search(stripped) and not _HAS_TIME.search(stripped) and not stamped_widget:
        return False
    if (_STAMP.fullmatch(low) or stamped_widget) and _HAS_STAMP.search(low):
        return True  # "Posted 9:58 AM", "Sunday, Jul 15th 2018 5-Day Forecast"
    if words <= 8 and _NAV.search(stripped) and not stripped.endswith(_SENTENCE_END):
        return True  # a breadcrumb or a page title: "Star Tribune\u2022 The Latest", "Headline | Miami Herald"
    # Buttons and counters: page words alone, and at least one of them (figures and rules alone are
    # a table's rows).
    return words <= 8 and _LETTER.search(stripped) is not None and bool(_UI.fullmatch(low))


def _link_like(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and len(stripped.split()) <= _LINK_WORDS and not stripped.endswith(_SENTENCE_END)
