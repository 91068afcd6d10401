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

Uploaded files are untrusted: every scan here is linear in the input (no backtracking
regex over a whole line), and :class:`ReadLimits` caps what a file may unpack to and how
much text it may yield.  The service never calls these loaders itself: it runs them in a
child process with memory and time limits (:mod:`appliance.knowledge.parsing`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TEXT_SUFFIXES = {".md", ".markdown", ".txt", ".text"}
PDF_SUFFIXES = {".pdf"}
DOCX_SUFFIXES = {".docx"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | PDF_SUFFIXES | DOCX_SUFFIXES

_FRONT_KEYS = frozenset(("tag", "tags", "title", "group", "collection"))


class DocumentError(Exception):
    """A file that cannot be read as a document; the message is the reason shown to the user."""


@dataclass(frozen=True)
class ReadLimits:
    """What one document may cost to read; exceeding one is a DocumentError naming the setting."""

    #: Most characters of text a document may yield (knowledge.max_document_chars).
    max_chars: int = 2_000_000
    #: Most bytes a .docx's XML parts may unpack to, by the sizes its zip declares
    #: (knowledge.max_unpacked_mb); checked before anything is unpacked.
    max_unpacked_bytes: int = 16 * 1024 * 1024


DEFAULT_LIMITS = ReadLimits()


def _too_much_text(limits: ReadLimits) -> DocumentError:
    return DocumentError(f"it holds more than {limits.max_chars:,} characters of text "
                         f"(limit: knowledge.max_document_chars); split it into smaller documents")


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


def _cyrillic_likely(data: bytes) -> bool:
    """Whether 8-bit text that is not UTF-8 is Russian (cp1251) rather than Western European (cp1252).

    Letters in a Western European text are mostly ASCII with a few accented ones (German:
    ~2 %; French, Spanish: ~3-5 %); a Russian text's letters are nearly all above 0x7F.  Both
    code pages decode almost any byte, and a German umlaut decoded as cp1251 is a Cyrillic
    letter too, so counting letters per script cannot tell them apart; this share can.
    """
    ascii_letters = sum(1 for b in data if 65 <= b <= 90 or 97 <= b <= 122)
    cyrillic = sum(1 for ch in data.decode("cp1251", errors="ignore") if "\u0400" <= ch <= "\u04ff")
    return cyrillic > ascii_letters


def _decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM); else cp1252 or cp1251, whichever the letters say."""
    if _looks_binary(data):
        raise DocumentError("binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    order = ("cp1251", "cp1252") if _cyrillic_likely(data) else ("cp1252", "cp1251")
    for enc in (*order, "latin-1"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise DocumentError("cannot decode text")  # pragma: no cover - latin-1 always decodes


def _front_line(line: str) -> tuple[str, str] | None:
    """("tag", "tech") for a line ``tag: tech``; None for any other line.  Linear: no regex."""
    key, colon, value = line.partition(":")
    key, value = key.strip().lower(), value.strip()
    if not colon or key not in _FRONT_KEYS or not value:
        return None
    return key, value


def _markdown_title(body: str) -> str:
    """The text of the first ``# Title`` line (one ``#`` then whitespace)."""
    for line in body.splitlines():
        if len(line) > 1 and line[0] == "#" and line[1].isspace() and line[1:].strip():
            return line[1:].strip()
    return ""


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """Front-matter keys (lower-case) and the text without them."""
    meta: dict[str, str] = {}
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        for i in range(1, min(len(lines), 40)):
            if lines[i].strip() in ("---", "..."):
                for line in lines[1:i]:
                    kv = _front_line(line)
                    if kv:
                        meta[kv[0]] = kv[1].strip("\"'")
                return meta, "\n".join(lines[i + 1 :])
        return meta, text
    # Bare "key: value" lines at the very top, up to the first line that is not one.
    i = 0
    while i < len(lines) and i < 10:
        kv = _front_line(lines[i])
        if not kv:
            break
        meta[kv[0]] = kv[1].strip("\"'")
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


def _load_text(path: Path, limits: ReadLimits = DEFAULT_LIMITS) -> LoadedDocument:
    try:
        if path.stat().st_size > 4 * limits.max_chars:  # UTF-8 takes at most 4 bytes a character
            raise _too_much_text(limits)
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"cannot read: {exc.strerror}") from None
    text = _decode_text(data)
    if len(text) > limits.max_chars:
        raise _too_much_text(limits)
    meta, body = split_front_matter(text)
    kind = "markdown" if path.suffix.lower() in (".md", ".markdown") else "plain"
    title = meta.get("title", "")
    if not title and kind == "markdown":
        title = _markdown_title(body)
    return LoadedDocument(text=body, title=title, tag=_meta_tag(meta), kind=kind)


