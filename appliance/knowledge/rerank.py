"""Reranking the fused candidates as a person would, and deciding "not in the knowledge base".

Retrieval (dense + BM25, fused by Qdrant) gives candidates; a person looking for the
answer would then prefer, in this order of weight:

- the passage that names the product or model code asked about, and never one that
  names only other products ("UTM-300 specifications" for a question about the UTM-100);
- the passage that has most of the question's rare words (IDF-weighted coverage);
- a passage that states the kind of figure asked for: a price for "how much does it
  cost", kilograms for "how heavy", days or weeks for "how long does delivery take";
- a passage whose section heading names what is asked;
- for a day asked about ("on a Friday"), the line of a table of hours that names it.

:func:`rerank` scores each candidate with these (a small linear score, each term bounded,
so one cannot drown the others), and :func:`is_relevant` decides whether a passage may be
used at all, from the same evidence: the dense similarity alone must reach ``min_score``,
but the more of the question's rare words a passage has, the lower the similarity it
needs; a code asked about that the passage does not have (while it names others), or
that no passage in the knowledge base has, makes it irrelevant.  So a rephrased question
whose words are all there ("When was the company founded?") is not thrown away for a low
cosine, and a question about something the knowledge base never mentions is declined.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from appliance.knowledge.chunking import has_currency
from appliance.knowledge.days import days_named
from appliance.knowledge.lexical import (
    GOODS_SENT,
    TermStats,
    codes,
    phrase_terms,
    query_terms,
    seen_alternatives,
    term_id,
    term_ids,
    tokens,
)
from appliance.knowledge.russian import STANDS_ON

#: Score weights (see the module docstring); measured on the evaluation's knowledge bases.
W_COVERAGE = 0.30
W_DAY = 0.15
W_CODE_MATCH = 0.25
W_CODE_MISMATCH = 0.30
W_ATTRIBUTE = 0.20
W_HEADING = 0.10
#: How much full coverage of the question's rare words lowers the cosine a passage needs.
COVERAGE_RELIEF = 0.25
#: How much a question whose words the knowledge base has never seen ("Do you make solar
#: pumps?") raises it, in proportion to their share of the question's weight.  Words that
#: ask for a kind of figure ("phone", "heavy", "afternoon") do not count: the knowledge base
#: says "telephone", "weighs", "16:30" instead, and the figure itself is the evidence.
UNKNOWN_PENALTY = 0.30
#: How much stating the kind of figure asked for lowers it.
ATTRIBUTE_RELIEF = 0.10
#: ... and stating a figure of the company itself (its address, telephone, e-mail, hours,
#: founding year, staff) asked without naming a product: such questions come in callers'
#: own words ("Where exactly are you based? I need it for the sat nav."), which a company
#: page never uses, so their unseen words are no sign of a subject the knowledge base lacks.
COMPANY_RELIEF = 0.20
#: How much stating that figure of the company ranks a passage up: "Our dryer's stopped
#: heating. What number do I ring?" is answered by the service line, not by the ironer whose
#: "gas heated 40 kW" is most like the caller's story.
W_COMPANY = 0.15


#: Words that ask for the company's number, or its founder, in both the reranker's
#: attributes and the company cues: one spelling of each for both.
_ASKS_NUMBER = (r"(which|what|your) number|what'?s the number|the number (for|to)|"
                r"(a|the|your|any) (direct|separate|main|different|other) (tele)?(phone )?(number|line)")
_STARTED_BY = r"(was|were) (first )?(started|founded|set up|established) by"


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_NUM = r"\d[\d,.]*\s?"
#: (attribute, what in a question asks for it, what in a passage states it).
ATTRIBUTES: tuple[tuple[str, re.Pattern[str], re.Pattern[str] | None], ...] = (
    ("weight", _rx(r"\b(weigh\w*|heav(y|ier|iest)|light(er|est)?|mass)\b"),
     _rx(_NUM + r"(kg|kilo(gram)?s?|g|grams?|lbs?|pounds|t|tonnes?|tons?)\b")),
    ("price", _rx(r"\b(price\w*|cost\w*|how much (is|are|do|does|would|will|for)|expensive|cheap\w*|pay|fee\w*|"
                  r"charge\w*|rate\w*|quote\w*|tariff\w*|free|(are|is|do|does|would|will) (you|ye|they)( \w+)? asking|"
                  r"asking (price|for (a|an|the))|set (me|us|you|them) back|(is|are|'s|'re) (it |they |that |those )?going for|"
                  r"what'?s the damage)\b"), None),  # has_currency
    ("delivery", _rx(r"\b(deliver\w*|ship\w*|dispatch\w*|arriv\w*|lead time|how (soon|quickly))\b"),
     _rx(r"\b(\d+|one|two|three|four|five|six|seven|eight|ten)\s?(to|-|–)?\s?\d*\s?(working |business )?"
         r"(days?|weeks?|months?|hours?)\b|same day|next day")),
    ("warranty", _rx(r"\b(warrant\w*|guarantee\w*)\b"),
     _rx(r"\b\d+\s?-?\s?(years?|months?)\b|\b(one|two|three|four|five|ten)\s(years?|months?)\b")),
    ("hours", _rx(r"\b(open\w*|clos(e|ed|ing)|shut|what time|hours?|when can i (call|visit|come|reach)|get hold|morning|afternoon|"
                  r"evening|night|weekends?|weekdays?|(mon|tues|wednes|thurs|fri|satur|sun)days?|holidays?|"
                  r"january|february|march|april|may|june|july|august|september|october|november|december)\b"),
     _rx(r"\b\d{1,2}[:.]\d{2}\b|\b\d{1,2}\s?(am|pm)\b|\b(monday|tuesday|wednesday|thursday|friday|saturday|"
         r"sunday|weekdays?|weekends?)\b")),
    ("capacity", _rx(r"\b(capacit\w*|load|(?<!get )(?<!got )hold(?! on\b)(?! of\b)|how (many|much) can|volume|seat\w*|max\w*|size)\b"),
     _rx(_NUM + r"(kn|n|l|litres?|liters?|ml|m3|m³|gallons?|seats?|persons?|people|guests?|kw|kwh|wh|ah|gb|tb|"
         r"tonnes?|kg|pallets?|rooms?)\b")),
    ("dimensions", _rx(r"\b(dimension\w*|size|wide|width|tall|height|high|long|length|deep|depth|big)\b"),
     _rx(_NUM + r"(mm|cm|m|metres?|meters?|in|inch(es)?|ft|feet)\b")),
    ("phone", _rx(rf"\b((tele)?phone( number)?|call|hotline|ring|{_ASKS_NUMBER}|reach (you|us|someone|somebody))\b"),
     # (not a price with its thousands spaced, "1 340 000 руб.")
     _rx(r"(?<!\d)\+?\d[\d ()-]{6,}\d(?!\d)(?!\s?(?:[€$£₽]|руб|eur|euro|gbp|pounds|kg|кг|mm|мм))")),
    ("email", _rx(r"\b(e-?mail|mail|write)\b"), _rx(r"\S@\S")),
    ("address", _rx(r"\b(address|where|whereabouts|located|location|find you|visit)\b"),
     # (a postcode's 4-5 digits, but not a year: "founded in 1994", "основан в 2003 году")
     # (a street word after a name, "Quarry Lane", not "the lane where she grew up"; a UK postcode)
     _rx(r"(?-i:\b[A-Z][\w'’-]+)\s(street|road|avenue|lane|boulevard|drive|close|industrial estate|business park|"
         r"trading estate|straße|strasse)\b|\b(rue|via) (?-i:[A-Z])|\b(based|located|headquartered) in\b|"
         r"(?-i:\b[A-Z]{1,2}\d{1,2}[A-Z]? \d[A-Z]{2}\b)|"
         r"(?<!\bin )(?<!\bsince )(?<!\bв )\b\d{4,5}\b(?!\s*(?:год|г\.|years?\b))")),
    # (a year, but not a model code's digits, "FI-2000", nor a measure, "2000 mm")
    ("year", _rx(r"\b(founded|established|since|how old|history|(what|which) year|been (around|going|in business)|"
                 r"did (you|the (company|firm|business)|\w+) (\w+ )?(start|get going|begin)|"
                 r"(are|have) you (been )?in (the )?(\w+ )?business)\b"),
     _rx(r"(?<![\w.,/–-])(1[89]|20)\d{2}\b(?![.,]\d)(?!\s?(mm|cm|m|kg|t|l|w|kw|rpm|x|×|eur|euros?|€|\$|£|"
         r"мм|см|м|кг|т|л|вт|квт|руб\w*|₽)(?!\w))")),
    # (who started the company: "set up in 1991 by Alan Brisco"; the name's capital matters)
    ("founder", _rx(r"\b(founders?|founded (it|the (company|firm|business))|who(\s\w+){0,4}\s(started|founded|set( \w+){0,2} up|"
                    rf"established|began)|owners?|who owns|{_STARTED_BY})\b"),
     re.compile(r"(?i:\b(founded|set up|started|established)\b[^.;]{0,40}?\bby\b)\s+(?:[A-Z]|the\s+[A-Z])|"
                r"(?i:\bfounders?\b|\bowners?\b|основател\w*|основал\w*)|"
                # (a story: "Alasdair Munro was a marine engineer ... In 1979 he started Cairnmoor")
                r"[A-Z]\w+ [A-Z]\w+\b[^.]{0,200}\.[^.]{0,40}\b(?i:he|she)\s+(?:started|founded|set up|established)\b")),
    ("staff", _rx(r"\b(employ\w*|staff|workforce|work(ers|ing)? (for|at) (you|the company)|how many (people|(\w+ )?work)|"
                  r"how many of (you|ye|yous)|"
                  r"how big (a|an) (firm|company|business|outfit))\b"),
     _rx(r"\b\d[\d,]*\s(people|persons|employees|staff|workers|engineers)\b")),
    ("power", _rx(r"\b(power|voltage|volts?|watts?|supply|consum\w*|electric\w*)\b"),
     _rx(_NUM + r"(v|volts?|w|kw|kva|watts?|hz|a|amps?)\b")),
    ("speed", _rx(r"\b(speed|fast|quick|rpm|rate)\b"), _rx(_NUM + r"(mm/min|km/h|kph|mph|rpm|m/s|per (minute|second|hour))")),
    # ("knock something off", not "pay it off", "a day off" nor "knock off on a Friday")
    ("discount", _rx(r"\b(discount\w*|reduction|rebate|cheaper|deal|(knock\w*|take|taking|get|give) (\w+ ){1,2}off|off the (price|bill|invoice))\b"),
     _rx(r"\d\s?(%|percent|per cent)")),
    ("temperature", _rx(r"\b(temperature|hot|cold|degrees?|celsius|fahrenheit)\b"), _rx(r"\d\s?(°|degrees?)")),
    ("noise", _rx(r"\b(noise|noisy|loud\w*|quiet\w*|decibels?|db|racket|din)\b"), _rx(_NUM + r"(db|decibels?)\b")),
)


#: "Куда к вам подъезжать?", "Как к вам добраться?": where the company is, asked as the way there.
_RU_COME_TO_YOU = (r"куда (к вам |вам )?(ехать|подъезжать|подъехать|приезжать|приехать|заезжать|заехать)|"
                   r"как (к вам |вас )?(проехать|добраться|найти)")


#: The same attributes asked and stated in Russian (the Russian language pack's knowledge
#: bases): merged into ATTRIBUTES as alternatives.
_RUSSIAN: dict[str, tuple[str, str | None]] = {
    "weight": (r"вес\w*|масс\w*|тяж[её]л\w*", _NUM + r"(кг|килограмм\w*|т|тонн\w*)(?!\w)"),
    # ("Доставка бесплатная?", "С какой суммы заказа доставка бесплатная?": a price, that of nothing)
    "price": (r"сто(ит|ят|имост\w*)|цен\w*|почём|почем|прайс\w*|сколько (будет )?стоит|бесплатн\w*|"
              # ("Во сколько обойдётся доставка?", "Во что это встанет?")
              r"(с|от) какой суммы|обойд[её]тся|обойдутся|(во что|во сколько) (\w+ ){0,3}встан\w*", None),
    # ("Сколько его ждать придётся?", "Через сколько инженер доберётся?")
    "delivery": (r"достав\w*|отгруз\w*|привез\w*|срок\w*|как (скоро|быстро)|(сколько|долго) (\w+ ){0,2}ждать|"
                 r"через сколько",
                 r"\d+\s?(до|-|–)?\s?\d*\s?(рабоч\w+ |календарн\w+ )?(дн\w*|день|недел\w*|месяц\w*|час\w*)"),
    "warranty": (r"гаранти\w*", r"\d+\s?(лет|год\w*|месяц\w*)"),
    "hours": (r"работаете|открыт\w*|закрыт\w*|открыва\w*|закрыва\w*|часы работы|выходн\w*|суббот\w*|воскресень\w*|"
              r"(с|до) какого часа|до скольки",
              r"\d{1,2}[:.]\d{2}|понедельник\w*|пятниц\w*|суббот\w*|воскресень\w*"),
    "capacity": (r"усили\w*|грузоподъ[её]мност\w*|объ[её]м\w*", _NUM + r"(тонн\w*|т|кн|л|литр\w*)(?!\w)"),
    "dimensions": (r"размер\w*|ширин\w*|высот\w*|длин\w*|диаметр\w*|ход\w*",
                   _NUM + r"(мм|см|м|метр\w*|миллиметр\w*)(?!\w)"),
    "phone": (r"телефон\w*|номер\w*|позвонить|звонить", None),
    "email": (r"почт\w*|e-?mail|имейл\w*|электронк\w*|мыл[оаю]|написать|письм\w*", None),
    "address": (r"адрес\w*|где (вы )?находит\w*|наход\w*|" + _RU_COME_TO_YOU, r"улиц\w*|проспект\w*|дом \d+"),
    "year": (r"основ(ан|ал)\w*|год\w* основания|с какого года|в каком году|когда (была )?создан\w*", None),
    "founder": (r"основател\w*|кто (основал|создал|открыл)\w*|владел\w*|хозя\w*", None),
    "staff": (r"сотрудник\w*|работник\w*|персонал\w*|штат\w*|народ\w*|трудит\w*|трудят\w*|"
              r"сколько (у вас )?(человек|людей)",
              r"\d[\d ]*\s(сотрудник\w*|человек|работник\w*|специалист\w*)"),
    "power": (r"мощност\w*|напряжени\w*|потребл\w*|киловатт\w*|квт", _NUM + r"(квт|вт|в|вольт\w*|киловатт\w*)(?!\w)"),
    "discount": (r"скидк\w*", r"\d\s?(%|процент\w*)"),
    "noise": (r"шум\w*|громк\w*|децибел\w*", _NUM + r"(дб|децибел\w*)(?!\w)"),
}


def _with_russian(name: str, asked: re.Pattern[str], stated: re.Pattern[str] | None
                  ) -> tuple[str, re.Pattern[str], re.Pattern[str] | None]:
    ru = _RUSSIAN.get(name)
    if ru is None:
        return name, asked, stated
    asked_ru, stated_ru = ru
    asked = _rx(rf"(?:{asked.pattern})|\b(?:{asked_ru})(?!\w)")
    if stated is not None and stated_ru is not None:
        stated = _rx(rf"(?:{stated.pattern})|(?:{stated_ru})")
    return name, asked, stated


ATTRIBUTES = tuple(_with_russian(*a) for a in ATTRIBUTES)

#: The company's figures, each with the words that ask for it unmistakably (not "write",
#: "night" or "morning", which ask for an e-mail address or hours only now and then).
COMPANY_CUES: dict[str, re.Pattern[str]] = {
    "address": _rx(r"\b(address|where(\s\w+){0,3}\s(you|your)|whereabouts|located|location|find you|based|"
                   r"where (do|should|can|would|will|shall) (i|we) (\w+ ){0,3}(come|go|head|drive|visit|call in)\b)\b|адрес\w*|где (вы )?наход\w*|"
                   + _RU_COME_TO_YOU),
    "phone": _rx(rf"\b((tele)?phone|hotline|{_ASKS_NUMBER}|ring|call)\b|телефон\w*|номер\w*|позвонить|звонить"),
    "email": _rx(r"\be-?mail\b|почт\w*|имейл\w*|электронк\w*"),
    "hours": _rx(r"\b(open\w*|clos(e|ed|ing)|shut|what time|until when|till when|how late|how early|hours)\b|работаете|открыт\w*|закрыт\w*|открыва\w*|закрыва\w*|часы работы"),
    "year": _rx(r"\b(founded|established|since|how old|(what|which) year|been (around|going|in business)|"
                r"did (you|the (company|firm|business)|\w+) (\w+ )?(start|get going|begin)|"
                r"(are|have) you (been )?in (the )?(\w+ )?business)\b|"
                r"основ(ан|ал)\w*|год\w* основания|с какого года|в каком году"),
    "founder": _rx(r"\b(founders?|who(\s\w+){0,4}\s(started|founded|set( \w+){0,2} up|established|began|owns)|owners?|"
                   rf"{_STARTED_BY})\b|основател\w*|"
                   r"кто (основал|создал|открыл)\w*|владел\w*"),
    "staff": _rx(r"\b(employ\w*|staff|workforce|how many (people|(\w+ )?work)|how many of (you|ye|yous)|how big (a|an) (firm|company|business|outfit))\b|сотрудник\w*|работник\w*|персонал\w*|"
                 r"народ\w*|трудит\w*|трудят\w*"),
}


def attribute_words(question: str) -> dict[str, set[str]]:
    """The question's words that ask for each kind of figure ("How heavy", "phone number")."""
    found: dict[str, set[str]] = {}
    for name, asked, _ in ATTRIBUTES:
        for m in asked.finditer(question):
            found.setdefault(name, set()).update(tokens(m.group(0)))
    if "price" in found and _CARRIAGE.search(question):
        found["carriage"] = found["price"] | found.get("delivery", set()).union(
            *(tokens(m.group(0)) for m in _CARRIAGE.finditer(question)))
    return found


