"""The vocabularies the tokenizer (:mod:`dedupe.tokens`) applies: number words, words that say
nothing about a name, Arabic titles that precede a name, and Arabic letters and marks unified."""

from __future__ import annotations

__all__ = ["NUMBER_WORDS", "NAME_NOISE", "TITLES", "ARABIC_MARKS", "ARABIC_LETTERS"]

# House styles spell small numbers out or not ("twenty years", "20 years"): both are one figure.
NUMBER_WORDS = {word: value for value, word in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty".split())}
NUMBER_WORDS.update({word: 10 * tens for tens, word in enumerate(
    "thirty forty fifty sixty seventy eighty ninety".split(), start=3)})
# Legal suffixes and articles say nothing about which company or place a story is about.
NAME_NOISE = "corp corporation inc incorporated ltd limited plc llc company the".split()
# A caseless script (Arabic) shows no capitals: there, the two words after a title (president,
# king, sheikh, minister, His Highness, the republic or kingdom of) are a name.
TITLES = ("\u0627\u0644\u0631\u0626\u064a\u0633 \u0631\u0626\u064a\u0633 \u0627\u0644\u0634\u064a\u062e "
           "\u0627\u0644\u0645\u0644\u0643 \u0627\u0644\u0627\u0645\u064a\u0631 \u0627\u0645\u064a\u0631 "
           "\u0627\u0644\u0633\u064a\u062f \u0648\u0632\u064a\u0631 \u0633\u0645\u0648 \u0641\u062e\u0627\u0645\u0629 "
           "\u062c\u0644\u0627\u0644\u0629 \u0645\u0639\u0627\u0644\u064a \u0633\u0639\u0627\u062f\u0629 "
           "\u062d\u0627\u0643\u0645 \u0627\u0644\u062f\u0643\u062a\u0648\u0631 \u062c\u0645\u0647\u0648\u0631\u064a\u0629 "
           "\u0645\u0645\u0644\u0643\u0629 \u062f\u0648\u0644\u0629 \u0627\u0645\u0627\u0631\u0629 "
           "\u0631\u0626\u064a\u0633\u0629 \u0648\u0632\u064a\u0631\u0629").split()
# ... with the prefixes "and", "to", "by" that Arabic writes onto a word.
TITLES = [*TITLES, *("\u0648" + t for t in TITLES), *("\u0628" + t for t in TITLES),
           *(("\u0644" + t[1:]) if t.startswith("\u0627\u0644") else "\u0644" + t for t in TITLES)]
ARABIC_MARKS = {*range(0x0610, 0x061B), *range(0x064B, 0x0660), 0x0670, *range(0x06D6, 0x06EE), 0x0640}
ARABIC_LETTERS = {0x0623: "\u0627", 0x0625: "\u0627", 0x0622: "\u0627", 0x0671: "\u0627",  # alef forms
                   0x0649: "\u064a",                                                      # alef maksura → yaa
                   0x0629: "\u0647",                                                      # taa marbuta → haa
                   **{0x0660 + d: str(d) for d in range(10)},                             # Arabic-Indic digits
                   **{0x06F0 + d: str(d) for d in range(10)}}                             # Persian digits
