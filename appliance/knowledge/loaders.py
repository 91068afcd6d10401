"""Reading documents: Markdown, plain text, PDF and DOCX into plain text plus metadata.

Each loader returns a :class:`LoadedDocument` or raises :class:`DocumentError` with a short
reason (``"binary file"``, ``"corrupt PDF: ..."``) that the ingest report shows next to the
file; one bad file never stops the others.

A document may start with a front-matter block that sets its tag (group) and title::

    ---
    tag: tech
    title: UTM-100 universal testing machine
    ---

or, shorter, with plain ``tag: tech`` / ``title: ...`` lines before the first blank line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

TEXT_SUFFIXES = {".md", ".markdown", ".txt", ".text"}
PDF_SUFFIXES = {".pdf"}
DOCX_SUFFIXES = {".docx"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | PDF_SUFFIXES | DOCX_SUFFIXES

_FRONT_KEYS = ("tag", "tags", "title", "group", "collection")
_FRONT_LINE = re.compile(r"^\s*(" + "|".join(_FRONT_KEYS) + r")\s*:\s*(.+?)\s*$", re.IGNORECASE)


class DocumentError(Exception):
    """A file that cannot be read as a document; the message is the reason shown to the user."""


@dataclass
class LoadedDocument:
    text: str
    title: str = ""
    tag: str = ""
    #: "markdown" (headings start sections) or "plain".
    kind: str = "plain"


def _looks_binary(data: bytes) -> bool:
    head = data[:4096]
    if b"\x00" in head:
        return True
    if not head:
        return False
    # Many control bytes that are not whitespace: not text.
    ctrl = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return ctrl / len(head) > 0.05


def _decode_text(data: bytes) -> str:
    if _looks_binary(data):
        raise DocumentError("binary file, not text")
    for enc in ("utf-8-sig", "cp1251", "latin-1"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise DocumentError("cannot decode text")  # pragma: no cover - latin-1 always decodes


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """Front-matter keys (lower-case) and the text without them."""
    meta: dict[str, str] = {}
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        for i in range(1, min(len(lines), 40)):
            if lines[i].strip() in ("---", "..."):
                for line in lines[1:i]:
                    m = _FRONT_LINE.match(line)
                    if m:
                        meta[m.group(1).lower()] = m.group(2).strip().strip("\"'")
                return meta, "\n".join(lines[i + 1 :])
        return meta, text
    # Bare "key: value" lines at the very top, up to the first line that is not one.
    i = 0
    while i < len(lines) and i < 10:
        m = _FRONT_LINE.match(lines[i])
        if not m:
            break
        meta[m.group(1).lower()] = m.group(2).strip().strip("\"'")
        i += 1
    if meta:
        return meta, "\n".join(lines[i:])
    return meta, text


def _meta_tag(meta: dict[str, str]) -> str:
    for key in ("tag", "tags", "group", "collection"):
        if meta.get(key):
            return normalise_tag(meta[key].split(",")[0])
    return ""


def normalise_tag(tag: str) -> str:
    """Tags are lower-case words: "Tech Specs" -> "tech-specs"."""
    return re.sub(r"[^a-z0-9_-]+", "-", tag.strip().lower()).strip("-")


def _load_text(path: Path) -> LoadedDocument:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"cannot read: {exc.strerror}") from None
    text = _decode_text(data)
    meta, body = split_front_matter(text)
    kind = "markdown" if path.suffix.lower() in (".md", ".markdown") else "plain"
    title = meta.get("title", "")
    if not title and kind == "markdown":
        m = re.search(r"^#\s+(.+)$", body, re.MULTILINE)
        title = m.group(1).strip() if m else ""
    return LoadedDocument(text=body, title=title, tag=_meta_tag(meta), kind=kind)


def _load_pdf(path: Path) -> LoadedDocument:
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        with path.open("rb") as fh:
            head = fh.read(5)
        if head != b"%PDF-":
            raise DocumentError("corrupt PDF: no PDF header")
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception:
                raise DocumentError("encrypted PDF") from None
        pages = [(page.extract_text() or "") for page in reader.pages]
    except DocumentError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise DocumentError(f"corrupt PDF: {str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__}") from None
    except Exception as exc:  # pypdf raises a zoo of errors on broken files
        raise DocumentError(f"corrupt PDF: {type(exc).__name__}") from None
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text.strip():
        raise DocumentError("PDF has no extractable text (scanned image?)")
    meta, body = split_front_matter(text)
    title = meta.get("title", "")
    try:
        title = title or str((reader.metadata or {}).get("/Title") or "")
    except Exception:
        pass
    return LoadedDocument(text=body, title=title, tag=_meta_tag(meta), kind="plain")


def _load_docx(path: Path) -> LoadedDocument:
    import zipfile

    try:
        import docx
    except ImportError:  # pragma: no cover
        raise DocumentError("python-docx is not installed") from None
    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise DocumentError(f"corrupt DOCX: {type(exc).__name__}") from None
    except Exception as exc:
        raise DocumentError(f"corrupt DOCX: {type(exc).__name__}") from None
    lines: list[str] = []
    # Paragraphs and tables in document order; a table as a Markdown table, so the chunker
    # makes each row a passage with its column headers.
    blocks = document.iter_inner_content() if hasattr(document, "iter_inner_content") else document.paragraphs
    for block in blocks:
        if not hasattr(block, "rows"):
            lines.append(_docx_paragraph(block))
            continue
        rows = [[" ".join(c.text.split()).replace("|", "/") for c in row.cells] for row in block.rows]
        rows = [r for r in rows if any(r)]
        if rows:
            lines += ["", "| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
            lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
            lines.append("")
    text = "\n".join(lines)
    if not text.strip():
        raise DocumentError("DOCX has no text")
    meta, body = split_front_matter(text)
    title = meta.get("title", "") or (document.core_properties.title or "")
    return LoadedDocument(text=body, title=title, tag=_meta_tag(meta), kind="markdown")


def _docx_paragraph(para) -> str:  # noqa: ANN001 - a python-docx Paragraph
    """A paragraph as a Markdown line: Word's heading styles become # headings."""
    text = para.text.strip()
    if not text:
        return ""
    style = (para.style.name if para.style is not None else "") or ""
    m = re.match(r"Heading\s*(\d)", style)
    if m:
        return "#" * int(m.group(1)) + " " + text
    return "# " + text if style == "Title" else text


def load_document(path: Path) -> LoadedDocument:
    """Read one file; DocumentError with a short reason if it is not a usable document."""
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return _load_text(path)
    if suffix in PDF_SUFFIXES:
        return _load_pdf(path)
    if suffix in DOCX_SUFFIXES:
        return _load_docx(path)
    raise DocumentError(f"unsupported file type {suffix or '(none)'} (use .md, .txt, .pdf, .docx)")
