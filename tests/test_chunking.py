"""Chunking: linear time on hostile input, rows as chunks with their headers, no layout in text."""

from __future__ import annotations

import re
import time

import pytest

from appliance.knowledge.chunking import chunk_text, clean_line
from appliance.knowledge.loaders import load_document

#: What must never reach a passage's text (it is read aloud and quoted).
LAYOUT = re.compile(r"\.{3,}|…|\||<<->>|\*\*|__|`|^#|\[|\]\(|^>|^\s*[-*+•]\s|-{3,}|={2,}", re.MULTILINE)


def _texts(chunks):
    return [c.text for c in chunks]


def _rows(text, kind="plain"):
    """Each row chunk's text -> its heading path."""
    return {c.text: c.heading for c in chunk_text(text, kind=kind) if c.kind == "row"}


# -- complexity guard (issue 12 item 2) --------------------------------------------------


@pytest.mark.parametrize("kind", ["markdown", "plain"])
@pytest.mark.parametrize("hostile", [
    "# a" + " " * 100_000 + "x",  # backtracked in cubic time in the old heading regex
    "# a" + " " * 100_000 + "#" * 50_000 + " x",
    "." * 100_000,
    ". " * 50_000,
    "[" * 100_000 + "](" * 10_000,
    "*" * 50_000 + "a" + "*" * 50_000,
    "_ " * 50_000,
    "| " * 50_000 + "\n|---|\n" + "| a " * 20_000,
    "x" + " " * 100_000 + "1\n" + "y" + " " * 100_000 + "2",
    "<a " * 40_000,
    ("A" + "\n" * 3) * 20_000,
    ("Buy   " * 20_000 + "\n" + "QG-1  " + "1  " * 20_000 + "\n") * 3,  # a space-aligned price list
])
def test_hostile_text_is_chunked_in_linear_time(hostile, kind):
    # A complexity guard, not a latency target: the old regex took hours on the first input;
    # linear work on 100 kB is a few hundredths of a second, so the bound is generous.
    t0 = time.monotonic()
    chunks = chunk_text(hostile, kind=kind)
    assert time.monotonic() - t0 < 2.0
    assert all(not LAYOUT.search(c.text) for c in chunks)


def test_spaced_heading_keeps_its_words():
    chunks = chunk_text("# a" + " " * 100_000 + "x\n\nbody")
    assert chunks == [chunks[0]] and chunks[0].heading == "a x" and chunks[0].text == "body"


# -- structure ----------------------------------------------------------------------------


def test_headings_carry_across_separators_and_sections():
    text = "# Prod\nintro\n\n## Specs\n- 50 kN\n<<->>\nafter separator\n\n## Price\n" + "word " * 400
    chunks = chunk_text(text, kind="markdown", chunk_chars=300, separator="<<->>")
    assert (chunks[0].heading, chunks[0].text) == ("Prod", "intro")
    assert (chunks[1].heading, chunks[1].text) == ("Prod > Specs", "50 kN.")
    assert (chunks[2].heading, chunks[2].text) == ("Prod > Specs", "after separator")
    price = [c for c in chunks if c.heading == "Prod > Price"]
    assert len(price) >= 6 and all(len(c.text) <= 300 for c in price)


def test_dot_leader_price_list_rows_are_chunks_with_their_heading_and_currency():
    text = ("KESTREL PRICE LIST 2025\nAll prices in euros including VAT.\n\nMowers\n"
            "KM-40 push mower .................. 329\nKM-46S self-propelled mower ....... 549\n\n"
            "Tillers\nRT-300 rotary tiller . . . . . . . 799\n"
            # (a long name leaves room for two dots only)
            "RT-500 rotary tiller with reverse gear and 50 cm tines .. 1,240\n")
    chunks = chunk_text(text, kind="plain")
    rows = [c for c in chunks if c.kind == "row"]
    assert [(c.heading, c.text) for c in rows] == [
        ("KESTREL PRICE LIST 2025 > Mowers", "KM-40 push mower: 329 euros."),
        ("KESTREL PRICE LIST 2025 > Mowers", "KM-46S self-propelled mower: 549 euros."),
        ("KESTREL PRICE LIST 2025 > Tillers", "RT-300 rotary tiller: 799 euros."),
        ("KESTREL PRICE LIST 2025 > Tillers", "RT-500 rotary tiller with reverse gear and 50 cm tines: 1,240 euros."),
    ]


