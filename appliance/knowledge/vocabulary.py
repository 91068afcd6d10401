"""Domain words from the knowledge base, for the recogniser's prompt.

Whisper mishears product codes on a phone line ("UTM-100" as "UT them 100"); given the
codes as a prompt it gets them right.  Codes are read from the source documents, so a new
knowledge base brings its own vocabulary with no configuration.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

_CODE = re.compile(r"\b[A-ZА-ЯЁ][A-Za-zА-Яа-яЁё]*-\d+(?:[.,]\d+)?[A-Za-zА-Яа-яЁё]*\b")  # "UTM-50", "ПГ-40", "ГБ-1,2"
_TEXT_SUFFIXES = {".md", ".txt", ".markdown"}


def product_codes(text: str) -> list[str]:
    """Product codes in order of appearance ("UTM-50", "HT-200"), spoken forms included ("UTM 50")."""
    spoken = re.sub(r"\b([A-ZА-ЯЁ]{2,})[ ](\d+)\b", r"\1-\2", text)
    return _CODE.findall(spoken)


_WORD = re.compile(r"[A-Za-zА-Яа-яЁё0-9]+(?:-[A-Za-zА-Яа-яЁё0-9]+)*")
#: A code heard as at most this many words ("ut m 50" for "UTM-50").
_MAX_CODE_WORDS = 3


def code_key(text: str) -> str:
    """A code's spelling-free form: "UTM-50", "UT-M50", "utm 50" -> "utm50"."""
    return re.sub(r"[^0-9a-zа-яё]", "", text.lower())


def code_index(texts: Iterable[str]) -> dict[str, str]:
    """The knowledge base's product codes by ``code_key``, each in its documents' spelling."""
    index: dict[str, str] = {}
    for text in texts:
        for code in _CODE.findall(text):
            index.setdefault(code_key(code), code)
    return index


def codes_named(text: str, known: dict[str, str]) -> list[str]:
    """The product codes a caller named, in the knowledge base's spelling where it has them.

    The recogniser splits codes where the caller paused ("UTM-50" heard as "UT-M50" or
    "UT M 50"), so a run of up to three words whose letters and digits spell a known code
    is that code; a code the knowledge base does not have is kept as heard."""
    found: dict[str, None] = {}
    for code in product_codes(text):
        found.setdefault(known.get(code_key(code), code), None)
    words = _WORD.findall(text)
    for start in range(len(words)):
        for end in range(start + 1, min(start + _MAX_CODE_WORDS, len(words)) + 1):
            key = code_key("".join(words[start:end]))
            if key in known:
                found.setdefault(known[key], None)
    return list(found)


def vocabulary_from_folder(folder: Path, limit: int = 40, lead: str = "") -> str:
    """The recogniser's prompt: ``lead`` (example questions) then the KB's other product codes.

    Whisper follows a prompt that reads like what callers say better than a bare word list
    (measured: "How much does the UTM-100 weigh?" heard right with example questions,
    as "... way?" with a list).
    """
    codes: dict[str, None] = {}
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() in _TEXT_SUFFIXES and path.is_file():
                try:
                    text = path.read_text(encoding="utf-8", errors="ignore")
                except OSError:
                    continue
                for code in _CODE.findall(text):
                    codes.setdefault(code, None)
    picked = [c for c in list(codes)[:limit] if c not in lead]
    tail = ("Products: " + ", ".join(picked) + ".") if picked else ""
    return " ".join(part for part in (lead.strip(), tail) if part)
