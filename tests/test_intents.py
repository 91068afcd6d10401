"""What a caller's words ask for: tables of real phrasings, each with the route it must take."""

from __future__ import annotations

import pytest

from appliance.call import intents

OPERATOR = [
    "Can I speak to an operator please",
    "I want to talk to a human",
    "Put me through to someone in sales",
    "Can I talk to someone",
    "I'd like to speak with somebody",
    "Transfer me please",
    "Can I speak to a real person",
    "Get me a representative",
    "Connect me to an agent",
    "I want a human agent",
    "customer service please",
    "Could I speak to one of your colleagues",
]
NOT_OPERATOR = [
    "Does someone service this model?",
    "Somebody told me the T100 has a USB port",
    "Is there an agent in Germany who sells the T100?",
    "Who is your sales agent for Austria?",
    "Can someone use it outdoors?",
    "My colleague asked about the calibration interval",
    "What is the cleaning agent you recommend?",
]


@pytest.mark.parametrize("text", OPERATOR)
def test_requests_for_a_person_go_to_the_operator(text: str) -> None:
    assert intents.wants_operator(text)


@pytest.mark.parametrize("text", NOT_OPERATOR)
def test_questions_that_mention_people_are_questions(text: str) -> None:
    assert not intents.wants_operator(text)


@pytest.mark.parametrize("text,expected", [
    ("uh-huh", True), ("yeah okay", True), ("mm", True), ("", True),
    ("What is the T100?", False), ("yes but how much is it", False),
    ("That's correct.", True), ("Perfect, thank you very much.", True), ("Всё верно, спасибо", False),
    ("Верно, спасибо большое", True), ("Is that correct for the UTM-50?", False),
])
def test_backchannels(text: str, expected: bool) -> None:
    assert intents.is_backchannel(text) is expected


@pytest.mark.parametrize("text,expected", [
    ("stop", True), ("wait a second", True), ("operator", True), ("bye", True),
    ("Hello, this is Tensora Instruments, how can I help you?", False), ("uh-huh", False),
    ("does someone service this model", False),
])
def test_what_interrupts_while_we_speak(text: str, expected: bool) -> None:
    assert intents.worth_interrupting(text) is expected


@pytest.mark.parametrize("text,expected", [
    ("my number is 0176 248 3915", "01762483915"),
    ("zero one seven six double two four eight", "01762248"),
    ("anna dot berg at example dot com", "anna.berg@example.com"),
    ("call me", ""),
    # "four one five" as Whisper writes it: "for" is a 4 only where a digit follows.
    ("Sure, it's for 1-5, 223, 9-0, 4-4.", "4152239044"),
    ("it's for one five two two three", "415223"),
    ("my number for you is 0176 248 3915", "01762483915"),
])
def test_contacts(text: str, expected: str) -> None:
    assert intents.extract_contact(text) == expected
