"""Cutting a document into retrievable chunks that carry their context and read cleanly.

Order of cuts: an explicit separator line (``<<->>`` by default) always ends a chunk;
headings start a new section (Markdown ``#`` headings; in plain text and PDFs, a short
stand-alone line such as "Opening hours" or "PRICE LIST"), and the heading path is kept
with every chunk, so a chunk about "Specifications" still says which product it is about;
a table row, a dot-leader price-list line ("UTM-50 ........ 18,900 EUR") and a bulleted
price item each become a chunk of their own (a question about one product must find that
product's row, not its neighbour's), a table row with its column headers; the rest of a
section longer than ``chunk_chars`` is split at paragraph, then sentence, then word
boundaries, and short paragraphs are packed together up to ``chunk_chars``.

The chunk text is what the agent reads and may quote to a caller, so layout never reaches
it: dot leaders, table pipes, separators, Markdown emphasis, links, bullets and rules are
turned into plain sentences (:func:`clean_line`).

Everything here runs in time linear in the input (uploads are untrusted): lines are
parsed by hand, and the few regular expressions have no nested or overlapping repeats.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
#: A dot leader: three or more leader characters, optionally spaced (". . ." or "……"), or
#: two between spaces before a figure, where a long name left room for no more
#: ("MG-350 MIG package, with feeder and cooler .. 4,960").
_LEADER = re.compile(r"[.…·_](?:[ \t]?[.…·_]){2,}|(?<=\s)\.\.(?=[ \t]+[€$£]?\d)")
#: A column gap in a plain-text price list: a tab, or three or more spaces.
_GAP = re.compile(r"\t|   +")
_CELL_GAP = re.compile(r"\t|  +")
_LINK = re.compile(r"!?\[([^\[\]\n]*)\]\([^()\n]*\)")
_AUTOLINK = re.compile(r"<((?:https?://|mailto:)[^<>\s]*)>")
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]{0,10}(?:\s[^<>\n]{0,200})?/?>")
_STRONG = re.compile(r"(\*\*|__)([^*_\n]+)\1")
_EM_STAR = re.compile(r"(?<![\w*])\*([^*\s][^*\n]*)\*(?![\w*])")
_EM_UNDER = re.compile(r"(?<![\w_])_([^_\n]+)_(?![\w_])")
_CODE_SPAN = re.compile(r"`([^`\n]*)`")
#: Runs of layout symbols ("=====", "<<->>", "-->", "***", "~~~") that are never words.
_SYMBOL_RUN = re.compile(r"[=*#~^<>|_]{2,}|-{3,}|(?<=\s)[=*#~^<>](?=\s)|[\[\]]")
_SPACES = re.compile(r"[ \t\u00a0]+")
_BULLET_CHARS = "-*+•·▪◦‣–—"
_CURRENCY = re.compile(
    r"[€$£¥₽]\s?\d|\d\s?[€$£¥₽]|\d[\d,.']*\s?(?:eur|euros?|usd|dollars?|gbp|pounds?|chf|francs?|sek|nok|dkk|kr|pln|czk|"
    r"rub|roubles?|rubles?|jpy|yen|cad|aud|inr|rupees?|руб\w*|евро|доллар\w*)\b|\b(?:eur|usd|gbp|chf)\)?:?\s?\d",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Chunk:
    text: str
    #: Heading path, e.g. "UTM-100 > Specifications"; empty for text before any heading.
    heading: str = ""
    #: "text" (prose, packed up to chunk_chars) or "row" (one table or price-list row).
    kind: str = "text"


# -- cleaning ---------------------------------------------------------------------------


def has_currency(text: str) -> bool:
    """True if the text states a price ("18,900 euros", "€ 95", "EUR 1,200")."""
    return bool(_CURRENCY.search(text))


def _strip_bullet(line: str) -> tuple[str, bool]:
    """The line without a list marker ("- ", "* ", "1. ", "a) "), and whether it had one."""
    s = line.lstrip()
    if len(s) > 1 and s[0] in _BULLET_CHARS and s[1] in " \t":
        return s[2:].lstrip(), True
    i = 0
    while i < len(s) and i < 3 and s[i].isdigit():
        i += 1
    if 0 < i < len(s) - 1 and s[i] in ".)" and s[i + 1] in " \t":
        return s[i + 2 :].lstrip(), True
    return s, False


def clean_line(line: str, separator: str = "<<->>") -> str:
    """One line of text as it may be read aloud: no Markdown markup, leaders or symbols."""
    if separator:
        line = line.replace(separator, " ")
    s = line.strip()
    while s.startswith(">"):  # block quotes
        s = s[1:].lstrip()
    if s.startswith("#"):  # a heading marker where headings are not parsed (plain text)
        rest = s.lstrip("#")
        s = rest.lstrip() if not rest or rest[0] in " \t" else s
    s, _ = _strip_bullet(s)
    s = _LINK.sub(r"\1", s)
    s = _AUTOLINK.sub(r"\1", s)
    s = _HTML_TAG.sub(" ", s)
    s = _CODE_SPAN.sub(r"\1", s)
    s = _STRONG.sub(r"\2", s)
    s = _EM_STAR.sub(r"\1", s)
    s = _EM_UNDER.sub(r"\1", s)
    s = _LEADER.sub(": ", s)
    s = _SYMBOL_RUN.sub(" ", s)
    s = s.replace("|", ", ")
    s = _SPACES.sub(" ", s).strip()
    # What the replacements leave at the edges and around colons.
    s = s.replace(" :", ":").replace(" ,", ",").replace("::", ":").replace(":,", ":").replace(",,", ",")
    return s.strip(" ,;:") if s.endswith((",", ";", ":")) and len(s) > 1 else s.strip(" ,")


def _sentence(text: str) -> str:
    """A list item or row as a sentence, so joined lines do not run into each other."""
    text = text.strip()
    if text and text[-1] not in ".!?:;":
        text += "."
    return text


# -- headings ---------------------------------------------------------------------------


def _markdown_heading(line: str) -> tuple[int, str] | None:
    """(level, text) of an ATX heading ("## Prices ##"), parsed by hand in linear time."""
    s = line.lstrip(" ")
    if len(line) - len(s) > 3 or not s.startswith("#"):
        return None
    level = len(s) - len(s.lstrip("#"))
    if level > 6:
        return None
    rest = s[level:]
    if rest and rest[0] not in " \t":
        return None  # "#hashtag" is not a heading
    text = rest.strip()
    stripped = text.rstrip("#")
    if stripped != text and (not stripped or stripped[-1] in " \t"):
        text = stripped.rstrip()  # the optional closing sequence
    text = clean_line(text)
    return (level, text) if text else None


def _plain_heading(line: str, after_break: bool, followed: bool) -> str:
    """The heading text if a line of plain text stands alone as a heading, else "".

    A heading is short, has no sentence punctuation, leader or price, starts with a capital
    or digit, comes after a break (a blank line, the end of a sentence, a heading or a
    row; not in the middle of a wrapped paragraph) and has content right after it.  A
    question on a line of its own with its answer below ("Do you deliver abroad?") is an
    FAQ entry's heading.
    """
    line = line.strip()
    text, numbered = _strip_bullet(line)
    if numbered and line[:1].isdigit() and _ALL_CAPS.fullmatch(text):
        line, numbered = text, False  # "5. BATTERIES, CHARGERS, FUEL": a numbered section's title, not a list item
    if not line or not after_break or not followed or "|" in line or numbered:
        return ""
    if line[-1] == "?" and len(line) <= 150 and (line[0].isupper() or line[0].isdigit()):
        return clean_line(line)
    long_ok = bool(_LEADING_CODE.match(line))  # "ФР-310 — фуговально-рейсмусовый станок, ширина 310 мм"
    core = _ASIDE.sub("", line).strip()  # "ROLLER SHUTTERS (galvanised steel, RAL colour of your choice)"
    if len(core) > (100 if long_ok else 60) or len(core.split()) > (14 if long_ok else 8) or len(line) > 120:
        return ""
    if line[-1] in ".!,;" or _LEADER.search(line):
        return ""
    if not (line[0].isupper() or line[0].isdigit()) or not any(c.isalpha() for c in line):
        return ""
    if _CODE_ALONE.fullmatch(line):
        return clean_line(line)
    if has_currency(line) or _GAP.search(line) or (_LEADING_CODE.match(line) and line[-1].isdigit()):
        return ""  # "AT-8 Tipping trailer 18,750" is a row, not a heading
    if _LABEL_VALUE.search(line):
        return ""  # "Friday: 8:00 to 14:30", "Sunday: closed": a fact, not a section's name
    return clean_line(line.rstrip(":"))


#: A product code on a line of its own ("TD-30", "ВК-150"): a spec sheet's heading.
_CODE_ALONE = re.compile(r"[^\W\d_]{1,6}-?\d[\w./-]*(?:\s+\([^()\n]{1,40}\))?")

#: A line in capitals ("BATTERIES, CHARGERS, FUEL"; an aside in brackets may follow).
_ALL_CAPS = re.compile(r"[^\Wa-zа-яё]*[A-ZА-ЯЁ]{2}[^a-zа-яё(]*(\([^()]*\))?")
_ASIDE = re.compile(r"\([^()\n]*\)")

_NUMBERED = re.compile(r"(\d{1,2})\.[ \t]+(\S.*)")


def _numbered_heading(lines: list[str], i: int) -> str:
    """The title of a numbered section ("4. Cancellations and returns"), known from its
    clauses below ("4.1 An order ..."): a numbered list's item is followed by the next item."""
    found = _NUMBERED.fullmatch(lines[i].strip())
    if not found:
        return ""
    following = next((line.strip() for line in lines[i + 1:] if line.strip()), "")
    if not re.match(rf"{found.group(1)}\.1\b", following):
        return ""
    return _plain_heading(found.group(2), True, True)


