"""The dialogue policy as a table: the words of each turn, and what the call does next."""

from __future__ import annotations

import pytest

from appliance.call.dialogue import (Answer, Dialogue, HangUp, ReadBack, Say, StoreLead, Transfer,
                                     WaitForMore)

ANNA = "My name is Anna Berg"

CASES = {
    "a question is answered": (["What does the T100 cost?"], [Answer("What does the T100 cost?")]),
    "operator": (["Can I speak to someone please"], [Transfer("caller_asked")]),
    "a question mentioning someone": (["Does someone service this model?"],
                                      [Answer("Does someone service this model?")]),
    "goodbye": (["That's all, goodbye"], [Say("farewell", "farewell"), HangUp("goodbye")]),
    "quote asks for the name": (["I'd like a quote for the T100"], [Say("lead_name", "lead")]),
    "name asks for the contact": (["I'd like a quote", ANNA], [Say("lead_contact", "lead")]),
    "e-mail is read back": (["I'd like a quote", ANNA, "anna at example dot com"],
                            [ReadBack("Anna Berg", "anna@example.com")]),
    "digits wait for the rest": (["I'd like a quote", ANNA, "0176 248"], [WaitForMore()]),
    "digits go on": (["I'd like a quote", ANNA, "0176 248", "3915"], [WaitForMore()]),
    "no contact heard": (["I'd like a quote", ANNA, "I am not sure"], [Say("lead_retry", "lead")]),
    "yes stores the lead": (["I'd like a quote for the T100", ANNA, "anna at example dot com", "yes"],
                            [StoreLead("Anna Berg", "anna@example.com", "I'd like a quote for the T100"),
                             Say("lead_done", "lead")]),
    "a correction is read back": (["I'd like a quote", ANNA, "anna at example dot com", "no, bob at example dot com"],
                                  [ReadBack("Anna Berg", "bob@example.com")]),
    "no without a contact asks again": (["I'd like a quote", ANNA, "anna at example dot com", "no"],
                                        [Say("lead_retry", "lead")]),
    "after the lead, questions again": (["I'd like a quote", ANNA, "anna at example dot com", "yes", "What is the T100?"],
                                        [Answer("What is the T100?")]),
}


@pytest.mark.parametrize("turns,expected", CASES.values(), ids=CASES.keys())
def test_routes(turns: list[str], expected: list[object]) -> None:
    dialogue = Dialogue()
    actions: list[object] = []
    for text in turns:
        actions = list(dialogue.turn(text))
    assert actions == expected


def test_a_dictated_number_is_read_back_whole_at_the_pause() -> None:
    dialogue = Dialogue()
    for text in ("I'd like a quote", ANNA, "my number is 0176", "248 3915"):
        dialogue.turn(text)
    assert dialogue.dictating
    assert dialogue.contact_pause() == ("my number is 0176 248 3915", [ReadBack("Anna Berg", "01762483915")])
    assert not dialogue.dictating and dialogue.awaiting_yes_no


def test_an_offered_colleague_is_taken_with_yes_once() -> None:
    dialogue = Dialogue()
    dialogue.answer_done(fell_back=True, interrupted=False)
    assert dialogue.awaiting_yes_no and not dialogue.expects_question
    assert dialogue.turn("yes please") == [Transfer("caller_accepted")]
    assert dialogue.turn("yes") == [Answer("yes")]


def test_an_interrupted_fallback_offers_nothing() -> None:
    dialogue = Dialogue()
    dialogue.answer_done(fell_back=True, interrupted=True)
    assert dialogue.turn("yes") == [Answer("yes")]