#: Verbs of any trade ("Do you make ...", "Can I buy ...") and words for the business itself
#: ("When was the company founded?") that a small knowledge base may never use: not evidence
#: that a question is about something it does not cover.
GENERIC = frozenset("make made sell sold buy bought offer provide order need want get use have come go take send "
                    "bring find see pay help work company firm business "
                    # the same in Russian ("Какую предоплату вы берёте?": "берёте" says nothing the
                    # price list lacks)
                    "берёте берете брать взять возьмёте возьмете продаёте продаете продать купить покупать "
                    "заказать предлагаете делаете сделать нужны хотим получить привезти прислать дать "
                    "даёте даете".split())  # (можно, нужно, хочу ... are stop words: never terms)
_GENERIC_TERMS = frozenset(term_id(t) for w in GENERIC for t in tokens(w))


#: A street address beyond doubt (a street word, a Russian or UK postcode), for the company's
#: own figure: a bare four-digit number ("1250 mm", "FI-2000") is no address.
_STREET = _rx(r"(?-i:\b[A-Z][\w'’-]+)\s(street|road|lane|avenue|boulevard|drive|way|close|industrial estate|business park|"
              r"straße|strasse)\b|\b(rue|via) (?-i:[A-Z])|\b(st|rd|ave)\.|улиц\w*|\bул\.|проспект\w*|\bпр-т\b|переул\w*|шоссе|\bдом \d+|"
              r"\bд\. ?\d+|\b\d{6},|\b[A-Z]{1,2}\d{1,2}[A-Z]? \d[A-Z]{2}\b")


