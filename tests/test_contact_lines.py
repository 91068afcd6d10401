"""A caller asking for "the number" is read the line for what they call about."""

from __future__ import annotations

import pytest

from appliance.agent.contact_lines import purpose_fit
from appliance.agent.grounding import extractive_pick
from appliance.knowledge.base import Passage

CONTACTS = Passage(
    title="Contact",
    text=("Inkwell Press Systems, Unit 4 Foundry Way, Leeds LS11 5QP.\n"
          "- Sales and quotations: 0113 555 0201, sales@inkwell.example\n"
          "- Service and breakdowns (24 hours): 0113 555 0202, service@inkwell.example\n"
          "- Spare parts and consumables: 0113 555 0203, parts@inkwell.example\n"
          "- Accounts and invoices: 0113 555 0204, accounts@inkwell.example\n"
          "- Operator training: 0113 555 0205, training@inkwell.example\n"),
    source="company.md", score=0.6)

RU_CONTACTS = Passage(
    title="Контакты",
    text=("- Отдел продаж: +7 343 555-10-01, sales@uralpress.example\n"
          "- Сервисная служба: +7 343 555-10-02, service@uralpress.example\n"
          "- Запчасти: +7 343 555-10-03, parts@uralpress.example\n"),
    source="kontakty.md", score=0.6)


@pytest.mark.parametrize("question, line, others", [
    ("The press has stopped halfway through a job and there's an error on the screen. What number do I ring?",
     "0202", ("0201", "0203")),
    ("Our folder's making a grinding noise and I need somebody out to look at it. Who do I call?", "0202", ("0201",)),
    ("I need some spare rollers and a few blankets for our press. Which number do I ring?", "0203", ("0201", "0202")),
    ("There's a mistake on the bill you sent us last month. Who should I phone about it?", "0204", ("0201",)),
    ("We've a new starter who's never run a press. What's the number for getting him trained?", "0205", ("0201",)),
    ("I'd like a price for a second folding machine. What number should I ring?", "0201", ("0202",)),
    ("My print run is tomorrow and the dryer won't heat up. Which email address do I write to?",
     "service@inkwell", ("sales@",)),
])
def test_the_line_for_what_the_caller_calls_about_is_read_alone(question: str, line: str, others: tuple[str, ...]) -> None:
    said, _ = extractive_pick(question, [CONTACTS])
    assert line in said
    for other in others:
        assert other not in said


def test_the_russian_caller_with_a_breakdown_hears_the_service_line() -> None:
    said, _ = extractive_pick("У нас сломался пресс, по какому телефону звонить?", [RU_CONTACTS])
    assert "555-10-02" in said and "555-10-01" not in said
    said, _ = extractive_pick("Хочу заказать запчасти к прессу, какой у вас телефон?", [RU_CONTACTS])
    assert "555-10-03" in said and "555-10-01" not in said


def test_a_number_asked_for_nothing_in_particular_is_still_given() -> None:
    said, _ = extractive_pick("What's your phone number?", [CONTACTS])
    assert "0113 555 020" in said


def test_a_word_of_the_callers_own_outweighs_the_purpose_it_points_to() -> None:
    """A dead battery points to a breakdown, but the battery workshop's line names it."""
    question = "The battery in our truck is dead by lunchtime, it won't hold a charge. Who should I ring?"
    assert purpose_fit(question, "Battery workshop: 045 980270") > purpose_fit(
        question, "Service and breakdowns: 045 980250")
    assert purpose_fit(question, "Sales: 045 980200") == 0.0
    assert purpose_fit(question, "045 980200") == 0.0  # no label: nothing to fit
