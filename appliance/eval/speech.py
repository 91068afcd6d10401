"""What a caller would hear as a broken answer, judged from the pieces the agent said.

The agent yields pieces: whole sentences, and sometimes a sentence's opening words said
early ("The KP-320 costs") with the rest following as the next piece.  A caller hears the
pieces joined.  :func:`broken_reasons` names what is wrong with that, if anything:

- ``empty``: nothing said, or only blanks;
- ``fallback_after_opening``: an apology or fallback phrase inside a sentence that had
  already begun ("The KP-320 is I'm sorry, I can't answer that right now");
- ``restart_after_opening``: opening words, then a new sentence instead of their rest
  ("The KP-320 costs The KP-320 weighs 38 kg.");
- ``layout``: characters of a document's layout reaching speech (dot leaders, table bars,
  the ``<<->>`` separator, Markdown marks);
- ``unended``: the answer stops mid-sentence, on a word no sentence ends with ("... costs").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from appliance.agent.sentences import ends_sentence

#: Phrases that begin an apology or a fallback; inside a begun sentence they mean the
#: fallback was glued onto opening words.
APOLOGY = re.compile(
    r"\b(?:I'?m sorry|I am sorry|sorry,|I don'?t have that information|I do not have that information|"
    r"I can'?t answer|I cannot answer|would you like me to put you through)",
    re.IGNORECASE,
)
#: Layout that must never be spoken: dot leaders, ellipses, table bars, the chunk
#: separator, Markdown emphasis/headings/code/bullets, runs of dashes or equals signs.
LAYOUT = re.compile(r"\.{3,}|…|\||<<|>>|\*|#|`|•|_{2,}|-{3,}|={2,}|\[|\]|\t")
#: Words that start a sentence; after unfinished opening words they mean the rest was lost.
_STARTERS = {
    "the", "a", "an", "our", "we", "it", "its", "this", "that", "these", "those", "yes", "no", "i", "i'm",
    "you", "your", "please", "each", "all", "every", "both", "there", "they", "unfortunately", "sorry",
}
#: Words no spoken sentence ends with.
_DANGLING = {
    "the", "a", "an", "of", "to", "for", "with", "and", "or", "but", "is", "are", "was", "were", "be", "costs",
    "cost", "weighs", "weigh", "has", "have", "at", "in", "on", "by", "from", "about", "up", "per", "than",
    "between", "into", "its", "their", "our", "your", "which", "that", "takes", "delivers", "carries", "needs",
    "can", "will", "would", "should", "must", "does", "do", "like", "as", "under", "over", "within", "after",
}
_WORD = re.compile(r"[A-Za-z']+")


def _first_word(text: str) -> str:
    m = _WORD.search(text)
    return m.group(0).lower() if m else ""


def _last_word(text: str) -> str:
    words = text.split()
    return words[-1].strip(".,;:!?\"')").lower() if words else ""


def _starts_capitalised_sentence(piece: str) -> bool:
    stripped = piece.lstrip(" \"'(")
    return bool(stripped) and stripped[0].isupper() and _first_word(stripped) in _STARTERS


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def broken_reasons(pieces: Sequence[str]) -> list[str]:
    """Why the answer made of ``pieces`` sounds broken; empty if it does not."""
    said = [p for p in pieces if p and p.strip()]
    if not said:
        return ["empty"]
    reasons: list[str] = []
    text = " ".join(p.strip() for p in said)
    # An apology that does not open its sentence.
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        m = APOLOGY.search(sentence)
        if m and sentence[: m.start()].strip(" ,\"'"):
            reasons.append("fallback_after_opening")
            break
    for before, after in zip(said, said[1:]):
        if not ends_sentence(before) and (_starts_capitalised_sentence(after) or APOLOGY.match(after.strip())):
            if "fallback_after_opening" not in reasons and APOLOGY.match(after.strip()):
                reasons.append("fallback_after_opening")
            elif not APOLOGY.match(after.strip()):
                reasons.append("restart_after_opening")
            break
    if LAYOUT.search(text):
        reasons.append("layout")
    if _CJK.search(text):
        reasons.append("foreign_script")  # the model slipped into Chinese; the voice cannot say it
    last = said[-1].strip()
    if not ends_sentence(last) and _last_word(last) in _DANGLING:
        reasons.append("unended")
    return reasons
