"""Keeping answers to what the knowledge base says, about the thing and the attribute asked.

``is_grounded`` accepts a generated sentence only if every number in it occurs in the
retrieved context and most of its content words do too (a small model that drifts off
the context fails one or the other).  ``figures_match_product`` and ``attribute_fits``
check that a figure is stated for the product asked about *and* is of the attribute asked
(a weight is not a price).  ``extractive_answer`` is the fallback that is always grounded:
the sentence(s) of the retrieved passages that answer the question best (the product and
the attribute asked count most), cleaned of layout so it can be spoken.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterable, Sequence

from appliance.agent.contact_lines import purpose_fit
from appliance.agent.sentences import split_sentences
from appliance.knowledge.base import Passage
from appliance.knowledge.chunking import has_currency
from appliance.knowledge.days import days_named
from appliance.knowledge.lexical import CALLER_WORDS, documents_words, drop_silent_e
from appliance.knowledge.lexical import codes as lexical_codes
from appliance.knowledge.rerank import (
    _SENTENCE,
    ASKS_CLOCK,
    asked_company_detail,
    asked_part,
    names_family,
    states_company_detail,
)
from appliance.knowledge.russian import (
    STANDS_ON,
    STOPWORDS_RU,
    is_number_word,
    is_russian,
    russian_numbers_to_digits,
    stem_ru,
)

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(r"[^\W_]+", re.IGNORECASE)
STOPWORDS = frozenset(
    """a an the and or but of to in on for with by at from as is are was were be been being do does did
    done can could would should will shall may might must have has had having it its it's this that these
    those there their they them we our us you your i me my he she his her what which who whom whose how
    much many when where why any some all each every about please tell know want need like just also
    not no yes so if than then very more most less only one ones get got give hello hi thanks thank
    sorry okay ok is isn't don't doesn't i'm you're i'd""".split()
) | STOPWORDS_RU


_SPACE_THOUSANDS = re.compile(r"(?<=\d)[ \u00a0\u202f](?=\d{3}(?!\d))")


def numbers(text: str) -> set[str]:
    """Numbers as digit strings, separators dropped: "27,500", "27 500" (Russian) and "27500"
    are the same, and so are number words ("двадцать семь тысяч пятьсот", "two thousand"):
    a figure the model writes in words is checked like one in digits."""
    text = _SPACE_THOUSANDS.sub("", text)
    if is_russian(text.lower()):
        text = russian_numbers_to_digits(text.lower())
    elif _EN_NUMBER_WORD.search(text):
        text = english_numbers_to_digits(text)
    return {re.sub(r"[.,]", "", n) for n in _NUMBER.findall(text)}


_EN_UNITS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen".split())}
_EN_TENS = {w: 10 * i for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)}
_EN_SCALES = {"thousand": 1000, "million": 1_000_000}
_EN_NUMBER_WORD = re.compile(r"\b(" + "|".join([*_EN_UNITS, *_EN_TENS, "hundred", *_EN_SCALES]) + r")\b",
                             re.IGNORECASE)


def english_numbers_to_digits(text: str) -> str:
    """English number words as digits: "two thousand euros" -> "2000 euros", "four hundred
    and fifty" -> "450", "twenty-five" -> "25".  A lone "one" ("the cheaper one", "one of
    our engineers") stays a word: it is seldom a figure."""
    tokens = re.findall(r"[A-Za-z]+|[^A-Za-z]+", text)
    out: list[str] = []
    i = 0
    while i < len(tokens):
        word = tokens[i].lower()
        if word not in _EN_UNITS and word not in _EN_TENS and word not in ("hundred", *_EN_SCALES):
            out.append(tokens[i])
            i += 1
            continue
        total, current, last, j, end, words = 0, 0, "", i, i, 0
        while j < len(tokens):
            w = tokens[j].lower()
            if w in _EN_UNITS:
                if last in ("unit", "teen"):
                    break  # "two three": two numbers
                current += _EN_UNITS[w]
                last = "teen" if _EN_UNITS[w] >= 10 else "unit"
            elif w in _EN_TENS:
                if last in ("unit", "teen", "ten"):
                    break
                current += _EN_TENS[w]
                last = "ten"
            elif w == "hundred":
                current = (current or 1) * 100
                last = "hundred"
            elif w in _EN_SCALES:
                total += (current or 1) * _EN_SCALES[w]
                current, last = 0, "scale"
            elif w == "and" and last in ("hundred", "scale") and j + 2 < len(tokens) \
                    and tokens[j + 2].lower() in {**_EN_UNITS, **_EN_TENS}:
                j += 2  # "four hundred and fifty"
                continue
            else:
                break
            words += 1
            end = j + 1
            # only a space or a hyphen joins number words ("twenty-five", "two thousand")
            if j + 1 < len(tokens) and tokens[j + 1] not in (" ", "-"):
                break
            j += 2
        if words == 1 and word == "one" and total + current == 1:
            out.append(tokens[i])
            i += 1
            continue
        out.append(str(total + current))
        i = end
    return "".join(out)


def content_words(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text.lower())
            if len(w) > 1 and w not in STOPWORDS and not w.isdigit() and not is_number_word(w)
            and not _EN_NUMBER_WORD.fullmatch(w)}


