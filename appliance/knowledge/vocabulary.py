"""Domain words from the knowledge base, for the recogniser's prompt.

Whisper mishears product codes on a phone line ("UTM-100" as "UT them 100"); given the
codes as a prompt it gets them right.  Codes are read from the source documents, so a new
knowledge base brings its own vocabulary with no configuration.
"""

from __future__ import annotations

import re
from pathlib import Path

_CODE = re.compile(r"\b[A-ZА-ЯЁ][A-Za-zА-Яа-яЁё]*-\d+[A-Za-zА-Яа-яЁё]*\b")  # "UTM-50", "ПГ-40"
_TEXT_SUFFIXES = {".md", ".txt", ".markdown"}


def product_codes(text: str) -> list[str]:
    """Product codes in order of appearance ("UTM-50", "HT-200"), spoken forms included ("UTM 50")."""
    spoken = re.sub(r"\b([A-ZА-ЯЁ]{2,})[ ](\d+)\b", r"\1-\2", text)
    return _CODE.findall(spoken)


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
