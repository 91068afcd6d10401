"""Lexical terms and reranking, table-tested (no models: candidates carry their cosine)."""

from __future__ import annotations

import pytest

from appliance.knowledge.base import Passage
from appliance.knowledge.lexical import TermStats, codes, document_vector, tokens
from appliance.knowledge.rerank import (
    Candidate,
    Question,
    asked_attributes,
    asked_company_detail,
    judge,
    rerank,
    states_attribute,
    states_company_detail,
)


@pytest.mark.parametrize("text, terms", [
    ("How much does the ZX-9000 cost?", ["zx9000", "zx", "9000", "cost"]),
    ("how much is the ZX 9000", ["zx", "zx9000", "9000"]),  # as a recogniser writes a code
    ("ZX9000 for 18,900 euros", ["zx9000", "zx", "9000", "18900", "euro"]),
    ("Shipping prices and deliveries", ["ship", "pric", "delivery"]),
    # a silent "e" goes, so the forms meet: "freeze" / "freezing", "price" / "prices", "size" / "sizes"
    ("freeze freezing price prices size sizes free", ["freez", "freez", "pric", "pric", "siz", "siz", "free"]),
    ("ISO 7500-1 class 0.5", ["iso", "7500-1", "7500", "1", "class", "0.5", "0", "5"]),
])
def test_tokens_keep_codes_whole_and_split(text, terms):
    assert tokens(text) == terms


@pytest.mark.parametrize("text, found", [
    ("Is the KM-46S lighter than the KM 53E?", {"km46s", "km53e"}),
    ("price 18,900 in 2025 at 8:00", set()),
    ("the xy-220b", {"xy220b"}),
])
def test_codes(text, found):
    assert codes(text) == found


@pytest.mark.parametrize("question, attributes", [
    ("How much does the UTM-100 cost?", ("price",)),
    ("How much does the UTM-100 weigh?", ("weight",)),  # "how much" is not a price here
    ("How heavy is it?", ("weight",)),
    ("When will my order be delivered?", ("delivery",)),
    ("How long is the warranty?", ("warranty",)),  # a duration, not a length
    ("How long is the hose?", ("dimensions",)),
    ("What is your phone number?", ("phone",)),
    ("Until what time can I ring you on a Friday?", ("hours", "phone")),
    ("What is your VAT registration number?", ()),
    ("When was the company founded?", ("year",)),
    ("Do you sell ploughs?", ()),
    ("How loud is the LT-30, how many decibels?", ("noise",)),
    ("Is there any way of paying it off bit by bit?", ()),  # "off", but no discount asked
    ("Could you knock something off the price?", ("discount", "price")),
    ("What time do you knock off on a Friday afternoon?", ("hours",)),  # finishing work, no discount
    # the price of bringing the goods, not of the goods; not how long it takes
    ("I'm only after a couple of packs of contact tips. What do you charge to post them out?", ("carriage",)),
    ("If I only order the one grinder, do you send it free?", ("carriage",)),
    ("What does delivery cost to Belfast?", ("carriage",)),
    ("How long does delivery take?", ("delivery",)),
    # how fast someone or something comes is how soon; how fast a machine runs is a speed
    ("Our oven died in the night. How fast can somebody come out?", ("delivery",)),
    ("How fast does a technician show up on the top plan?", ("delivery",)),
    ("How fast does the conveyor run?", ("speed",)),
    # the Russian caller's carriage: a price (of nothing, or from some order value) beside delivery
    ("С какой суммы заказа доставка у вас бесплатная?", ("carriage",)),
    ("Сколько стоит доставка до Казани?", ("carriage",)),
    ("Сколько дней идёт доставка?", ("delivery",)),
])
def test_asked_attributes(question, attributes):
    assert set(asked_attributes(question)) == set(attributes)