def test_markdown_table_rows_are_chunks_with_their_column_headers():
    text = ("# Accessories\n\n| Part | Fits | Weight (kg) | Price |\n|------|------|---:|------:|\n"
            "| **Mulching plug** MP-2 | KM-46S | 0.4 | €24 |\n| Spare blade SB-40 | KM-40 | 0.9 | €19 |\n")
    assert [(c.kind, c.heading, c.text) for c in chunk_text(text)] == [
        ("row", "Accessories", "Mulching plug MP-2: fits KM-46S, weight 0.4 kg, price €24."),
        ("row", "Accessories", "Spare blade SB-40: fits KM-40, weight 0.9 kg, price €19."),
    ]


def test_flattened_pdf_table_rows_take_the_column_header():
    text = ("Price list 2025\nPrices in euros, excluding VAT.\nModel Description Price\n"
            "AT-8 Tipping trailer, 8 t 18,750\nAT-12 Tipping trailer, 12 t 26,400\n")
    rows = [c.text for c in chunk_text(text, kind="plain") if c.kind == "row"]
    assert rows == ["AT-8 Tipping trailer, 8 t: price 18,750 euros.", "AT-12 Tipping trailer, 12 t: price 26,400 euros."]


def test_russian_price_lists_and_tables_keep_their_figures_whole():
    """Thousands written with spaces ("1 120 000"), the currency said once ("Цены в рублях"),
    and units after a comma in a header ("Масса, кг"), as Russian documents write them."""
    text = ("ПРАЙС-ЛИСТ 2025\nЦены в рублях с НДС.\n\nКомпрессоры\n"
            "ВК-150, двигатель 11 кВт ............. 685 000\nВК-310, двигатель 22 кВт ........... 1 120 000\n")
    rows = [c.text for c in chunk_text(text, kind="plain") if c.kind == "row"]
    assert rows == ["ВК-150, двигатель 11 кВт: 685 000 рублей.", "ВК-310, двигатель 22 кВт: 1 120 000 рублей."]
    flat = "Модели\nВК-150 685 000\nВК-220 845 000\n"  # a PDF's flattened table: no leader
    assert [c.text for c in chunk_text(flat, kind="plain") if c.kind == "row"] == [
        "ВК-150: 685 000.", "ВК-220: 845 000."]
    table = ("# Осушители\n\n| Модель | Масса, кг | Цена, руб. |\n|---|---|---|\n| DR-24 | 42 | 118 000 |\n")
    assert [c.text for c in chunk_text(table) if c.kind == "row"] == ["DR-24: масса 42 кг, цена 118 000 рублей."]


def test_plain_text_headings_and_faq_questions():
    text = ("Opening hours\nMonday to Friday 8:00 to 17:00.\n\nDo you deliver abroad?\nYes, within the EU.\n\n"
            "Can I pay by card?\nYes, every major card.\n\nThis paragraph wraps onto a line that\n"
            "Starts With Capitals and goes on.\n")
    chunks = chunk_text(text, kind="plain")
    assert [(c.heading, c.text) for c in chunks[:3]] == [
        ("Opening hours", "Monday to Friday 8:00 to 17:00."),
        ("Opening hours > Do you deliver abroad?", "Yes, within the EU."),
        ("Opening hours > Can I pay by card?", "Yes, every major card."),  # a question never nests
    ]
    assert "Starts With Capitals" in chunks[3].text  # a wrapped line is not a heading


def test_bold_faq_questions_in_markdown_are_headings():
    """Many FAQs are written with bold questions, not heading marks: each question heads
    its answer, so the answer is found (and spoken) under its question, never the question
    itself taken for an answer."""
    text = ("# Frequently asked questions\n\n**Does a counter need a drain?**\nNo. The tray evaporates the water.\n\n"
            "**Can I spread the cost?**\nYes, on orders of 2,000 pounds or more.\n\n"
            "**Note:** prices exclude VAT.\n")
    chunks = chunk_text(text)
    assert [(c.heading, c.text) for c in chunks] == [
        ("Frequently asked questions > Does a counter need a drain?", "No. The tray evaporates the water."),
        ("Frequently asked questions > Can I spread the cost?",
         "Yes, on orders of 2,000 pounds or more.\n\nNote: prices exclude VAT."),  # a bold label is no heading
    ]


