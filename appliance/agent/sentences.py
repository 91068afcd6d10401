"""Cutting streamed text into speakable sentences as it arrives.

A sentence ends at ``.``, ``!`` or ``?`` (or a closing quote/bracket after one) followed by
whitespace and then something that can start a sentence.  Abbreviations ("approx. 5",
"e.g. the", "Dr. Smith", "No. 3"), decimals ("1.5 kN", no space after the dot) and
initials ("J. Smith") do not end one.  The splitter holds back the last candidate until
the next non-space character shows whether it really was an end.
"""

from __future__ import annotations

import re
from collections.abc import Callable

#: Always abbreviations: a capital after them does not start a sentence.
ABBREVIATIONS = frozenset(
    "approx appr ca cf e.g eg i.e ie vs viz incl excl esp mr mrs ms dr prof st mt jr sr avg est resp co".split()
)
#: Abbreviations only before a number: "No. 3", "Fig. 2", "Jan. 5", "Tel. +44".
NUMBER_ABBREVIATIONS = frozenset(
    """no nos nr fig figs vol p pp art sec ch tel ph fax ext
    jan feb mar apr jun jul aug sep sept oct nov dec""".split()
)

_END = re.compile(r"[.!?]+[\"'»)\]]*")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")


def _is_abbreviation(before: str, nxt: str) -> bool:
    m = _WORD_BEFORE.search(before)
    if not m:
        return False
    word = m.group(1).lower().rstrip(".")
    if word in ABBREVIATIONS:
        return True
    if word in NUMBER_ABBREVIATIONS and (nxt.isdigit() or nxt == "+"):
        return True
    if len(word) == 1 and m.group(1)[0].isupper() and nxt.isupper():
        return True  # an initial: "J. Smith"
    return bool(re.fullmatch(r"(?:[a-z]\.)+[a-z]?", word))  # e.g / i.e / u.s.a


class SentenceSplitter:
    """Feed text pieces; get back the sentences completed so far."""

    def __init__(self, min_chars: int = 2) -> None:
        self._buf = ""
        self.min_chars = min_chars

    def feed(self, text: str) -> list[str]:
        self._buf += text
        out: list[str] = []
        start = 0
        pos = 0
        while True:
            m = _END.search(self._buf, pos)
            if not m:
                break
            end = m.end()
            pos = end
            rest = self._buf[end:]
            stripped = rest.lstrip()
            if not stripped:
                break  # need to see what comes next
            if len(stripped) == len(rest):
                continue  # "1.5", "e-mail.example": no space after the mark
            nxt = stripped[0]
            if m.group(0).startswith(".") and (_is_abbreviation(self._buf[start : m.start()], nxt) or nxt.islower()):
                continue
            if not (nxt.isupper() or nxt.isdigit() or nxt in "\"'(«[-–—+"):
                continue
            sentence = self._buf[start:end].strip()
            if len(sentence) >= self.min_chars:
                out.append(sentence)
                start = end
        # Newlines end a sentence too (lists, headings).
        if "\n" in self._buf[start:]:
            head, _, tail = self._buf[start:].rpartition("\n")
            for line in head.split("\n"):
                if line.strip():
                    out.append(line.strip())
            self._buf = tail
        else:
            self._buf = self._buf[start:]
        return out

    def take_lead(self, min_words: int, accept: Callable[[str], bool]) -> str:
        """The start of the sentence being written, to be spoken before it is finished.

        The words up to the last one known to be complete (the next has begun), once there
        are ``min_words`` of them and the last is a plain word (no digits: a number may go on,
        "54,000" arrives as "54", ",", "000"; no abbreviation).  ``accept`` judges the words;
        taken words leave the buffer, and the rest of the sentence comes out as usual.
        Returns "" when there is nothing to take yet.
        """
        buf = self._buf.lstrip()
        cut = max(buf.rfind(" "), buf.rfind("\t"))
        if cut <= 0 or "\n" in buf:
            return ""
        head = buf[:cut].strip()
        words = head.split()
        if len(words) < min_words or not re.fullmatch(r"[A-Za-z][A-Za-z']*", words[-1]):
            return ""
        if words[-1].lower() in ABBREVIATIONS or words[-1].lower() in NUMBER_ABBREVIATIONS:
            return ""
        if not accept(head):
            return ""
        self._buf = buf[cut:]
        return head

    def flush(self) -> list[str]:
        """Whatever is left, as the last sentence."""
        rest, self._buf = self._buf.strip(), ""
        return [rest] if rest else []


def ends_sentence(text: str) -> bool:
    """Whether a piece of an answer ends with a sentence end (else it is a sentence's opening words)."""
    return bool(_END_AT_END.search(text))


_END_AT_END = re.compile(_END.pattern + r"\s*$")


def split_sentences(text: str) -> list[str]:
    splitter = SentenceSplitter()
    return splitter.feed(text) + splitter.flush()
