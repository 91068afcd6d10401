"""Does an answer state the expected facts?  A tolerant matcher for spoken-style answers.

An expected fact is a token ("4,200", "KP-320", "kg") or a list of alternatives
(["closed", "no"]).  Both the answer and the tokens go through :func:`normalise`, so the
same fact written differently still matches:

- numbers: "4,200" / "4200" / "4 200" / "four thousand two hundred"; "1,5" -> "1.5";
- times: "17:00" / "17" / "5 pm" / "5 p.m." ("17:00" and "5 pm" are different tokens:
  list both as alternatives);
- product codes: "KP-320" / "KP 320" / "KP320" / "kp-320";
- units: "kilograms" / "kilos" / "kg", "kilowatts" / "kW", "litres" / "liters", "€" / "euros",
  "%" / "per cent" / "percent", glued units ("38kg") split off;
- case, punctuation, British/American spelling (metre/meter), and a plural "s" on the token.

A token matches at word boundaries: "12" is not found in "120", nor "KP-320" in "KP-3200".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from appliance.knowledge.russian import russian_numbers_to_digits

#: One expected fact: a token, or alternatives of which one must be there.
Expected = str | Sequence[str]

_SMALL = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_NUMBER_WORD = re.compile(r"\b(?:" + "|".join(sorted(list(_SMALL) + list(_SCALES) + ["and", "point"], key=len, reverse=True))
                          + r")\b")

_DASHES = re.compile(r"[\u2010\u2011\u2012\u2013\u2014\u2015\u2212]")
_SPACES = re.compile(r"[\u00a0\u2009\u202f]")
#: A product code: letters, a dash or nothing, digits ("KP-320", "kp320", "RO-18G"); or capitals,
#: a space, digits ("VX 9000").  One letter needs the dash ("X-5"), so "A 30 percent" stays.
_CODE = re.compile(r"\b([A-Za-z]{2,5})-?(\d+[A-Za-z]?)\b|\b(?!(?:EUR|USD|GBP|CHF|RUB|VAT)\b)([A-Z]{2,5}) (\d+[A-Z]?)\b"
                   r"|\b([A-Za-z])-(\d+[A-Za-z]?)\b")  # ("95 EUR 310 EUR" holds no code "EUR 310")
#: Thousands written with a comma or one space: "4,200", "4 200", "1,620,000".
_THOUSANDS = re.compile(r"(?<![\d.,])\d{1,3}(?:[, ]\d{3})+(?![\d]|[.,]\d)")
_DECIMAL_COMMA = re.compile(r"(?<![\d,])(\d+),(\d{1,2})(?![\d])")

_REPLACEMENTS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"€"), " euro "),
    (re.compile(r"\beur\b"), "euro"),
    (re.compile(r"%|\bper ?cent\b"), " percent "),
    (re.compile(r"(\w)(tre)(s?)\b"), r"\1ter\3"),  # metre -> meter, litre -> liter
    (re.compile(r"\bkilo ?grams?\b|\bkilos?\b|\bkgs\b"), "kg"),
    (re.compile(r"\bkilo ?watts?\b"), "kw"),
    (re.compile(r"\bmilli ?meters?\b"), "mm"),
    (re.compile(r"\bkilo ?meters?\b"), "km"),
    (re.compile(r"\bcubic meters?\b|\bm³|\bm3\b"), "m3"),
    (re.compile(r"\bcenti ?meters?\b"), "cm"),
    (re.compile(r"\bmeters?\b"), "m"),
    (re.compile(r"\bliters?\b"), "l"),
    (re.compile(r"\bvolts?\b"), "v"),
    (re.compile(r"\bdecibels?\b|\bdb\s*\(a\)|\bdba\b"), "db"),
    (re.compile(r"\bhectares?\b"), "ha"),
    (re.compile(r"\btonnes?\b|\btons?\b"), "t"),
    (re.compile(r"°\s*c\b|\bdegrees? (?:celsius|centigrade|c)\b|°"), " degrees "),
    (re.compile(r"\ba\.m\.|\bam\b"), " am "),
    (re.compile(r"\bp\.m\.|\bpm\b"), " pm "),
    (re.compile(r"\bo'clock\b"), ""),
    # Russian: units in any case form, roubles
    (re.compile(r"(?<![а-яё])(килограмм[а-яё]*|кг)(?![а-яё])"), " kg "),
    (re.compile(r"(?<![а-яё])(киловатт[а-яё]*|квт)(?![а-яё])"), " kw "),
    (re.compile(r"(?<![а-яё])(миллиметр[а-яё]*|мм)(?![а-яё])"), " mm "),
    (re.compile(r"(?<![а-яё])(тонн[а-яё]*)(?![а-яё])"), " t "),
    (re.compile(r"₽|(?<![а-яё])(рубл[а-яё]*|руб)(?![а-яё])"), " руб "),
    (re.compile(r"(?<![а-яё])(процент[а-яё]*)(?![а-яё])"), " percent "),
    (re.compile(r"ё"), "е"),
]
#: Units glued to their number ("38kg", "2.2kW", "5pm").
_GLUED = re.compile(r"(\d)(kg|kw|mm|km|m3|v|l|m|db|t|ha|am|pm|h)\b")
_TIME = re.compile(r"\b0?(\d{1,2}):00\b")
_TIME_LEADING_ZERO = re.compile(r"\b0(\d):(\d\d)\b")
#: What is left of punctuation: keep decimal points, times and slashes inside numbers/units.
_PUNCT = re.compile(r"[^a-z0-9а-яё.:/ ]+|(?<!\d)[.:]|[.:](?!\d)")


def _words_to_numbers(text: str) -> str:
    """"four thousand two hundred" -> "4200", "two point two" -> "2.2" (lower-case text)."""
    tokens = text.split(" ")
    out: list[str] = []
    i = 0
    while i < len(tokens):
        word = tokens[i]
        if word not in _SMALL and word not in _SCALES:
            out.append(word)
            i += 1
            continue
        total, current, j = 0, 0, i
        seen_number = False
        while j < len(tokens):
            w = tokens[j]
            if w in _SMALL:
                if seen_number and current % 100 and _SMALL[w] < 100 and not (current % 10 == 0 and _SMALL[w] < 10):
                    break  # "two three" are two numbers
                current += _SMALL[w]
                seen_number = True
            elif w in _SCALES and seen_number:
                scale = _SCALES[w]
                if scale == 100:
                    current *= 100
                else:
                    total += current * scale
                    current = 0
            elif (w == "and" and seen_number and current % 100 == 0 and j + 1 < len(tokens)
                  and tokens[j + 1] in _SMALL):
                pass  # "two hundred and fifty"
            else:
                break
            j += 1
        if not seen_number:
            out.append(word)
            i += 1
            continue
        number = str(total + current)
        # "two point two": a decimal
        if j + 1 < len(tokens) and tokens[j] == "point" and tokens[j + 1] in _SMALL and _SMALL[tokens[j + 1]] < 10:
            digits = []
            j += 1
            while j < len(tokens) and tokens[j] in _SMALL and _SMALL[tokens[j]] < 10:
                digits.append(str(_SMALL[tokens[j]]))
                j += 1
            number += "." + "".join(digits)
        out.append(number)
        i = j
    return " ".join(out)


#: Whole-number amounts written with cents: "760.00", "11,600.00" (not "1,000", "2.005").
_ZERO_CENTS = re.compile(r"(?<=\d)[.,]00(?!\d|[.,]\d)")


def normalise(text: str) -> str:
    """Lower-case, punctuation-free text with numbers, codes and units in one form each."""
    t = _SPACES.sub(" ", _DASHES.sub("-", text)).replace("’", "'").replace("‘", "'")
    t = _CODE.sub(lambda m: " " + "".join(g for g in m.groups() if g) + " ", t)
    t = _ZERO_CENTS.sub("", t)  # "11,600.00" is 11,600
    t = _THOUSANDS.sub(lambda m: re.sub(r"[, ]", "", m.group(0)), t)
    t = _DECIMAL_COMMA.sub(r"\1.\2", t)
    t = t.lower()
    for pattern, repl in _REPLACEMENTS:
        t = pattern.sub(repl, t)
    t = t.replace("-", " ")
    t = _GLUED.sub(r"\1 \2", t)
    t = _PUNCT.sub(" ", t)
    t = " ".join(t.split())
    t = _words_to_numbers(t)
    if re.search(r"[а-я]", t):
        t = russian_numbers_to_digits(t)
    t = _TIME_LEADING_ZERO.sub(r"\1:\2", t)
    t = _TIME.sub(r"\1", t)
    return t


def contains(answer: str, token: str, *, normalised: bool = False) -> bool:
    """Whether ``token`` is in ``answer`` at word boundaries (both normalised here unless told)."""
    a = answer if normalised else normalise(answer)
    tok = normalise(token)
    if not tok:
        return False
    return re.search(r"(?<![a-z0-9а-я.])" + re.escape(tok) + r"(?:e?s)?(?![a-z0-9а-я]|\.\d)", a) is not None


def missing_facts(answer: str, expected: Iterable[Expected]) -> list[str]:
    """The expected facts not in ``answer`` (alternatives shown joined by " | ")."""
    a = normalise(answer)
    missing = []
    for fact in expected:
        options = [fact] if isinstance(fact, str) else list(fact)
        if not any(contains(a, option, normalised=True) for option in options):
            missing.append(" | ".join(options))
    return missing


def found_tokens(answer: str, tokens: Iterable[str]) -> list[str]:
    """Which of ``tokens`` (things that must not be said) ``answer`` contains."""
    a = normalise(answer)
    return [t for t in tokens if contains(a, t, normalised=True)]