def test_numbered_sections_of_terms_are_headings_and_numbered_lists_are_not():
    """A terms sheet's "4. Cancellations and returns" over its clauses "4.1 ...", "4.2 ..."
    names the section, as a heading would; "1. Unpack" / "2. Plug in" is a list."""
    terms = ("Terms of sale\n1. Lead times\n1.1 Stock items leave within 3 days.\n"
             "2. Cancellations and returns\n2.1 Unused items may be returned within 30 days.\n")
    assert [(c.heading, c.text) for c in chunk_text(terms, kind="plain")] == [
        ("Terms of sale > Lead times", "1.1 Stock items leave within 3 days."),
        ("Terms of sale > Cancellations and returns", "2.1 Unused items may be returned within 30 days."),
    ]
    steps = "Setting up\n1. Unpack the machine\n2. Plug it in\n3. Switch it on\n"
    assert all(c.heading == "Setting up" for c in chunk_text(steps, kind="plain"))


def test_a_price_column_set_apart_by_spaces_gives_its_rows_the_lists_currency():
    """"Code  Description  Fits  EUR" over a price list's rows: the last column is the price,
    said in the currency the list names once, not the header's words glued to every row."""
    text = ("PRICE LIST\nAll prices in euros, excluding VAT.\n\nACCESSORIES\n\n"
            "Code     Description                Fits            EUR\n"
            "SS-25    Integral sideshift         CE trucks       1,150.00\n"
            "LI-80    Lithium-ion battery 80 V   CE-20, CE-25    11,600.00\n")
    rows = [c.text for c in chunk_text(text, kind="plain") if c.kind == "row"]
    assert rows == ["SS-25 Integral sideshift CE trucks: 1,150.00 euros.",
                    "LI-80 Lithium-ion battery 80 V CE-20, CE-25: 11,600.00 euros."], rows


def test_a_products_long_heading_line_heads_its_specifications():
    """"ФР-310 — фуговально-рейсмусовый станок, ширина строгания 310 мм" over its bullet list
    is the product's heading (long, but led by its code): "Масса: 235 кг." below is its mass."""
    text = ("Строгальные станки\n\nФР-310 — фуговально-рейсмусовый станок, ширина строгания 310 мм\n\n"
            "- Масса: 235 кг.\n- Цена: 172 000 руб.\n\n"
            "ФР-410 — фуговально-рейсмусовый станок, ширина строгания 410 мм\n\n- Масса: 340 кг.\n")
    chunks = chunk_text(text, kind="plain")
    heavy = [c for c in chunks if "340 кг" in c.text]
    assert heavy and all("ФР-410" in c.heading for c in heavy), [(c.heading, c.text) for c in chunks]
    assert all("ФР-410" not in c.heading for c in chunks if "235 кг" in c.text)


def test_paragraphs_without_a_section_heading_are_chunks_of_their_own():
    text = "Acme was founded in 1901.\n\nOpening hours: 8:00 to 16:30.\n\nTelephone 01632 883020."
    assert _texts(chunk_text(text, kind="plain")) == [
        "Acme was founded in 1901.", "Opening hours: 8:00 to 16:30.", "Telephone 01632 883020."]


def test_docx_tables_become_rows_in_document_order(tmp_path):
    import docx

    d = docx.Document()
    d.add_heading("Service", level=1)
    d.add_paragraph("All prices in euros.")
    table = d.add_table(rows=3, cols=2)
    for r, (a, b) in enumerate([("Service", "Price"), ("Blade sharpening", "15"), ("Winter check", "59")]):
        table.cell(r, 0).text, table.cell(r, 1).text = a, b
    d.add_heading("Collection", level=2)
    d.add_paragraph("We collect a machine for 25 euros.")
    d.save(tmp_path / "s.docx")
    doc = load_document(tmp_path / "s.docx")
    chunks = chunk_text(doc.text, kind=doc.kind)
    assert [(c.kind, c.heading, c.text) for c in chunks] == [
        ("text", "Service", "All prices in euros."),
        ("row", "Service", "Blade sharpening: price 15 euros."),
        ("row", "Service", "Winter check: price 59 euros."),
        ("text", "Service > Collection", "We collect a machine for 25 euros."),
    ]