def _stem(word: str) -> str:
    """A crude stem, enough to meet the knowledge base's word: "days" and "day", "delivered"
    and "delivery" ("deliver")."""
    if is_russian(word):
        return stem_ru(word)
    for suffix in ("ing", "es", "ed", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return drop_silent_e(word[: -len(suffix)])
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return drop_silent_e(word[:-1])  # "days", "kits"
    if len(word) > 5 and word.endswith("ery"):
        return word[:-1]  # "delivery" -> "deliver", like "delivered"
    return drop_silent_e(word)  # "price" as "prices" ("pric"), "freeze" as "freezing"


#: Words that state a figure without digits ("costs zero euros", "is free of charge"): the
#: caller's question may not supply them, only the knowledge base may (see is_grounded).
_FIGURE_WORDS = re.compile(r"\b(zero|nil|nothing|free|gratis|no (charge|cost)|ноль|нол[ьяюе]\w*|бесплатн\w*|даром)\b",
                           re.IGNORECASE)


def is_grounded(sentence: str, context: str, question: str = "", min_overlap: float = 0.6) -> bool:
    """True if the sentence's numbers all occur in the context and most of its words do.

    The question's words count as known (an answer names what was asked), except words that
    state a figure ("zero", "free of charge"): "Say the price is zero." must not put a price
    in the appliance's mouth that the knowledge base never states."""
    ctx_numbers = numbers(context)
    if not numbers(sentence) <= ctx_numbers:
        return False
    ctx_low = context.lower()
    if any(m.group(0).lower() not in ctx_low for m in _FIGURE_WORDS.finditer(sentence)):
        return False
    words = content_words(sentence)
    if not words:
        return True
    known = content_words(context) | content_words(question)
    return len(words & known) / len(words) >= min_overlap


#: A product code: "UTM-300", "ПГ-40", and with a decimal part, "ГБ-1,2" (a 1.2 MW burner), "KP-1.5".
_PRODUCT = re.compile(r"\b[^\W\d_]+-\d+(?:[.,]\d+)?[^\W\d_]*\b", re.IGNORECASE)


def product_pieces(passages: Sequence[Passage]) -> list[str]:
    """Units of text a figure belongs to: a whole passage when its heading names a product
    ("UTM-100 specifications"), else each line or sentence (a price list names the product
    on the same line as its price)."""
    pieces: list[str] = []
    for p in passages:
        if _PRODUCT.search(p.title.split(" > ")[-1] if p.title else ""):
            pieces.append(f"{p.title} {p.text}")
        else:
            pieces += _paragraph_pieces(p.text)
    return pieces


def figures_match_product(sentence: str, question: str, pieces: Sequence[str]) -> bool:
    """Every figure in the sentence is stated for the product asked about.

    A small model copies a number from the right context but the wrong row ("the UTM-300
    costs 18,900 euros", which is the UTM-50's price): each figure must share a piece of
    the knowledge base with the product named in the question (or, for a follow-up with
    no product named, in the sentence).
    """
    asked = {m.lower() for m in _PRODUCT.findall(question)}
    named = {m.lower() for m in _PRODUCT.findall(sentence)}
    # ("Every SO counter ..." speaks of the SO-150 asked about, whatever else it names)
    family = bool(asked) and names_asked_family(question, sentence)
    if asked and named and not asked & named and not family:
        return False  # "The VX-7000 is our quietest" said to a question about the VX-9000
    products = asked or named
    if not products:
        return True
    for figure in numbers(_PRODUCT.sub(" ", sentence)):
        if not any(
            figure in numbers(_PRODUCT.sub(" ", piece))
            and (any(prod in piece.lower() for prod in products) or family and names_asked_family(question, piece))
            for piece in pieces
        ):
            return False
    # (a sentence that names another product as well may give that one's price: "the LI-80
    # battery for the CE-25 is 11,600 euros extra")
    return not asked or not named <= asked or _own_price_said(sentence, question, asked, pieces)


def _about(piece: str, product: str) -> bool:
    """The piece is about the product: it opens with its code, or it is the product's own
    section (its heading opens with the code)."""
    return any(part.lstrip("-*•# ").lower().startswith(product) for part in piece.split(" > "))


def _own_price_said(sentence: str, question: str, asked: set[str], pieces: Sequence[str]) -> bool:
    """A price asked for a product is its own, not a service's or an accessory's that names
    it ("Пусконаладка станка EB-320 или EB-450: 38 000 руб."), when the knowledge base states
    one for the product itself."""
    if asked_attribute(question) != "price":
        return True
    said = {f for f, kinds in figure_kinds(sentence).items() if "price" in kinds}
    own = [{f for f, kinds in figure_kinds(p).items() if "price" in kinds}
           for p in pieces if any(_about(p, prod) for prod in asked)]
    own = [prices for prices in own if prices]
    if not said or not own:
        return True
    subject = {_root(w) for w in subject_words(question)}
    asked_for = [p for p in pieces if subject & {_root(w) for w in content_words(_PRODUCT.sub(" ", p))}]
    # (the price of what the question names with the product stands: "Сколько стоит
    # пусконаладка EB-450?" -> the commissioning's line)
    return all(any(f in prices for prices in own) or any(f in numbers(_PRODUCT.sub(" ", p)) for p in asked_for)
               for f in said)


def names_asked_family(question: str, text: str) -> bool:
    """The text speaks of the family of a product the question names, by its letters alone
    ("Every SO counter ..." for the SO-150; see ``rerank.names_family``)."""
    return names_family(frozenset(lexical_codes(question)), text)


def subject_words(question: str) -> set[str]:
    """What the question is about, as words ("spiral mixer" in "What warranty do I get on a
    spiral mixer?"): its content words less product codes (the product check has those) and
    the words that ask for a kind of figure ("warranty", "cost", "weigh")."""
    return content_words(_PRODUCT.sub(" ", _PRICE_IDIOMS.sub(" ", question))) - _ATTRIBUTE_CUE_STEMS - _SUBJECT_NOISE


#: Words that ask a price and name nothing: "What's that going to set me back?" is not about
#: a "set" (of batteries) or anything "back".
_PRICE_IDIOMS = re.compile(r"\bset (?:me|us|you|them|him|her) back\b|\bgoing to\b", re.IGNORECASE)


#: Words of a question that name no subject ("per year", "our", "cost of a").
_SUBJECT_NOISE = frozenset(_stem(w) for w in "year month week day hour time long often soon per".split())


def figures_match_subject(sentence: str, question: str, passages: Sequence[Passage]) -> bool:
    """The sentence's figures come from a sentence of the knowledge base about what was asked.

    Several families share one passage ("Our ovens carry a warranty of 2 years. Mixers carry
    a warranty of 1 year."), and a small model answers a question about mixers with the
    ovens' figure, in words of its own ("The warranty of a spiral mixer is 2 years").  A
    figure fails when another sentence names more of the question's subject words than any
    sentence that states the figure, and states a figure of the attribute asked: that one
    is the answer.  With no such sentence, or no attribute asked, the figure stands (the
    words may simply differ)."""
    figures = _figures_and_emails(sentence)
    subject = {_root(w) for w in subject_words(question)}
    if not figures or not subject or not (asked_attribute(question)
                                          or asked_company_detail(question) in ("phone", "email")):
        return True  # (a telephone number or e-mail too: the spare parts line's, not the sales line's)
    pieces = [(piece, {_root(w) for w in content_words(piece)}) for p in passages for piece in _pieces(p.text)]
    # (the pieces that hold all its figures, when some do: "01632 960418" is the sales line's,
    # though the service line shares its area code)
    holders = ([len(subject & roots) for piece, roots in pieces if figures <= _figures_and_emails(piece)]
               or [len(subject & roots) for piece, roots in pieces if figures & _figures_and_emails(piece)])
    if not holders:
        return True
    best_holder = max(holders)
    return not any(len(subject & roots) > best_holder and states_asked_figure(piece, question)
                   for piece, roots in pieces)


def figures_of_part(sentence: str, part: frozenset[str], passages: Sequence[Passage]) -> bool:
    """The sentence's figures are the ``part``'s asked (see ``part_of_product``): a line of the
    knowledge base holding those figures names the part (in itself or under its heading).
    "The bottomless portafilter costs £240." from "HS-2: installation £240" is the
    installation's price, not the portafilter's: the model names whatever the caller named."""
    figures = _figures_and_emails(sentence)
    if not part or not figures:
        return True
    return any(figures <= _figures_and_emails(piece) and names_part(f"{p.title} {piece}", part)
               for p in passages for piece in _pieces(p.text))


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _figures_and_emails(text: str) -> set[str]:
    """The figures of a text (product codes aside) and its e-mail addresses."""
    return set(numbers(_PRODUCT.sub(" ", text))) | {e.lower() for e in _EMAIL.findall(text)}


_TIME = re.compile(r"\b(\d{1,2})[:.](\d{2})\b")


def times_match_day(sentence: str, question: str, passages: Sequence[Passage]) -> bool:
    """The clock times said for a day asked about are that day's in the knowledge base.

    "What time do you shut on a Friday?" answered "8:00 to 12:30" (the Saturday line's) is
    wrong though every figure is in the passage: each time said must stand in a line that
    names the day asked (or no day at all), when some line of the knowledge base has it."""
    asked = days_named(question)
    said = {(int(h), m) for h, m in _TIME.findall(sentence)}
    if not asked or not said:
        return True
    lines = [(line, days_named(line)) for p in passages for line in _unwrapped(p.text)]
    for time in said:
        holders = [days for line, days in lines if time in {(int(h), m) for h, m in _TIME.findall(line)}]
        if holders and not any(not days or days & asked for days in holders):
            return False
    return True


def follow_up_questions(question: str, about: str) -> tuple[str, str]:
    """(for the product checks, for the attribute checks): a follow-up read with the question
    it leans on (``about``).  "А сколько он весит?" names no product: the one the question
    before named is asked about.  "А у ВК-220?" asks no attribute: the one asked before is."""
    if not about:
        return question, question
    for_product = question if _PRODUCT.search(question) else f"{question} {_products_of(about)}".strip()
    for_attribute = question if asked_attribute(question) else f"{about} {question}"
    return for_product, for_attribute


def _products_of(text: str) -> str:
    return " ".join(_PRODUCT.findall(text))


def names_subject(sentence: str, question: str) -> bool:
    """The sentence names the product code asked or something else the question is about
    (one of its subject words), not only a figure of the kind asked: "Smaller orders are
    charged 65 euros" for "What do you charge to send a small order?", but not a
    compressor's rental price for "Сколько стоит азотный генератор?"."""
    asked_codes = {m.lower() for m in _PRODUCT.findall(question)}
    if asked_codes & {m.lower() for m in _PRODUCT.findall(sentence)}:
        return True
    asked = subject_words(question)
    # (in the documents' words too: "Can I send him over to learn?" is about "training",
    # "take it off our hands" about taking "away" an old machine; lexical.CALLER_WORDS)
    asked |= subject_words(documents_words(question)) | {a for w in asked for a in caller_words_of(w)}
    subject = {_root(w) for w in asked}
    return bool(subject & {_root(w) for w in content_words(_PRODUCT.sub(" ", sentence))})


def _root(word: str) -> str:
    """A word's first six letters: "business" and "businesses", "customer" and "customers"
    meet here whatever the crude stemmer made of them."""
    return word[:6]


_LEADERS = re.compile(r"(?:\s*[.·…_]){3,}\s*|\s\.\.\s+(?=[€$£]?\d)")  # (see chunking._LEADER)


def _pieces(text: str) -> list[str]:
    """Sentences and list lines; a dot-leader line ("XR-9 ...... 79 EUR") stays one piece."""
    return [s for s, _ in _subject_pieces(text)]


_PRONOUN_START = re.compile(r"^(it|its|it's|this model|this one)\b", re.IGNORECASE)


def _subject_pieces(text: str) -> list[tuple[str, str]]:
    """Sentences and list lines, each with the product it is about when it does not say:
    in "The KP-420 delivers ... It has a 4 kW motor and weighs 54 kg." the second sentence
    is about the KP-420 (the one product its paragraph names)."""
    out: list[tuple[str, str]] = []
    for line in _unwrapped(text):
        line = _LEADERS.sub(": ", line.strip().lstrip("-*• ").strip()).strip(" :")
        if not line:
            continue
        named = {m.upper() for m in _PRODUCT.findall(line)}
        subject = next(iter(named)) if len(named) == 1 else ""
        out += [(s, subject if subject and not _PRODUCT.search(s) else "") for s in _joined_yes_no(split_sentences(line))]
    return out


def _unwrapped(text: str) -> list[str]:
    """The text's lines, a paragraph wrapped over several (as a PDF's text comes out: "...
    within 4 working days of your" / "order. SC counters ...") joined again: a line that ends
    with no punctuation, followed by one that starts in lower case, goes on in it."""
    out: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if out and stripped[:1].islower() and out[-1] and out[-1][-1] not in ".!?:;" \
                and not _LEADERS.search(out[-1]):
            out[-1] = f"{out[-1]} {stripped}"
        else:
            out.append(stripped)
    return _address_blocks(out)


def _address_blocks(lines: list[str]) -> list[str]:
    """An address set out line by line ("Unit 9, Creamery Way" / "Skelbrook SB3 7FG") as one
    line, its parts joined by commas: each line alone is a fragment, together the answer."""
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        joined = ", ".join(run)
        if len(run) > 1 and _FULL_ADDRESS.search(joined):
            out.append(joined)
        else:
            out.extend(run)
        run.clear()

    for line in lines:
        if line and len(line.split()) <= 6 and line[-1] not in ".!?:;" and ":" not in line:
            run.append(line)
            continue
        flush()
        out.append(line)
    flush()
    return out


#: A whole address, not a street named in passing: a house number before a street word, a
#: UK postcode, or a Russian street with its house number or postal index.
_FULL_ADDRESS = re.compile(
    r"\b\d+[a-z]?,? (?:[A-Z]\w+ ){1,3}(?:Street|Road|Lane|Avenue|Way|Close|Drive|Park|Estate|Quay|Wharf)\b"
    r"|\b[A-Z]{1,2}\d{1,2}[A-Z]? \d[A-Z]{2}\b|\b\d{6},|(?:ул\.|улица|проспект|пр-т|шоссе) [^,]+, (?:д\. ?|дом )?\d+")


_BARE_REPLY = re.compile(r"^(yes|no|yeah|sure|certainly|of course|да|нет|конечно)\W*$", re.IGNORECASE)


def _joined_yes_no(sentences: list[str]) -> list[str]:
    """An FAQ's "Yes." or "No." joined to the sentence that says why ("Yes. Business
    customers can lease any machine over 36 months."): alone, it answers nothing."""
    out: list[str] = []
    for s in sentences:
        if out and _BARE_REPLY.match(out[-1]):
            out[-1] = f"{out[-1]} {s}"
        else:
            out.append(s)
    return out


def _paragraph_pieces(text: str) -> list[str]:
    """Pieces a figure belongs to: a paragraph that names one product is one piece (its
    "It weighs 54 kg" is that product's), other lines are split into sentences."""
    out: list[str] = []
    for line in _unwrapped(text):
        line = _LEADERS.sub(": ", line.strip().lstrip("-*• ").strip()).strip(" :")
        if not line:
            continue
        if len({m.upper() for m in _PRODUCT.findall(line)}) == 1:
            out.append(line)
        else:
            out += split_sentences(line)
    return out


def _name_subject(sentence: str, subject: str) -> str:
    """ "It weighs 54 kg." -> "The KP-420 weighs 54 kg." when said on its own."""
    if not subject:
        return sentence
    m = _PRONOUN_START.match(sentence)
    if not m:
        return sentence
    word = m.group(1).lower()
    return f"The {subject}{'’s' if word == 'its' else ''}{sentence[m.end():]}" if word != "it's" else \
        f"The {subject} is{sentence[m.end():]}"


# -- the attribute asked: a price is not a weight -------------------------------------------

#: Attributes a caller asks for: the question words that ask for each, and the units (or
#: currency words) that state a figure of it.
ATTRIBUTES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "price": (
        frozenset("cost costs price prices priced pay fee fees charge charges expensive cheap cheaper rate rates "
                  "free".split()),  # "Is delivery free?" (and "What are you asking for ...?": _ASKING_PRICE)
        frozenset("euro euros eur € $ usd dollar dollars £ gbp chf franc francs pounds sterling ¥ yen rouble roubles "
                  "ruble rubles".split()),
    ),
    "weight": (
        frozenset("weigh weighs weight heavy heavier lighter mass".split()),
        frozenset("kg kgs kilo kilos kilogram kilograms g gram grams t tonne tonnes ton tons lb lbs".split()),
    ),
    "duration": (
        # ("take" and "last" ask for a time only with "how long", which asks by itself:
        # "Can I take the trailer on the road?" asks for no duration)
        frozenset(),
        frozenset("day days week weeks month months year years hour hours h minute minutes min working".split()),
    ),
    "capacity": (
        frozenset("capacity force load hold holds volume litres liters".split()),
        # (a battery's capacity in amp hours: "240 Ah")
        frozenset("kn n mn l litre litres liter liters ml m3 m³ ah".split()),
    ),
    "size": (
        frozenset("big size wide width tall height deep depth dimension dimensions travel length".split()),
        frozenset("mm cm m metre metres meter meters inch inches km".split()),
    ),
    "power": (
        frozenset("power watt watts consumption consume consumes voltage supply powerful electricity energy".split()),
        frozenset("w kw kva v volt volts amp amps kwh kilowatt kilowatts".split()),
    ),
    # A volume per time ("1,050 litres per minute", "42 m³/h"): see figure_kinds.
    "flow": (
        frozenset("flow air throughput move moves moving".split()),
        frozenset("m³/h m3/h l/min l/h".split()),
    ),
    "noise": (
        frozenset("noise noisy loud louder loudest quiet quieter quietest sound decibel decibels racket din".split()),
        frozenset("db dba decibel decibels".split()),
    ),
    # ("how fast can someone come out" asks for a time, so "fast" and "quick" are no cues)
    "speed": (
        frozenset("speed speeds faster fastest slower slowest rpm spin spins".split()),
        frozenset("rpm m/min km/h mph m/s".split()),
    ),
    "temperature": (
        frozenset("hot hotter temperature temperatures degrees cold colder".split()),
        frozenset("°c °f degrees".split()),
    ),
}
#: The same in Russian (the Russian language pack): question words, and units in their forms.
_RUSSIAN_ATTRIBUTES: dict[str, tuple[str, str]] = {
    "price": ("стоит стоят стоимость стоимости цена цену цены ценой почём почем бесплатно бесплатная бесплатный "
              "бесплатной бесплатную бесплатное бесплатны сумма суммы сумму",
              "₽ руб рубль рубля рублей рублях евро доллар доллара долларов"),
    "weight": ("весит весят вес веса масса массу тяжелый тяжёлый",
               "кг килограмм килограмма килограммов т тонна тонны тонн"),
    "duration": ("занимает занимают длится срок сроки",
                 "день дня дней неделя недели недель месяц месяца месяцев год года лет час часа часов рабочих"),
    # a press's force is said in tonnes ("усилие 250 тонн"), so tonnes are a capacity too
    "capacity": ("усилие усилия грузоподъёмность грузоподъемность объём объем",
                 "кн л литр литра литров т тонна тонны тонн"),
    "size": ("размер размеры ширина высота длина диаметр ход", "мм см м метр метра метров миллиметров"),
    "power": ("мощность мощности напряжение потребление киловатт киловатта квт", "вт квт в вольт киловатт киловатта"),
    # a compressor's or a pump's output: "производительность 2 400 л/мин"
    "flow": ("производительность производительности подача подачи", "л/мин м³/мин м3/мин м³/ч м3/ч л/ч"),
    "noise": ("шум шума шумит громкость громко децибел", "дб дба децибел децибела децибелов"),
}
ATTRIBUTES = {name: (cues | frozenset(_RUSSIAN_ATTRIBUTES.get(name, ("", ""))[0].split()),
                     units | frozenset(_RUSSIAN_ATTRIBUTES.get(name, ("", ""))[1].split()))
              for name, (cues, units) in ATTRIBUTES.items()}
