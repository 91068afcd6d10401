"""What a caller's words ask for, beyond a question: a person, goodbye, a quote, or nothing.

These are deliberately plain word lists, checked before the language model runs: they
must work with any model (a 270M base model cannot be trusted to route a call), they cost
nothing, and an integrator can read and extend them.  Back-channels ("uh-huh", "yes")
while we speak are recognised here so they neither interrupt nor start a turn.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z0-9']+")

FILLERS = frozenset({
    "uh", "uhh", "um", "umm", "hmm", "mm", "mhm", "mmm", "uh-huh", "uhhuh", "huh", "ah", "oh", "yeah", "yes",
    "yep", "ok", "okay", "right", "sure", "alright", "i", "see", "got", "it", "cool", "great", "thanks", "aha",
    "u", "m", "hm", "mhmm", "mmhmm", "uhuh", "a", "oh",
})
_INTERRUPT = re.compile(r"\b(stop|wait|hold on|excuse me)\b")
#: A person is asked for by these words on their own ...
_OPERATOR_WORDS = r"operator|human|real person|representative|customer service|put me through|transfer me|connect me"
#: ... or by a request ("speak to", "I'd like") followed within a few words by someone to ask
#: for: "does someone service this model?" or "your sales agent in Austria" are questions.
_PERSON = r"someone|somebody|person|agent|colleagues?|staff|rep"
_OPERATOR = re.compile(
    rf"\b({_OPERATOR_WORDS})\b"
    rf"|\b(speak|talk|chat)\s+(to|with)\s+(\w+\s+){{0,3}}?({_PERSON})\b"
    rf"|\b(i want|i'd like|i would like|can i have|could i have|get me|give me)\s+(\w+\s+){{0,2}}?({_PERSON})\b")
_GOODBYE = re.compile(r"\b(good ?bye|bye|that'?s all|that is all|nothing else|no more questions|hang up)\b")
_LEAD = re.compile(r"\b(quote|quotation|offer|call me back|callback|call back|contact me|get back to me|"
                   r"reach me|sales (team|person|rep))\b")
_YES = re.compile(r"\b(yes|yeah|yep|correct|right|that'?s right|sure|exactly|affirmative|it is)\b")
_NO = re.compile(r"\b(no|nope|wrong|incorrect|not right|isn'?t)\b")

_DIGIT_WORDS = {"zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4",
                "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9"}
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
    return any(w in _DIGIT_WORDS or w.isdigit() for w in re.findall(r"[a-z]+|\d+", text.lower()))


def extract_contact(text: str) -> str:
    """A phone number (digits, spoken or written) or an e-mail address from what was said."""
    t = text.lower()
    spoken_email = re.sub(r"\s+at\s+", "@", re.sub(r"\s+dot\s+", ".", t))
    m = _EMAIL.search(spoken_email.replace(" @", "@").replace("@ ", "@"))
    if m:
        return m.group(0)
    digits = []
    for token in re.findall(r"[a-z]+|\d", t):
        if token.isdigit():
            digits.append(token)
        elif token in _DIGIT_WORDS:
            digits.append(_DIGIT_WORDS[token])
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
    m = re.search(r"(?:my name is|name's|this is|i am|i'm|it's|it is|call me)\s+(.+)", t, re.IGNORECASE)
    name = (m.group(1) if m else t).strip(" ,.")
    return " ".join(w.capitalize() for w in name.split()[:4])


def spell_out_contact(contact: str) -> str:
    """How to read a contact back: digits one by one, e-mail as said."""
    if "@" in contact:
        return contact.replace("@", " at ").replace(".", " dot ")
    return ", ".join(" ".join(contact[i:i + 3]) for i in range(0, len(contact), 3))
