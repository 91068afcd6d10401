"""What the call does with what the caller said: the dialogue policy, as a pure state machine.

Given a finished turn's words, :class:`Dialogue` decides the next actions (say a fixed
phrase, read the contact back, answer with the agent, transfer, hang up, store a lead, wait
for the rest of a dictated number) and keeps the only state that decision needs: the lead
form being filled in and whether our last answer offered a colleague.  It does no I/O and
never waits, so every route is table-tested (tests/test_dialogue.py); the session carries
the actions out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Union

from appliance.call import intents

#: Fixed phrases by their field name in engines.Phrases.
PhraseName = Literal["farewell", "lead_name", "lead_contact", "lead_retry", "lead_done"]


@dataclass(frozen=True)
class Say:
    """Say a fixed phrase (from the cache)."""

    phrase: PhraseName
    kind: str


@dataclass(frozen=True)
class ReadBack:
    """Read the name and contact back for the caller to confirm."""

    name: str
    contact: str


@dataclass(frozen=True)
class Answer:
    """Let the agent answer the question."""

    question: str


@dataclass(frozen=True)
class Transfer:
    """Put the caller through to a person."""

    reason: str


@dataclass(frozen=True)
class HangUp:
    reason: str


@dataclass(frozen=True)
class StoreLead:
    name: str
    contact: str
    request: str


@dataclass(frozen=True)
class WaitForMore:
    """Digits heard: the caller dictates in groups; wait for a pause before reading back."""


Action = Union[Say, ReadBack, Answer, Transfer, HangUp, StoreLead, WaitForMore]


@dataclass
class LeadForm:
    """A quote or callback request being taken down."""

    request: str
    step: Literal["name", "contact", "confirm"] = "name"
    name: str = ""
    contact: str = ""
    #: Digits heard so far while the caller dictates a number in groups.
    partial: str = ""


class Dialogue:
    """The call's dialogue state and the routing of each turn."""

    def __init__(self) -> None:
        self.lead: LeadForm | None = None
        #: Our last answer offered a colleague; a "yes" now means transfer.
        self.offered_transfer = False

    @property
    def awaiting_yes_no(self) -> bool:
        """A "yes" or "no" now is an answer (not a back-channel)."""
        return self.offered_transfer or (self.lead is not None and self.lead.step == "confirm")

    @property
    def dictating(self) -> bool:
        """The caller is giving a phone number or address (only the full silence ends a turn)."""
        return self.lead is not None and self.lead.step == "contact"

    @property
    def expects_question(self) -> bool:
        """The next words are most likely a question for the agent (an early answer may start)."""
        return self.lead is None and not self.offered_transfer

    def turn(self, text: str) -> list[Action]:
        """The caller said ``text`` (a whole turn): what to do."""
        offered, self.offered_transfer = self.offered_transfer, False
        if self.lead is not None:
            return self._lead_turn(self.lead, text)
        if offered and intents.is_yes(text):
            return [Transfer("caller_accepted")]
        if intents.wants_operator(text):
            return [Transfer("caller_asked")]
        if intents.says_goodbye(text):
            return [Say("farewell", "farewell"), HangUp("goodbye")]
        if intents.wants_lead(text):
            self.lead = LeadForm(request=text)
            return [Say("lead_name", "lead")]
        return [Answer(text)]

    def answer_done(self, fell_back: bool, interrupted: bool) -> None:
        """An answer was given; one the agent could not give offers a colleague."""
        self.offered_transfer = fell_back and not interrupted

    def contact_pause(self) -> tuple[str, list[Action]]:
        """The caller paused after dictating digits: the number is complete.

        Returns the words the number was taken from (for the record) and the actions."""
        lead = self.lead
        if lead is None or not lead.partial:
            return "", []
        text, lead.partial = lead.partial, ""
        contact = intents.extract_contact(text)
        if not contact:
            return text, [Say("lead_retry", "lead")]
        lead.contact, lead.step = contact, "confirm"
        return text, [ReadBack(lead.name, contact)]

    def _lead_turn(self, lead: LeadForm, text: str) -> list[Action]:
        if lead.step == "name":
            lead.name = intents.extract_name(text)
            lead.step = "contact"
            return [Say("lead_contact", "lead")]
        if lead.step == "contact":
            text = f"{lead.partial} {text}".strip()
            contact = intents.extract_contact(text)
            if "@" not in contact and intents.has_digits(text):
                # People dictate numbers in groups with pauses: each group is held until the
                # caller has been quiet for a moment, then the whole number is read back.
                lead.partial = text
                return [WaitForMore()]
            lead.partial = ""
            if not contact:
                return [Say("lead_retry", "lead")]
            lead.contact, lead.step = contact, "confirm"
            return [ReadBack(lead.name, contact)]
        # confirm
        if intents.is_yes(text):
            self.lead = None
            return [StoreLead(lead.name, lead.contact, lead.request), Say("lead_done", "lead")]
        contact = intents.extract_contact(text)
        if contact:
            lead.contact = contact
            return [ReadBack(lead.name, contact)]
        lead.step = "contact"
        return [Say("lead_retry", "lead")]