@pytest.mark.parametrize("attribute, text, heading, kind, states", [
    ("price", "UTM-100 (100 kN capacity): 27,500 euros.", "", "row", True),
    ("price", "VX-9000 screw compressor, 11 kW: 12,400.", "Price list 2025", "row", True),
    ("price", "A 10 bar version can be ordered at no extra cost for 8 bar.", "Compressors", "text", False),
    ("price", "The machine weighs 1350 kg.", "", "text", False),
    ("weight", "The machine weighs 1350 kg.", "", "text", True),
    ("weight", "UTM-300: 54,000 euros.", "", "row", False),
    ("delivery", "Machines in stock ship within 5 working days.", "", "text", True),
    ("hours", "Open Monday to Friday from 8:00 to 17:30.", "", "text", True),
    ("phone", "Telephone 01632 883020.", "", "text", True),
    ("year", "Founded in 1994 in Leeds.", "", "text", True),
    ("price", "A test session is free of charge; please book it with the sales team.", "", "text", True),
    ("noise", "The LT-30 makes 49 dB(A) at 10 m.", "", "text", True),
    ("carriage", "Delivery is free on orders of 750 euros or more. Smaller orders are charged 18 euros for carriage.",
     "", "text", True),
    ("carriage", "Доставка бесплатная при заказе от 2 000 000 рублей.", "Условия поставки", "text", True),
    ("carriage", "Срок изготовления 45 рабочих дней.", "Условия поставки", "text", False),
    ("carriage", "CT-08 Contact tips 0.8 mm pack of 10: 6.50 euros.", "Consumables", "row", False),
])
def test_states_attribute(attribute, text, heading, kind, states):
    assert states_attribute(attribute, text, heading, kind) is states


# -- judging candidates ---------------------------------------------------------------------

PASSAGES = {
    "rt300_price": ("Prices > Tillers", "RT-300 rotary tiller: 799 euros.", "row"),
    "tines": ("Accessories", "Tine set TS-28: fits RT-300, price €65.", "row"),
    "rt300_specs": ("Machines > RT-300 rotary tiller", "The RT-300 tiller works soil to 28 cm and weighs 52 kg.", "text"),
    "km40_specs": ("Machines > KM-40 push mower", "The KM-40 is a push mower. It weighs 24 kg.", "text"),
    "warranty": ("Service > Warranty", "Mowers and tillers have a 3-year warranty.", "text"),
    "about": ("About", "Kestrel was founded in 1979 in Ghent.", "text"),
    "phone": ("About", "Telephone 01632 883020.", "text"),
    "tines_carriage": ("Terms > Delivery", "Spare parts such as tines are sent by courier at 9 euros a parcel, "
                       "free on orders over 500 euros.", "text"),
}


def _candidate(name: str, cosine: float) -> Candidate:
    heading, text, kind = PASSAGES[name]
    vec = document_vector(f"{heading}\n{text}")
    return Candidate(text, heading, cosine, frozenset(vec.indices), {"kind": kind, "name": name})


@pytest.fixture(scope="module")
def stats() -> TermStats:
    s = TermStats()
    for heading, text, _ in PASSAGES.values():
        s.add(document_vector(f"{heading}\n{text}").indices)
    return s


@pytest.mark.parametrize("question, cosines, best", [
    # The embedding prefers the accessory that fits the RT-300; its own price row names it first.
    ("How much is the RT-300?", {"tines": 0.56, "rt300_price": 0.36, "rt300_specs": 0.30}, "rt300_price"),
    # The weight is in the specifications, not in the price row.
    ("How heavy is the RT-300?", {"rt300_price": 0.45, "rt300_specs": 0.40, "tines": 0.35}, "rt300_specs"),
    # Another product's passage loses however close its embedding.
    ("How heavy is the KM-40?", {"rt300_specs": 0.50, "km40_specs": 0.38}, "km40_specs"),
    # A question naming no product: the heading and words decide.
    ("How long is the warranty on a tiller?", {"rt300_specs": 0.45, "warranty": 0.42}, "warranty"),
    # What it costs to post the tines, not what the tines cost.
    ("I only need the one tine set. What do you charge to post it out?", {"tines": 0.50, "tines_carriage": 0.42},
     "tines_carriage"),
])
def test_rerank_prefers_what_a_person_would(stats, question, cosines, best):
    ranked = rerank(Question.parse(question, stats), [_candidate(n, c) for n, c in cosines.items()], 0.30)
    assert ranked[0].candidate.payload["name"] == best


