"""A model the caller names by its number alone, named by its code.

Callers name a model as the range is numbered, not as it is printed: "the sixteen-hundred",
"the four-hundred glasswasher", "the two-twenty".  The recogniser writes that as words or
as "the 1600"; retrieval, the comparison and every figure check look for "QR-1600".  A
number that follows "the" (or "your", "that" ...) and is the number of exactly one model
in the knowledge base is that model: "Which would we get quicker, the twelve-hundred
conveyor or the sixteen-hundred?" is asked as "... the QR-1200 conveyor or the QR-1600?".
A number that could be several models, a figure with a unit ("the 400 mm one"), or a
question that names a code already is left as it is.
"""

from __future__ import annotations

import re

from appliance.agent.grounding import english_numbers_to_digits

_UNITS = "one two three four five six seven eight nine".split()
_TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
#: "two-twenty", "three fifty", "nine-ninety-five": a model number said in pairs, as people
#: say them (220, 350, 995), which ordinary number reading takes for two numbers.
_PAIRED = re.compile(
    rf"\b({'|'.join(_UNITS + _TEENS)})[- ]({'|'.join(_TEENS + _TENS)})(?:[- ]({'|'.join(_UNITS)}))?\b",
    re.IGNORECASE)
#: A number said after a determiner, not followed by a unit or a percent: "the 1600", "your 400".
_NAMED_NUMBER = re.compile(
    r"\b(the|your|that|this|a|an|those|these|our|my)\s+(\d{2,5})\b(?![.,]\d)(?!\s*(?:%|per\b|percent|mm|cm|m|kg|kw|v|a|l|"
    r"litres?|liters?|kilos?|metres?|meters?|volts?|amps?|watts?|hours?|days?|weeks?|months?|years?|euros?|pounds?|"
    r"quid|grand|bar|ppm|racks?|degrees?)\b)",
    re.IGNORECASE)
_CODE_PARTS = re.compile(r"([^\W\d_]+)-?(\d+)([^\W\d_]*)")


def _paired(m: re.Match[str]) -> str:
    first, second, third = (m.group(k) or "" for k in (1, 2, 3))
    words = [w.lower() for w in (first, second)]
    head = (_UNITS + _TEENS).index(words[0]) + 1
    tail = (_TEENS.index(words[1]) + 10) if words[1] in _TEENS else (_TENS.index(words[1]) + 2) * 10
    if third:
        tail += _UNITS.index(third.lower()) + 1
    return f"{head}{tail:02d}"


def name_spoken_codes(question: str, known_codes: dict[str, str]) -> str:
    """``question`` with each model named by its number alone ("the sixteen-hundred")
    named by its code ("the QR-1600"), where the knowledge base's codes (``known_codes``,
    see ``KnowledgeStore.known_codes``) have exactly one model with that number; a code
    with a letter after its number ("QG-400D") is a variant, taken only when no plain one
    has the number."""
    if not known_codes:
        return question
    by_number: dict[str, list[tuple[str, str]]] = {}
    for code in known_codes.values():
        m = _CODE_PARTS.fullmatch(code)
        if m:
            by_number.setdefault(m.group(2), []).append((code, m.group(3)))
    digits = english_numbers_to_digits(_PAIRED.sub(_paired, question))

    def named(m: re.Match[str]) -> str:
        models = by_number.get(m.group(2), [])
        plain = [code for code, suffix in models if not suffix]
        chosen = plain if plain else [code for code, _ in models]
        return f"{m.group(1)} {chosen[0]}" if len(chosen) == 1 else m.group(0)

    named_question = _NAMED_NUMBER.sub(named, digits)
    return named_question if named_question != digits else question