def states_company_detail(detail: str, text: str) -> bool:
    """The text states that figure of the company ("22 Quarry Lane" for an address)."""
    if detail == "address":
        return bool(_STREET.search(text))
    return states_attribute(detail, text)


#: A question for a time of day ("What time do you shut?", "Until when can I ring?").
ASKS_CLOCK = _rx(r"\b(what time|until when|till when|how late|how early|when can (i|we)|when (are|is) (\w+ ){1,2}open|"
                 r"open(ed)? (till|until|to)|(till|until) what time)\b"
                 r"|во сколько|до скольки|с какого часа")


def asked_company_detail(question: str) -> str:
    """The company figure the question asks for unmistakably ("address", "phone", "email",
    "hours", "year", "founder", "staff"), when it names no product; "" otherwise."""
    if codes(question):
        return ""
    found = [a for a in asked_attributes(question) if a in COMPANY_CUES and COMPANY_CUES[a].search(question)
             or a == "hours" and ASKS_CLOCK.search(question)]
    if "email" in found or "address" in found and COMPANY_CUES["email"].search(question):
        # "What e-mail address ...?" asks for an e-mail, not a street; so does "I want to
        # email over an order. What address do I send that to?"
        return "email"
    if "founder" in found:
        return "founder"  # "Who founded the company?": a name, not the year
    if "year" in found and "hours" in found and not ASKS_CLOCK.search(question):
        return "year"  # "Вы вообще с какого года работаете?": since when, not the opening hours
    if "hours" in found and ASKS_CLOCK.search(question):
        return "hours"  # "Until what time can I ring you on a Friday?": the hours, not the number
    return found[0] if len(found) == 1 else ""