@pytest.mark.parametrize("raw, clean", [
    ("**Bold** and *em* and _under_ and `code`", "Bold and em and under and code"),
    ("See [our site](https://x.example) or <https://y.example>", "See our site or https://y.example"),
    ("- KM-40 ......... 329 EUR", "KM-40: 329 EUR"),
    ("> quoted <<->> text", "quoted text"),
    ("a | b | c", "a, b, c"),
    ("Monday - Friday, 8:00 - 17:00", "Monday - Friday, 8:00 - 17:00"),
    ("UTM-100 costs 27,500 euros.", "UTM-100 costs 27,500 euros."),
    ("snake_case_name stays", "snake_case_name stays"),
    ("===== ***** ~~~~~ -----", ""),
])
def test_clean_line(raw, clean):
    assert clean_line(raw) == clean


def test_layout_never_reaches_passage_text():
    text = """# **Kestrel** _garden_ machines

Intro with [a link](http://k.example) and `code` <<->> and a | pipe.

## Prices
| Model | Price (EUR) |
|:--|--:|
| KM-40 | 329 |

KM-46S ........ 549 EUR
KM-53E ........ 689 EUR

> A quote
* a bullet
1. a numbered item
---
===
"""
    chunks = chunk_text(text)
    assert chunks
    for c in chunks:
        assert not LAYOUT.search(c.text), c.text
        assert not LAYOUT.search(c.heading), c.heading


def test_a_list_of_opening_hours_is_kept_not_taken_for_headings():
    """Short "Label: value" lines ("Friday: 8:00 to 14:30") are facts: a plain-text company
    page's hours were once read as a run of headings and lost, so "What time do you shut on
    a Friday?" had nothing to find."""
    text = ("About Kestrel\n\nWhere to find us\nKestrel Ltd, 22 Quarry Lane, Holtby Moor.\n\n"
            "Office and showroom hours\nMonday to Thursday: 8:00 to 17:00\nFriday: 8:00 to 14:30\n"
            "Sunday and bank holidays: closed\n\nHow to reach us\nSales: 0117 496 0732\n")
    chunks = chunk_text(text, kind="plain")
    hours = [c for c in chunks if "14:30" in c.text]
    assert len(hours) == 1 and hours[0].heading.endswith("Office and showroom hours"), chunks
    assert "Sunday and bank holidays: closed" in hours[0].text
    assert any(c.heading.endswith("How to reach us") and "0117 496 0732" in c.text for c in chunks)


def test_a_table_with_a_product_in_each_column_gives_each_product_a_row():
    text = ("# Generators\n\n| | CG-20 | CG-30 |\n|---|---|---|\n| Fuel tank | 95 litres | 120 litres |\n"
            "| Weight | 980 kg | 1,240 kg |\n| Price (GBP, excl. VAT) | 12,450 | 13,900 |\n")
    texts = _texts(chunk_text(text))
    assert "Weight: CG-20 980 kg, CG-30 1,240 kg." in texts  # the row, as before
    assert "CG-30: fuel tank 120 litres, weight 1,240 kg, price 13,900 pounds." in texts, texts
    assert not any(LAYOUT.search(t) for t in texts)


def test_a_flattened_table_with_two_figure_columns_keeps_their_labels():
    """PDF text of a hire table: "Machine Per week Per month (28 days)" over rows with two
    prices each; each price keeps its column, not "£240: £720"."""
    text = ("3. Hire\n\nHire rates, excluding VAT:\nMachine Per week Per month (28 days)\n"
            "CG-45 generator £240 £720\nLT-6 lighting tower £140 £420\n\nThe minimum hire is one week.\n")
    texts = _texts(chunk_text(text, kind="plain"))
    assert "CG-45 generator: per week £240, per month (28 days) £720." in texts, texts
    assert "LT-6 lighting tower: per week £140, per month (28 days) £420." in texts, texts