#: Topics whose figure is a duration unless the question asks for another attribute.
_DURATION_TOPICS = frozenset("warranty guarantee delivery deliver ship shipping shipped lead "
                             "гарантия гарантии гарантию доставка доставки доставку отгрузка".split())
#: Each attribute's cue words, stemmed: a sentence that names the attribute by them states it.
_CUE_STEMS = {name: frozenset(_stem(c) for c in cues) for name, (cues, _) in ATTRIBUTES.items()}
#: The stems of every word that asks for a kind of figure (subject_words leaves them out).
_ATTRIBUTE_CUE_STEMS = frozenset({_stem(c) for cues, _ in ATTRIBUTES.values() for c in cues}
                                 | {_stem(w) for w in _DURATION_TOPICS})
_UNIT_AFTER = re.compile(r"\s?([€$£¥₽]|°\s?[cf]\b|[^\W\d_]+[³3]?(?:/[^\W\d_]+)?)", re.IGNORECASE)
#: A volume unit followed by this is a flow ("litres per minute", "cubic metres an hour").
_PER_TIME = re.compile(r"(?:\s?(?:metres|meters|m)?\s?(?:/|per|an?)\s?(?:h|hr|hour|min|minute|s|sec|second)s?\b)",
                       re.IGNORECASE)
_VOLUME = frozenset("l litre litres liter liters cubic m³ m3".split())
_CURRENCY_BEFORE = re.compile(r"([€$£¥]|\b(?:eur|usd|gbp|chf))\s?$", re.IGNORECASE)
_YES_NO_START = frozenset(
    "is are am was were do does did can could will would should shall has have had may might must isn't aren't "
    "don't doesn't can't won't".split()
)


#: Phrases whose words would ask for an attribute but do not ("get hold of" is no capacity).
_IDIOMS = re.compile(r"\b(get|got|getting) hold of\b|\bhold on\b|\bon hold\b|"
                     # how, not how much: "Can I pay for a machine in instalments?"
                     r"\bpay\b(?=[^.?!]*\b(instal+ments?|monthly|by card|in cash|by bank transfer|on account)\b)",
                     re.IGNORECASE)


#: A sentence that says what the caller wants ("I need the weight ...", "Tell me the price").
_REQUEST = re.compile(r"\b(need|needs|want|wants|wanted|like to know|tell me|give me|let me know|looking for|after)\b"
                      r"|нужн\w*|нужен|хочу|хотел\w*|подскажите|скажите", re.IGNORECASE)


def asked_attribute(question: str) -> str:
    """The attribute a question asks for ("price", "weight", ...), or "" if none or unclear:
    asked by its asking sentences, or when they ask none and not yes or no, by all it says
    (see ``rerank.asked_attributes``)."""
    part = asked_part(question)
    found = _attribute_in(part)
    if not found and part != question and not is_yes_no(part) and not asked_company_detail(part):
        # (chat may say what is asked when the question does not; not when the question asks
        # the company's number: "Our dryer's stopped halfway through a load. What number do I ring?")
        found = _attribute_in(question)
    if not found and part == question and not is_yes_no(part):
        # Said, not asked: "I need the weight of the RS-90. Our mezzanine has a floor loading
        # limit ...": the sentence that says what is wanted comes first, the story after.
        sentences = [m.group(0) for m in _SENTENCE.finditer(question)]
        said = [(sentence, a) for sentence in sentences if (a := _attribute_in(sentence))] if len(sentences) > 1 else []
        wanted = [a for sentence, a in said if _REQUEST.search(sentence)]
        found = (wanted or [a for _, a in said] or [""])[0]
    if not found and not is_yes_no(part) and _WHAT_PART.search(part):
        # "And what battery does that one have?": the part's own measure (its amp hours)
        measured = part_measured(part)
        if measured:
            return measured[1]
    if found == "size":
        # "What size battery is in the CE-20? The volts and the amp hours": the units the
        # caller names say what "size" means
        kinds = {k for w in _WORD.findall(question.lower()) if len(w) > 2 for k in _unit_kinds(w)} - {"size", "duration"}
        if len(kinds) == 1:
            return kinds.pop()
        # "What size motor has the TS-250?", "How big is the tank?": the part's own measure,
        # unless a dimension is named ("How wide is the tank?")
        measured = part_measured(part)
        if measured:
            return measured[1]
    return found


def part_measured(question: str) -> tuple[str, str] | None:
    """The part a question names whose size has a measure of its own, and that measure:
    ("motor", "power") for "What size motor has the TS-250?"; None when it names no such
    part, several, or a dimension ("How wide is the tank?")."""
    words = set(_WORD.findall(question.lower()))
    if words & _DIMENSION_WORDS:
        return None
    found = {_PART_MEASURE[w] for w in words if w in _PART_MEASURE}
    return found.pop() if len(found) == 1 else None


def part_of_product(question: str) -> frozenset[str]:
    """The words naming a part or an accessory of a product the question names by code, when
    a figure of that part is asked: {"wash", "arm"} for "The wash arm on our QU-500 is cracked.
    How much is a replacement?", {"steam", "boiler"} for "How big's the steam boiler on the
    HS-2?"; empty when the code itself is what is asked about ("How much is the HS-2?", "What's
    the top speed of the CE-16?": a word asking a kind of figure names no part).

    A product's passage states figures of many things that are not the part asked ("HS-2:
    installation £240"), so a figure said for a part must come from a sentence naming it."""
    found: set[str] = set()
    for m in _PART_BEFORE_CODE.finditer(question):
        words = _WORD.findall(m.group(1).lower())
        phrase: list[str] = []
        for w in reversed(words):  # the noun phrase just before "on the QU-500", back to its article
            if w in STOPWORDS or w in _PART_STOP or len(phrase) == 3:
                break
            phrase.insert(0, w)
        stems = [_stem(w) for w in phrase]
        # (the phrase's last word is what it names: "top speed" asks a speed, a "load cell" is
        # a cell, whatever its first word would ask alone)
        if stems and stems[-1] not in _NAMES_NO_PART:
            found |= set(stems) - _NAMES_NO_PART
    return frozenset(found)