_SENTENCE = re.compile(r"[^.!?]+[.!?]*")


def asked_part(question: str) -> str:
    """The sentences of what a caller says that ask (end with "?"), when some do and some do
    not: "Do you rent out blast chillers? We've got a big event coming up." asks for no
    size; the chat around a question says what it is for, not what is asked."""
    sentences = [m.group(0).strip() for m in _SENTENCE.finditer(question) if m.group(0).strip()]
    asking = [s for s in sentences if s.endswith("?")]
    return " ".join(asking) if asking and len(asking) < len(sentences) else question


def asked_attributes(question: str) -> tuple[str, ...]:
    """The kinds of figure the question asks for ("How heavy is ..." -> ("weight",)).  A
    question asking for none, among chat, may lean on the chat ("We've got an open kitchen,
    so noise matters. Which blast chiller makes the least racket?"), unless it asks yes or no."""
    part = asked_part(question)
    found = _attributes_in(part)
    if not found and part != question and not _YES_NO.search(part):
        found = _attributes_in(question)
    return found


#: Words for carrying goods to the caller: "do you send it free?", "what do you charge to
#: post them out?" ask the price of the carriage, not of the goods.
#: (goods sent: "send it", "post them"; not "send him over to you", nor "send it back";
#: in Russian, "доставка", "перевозка")
_CARRIAGE = _rx(r"\b(deliver\w*|carriage|postage|courier\w*|shipping|(post|send|ship)(s|ed|ing)?" + GOODS_SENT
                + r"|достав\w*|перевоз\w*)")