_SPACE_RUN = re.compile(r"[ \t\u00a0]{2,}")
#: A numbered section or clause: "1. Delivery", "2.1 Installation means ...".
_NUMBERED_START = re.compile(r"\d{1,2}(?:\.\d{1,2})*[.)]?\s+[A-ZА-ЯЁ]")
#: A printed line this long that stops without a sentence's end was wrapped by the page.
_WRAPPED_LINE = 60


def unwrap_lines(text: str) -> str:
    """A PDF page's text with the lines the page wrapped joined again: "Rack conveyor orders
    require a deposit of" / "30% with the order" is one sentence, and read line by line its
    figure is lost.  A line is joined to the next when the next goes on in lower case, or
    when it is a full line that stops mid-sentence and the next goes on with a figure; a
    heading, a table row or a list item (short, or the next line capitalised) stays a line."""
    lines = text.split("\n")
    out: list[str] = []
    for line in lines:
        stripped = line.strip()
        if out and stripped and out[-1].strip():
            prev = out[-1].rstrip()
            ends = prev[-1] in ".!?:;"
            goes_on = stripped[0].islower() or (
                not ends and len(prev) >= _WRAPPED_LINE and (stripped[0].isdigit() or stripped[0] in "€£$(%")
                and not _NUMBERED_START.match(stripped))  # ("1. Delivery", "1.1 Machines in stock ...": a new clause)
            if goes_on and not ends or stripped[0].islower() and prev[-1] in ",;":
                out[-1] = f"{prev} {stripped}"
                continue
        out.append(line)
    return "\n".join(out)


def _load_pdf(path: Path, limits: ReadLimits = DEFAULT_LIMITS) -> LoadedDocument:
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
        pages, chars = [], 0
        for page in reader.pages:
            pages.append(page.extract_text() or "")
            chars += len(pages[-1])
            if chars > limits.max_chars:
                raise _too_much_text(limits)
    except DocumentError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise DocumentError(f"corrupt PDF: {str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__}") from None
    except Exception as exc:  # pypdf raises a zoo of errors on broken files
        raise DocumentError(f"corrupt PDF: {type(exc).__name__}") from None
    # (justified lines come out with runs of spaces, "от  3  000  000  рублей": one space, so
    # a figure with spaced thousands reads as one number)
    text = "\n\n".join(unwrap_lines(_SPACE_RUN.sub(" ", p.strip())) for p in pages if p.strip())
    if not text.strip():
        raise DocumentError("PDF has no extractable text (scanned image?)")
    meta, body = split_front_matter(text)
    title = meta.get("title", "")
    try:
        title = title or str((reader.metadata or {}).get("/Title") or "")
    except Exception:
        pass
    return LoadedDocument(text=body, title=title, tag=_meta_tag(meta), kind="plain")


def _check_unpacked_size(path: Path, limits: ReadLimits) -> None:
    """Refuse a .docx whose XML unpacks to more than the limit, before unpacking anything.

    Parsing XML costs ~50 times its size in memory (20 MB of it grew the service by 1.2 GB),
    so the XML parts are what is counted; pictures and other parts cost their size and are
    bounded by the reader's memory limit.  The sizes are the ones the zip declares; Python's
    zipfile stops reading a member at its declared size, so a zip that lies gains nothing.
    """
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            total = sum(max(0, info.file_size) for info in zf.infolist()
                        if info.filename.lower().endswith((".xml", ".rels")))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DocumentError(f"corrupt DOCX: {type(exc).__name__}") from None
    if total > limits.max_unpacked_bytes:
        raise DocumentError(f"its XML unpacks to {total / 2**20:.0f} MB, over the "
                            f"{limits.max_unpacked_bytes / 2**20:g} MB limit (knowledge.max_unpacked_mb)")


