"""What a caller's words ask for, beyond a question: a person, goodbye, a quote, or nothing.

These are deliberately plain word lists, checked before the language model runs: they
must work with any model (a 270M base model cannot be trusted to route a call), they cost
nothing, and an integrator can read and extend them: they are the ``[intents]`` of the
language packs (appliance/lang/en.toml, ru.toml).  Back-channels ("uh-huh", "yes")
while we speak are recognised here so they neither interrupt nor start a turn.
"""

from __future__ import annotations

import re

from appliance.lang import all_packs

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


def _pattern(name: str) -> re.Pattern[str]:
    """One word-bounded alternation of every language pack's phrases for an intent."""
    phrases = [p for pack in all_packs() for p in pack.intents.get(name, ())]
    return re.compile(r"\b(" + "|".join(phrases) + r")\b") if phrases else re.compile(r"(?!x)x")


# The words come from the language packs (appliance/lang/*.toml), all of them at once: each
# language's words are its own script or spelling, so listening for every pack's costs nothing
# and a caller who switches language still reaches a person or says goodbye.
FILLERS = frozenset(w for pack in all_packs() for w in pack.fillers)
_INTERRUPT = _pattern("interrupt")
_OPERATOR = _pattern("operator")
_GOODBYE = _pattern("goodbye")
_LEAD = _pattern("lead")
_YES = _pattern("yes")
_NO = _pattern("no")
_DIGIT_WORDS = {w: d for pack in all_packs() for w, d in pack.digit_words.items()}
_DIGIT_HOMOPHONES = {w: d for pack in all_packs() for w, d in pack.digit_homophones.items()}
_NAME_INTRO = re.compile(r"\b(?:" + "|".join(p for pack in all_packs() for p in pack.name_intro) + r")\s+(.+)",
                         re.IGNORECASE)
_EMAIL = re.compile(r"[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def is_backchannel(text: str) -> bool:
    """Only filler words (or nothing): not a turn."""
    ws = words(text.replace("-", ""))
    return all(w in FILLERS or w.replace("-", "") in FILLERS for w in ws)


def worth_interrupting(text: str) -> bool:
    """A short utterance heard while we talk that should still stop us: a request, not a murmur."""
    t = text.lower()
    # Only explicit requests: our own greeting echoed back ("Hello, ... how can I help you?")
    # must never qualify, whatever its length.
    return bool(_INTERRUPT.search(t) or _OPERATOR.search(t) or _GOODBYE.search(t))


def wants_operator(text: str) -> bool:
    return bool(_OPERATOR.search(text.lower()))


def says_goodbye(text: str) -> bool:
    t = text.lower()
    return bool(_GOODBYE.search(t)) and len(words(t)) <= 8


def wants_lead(text: str) -> bool:
    return bool(_LEAD.search(text.lower()))


def is_yes(text: str) -> bool:
    t = text.lower()
    return bool(_YES.search(t)) and not _NO.search(t)


def is_no(text: str) -> bool:
    return bool(_NO.search(text.lower()))


def has_digits(text: str) -> bool:
    """Digits in the words, written or spoken."""
    return any(w in _DIGIT_WORDS or w.isdigit() for w in re.findall(r"[^\W\d_]+|\d+", text.lower()))


def extract_contact(text: str) -> str:
    """A phone number (digits, spoken or written) or an e-mail address from what was said."""
    t = text.lower()
    spoken_email = re.sub(r"\s+at\s+", "@", re.sub(r"\s+dot\s+", ".", t))
    m = _EMAIL.search(spoken_email.replace(" @", "@").replace("@ ", "@"))
    if m:
        return m.group(0)
    digits = []
    tokens = re.findall(r"[^\W\d_]+|\d", t)
    for i, token in enumerate(tokens):
        if token.isdigit():
            digits.append(token)
        elif token in _DIGIT_WORDS:
            digits.append(_DIGIT_WORDS[token])
        elif token in _DIGIT_HOMOPHONES and i + 1 < len(tokens) and (
                tokens[i + 1].isdigit() or tokens[i + 1] in _DIGIT_WORDS):
            digits.append(_DIGIT_HOMOPHONES[token])  # "it's for 1 5": "four one five"
        elif token in ("double", "triple"):
            digits.append(token)
    out: list[str] = []
    repeat = 1
    for d in digits:
        if d == "double":
            repeat = 2
        elif d == "triple":
            repeat = 3
        else:
            out.append(d * repeat)
            repeat = 1
    number = "".join(out)
    return number if len(number) >= 5 else ""


def extract_name(text: str) -> str:
    """The name in "my name is Anna Schmidt" / "it's Anna" / "Anna Schmidt"."""
    t = text.strip().rstrip(".!?")
    m = _NAME_INTRO.search(t)
    name = (m.group(1) if m else t).strip(" ,.")
    return " ".join(w.capitalize() for w in name.split()[:4])


def spell_out_contact(contact: str) -> str:
    """How to read a contact back: digits one by one, e-mail as said."""
    if "@" in contact:
        return contact.replace("@", " at ").replace(".", " dot ")
    return ", ".join(" ".join(contact[i:i + 3]) for i in range(0, len(contact), 3))
