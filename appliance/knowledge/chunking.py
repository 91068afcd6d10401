"""Cutting a document into retrievable chunks.

Order of cuts: an explicit separator line (``<<->>`` by default) always ends a chunk;
Markdown headings start a new section (the heading path is kept with the chunk so a
chunk about "Specifications" still says which product it belongs to); a section longer
than ``chunk_chars`` is split at paragraph, then sentence, then word boundaries.
Short paragraphs of plain text are packed together up to ``chunk_chars``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


@dataclass(frozen=True)
class Chunk:
    text: str
    #: Heading path, e.g. "UTM-100 > Specifications"; empty for plain text.
    heading: str = ""


def _split_long(text: str, limit: int) -> list[str]:
    """Pieces of at most ~limit chars, cut at paragraph, sentence, then word boundaries."""
    if len(text) <= limit:
        return [text]
    out: list[str] = []
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    pieces: list[str] = []
    for para in paragraphs:
        if len(para) <= limit:
            pieces.append(para)
            continue
        sentences = _SENTENCE_END.split(para)
        for sent in sentences:
            while len(sent) > limit:
                cut = sent.rfind(" ", 0, limit)
                cut = cut if cut > limit // 2 else limit
                pieces.append(sent[:cut].strip())
                sent = sent[cut:].strip()
            if sent:
                pieces.append(sent)
    # Pack the pieces back together up to the limit.
    current = ""
    for piece in pieces:
        joiner = "\n\n" if current else ""
        if current and len(current) + len(joiner) + len(piece) > limit:
            out.append(current)
            current = piece
        else:
            current = current + joiner + piece
    if current:
        out.append(current)
    return out


def _sections_markdown(text: str) -> list[tuple[str, str]]:
    """(heading path, body) per heading section, in order."""
    path: list[tuple[int, str]] = []
    sections: list[tuple[str, str]] = []
    body: list[str] = []

    def flush() -> None:
        content = "\n".join(body).strip()
        if content:
            sections.append((" > ".join(t for _, t in path), content))
        body.clear()

    in_code = False
    for line in text.splitlines():
        if line.strip().startswith("```"):
            in_code = not in_code
        m = None if in_code else _HEADING.match(line)
        if m:
            flush()
            level = len(m.group(1))
            while path and path[-1][0] >= level:
                path.pop()
            path.append((level, m.group(2).strip()))
        else:
            body.append(line)
    flush()
    return sections


def chunk_text(text: str, *, kind: str = "markdown", chunk_chars: int = 800, separator: str = "<<->>") -> list[Chunk]:
    """The document's chunks, in order; empty text gives no chunks."""
    blocks: list[str] = []
    current: list[str] = []
    for line in text.splitlines():
        if separator and line.strip() == separator:
            blocks.append("\n".join(current))
            current = []
        else:
            current.append(line)
    blocks.append("\n".join(current))

    chunks: list[Chunk] = []
    last_heading = ""
    for block in blocks:
        if not block.strip():
            continue
        if kind == "markdown":
            sections = _sections_markdown(block)
            # A block after a separator with no heading of its own continues the last one.
            if sections and sections[0][0] == "" and last_heading and not _HEADING.match(block.strip().splitlines()[0]):
                sections[0] = (last_heading, sections[0][1])
            for heading, body in sections:
                for piece in _split_long(body, chunk_chars):
                    chunks.append(Chunk(text=piece, heading=heading))
                last_heading = heading
        else:
            for piece in _split_long(block.strip(), chunk_chars):
                chunks.append(Chunk(text=piece))
    return chunks