def test_a_pdf_tables_header_cells_on_lines_of_their_own_label_the_rows_and_head_nothing():
    """PDF text of a lease table whose header cells came out one per line (the long ones
    wrap in the PDF): before, the last cell became a section heading ("Lease per month (5
    years)") and every row read "WC-8 compact washer: £85, £64", rental and lease unlabelled."""
    text = ("6. Lease\n6.1 New machines can be leased over 3 or 5 years.\nMachine\n"
            "Rental per month (minimum 3 months)\nLease per month (5 years)\n"
            "WC-8 compact washer £85 £64\nWX-12 washer-extractor £189 £152\nAll prices exclude VAT.\n")
    chunks = chunk_text(text, kind="plain")
    texts = _texts(chunks)
    assert ("WC-8 compact washer: rental per month (minimum 3 months) £85, lease per month (5 years) £64."
            in texts), texts
    assert not any("Lease per month" in c.heading or "Machine" in c.heading for c in chunks), chunks
    assert not any(t.endswith("Lease per month (5 years)") for t in texts), texts  # (no sentence of the text)


# -- a product's own section: its figures keep its name ------------------------------------


def test_a_spec_sheets_product_code_line_heads_its_rows_and_each_row_names_it():
    # A product information sheet in plain text: a rule, the model's code alone on a line,
    # then its specifications as dot-leader rows.  Read alone, "Drum volume: 600 litres"
    # would be any dryer's; the TD-45's figures must not go under the TD-30.
    text = ("TUMBLE DRYERS\nAll our dryers reverse the drum.\n\n------------\nTD-30\n"
            "  Drum volume ......... 600 litres\n  Weight .............. 252 kg\n\n"
            "------------\nTD-45   (gas only)\n  Drum volume ......... 900 litres\n  Heating ............. gas 48 kW\n")
    chunks = chunk_text(text, kind="plain")
    by_text = {c.text: c.heading for c in chunks}
    assert by_text["TD-30 drum volume: 600 litres."].endswith("TUMBLE DRYERS > TD-30")
    assert by_text["TD-45 drum volume: 900 litres."].endswith("> TD-45 (gas only)")
    assert "TD-45 heating: gas 48 kW." in by_text
    assert not any(t.startswith(("Drum volume", "Weight")) for t in by_text)


def test_a_bold_product_lead_in_and_a_coded_list_title_head_their_spec_lists():
    text = ("# Espresso machines\n\n## Classic range\n\n"
            "**HS-1 Classic one-group.** For kiosks and small delis.\n\n- Steam boiler: 6 litres\n- Weight: 42 kg\n\n"
            "**HS-2 Classic two-group.** The standard machine for a café.\n\n- Steam boiler: 11 litres\n- Weight: 68 kg\n\n"
            "## Forge range\n\nHF-2 Forge two-group:\n- Steam boiler: 7 litres\n- Weight: 79 kg\n")
    chunks = chunk_text(text, kind="markdown")
    joined = {c.heading: c.text for c in chunks}
    hs2 = joined["Espresso machines > Classic range > HS-2 Classic two-group"]
    assert "HS-2 Classic two-group. The standard machine" in hs2  # (the lead-in keeps its name)
    assert "HS-2 steam boiler: 11 litres." in hs2 and "6 litres" not in hs2
    assert "HF-2 steam boiler: 7 litres." in joined["Espresso machines > Forge range > HF-2 Forge two-group"]
    assert all(not LAYOUT.search(c.text) for c in chunks)


def test_a_price_lists_two_figure_columns_are_each_said_with_their_label():
    # "Supply only" and "Fitted" over dot-leader rows with two prices each, and a section
    # heading with an aside in brackets.
    text = ("PRICE LIST 2025\nAll prices in pounds sterling.\n\n"
            "DOCK LEVELLERS (pitwork not included, prices excluding VAT and delivery)\n"
            "                                          Supply only      Fitted\n"
            "DL-25 dock leveller 2.5 m ............... £4,980 ........ £6,270\n"
            "DL-30 dock leveller 3.0 m ............... £5,940 ........ £7,380\n")
    rows = _rows(text)
    assert "DL-25 dock leveller 2.5 m: supply only £4,980, fitted £6,270." in rows
    assert rows["DL-30 dock leveller 3.0 m: supply only £5,940, fitted £7,380."].endswith(
        "DOCK LEVELLERS (pitwork not included, prices excluding VAT and delivery)")


