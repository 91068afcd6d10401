"""Lexical (BM25) sparse vectors: the half of retrieval that finds exact words and codes.

A small embedding model blurs what tells passages apart on a price list or a spec sheet:
"ZX-9000" and "ZX-9100" embed almost alike, and a rare word ("rebar", "Charpy") weighs
little against the rest of the sentence.  BM25 over words weighs a term by how rare it is
in the knowledge base, so a product code named in the question finds its passage.

Qdrant stores the vectors and searches them (a sparse vector per point, fused with the dense
one); qdrant-client's own BM25 (``models.Document`` with ``Qdrant/bm25``) needs fastembed,
which downloads its model from a hub at run time, so the vectors are computed here:

- the tokenizer keeps a model code whole and also split ("ZX-9000" -> ``zx9000``, ``zx``,
  ``9000``; "ZX 9000" and "zx9000" as a caller's recogniser writes them give the same), folds
  thousands separators ("18,900" -> ``18900``), drops stop words and strips plural and
  -ing/-ed endings;
- a document's value for a term is BM25's saturated term frequency with length
  normalisation (k1 = 1.2, b = 0.75, a fixed average length, as fastembed's BM25 does);
- a query's value for a term is its IDF in the knowledge base (:class:`TermStats`, counted
  from the stored vectors), so the dot product Qdrant computes is the BM25 score.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from appliance.knowledge.russian import STOPWORDS_RU, is_russian, stem_ru

K1 = 1.2
B = 0.75
#: Average chunk length in terms, for BM25's length normalisation (chunks are a sentence
#: row to ~800 characters; a fixed value keeps a document's vector independent of others).
AVG_LEN = 40.0

#: Words that say nothing about which passage answers ("how much does it cost" keeps "cost").
STOPWORDS = frozenset(
    """a an the and or but nor of to in on at by for with from into onto as is are was were be been being am
    do does did done doing can could would should will shall may might must have has had having it its it's
    this that these those there here their theirs they them we our ours us you your yours i me my mine he
    him his she her hers what which who whom whose how when where why whether if then than so such very
    too also just only not no nor yes any some all each every both either neither much many more most
    less least few one ones about please tell know want need like get got give let lets would like i'm
    you're we're they're i'd i'll you'll don't doesn't didn't isn't aren't wasn't weren't can't cannot won't
    don doesn didn isn aren wasn weren couldn wouldn shouldn haven hasn hadn re ve ll
    hello hi hey thanks thank okay ok well oh um uh er
    actually really nowadays originally currently exactly basically quite pretty probably maybe perhaps
    honestly literally anyway anyhow anybody anyone somebody someone anything something going gonna""".split()
) | STOPWORDS_RU

#: A word, or a code or number with its joiners ("ZX-9000", "0.5", and a decimal comma between
#: digits, "ГБ-1,2" or "1,5", the same term as with a point).
_TOKEN = re.compile(r"[^\W_]+(?:(?:[-./]|(?<=\d),(?=\d))[^\W_]+)*")
_THOUSANDS = re.compile(r"(?<=\d)[,'\u202f\u00a0](?=\d{3}(?!\d))")
_RUNS = re.compile(r"\d+|[^\W\d_]+")


def stem(word: str) -> str:
    """A light stem, the same on both sides: "prices" -> "pric", "shipping" -> "ship";
    Russian words lose their inflectional ending ("прессом" -> "пресс", knowledge.russian)."""
    if not word.isalpha() or len(word) <= 3:
        return word
    if is_russian(word):
        return stem_ru(word)
    return drop_silent_e(_strip_suffix(word))


def drop_silent_e(stemmed: str) -> str:
    """A final silent "e" off, so that "freeze" meets "freezing" ("freez") and "size" meets
    "sizes" ("siz"); "free" and "three" keep theirs."""
    if len(stemmed) >= 4 and stemmed.endswith("e") and not stemmed.endswith("ee"):
        return stemmed[:-1]
    return stemmed


def _strip_suffix(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            if len(base) > 3 and base[-1] == base[-2] and base[-1] not in "lsz":
                base = base[:-1]  # shipping -> shipp -> ship
            return base
    if word.endswith("es") and word[-3:-2] in ("s", "x", "z") or word.endswith(("ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _is_code(token: str) -> bool:
    return any(c.isdigit() for c in token) and any(c.isalpha() for c in token)


def tokens(text: str) -> list[str]:
    """The terms of a text, in order, codes whole and split (see the module docstring)."""
    text = _THOUSANDS.sub("", text)
    out: list[str] = []
    prefix = ""  # an upper-case word just before, as in "ZX 9000"
    for m in _TOKEN.finditer(text):
        original = m.group(0)
        raw = original.lower().replace(",", ".")
        parts = re.split(r"[-./]", raw) if len(raw) > 1 else [raw]
        if len(parts) > 1:
            out.append(raw if all(p.isdigit() for p in parts) else "".join(parts))  # "0.5"; "zx9000"
            for p in parts:
                out += _word_terms(p)
        else:
            if raw[0].isdigit() and prefix:
                out.append(prefix + raw)  # "ZX 9000" as a recogniser writes a code
            out += _word_terms(raw)
        prefix = raw if original.isalpha() and original.isupper() and 2 <= len(original) <= 5 else ""
    return out


def _word_terms(word: str) -> list[str]:
    if not word:
        return []
    if _is_code(word):
        return [word] + [r for r in _RUNS.findall(word) if len(r) > 1 or r.isdigit()]
    if word in STOPWORDS or (len(word) == 1 and not word.isdigit()):
        return []
    return [stem(word)]


@functools.lru_cache(maxsize=8192)
def codes(text: str) -> frozenset[str]:
    """Product and model codes in a text, normalised: "ZX-9000", "ZX 9000", "zx9000" -> "zx9000".
    (Cached: reranking asks it of the same passages question after question.)"""
    return frozenset(t for t in tokens(text) if _is_code(t) and t[0].isalpha())


@functools.lru_cache(maxsize=8192)
def term_ids(text: str) -> frozenset[int]:
    """The indices of a text's terms (cached, as ``codes``)."""
    return frozenset(term_id(t) for t in tokens(text))