@pytest.mark.parametrize("question, name, cosine, relevant", [
    # The cosine decides when the question's words are known but not in the passage...
    ("Do you make tillers?", "about", 0.25, False),
    ("Do you make tillers?", "about", 0.35, True),
    # ...words the knowledge base has never seen raise the bar...
    ("What's the weather on Mars?", "about", 0.45, False),
    ("Do you make solar powered tillers?", "rt300_specs", 0.33, False),
    ("Do you make tillers?", "rt300_specs", 0.33, True),
    # ...and a passage with the question's rare words needs less: not thrown away for a cosine.
    ("When was Kestrel founded?", "about", 0.22, True),
    # A figure of the kind asked for, in other words ("Telephone" for "phone").
    ("What's your phone number?", "phone", 0.15, True),
    # Another product's passage, or a product no passage names, is never relevant.
    ("How heavy is the KM-40?", "rt300_specs", 0.60, False),
    ("How heavy is the KM-90?", "km40_specs", 0.60, False),
])
def test_relevance_from_the_evidence(stats, question, name, cosine, relevant):
    assert judge(Question.parse(question, stats), _candidate(name, cosine), 0.30).relevant is relevant


def test_follow_up_context_adds_the_product_but_not_the_attribute(stats):
    q = Question.parse("And how much is it?", stats, context="How heavy is the RT-300?")
    assert q.codes == {"rt300"} and q.attributes == ("price",)
    ranked = rerank(q, [_candidate("rt300_specs", 0.5), _candidate("rt300_price", 0.4)], 0.30)
    assert ranked[0].candidate.payload["name"] == "rt300_price"


def test_a_callers_everyday_word_counts_as_the_documents_word():
    """"Do I get anything knocked off if I settle the bill early?" uses none of the terms
    sheet's words ("2 percent off the invoice if you pay within 7 days"): its everyday words
    are not taken for a subject the knowledge base lacks, and the passage is found."""
    from appliance.knowledge.lexical import TermStats, term_ids
    from appliance.knowledge.rerank import Candidate, Question, rerank

    terms_sheet = "Payment. We take 2 percent off the invoice if you pay within 7 days."
    other = "The BC-40 blast chiller takes 10 trays and weighs 140 kg."
    stats = TermStats()
    for text in (terms_sheet, other, "Kestrel Refrigeration, 22 Quarry Lane. Sales: 0117 496 0732."):
        stats.add(term_ids(text))
    q = Question.parse("Do I get anything knocked off if I settle the bill early?", stats)
    plain = Question.parse("Do I get anything knocked up if I sculpt the marble early?", stats)
    assert q.unknown_share < plain.unknown_share - 0.2, (q.unknown_share, plain.unknown_share)
    judged = rerank(q, [Candidate(other, "Chillers", 0.25, term_ids(other)),
                        Candidate(terms_sheet, "Terms > Payment", 0.25, term_ids(terms_sheet))], 0.30)
    assert judged[0].candidate.text == terms_sheet and judged[0].relevant and not judged[1].relevant