def _attributes_in(question: str) -> tuple[str, ...]:
    found = tuple(name for name, asked, _ in ATTRIBUTES if asked.search(question))
    if "price" in found and _CARRIAGE.search(question):
        # the price of bringing it, stated beside the carriage: not the goods' own price row
        found = tuple("carriage" if a == "price" else a for a in found if a != "delivery")
    if "speed" in found and _COMING.search(question):
        # "How fast can somebody come out?", "how quick will it get here?": how soon, not a speed
        found = tuple(dict.fromkeys("delivery" if a == "speed" else a for a in found))
    if "weight" in found:  # "how much does it weigh" is not a price question
        found = tuple(a for a in found if a != "price")
    if "price" in found and len(found) > 1 and STANDS_ON.search(question):
        found = tuple(a for a in found if a != "price")  # "двигатель стоит на ВК-150": fitted, not costs
    if {"warranty", "delivery", "hours", "year", "staff"} & set(found) or _HOW_LONG_A_TIME.search(question):
        # "how long is the warranty": a duration; "how long have you been around": a year;
        # "how big a firm are you": its staff
        found = tuple(a for a in found if a != "dimensions")
    return found


#: Someone or something coming to the caller: how fast it comes asks how soon.
_COMING = _rx(r"\b(come|comes|coming|show(s|ing)? up|turn(s|ing)? up|get (here|there|to (us|me|you|site))|arriv\w*|"
              r"respond\w*|reach(es)? (us|me|you|site)|be (here|there|with (us|me|you))|"
              r"(someone|somebody|an engineer|a technician|you) (out|over|round))\b")
