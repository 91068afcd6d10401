"""Where a long first sentence may be cut, so its opening words are synthesised on their own.

A voice synthesises a whole sentence before its first sample: Piper's time grows with the
sentence's phonemes (~0.3 s of CPU for a 14-word sentence on this box's cores), and under
load the caller waits that long in silence after the answer is known.  An answer's first
sentence read from the documents arrives whole ("The UTM-300 costs 4,950 euros excluding
VAT and ships within three weeks."), so its opening phrase is synthesised first and heard
while the rest is synthesised: the same short breath the model's opening words already
have ("The UTM-300 costs" said as soon as it is written).

The cut is at whitespace in the raw text, before any normalisation, so a figure, code or
unit is never split ("4,950 euros", "UTM-300", "5 kg"): the opening phrase ends with a plain
word (not a number, an abbreviation or a word that needs the next: "the", "of", "в").  A
clause boundary (a comma) is the most natural place, then just before the first figure,
then after ``words`` words.
"""

from __future__ import annotations

import re

#: Words a phrase cannot end with: the next word belongs to them (English and Russian).
_NEEDS_NEXT = frozenset(
    """a an the of to in on at for from with by and or but as than per our your their its his her
    into onto about over under between within without via each every any some no not
    is are was were be been will would can could shall should may might must do does did has have had
    в во на с со и а но или по от до за к ко о об обо у для из изо при без над под про через не ни же
    наш наша наше наши ваш ваша ваше ваши это этот эта эти который которая которое которые""".split()
) | frozenset(  # a number said in words goes on to its unit: "two | years" would cut it
    """one two three four five six seven eight nine ten eleven twelve fifteen twenty thirty forty fifty
    sixty hundred thousand million half quarter
    один одна два две три четыре пять шесть семь восемь девять десять двадцать тридцать сорок
    пятьдесят сто двести триста тысяча тысячи тысяч миллион половина""".split()
)
#: A figure starts here (a digit, or a currency sign before one); "UTM-300" is a code, not one.
_FIGURE = re.compile(r"[£$€₽]?\d")
_PLAIN_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’-])*[,;:]?")
_ABBREVIATION = re.compile(r"(?:[^\W\d_]{1,4}\.)+")
#: Fewer words than this in the sentence: said whole (cutting it would gain little).
MIN_SENTENCE_WORDS = 5
#: The rest keeps at least this many words.
MIN_REST_WORDS = 2


def first_phrase(sentence: str, words: int) -> tuple[str, str]:
    """(opening phrase, rest) of a sentence to be spoken, or (sentence, "") when it is not cut.

    ``words`` is the opening phrase's usual length (0: never cut); a comma or a figure within
    two words of it moves the cut there.
    """
    tokens = sentence.split()
    if words <= 0 or len(tokens) < MIN_SENTENCE_WORDS:
        return sentence, ""
    lowest, highest = max(2, words - 1), min(words + 2, len(tokens) - MIN_REST_WORDS)

    def fits(k: int) -> bool:
        last = tokens[k - 1]
        return (bool(_PLAIN_WORD.fullmatch(last)) and not _ABBREVIATION.fullmatch(last)
                and last.rstrip(",;:").lower() not in _NEEDS_NEXT)

    spans = range(lowest, highest + 1)
    by_preference = (
        [k for k in spans if tokens[k - 1][-1] in ",;:" and fits(k)]
        + [k for k in spans if _FIGURE.match(tokens[k]) and fits(k)]
        + sorted((k for k in spans if fits(k)), key=lambda k: (abs(k - words), k))
    )
    if not by_preference:
        return sentence, ""
    k = by_preference[0]
    return " ".join(tokens[:k]), " ".join(tokens[k:])