def _docx_style_names(document: Any) -> Callable[[Any], str]:
    """A paragraph's style name, looked up by its style id in a table built once.

    python-docx's ``paragraph.style`` scans every style of the document for each paragraph
    (~2-7 ms each: a 30,000-paragraph file took minutes); the table makes it linear.
    """
    from docx.enum.style import WD_STYLE_TYPE

    names: dict[str, str] = {}
    default = ""
    for style in document.styles:
        if style.type == WD_STYLE_TYPE.PARAGRAPH:
            names[style.style_id] = style.name or ""
            if getattr(style.element, "default", False):  # w:default="1"
                default = style.name or ""

    def name(para: Any) -> str:
        style_id = getattr(para._p, "style", None)  # w:pStyle/@w:val
        return names.get(style_id, default) if style_id else default

    return name


def _load_docx(path: Path, limits: ReadLimits = DEFAULT_LIMITS) -> LoadedDocument:
    import zipfile

    try:
        import docx
    except ImportError:  # pragma: no cover
        raise DocumentError("python-docx is not installed") from None
    _check_unpacked_size(path, limits)
    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise DocumentError(f"corrupt DOCX: {type(exc).__name__}") from None
    except Exception as exc:
        raise DocumentError(f"corrupt DOCX: {type(exc).__name__}") from None
    lines: list[str] = []
    chars = 0
    style_name = _docx_style_names(document)

    def add(line: str) -> None:
        nonlocal chars
        chars += len(line) + 1
        if chars > limits.max_chars:
            raise _too_much_text(limits)
        lines.append(line)

    # Paragraphs and tables in document order; a table as a Markdown table, so the chunker
    # makes each row a passage with its column headers.
    blocks = document.iter_inner_content() if hasattr(document, "iter_inner_content") else document.paragraphs
    for block in blocks:
        if not hasattr(block, "rows"):
            add(_docx_paragraph(block, style_name(block)))
            continue
        rows = [[" ".join(c.text.split()).replace("|", "/") for c in row.cells] for row in block.rows]
        rows = [r for r in rows if any(r)]
        if rows:
            table = ["", "| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
            table += ["| " + " | ".join(r) + " |" for r in rows[1:]]
            for line in table + [""]:
                add(line)
    text = "\n".join(lines)
    if not text.strip():
        raise DocumentError("DOCX has no text")
    meta, body = split_front_matter(text)
    title = meta.get("title", "") or (document.core_properties.title or "")
    return LoadedDocument(text=body, title=title, tag=_meta_tag(meta), kind="markdown")


def _docx_paragraph(para, style: str) -> str:  # noqa: ANN001 - a python-docx Paragraph
    """A paragraph as a Markdown line: Word's heading styles become # headings."""
    text = para.text.strip()
    if not text:
        return ""
    m = re.match(r"Heading\s*(\d)", style)
    if m:
        return "#" * int(m.group(1)) + " " + text
    return "# " + text if style == "Title" else text


def load_document(path: Path, limits: ReadLimits = DEFAULT_LIMITS) -> LoadedDocument:
    """Read one file; DocumentError with a short reason if it is not a usable document.

    Runs in the parsing child (see :mod:`appliance.knowledge.parsing`); tests call it directly.
    """
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return _load_text(path, limits)
    if suffix in PDF_SUFFIXES:
        return _load_pdf(path, limits)
    if suffix in DOCX_SUFFIXES:
        return _load_docx(path, limits)
    raise DocumentError(f"unsupported file type {suffix or '(none)'} (use .md, .txt, .pdf, .docx)")