def _bold_line(line: str) -> str:
    """The text of a line that is bold and nothing else ("**Can I pay by card?**"), else ""."""
    whole = _STRONG.fullmatch(line)
    return whole.group(2).strip() if whole else ""


#: A spec line: a short label, then its value ("Power: 24.8 hp (18.5 kW)").
_SPEC_LINE = re.compile(r"[^:\n]{1,40}:[ \t]+\S")
#: A label and its value on one line ("Friday: 8:00 to 14:30").
_LABEL_VALUE = re.compile(r"\w:[ \t]+\S")


# -- rows -------------------------------------------------------------------------------


def _table_cells(line: str) -> list[str]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|"):
        s = s[:-1]
    return [c.strip() for c in s.split("|")]


def _is_table_rule(line: str) -> bool:
    """The |---|:---:| line under a Markdown table's header."""
    if "-" not in line:
        return False
    cells = _table_cells(line)
    return all(c and set(c) <= set("-: ") and "-" in c for c in cells)


def _is_table_line(line: str) -> bool:
    s = line.strip()
    return s.count("|") >= 1 and (s.startswith("|") or s.count("|") >= 2)


#: "Price (GBP, excl. VAT)": the currency leads a longer note in brackets.
_CURRENCY_IN_HEADER = re.compile(r"(.*?)\s*[(\[]\s*(€|£|\$|₽|eur|euros?|gbp|usd|chf|руб\.?)(?![\w.])[^()\[\]]{0,30}[)\]]\s*$",
                                 re.IGNORECASE)