def test_a_passage_about_the_family_of_the_product_asked_is_about_it():
    """"The DO deck ovens are electric only." answers "Can I get the DO-6 with a gas burner?"
    though it names the RO-18 and not the DO-6: it speaks of the DO family as a whole.  A
    product the knowledge base never names (the DO-9) is not rescued by its family."""
    from appliance.knowledge.lexical import TermStats, term_ids

    faq = "No. The DO deck ovens are electric only. If you need gas, the RO-18 rack oven comes in a gas version."
    rows = ["DO-6: deck oven, 6 decks, 24,900 euros.", "RO-18: rack oven, 32,600 euros."]
    stats = TermStats()
    for text in (faq, *rows):
        stats.add(term_ids(text))
    candidate = Candidate(faq, "FAQ > Can the deck ovens run on gas?", 0.45, term_ids(faq))
    known = judge(Question.parse("Can I get the DO-6 with a gas burner?", stats), candidate, 0.30)
    assert known.code == "match" and known.relevant
    unknown = judge(Question.parse("Can I get the DO-9 with a gas burner?", stats), candidate, 0.30)
    assert not unknown.relevant
    # (a code's letters inside another code, or in capitals, are no family named)
    other = "The DO-4 has 4 decks. WHAT DO YOU NEED?"
    assert judge(Question.parse("How many decks has the DO-6?", stats),
                 Candidate(other, "Ovens", 0.5, term_ids(other)), 0.30).code == "mismatch"


def test_a_callers_phrase_is_read_in_the_documents_words():
    """"Send them back" is a return, "who's running the show" the managing director, "packs
    up" a breakdown: phrases of plain words the documents never use for those things."""
    from appliance.knowledge.lexical import query_terms, tokens

    assert "return" in query_terms("How long have I got to send them back to you?").values()
    assert {"manag", "director"} <= set(query_terms("Who's actually running the show nowadays?").values())
    assert "breakdown" in query_terms("If the freezer room packs up on a Sunday night?").values()
    assert "show" not in query_terms("Who's running the show?").values()  # the phrase's words are gone
    assert {"delivery", "carriag"} <= set(query_terms("What do you charge to post them out?").values())
    assert "return" in query_terms("Can I post it back?").values()
    assert "don" not in tokens("we don't need them") and "re" not in tokens("they're sealed")


def test_a_phrases_words_the_documents_lack_mean_nothing_missing():
    """"It never came out of the bag" stands for "unused, in its original packaging": a terms
    sheet that says only "original packaging" lacks nothing the caller asked."""
    from appliance.knowledge.lexical import TermStats, term_ids

    terms_sheet = "Parts that have not been fitted may be returned in their original packaging within 30 days."
    stats = TermStats()
    for text in (terms_sheet, "The CE-20 truck lifts 2,000 kg.", "Head office: Unit 6, Naas Road."):
        stats.add(term_ids(text))
    q = Question.parse("It never came out of the bag. Can I post it back?", stats)
    assert q.unknown_share == 0.0, q.unknown_share
    judged = judge(q, Candidate(terms_sheet, "Terms > Returns", 0.3, term_ids(terms_sheet)), 0.30)
    assert judged.relevant and judged.coverage > 0.5


def test_dialect_pronouns_and_a_traders_price_question_in_standard_words():
    from appliance.knowledge.lexical import standard_words

    assert standard_words("Where are ye exactly? Is yer yard open?") == "Where are you exactly? Is your yard open?"
    assert standard_words("What are ye looking for the CD-30?") == "What are you asking for the CD-30?"
    assert standard_words("Yesterday you said yes.") == "Yesterday you said yes."


def test_the_day_asked_about_ranks_its_line_of_the_hours_first():
    """Each line of an opening-hours table is a passage: "What time does the office close on a
    Friday?" must find Friday's, though Saturday's shares "closed" and more of the words."""
    from appliance.knowledge.lexical import TermStats, term_ids

    lines = ["Monday to Thursday: office and hire desk 8:00 to 17:30.", "Friday: office and hire desk 8:00 to 16:30.",
             "Saturday: office and hire desk closed.", "Sunday: office and hire desk closed."]
    stats = TermStats()
    for text in lines:
        stats.add(term_ids(text))
    q = Question.parse("What time does the office close on a Friday? I'd ring the hire desk after lunch.", stats)
    ranked = rerank(q, [Candidate(t, "About > Opening hours", 0.45 - 0.01 * (t.startswith("Friday")), term_ids(t))
                        for t in lines], 0.30)
    assert ranked[0].candidate.text.startswith("Friday"), [j.candidate.text for j in ranked]


