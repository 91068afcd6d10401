"""The agent interface: a question and its history in, speakable sentences out."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from appliance.knowledge.base import Passage


@dataclass(frozen=True)
class Turn:
    """One exchange of the conversation so far."""

    caller: str
    agent: str


@dataclass
class AnswerStream:
    """Sentences of one answer, as the model writes them, plus what the answer rests on.

    Iterate ``sentences`` (blocking, in a worker thread); set ``cancel`` to stop generation
    (barge-in).  After iteration the timing fields and ``fell_back`` are filled in.
    """

    sentences: Iterator[str]
    sources: list[Passage] = field(default_factory=list)
    cancel: threading.Event = field(default_factory=threading.Event)
    retrieval_s: float | None = None
    first_token_s: float | None = None
    first_sentence_s: float | None = None
    tokens: int = 0
    fell_back: bool = False
    fallback_reason: str = ""
    #: How the answer was made: "generated" (the model, checked against the sources),
    #: "extractive" (sentences of the best source), "fallback", or "" before iteration.
    mode: str = ""
    total_s: float | None = None
    #: Whether the prompt's beginning (prefix and passage) came from a saved state.
    prompt_cached: bool = False


class Agent(ABC):
    """Answers a caller's question from the knowledge base."""

    @abstractmethod
    def answer(self, question: str, history: Sequence[Turn] = ()) -> AnswerStream:
        """Start answering; the returned stream yields sentences as they are ready."""

    @abstractmethod
    def greeting(self) -> str:
        """What the caller hears first."""

    # -- the model's room, across every call (the model is shared) ---------------------------
    @property
    @abstractmethod
    def in_flight(self) -> int:
        """Answers the model is writing or that wait for it, across every call: one from
        when its generation is asked for until it is finished, closed or cancelled (an
        answer that needs no generation, and one being looked up, hold none)."""

    @property
    @abstractmethod
    def parallel(self) -> int:
        """How many answers the model writes at once; more wait for one to finish."""

    def has_room(self) -> bool:
        """Whether an answer asked for now would be written at once rather than wait."""
        return self.in_flight < self.parallel