_UNIT_IN_HEADER = re.compile(r"(.*?)\s*[(\[]\s*([^()\[\]]{1,12})\s*[)\]]\s*$")
#: "Масса, кг", "Цена, руб.", "Производительность, л/мин": the unit after a comma, as
#: Russian (and other) tables write it.
_UNIT_AFTER_COMMA = re.compile(r"(.*?[^\W\d_].*?),\s*([^\W\d_][^\s,]{0,7}(?:/[^\W\d_]{1,4})?\.?)\s*$")
_CURRENCY_NAMES = {"€": "euros", "eur": "euros", "euro": "euros", "euros": "euros", "$": "dollars", "usd": "dollars",
                   "рублях": "рублей", "руб.": "рублей", "руб": "рублей", "₽": "рублей", "долларах": "долларов",
                   "£": "pounds", "gbp": "pounds", "chf": "Swiss francs"}


def _render_row(cells: list[str], header: list[str], currency: str = "") -> str:
    """"UTM-50: capacity 50 kN, price 18,900 euros." from a row and its column headers; a
    unit in a header ("Price (EUR)", "Weight [kg]") goes after the figure, as it is said."""
    cells = [clean_line(c) for c in cells]
    header = [clean_line(h) for h in header]
    pairs = [(header[k] if k < len(header) else "", c) for k, c in enumerate(cells)]
    pairs = [(h, c) for h, c in pairs if c]
    if not pairs:
        return ""
    first = pairs[0][1]
    rest = []
    for h, c in pairs[1:]:
        unit = ""
        m = _CURRENCY_IN_HEADER.match(h) or _UNIT_IN_HEADER.match(h) or _UNIT_AFTER_COMMA.match(h)
        if m and m.group(1) and c[:1].isdigit():
            h, unit = m.group(1), _CURRENCY_NAMES.get(m.group(2).lower(), m.group(2))
        elif currency and _PRICE_HEADER.search(h) and c[:1].isdigit() and not has_currency(c):
            unit = currency
        if unit and not c.lower().endswith(unit.lower()):
            c = f"{c} {unit}"
        if h and h.lower() != c.lower():
            label = h[0].lower() + h[1:] if len(h) > 1 and h[1:2].islower() else h
            rest.append(f"{label} {c}")
        else:
            rest.append(c)
    return _sentence(f"{first}: {', '.join(rest)}" if rest else first)


_PRICE_HEADER = re.compile(r"\b(price|cost|fee|rate|tariff)s?\b", re.IGNORECASE)
#: A column of prices in a price list laid out with spaces ("Buy   Rent/month*   Hire/week**"):
#: its figures are said with the list's currency.
_PRICE_COLUMN = re.compile(r"\b(price|cost|fee|rate|tariff|buy|sale|sell|hire|rent|rental|lease|supply|fitted|"
                           r"installed)s?\b|\bper (day|week|month|year)\b|/(day|week|month|year)\b", re.IGNORECASE)
#: A price list's word in a figure's place: "Delivery within Munster ...... free" is a row
#: (its value a word), not a column header over the rows below.
_WORD_VALUE = re.compile(r"(?i:free|free of charge|no charge|quoted|included|incl\.?|poa|p\.o\.a\.?|on request|"
                         r"on application|price on application|n/a|tbc|tba|none|бесплатно|по запросу|включено)")
#: An empty cell of a price list ("-", "–"): nothing is said for it.
_EMPTY_CELL = re.compile(r"[-–—]+|n/a|")
#: "POA", said in words.
_POA = re.compile(r"(?i:p\.?o\.?a\.?)")


def _leader_row(line: str, gaps: bool = True) -> tuple[str, str] | None:
    """(name, value) of a price-list line with a dot leader ("UTM-50 ..... 18,900 EUR") or,
    with ``gaps``, a column gap before a figure ("UTM-50      18,900"), else None."""
    s, _ = _strip_bullet(line)
    m = _LEADER.search(s)
    if m is None:
        m = _GAP.search(s) if gaps else None
        if m is None or len(s) - m.end() > 60 or not any(ch.isdigit() for ch in s[m.end() :]):
            return None
    name, value = s[: m.start()].strip(), s[m.end() :].strip()
    if not name or not value or not any(ch.isalnum() for ch in name) or len(name) > 100:
        return None
    return name, value


def _row_of(lines: list[str], i: int) -> tuple[str, str] | None:
    """A leader row; a column-gap row only next to another row (a wide gap in one line of
    prose, as PDF text has, is not a table)."""
    row = _leader_row(lines[i], gaps=False)
    if row is not None:
        return row
    near = [j for j in (i - 1, i + 1) if 0 <= j < len(lines) and lines[j].strip()]
    row = _leader_row(lines[i])
    if row is None:
        # "Model        Price" over gap rows: their column header.
        # ("1. ZERO-TURN MOWERS      Buy    Hire/day    Hire/week": a numbered section's
        # title with the column header beside it)
        s = _strip_bullet(lines[i])[0].strip()
        nxt = i + 1 < len(lines) and _leader_row(lines[i + 1]) is not None
        gap = _GAP.search(s) if nxt and not any(ch.isdigit() for ch in s) else None
        if gap is None:
            return None
        return s[: gap.start()].strip(), s[gap.end() :].strip()
    return row if any(_leader_row(lines[j]) is not None for j in near) else None