def term_id(term: str) -> int:
    """A stable 31-bit index for a term (the same in every process and release)."""
    return int.from_bytes(hashlib.blake2b(term.encode(), digest_size=4).digest(), "big") & 0x7FFFFFFF


@dataclass(frozen=True)
class SparseVector:
    indices: list[int]
    values: list[float]


def document_vector(text: str) -> SparseVector:
    """BM25 term weights of a passage (its heading path included by the caller)."""
    counts = Counter(term_id(t) for t in tokens(text))
    length = sum(counts.values())
    norm = K1 * (1 - B + B * length / AVG_LEN)
    items = sorted(counts.items())
    return SparseVector([i for i, _ in items], [tf * (K1 + 1) / (tf + norm) for _, tf in items])


@dataclass
class TermStats:
    """Document frequencies of the stored passages' terms, for IDF."""

    documents: int = 0
    df: Counter[int] = field(default_factory=Counter)

    def add(self, indices: Iterable[int]) -> None:
        self.documents += 1
        self.df.update(set(indices))

    def idf(self, index: int) -> float:
        """BM25's IDF; a term no passage has gets the highest (it is as rare as can be)."""
        n, df = self.documents, self.df.get(index, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))


def query_terms(text: str) -> dict[int, str]:
    """The question's distinct terms by index (the text of each kept for explanations), with
    the documents' words for the caller's phrases (``CALLER_PHRASES``)."""
    return {term_id(t): t for t in tokens(documents_words(text))}


def standard_words(question: str) -> str:
    """A caller's question with dialect pronouns in standard English ("Where are ye?",
    "yer price list") and a price asked in a trader's words ("What are ye looking for the
    CD-30?" asks the price, as "asking" does), so every check reads it as it is meant."""
    for pattern, plain in _DIALECT:
        question = pattern.sub(plain, question)
    return question


_DIALECT: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p, re.IGNORECASE), r) for p, r in (
    (r"\b(ye|youse|yous|ya)\b", "you"), (r"\byer\b", "your"),
    (r"\b(what (are|would|will) you( be)?) (looking|wanting) for\b", r"\1 asking for"),
))


