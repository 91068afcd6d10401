"""An FAQ entry answers its own question, asked in the caller's words; never another question."""

from __future__ import annotations

from appliance.agent.faq import faq_answer, faq_entry
from appliance.knowledge.base import Passage

_HIRE = Passage('"I\'m not a business, I\'ve just got a big garden and a paddock. Will you hire to me?"\n'
                "Yes. Bring photo ID and a utility bill with your address on it, and pay the hire deposit: "
                "£50 for a blower, £250 for a ride-on mower.", "faq.md", 0.6, "Questions we get asked a lot")
_PLUG = Passage("A: Only the QG-350 comes with a standard 13 A plug. The other glasswashers need a dedicated "
                "16 A supply, wired in by a registered electrician.", "faq.md", 0.5,
                "Frequently Asked Questions > Q: Can I just plug the machine into the socket behind the bar?")


def test_an_faq_entry_is_read_from_its_heading_or_its_leading_question():
    assert faq_entry(_PLUG) == ("Can I just plug the machine into the socket behind the bar?", _PLUG.text)
    question, answer = faq_entry(_HIRE)
    assert question.endswith("Will you hire to me?") and answer.startswith("Yes. Bring photo ID")
    assert faq_entry(Passage("The QG-350 has a 13 A plug.", "spec.md", 0.5, "Glasswashers > QG-350")) is None


def test_the_entrys_answer_is_said_for_its_question_in_the_callers_words():
    said = faq_answer("I'm no business, just a big garden. Would you hire me a ride-on for the weekend?", [_HIRE])
    # ("Yes." alone is no answer: the fact after it comes with it)
    assert said.startswith("Yes. Bring photo ID") and "£250" in said
    assert faq_answer("Can I plug it into a normal socket behind the bar?", [_PLUG]).startswith(
        "Only the QG-350 comes with a standard 13 A plug.")


def test_an_entry_about_something_else_is_not_read_out():
    assert faq_answer("What's your VAT registration number?", [_PLUG]) == ""
    assert faq_answer("Do you sell second-hand mowers?", [_HIRE]) == ""
    # an entry sharing the caller's words but about another thing ("Can I fit a coin meter?")
    meter = Passage("**Can I add a coin meter to the machines in my launderette?**\nYes. The CM-1 coin meter fits "
                    "any WX washer and costs £295 per machine.", "faq.md", 0.6, "FAQ")
    assert faq_answer("Do you do dry-cleaning machines as well? I'd add them to the launderette.", [meter]) == ""
    assert faq_answer("Can I add a coin meter to the machines in my launderette?", [meter]).startswith("Yes. The CM-1")
    # only the best passage is an answer's candidate
    assert faq_answer("Can I just plug the machine into the socket behind the bar?",
                      [Passage("Delivery is free.", "prices.txt", 0.7, "Delivery"), _PLUG]) == ""


def test_an_entry_asked_for_its_price_says_the_sentence_that_states_it():
    teach = Passage('"Our new groundsman has never driven a zero-turn. Do you teach people?"\n'
                    "Every new zero-turn and tractor comes with a one-hour handover on site by our engineer. "
                    "For a proper grounding we run a half-day "
                    "operator course at our yard for £165 per person.", "faq.md", 0.6, "Questions")
    said = faq_answer("Our new groundsman has never driven one. Can you teach people to drive a zero-turn, "
                      "and what's the damage?", [teach])
    assert said.startswith("Every new zero-turn") and "£165" in said
