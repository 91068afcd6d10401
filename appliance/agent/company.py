"""Who the appliance answers for: the company's name and trade, for the greeting and the prompts.

A customer installs the appliance with their own documents; it must not introduce itself as
anyone else.  The identity comes from, in order:

1. the config's ``[company]`` table (``name``, ``trade``, ``greeting``): what an integrator
   sets, always wins;
2. the knowledge base, when the config leaves it empty (:func:`identity_from_passages`):
   - the name: the title of a company page ("About Tensora Instruments", a document named
     about/company/who-we-are), else the name a sentence introduces ("Acme Bakery is a family
     bakery ...", "Welcome to ...", "... was founded"), else the most frequent name with a
     legal suffix (Ltd, GmbH, Inc ...); a candidate must occur at least twice in the
     knowledge base, or be a company page's title;
   - the trade: what that sentence says the company is ("a manufacturer of materials
     testing machines"), cut before the place, the date and the rest;
3. nothing: the phrases drop the parts that name it ("Hello, thank you for calling. How
   can I help you?").

Phrases and prompts are templates: ``{company}`` and ``{trade}`` (and ``{product1}``,
``{product2}``: the knowledge base's most mentioned product codes, for the recogniser's
prompt) are filled in, and a part in square brackets is said only when every placeholder
in it is known: ``"Thank you for calling[ {company}]."``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from appliance.knowledge.base import Passage

_CAP = r"[A-Z][\w&'’-]*"
#: A name: up to five capitalised words, "&", "and", "of", "the" allowed inside.
_NAME = rf"{_CAP}(?:\s+(?:&|and|of|the|{_CAP})){{0,4}}"
_LEGAL = r"(?:GmbH|Ltd\.?|Limited|Inc\.?|LLC|AG|plc|PLC|S\.A\.|SA|BV|B\.V\.|Co\.|KG|Oy|AB|SAS|S\.r\.l\.|Pty)"
_ABOUT_DOC = re.compile(r"\b(about|company|who[ _-]?we[ _-]?are|our[ _-]?story|profile|imprint|impressum)\b", re.I)
_ABOUT_TITLE = re.compile(r"^\s*(?:about|welcome to|who is|meet|о компании|о нас)\s+(?:us\s*[-:–]\s*)?(.+?)\s*$", re.I)
_INTRO = re.compile(rf"(?<![\w-])({_NAME})\s+(?:is|are)\s+((?:a|an|the|your|one of)\b[^.;:!?\n]*)")
_WELCOME = re.compile(rf"(?:[Ww]elcome to|[Tt]hank you for (?:choosing|calling)|[Aa]bout)\s+({_NAME})")
_FOUNDED = re.compile(rf"({_NAME})\s+(?:was|were)\s+(?:founded|established|set up|started)\b")
_WITH_LEGAL = re.compile(rf"({_CAP}(?:\s+{_CAP}){{0,3}})\s+{_LEGAL}(?![\w])")
#: Words that start a name-like run but are not a company ("The", "Our", a weekday ...).
_NOT_NAMES = frozenset(
    """the a an our we you it this that these those all every each each our your their its
    prices price list warranty delivery service services contact contacts opening hours faq
    monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december""".split()
)
#: Where the trade stops: the place, the date, a relative clause, the next part of the list.
_TRADE_END = re.compile(
    r",|\s+(?:(?:founded|established|based|located|headquartered|since|with|that|which|who|where|and we)\b|"
    r"(?:in|from|near) (?=[A-Z\d]))"
)
#: Words about the document rather than the business ("fictional", "leading").
_TRADE_FILLER = re.compile(r"\b(fictional|fictitious|imaginary|sample|example|demo|leading|world-leading|premier)\s+", re.I)
_PRODUCT = re.compile(r"(?<![\w-])[A-ZА-ЯЁ][A-Za-zА-Яа-яЁё]*-\d+(?:[.,]\d+)?[A-Za-zА-Яа-яЁё]*(?![\w-])")
_PLACEHOLDER = re.compile(r"\{(company|trade|product1|product2)\}")
_OPTIONAL = re.compile(r"\[([^\[\]]*)\]")


@dataclass(frozen=True)
class CompanyIdentity:
    """The company the appliance speaks for; empty fields are unknown."""

    name: str = ""
    trade: str = ""
    #: The config's whole greeting, used as it is (placeholders filled in) when set.
    greeting: str = ""
    #: Where the name came from: "config", "knowledge base" or "" (unknown).
    source: str = ""
    products: tuple[str, ...] = field(default_factory=tuple)

    def values(self) -> dict[str, str]:
        products = list(self.products) + ["", ""]
        return {"company": self.name, "trade": self.trade, "product1": products[0], "product2": products[1]}


def render(template: str, values: Mapping[str, str]) -> str:
    """Fill ``{company}``-style placeholders; drop ``[...]`` parts whose placeholders are unknown.

    Other braces (``{name}`` in a read-back phrase) are left for their own formatting.
    """

    def optional(m: re.Match[str]) -> str:
        inner = m.group(1)
        keys = _PLACEHOLDER.findall(inner)
        return inner if keys and all(values.get(k) for k in keys) else ("" if keys else m.group(0))

    text = _OPTIONAL.sub(optional, template)
    text = _PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), text)
    text = re.sub(r"\s+([,.!?])", r"\1", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def _clean_name(name: str) -> str:
    name = re.sub(rf"\s+{_LEGAL}$", "", name.strip(" .,:;-–")).strip()
    words = name.split()
    while words and words[0].lower() in _NOT_NAMES:
        words = words[1:]
    while words and words[-1].lower() in {"&", "and", "of", "the"}:
        words = words[:-1]
    return " ".join(words)


def _trade(phrase: str) -> str:
    phrase = _TRADE_END.split(phrase, maxsplit=1)[0]
    phrase = _TRADE_FILLER.sub("", phrase).strip()
    words = phrase.split()
    if len(words) < 2 or len(words) > 12:
        return ""
    return " ".join(words)


def _is_name(name: str) -> bool:
    words = name.split()
    return bool(words) and len(words) <= 5 and not all(w.lower() in _NOT_NAMES for w in words) and not _PRODUCT.fullmatch(name)


def identity_from_passages(passages: Iterable[Passage]) -> CompanyIdentity:
    """The company a knowledge base is about, as far as its text says (see the module doc)."""
    passages = list(passages)
    if not passages:
        return CompanyIdentity()
    text_all = "\n".join(f"{p.title}\n{p.text}" for p in passages)
    about = [p for p in passages if _ABOUT_DOC.search(p.source.rsplit("/", 1)[-1]) or _ABOUT_DOC.search(p.title)]
    score: Counter[str] = Counter()
    trades: dict[str, str] = {}

    def vote(name: str, weight: float, trade: str = "") -> None:
        name = _clean_name(name)
        if not _is_name(name):
            return
        score[name] += weight
        if trade and name not in trades:
            trades[name] = trade

    for p in about:
        for part in p.title.split(" > ")[:1]:
            m = _ABOUT_TITLE.match(part)
            if m:
                vote(m.group(1), 10)
    for source, weight in ((about, 3.0), (passages, 1.0)):
        for p in source:
            for m in _INTRO.finditer(p.text):
                vote(m.group(1), 2 * weight, _trade(m.group(2)))
            for m in _WELCOME.finditer(p.text):
                vote(m.group(1), weight)
            for m in _FOUNDED.finditer(p.text):
                vote(m.group(1), weight)
    for m in _WITH_LEGAL.finditer(text_all):
        vote(m.group(1), 1.0)
    ranked = []
    for name, s in score.items():
        mentions = len(re.findall(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text_all))
        if mentions >= 2 or s >= 10:
            ranked.append((s + 0.5 * min(mentions, 20), mentions, name))
    products = Counter(_PRODUCT.findall(text_all))
    top_products = tuple(code for code, _ in products.most_common(2))
    if not ranked:
        return CompanyIdentity(products=top_products)
    ranked.sort(reverse=True)
    name = ranked[0][2]
    trade = trades.get(name, "")
    if not trade:  # "Tensora is a ..." when the name found was "Tensora Instruments"
        trade = next((t for n, t in trades.items() if n in name or name in n), "")
    return CompanyIdentity(name=name, trade=trade, source="knowledge base", products=top_products)


def resolve_identity(configured: object | None, passages: Iterable[Passage] = ()) -> CompanyIdentity:
    """The config's ``[company]`` where set, the knowledge base's identity for the rest."""
    name = str(getattr(configured, "name", "") or "").strip()
    trade = str(getattr(configured, "trade", "") or "").strip()
    greeting = str(getattr(configured, "greeting", "") or "").strip()
    found = identity_from_passages(passages)
    if name:
        return CompanyIdentity(name=name, trade=trade, greeting=greeting, source="config", products=found.products)
    return CompanyIdentity(name=found.name, trade=trade or found.trade, greeting=greeting, source=found.source,
                           products=found.products)