def phrase_terms(text: str) -> frozenset[int]:
    """The terms the documents' words for the caller's phrases in ``text`` bring in (a
    knowledge base may use only some of them: the rest mean nothing missing)."""
    return frozenset(term_id(t) for phrase, words in CALLER_PHRASES if phrase.search(text) for t in tokens(words))


def documents_words(text: str) -> str:
    """The text with each caller's phrase put in the documents' words (``CALLER_PHRASES``):
    its own words are no subject the documents lack."""
    for phrase, words in CALLER_PHRASES:
        text = phrase.sub(f" {words} ", text)
    return text


#: What follows a verb of sending when goods are sent to the caller ("send it", "post
#: them"), not a person ("send him over") nor a return ("send it back"); shared by the
#: carriage phrase below and the reranker's carriage ask.
GOODS_SENT = r"\s(it|them|that|those|this|one)\b(?!\s(\w+\s)?back\b)"


#: A caller's phrase and the words documents use for it ("send them back" / "returns";
#: "who's running the show?" / "managing director").  Its words are plain, common ones, so
#: they cannot be given one by one (``CALLER_WORDS``): the phrase says what they mean.
CALLER_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), words) for pattern, words in (
        (r"\b(send|take|bring|post|ship)\s(\w+\s)?back\b|\bchange[ds]? (my|our) minds?\b", "return"),
        (r"\bsealed\b|\bunopened\b|\bstill in (the|its|their) (box|boxes|bag|wrapping|packaging)\b|\bnever (been )?used\b"
         r"|\b(never|not) (even )?(came|come|been taken|taken) out of (the|its|their) (box|boxes|bag|wrapping|packaging)\b",
         "unused original packaging"),
        (r"\bup ?front\b|\bin advance\b", "deposit advance"),
        (r"\b(stump|cough|fork)(s|ed|ing)? (\w+ )?(up|out)\b", "pay"),
        (r"\bbit by bit\b|\bpay(ing)? (\w+ )?off\b|\bmonthly payments?\b|\bspread (the|it)\b", "finance instalments"),
        (r"\brun(s|ning)? the (show|place|company|firm|business)\b|\bin charge\b|\bat the top\b", "managing director"),
        (r"\bset (the company|the firm|the business|it|you|this place) up\b|\bset up the (company|firm|business)\b",
         "founded started established"),
        (r"\b(packs?|packed|gives?|gave|conks?|conked) (up|out)\b|\bplay(s|ing)? up\b"
         r"|\bstop(s|ped|ping)? (working|heating|cooling|spinning|draining|running|charging|starting|lifting)\b"
         r"|\b(breaks?|broke|breaking) down\b",
         "breakdown"),
        # a fault told as the caller sees it: the documents' repair or service line answers it
        (r"\b(won'?t|will not|wouldn'?t|doesn'?t|does not|isn'?t|can'?t) (\w+ )?(start|work|run|strike|charge|heat|cool|"
         r"spin|drain|switch on|turn on|fire up|hold (a|its|the) charge)\b|\b(throw(n|s|ing)?|threw|show(s|ing|ed)?|"
         r"flash(es|ing)?) (up )?(an? |some )?(error|fault|warning)s?\b|\berror (code|message)s?\b|\bfaulty\b"
         r"|\b(is|it's|its|went|gone|going|dead) dead\b|\bdead by\b",
         "breakdown repair service"),
        (r"\btake (it|them|that|this|\w+) off (our|my|his|her|their) hands\b|\bget rid of\b|\b(cart|haul|take|clear) "
         r"(it|them|that|this|\w+ \w+) away\b|\bdispose of\b", "take away old disposal recycle"),
        (r"\bshow(s|ed|ing)? (him|her|them|us|me|the (lads?|girls?|staff|team)|(my|our) \w+) (the ropes|how)\b"
         r"|\bthe ropes\b", "training course"),
        (r"\b(get|getting|send|sending|need|want) (someone|somebody|an engineer|a technician|a man|a fitter) (out|over|round)\b"
         r"|\b(someone|somebody|an engineer|a technician|you) (come|get|be) (out|over|round)\b", "engineer visit"),
        # goods carried to the caller ("do you send it free?", "what do you charge to post them
        # out?"): the documents' delivery and carriage (after "send it back", a return, above)
        (r"\b(post(s|ed|ing)?|send(s|ing)?|sent|ship(s|ped|ping)?)" + GOODS_SENT + r"|\bpostage\b|\bcourier\b",
         "delivery carriage"),
    ))


