"""The soak's callers: what each kind of call does, and what the caller saw.

Every call is placed with the project's SIPp-based test caller (``SipCaller``), from a
caller number of its own (``calls.caller`` in the service's records, so each call finds its
record).  The kinds:

- ``question``: one question from the sample knowledge base, listen to the answer, hang up;
- ``cut_ari`` / ``cut_bye``: one question, then hang up 0.5-2 s after the answer starts
  playing, by ``DELETE /ari/channels/{id}`` (as a dropped line looks to the service) or by
  the caller's own BYE: the hang-up that deadlocked the service (issue 12, item 1);
- ``barge_in``: the caller talks over the greeting, or over the answer to a first question;
- ``dtmf``: a key press (not 0), then a question; ``operator``: 0, the transfer to a person;
- ``silence``: the caller says nothing; the service reprompts and hangs up by itself;
- ``long``: four questions in a row with a key press among them.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from appliance.telephony.sip_caller import CallerTurn, CallResult, SipCaller

#: Each question with the fact its answer must carry: (in the record's agent text, in what
#: the caller heard as Whisper writes it).
FACTS: dict[str, tuple[str, str]] = {
    "How much does the UTM-100 weigh?": (r"410", r"410|four hundred (and )?ten|400\W+and\W+10\b"),
    "What is the price of the UTM-300?": (r"54[,. ]?000", r"54[,. ]?000|fifty.four thousand"),
    "What are your opening hours?": (r"17[:.]?30|5[:.]30|half past five", r"17[:.]?30|5[:.]?30|half past five|five thirty"),
    "How long is the warranty?": (r"24|two.year|2.year", r"24|twenty.four|two.year|2.year"),
}
QUESTIONS = list(FACTS)
#: How long a caller listens on after the agent fell silent before hanging up: past a
#: "one moment, please" on a loaded box, the answer itself comes seconds later.  With the
#: caller's 2 s settle, under the service's 8 s reprompt.
LISTEN_S = 5.5

KINDS = ("question", "cut_ari", "cut_bye", "barge_in", "dtmf", "operator", "silence", "long")
#: The full run's mix (weights).
DEFAULT_MIX = {"question": 25, "cut_ari": 15, "cut_bye": 15, "barge_in": 12, "dtmf": 8, "operator": 3,
               "silence": 7, "long": 15}


def fact_in(text: str, question: str, heard: bool = False) -> bool:
    pattern = FACTS[question][1 if heard else 0]
    return re.search(pattern, text.lower().replace("\u2009", " ")) is not None


@dataclass
class SoakCall:
    """One call of the soak: what was planned, what the caller saw, what the service recorded."""

    n: int
    kind: str
    number: str
    started_s: float
    questions: list[str] = field(default_factory=list)
    ended_s: float = 0.0
    answered: bool = False
    error: str = ""
    #: The call overlapped an Asterisk kill or a service restart: failing is expected of it.
    disrupted: bool = False
    ended_by: str = ""
    cut: str = ""
    cut_after_s: float | None = None
    #: The answer had started playing when the caller hung up (the deadlock's trigger).
    cut_mid_answer: bool = False
    replies_heard: int = 0
    heard_spans: int = 0
    record: dict[str, Any] | None = None
    fact_ok: bool | None = None
    heard_text: str = ""
    heard_ok: bool | None = None
    recording: np.ndarray | None = None

    def to_json(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k != "recording"}
        return out


class CuttingCaller(SipCaller):
    """The test caller, hanging up ``hangup_after_reply_s`` into the answer (``SipCaller.call``)
    either with its own BYE or, given ``on_cut``, by having Asterisk drop its channel (which
    then sends the caller a BYE): the two ways a caller's hang-up reaches the service.
    It also tells whether the answer was still audible when the caller hung up.
    """

    def __init__(self, *args: Any, cut: str = "", on_cut: Callable[[], Awaitable[bool]] | None = None,
                 **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.cut, self.on_cut = cut, on_cut
        self.cut_mid_answer = False
        self._listener: Any = None

    async def _run_turns(self, turns: list[CallerTurn], rtp: Any, listener: Any, result: CallResult,
                         proc: asyncio.subprocess.Process, *args: Any, **kw: Any) -> None:
        self._listener = listener
        await super()._run_turns(turns, rtp, listener, result, proc, *args, **kw)

    async def _send_hangup(self, call_id: str, sip_port: int) -> None:
        if self.cut and self._listener is not None and self._listener.last_audible is not None:
            now = asyncio.get_running_loop().time() - self._listener.t0
            self.cut_mid_answer = now - self._listener.last_audible < 0.5
        if self.cut == "ari" and self.on_cut is not None and await self.on_cut():
            return  # Asterisk hangs the channel up and sends our SIPp its BYE
        await super()._send_hangup(call_id, sip_port)


def plan_turns(kind: str, rng: Any, voices: dict[str, np.ndarray]) -> tuple[list[CallerTurn], list[str], dict[str, Any]]:
    """The caller's script for a kind: (turns, questions asked, call() keyword arguments)."""
    def q() -> str:
        return QUESTIONS[rng.randrange(len(QUESTIONS))]

    def say(text: str, **kw: Any) -> CallerTurn:
        return CallerTurn(audio=voices[text], text=text, **kw)

    if kind in ("question", "cut_ari", "cut_bye"):
        text = q()
        return [say(text)], [text], {"listen_s": LISTEN_S} if kind == "question" else {}
    if kind == "barge_in":
        if rng.random() < 0.5:  # over the greeting
            text = q()
            return [say(text, barge_in_after_s=1.5)], [text], {"listen_s": LISTEN_S}
        first, second = q(), q()
        return [say(first), say(second, barge_in_after_s=1.0)], [first, second], {"listen_s": LISTEN_S}
    if kind == "dtmf":  # the question right after the key (nothing is said in reply to a key)
        text = q()
        return [CallerTurn(dtmf=str(rng.choice("123456789#*"))), say(text, wait_for_agent=False)], [text], \
            {"listen_s": LISTEN_S}
    if kind == "operator":
        return [CallerTurn(dtmf="0")], [], {"listen_s": 3.0}
    if kind == "silence":
        return [], [], {"hangup": "remote", "listen_s": 60.0}
    if kind == "long":
        texts = [q() for _ in range(4)]
        turns = [say(texts[0]), say(texts[1]), CallerTurn(dtmf=str(rng.choice("123456789"))),
                 say(texts[2], wait_for_agent=False), say(texts[3])]
        return turns, texts, {"listen_s": LISTEN_S}
    raise ValueError(f"unknown call kind {kind!r}")
