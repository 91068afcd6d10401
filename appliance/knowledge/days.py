"""The days of the week a text names, for opening hours asked by day ("What time do you
close on a Friday?"): retrieval prefers the day's line, and the answer's times must be its."""

from __future__ import annotations

import re

_DAY_PATTERNS = [
    r"mon(?:day)?s?|понедельник\w*|пн", r"tue(?:s|sday)?s?|вторник\w*|вт", r"wed(?:nesday)?s?|сред[аыуе]|ср",
    r"thu(?:rs|rsday)?s?|четверг\w*|чт", r"fri(?:day)?s?|пятниц\w*|пт", r"saturdays?|суббот\w*|сб",
    r"sundays?|воскресень\w*|вс"]  # (not "sat" nor "sun": "the sat nav", "sun")
_DAY = re.compile(r"(?<![\w])(?:" + "|".join(f"({d})" for d in _DAY_PATTERNS) + r")(?![\w])", re.IGNORECASE)
_DAY_RANGE = re.compile(r"^\s*(?:to|till|until|through|thru|-|–|—|по|до)\s*$", re.IGNORECASE)


def days_named(text: str) -> set[int]:
    """The days of the week a text names (0 = Monday), ranges spelled out: "Monday to
    Thursday" is four days, "с понедельника по пятницу" five."""
    found = [(m.start(), m.end(), next(i for i, g in enumerate(m.groups()) if g)) for m in _DAY.finditer(text)]
    days = {d for *_, d in found}
    for (_, end, a), (start, _, b) in zip(found, found[1:]):
        if _DAY_RANGE.match(text[end:start]):
            days |= {(a + k) % 7 for k in range((b - a) % 7 + 1)}
    return days