#: A caller's everyday word and the words a company's documents use for the same thing
#: ("Can I hire one?" / "We rent out ..."; "knocked off" / "discount"; "ring" / "call").
#: Trade-neutral on purpose: the words of commerce, service and the calendar, not of any
#: one trade.  Each side is stemmed like every term.
CALLER_WORDS: dict[str, tuple[str, ...]] = {
    "hire": ("rent", "rental", "lease"), "rent": ("hire", "rental", "lease"), "lease": ("rent", "finance"),
    "instalments": ("lease", "finance", "spread"), "spread": ("lease", "finance", "instalments"),
    "knocked": ("discount", "off"), "reduction": ("discount",), "deal": ("discount",),
    "settle": ("pay", "payment"), "bill": ("invoice",), "invoice": ("bill",),
    "shut": ("close", "closed"), "ring": ("call", "telephone"), "phone": ("telephone", "call"),
    "fix": ("repair",), "mend": ("repair",), "broke": ("breakdown", "repair"), "broken": ("breakdown", "repair"),
    "died": ("breakdown", "repair"), "packs": ("breakdown",), "conks": ("breakdown",),
    "sealed": ("unused", "original", "packaging"), "unopened": ("unused", "original", "packaging"),
    "back": ("return",), "refund": ("return",),
    "technician": ("engineer",), "mechanic": ("engineer",), "fitter": ("engineer",),
    "shelf": ("stock",), "quote": ("price", "quotation"), "quotation": ("quote", "price"),
    "weekend": ("saturday", "sunday"), "evening": ("late",),
    "started": ("founded", "established"), "boss": ("director", "owner"),
    "try": ("test", "trial", "demonstration"), "trial": ("test", "demonstration"),
    "demo": ("demonstration", "test"),
    "genny": ("generator",), "gennies": ("generator",),
    "learn": ("training", "course"), "teach": ("training", "course"), "taught": ("training", "course"),
    "swap": ("change", "replace"), "swapping": ("change", "replace"), "swapped": ("change", "replace"),
}
_CALLER_TERMS: dict[str, tuple[str, ...]] = {}


def alternatives(term: str) -> tuple[str, ...]:
    """The knowledge base's words (as terms) for a question's term (see ``CALLER_WORDS``)."""
    if not _CALLER_TERMS:
        for word, others in CALLER_WORDS.items():
            _CALLER_TERMS[stem(word)] = tuple(stem(o) for o in others)
    return _CALLER_TERMS.get(term, ())


def seen_alternatives(terms: dict[int, str], stats: TermStats) -> dict[int, frozenset[int]]:
    """Each of ``terms`` the knowledge base never uses -> the ``alternatives`` it does use
    (terms with none left out)."""
    out: dict[int, frozenset[int]] = {}
    for i, term in terms.items():
        if stats.df.get(i, 0) == 0:
            alts = frozenset(j for j in (term_id(a) for a in alternatives(term)) if stats.df.get(j, 0))
            if alts:
                out[i] = alts
    return out


def query_vector(text: str, stats: TermStats) -> SparseVector:
    """The question as a sparse vector: each distinct term weighted by its IDF, and the
    knowledge base's word for a caller's word that it never uses (``alternatives``)."""
    terms_by_id = query_terms(text)
    weights = {i: stats.idf(i) for i in terms_by_id}
    for alts in seen_alternatives(terms_by_id, stats).values():
        for j in alts:
            weights.setdefault(j, stats.idf(j))
    terms = sorted(weights)
    return SparseVector(terms, [weights[i] for i in terms])