#: (lazy name: the figure is the longest number at the end, "ВК-150 685 000" is 685 000)
_FIGURE_ROW = re.compile(r"(.*?[^\s,;:])\s+((?:[€$£]\s?)?(?:\d{1,3}(?:[ \u00a0]\d{3})+(?:[.,]\d+)?|\d[\d,.']*)"
                         r"(?:\s?(?:eur|euros?|usd|gbp|chf|€|\$|£|₽))?)", re.IGNORECASE)
_LEADING_CODE = re.compile(r"[^\W\d_]{1,6}-?\d")  # "AT-8", "ВК-150"


def _figure_row(line: str) -> tuple[str, str] | None:
    """(name, figure) of a line that ends in a figure with no leader ("AT-8 Tipping trailer,
    8 t 18,750", as PDF text gives a table row), else None.  Only runs of them are rows."""
    s = line.strip()
    if not s or len(s) > 120 or s[-1] in ".!?:;" or _LEADER.search(s):
        return None  # (a dot leader's line is a leader row: its figure may have spaces, "1 120 000")
    m = _FIGURE_ROW.fullmatch(s)
    if m is None or not any(c.isalpha() for c in m.group(1)):
        return None
    return m.group(1).strip(), m.group(2).strip()


_HEADER_SEGMENT = re.compile(r"[A-ZА-ЯЁ][^A-ZА-ЯЁ(]*(?:\([^)]*\)[^A-ZА-ЯЁ(]*)*")


def _peel_figures(name: str, figure: str) -> tuple[str, list[str]]:
    """A flattened row's name and all its figures: "WC-8 compact washer £85" with "£64" ->
    ("WC-8 compact washer", ["£85", "£64"])."""
    figures = [figure]
    while True:
        m = _FIGURE_ROW.fullmatch(name)
        if m is None or not any(c.isalpha() for c in m.group(1)):
            return name, figures
        name, figures = m.group(1).strip(), [m.group(2).strip(), *figures]


def _header_labels(header: str, count: int) -> list[str]:
    """The labels of ``count`` figure columns from a flattened header line over them ("Machine
    Per week Per month (28 days)": a column starts at each capitalised word, the first is
    the name's); [] when the line is no such header."""
    if not header or header[-1] in ".!?:;" or any(c.isdigit() for c in re.sub(r"\([^)]*\)", "", header)):
        return []
    segments = [seg.strip() for seg in _HEADER_SEGMENT.findall(header) if seg.strip()]
    if len(segments) != count + 1:
        return []
    return [seg[0].lower() + seg[1:] if seg[1:2].islower() else seg for seg in segments[1:]]


#: The most lines a table's header cells take when the text extraction puts each on its own.
_MAX_HEADER_LINES = 4


def _join_stacked_headers(lines: list[str]) -> list[str]:
    """The lines with a table header whose cells the PDF's text extraction put one per line
    ("Machine" / "Rental per month (minimum 3 months)" / "Lease per month (5 years)" over
    "WC-8 compact washer £85 £64") joined into one header line, which then labels each row's
    figures ("rental per month (minimum 3 months) £85") and is no section heading."""
    figures = _figure_rows(lines)
    out = list(lines)
    for i in sorted((i for i in figures if i - 1 not in figures), reverse=True):
        count = len(_peel_figures(*figures[i])[1])
        if count < 2:
            continue
        for m in range(_MAX_HEADER_LINES, 1, -1):
            cells = [ln.strip() for ln in out[max(0, i - m):i]]
            if len(cells) == m and all(cells) and _header_labels(" ".join(cells), count) \
                    and not any(_LEADER.search(c) or len(c) > 60 for c in cells):
                out[i - m:i] = [" ".join(cells)]
                break
    return out


def _header_columns(header: str, row: tuple[str, str]) -> int:
    """How many figure columns of a flattened ``row`` the ``header`` line above it labels:
    all of them when it is their header ("Machine Per week Per month"), else 0."""
    count = len(_peel_figures(*row)[1])
    return count if _header_labels(header.strip(), count) else 0


def _figure_columns(name: str, figure: str, header: str) -> tuple[str, str] | None:
    """A flattened row with several figure columns, as (name, "per week £240, per month
    £720"): its figures peeled off the end of ``name`` and labelled from the column
    ``header`` line above the rows ("Machine Per week Per month (28 days)": a column starts
    at each capitalised word).  None when it has one figure, or the figures cannot be told
    apart from the name (no currency on each, and no header with a label for each)."""
    name, figures = _peel_figures(name, figure)
    if len(figures) < 2:
        return None
    labels = _header_labels(header, len(figures))
    if not labels:
        if not all(has_currency(f) for f in figures):
            return None
        labels = [""] * len(figures)
    return name, ", ".join(f"{label} {f}".strip() for label, f in zip(labels, figures))


def _figure_rows(lines: list[str]) -> dict[int, tuple[str, str]]:
    """Line index -> (name, figure) for runs of two or more figure rows, half of them at
    least led by a product code (a table the text extraction flattened), or all priced
    ("Kerbside delivery 95 euros")."""
    rows: dict[int, tuple[str, str]] = {}
    i, n = 0, len(lines)
    while i < n:
        j = i
        run: list[tuple[int, tuple[str, str]]] = []
        while j < n:
            row = _figure_row(lines[j])
            if row is None:
                break
            run.append((j, row))
            j += 1
        coded = sum(bool(_LEADING_CODE.match(r[0])) for _, r in run)
        if len(run) >= 2 and (2 * coded >= len(run) or all(has_currency(r[1]) for _, r in run)):
            rows.update(run)
        i = max(j, i + 1)
    return rows


