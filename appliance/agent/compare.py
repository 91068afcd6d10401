"""Comparisons of two products ("Which is heavier, the KP-320 or the KP-420?") answered from
the knowledge base's own figures.

A small model asked to compare reads one passage (a prompt holds one), copies one figure,
and names whichever product comes first: it was right on about one comparison in ten on
the evaluation.  A person would look up each product's figure of the attribute asked and
compare the two numbers; so does :func:`compare`: for each product code the question names,
the passages retrieved for that product, the one figure of the attribute asked that the
knowledge base states for it (its row, its sentence, or its section), then the larger or
smaller, as the question's comparative word asks.  Anything unclear (no figure or two
different ones for a product, units that differ, a tie, a comparative word it does not
know) gives None, and the agent answers as for any other question.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from appliance.agent.grounding import (
    _NUMBER,
    _PRODUCT,
    _SPACE_THOUSANDS,
    ATTRIBUTES,
    _stem,
    accepts,
    asked_attribute,
    figure_kinds,
    product_pieces,
)
from appliance.knowledge.base import Passage

#: Comparative words: (the attribute they imply, or "" for the one the question names;
#: whether the larger figure wins).
COMPARATIVES: dict[str, tuple[str, bool]] = {
    "heavier": ("weight", True), "lighter": ("weight", False),
    "cheaper": ("price", False), "dearer": ("price", True), "costlier": ("price", True),
    "quieter": ("noise", False), "louder": ("noise", True), "noisier": ("noise", True),
    "bigger": ("", True), "larger": ("", True), "smaller": ("", False),
    "longer": ("", True), "shorter": ("", False), "wider": ("size", True), "narrower": ("size", False),
    "taller": ("size", True), "higher": ("", True), "lower": ("", False),
    "stronger": ("power", True), "faster": ("", True), "quicker": ("", True), "slower": ("", False),
    "more": ("", True), "less": ("", False), "fewer": ("", False),
}
#: The Russian pack's comparatives: (the attribute they imply when the question names no
#: other, whether the larger figure wins).  "мощнее по усилию" asks for the force, so a
#: named attribute wins over the word's own.
COMPARATIVES_RU: dict[str, tuple[str, bool]] = {
    "тяжелее": ("weight", True), "легче": ("weight", False),
    "дешевле": ("price", False), "дороже": ("price", True),
    "мощнее": ("power", True), "сильнее": ("capacity", True),
    "тише": ("noise", False), "громче": ("noise", True),
    "больше": ("", True), "меньше": ("", False), "выше": ("", True), "ниже": ("", False),
    "длиннее": ("size", True), "короче": ("size", False), "шире": ("size", True), "уже": ("size", False),
    "быстрее": ("", True), "медленнее": ("", False),
}
_WHICH_RU = re.compile(r"(?<![а-яё])(какой|какая|какое|какие|который|которая|которое|кто|что|чей|чья)(?![а-яё])")
#: A Russian figure with its unit in any case form ("410 кг", "100 тонн", "1 250 000 рублей").
_SHOWN_RU = re.compile(r"\d+(?:[ \u00a0\u202f]\d{3})*(?:[.,]\d+)?(?:\s?(?:[₽€$]|[а-яё]+))?", re.IGNORECASE)

#: The dimension a comparative of size means: its figure's label in a spec sheet.
_DIMENSION_OF = {"narrower": "width", "wider": "width", "taller": "height", "longer": "length"}
#: What a comparative asks for when the question names nothing else ("the bigger bowl").
_SIZE_WORDS = {"bigger": "size", "larger": "size", "smaller": "size", "faster": "speed", "quicker": "speed",
               "slower": "speed"}
_MULTIWORD = {"more expensive": ("price", True), "less expensive": ("price", False),
              "more powerful": ("power", True), "less powerful": ("power", False)}
_WORD = re.compile(r"[a-z]+", re.IGNORECASE)
#: A comparison of how long each keeps working: "lasts longer", "will go longer before I
#: need to fuel it", "runs for longer".
_LASTS = re.compile(r"\b(?:last|lasts|run|runs|go|goes|keep going|keeps going|work|works)\s+(?:for\s+)?(longer|shorter)\b")
#: A figure as it is said: its currency or unit, and a rate's "per hour".
_SHOWN = re.compile(r"(?:[€$£]\s?)?\d+(?:[.,]\d+)*(?:\s?(?:[€$£]|°\s?[CF]\b|[A-Za-z]+[³3]?(?:/[a-z]+)?(?:\([A-Z]\))?)"
                    r"(?:\s(?:metres|meters))?(?:\s(?:per|an?)\s(?:hour|minute|second|h|min))?)?")


def comparison(question: str) -> tuple[list[str], str, bool, str] | None:
    """(the two product codes, the attribute, whether the larger wins, the comparative
    words) for a question comparing two products; None for any other question."""
    low = question.lower()
    found = list(dict.fromkeys(m.upper() for m in _PRODUCT.findall(question)))
    if len(found) == 2 and _WHICH_RU.search(low) and re.search(r"(?<![а-яё])или(?![а-яё])", low):
        for word in re.findall(r"[а-яё]+", low):
            if word in COMPARATIVES_RU:
                own, larger = COMPARATIVES_RU[word]
                named = asked_attribute(re.sub(rf"(?<![а-яё]){word}(?![а-яё])", " ", low))
                attribute = named or own
                return (found, attribute, larger, word) if attribute else None
        return None
    # ("PS-16 or PS-20, which ...?", "Between the CE-20 and the CD-25, which ...?", "Out of the
    # ZT-52 and the ZT-60, which ...?")
    if len(found) != 2 or not re.search(r"\b(which|what|who)\b", low) or (
            " or " not in f" {low} " and not re.search(r"\b(between|out of|of (the|these|those) two|of them)\b", low)):
        return None
    for phrase, (attribute, larger) in _MULTIWORD.items():
        if phrase in low:
            return found, attribute, larger, phrase
    if lasts := _LASTS.search(low):
        # "Which one lasts longer between charges?": a time, not the price "charges" cues
        longer = lasts.group(1) == "longer"
        return found, "duration", longer, "lasts longer" if longer else "runs out sooner"
    for word in _WORD.findall(low):
        if word in COMPARATIVES:
            attribute, larger = COMPARATIVES[word]
            attribute = attribute or asked_attribute(question) or _SIZE_WORDS.get(word, "")
            return (found, attribute, larger, word) if attribute else None
    return None


#: Superlatives: (the attribute they imply, or "" for the one the question names; whether
#: the larger figure wins).
SUPERLATIVES: dict[str, tuple[str, bool]] = {
    "heaviest": ("weight", True), "lightest": ("weight", False),
    "cheapest": ("price", False), "dearest": ("price", True), "costliest": ("price", True),
    "quietest": ("noise", False), "loudest": ("noise", True), "noisiest": ("noise", True),
    "biggest": ("", True), "largest": ("", True), "smallest": ("", False),
    "widest": ("size", True), "narrowest": ("size", False), "tallest": ("size", True),
    "strongest": ("power", True), "fastest": ("speed", True), "slowest": ("speed", False),
}
_MULTIWORD_SUPERLATIVES = {"most expensive": ("price", True), "least expensive": ("price", False),
                           "most powerful": ("power", True), "least powerful": ("power", False)}


def family_question(question: str) -> tuple[str, bool, str] | None:
    """(the attribute, whether the larger wins, the words) for a question asking which
    product of a family is the most or least of something and naming at most one product
    ("Which is your cheapest tipping trailer?", "Which deck oven is lighter?"); else None."""
    low = question.lower()
    if len(set(m.upper() for m in _PRODUCT.findall(question))) > 1 or not re.search(r"\b(which|what)\b", low):
        return None
    for phrase, (attribute, larger) in _MULTIWORD_SUPERLATIVES.items():
        if phrase in low:
            return attribute, larger, phrase
    for word in _WORD.findall(low):
        if word in SUPERLATIVES:
            own, larger = SUPERLATIVES[word]
            attribute = own or asked_attribute(question) or ("size" if word in ("biggest", "largest", "smallest") else "")
            return (attribute, larger, word) if attribute else None
        if word in COMPARATIVES and word not in ("more", "less", "fewer", "higher", "lower"):
            own, larger = COMPARATIVES[word]
            attribute = own or asked_attribute(question) or _SIZE_WORDS.get(word, "")
            return (attribute, larger, word) if attribute else None
    return None


def compare_family(question: str, search: Callable[[str], Sequence[Passage]]) -> str | None:
    """Which product of the family the question is about has the most or least of the
    attribute asked: the family is the products whose code shares the prefix of the first
    code in the best passage ("AT tipping trailers" -> AT-8, AT-12, AT-14); each one's figure
    is looked up as for a comparison of two.  None unless every member has one figure, in
    one unit, and one of them wins (then the agent answers as for any other question)."""
    asked = family_question(question)
    if asked is None:
        return None
    attribute, larger, words = asked
    passages = list(search(question))
    if not passages:
        return None
    first = _PRODUCT.findall(f"{passages[0].title}\n{passages[0].text}")
    if not first:
        return None
    prefix = first[0].split("-")[0].upper()
    members: dict[str, None] = {}
    for p in [*passages, *search(f"{prefix} {attribute}")]:
        for code in _PRODUCT.findall(f"{p.title}\n{p.text}"):
            if code.split("-")[0].upper() == prefix:
                members.setdefault(code.upper(), None)
    comparative = words in COMPARATIVES
    if len(members) < 2 or (comparative and len(members) != 2):
        return None
    figures = []
    for code in members:
        figure = figure_for(code, attribute, search(f"{code} {attribute}"))
        if figure is None:
            return None
        figures.append((_value(figure), code, figure))
    if len({_unit(f) for *_, f in figures}) != 1:
        return None
    figures.sort(reverse=larger)
    (best_value, best, best_figure), (second_value, second, second_figure) = figures[0], figures[1]
    if best_value == second_value:
        return None
    if comparative:
        return f"The {best} is {words}: {best_figure}, against {second_figure} for the {second}."
    return f"The {best} is the {words}: {best_figure}. Next comes the {second}, at {second_figure}."


def _value(text: str) -> float:
    text = _SPACE_THOUSANDS.sub("", text)  # "1 250 000"
    digits = _NUMBER.search(text).group(0)
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", digits):
        digits = digits.replace(",", "")
    return float(digits.replace(",", "."))


def _unit(text: str) -> str:
    return _NUMBER.sub("", text).strip().lower()


def _cued(before: str, attribute: str) -> bool:
    """Whether the words just before a figure ask for ``attribute`` ("усилие 40 тонн",
    "weighs 54 kg"): what tells two figures of one unit apart (tonnes of force or of weight)."""
    cues = {_stem(c) for c in ATTRIBUTES.get(attribute, (frozenset(), frozenset()))[0]}
    return any(_stem(w) in cues for w in re.findall(r"[^\W\d_]+", before.lower())[-3:])


def figure_for(code: str, attribute: str, passages: Sequence[Passage], question: str = "") -> str | None:
    """The one figure (with its unit) of ``attribute`` the passages state for product
    ``code``: from pieces that name that product and no other; None if none or several
    (of several, the one the words before it name as the attribute, if only one is; else
    the one whose words before it the ``question`` uses: "turning circle" for "which turns
    in a smaller circle", among a product's lengths and heights)."""
    return _one_figure(*_figures_of(code, attribute, passages, question))


def _one_figure(found: dict[str, bool], labelled: set[str]) -> str | None:
    """Of a product's figures (``_figures_of``), the one that answers: the only one, or of
    several the only one cued or labelled as asked; None if none or several remain."""
    values = {(_value(f), _unit(f)) for f in found}
    if len(values) > 1:
        cued = {f for f, near in found.items() if near}
        if len({(_value(f), _unit(f)) for f in labelled}) == 1:
            cued = labelled  # (the label the caller's words name is the surest)
        values = {(_value(f), _unit(f)) for f in cued}
        found = dict.fromkeys(cued, True)
    return min(found, key=len) if len(values) == 1 else None


def _figures_of(code: str, attribute: str, passages: Sequence[Passage],
                question: str = "") -> tuple[dict[str, bool], set[str]]:
    """Every figure of ``attribute`` the passages state for product ``code`` alone, each
    with whether the words before it name the attribute; and those whose label the
    ``question`` uses."""
    found: dict[str, bool] = {}
    labelled: set[str] = set()
    asked_words = {_stem(w) for w in re.findall(r"[^\W\d_]{3,}", question.lower())} - _NOT_LABELS
    for piece in product_pieces(passages):
        named = {m.upper() for m in _PRODUCT.findall(piece)}
        if named != {code}:
            continue
        text = _PRODUCT.sub(" ", piece)
        shown = _SHOWN_RU if re.search(r"[а-яё]", text, re.IGNORECASE) else _SHOWN
        for m in shown.finditer(text):
            # this figure's kinds, read where it stands ("10 metre cable" is not "10 m³/h")
            kinds = next(iter(figure_kinds(text[m.start():m.end() + 30]).values()), set())
            if accepts(attribute) & kinds:
                figure = " ".join(m.group(0).split())
                before = text[max(0, m.start() - 40):m.start()]
                found[figure] = found.get(figure, False) or _cued(before, attribute)
                # (the label proper: the last two words before the figure, "turning radius",
                # not the product's noun further back, "Пресс ... развивает усилие")
                # ("overall width: 1,195 mm": the words before the colon, when the figure
                # follows it directly)
                parts = re.split(r"[,;:]", before)
                part = parts[-2] if len(parts) > 1 and not parts[-1].strip() and before.rstrip().endswith(":") \
                    else parts[-1]
                label = re.findall(r"[^\W\d_]{3,}", part.lower())[-2:]
                if asked_words & {_stem(w) for w in label}:
                    labelled.add(figure)
    return found, labelled


def _telling_apart(figures: Sequence[Iterable[str]]) -> tuple[str, str] | None:
    """Each of two products' figure (of all it states of the attribute, ``_figures_of``) in
    the one unit whose figures tell the two apart ("230 V, 3.1 kW" against "230 V, 3.6 kW":
    the same supply, so "which draws less power" is the kilowatts); None unless exactly one
    unit has one figure for each product and they differ."""
    by_unit: list[dict[str, set[str]]] = []
    for found in figures:
        units: dict[str, set[str]] = {}
        for figure in found:
            units.setdefault(_unit(figure), set()).add(figure)
        by_unit.append(units)
    telling = []
    for unit in set(by_unit[0]) & set(by_unit[1]):
        first, second = by_unit[0][unit], by_unit[1][unit]
        values = [{_value(f) for f in first}, {_value(f) for f in second}]
        if len(values[0]) == 1 and len(values[1]) == 1 and values[0] != values[1]:
            telling.append((min(first, key=len), min(second, key=len)))
    return telling[0] if len(telling) == 1 else None


#: Words of a question that name no figure's label ("which", "smaller", the product's words).
_NOT_LABELS = frozenset(_stem(w) for w in "which what the one our your more less than bigger smaller larger longer "
                        "shorter higher lower".split())


#: "the smaller dust extractor", "the bigger screw compressor", "the cheapest one": a member
#: of a family picked by rank, whose attribute is asked ("How much is the smaller ...?").
_SELECTOR = re.compile(r"\bthe (smaller|bigger|larger|smallest|biggest|largest|cheaper|cheapest|dearer|dearest)\b",
                       re.IGNORECASE)
_SELECTORS: dict[str, tuple[str, bool, bool]] = {  # word -> (by, larger wins, comparative)
    "smaller": ("code", False, True), "bigger": ("code", True, True), "larger": ("code", True, True),
    "smallest": ("code", False, False), "biggest": ("code", True, False), "largest": ("code", True, False),
    "cheaper": ("price", False, True), "cheapest": ("price", False, False),
    "dearer": ("price", True, True), "dearest": ("price", True, False),
}


def selected_product(question: str, search: Callable[[str], Sequence[Passage]]) -> str | None:
    """The code of the family member a question picks by rank without naming it ("How much
    is the smaller dust extractor?" -> "DX-2000"), or None.

    The family is the codes sharing the prefix of the first code in the best passage; a
    size word ranks them by the number in their code (makers number a range by size, "DX-2000"
    and "DX-3000"), a price word by their prices.  A comparative needs a family of two."""
    m = _SELECTOR.search(question)
    if not m or _PRODUCT.search(question) or re.search(r"\bwhich\b", question, re.IGNORECASE):
        return None  # (named, or "Which is the cheapest?": compare_family answers that)
    by, larger, comparative = _SELECTORS[m.group(1).lower()]
    passages = list(search(question))
    first = _PRODUCT.findall(f"{passages[0].title}\n{passages[0].text}") if passages else []
    if not first:
        return None
    prefix = first[0].split("-")[0].upper()
    members: dict[str, None] = {}
    for p in [*passages, *search(prefix)]:
        for code in _PRODUCT.findall(f"{p.title}\n{p.text}"):
            if code.split("-")[0].upper() == prefix:
                members.setdefault(code.upper(), None)
    if len(members) < 2 or (comparative and len(members) != 2):
        return None
    ranked: list[tuple[float, str]] = []
    for code in members:
        if by == "code":
            digits = _NUMBER.search(code.split("-", 1)[1])
            if digits is None:
                return None
            ranked.append((_value(digits.group(0)), code))
        else:
            figure = figure_for(code, by, search(f"{code} {by}"))
            if figure is None:
                return None
            ranked.append((_value(figure), code))
    ranked.sort(reverse=larger)
    return ranked[0][1] if ranked[0][0] != ranked[1][0] else None


def compares(question: str) -> bool:
    """Whether the question weighs products against each other (two named, or a comparative
    or superlative: "Which holds more inside, the CW-30 or the FW-30?", "What's your
    quietest tower?"): one product's figure is no answer to it."""
    return (len({m.upper() for m in _PRODUCT.findall(question)}) > 1 or comparison(question) is not None
            or family_question(question) is not None)


def compare(question: str, search: Callable[[str], Sequence[Passage]]) -> str | None:
    """The answer to a two-product comparison from the knowledge base's figures, or None.
    ``search`` retrieves passages for a query (the store's search)."""
    asked = comparison(question)
    if asked is None:
        return compare_family(question, search)
    codes, attribute, larger, words = asked
    # ("Which is the narrower tractor?" compares widths, not any of its sizes: the label
    # the comparative means picks the figure among a product's lengths, widths and heights)
    dimension = _DIMENSION_OF.get(words, "")
    labelled_question = f"{question} {dimension}" if dimension else question
    figures = [_figures_of(code, attribute, search(f"{code} {dimension or attribute}"), labelled_question)
               for code in codes]
    fa, fb = (_one_figure(*found) for found in figures)
    if fa is None or fb is None or _unit(fa) != _unit(fb) or _value(fa) == _value(fb):
        # (not among prices: a price to buy against a rate a month is which price the caller means)
        apart = _telling_apart([found for found, _ in figures]) if attribute != "price" else None
        if apart is None:
            return None
        fa, fb = apart
    a, b = codes
    if (_value(fa) > _value(fb)) != larger:
        (a, fa), (b, fb) = (b, fb), (a, fa)
    if words in COMPARATIVES_RU:
        return f"{a} {words}: {fa}, против {fb} у {b}."
    if words in ("lasts longer", "runs out sooner"):
        return f"The {a} {words}: {fa}, against {fb} for the {b}."
    if words not in ("more", "less", "fewer"):
        return f"The {a} is {words}: {fa}, against {fb} for the {b}."
    return f"The {a}: {fa}, against {fb} for the {b}."
