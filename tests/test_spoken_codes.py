"""A model the caller names by its number alone ("the sixteen-hundred") is asked about by its code."""

from __future__ import annotations

import pytest

from appliance.agent.spoken_codes import name_spoken_codes

CODES = {"qr1200": "QR-1200", "qr1600": "QR-1600", "qg400": "QG-400", "qg400d": "QG-400D", "qg450": "QG-450",
         "xy220": "XY-220", "pv520": "PV-520", "sx520": "SX-520"}


@pytest.mark.parametrize(("said", "asked"), [
    ("How long is the big conveyor, the sixteen-hundred?", "How long is the big conveyor, the QR-1600?"),
    ("Which is quicker, the twelve-hundred conveyor or the sixteen-hundred?",
     "Which is quicker, the QR-1200 conveyor or the QR-1600?"),
    ("What's the tallest glass for the four-hundred glasswasher?",  # QG-400D is a variant of it
     "What's the tallest glass for the QG-400 glasswasher?"),
    ("How much is the two-twenty?", "How much is the XY-220?"),
    ("Is the 450 quieter than the QG-400?", "Is the QG-450 quieter than the QG-400?"),
])
def test_a_model_said_as_its_number_is_named_by_its_code(said, asked):
    assert name_spoken_codes(said, CODES) == asked


@pytest.mark.parametrize("said", [
    "Does it take the 400 mm baskets?",  # a figure with its unit
    "We need 1600 litres an hour.",  # no "the": a quantity
    "How much is the five-twenty?",  # PV-520 and SX-520: which one is not known
    "What did the 1990s models weigh?",
    "How much is the seventy?",  # no model numbered 70
])
def test_a_number_that_names_no_one_model_is_left_as_said(said):
    assert name_spoken_codes(said, CODES) == said
    assert name_spoken_codes("How much is the sixteen-hundred?", {}) == "How much is the sixteen-hundred?"