#: More columns than a price list has: a header line of that many is no header.
_MAX_COLUMNS = 10


def _gap_labels(line: str) -> tuple[list[str], bool] | None:
    """The column labels of a header line whose columns are set apart by spaces ("Buy
    Rent/month*   Hire/week**"), and whether it labels the name's column too (it starts at
    the line's start; an indented header sits over the figure columns only); None for any
    other line."""
    stripped = line.strip()
    if not stripped or stripped[-1] in ".!?:;" or any(ch.isdigit() for ch in stripped) or _LEADER.search(stripped):
        return None
    labels = [c.strip() for c in _GAP.split(stripped) if c.strip()]
    if not 2 <= len(labels) <= _MAX_COLUMNS or not all(lb[:1].isupper() and len(lb) <= 30 for lb in labels):
        return None
    return labels, not line[:1].isspace()


def _gap_cells(line: str, columns: int) -> list[str] | None:
    """A row of a space-aligned price list as its cells, the name first (its code and
    description joined) and then one cell per figure column; None when the line is no such
    row (too few cells, a figure column holding words, a dot leader)."""
    stripped = line.strip()
    if not stripped or _LEADER.search(stripped):
        return None
    # (two spaces set columns apart in a row typed by hand: "QG-400D  400 mm, softener  2,690")
    cells = [c.strip() for c in _CELL_GAP.split(stripped) if c.strip()]
    if len(cells) <= columns:
        return None
    name, values = " ".join(cells[:-columns]), cells[-columns:]
    if not any(ch.isalpha() for ch in name):
        return None
    if not all(any(ch.isdigit() for ch in v) or _EMPTY_CELL.fullmatch(v) or _WORD_VALUE.fullmatch(v)
               for v in values) or not any(any(ch.isdigit() for ch in v) for v in values):
        return None
    return [name, *values]


def _gap_row(cells: list[str], labels: list[str], currency: str) -> str:
    """"QG-400 400 mm basket: buy 2,350 euros, rent per month 72 euros, hire per week 55
    euros." from a space-aligned row under its header; an empty cell is not said, "POA" is."""
    said = []
    for label, cell in zip(labels, cells[1:]):
        if _EMPTY_CELL.fullmatch(cell):
            continue
        unit = currency or _named_currency(label)
        label = _said_label(label)
        cell = "price on application" if _POA.fullmatch(cell) else clean_line(cell)
        if unit and (_PRICE_COLUMN.search(label) or not label) and cell[:1].isdigit():
            cell = _priced(cell, unit)
        said.append(f"{label} {cell}".strip())
    return _sentence(f"{clean_line(cells[0])}: {', '.join(said)}") if said else ""


def _product_columns(header: list[str], rows: list[list[str]]) -> list[list[str]]:
    """The cells under each product of a header that names products in its columns (two or
    more cells led by a code, "CG-20", "ВК-150"), one list per column; [] for other tables."""
    codes = [bool(_LEADING_CODE.match(clean_line(h))) for h in header[1:]]
    if sum(codes) < 2 or 2 * sum(codes) < len(codes) or not rows:
        return []
    return [[r[k] if k < len(r) else "" for r in rows] for k in range(1, len(header))]


def _is_column_header(line: str) -> bool:
    """"Model Description Price" over a flattened table: capitalised words, no figures."""
    words = line.split()
    return len(words) >= 2 and not any(c.isdigit() for c in line) and all(w[0].isupper() for w in words) \
        and line[-1] not in ".!?:;"


_BARE_CURRENCY = re.compile(r"(?i:eur|euros?|€|gbp|£|usd|\$|chf|rub|руб\.?|рублей)")


def _lower_first(text: str) -> str:
    """"Weight" -> "weight" to go after a name or label; "W x D x H" and "CE" stay as they are."""
    return text[0].lower() + text[1:] if text[1:2].islower() else text


def _column_label(header: str) -> str:
    """"Price (EUR)" -> "price (EUR)"; "Model Description Price" (a flattened header) -> "price";
    "Code    Description    Fits    EUR" (columns set apart by spaces) -> "EUR", its last column."""
    if "|" not in header and _GAP.search(header.strip()):
        header = _GAP.split(header.strip())[-1]
    label = clean_line(header)
    if "|" not in header and len(label.split()) > 1:
        label = label.split()[-1]
    if _BARE_CURRENCY.fullmatch(label):
        return ""  # the list's currency, said with each price (from its note, "All prices in euros")
    return _lower_first(label)


# -- sections ---------------------------------------------------------------------------


_CURRENCY_NOTE = re.compile(
    r"\bprices?\b[^.\n]{0,40}?\b(?:in|:)\s*(euros?|eur|€|(?:us )?dollars|usd|\$|pounds(?: sterling)?|gbp|£|"
    r"swiss francs|chf)(?![\w])"
    r"|(?<![а-яё])цены?(?![а-яё])[^.\n]{0,40}?(?<![а-яё])в\s+(рублях|евро|долларах)(?![а-яё])", re.IGNORECASE)


def _priced(row: str, currency: str) -> str:
    """A price-list row with the currency its list states once at the top ("All prices in
    euros") when the row itself has none: a row read alone must not lose it."""
    return f"{row} {currency}" if currency and not has_currency(row) else row