def test_a_rows_figures_are_cut_to_the_one_asked():
    """A product's row with all its figures is said cut to the attribute asked, and a hire
    rate's period to the one named; a price to buy is not a hire rate."""
    from appliance.agent.grounding import extractive_pick, only_asked_items

    row = ("CG-30: fuel tank 120 litres, run time on a full tank 18 hours, noise at 7 m 64 dB(A), "
           "weight with a full tank 1,240 kg, price 13,900 pounds.")
    assert only_asked_items(row, "How heavy's the CG-30 when it's fuelled up?") == \
        "CG-30: weight with a full tank 1,240 kg."
    assert only_asked_items(row, "What are you asking for the CG-30?") == "CG-30: price 13,900 pounds."
    rates = "LT-6 lighting tower: per week £140, per month (28 days) £420."
    assert only_asked_items(rates, "How much is it a week to hire an LT-6?") == "LT-6 lighting tower: per week £140."
    freezer = "QF-15: chilling capacity 55 kg, freezing capacity 38 kg, weight 162 kg."
    assert only_asked_items(freezer, "How many kilos can the QF-15 freeze?") == "QF-15: freezing capacity 38 kg."
    # A two-part question keeps the items of both parts: the visits as well as the price.
    plan = ("CoolCare Plus: visits a year 2, what is included As Basic, plus breakdown call-outs, "
            "price per cabinet per year £310.")
    assert only_asked_items(plan, "How many times a year would you come out on that, and what does it cost?") == \
        "CoolCare Plus: visits a year 2, price per cabinet per year £310."
    assert only_asked_items(plan, "What does it cost?") == "CoolCare Plus: price per cabinet per year £310."
    # (a second part the row has no words for leaves the row whole)
    assert only_asked_items(plan, "What does it cost, and who would do the work?") == plan
    # A list of figures with no label of its own, the product named in the sentence before.
    specs = "Throat depth 480 mm, cutting height 300 mm, 2.2 kW motor, weight 215 kg."
    assert only_asked_items(specs, "How heavy is the BX-20?") == "Weight 215 kg."
    assert only_asked_items(specs, "How much is the BX-20?") == specs  # (no price in it: whole)
    said, _ = extractive_pick("What does the BX-20 weigh?", [Passage(
        text="BX-20 band saw. " + specs + "\nBX-30 band saw. Throat depth 600 mm, weight 340 kg.",
        source="saws.txt", score=0.6)])
    assert "215 kg" in said and "480" not in said and "300 mm" not in said, said
    # (a sentence whose first item is its subject is not a list; nor are two figures)
    pump = "The SD-10 pumps up to 10 cubic metres per hour, passes solids up to 20 mm, has a 0.75 kW motor."
    assert only_asked_items(pump, "What size of solids will the SD-10 take?") == pump
    both = "Delivery takes 3 working days, installation 1 day."
    assert only_asked_items(both, "How long does delivery take?") == both
    passages = [Passage(text="CG-45 generator: per week £240, per month £720.", source="terms.pdf", score=0.5),
                Passage(text="CG-45 generator, 45 kVA: 16,750 pounds sterling.", source="prices.txt", score=0.45)]
    assert "16,750" in extractive_pick("What are you asking for a CG-45 to buy?", passages)[0]
    assert "£240" in extractive_pick("How much a week to hire the CG-45?", passages)[0]