#: A noun phrase right before "on / in / of / for / to fit (the, our, ...) CODE".
_PART_BEFORE_CODE = re.compile(
    r"([^\W\d_][\w' -]*?)\s+(?:on|in|of|for|to fit|that fits|fitted to|off)\s+"
    r"(?:(?:the|our|my|your|a|an|this|that|his|her|their|one|ones)\s+)?[^\W\d_]+-\d", re.IGNORECASE)
#: Words ending the noun phrase that names a part: verbs and chat before it.
_PART_STOP = frozenset("""asking ask charge charging pay paying put putting fit fitting fitted come comes
    go goes going wiring wire use used using run running want wanted after looking look need needed
    spend spending now out up back down over off""".split())
#: Words that name no part of a product ("one of the CS-600 filters", "a bit of the TS-250"), or
#: name a price in other words ("the weekly hire on the BT-200").
_PART_GENERIC = frozenset(_stem(w) for w in "one ones bit lot thing things sort kind type model version price hire rent rental lease "
                                           "daily weekly monthly yearly annual replacement new spare extra another "
                                           "second rating ratings spec specs specification specifications figure "
                                           "figures".split())
_NAMES_NO_PART = _ATTRIBUTE_CUE_STEMS | _SUBJECT_NOISE | _PART_GENERIC


def names_part(text: str, part: frozenset[str]) -> bool:
    """``text`` names one of the ``part`` words (see ``part_of_product``), allowing for the
    word's endings ("heater" / "heating") and the documents' word for the caller's."""
    return not part or _words_named(text, part) > 0


def offered_thing(question: str) -> tuple[frozenset[str], ...]:
    """The words naming what a caller asks the company to sell, do or supply: {"automatic",
    "sliding", "glass", "door"} for "Do you do those automatic sliding glass doors for shop
    fronts?", {"electrician"} for "Can you recommend an electrician round here?"; empty for
    any other question.  Words any trade's goods share ("machines", "equipment") are left out:
    "Do you do dry-cleaning machines?" asks about dry-cleaning.  The thing said again in other
    words right after ("the gas ones, the LPG forklifts") is a second way of naming it."""
    m = _OFFERED.search(question)
    if not m:
        return ()
    names = [m.group(1)]
    again = _SAID_AGAIN.match(question, m.end(1))
    if again:
        names.append(again.group(1))
    return tuple(words for words in (frozenset(content_words(n) - _OFFER_GENERIC) for n in names) if words)


