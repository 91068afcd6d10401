"""Domain words from the knowledge base, for the recogniser's prompt.

Whisper mishears product codes on a phone line ("UTM-100" as "UT them 100"); given the
codes as a prompt it gets them right.  Codes are read from the source documents, so a new
knowledge base brings its own vocabulary with no configuration.
"""

from __future__ import annotations

import re
from pathlib import Path

_CODE = re.compile(r"\b[A-Z][A-Za-z]*-\d+[A-Za-z]*\b")
_TEXT_SUFFIXES = {".md", ".txt", ".markdown"}


def product_codes(text: str) -> list[str]:
    """Product codes in order of appearance ("UTM-50", "HT-200"), spoken forms included ("UTM 50")."""
    spoken = re.sub(r"\b([A-Z]{2,})[ ](\d+)\b", r"\1-\2", text)
    return _CODE.findall(spoken)


def vocabulary_from_folder(folder: Path, limit: int = 40) -> str:
    """"Tensora: UTM-50, UTM-100, ..." style prompt from the product codes found in text files."""
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
    picked = list(codes)[:limit]
    return ("Product names: " + ", ".join(picked) + ".") if picked else ""