_PER_SLASH = re.compile(r"(?<=[^\W\d_])/(?=[^\W\d_])")  # "Hire/day"


def _said_label(label: str) -> str:
    """A column's label as said before each row's figure: "Hire/week**" -> "hire per week";
    a bare currency ("EUR") is no label (the list's currency is said with each price)."""
    label = _PER_SLASH.sub(" per ", clean_line(label.rstrip("*† ")))
    return "" if not label or _BARE_CURRENCY.fullmatch(label) else _lower_first(label)


def _named_currency(label: str) -> str:
    """"EUR" when a column's label is a bare currency (said after its figures when the list
    states no currency of its own), else ""."""
    label = clean_line(label.rstrip("*† "))
    return label if _BARE_CURRENCY.fullmatch(label) else ""


def _leader_values(value: str, header: tuple[str, str] | None, currency: str = "") -> str:
    """A leader row's several figures ("£4,980 ........ £6,270"), each with its column's
    label from the header above ("Supply only      Fitted"): "supply only £4,980, fitted
    £6,270"; "" when the row has one figure."""
    values = [v.strip() for part in _LEADER.split(value) if part for v in _GAP.split(part.strip()) if v.strip()]
    if len(values) < 2 or not all(any(c.isdigit() for c in v) or not any(c.isalnum() for c in v) for v in values) \
            or sum(any(c.isdigit() for c in v) for v in values) < 2 and len(values) < 3:
        return ""  # (one figure, or words: not a row of figure columns; "-" is an empty cell)
    labels: list[str] = []
    if header is not None:
        labels = [c.strip() for part in header for c in _LEADER.split(part) for c in _GAP.split(c or "") if c and c.strip()]
        if len(labels) == len(values) + 1:
            labels = labels[1:]  # (the first is the name's column: "Model")
    if len(labels) != len(values):
        labels = [""] * len(values)
    said = [f"{_said_label(label)} {_priced(clean_line(v), currency or _named_currency(label))}".strip()
            for label, v in zip(labels, values) if any(c.isdigit() for c in v)]  # (an empty cell is not said)
    return ", ".join(s.strip() for s in said)


def _of_product(name: str, heading: str) -> str:
    """A spec row's label with the product its heading names ("Weight" under "TD-30" ->
    "TD-30 weight"): a row said or checked alone must not lose whose figure it is."""
    code = _CODE_ALONE.fullmatch(heading)
    if code is None or not name:
        return name
    product = heading.split()[0]
    if product.lower() in name.lower():
        return name
    return f"{product} {_lower_first(name)}"


_OTHER_CODE = re.compile(r"\b[^\W\d_]{1,6}-\d")


def _spec_of_product(line: str, heading: str) -> str:
    """A spec list's line under a product's heading, with that product named ("Steam boiler:
    6 litres" under "HS-1 Classic one-group" -> "HS-1 steam boiler: 6 litres"): said or
    checked alone, a figure must not lose whose it is."""
    code = _LEADING_CODE.match(heading)
    if code is None or len(heading.split()) > 6 or not any(c.isdigit() for c in line) or _LEADING_CODE.match(line):
        return line
    product = heading.split()[0].rstrip(".:,")
    if product.lower() in line.lower() or _OTHER_CODE.search(line):
        return line  # (a line naming other products, "One WX-18 keeps a TD-23 busy", is about them)
    if line[0].isdigit():
        return f"{product}: {line}"  # "BC-15: 5 trays", not "BC-15 5 trays"
    return f"{product} {_lower_first(line)}"


