"""Which of a company's telephone lines (or e-mail addresses) a caller wants.

A company lists a line per purpose ("Sales and quotations: 0117 496 0732", "Service and
breakdowns: 0117 496 0790", "Spare parts: ...", "Battery workshop: ..."), and a caller asks
for "the number" while saying what it is for: "The alarm on our cold room keeps beeping.
What number do I ring to get an engineer?"  Read out whole, the list makes the caller pick;
read out first, the sales line is the wrong one.  So a line scores by how its label (the
words before its number) meets what the caller is calling about: a word of the caller's own
("battery" for the battery workshop) counts most, the purpose the caller's words point to
(an alarm, a breakdown or an engineer: the service line) less.  Trade-neutral: the purposes
are those of any supplier's switchboard (sales, service, parts, accounts, training), in
English and Russian.
"""

from __future__ import annotations

import re

from appliance.knowledge.lexical import documents_words

#: The purposes a company's lines serve, each as the beginnings of the words that name it,
#: on the line's label or in the caller's words ("engineer" -> the service line).
PURPOSES: tuple[tuple[str, ...], ...] = tuple(tuple(group.split()) for group in (
    # service and breakdowns
    "servic breakdown repair engineer technic mainten emergenc fault alarm beep broke leak error callout noise noisy "
    "сервис ремонт полом авари неиспр инженер мастер слома",
    # sales and quotations
    "sale buy purchas quot order price "
    "продаж купи покупк заказ коммерч цен",
    # spare parts
    "parts spare consumabl accessor "
    "запчаст детал",
    # accounts
    "account invoic bill payment financ refund "
    "бухгалт оплат счет счёт",
    # training
    "training course lesson "
    "обучен курс",
))

#: The purpose every purchase names ("order", "buy"), whatever is bought.
SALES = 1

_WORD = re.compile(r"[^\W\d_]{3,}")
#: Where a line's label ends: its first figure or e-mail address.
_FIRST_CONTACT = re.compile(r"\+?\d|\S+@")
#: Words every line's label may have, naming no purpose.
_PLAIN = frozenset("the and our for your you line number phone telephone call calls mail email address with from "
                   "hours office head main general enquiries direct desk team department dept "
                   "телефон номер почта адрес отдел линия".split())


def _words(text: str) -> set[str]:
    return {w for w in (m.group(0).lower() for m in _WORD.finditer(text)) if w not in _PLAIN}


def line_label(line: str) -> str:
    """The words of a contact line before its number or address: "Service and breakdowns"
    of "Service and breakdowns: 0117 496 0790, service@..."."""
    return _FIRST_CONTACT.split(line, maxsplit=1)[0]


def _purpose_words(words: set[str], purpose: int) -> set[str]:
    return {w for w in words if w.startswith(PURPOSES[purpose])}


def purposes_of(words: set[str]) -> set[int]:
    """The purposes (indexes into ``PURPOSES``) some of the words name."""
    return {i for i in range(len(PURPOSES)) if _purpose_words(words, i)}


def purpose_fit(question: str, line: str) -> float:
    """How well the line's label fits what the caller is calling about: 2 for each word of
    the caller's own on it that names no purpose ("battery" for the battery workshop), and
    for the purposes the label names, a point for each of the caller's words that point
    to one (at most 1.5), the documents' words for how a caller puts it included ("won't
    hold a charge" -> a breakdown: the service line); 0 for a line with no label, or one
    for something else."""
    label = _words(line_label(line))
    if not label:
        return 0.0
    own = _words(question)
    said = own | _words(documents_words(question))
    named = purposes_of(label)
    plain = {w[:6] for w in label if not purposes_of({w})}
    direct = len(plain & {w[:6] for w in own})
    pointed = {i: float(len(_purpose_words(said, i))) for i in purposes_of(said)}
    if len(pointed) > 1 and SALES in pointed:
        # "I want to order spare parts": anything is ordered; the parts say which line
        pointed[SALES] /= 2
    return 2.0 * direct + min(1.5, max((pointed.get(i, 0.0) for i in named), default=0.0))