#: "How long do I have to send it back?", "how long until it comes": a time, not a length.
_HOW_LONG_A_TIME = _rx(r"\bhow long (do|does|did|will|would|can|could|have|has|had|until|till|before|to|must|should)\b")
_PRICE_WORDS = _rx(r"\b(prices?|pricing|costs?|fees?|tariffs?|rates?)\b")
#: A price of nothing: "A test session is free of charge." answers "would that cost anything?"
_FREE_OF_CHARGE = _rx(r"\b(free of charge|no charge|without charge|(is|are) free|for free)\b"
                      r"|бесплатн")
_YES_NO = _rx(r"^\s*(do|does|did|is|are|was|were|can|could|will|would|have|has|should|may)\b")


def states_attribute(attribute: str, text: str, heading: str = "", kind: str = "text") -> bool:
    """True if the text states a figure of that kind ("54,000 euros" states a price; so does
    "12,400" in a row of a price list, whose currency is said once at its top)."""
    if attribute == "carriage":
        return bool(_CARRIAGE.search(f"{heading} {text}")) and states_attribute("price", text, heading, kind)
    if attribute == "price":
        return has_currency(text) or bool(_FREE_OF_CHARGE.search(text)) or (
            kind == "row" and bool(_PRICE_WORDS.search(f"{heading} {text}")) and any(c.isdigit() for c in text))
    for name, _, stated in ATTRIBUTES:
        if name == attribute:
            return bool(stated and stated.search(text))
    return False