def test_the_row_a_name_labels_answers_for_it():
    """A follow-up on the plan the caller named ("your PumpCare Plus plan") is answered from
    the row that plan labels, not the row ranked above it that mentions it ("as Plus")."""
    from appliance.agent.grounding import extractive_pick

    total = Passage(text="PumpCare Total: visits a year 4, what is included As Plus, with wear parts, "
                         "price per pump per year £890.", source="service.docx", score=0.70)
    plus = Passage(text="PumpCare Plus: visits a year 2, what is included As Essential, plus breakdown repairs, "
                        "price per pump per year £465.", source="service.docx", score=0.69)
    answer, _ = extractive_pick("How many times a year would you come out under that, and what's it cost?",
                                [total, plus], about="I'm thinking of putting our pumps on your PumpCare Plus plan.")
    assert "£465" in answer and "2" in answer and "£890" not in answer, answer
    # (with no name given, the first row stands)
    assert "£890" in extractive_pick("What does the top plan cost a year?", [total, plus])[0]


@pytest.mark.parametrize(("question", "asked"), [
    ("The sparky's asking what the CG-45 gives out in kilowatts, not the kVA.", "power"),  # not a price
    ("What are you asking for a CG-45 these days?", "price"),
    ("How fast does the pump on the FB-2000 put the diesel out? Litres a minute, like.", "flow"),
    ("What size battery comes in the CE-20? The volts and the amp hours, like.", "power"),
    ("What's that going to set me back?", "price"),
    ("How much to buy that one outright?", "price"),
    ("And what battery does that one have?", "capacity"),  # the battery's amp hours
    ("What sort of engine is in the XT-40?", "power"),
    ("What size is the tank?", "capacity"),  # a tank's size is its litres
    ("How big an engine does the XT-40 have?", "power"),
    ("What size of battery goes in the scrubber?", "capacity"),
    ("How wide is the tank?", "size"),  # a dimension named
    ("I'm after one of your big sit-on mowers, how long would I wait for it?", "duration"),  # "big" describes
    ("How big is the KL-9?", "size"),
    ("We'll be miles from the mains. How big a genny would I want for the welder?", "power"),  # its kVA
])
def test_the_attribute_asked_in_callers_words(question, asked):
    from appliance.agent.grounding import asked_attribute

    assert asked_attribute(question) == asked


def test_a_part_or_a_dimension_asked_picks_its_own_figure():
    """"What size battery" is answered by the battery's amp hours, not the machine's width;
    "how wide" by a width, never by a height and a depth."""
    from appliance.agent.grounding import extractive_pick

    passages = [Passage(text="FX-60 floor sweeper, 60 cm: 9,400 euros.", source="prices.txt", score=0.45,
                        title="Price list > Sweepers (battery and charger included)"),
                Passage(text="Sweeping width 60 cm.\n24 V battery, 180 Ah, for about 3 hours per charge.",
                        source="sweepers.md", score=0.42, title="Sweepers > FX-60")]
    assert "180 Ah" in extractive_pick("What size battery is fitted to the FX-60?", passages)[0]
    doors = [Passage(text="Every KR cabinet is 2,050 mm high and 800 mm deep and runs on a 13 A socket.",
                     source="cabinets.md", score=0.40, title="KR cabinets"),
             Passage(text="A KR cabinet goes through any door at least 720 mm wide.", source="delivery.md",
                     score=0.33, title="Delivery")]
    assert "720 mm" in extractive_pick("How wide must our back door be for a KR cabinet?", doors)[0]
    assert "2,050" not in extractive_pick("How wide must our back door be for a KR cabinet?", doors[:1])[0]


@pytest.mark.parametrize(("question", "detail"), [
    ("I'm going to come and pick the genny up myself. Where is it you are, exactly?", "address"),
    ("Whereabouts are you?", "address"),
    ("Who was it that set the firm up originally?", "founder"),
    ("Are you a big outfit? How many work there?", "staff"),
    ("I want to email over an order for some fork extensions. What address do I send that to?", "email"),
])
def test_the_company_detail_asked_in_callers_words(question, detail):
    from appliance.knowledge.rerank import asked_company_detail

    assert asked_company_detail(question) == detail


