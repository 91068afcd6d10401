"""The speech-in interface: every recogniser and the VAD speak these types.

Engines are blocking (CPU-heavy); the call layer runs them in a worker thread so the
event loop keeps pacing RTP.  Audio in is always 8 kHz signed 16-bit mono PCM as numpy
int16 arrays, the rate the phone line gives us; engines that want another rate
resample inside.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Literal

import numpy as np

PHONE_RATE = 8000


@dataclass(frozen=True)
class Transcript:
    """What the recogniser heard; times are seconds from the start of the stream."""

    text: str
    is_final: bool
    start_s: float
    end_s: float


@dataclass(frozen=True)
class VadEvent:
    """Caller speech started or ended, at a time in seconds from the start of the stream.

    Detectors that decide the end of a turn late (see speech_in/turn.py) also say ``pause``
    (a short silence began at ``at_s``; the turn may be over) and ``resume`` (the caller
    went on after a pause), so work on the words so far can start early and be dropped.
    """

    kind: Literal["speech_start", "speech_end", "pause", "resume"]
    at_s: float


class SpeechRecognizer(ABC):
    """Streaming recogniser: feed audio as it arrives, get partial and final transcripts."""

    #: Whether a ``pause`` (see VadEvent) should yield a tentative transcript now; the call
    #: session switches it per batch (only when an early answer could use it).
    early_transcripts: bool = False
    #: Whether the caller is dictating a phone number or address now; the call session
    #: switches it per batch. An engine may decode such turns more carefully.
    dictation: bool = False

    @abstractmethod
    def feed(self, pcm_8k: np.ndarray) -> list[Transcript]:
        """Take the next stretch of audio; return whatever transcripts it completes."""

    @abstractmethod
    def finish(self) -> list[Transcript]:
        """The caller's turn has ended: flush and return the final transcript(s)."""

    @abstractmethod
    def reset(self) -> None:
        """Forget buffered audio and start a new stream (time restarts at zero)."""


class VoiceActivityDetector(ABC):
    """Turns audio into speech-start and speech-end events.

    Besides the events, the call session reads how far the stream has got (``time_s``) and
    the voice probability of the latest window (``last_prob``: is the caller voiced *now*,
    for barge-in), and switches dictation mode on while a number is dictated.
    """

    @property
    def time_s(self) -> float:
        """Seconds of audio processed since the last reset."""
        return 0.0

    #: Voice probability of the latest window (1.0 for detectors that do not score).
    last_prob: float = 1.0

    def set_dictation(self, on: bool) -> None:
        """While on, only the full end-of-turn silence ends a turn (no early end).

        The short pauses between digit groups would otherwise cut a dictated number into
        clips the recogniser hears badly.  Detectors without an early end ignore it.
        """

    @abstractmethod
    def process(self, pcm_8k: np.ndarray) -> list[VadEvent]:
        """Take the next stretch of audio; return the events it completes."""

    @abstractmethod
    def reset(self) -> None:
        """Start over (time restarts at zero)."""


class EventTee(VoiceActivityDetector):
    """A detector whose events are also kept for a second reader.

    The recogniser that segments by VAD consumes the events; the call session still needs
    them (barge-in, turn timing), so it reads the copies with ``drain``.
    """

    def __init__(self, inner: VoiceActivityDetector) -> None:
        self.inner = inner
        self._events: list[VadEvent] = []

    def process(self, pcm_8k: np.ndarray) -> list[VadEvent]:
        events = self.inner.process(pcm_8k)
        self.last_prob = self.inner.last_prob
        self._events.extend(events)
        return events

    def reset(self) -> None:
        self.inner.reset()

    def drain(self) -> list[VadEvent]:
        events, self._events = self._events, []
        return events

    @property
    def time_s(self) -> float:
        return self.inner.time_s

    def set_dictation(self, on: bool) -> None:
        self.inner.set_dictation(on)