@dataclass(frozen=True)
class Question:
    """What reranking needs to know about a question, worked out once."""

    text: str
    #: term index -> IDF in the knowledge base.
    idf: dict[int, float]
    codes: frozenset[str]
    #: Codes asked about that no stored passage has.
    unknown_codes: frozenset[str]
    attributes: tuple[str, ...]
    #: The share of the question's weight in words no passage has (codes aside).
    unknown_share: float = 0.0
    #: "Do you ...?", "Is there ...?": the answer may be a plain yes or no, with no figure.
    yes_no: bool = False
    #: The terms of the codes asked about ("zx9000", "zx", "9000").
    code_terms: frozenset[int] = frozenset()
    #: The terms that ask for each kind of figure ("phone", "number"): a passage stating such
    #: a figure has what they ask, in whatever words ("Telephone 01632 883020").
    attribute_terms: dict[str, frozenset[int]] = field(default_factory=dict)
    #: A question's term the knowledge base never uses -> its own words for it, that it uses.
    alternatives: dict[int, frozenset[int]] = field(default_factory=dict)
    #: The days of the week asked about ("on a Friday"): their line of opening hours.
    days: frozenset[int] = frozenset()

    @classmethod
    def parse(cls, text: str, stats: TermStats, context: str = "") -> Question:
        """The question; ``context`` (the question before, for a follow-up: "And how much is
        it?") adds its words and codes, but what is asked now is asked by ``text`` alone."""
        whole = f"{context} {text}" if context else text
        terms = query_terms(whole)
        asked = frozenset(codes(whole))
        unknown = frozenset(c for c in asked if stats.df.get(term_id(c), 0) == 0)
        # (generic verbs weigh nothing either way: "Do you sell X?" is a question about X)
        from_phrases = phrase_terms(whole)  # ("unused original packaging" for "still in the box")
        idf = {i: stats.idf(i) for i in terms
               if i not in _GENERIC_TERMS and not (i in from_phrases and stats.df.get(i, 0) == 0)}
        total = sum(idf.values())
        code_terms = frozenset({term_id(t) for c in asked for t in tokens(c)} | {term_id(c) for c in asked})
        attributes = asked_attributes(text)
        attribute_terms = {a: frozenset(term_id(t) for t in words) for a, words in attribute_words(text).items()
                           if a in attributes}
        known = code_terms.union(*attribute_terms.values())
        # A caller's word the knowledge base never uses, for which it has its own ("hire" /
        # "rent"): not a sign of a subject it lacks, and found under its own word.
        seen = seen_alternatives({i: t for i, t in terms.items() if i in idf}, stats)
        for i, alts in seen.items():
            idf[i] = max(stats.idf(j) for j in alts)
        total = sum(idf.values())
        unseen = sum(w for i, w in idf.items()
                     if stats.df.get(i, 0) == 0 and i not in known and i not in seen)
        return cls(whole, idf, asked, unknown, attributes, unseen / total if total else 0.0,
                   bool(_YES_NO.search(text)), code_terms, attribute_terms, seen, frozenset(days_named(text)))


@dataclass(frozen=True)
class Candidate:
    """One fused candidate: its text, heading path, dense similarity and terms."""

    text: str
    heading: str
    cosine: float
    terms: frozenset[int]
    payload: dict = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Judged:
    """A candidate with its score, its relevance, and the evidence for both."""

    candidate: Candidate
    score: float
    relevant: bool
    coverage: float
    code: str  # "match" | "mismatch" | "" (none asked, or the passage names no code)
    attribute: bool
    heading: float


def coverage(question: Question, terms: Iterable[int]) -> float:
    """The share of the question's IDF mass that the passage's terms have (0..1)."""
    total = sum(question.idf.values())
    if total <= 0:
        return 0.0
    have = set(terms)
    return sum(w for i, w in question.idf.items()
               if i in have or question.alternatives.get(i, frozenset()) & have) / total


@functools.lru_cache(maxsize=8192)
def subject_codes(heading: str, text: str, kind: str = "text") -> frozenset[str]:
    """The codes a passage is about: in its own heading, or leading its text (a row's name
    before the colon, each paragraph's or line's first words), not merely mentioned
    further on ("Tine set TS-28: fits RT-300" is about the TS-28)."""
    found = set(codes(heading.rsplit(" > ", 1)[-1]))
    lines = [text] if kind == "row" else text.split("\n")
    for line in lines:
        lead = line.split(":", 1)[0] if ":" in line[:80] else re.split(r"(?<=[.!?])\s", line, maxsplit=1)[0]
        named = codes(lead[:80])
        first = _LEADING_CODE.match(lead)
        if kind == "row" and first and codes(first.group(1)) and codes(first.group(1)) <= named:
            # "AMF-30 Auto mains failure panel, fitted the CG-30 and the CG-45: 1,340": the
            # row is the AMF-30's; the generators it fits are not its subject
            named = codes(first.group(1))
        found |= named
    return frozenset(found)