def _units(body: list[str], separator: str, state: dict[str, str]) -> Iterator[tuple[str, str]]:
    """("text" | "row", text) in order: rows one by one, prose paragraph by paragraph.
    ``state["currency"]`` carries a price list's currency note to the rows after it."""
    para: list[str] = []

    def flush() -> Iterator[tuple[str, str]]:
        lines = [ln for ln in para if ln]
        para.clear()
        if lines:
            yield "text", "\n".join(lines)

    i, n = 0, len(body)
    leader_header: tuple[str, str] | None = None
    figures = _figure_rows(body)
    while i < n:
        raw = body[i]
        stripped = raw.strip()
        if not stripped or stripped.startswith("```"):
            yield from flush()
            i += 1
            continue
        gap_header = _gap_labels(raw) if i + 1 < n else None
        if gap_header is not None:
            labels = gap_header[0][1:] if gap_header[1] else gap_header[0]
            if _gap_cells(body[i + 1], len(labels)) is not None:
                # "Buy  Rent/month*  Hire/week**" over "QG-400  400 mm basket  2,350  72  55":
                # each row said with its columns' labels, empty cells left out.
                yield from flush()
                i += 1
                while i < n and (cells := _gap_cells(body[i], len(labels))) is not None:
                    row = _gap_row(cells, labels, state.get("currency", ""))
                    if row:
                        yield "row", row
                    i += 1
                continue
        if i in figures or (i + 1 in figures and _is_column_header(stripped)):
            # A flattened table: "Model Description Price" then "AT-8 Tipping trailer 18,750".
            if i in figures and i and para and para[-1] == clean_line(body[i - 1], separator) \
                    and _header_columns(body[i - 1], figures[i]):
                para.pop()  # (its header labels the rows' figures: it is no sentence of the text)
            yield from flush()
            label = ""
            header_line = (body[i - 1].strip() if i else state.get("heading", "")) if i in figures else stripped
            if i not in figures:
                label = _column_label(stripped)
                i += 1
            while i in figures:
                name, value = figures[i]
                split = _figure_columns(name, value, header_line)
                if split:
                    # "CG-45 generator £240 £720" under "Machine Per week Per month (28 days)"
                    yield "row", _sentence(f"{clean_line(split[0])}: {split[1]}")
                    i += 1
                    continue
                value = _priced(clean_line(value), "" if has_currency(label) else state.get("currency", ""))
                yield "row", _sentence(f"{clean_line(name)}: {label + ' ' if label else ''}{value}")
                i += 1
            continue
        # A Markdown (or pipe-delimited) table: every row its own chunk, with the header.
        if _is_table_line(raw) and i + 1 < n and (_is_table_rule(body[i + 1]) or _is_table_line(body[i + 1])):
            yield from flush()
            header = _table_cells(raw)
            i += 2 if _is_table_rule(body[i + 1]) else 1
            rows: list[list[str]] = []
            while i < n and _is_table_line(body[i]):
                if not _is_table_rule(body[i]):
                    rows.append(_table_cells(body[i]))
                    row = _render_row(rows[-1], header, state.get("currency", ""))
                    if row:
                        yield "row", row
                i += 1
            # A table with a product in each column ("| | CG-20 | CG-30 |" over "| Weight |
            # 980 kg | 1,240 kg |"): each product's column is a row of its own too, so a
            # question about one product finds everything about it in one chunk.
            for k, column in enumerate(_product_columns(header, rows), start=1):
                row = _render_row([header[k]] + column, [header[0]] + [r[0] for r in rows], state.get("currency", ""))
                if row:
                    yield "row", row
            continue
        leader = _row_of(body, i)
        if leader is not None:
            name, value = leader
            if not any(ch.isdigit() for ch in value) and not has_currency(value) and not _WORD_VALUE.fullmatch(value):
                # "Product ........ Price (EUR)": a column header for the rows below.
                yield from flush()
                leader_header = leader
                i += 1
                continue
            yield from flush()
            columns = _leader_values(value, leader_header, state.get("currency", ""))
            if columns:
                # "DL-25 leveller ..... £4,980 ..... £6,270" under "Supply only   Fitted"
                yield "row", _sentence(f"{_of_product(clean_line(name), state.get('heading', ''))}: {columns}")
                i += 1
                continue
            label = _column_label(leader_header[1]) if leader_header is not None else ""
            value = clean_line(value) if _WORD_VALUE.fullmatch(value) else _priced(
                clean_line(value), "" if has_currency(label) else state.get("currency", ""))  # ("free", not "free euros")
            yield "row", _sentence(f"{_of_product(clean_line(name), state.get('heading', ''))}: "
                                   f"{label + ' ' if label else ''}{value}")
            i += 1
            continue
        text, bullet = _strip_bullet(raw)
        if bullet and has_currency(text):
            # A bulleted price list: each priced item is a row of its own.
            yield from flush()
            yield "row", _sentence(_spec_of_product(clean_line(text, separator), state.get("heading", "")))
            i += 1
            continue
        line = clean_line(raw, separator)
        if bullet or len(line) <= 120 and _SPEC_LINE.match(line):
            # ("Power: 24.8 hp (18.5 kW)" under "MODEL: CT-230" is the CT-230's power)
            line = _spec_of_product(line, state.get("heading", ""))
        note = _CURRENCY_NOTE.search(line)
        if note:
            found = (note.group(1) or note.group(2)).lower()
            state["currency"] = _CURRENCY_NAMES.get(found, found)
        para.append(_sentence(line) if bullet else line)
        i += 1
    yield from flush()