def test_a_question_ending_in_a_wh_question_is_not_yes_or_no():
    from appliance.agent.grounding import is_yes_no

    assert not is_yes_no("Are you a big outfit? How many staff have you got?")
    assert is_yes_no("Hello, do you rent out chillers?") and is_yes_no("Do you deliver? I'm in Cork.")


def test_a_sentence_about_several_things_is_cut_to_the_one_named():
    from appliance.agent.grounding import only_asked_items

    both = "На токарные станки ТС и фрезерные станки ФС гарантия 18 месяцев, на сверлильные станки СВ, 12 месяцев."
    assert only_asked_items(both, "Какая гарантия на токарные станки? А на сверлильные какая?") == \
        "На сверлильные станки СВ, 12 месяцев."
    trailers = "Trailers carry a warranty of 2 years, and 5 years on the chassis."
    assert only_asked_items(trailers, "How long is the warranty on a trailer?") == "Trailers carry a warranty of 2 years."
    assert only_asked_items(trailers, "How long is the warranty on a trailer chassis?") == trailers  # (both named)


def test_a_price_with_spaced_thousands_is_no_phone_number():
    assert not states_attribute("phone", "ТС-400 токарный станок: 1 340 000 руб.")
    assert states_attribute("phone", "Сервисная линия +7 (846) 219-40-68.")
    assert states_attribute("phone", "Repairs and breakdowns: 01632 960482.")


def test_a_fault_told_in_the_callers_words_gets_the_repair_line():
    """"It's thrown an error and won't start, who do I ring?" is for the service line, not
    the sales line, though the caller never says "repair"."""
    from appliance.agent.grounding import extractive_pick

    passages = [Passage(text="Sales and quotations: telephone 0161 496 0120, Monday to Friday 8:00 to 17:00.",
                        source="contact.md", score=0.41, title="Contact"),
                Passage(text="Repairs and breakdowns: the service desk, 0161 496 0155, sends an engineer within a day.",
                        source="service.md", score=0.36, title="Service")]
    for question in ("Our dough mixer has thrown an error and won't start. Who do I ring?",
                     "The proofer is showing a fault code. What number should I call?"):
        assert "0155" in extractive_pick(question, passages)[0], question
    assert "0120" in extractive_pick("Who do I ring for a quotation?", passages)[0]


def test_a_unit_the_caller_names_is_not_answered_by_another_figure_of_its_kind():
    """"How many kilowatts is the heater in the WX-12?" is not answered by the supply's
    "400 V"; "How many kW?" asks a power though "kW" is two letters; a figure the caller
    gives ("our beam is about five metres") names no unit asked for."""
    from appliance.agent.grounding import asked_attribute, extractive_pick, unit_fits

    kb = ["Electric heating: WX-12 9 kW, WX-18 12 kW.", "WX-12: supply 400 V three-phase, breaker 16 A."]
    question = "My electrician's asking how many kilowatts the heater is in the WX-12."
    assert not unit_fits("WX-12: supply 400 V three-phase, breaker 16 A.", question, kb)
    passages = [Passage(text="WX-12: supply 400 V three-phase, breaker 16 A.", source="installation.md", score=0.5,
                        title="Electrical supply"),
                Passage(text="Electric heating: WX-12 9 kW, WX-18 12 kW.", source="washers.md", score=0.45,
                        title="Washers")]
    assert "9 kW" in extractive_pick(question, passages)[0]
    assert asked_attribute("The gas engineer wants the heat input on the TD-45. How many kW?") == "power"
    lift = ["PS-20 lift height 5,400 mm.", "PS-20 stand-on stacker, 2,000 kg, 5.4 m: 13,900 euros."]
    assert unit_fits("PS-20 lift height 5,400 mm.", "How high will the PS-20 go? Our beam is about five metres.", lift)


