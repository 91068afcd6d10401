"""An FAQ entry answers its own question.

A customer's FAQ page is a list of callers' questions with the company's answers ("Will you
hire to me? I'm not a business." / "Yes. Bring photo ID and ... the hire deposit: £250 for a
ride-on ...").  When a caller asks the same thing in their own words and the small model
finds no answer in it (it reads "Yes." and a list of documents as no answer), a person at the
desk would read out the entry's answer.  :func:`faq_answer` does that, for the best passage
only and only when the caller's question shares most of the entry's question's words, so an
FAQ about something else is never read out for a question it does not answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from appliance.agent.grounding import (
    asked_attribute,
    caller_words_of,
    content_words,
    names_offered,
    offered_thing,
    speakable,
    states_asked_figure,
    synonyms_of,
)
from appliance.agent.sentences import split_sentences
from appliance.knowledge.base import Passage
from appliance.knowledge.lexical import documents_words

#: "Q: Will you hire to me?", "Q. ...": an FAQ's marks before its question and its answer.
_Q_MARK = re.compile(r"^\s*(?:q|question|вопрос)\s*[:.]\s*", re.IGNORECASE)
_A_MARK = re.compile(r"^\s*(?:a|answer|ответ)\s*[:.]\s*", re.IGNORECASE)
#: An entry whose question leads its text, quoted or in bold: '"Will you hire to me?"\nYes. ...'.
_LEADING_QUESTION = re.compile(r'\A\s*(?:\*\*|__|["“«])?([^\n]{5,200}?\?)(?:\*\*|__|["”»])?\s*\n(.+)\Z', re.DOTALL)
#: The share of the entry's question's words the caller's question must have.
SAME_QUESTION_SHARE = 0.5
#: The most of an entry's answer that is read out.
MAX_CHARS = 240
#: A first sentence this long is the answer; a shorter one ("Yes.") takes the next with it.
FULL_ANSWER_WORDS = 12


def faq_entry(passage: Passage) -> tuple[str, str] | None:
    """(question, answer) when the passage is one FAQ entry: its section heading is a question
    (the entry's own), or its text opens with one; else None."""
    m = _LEADING_QUESTION.match(passage.text)
    if m:
        return _Q_MARK.sub("", m.group(1)).strip(), m.group(2).strip()
    heading = passage.title.rsplit(" > ", 1)[-1].strip()
    if heading.endswith("?"):
        return _Q_MARK.sub("", heading).strip(), passage.text.strip()
    return None


def _words(text: str) -> set[str]:
    words = content_words(documents_words(text))
    return words | {s for w in words for s in synonyms_of(w) | caller_words_of(w)}


def same_question(entry_question: str, question: str) -> bool:
    """The caller asks what the entry asks: at least half of the entry's question's content
    words (two at least, when it has two), in the caller's words or the documents'."""
    entry = content_words(documents_words(entry_question))
    if not entry:
        return False
    asked = _words(question)
    shared = {w for w in entry if w in asked or (synonyms_of(w) | caller_words_of(w)) & asked}
    return len(shared) >= max(min(2, len(entry)), SAME_QUESTION_SHARE * len(entry))


def faq_answer(question: str, passages: Sequence[Passage]) -> str:
    """The answer of the best passage, when it is an FAQ entry asking what the caller asks: its
    first sentence or two, as said ("" otherwise)."""
    if not passages:
        return ""
    entry = faq_entry(passages[0])
    if entry is None or not same_question(entry[0], question):
        return ""
    if not names_offered(f"{entry[0]} {entry[1]}", offered_thing(question)):
        return ""  # ("Do you do dry-cleaning machines?" is not "Can I add a coin meter to my machines?")
    sentences = split_sentences(_A_MARK.sub("", " ".join(entry[1].split())))
    said = sentences[0] if sentences else ""
    for sentence in sentences[1:]:
        # ("Yes." alone says nothing: the sentence after it is the fact)
        if len(said.split()) >= FULL_ANSWER_WORDS or len(said) + 1 + len(sentence) > MAX_CHARS:
            break
        said = f"{said} {sentence}"
    if asked_attribute(question) and not states_asked_figure(said, question):
        # "Do you teach people, and what's the damage?": the entry's sentence with the price
        # ("... a half-day operator course ... for £165 per person"), after its first.
        stating = next((s for s in sentences[1:] if states_asked_figure(s, question)), "")
        if stating:
            said = f"{sentences[0]} {stating}" if len(sentences[0]) + len(stating) < MAX_CHARS * 2 else stating
    return speakable(said) if said and len(said) <= MAX_CHARS * 2 else ""
