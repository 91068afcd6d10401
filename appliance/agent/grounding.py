"""Keeping answers to what the knowledge base says.

``is_grounded`` accepts a generated sentence only if every number in it occurs in the
retrieved context and most of its content words do too (a small model that drifts off
the context fails one or the other).  ``extractive_answer`` is the fallback that is always
grounded: the sentence(s) of the best passage that share most with the question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from appliance.agent.sentences import split_sentences
from appliance.knowledge.base import Passage

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(r"[a-z0-9]+", re.IGNORECASE)
STOPWORDS = frozenset(
    """a an the and or but of to in on for with by at from as is are was were be been being do does did
    done can could would should will shall may might must have has had having it its it's this that these
    those there their they them we our us you your i me my he she his her what which who whom whose how
    much many when where why any some all each every about please tell know want need like just also
    not no yes so if than then very more most less only one ones get got give hello hi thanks thank
    sorry okay ok is isn't don't doesn't i'm you're i'd""".split()
)


def numbers(text: str) -> set[str]:
    """Numbers as digit strings, separators dropped: "27,500" and "27500" are the same."""
    return {re.sub(r"[.,]", "", n) for n in _NUMBER.findall(text)}


def content_words(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text.lower()) if len(w) > 1 and w not in STOPWORDS and not w.isdigit()}


def _stem(word: str) -> str:
    for suffix in ("ing", "es", "ed", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def is_grounded(sentence: str, context: str, question: str = "", min_overlap: float = 0.6) -> bool:
    """True if the sentence's numbers all occur in the context and most of its words do."""
    ctx_numbers = numbers(context)
    if not numbers(sentence) <= ctx_numbers:
        return False
    words = content_words(sentence)
    if not words:
        return True
    known = content_words(context) | content_words(question)
    return len(words & known) / len(words) >= min_overlap


_PRODUCT = re.compile(r"\b[a-z]+-\d+[a-z]*\b", re.IGNORECASE)


def product_pieces(passages: Sequence[Passage]) -> list[str]:
    """Units of text a figure belongs to: a whole passage when its heading names a product
    ("UTM-100 specifications"), else each line or sentence (a price list names the product
    on the same line as its price)."""
    pieces: list[str] = []
    for p in passages:
        if _PRODUCT.search(p.title.split(" > ")[-1] if p.title else ""):
            pieces.append(f"{p.title} {p.text}")
        else:
            pieces += _pieces(p.text)
    return pieces


def figures_match_product(sentence: str, question: str, pieces: Sequence[str]) -> bool:
    """Every figure in the sentence is stated for the product asked about.

    A small model copies a number from the right context but the wrong row ("the UTM-300
    costs 18,900 euros", which is the UTM-50's price): each figure must share a piece of
    the knowledge base with the product named in the question (or, for a follow-up with
    no product named, in the sentence).
    """
    products = {m.lower() for m in _PRODUCT.findall(question)} or {m.lower() for m in _PRODUCT.findall(sentence)}
    if not products:
        return True
    for figure in numbers(_PRODUCT.sub(" ", sentence)):
        if not any(
            figure in numbers(_PRODUCT.sub(" ", piece)) and any(prod in piece.lower() for prod in products)
            for piece in pieces
        ):
            return False
    return True


def _pieces(text: str) -> list[str]:
    out: list[str] = []
    for line in text.splitlines():
        line = line.strip().lstrip("-*• ").strip()
        if line:
            out += split_sentences(line)
    return out


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
    words = content_words(question) | codes(question)
    for w in list(words):
        words |= content_words(SYNONYMS.get(w, ""))
    return words


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


def extractive_answer(question: str, passages: Sequence[Passage], max_sentences: int = 2, max_chars: int = 240) -> str:
    """The sentence(s) of the best passage that answer the question best, in document order."""
    if not passages:
        return ""
    q = expand_question(question)
    best = passages[0]
    title_words = content_words(best.title) | codes(best.title)
    sentences = _pieces(best.text)
    if not sentences:
        return ""
    scored = []
    for i, s in enumerate(sentences):
        words = content_words(s) | codes(s)
        # Words the passage's title already has name the passage, not the sentence.
        overlap = len(q & words - title_words) + 0.3 * len(q & words & title_words)
        # Sentences with figures answer "how much / how heavy / when" questions.
        bonus = 0.3 if numbers(s) else 0.0
        scored.append((overlap + bonus, -i, i, s))
    scored.sort(reverse=True)
    chosen = [scored[0]]
    if max_sentences > 1 and len(scored) > 1 and scored[1][0] >= max(1.0, scored[0][0] * 0.75):
        if len(scored[0][3]) + len(scored[1][3]) < max_chars:
            chosen.append(scored[1])
    chosen.sort(key=lambda x: x[2])
    text = " ".join(s for *_, s in chosen)
    if not text.endswith((".", "!", "?")):
        text += "."
    return text