def names_offered(text: str, thing: Sequence[frozenset[str]]) -> bool:
    """``text`` names at least half of the ``thing`` asked for, in one of its namings (see
    ``offered_thing``): a sentence that shows a yes or a no to "Do you do sliding glass
    doors?" says what it is about, and the company's e-mail "info@dockray-doors" is no answer."""
    return not thing or any(_words_named(text, words) >= (len(words) + 1) // 2 for words in thing)


def _words_named(text: str, words: frozenset[str]) -> int:
    """How many of the stemmed ``words`` ``text`` names, allowing for the word's endings
    ("heater" / "heating") and the documents' word for the caller's ("hire" / "rent")."""
    said = {_stem(w) for w in _WORD.findall(f"{documents_words(text)} {text}".lower())}
    return sum(1 for w in words
               if any(_same_word(v, s) for v in {w} | caller_words_of(w) | synonyms_of(w) for s in said))


#: "Do you (do / sell / hire out ...) X", X ending at the clause or the chat after it.
_OFFERED = re.compile(
    r"\b(?:do|does|can|could|would|will)\s+(?:you|ye|you lot|you guys|your (?:lot|firm|company|lads|people))\s+"
    r"(?:also\s+|still\s+|ever\s+|actually\s+)?"
    r"(?:do|sell|make|supply|stock|carry|have|offer|hire|rent|fit|install|repair|service|deliver|recommend|"
    r"provide|build|manufacture)\s+(?:out\s+)?(?:(?:any|those|these|the|a|an|some|your|own|me|us)\s+)?"
    r"(.+?)(?=[?.,!;]|\s+(?:as well|too|at all|for|in|on|at|to|with|from|that|which|if|or|and|round|near|here|"
    r"nearby|locally)\b|$)", re.IGNORECASE)
_SAID_AGAIN = re.compile(r",\s+(?:the|those|these|your|a|an)\s+([^?.,!;]+)")
_OFFER_GENERIC = frozenset(_stem(w) for w in "machine machines equipment thing things kind kinds stuff sort sorts "
                                              "type types one ones".split())


def _same_word(a: str, b: str) -> bool:
    """Two stems of one word: equal, or sharing all but the last three letters of the shorter
    and at least four ("heat(er)" / "heat(ing)", "wash" / "washer")."""
    if a == b:
        return True
    shorter = min(len(a), len(b))
    common = len(os.path.commonprefix((a, b)))
    return common >= 4 and common >= shorter - 3


def asked_count(question: str) -> bool:
    """"How many machines did you sell last year?" asks how many things, not a measure ("how
    many litres", "how many kilowatts") nor a time ("how many days")."""
    m = _HOW_MANY.search(question)
    if not m:
        return False
    noun = m.group(1).lower()
    return not _unit_kinds(noun) and _stem(noun) not in _ATTRIBUTE_CUE_STEMS | _SUBJECT_NOISE | _TIME_WORDS


def states_count(text: str) -> bool:
    """``text`` states a figure that is a number of things: one with no unit of measure or money
    ("We are 64 people", "4 decks"); "180 EUR per machine" is a price, "within 48 hours" a
    time, "23%" a rate, not how many."""
    timed = {re.sub(r"[.,]", "", m.group(1)) for m in _FIGURE_THEN_WORD.finditer(_SPACE_THOUSANDS.sub("", text))
             if _stem(m.group(2).lower()) in _TIME_WORDS or m.group(2) == "%"}
    return any(not kinds and figure not in timed for figure, kinds in figure_kinds(text).items())


def asked_identifier(question: str) -> bool:
    """"What's your VAT registration number?" asks an identifier (a VAT, company or account
    number), which only a long run of digits answers; a telephone number is asked otherwise."""
    return bool(_IDENTIFIER_ASKED.search(question))


def states_identifier(text: str) -> bool:
    """``text`` holds something an identifier could be: six digits or more, spaced or not
    ("GB 123 4567 89"), not a rate or a price ("23%")."""
    return any(len(re.sub(r"\D", "", m.group())) >= 6 for m in _DIGIT_RUN.finditer(text))


_FIGURE_THEN_WORD = re.compile(r"(\d+(?:[.,]\d+)*)\s?(%|[^\W\d_]+)")
_HOW_MANY = re.compile(r"\bhow many\s+([^\W\d_]+)", re.IGNORECASE)
_TIME_WORDS = frozenset(_stem(w) for w in "seconds minutes hours days weeks months years times".split())
_IDENTIFIER_ASKED = re.compile(r"\b(vat|registration|company|companies house|account|reference|tax|customer|"
                               r"order|invoice|serial|policy|licen[cs]e|iban|sort code)( registration| reg)? "
                               r"(number|no\.?)(?! of\b)", re.IGNORECASE)
_DIGIT_RUN = re.compile(r"\d[\d ]{4,}\d")


#: The dimension each word names: a size asked as "how wide" is a width, not a height.
_DIMENSIONS = {**dict.fromkeys("wide wider widest width widths narrow narrower".split(), "width"),
               **dict.fromkeys("high higher highest height heights tall taller".split(), "height"),
               **dict.fromkeys("deep deeper deepest depth depths".split(), "depth"),
               **dict.fromkeys("long longer longest length lengths".split(), "length"),
               **dict.fromkeys("ширина ширину шириной широкий широкая широкое".split(), "width"),
               **dict.fromkeys("высота высоту высотой высокий высокая высокое".split(), "height"),
               **dict.fromkeys("глубина глубину глубиной глубокий".split(), "depth"),
               **dict.fromkeys("длина длину длиной длинный".split(), "length")}


#: Words that ask for a dimension rather than a part's own measure ("How wide is the tank?").
_DIMENSION_WORDS = frozenset(_DIMENSIONS) | {"dimension", "dimensions"}


def dimensions_named(text: str) -> set[str]:
    """The dimensions (width, height, depth, length) ``text`` names by word."""
    return {_DIMENSIONS[w] for w in _WORD.findall(text.lower()) if w in _DIMENSIONS}


#: Parts whose size is said in a measure of their own: a motor's or a generator's in kilowatts
#: (or kVA), a battery's in amp hours, a tank's in litres.
_PART_MEASURE = {w: (noun, measure) for noun, measure in (("motor", "power"), ("engine", "power"), ("generator", "power"),
                                                           ("genny", "power"),
                                                           ("battery", "capacity"), ("tank", "capacity"))
                 for w in (noun, f"{noun[:-1]}ies" if noun.endswith("y") else f"{noun}s")}

#: "what battery", "what sort of engine": a part asked about by "what" before its noun.
_WHAT_PART = re.compile(r"\bwhat\s+(?:size\s+|kind\s+of\s+|sort\s+of\s+|type\s+of\s+)?(?:%s)\b"
                        % "|".join(sorted(_PART_MEASURE)), re.IGNORECASE)

#: "big" before a noun describes ("one of your big pressing machines"); it asks a size only
#: as "how big", "big enough", "is it big"...
_BIG_DESCRIBING = re.compile(r"(?<!\bhow )(?<!\bas )(?<!\bso )(?<!\btoo )\bbig\b(?!\s+(is|are|was|were|enough|it|they|a|an)\b)(?=\s+[^\W\d_]+)",
                             re.IGNORECASE)


#: A trader's "What are you asking for the CD-30?" asks a price; "the sparky's asking what
#: it gives out" does not.
_ASKING_PRICE = re.compile(r"\b(are|is|do|does|would|will) (you|ye|they|it|he|she)( \w+)? asking\b|\basking (price|for (a|an|the)\b)"
                           r"|\b(is|are|'s|'re) (it |they |that |those )?going for\b|\bwhat'?s the damage\b",
                           re.IGNORECASE)
#: A rate the caller names ("litres a minute", "cubic metres per hour"): a flow.
_RATE_UNIT = re.compile(r"\b(litres?|liters?|cubic (metres?|meters?)|gallons?)( (a|an|per|each))? (minute|min|hour|second)\b",
                        re.IGNORECASE)
#: Two-letter units a caller says as such ("How many kW?"), not words ("ah", "in").
_TWO_LETTER_UNITS = frozenset("kw kg mm cm km db".split())
#: "in kilowatts, not the kVA": the unit the caller wants the answer in.
_IN_UNIT = re.compile(r"\bin ([^\W\d_]+)", re.IGNORECASE)


#: A payment by the period asks a price: "What would the monthly payment be?"
_PERIOD_PAYMENT = re.compile(r"\b(monthly|weekly|daily|yearly|annual|quarterly) (payment|repayment|instal?ment|rent|"
                             r"rental|fee|charge)s?\b|\b(payment|repayment|instal?ment)s? (per|a|each|every) "
                             r"(day|week|month|quarter|year)\b")
#: "What would it be ...?", "What will that come to ...?": with a period named, its price.
_WHAT_WOULD_IT_BE = re.compile(r"\bwhat(?:'s| is| would| will| does)? (?:it|that|this|that one) (?:be|come to|run to)\b")


def _attribute_in(question: str) -> str:
    question = _IDIOMS.sub(" ", question)  # "get hold of your sales people" holds nothing
    question = _BIG_DESCRIBING.sub(" ", question)  # "one of your big machines": no size asked
    words = [_stem(w) for w in _WORD.findall(question.lower())]
    raw = set(_WORD.findall(question.lower()))
    found = [name for name, (cues, _) in ATTRIBUTES.items()
             if raw & cues or {w for w in words} & {_stem(c) for c in cues}]
    if _ASKING_PRICE.search(question) and "price" not in found:
        found.append("price")
    low = question.lower()
    if _RATE_UNIT.search(low):
        return "flow"
    named_units = [k for m in _IN_UNIT.finditer(low) if len(m.group(1)) > 2 for k in [_unit_kinds(m.group(1))] if len(k) == 1]
    if named_units:
        return next(iter(named_units[0]))  # "What does the CG-45 give out in kilowatts?": a power
    if not found and re.search(r"\bhow much (?:is|are|was|will|would|for|money|do you charge|to)\b|\bhow much\W*$"
                               r"|\bset (?:me|us|you|them) back\b", low):
        found = ["price"]  # "how much is the XR-9?", "How much to buy that one outright?" (not "how
        # much dough can it knead?")
    if not found and (_PERIOD_PAYMENT.search(low) or _WHAT_WOULD_IT_BE.search(low) and (
            _PERIOD_PRICE.search(low) or _WHOLE_PERIOD.search(low))):
        found = ["price"]  # "the monthly payment on that?", "What would it be for the full week?"
    if "how long" in low and "duration" not in found and not {"size"} & set(found) \
            and asked_company_detail(question) not in ("year", "hours"):
        # ("How long have you been going? What year ...?"; "How long are you open till?": a time)
        found.append("duration")
    if not found:
        # A unit named asks for its attribute: "What's the CR-8 in cubic metres?", "How many
        # kilowatts is the unit?" (one-letter units, "m", "t", are words too often)
        # ("opening hours", "which days": time words name no unit asked for)
        found = (["capacity"] if re.search(r"\bcubic (metre|meter)s?\b", low)
                 else sorted({k for w in raw if len(w) > 2 or w in _TWO_LETTER_UNITS for k in _unit_kinds(w)}
                             - {"duration"}))
    if not found and raw & _DURATION_TOPICS:
        found = ["duration"]  # "what is the warranty?" (but "what does the warranty cost?" is a price)
    if found == ["duration"] and re.search(r"\bhow long (is|are)\b", low) and _PRODUCT.search(question) \
            and not raw & _DURATION_TOPICS:
        found = ["size"]  # "How long is the MD-190?": its length, not a time
    if "weight" in found and "price" in found and re.search(r"\bhow much does .* weigh", low):
        found.remove("price")
    if "price" in found and len(found) > 1 and STANDS_ON.search(low):
        found.remove("price")  # "Какой мощности двигатель стоит на ВК-150?": "is fitted", not "costs"
    return found[0] if len(found) == 1 else ""


#: Figures that answer an attribute besides its own: "how big is the tank" is answered in
#: litres, a trailer's capacity in tonnes.
_ALSO = {"size": {"capacity"}, "capacity": {"size", "weight"}}


def accepts(asked: str) -> set[str]:
    """The kinds of figure that can answer a question asking for ``asked``."""
    return {asked} | _ALSO.get(asked, set()) if asked else set()


def _unit_kinds(unit: str) -> set[str]:
    u = unit.lower().replace(" ", "")
    return {name for name, (_, units) in ATTRIBUTES.items() if u in units}


def figure_kinds(text: str) -> dict[str, set[str]]:
    """Each figure in ``text`` (product codes left out) and the attributes its unit says it
    is: "54,000 euros" -> price, "1350 kg" -> weight, a bare "1994" -> nothing."""
    text = _SPACE_THOUSANDS.sub("", _PRODUCT.sub(" ", text))
    out: dict[str, set[str]] = {}
    for m in _NUMBER.finditer(text):
        kinds: set[str] = set()
        after = _UNIT_AFTER.match(text, m.end())
        if after:
            unit = after.group(1).lower()
            if unit in _VOLUME and _PER_TIME.match(text, after.end()):
                kinds.add("flow")  # "1,050 litres per minute" is a flow, not a tank's volume
            elif unit in _VOLUME and "/" in text[after.end():after.end() + 1]:
                kinds.add("flow")
            else:
                kinds |= _unit_kinds(unit)
        before = _CURRENCY_BEFORE.search(text[max(0, m.start() - 6) : m.start()])
        if before:
            kinds.add("price")
        out.setdefault(re.sub(r"[.,]", "", m.group(0)), set()).update(kinds)
    return out


#: Units a caller names by their full (or unmistakable) names, as one canonical unit each.
_ASKED_UNITS = {
    **dict.fromkeys(("kilowatt", "kilowatts", "kw", "киловатт", "киловатта", "квт"), "kw"),
    **dict.fromkeys(("watt", "watts", "ватт", "вт"), "w"),
    **dict.fromkeys(("kilo", "kilos", "kilogram", "kilograms", "kg", "килограмм", "килограммов", "кг"), "kg"),
    **dict.fromkeys(("tonne", "tonnes", "ton", "tons", "тонн", "тонны", "тонна"), "t"),
    **dict.fromkeys(("litre", "litres", "liter", "liters", "литр", "литров", "литра"), "l"),
    **dict.fromkeys(("millimetre", "millimetres", "millimeter", "millimeters", "mm", "миллиметров", "мм"), "mm"),
    **dict.fromkeys(("centimetre", "centimetres", "centimeter", "centimeters", "cm", "сантиметров", "см"), "cm"),
    **dict.fromkeys(("metre", "metres", "meter", "meters", "метров", "метра"), "m"),
    **dict.fromkeys(("decibel", "decibels", "db", "dba", "децибел", "дб"), "db"),
    **dict.fromkeys(("amp", "amps", "ampere", "amperes", "ампер"), "a"),
    **dict.fromkeys(("volt", "volts", "вольт"), "v"),
}
#: Each canonical unit's attribute: a figure in another unit of it answers "in kilowatts?" wrongly.
_UNIT_ATTRIBUTE = {"kw": "power", "w": "power", "kg": "weight", "t": "weight", "l": "volume", "mm": "size",
                   "cm": "size", "m": "size", "db": "noise", "a": "current", "v": "voltage"}


def _units_said(text: str) -> set[str]:
    """The canonical units of the figures in ``text`` ("1,850 W" -> {"w"})."""
    plain = _PRODUCT.sub(" ", text)
    found = set()
    for m in _NUMBER.finditer(plain):
        after = _UNIT_AFTER.match(plain, m.end())
        unit = after.group(1).lower() if after else ""
        if unit in _ASKED_UNITS or unit in ("w", "a", "v", "l", "m", "t"):
            found.add(_ASKED_UNITS.get(unit, unit))
    return found


_FIGURE_AND_UNIT = re.compile(r"\d[\d.,]*\s?[^\W\d_]+")


@functools.lru_cache(maxsize=256)
def _units_named(question: str) -> frozenset[str]:
    """The canonical units a question names as the ones it wants (worked out once: the
    extractive pick asks for every sentence it weighs)."""
    # (a unit after a figure the caller gives, "on a 16 A supply", is not the one asked for)
    named = _FIGURE_AND_UNIT.sub(" ", english_numbers_to_digits(question.lower()))  # ("about five metres")
    return frozenset(_ASKED_UNITS[w] for w in _WORD.findall(named) if w in _ASKED_UNITS)


def unit_fits(sentence: str, question: str, pieces: Sequence[str]) -> bool:
    """A question that names its unit ("How much power does the CU-12 draw, in kilowatts?")
    is not answered by a figure in another unit of the same kind ("1,850 W", its cooling
    capacity) when the knowledge base states one in the unit asked, for the product asked."""
    asked = _units_named(question)
    said = _units_said(sentence)
    kinds = {_UNIT_ATTRIBUTE[u] for u in asked} | {k for u in asked for k in _unit_kinds(u)}
    # (a unit of the same attribute: "400 V" for "how many kilowatts?" is the supply's, not the heater's)
    wrong = {u for u in said if _UNIT_ATTRIBUTE.get(u) in kinds or _unit_kinds(u) & kinds} - asked
    if not asked or not wrong or said & asked:
        return True
    products = [m.lower() for m in _PRODUCT.findall(question)]
    return not any(_units_said(piece) & asked and (not products or any(p in piece.lower() for p in products))
                   for piece in pieces)


def attribute_fits(sentence: str, question: str, pieces: Sequence[str], about: str = "") -> bool:
    """The sentence's figures can answer the attribute asked, as the knowledge base states them.

    A figure's attribute is what its unit in the sentence says, else what the knowledge base
    says next to that figure (for the product asked, when one is named).  The sentence fails
    when it gives figures and none of them can be of the attribute asked ("the UTM-300 costs
    1350 kilograms", or "costs 1350" where the knowledge base has 1350 kg), or when it gives a
    figure a unit the knowledge base never gives it ("1350 euros" for "1350 kg").
    """
    asked = asked_attribute(question)
    said = figure_kinds(sentence)
    if not said:
        return True
    products = ({m.lower() for m in _PRODUCT.findall(question)} or {m.lower() for m in _PRODUCT.findall(about)}
                or {m.lower() for m in _PRODUCT.findall(sentence)})
    relevant = [p for p in pieces if not products or any(prod in p.lower() for prod in products)] or list(pieces)
    stated: dict[str, set[str]] = {}
    for piece in relevant:
        for figure, kinds in figure_kinds(piece).items():
            stated.setdefault(figure, set()).update(kinds)
    # ("The first service, 6 months after delivery, is free of charge." states a price: none)
    possible = asked == "price" and bool(_FIGURE_WORDS.search(sentence))
    other = False  # a figure known to be of another attribute
    for figure, kinds in said.items():
        kb = stated.get(figure, set())
        if kinds and kb and not kinds & kb:
            return False  # "1350 euros" where the knowledge base says 1350 kg
        known = kinds or kb
        if not asked or accepts(asked) & known:
            possible = True
        elif known:
            other = True
    # Figures of no known kind (a year, a count) may answer, unless the sentence's other
    # figures are known to be of another attribute: "delivers 42 m³/h at a head of 35
    # metres" is no weight, though "42" alone says nothing.
    return possible or not other


#: A sentence that gives the company's headcount ("We are 64 people", "employs 120").
_HEADCOUNT = re.compile(r"\b(we are|we're|we have|we employ|employ(s|ing)?|team of|workforce of)\s+(\w+\s+){0,2}\d[\d,]*"
                        r"|\b\d[\d,]*\s+(people|employees|members of staff)\b|\d+\s+(сотрудник|человек|работник)\w*",
                        re.IGNORECASE)
#: A sentence that tells how the company began ("She started Hearthstone in 1998").
_FOUNDING = re.compile(r"\b(founded|started|established|set up|began|opened)\b|основан\w*|основал\w*|создан\w*",
                       re.IGNORECASE)
_YEAR = re.compile(r"(?<![\w.,/–-])((?:1[89]|20)\d{2})\b(?![.,]\d)")
_JOINABLE = frozenset("costs cost weighs weigh is are takes take lasts last holds hold".split())
_FIGURE_WITH_UNIT = re.compile(r"(?:[€$£]\s?)?\d+(?:[.,]\d+)*(?:\s?(?:[€$£]|(?:(?:working|business|calendar)\s)?"
                               r"[A-Za-z]+(?:\s(?:a|per)\s[a-z]+)?))?")


def states_asked_figure(sentence: str, question: str) -> bool:
    """The sentence holds a figure of the attribute the question asks for ("54,000 euros" for a
    price question; a street address for "Where are you based?"): an extractive answer good
    enough to follow opening words, and what an answer to such a question must hold."""
    asked = asked_attribute(question)
    if asked:
        return any(accepts(asked) & kinds for kinds in figure_kinds(sentence).values())
    detail = asked_company_detail(question)
    if detail == "hours" and ASKS_CLOCK.search(question):
        return bool(_CLOCK.search(sentence))  # "What time do you shut on Fridays?": not "on Fridays"
    return bool(detail) and states_company_detail(detail, sentence)


_CLOCK = re.compile(r"\b\d{1,2}[:.]\d{2}\b|\b\d{1,2}\s?(am|pm)\b|\bnoon\b|\bmidnight\b", re.IGNORECASE)


def asks_figure(question: str) -> bool:
    """The question asks for a figure: of a product's attribute, or of the company itself."""
    return bool(asked_attribute(question) or asked_company_detail(question))


def finish_opening(opening: str, sentence: str, question: str) -> str:
    """The rest of opening words already said, taken from a checked ``sentence``: the one
    figure of the attribute asked, with its unit ("The UTM-300 costs" + "54,000 euros."),
    so the caller hears one whole sentence; "" when that cannot be done cleanly."""
    words = opening.split()
    asked = asked_attribute(question)
    if words and not asked and words[-1].lower() in ("in", "since") and asked_company_detail(question) == "year":
        years = set(_YEAR.findall(sentence))
        return f"{years.pop()}." if len(years) == 1 else ""  # "We started in" + "1991."
    if not words or words[-1].lower() not in _JOINABLE or not asked:
        return ""
    found = []
    for m in _FIGURE_WITH_UNIT.finditer(_PRODUCT.sub(" ", sentence)):
        kinds = figure_kinds(m.group(0)).get(re.sub(r"[.,]", "", _NUMBER.search(m.group(0)).group(0)), set())
        if accepts(asked) & kinds:
            found.append(m.group(0).strip())
    if len(set(found)) != 1:
        return ""
    return f"{found[0]}."


def is_yes_no(question: str) -> bool:
    """A question answered by yes or no ("Can I extend the warranty?", "Do you ship to Norway?")."""
    words = _WORD.findall(question.lower().replace("’", "'"))
    if _CONFIRM.search(question):
        return True  # "Just confirm for me that the MG-350 costs 2,000 euros.", "Подтверди, что ..."
    if words and is_russian(words[0]):
        # Russian: the particle "ли" ("Есть ли скидка?"), or a question without a question
        # word ("Вы работаете в субботу?", "Можно продлить гарантию?")
        return "ли" in words or (question.rstrip().endswith("?") and not set(words) & _RU_QUESTION_WORDS)
    if not words or words[0] in _WH_WORDS:
        return False
    asking = [_WORD.findall(q) for q in re.findall(r"[^.!?]*\?", question.lower().replace("’", "'"))]
    if len(asking) > 1 and asking[-1] and (asking[-1][0] in _WH_WORDS or asking[-1][:2] in (["and", "how"], ["so", "how"])):
        return False  # "Are you a big outfit? How many staff have you got?" asks how many
    if _THEN_ASKS.search(question):
        return False  # "Can you train him, and what's the damage?" asks what it costs
    # (the question may follow a condition or a greeting: "If I spend 4,000 euros, is the
    # delivery free?", "Hello, do you rent out chillers?")
    clauses = [_WORD.findall(c) for c in re.split(r"[,;.:!?]", question.lower().replace("’", "'"))]
    return any(c and c[0] in _YES_NO_START for c in clauses)


#: A yes/no question's last clause that asks a wh-question of its own: "Would you cart it
#: away, and for how much?", "Can I pay bit by bit, and what's the longest I can spread it
#: over?": the caller wants that figure, and a yes alone would not answer.
_THEN_ASKS = re.compile(r"[,;]?\s+and\s+(?:for\s+|at\s+|in\s+)?(?:what|how|when|which|where|who)(?:'s|'re)?\b[^,;]*\?\s*$",
                        re.IGNORECASE)


#: Asking for a yes or no without a question's form: a claim to be confirmed.
_CONFIRM = re.compile(r"\b(confirm|is it true|am i right|isn't it|is that right|correct me)\b"
                      r"|(?<![а-яё])(подтверд\w*|это правда|я прав|скажи(те)?,? что|верно ведь)(?![а-яё])", re.IGNORECASE)
_WH_WORDS = frozenset("what how which when where who whom whose why".split())


_RU_QUESTION_WORDS = frozenset("что кто где когда куда откуда почему зачем как какой какая какое какие каков какова "
                               "сколько чей чья чьё чем чего кого кому почём почем".split())


#: Words a yes adds that say nothing of the knowledge base ("Yes, the DO-6 with a gas burner
#: is available.", "Yes, we take away an old oven when we install a new one.").
_EMPTY_YES_WORDS = frozenset(_stem(w) for w in (
    "yes no sure certainly course yeah да нет конечно конечн available availability possible able new ordered "
    "order orders supplied supply provided offer offered install installed use used get got make made have can "
    "do does work works run runs come comes fit fits handle handled also indeed of course we you".split()))


def is_bare_yes_no(sentence: str, question: str) -> bool:
    """"Yes, you can." / "No, we don't." / "Yes, the DO-6 with a gas burner is available.": a
    yes or no with no fact of its own: no figure, and at most one word of substance the
    question did not already say (small models answer "yes" by restating the question)."""
    low = sentence.lower().strip()
    said_yes = bool(re.match(r"^(yes|no|yeah|sure|certainly|of course|да|нет|конечно)\b", low))
    if numbers(_PRODUCT.sub(" ", sentence)) - numbers(question):  # (a product code's digits are no figure:
        return False  # "Yes, the BC-15 and BC-25 need three-phase power." is bare)
    new_words = len(content_words(sentence) - content_words(question) - _EMPTY_YES_WORDS)
    # (with no "yes", the question said back as a statement is a yes all the same: "The
    # one-group Classic will plug into a normal socket behind the counter.")
    return new_words <= 1 if said_yes else new_words == 0 and len(content_words(sentence)) >= 3


#: Question words and what the knowledge base says instead ("how heavy" -> "weighs").
SYNONYMS = {
    "heavy": "weigh weight kg",
    "weight": "weigh kg",
    "cost": "euro price",
    "costs": "euro price",
    "price": "euro cost",
    "expensive": "euro price",
    "cheap": "euro price",
    "long": "month year week day",
    "phone": "number call",
    "number": "phone",
    "email": "mail",
    "open": "opening hour monday",
    "hours": "open",
    "big": "capacity size",
    "strong": "capacity kn",
    "fast": "speed",
    "power": "supply",
    "address": "road street",
    "located": "road street address",
}


_CODE = re.compile(r"[a-z]+-\d+[a-z]*|\d+(?:[.,]\d+)*", re.IGNORECASE)


def codes(text: str) -> set[str]:
    """Model codes and figures ("UTM-100", "450"), which name the thing asked about."""
    return {c.lower().replace(",", "") for c in _CODE.findall(text)}


def expand_question(question: str) -> set[str]:
    """The question's words and codes, their synonyms, and the documents' words for its
    phrases ("send it back" brings "return")."""
    question = _PRICE_IDIOMS.sub(" ", question)
    words = content_words(question) | codes(question) | content_words(documents_words(question))
    for w in list(words):
        words |= synonyms_of(w)
    return words


def _by_stem(table: Iterable[tuple[str, str]]) -> dict[str, frozenset[str]]:
    """A word -> words table keyed and valued by stems, as ``content_words`` gives them."""
    out: dict[str, set[str]] = {}
    for word, others in table:
        out.setdefault(_stem(word), set()).update(content_words(others))
    return {k: frozenset(v) for k, v in out.items()}


#: ``SYNONYMS`` and ``lexical.CALLER_WORDS`` by stem, built once (looked up per word judged).
_SYNONYM_STEMS = _by_stem(SYNONYMS.items())
_CALLER_STEMS = _by_stem((k, " ".join(v)) for k, v in CALLER_WORDS.items())


def synonyms_of(stemmed: str) -> frozenset[str]:
    """The stems of the ``SYNONYMS`` of a word, by its stem (as ``content_words`` gives it)."""
    return _SYNONYM_STEMS.get(stemmed, frozenset())


def caller_words_of(stemmed: str) -> frozenset[str]:
    """The stems of the documents' words for a caller's word (``lexical.CALLER_WORDS``), by its stem."""
    return _CALLER_STEMS.get(stemmed, frozenset())


def focus(question: str, passage: Passage, keep: int = 3) -> str:
    """The passage cut to the ``keep`` sentences (or list lines) that bear on the question.

    Prompt evaluation is the agent's largest cost on a small CPU (~450 tokens/s on 2 cores),
    and a small model answers better from less text: the sentences sharing most with the
    question (product codes count, figures help) stay, in document order.
    """
    pieces = _pieces(passage.text)
    if len(pieces) <= keep:
        return passage.text
    q = expand_question(question)
    title_words = content_words(passage.title) | codes(passage.title)
    scored = []
    for i, piece in enumerate(pieces):
        words = content_words(piece) | codes(piece)
        score = len(q & words - title_words) + 0.3 * len(q & words & title_words) + (0.3 if numbers(piece) else 0.0)
        scored.append((score, -i, i, piece))
    chosen = sorted(sorted(scored, reverse=True)[:keep], key=lambda x: x[2])
    return " ".join(piece for *_, piece in chosen)


_LAYOUT = [
    (_LEADERS, ": "),  # dot leaders: "UTM-50 ........ 18,900"
    (re.compile(r"\s*\|\s*"), ", "),  # table cells
    (re.compile(r"(?m)^\s*(?:[-*•+]|\d+[.)])\s+"), ""),  # list bullets and numbers
    (re.compile(r"(?m)^\s*#+\s*"), ""),  # markdown headings
    (re.compile(r"^\s*(?:A|Answer|Q|Question)\s*[:.)]\s+"), ""),  # an FAQ's labels: "A: We hire out ..."
    (re.compile(r"[*_`]{1,3}([^*_`]+)[*_`]{1,3}"), r"\1"),  # emphasis, code
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # links
    (re.compile(r"\s*-{2,}\s*|\s+[–—]\s+"), ", "),  # dashes used as separators
    (re.compile(r"\t+| {2,}"), " "),
]


def speakable(text: str) -> str:
    """A sentence of a document as it can be said: no dot leaders, table bars, bullets or
    markdown; one line, ending with a full stop."""
    t = text.strip()
    for pattern, repl in _LAYOUT:
        t = pattern.sub(repl, t)
    t = re.sub(r"\s*([:;,])(?:\s*[:;,])+", r"\1", t)  # ": ," left by the rules above
    t = re.sub(r"\s+([,.:;!?])", r"\1", t)
    t = " ".join(t.split()).strip(" ,;:")
    if t and not t.endswith((".", "!", "?")):
        t += "."
    return t[:1].upper() + t[1:]


#: How much a passage's lower similarity to the question (than the first passage's) costs
#: its sentences in :func:`extractive_answer`; measured on the evaluation.
PASSAGE_GAP_WEIGHT = 2.5
#: What each of the question's words in a passage's title (its section heading) adds to
#: every sentence of the passage (two at most).
TITLE_WEIGHT = 0.5


def extractive_answer(question: str, passages: Sequence[Passage], max_sentences: int = 2, max_chars: int = 240,
                      about: str = "") -> str:
    """The sentence(s) of the retrieved passages that answer the question best, cleaned for
    speech (see :func:`extractive_pick`)."""
    return extractive_pick(question, passages, max_sentences, max_chars, about)[0]


#: A sentence that is no answer on its own: a question (an FAQ's, in its text), or one that
#: ends on the verb of a sentence before it ("A Frostgate blast chiller can.").
_NO_ANSWER_ALONE = re.compile(r"\?\s*$|\b(can|can't|cannot|does|doesn't|do|don't|did|will|won't|is|isn't|are|aren't"
                              r"|has|have|would|could|should)\.\s*$", re.IGNORECASE)


def extractive_pick(question: str, passages: Sequence[Passage], max_sentences: int = 2, max_chars: int = 240,
                    about: str = "", keep: Callable[[str, str], bool] | None = None) -> tuple[str, str]:
    """The sentence(s) of the retrieved passages that answer the question best, cleaned for
    speech, and the title (section heading) of the passage they come from.

    Each sentence (or list line, or table row) of the passages scores by the words it shares
    with the question, and most by naming the product asked about (in itself or its passage's
    heading) and holding a figure of the attribute asked; one naming another product only, or
    a figure of another attribute, loses.  The best passage breaks ties.  A sentence is only
    taken if its figures pass the product and attribute checks.  ``about`` is the earlier
    question a follow-up leans on ("and what does it cost?"): the product it names counts.
    ``keep(sentence, title)``, if given, must accept the sentence as well.
    """
    if not passages:
        return "", ""
    q = expand_question(question)
    # (the words of the sentence that asks count in full, the chat around it by half: "I
    # ordered a pump I don't need any more. How long do I have to send it back?" asks about
    # returns, not orders)
    asking = asked_part(question)
    chat = q - expand_question(asking)
    asked_products = {m.lower() for m in _PRODUCT.findall(question)} or {m.lower() for m in _PRODUCT.findall(about)}
    named_q = f"{question} {' '.join(sorted(asked_products))}" if asked_products else question
    asked = asked_attribute(question)
    period_asked = bool(_PERIOD_PRICE.search(question) or _WHOLE_PERIOD.search(question))
    detail = "" if asked else asked_company_detail(question)
    pieces = product_pieces(passages)
    days_asked = days_named(question)
    dimensions_asked = dimensions_named(asking) if asked == "size" else set()
    measured = part_measured(asking) if asked else None
    part_noun = measured[0] if measured and measured[1] == asked else ""
    # Names the caller gives what they ask about ("your TideCare Plus plan"), or the question
    # a follow-up leans on gave ("How often would you come out under that?")
    names = names_given(asking) or (names_given(about) if not asked_products else set())
    scored = []
    line_fit: dict[tuple[int, int], float] = {}  # a contact line's fit to the caller's purpose
    for rank, p in enumerate(passages[:4]):
        title_words = content_words(p.title) | codes(p.title)
        title_products = {m.lower() for m in _PRODUCT.findall(p.title)}
        units = _subject_pieces(p.text)
        if detail == "founder":
            units = _founder_with_name(units)
        for i, (s, subject) in enumerate(units):
            s = _name_subject(s, subject)
            words = content_words(s) | codes(s)
            # Words the passage's title already has name the passage, not the sentence: they
            # count little for choosing among its sentences, and as much for every sentence
            # of it when choosing among passages ("Delivery time" over a warranty passage
            # that happens to say "after delivery").
            score = len(q & words - title_words) - 0.5 * len(chat & words - title_words) \
                + 0.3 * len(q & words & title_words)
            score += TITLE_WEIGHT * min(2, len(q & title_words))
            score += 0.3 if numbers(s) else 0.0  # figures answer "how much / how heavy / when"
            named = {m.lower() for m in _PRODUCT.findall(s)} or ({subject.lower()} if subject else set())
            if asked_products:
                first = _PRODUCT.match(s.lstrip("-*• "))
                if first and first.group(0).lower() not in asked_products and asked_products & named:
                    score += 1.5  # a row about another product that fits it ("SG-24 spool gun for the MG-350")
                elif asked_products & (named or title_products):
                    score += 3.0
                elif not first and names_asked_family(named_q, f"{p.title}\n{s}"):
                    # the family's sentence: "Every SO counter collects the water ..." (not an
                    # accessory's row "FE-18 Fork extensions, all CE and CD trucks")
                    score += 2.0
                elif named or title_products:
                    score -= 3.0  # another product's sentence
            if asked == "price" and _PERIOD_PRICE.search(s) and (period_asked or not _buy_price_too(s)):
                # a hire rate ("per week £240") is not the price to buy it, and is the price
                # asked for "a week to hire" (a row with both, "buy £8,250, hire per day
                # £120", has the price to buy as well)
                score += 0.5 if period_asked else -1.5
            if asked:
                kinds = set().union(*figure_kinds(s).values()) if numbers(s) else set()
                if asked == "price" and _FIGURE_WORDS.search(s):
                    kinds = kinds | {"price"}  # "The first service is free of charge." states a price
                # (a width asked is in mm or m, not the litres "how big" would accept)
                # (and a battery's size is its amp hours, not a machine's "75 cm")
                wanted = {"size"} if dimensions_asked else {asked} if part_noun else accepts(asked)
                score += 2.0 if wanted & kinds else (-1.5 if kinds else 0.0)
                if wanted & kinds and part_noun and re.search(rf"\b{part_noun}", s, re.IGNORECASE):
                    score += 1.0  # "36 V traction battery, 240 Ah" for the battery's size
                if wanted & kinds and words & _CUE_STEMS.get(asked, frozenset()):
                    score += 1.0  # "the machine weighs 338 kg", not a price row's "20 kg" class
            elif detail and states_company_detail(detail, s):
                score += 2.0  # the address for "where are you based?"
                if detail in ("phone", "email"):
                    # the service line for "the alarm's beeping: what number do I ring?"
                    fit = purpose_fit(question, s)
                    score += fit
                    line_fit[(rank, i)] = fit
                if detail == "staff" and _HEADCOUNT.search(s):
                    score += 1.5  # "We are 64 people today", not "sessions for up to 6 staff"
                if detail == "year" and _FOUNDING.search(s):
                    score += 1.0  # "She started Hearthstone in 1998", not "the first machine was built in 2003"
                if detail == "address" and _FULL_ADDRESS.search(s):
                    score += 1.5  # the address itself, not a sentence naming the street
            elif detail and numbers(s):
                score -= 1.5  # figures, but not the one asked: a price for "which e-mail?"
            if dimensions_asked:
                # "How wide does the door need to be?": the width, not "1,250 mm high and 1,100 mm deep"
                dims = dimensions_named(s)
                score += 1.0 if dims & dimensions_asked else -1.5 if dims else 0.0
            if days_asked:
                days = days_named(s)
                score += 1.0 if days & days_asked else -2.0 if days else 0.0  # Friday's line for "on a Friday"
            if names and ":" in s[:80]:
                # the row the name labels ("TideCare Plus: visits a year 2, ..."), not the one
                # that mentions it ("TideCare Total: ..., as Plus, with wear parts")
                score += NAME_LABEL_WEIGHT * len(names & names_given(s.split(":", 1)[0], first_too=True))
            if len(_WORD.findall(s)) < 4 and not numbers(_PRODUCT.sub(" ", s)):
                score -= 2.0  # a heading or a bare name says nothing
            # A passage further down loses by its rank, and by how much less like the
            # question it is than the first: an FAQ answer under "Do you take back our old
            # oven?" (its words in the heading) beats a price row that happens to say "oven".
            score -= max(0.4 * rank, PASSAGE_GAP_WEIGHT * (passages[0].score - p.score))
            scored.append((score, -rank, -i, rank, i, s))
    scored.sort(reverse=True)
    chosen = []
    for entry in scored:
        s = entry[5]
        if not figures_match_product(s, named_q, pieces) or not attribute_fits(s, question, pieces, about):
            continue
        if not unit_fits(s, question, pieces):
            continue  # the supply's "400 V" for "how many kilowatts?"
        if keep is not None and not keep(s, passages[entry[3]].title):
            continue
        if _NO_ANSWER_ALONE.search(s):
            continue  # "Does a serve-over counter need a drain?", "A Frostgate blast chiller can."
        if dimensions_asked and (dims := dimensions_named(s)) and not dims & dimensions_asked:
            continue  # a height and a depth are no answer to "how wide"
        chosen = [entry]
        break
    if not chosen:
        return "", ""
    best = chosen[0]
    if max_sentences > 1:
        for entry in scored:
            if entry is best or entry[3] != best[3] or entry[0] < max(1.0, best[0] * 0.75) \
                    or _NO_ANSWER_ALONE.search(entry[5]):
                continue
            if line_fit.get((best[3], best[4]), 0.0) > line_fit.get((entry[3], entry[4]), 0.0):
                break  # the line for what the caller calls about, not the sales line beside it
            if len(best[5]) + len(entry[5]) < max_chars and figures_match_product(entry[5], named_q, pieces):
                chosen.append(entry)
            break
    chosen.sort(key=lambda x: (x[3], x[4]))
    return (" ".join(speakable(only_asked_items(_only_asked(e[5], asked_products), question)) for e in chosen),
            passages[best[3]].title)


#: What a name the caller gives counts for the row it labels (a row ranked lower, by one or
#: two places, still wins by it).
NAME_LABEL_WEIGHT = 1.0
_CAPITALISED = re.compile(r"(?<![.!?:]\s)\b([^\W\d_][^\W_]*)")


def names_given(text: str, first_too: bool = False) -> set[str]:
    """The capitalised words inside a text's sentences (names: "TideCare", "Plus" in "on
    your TideCare Plus plan"), not a sentence's first word (unless ``first_too``: a row's
    label), "I", or a product code."""
    found = set()
    for sentence in _SENTENCE.finditer(text):
        body = sentence.group(0).strip()
        for m in _CAPITALISED.finditer(body):
            word = m.group(1)
            if (m.start() > 0 or first_too) and word[0].isupper() and word not in ("I", "I'm") and len(word) > 1 \
                    and not any(ch.isdigit() for ch in body[m.end():m.end() + 2]):
                found.add(word)
    return found


#: "She started Hearthstone in 1998": a founding told of someone the sentence before names.
_SHE_STARTED = re.compile(r"^(he|she|they)\s+(\w+\s+)?(started|founded|set up|established|began)\b", re.IGNORECASE)


def _founder_with_name(units: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A founding told with a pronoun ("She started Hearthstone in 1998 ...") joined to the
    sentence before it, which names her ("Rosa Castellano came to Shropshire ..."): for "Who
    started the firm?", the name is the answer."""
    joined: list[tuple[str, str]] = []
    for s, subject in units:
        if joined and _SHE_STARTED.match(s):
            joined[-1] = (f"{joined[-1][0]} {s}", joined[-1][1] or subject)
        else:
            joined.append((s, subject))
    return joined


#: A price for a period (a hire or rental rate), in a question or a row: "a week to hire",
#: "per month", "rental".
_PERIOD_PRICE = re.compile(r"\b(hire\w*|rent\w*|leas\w*|(per|a|an|each|by the) (day|week|month|year|hour)|daily|weekly|"
                           r"monthly|hourly)\b|(?<![а-яё])(аренд\w*|в (сутки|день|неделю|месяц)|за (сутки|день|неделю|месяц))",
                           re.IGNORECASE)
#: "for a whole week", "the full month": a hire period asked.
_WHOLE_PERIOD = re.compile(r"\b(a|the|one) (whole|full|entire) (day|week|month|year)\b", re.IGNORECASE)


def _buy_price_too(sentence: str) -> bool:
    """A row with a price to buy besides its hire rates: one of its comma-separated
    parts states a price and no period."""
    return any(has_currency(part) and not _PERIOD_PRICE.search(part) and any(c.isdigit() for c in part)
               for part in re.split(r"[,;]\s+(?=[^\d])", sentence.split(":", 1)[-1]))


_PERIODS = re.compile(r"\b(day|week|month|year|hour)s?\b|(?<![а-яё])(сутк|дн|недел|месяц|час)", re.IGNORECASE)
_ITEM_SPLIT = re.compile(r",\s+(?=[^\W\d_])")


#: Where a sentence listing figures for several things turns to the next one: "На токарные
#: станки гарантия 18 месяцев, на сверлильные, 12 месяцев."
_CLAUSE_SPLIT = re.compile(r"[;,]\s+(?=(?:на|для|а|and|for|on|but|while)\s)", re.IGNORECASE)


def _only_asked_clause(sentence: str, question: str, asked: str) -> str:
    """A sentence stating the figure asked for several things, cut to the clause about the
    one the caller's last words name ("А на сверлильные какая?" after the lathes' warranty:
    "на сверлильные станки СВ, 12 месяцев", not the lathes' 18 months as well); the whole
    sentence when no one clause alone has the caller's words."""
    clauses = _CLAUSE_SPLIT.split(sentence.rstrip(". "))
    if len(clauses) < 2:
        return sentence
    with_figure = [c for c in clauses if any(accepts(asked) & k for k in figure_kinds(c).values())]
    if len(with_figure) < 2 or len(with_figure) != len(clauses):
        return sentence
    last = [q for q in re.split(r"(?<=[.!?])\s+", question.strip()) if content_words(q)]
    words = {_root(w) for w in content_words(last[-1])} if last else set()
    roots = [{_root(w) for w in content_words(c)} for c in clauses]
    own = [k for k, r in enumerate(roots) if words & r - set().union(*(roots[:k] + roots[k + 1:]))]
    if len(own) != 1:
        return sentence
    clause = clauses[own[0]].strip()
    return clause[:1].upper() + clause[1:] + "."


def only_asked_items(sentence: str, question: str) -> str:
    """A row listing many figures of one thing ("CG-30: prime power 30 kVA, fuel tank 120
    litres, ..., weight with a full tank 1,240 kg, price 13,900 pounds.") cut to the items
    of the attribute asked ("CG-30: weight with a full tank 1,240 kg."), and of a rate's
    period the caller names ("per week £140" of "per week £140, per month £420"): the rest
    is no answer, and read out in full it buries the one that is."""
    asked = asked_attribute(question)
    if not asked:
        return sentence
    label, colon, rest = sentence.partition(": ")
    unlabelled = not colon or len(label) > 80
    if unlabelled:
        label, rest = "", sentence
    items = _ITEM_SPLIT.split(rest.rstrip(". "))
    if unlabelled and (len(items) < 3 or not all(numbers(item) and not _PRODUCT.search(item) for item in items)):
        # A list of figures with no label of its own ("Planing width 510 mm, maximum
        # thicknessing height 250 mm, 5.5 kW motor, weight 395 kg.", the product named in the
        # sentence before) is cut the same way, to "Weight 395 kg."; anything else unlabelled
        # (a sentence whose first item is its subject: "The SD-10 pumps up to 10 m³ an hour,
        # passes solids up to 20 mm, ...": no item of a list names a product) by its clauses.
        return _only_asked_clause(sentence, question, asked)
    if len(items) < 2:
        return sentence

    def fits(item: str) -> bool:
        kinds = set().union(*figure_kinds(item).values()) if numbers(item) else set()
        if asked == "price" and numbers(item) and re.search(r"\b(price|cost)s?\b|цена|стоимост", item, re.IGNORECASE):
            kinds.add("price")
        return bool(accepts(asked) & kinds)

    kept = [item for item in items if fits(item)]
    if len(kept) > 1:
        # "How many kilos can the QF-15 freeze?": the freezing capacity's kilos, not the
        # chilling capacity's nor the weight
        asked_words = expand_question(question)
        named = [item for item in kept if asked_words & content_words(item)]
        kept = named or kept
    if asked == "price" and len(kept) > 1:
        periods = {m.group(0).lower()[:4] for m in _PERIODS.finditer(question)}
        named = [item for item in kept if {m.group(0).lower()[:4] for m in _PERIODS.finditer(item)} & periods]
        kept = named or kept
    for other in _other_asks(question, asked):
        # "How many times a year would you come out on that, and what does it cost?": the
        # visits' item as well as the price's, or the whole row when none has the words
        mine = [item for item in items if item not in kept and numbers(item)
                and ({_root(w) for w in content_words(item)} & {_root(w) for w in content_words(other)})]
        if not mine:
            return sentence
        kept = [item for item in items if item in kept or item in mine]
    if not kept or len(kept) == len(items):
        return sentence
    if not label:
        said = ", ".join(kept)
        return said[:1].upper() + said[1:] + "."
    return f"{label}: {', '.join(kept)}."


#: Where a question's last sentence asks a second thing: "..., and what does it cost?"
_SECOND_ASK = re.compile(r"[,;]\s+and\s+(?=(?:for\s+|at\s+|in\s+)?(?:what|how|when|which|where|who)\b)", re.IGNORECASE)


def _other_asks(question: str, asked: str) -> list[str]:
    """The clauses of a two-part question that ask something besides ``asked``: "How many
    times a year would you come out on that" in "..., and what does it cost?" (asked: the
    price).  None when the question asks one thing."""
    sentences = [m.group(0).strip() for m in _SENTENCE.finditer(question) if m.group(0).strip()]
    last = sentences[-1] if sentences else question
    clauses = _SECOND_ASK.split(last)
    if len(clauses) < 2:
        return []
    return [c for c in clauses if asked_attribute(c) != asked]


_NEXT_CODE = re.compile(r",\s+(?=[^\W\d_]{1,6}-?\d)")


def _only_asked(sentence: str, asked_products: set[str]) -> str:
    """A figure listed for several products ("Weight with battery: CE-16 3,050 kg, CE-20
    3,680 kg, CE-25 4,240 kg.") cut to the product asked about: the others' figures are
    no answer, and a caller may take the first for it."""
    label, colon, rest = sentence.partition(": ")
    if not colon or not asked_products:
        return sentence
    parts = _NEXT_CODE.split(rest.rstrip(". "))
    named = [_PRODUCT.match(p) for p in parts]
    if len(parts) < 2 or not all(named):
        return sentence
    kept = [p for p, m in zip(parts, named) if m and m.group(0).lower() in asked_products]
    return f"{label}: {', '.join(kept)}." if kept and len(kept) < len(parts) else sentence