def test_a_spec_sheets_model_lines_and_a_numbered_price_lists_columns():
    # "MODEL: CT-230" over "Power: ..." lines; "1. ZERO-TURN MOWERS   Buy  Hire/day  Hire/week"
    # over rows whose figures are set apart by spaces, an empty cell a dash; "5. BATTERIES"
    # in capitals is a section's title, not a list item.
    sheet = ("SECTION A - COMPACT TRACTORS\nAll three are road-registered.\n\nMODEL: CT-230\nPower: 24.8 hp (18.5 kW)\n"
             "Weight (turf tyres): 720 kg\n\nMODEL: CT-270\nPower: 28.6 hp (21.3 kW)\nWeight (turf tyres): 845 kg\n")
    texts = " | ".join(c.text for c in chunk_text(sheet, kind="plain"))
    assert "CT-230 power: 24.8 hp (18.5 kW)" in texts and "CT-270 weight (turf tyres): 845 kg" in texts
    prices = ("PRICE LIST\nAll prices in pounds sterling.\n\n"
              "1. ZERO-TURN MOWERS                Buy        Hire/day   Hire/week\n"
              "   ZT-52 petrol, 52 in ......... 8,250.00       120.00      480.00\n"
              "   Mulching kit, any ZT ........... 385.00          -           -\n\n\n"
              "5. BATTERIES, CHARGERS, FUEL\n"
              "   GB-5 battery 36 V 5.0 Ah ................ 179.00\n")
    rows = _rows(prices)
    assert ("ZT-52 petrol, 52 in: buy 8,250.00 pounds sterling, hire per day 120.00 pounds sterling, "
            "hire per week 480.00 pounds sterling.") in rows
    assert "Mulching kit, any ZT: buy 385.00 pounds sterling." in rows
    assert rows["GB-5 battery 36 V 5.0 Ah: 179.00 pounds sterling."].endswith("BATTERIES, CHARGERS, FUEL")


def test_a_price_list_typed_with_spaces_says_each_column_and_leaves_empty_cells_out():
    # An indented header over the figure columns only, its labels marked for footnotes
    # ("Rent/month*"); rows whose code and description are two cells, set apart by two
    # spaces in one row and more in the next; "-" an empty cell, "POA" said in words.
    text = ("All prices in euro.\n\nGLASSWASHERS\n"
            "                                          Buy     Rent/month*   Hire/week**\n"
            "QG-400   400 mm basket                  2,350          72            55\n"
            "QG-400D  400 mm, drain pump + softener  2,690          81            60\n"
            "QR-1200  up to 120 racks/hour          21,400         POA             -\n"
            "\n *  Rent/month: 36-month rental agreement.\n")
    rows = _rows(text)
    assert "QG-400 400 mm basket: buy 2,350 euros, rent per month 72 euros, hire per week 55 euros." in rows
    assert "QG-400D 400 mm, drain pump + softener: buy 2,690 euros, rent per month 81 euros, hire per week 60 euros." in rows
    assert "QR-1200 up to 120 racks/hour: buy 21,400 euros, rent per month price on application." in rows


def test_a_leader_row_whose_price_is_a_word_is_a_row_not_the_header_of_the_next():
    # "Delivery within Munster ..... free" once labelled the row below it "free € 85.00".
    text = ("DELIVERY\nDelivery within Munster ........................ free\n"
            "Delivery, rest of Ireland ...................... €  85.00\n"
            "Conveyor installation .......................... quoted\n")
    rows = _rows(text)
    assert {"Delivery within Munster: free.", "Delivery, rest of Ireland: € 85.00.",
            "Conveyor installation: quoted."} <= set(rows)



def test_a_column_headed_by_a_bare_currency_says_it_with_each_figure():
    # No "All prices in ..." note: the header's "EUR" is the only place the currency is
    # stated, and a row read alone must still say it, after its figure.
    text = ("SPARES\n                          Trade     Retail\n"
            "                            EUR       EUR\n"
            "QG-400  wash arm          45.00     62.00\n")
    assert "QG-400 wash arm: 45.00 EUR, 62.00 EUR." in _rows(text)