def _split_long(text: str, limit: int) -> list[str]:
    """Pieces of at most ~limit chars, cut at paragraph, sentence, then word boundaries."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    for para in (p.strip() for p in text.split("\n\n")):
        if not para:
            continue
        if len(para) <= limit:
            pieces.append(para)
            continue
        for sent in _SENTENCE_END.split(para):
            while len(sent) > limit:
                cut = sent.rfind(" ", 0, limit)
                cut = cut if cut > limit // 2 else limit
                pieces.append(sent[:cut].strip())
                sent = sent[cut:].strip()
            if sent:
                pieces.append(sent)
    out: list[str] = []
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


#: A product's own section sits below any Markdown heading but an FAQ question's.
PRODUCT_LEVEL = 5
#: "**HS-1 Classic one-group.** For kiosks ...": a bold lead-in naming a product.
_BOLD_PRODUCT = re.compile(r"(\*\*|__)\s*([^*_\n]{2,80}?)\s*\1\s*(.*)")


#: "MODEL: CT-230", "Model - HT-60B (battery)", "Модель: ВК-150": a spec sheet's product line.
_MODEL_LABEL = re.compile(r"(?i:model|product|модель|изделие)\s*[:#–—-]\s*(\S.{0,80})")


def _product_heading(lines: list[str], i: int) -> tuple[str, str] | None:
    """(the product heading, the rest of the line) of a line that opens a product's own
    section, else None: a paragraph led by a bold product name ("**HS-1 Classic one-group.**
    For kiosks ..."), or a short line led by a product code and ending in a colon, over a
    list ("HF-2 Forge two-group:" / "- Groups: 2")."""
    stripped = lines[i].strip()
    labelled = _MODEL_LABEL.fullmatch(stripped)
    if labelled and _LEADING_CODE.match(labelled.group(1)) and len(labelled.group(1).split()) <= 8:
        return clean_line(labelled.group(1)), ""  # "MODEL: CT-230" over its "Power: 24.8 hp" lines
    bold = _BOLD_PRODUCT.fullmatch(stripped)
    if bold and _LEADING_CODE.match(bold.group(2)) and len(bold.group(2).split()) <= 6:
        # (its sentence keeps the name: "HS-1 Classic one-group. For kiosks ...")
        return clean_line(bold.group(2).rstrip(".:")), clean_line(stripped) if bold.group(3).strip() else ""
    if stripped.endswith(":") and _LEADING_CODE.match(stripped) and len(stripped.split()) <= 6 \
            and not _LABEL_VALUE.search(stripped) and i + 1 < len(lines) and _strip_bullet(lines[i + 1])[1]:
        return clean_line(stripped.rstrip(":")), ""
    return None


class _Outline:
    """The heading path as a document is read, across separator blocks."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.path: list[tuple[int, str]] = []
        self.seen_text = False  # any content yet (a plain document's first heading is its title)

    @property
    def heading(self) -> str:
        return " > ".join(t for _, t in self.path)

    def sections(self, block: str) -> list[tuple[str, list[str]]]:
        """(heading path, body lines) of a block, in order; the first continues the last."""
        out: list[tuple[str, list[str]]] = []
        body: list[str] = []
        heading = self.heading
        lines = block.split("\n")
        if self.kind != "markdown":
            lines = _join_stacked_headers(lines)
        figures = _figure_rows(lines) if self.kind != "markdown" else {}
        in_code = False
        after_break = True
        for i, line in enumerate(lines):
            stripped = line.strip()
            if stripped.startswith("```"):
                in_code = not in_code
            found: tuple[int, str] | None = None
            carried: list[str] = []  # the heading line's own text, opening its section's body
            if not in_code and stripped and (product := _product_heading(lines, i)):
                # "**HS-1 Classic one-group.** For kiosks ..." or "HF-2 Forge two-group:" over
                # its spec list: the product's own section, under its range's heading.
                found = (PRODUCT_LEVEL, product[0])
                carried = [product[1]] if product[1] else []  # (the lead-in's sentence stays as text)
            elif not in_code and stripped:
                if self.kind == "markdown":
                    found = _markdown_heading(line)
                    if found is None and (bold := _bold_line(stripped)):
                        # "**Do you deliver abroad?**" over its answer: Markdown written
                        # without heading marks, its bold lines standing for them.
                        followed = any(lines[j].strip() for j in range(i + 1, min(len(lines), i + 3)))
                        text = _plain_heading(bold, after_break, followed)
                        found = (6, text) if text else None
                elif not (i + 1 in figures and (_is_column_header(stripped)
                                                 or i not in figures and _header_columns(stripped, figures[i + 1]) >= 2)):
                    followed = any(lines[j].strip() for j in range(i + 1, min(len(lines), i + 3)))
                    text = _plain_heading(line, after_break, followed) or _numbered_heading(lines, i)
                    # A document's first heading is its title; an FAQ question never has sub-headings.
                    # A product code's specs sit under the section naming its range.
                    level = 6 if stripped.endswith("?") else 1 if not (self.seen_text or self.path) \
                        else 3 if _CODE_ALONE.fullmatch(stripped) else 2
                    found = (level, text) if text else None
            if found is None:
                body.append(line)
                if stripped:
                    self.seen_text = True
                after_break = (not stripped or stripped[-1] in ".!?:" or not any(c.isalnum() for c in stripped)
                               or _leader_row(line, gaps=False) is not None
                               or _strip_bullet(line)[1] or _GAP.search(stripped) is not None
                               or _figure_row(stripped) is not None)
                continue
            out.append((heading, body))
            body = carried
            level, text = found
            while self.path and self.path[-1][0] >= level:
                self.path.pop()
            self.path.append((level, text))
            heading = self.heading
            after_break = True
        out.append((heading, body))
        return out


def chunk_text(text: str, *, kind: str = "markdown", chunk_chars: int = 800, separator: str = "<<->>") -> list[Chunk]:
    """The document's chunks, in order; empty text gives no chunks."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks: list[str] = []
    current: list[str] = []
    for line in text.split("\n"):
        if separator and line.strip() == separator:
            blocks.append("\n".join(current))
            current = []
        else:
            current.append(line)
    blocks.append("\n".join(current))

    chunks: list[Chunk] = []
    outline = _Outline(kind)
    state: dict[str, str] = {}
    for block in blocks:
        if not block.strip():
            continue
        for heading, body in outline.sections(block):
            # Under a section heading, paragraphs are packed together (they share its topic);
            # with no heading below the title, a paragraph is the only topic there is
            # ("Opening hours: ..." must not be diluted by the company's history).
            packed = " > " in heading
            prose: list[str] = []

            def flush() -> list[Chunk]:
                groups = (["\n\n".join(prose)] if packed else list(prose)) if prose else []
                prose.clear()
                # (a document's title line, under the same title, says nothing of its own)
                return [Chunk(p, heading) for g in groups for p in _split_long(g, chunk_chars)
                        if p.strip() and p.strip() != heading.rsplit(" > ", 1)[-1]]

            state["heading"] = heading.rsplit(" > ", 1)[-1]  # (a flattened table's column header may be one)
            for unit, content in _units(body, separator, state):
                if unit == "row":
                    chunks += flush()
                    chunks += [Chunk(p, heading, "row") for p in _split_long(content, chunk_chars)]
                else:
                    prose.append(content)
            chunks += flush()
    return chunks