@pytest.mark.parametrize(("question", "attribute"), [
    ("And the grinder, the MG-75. What's that going for?", "price"),
    ("Can I send him over to learn, and what's the damage?", "price"),
    ("I need the weight of the RS-90. Our mezzanine has a floor loading limit.", "weight"),
    ("Our mezzanine has a floor loading limit. I need the weight of the RS-90.", "weight"),
])
def test_the_attribute_a_caller_asks_in_their_own_words(question, attribute):
    from appliance.agent.grounding import asked_attribute

    assert asked_attribute(question) == attribute


@pytest.mark.parametrize(("question", "detail"), [
    ("I'd like to try a couple of machines first. Where do I need to come to?", "address"),
    ("Somebody said the firm was started by an Italian lady. Who was that then?", "founder"),
])
def test_company_details_asked_without_the_usual_words(question, detail):
    from appliance.knowledge.rerank import asked_company_detail

    assert asked_company_detail(question) == detail


def test_the_founding_year_is_the_year_the_company_began_not_another_year_in_its_story():
    from appliance.agent.grounding import extractive_pick

    passages = [Passage(text="The first machine to carry our badge was built in 2003. She started Hearthstone in "
                        "1998 from a lock-up garage.", source="company.md", score=0.5, title="About us")]
    assert "1998" in extractive_pick("How long have you actually been going?", passages)[0]


def test_the_question_said_back_without_a_yes_is_a_bare_yes():
    from appliance.agent.grounding import is_bare_yes_no

    question = "Will the one-group Classic just plug into a normal socket behind the counter?"
    assert is_bare_yes_no("The one-group Classic will plug into a normal socket behind the counter.", question)
    assert not is_bare_yes_no("The HS-1 comes with a 13 A plug for a normal socket.", question)


def test_the_number_to_ring_is_not_taken_for_a_figure_the_callers_story_names():
    """"Our dryer's stopped heating halfway through a load. What number do I ring?" asks the
    service line, not the capacity its "load" would ask alone; a lane named in the company's
    story is no address, and the headcount is "We are 64 people", not "up to 6 staff"."""
    from appliance.agent.grounding import asked_attribute, extractive_pick

    question = "Our dryer's stopped heating halfway through a load. What number do I ring to get an engineer booked?"
    assert asked_attribute(question) == ""
    assert asked_company_detail("The machine's stopped. What's the number for getting an engineer out?") == "phone"
    passages = [Passage(text="FI-2500: gas heated 40 kW, output up to 70 kg of linen per hour. Weight 890 kg.",
                        source="finishing.txt", score=0.45, title="Ironers"),
                Passage(text="Ring the service line on 01632 960455, Monday to Friday from 7:30 to 18:00.",
                        source="service.docx", score=0.32, title="Breakdowns")]
    assert "960455" in extractive_pick(question, passages)[0]
    assert not states_company_detail("address", "She named the business after the lane in Tregarrow where she grew up.")
    assert states_company_detail("address", "Unit 9, Kestle Mill Industrial Estate, Tregarrow TR9 4QX")
    story = [Passage(text="We are 64 people today, 19 of them engineers. Training sessions cost £120 for up to 6 staff.",
                     source="company.md", score=0.4, title="Our story")]
    assert "64" in extractive_pick("Are you a big company? How many staff have you got?", story)[0]


def test_a_price_row_with_a_price_to_buy_and_hire_rates_answers_the_price_to_buy():
    from appliance.agent.grounding import extractive_pick

    passages = [Passage(text="Rear collector, ZT-52 only: buy 1,240.00 pounds sterling.", source="prices.txt",
                        score=0.45, title="Prices"),
                Passage(text="ZT-52 petrol, 52 in: buy 8,250.00 pounds sterling, hire per day 120.00 pounds sterling, "
                        "hire per week 480.00 pounds sterling.", source="prices.txt", score=0.44, title="Prices")]
    assert "8,250" in extractive_pick("What are you asking for the petrol ZT-52, to buy outright?", passages)[0]
    assert "480" in extractive_pick("What would the ZT-52 cost to hire for a whole week?", passages, max_sentences=1)[0]