_LEADING_CODE = re.compile(r"\s*([^\W\d_]+-\d+(?:[.,]\d+)?[^\W\d_]*)\b")


_CODE_LETTERS = re.compile(r"[^\W\d_]+")


@functools.lru_cache(maxsize=8192)
def names_family(asked: frozenset[str], text: str) -> bool:
    """Does ``text`` speak of the family of a code asked by its letters alone, as a word
    before a lower-case one ("the DO deck ovens", "HW washer extractors", "серия ГБ" is not
    matched: the letters must come first), not as part of a code ("DO-4") nor in capitals
    ("WHAT DO YOU")?"""
    for code in asked:
        letters = _CODE_LETTERS.match(code)
        if letters and len(letters.group()) >= 2 and re.search(
                rf"(?<![\w-]){re.escape(letters.group().upper())}(?=\s+[^\W\d_A-ZА-ЯЁ])", text):
            return True
    return False


def judge(question: Question, c: Candidate, min_score: float) -> Judged:
    """Score and relevance of one candidate (see the module docstring)."""
    kind = str(c.payload.get("kind", "text"))
    stated = [a for a in question.attributes if states_attribute(a, c.text, c.heading, kind)]
    attribute = bool(stated)
    cov = coverage(question, c.terms.union(*(question.attribute_terms.get(a, frozenset()) for a in stated)))
    code = ""
    code_weight = 0.0
    if question.codes:
        named = codes(f"{c.heading}\n{c.text}")
        subject = subject_codes(c.heading, c.text, str(c.payload.get("kind", "text")))
        if question.codes & subject:
            code, code_weight = "match", W_CODE_MATCH
        elif question.codes & named:
            # Named, but not what the passage is about (an accessory that fits it, a list).
            code = "match"
            code_weight = 0.0 if subject else W_CODE_MATCH * (0.6 if named <= question.codes else 0.3)
        elif names_family(question.codes - question.unknown_codes, f"{c.heading}\n{c.text}"):
            # "The DO deck ovens are electric only." for "the DO-6": said of the whole family
            # the code asked belongs to (whatever other product it names as well).
            code, code_weight = "match", W_CODE_MATCH * 0.6
        elif named:
            code, code_weight = "mismatch", -W_CODE_MISMATCH
    # (codes in the heading count once, above: an FAQ "What tractor for the AT-14?" is no
    # more about the AT-14's price than the price list's AT-14 row)
    head = coverage(question, term_ids(c.heading) - question.code_terms) if c.heading else 0.0
    score = (c.cosine + W_COVERAGE * cov + code_weight + W_HEADING * head
             + (W_ATTRIBUTE * (0.5 if question.yes_no else 1.0) if attribute else 0.0))
    if question.days:
        # "What time do you close on a Friday?": Friday's line of a table of hours, not the
        # Saturday line that says "closed"
        days = days_named(c.text)
        score += W_DAY if days & question.days else -W_DAY if days else 0.0
    company = not question.codes and any(a in COMPANY_CUES and COMPANY_CUES[a].search(question.text)
                                         and states_company_detail(a, c.text) for a in stated)
    score += W_COMPANY if company else 0.0
    evidence = (c.cosine + COVERAGE_RELIEF * cov
                + (COMPANY_RELIEF if company else ATTRIBUTE_RELIEF if attribute else 0.0)
                - (0.0 if company else UNKNOWN_PENALTY * question.unknown_share))
    relevant = evidence >= min_score
    if code == "mismatch" or (question.unknown_codes and code != "match"):
        relevant = False  # another product's passage, or a product the knowledge base never names
    return Judged(c, score, relevant, cov, code, attribute, head)


def rerank(question: Question, candidates: Sequence[Candidate], min_score: float) -> list[Judged]:
    """The candidates judged and ordered best first (ties keep the fused order)."""
    judged = [judge(question, c, min_score) for c in candidates]
    order = sorted(range(len(judged)), key=lambda k: (-judged[k].score, k))
    return [judged[k] for k in order]
