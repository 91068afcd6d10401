"""One answer: the agent's sentences, synthesised while the next is written, out to the caller.

A :class:`ReplyJob` owns everything one answer needs and nothing else: the question, its
turn clock, the answer stream, one cancel event (set by a barge-in, a newer turn or the
hang-up; the model and TTS threads stop at their next check of it), the sentences said,
and, for an answer started early on a pause, its *held* audio, which waits for the turn to
end with the same words (``commit``) or is dropped unheard (``stop``).  Generation and
synthesis run in two worker threads; audio crosses to the loop one chunk at a time.

The job decides nothing about the call: the session starts it, stops it, commits it, and
after ``run`` reads what was said (``spoken``, ``interrupted``, ``failed``).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from appliance.agent.base import Agent, AnswerStream, Turn
from appliance.agent.sentences import ends_sentence
from appliance.call.recorder import TurnClock
from appliance.speech_out.base import SpeechSynthesizer

log = logging.getLogger("appliance.call.session")

#: Piper starts each utterance with ~0.1 s of near-silence; below this RMS (about -50 dBFS)
#: a reply's leading chunks are dropped, so the answer starts with the first word.
LEAD_IN_RMS = 100.0
#: Silent 20 ms frames kept between an answer's opening words and the rest of their sentence.
OPENING_GAP_FRAMES = 3


class ReplyOutput(Protocol):
    """Where a reply's audio goes (the session's playout)."""

    def play(self, pcm: np.ndarray) -> None:
        """Queue audio for the caller now."""

    def first_audio(self, clock: TurnClock) -> None:
        """The answer's first audio is about to be queued (we are speaking; measure it)."""

    async def played(self) -> None:
        """Until everything queued has gone out (or been cleared)."""

    def event(self, kind: str, **detail: object) -> None:
        """Something worth a line in the call's record."""


@dataclass
class HeldReply:
    """A reply started early on a tentative transcript; its audio waits for the turn to end."""

    text: str
    clock: TurnClock
    #: Resolved True when the turn ended with these words (play), False when dropped.
    decided: asyncio.Future[bool]
    chunks: list[np.ndarray] = field(default_factory=list)
    #: The first audio chunk is ready (the state change and first-RTP time wait for commit).
    audio_ready: bool = False


class ReplyJob:
    """Agent -> sentences -> TTS -> playout for one question, with its own cancellation."""

    def __init__(self, question: str, clock: TurnClock, history: Sequence[Turn], *, agent: Agent,
                 synthesizer: SpeechSynthesizer, workers: Executor, out: ReplyOutput,
                 hold_on: Callable[[], np.ndarray], max_dead_air_s: float, sentence_pause_ms: int,
                 held: bool = False, call_id: str = "") -> None:
        self.question = question
        self.clock = clock
        self.history = tuple(history)
        self.agent = agent
        self.synthesizer = synthesizer
        self.workers = workers
        self.out = out
        self.hold_on = hold_on
        self.max_dead_air_s = max_dead_air_s
        self.sentence_pause_ms = sentence_pause_ms
        self.call_id = call_id
        self.loop = asyncio.get_running_loop()
        self.cancel = threading.Event()
        self.held = HeldReply(question, clock, self.loop.create_future()) if held else None
        self.answer: AnswerStream | None = None
        self.spoken: list[str] = []
        self.failed = ""

    # -- control (event loop) --------------------------------------------------------------
    @property
    def pending(self) -> bool:
        """Started early and still waiting for the turn to end."""
        return self.held is not None and not self.held.decided.done()

    @property
    def dropped(self) -> bool:
        """Started early and not taken by the turn: it leaves no trace."""
        return self.held is not None and not (self.held.decided.done() and self.held.decided.result())

    @property
    def interrupted(self) -> bool:
        return self.cancel.is_set()

    def stop(self) -> None:
        """Never to be heard (any more): generation and synthesis stop at their next check."""
        if self.held is not None and not self.held.decided.done():
            self.held.decided.set_result(False)
        self.cancel.set()
        if self.answer is not None:
            self.answer.cancel.set()

    def commit(self) -> None:
        """The turn ended with the words this held reply was started on: let it be heard."""
        held = self.held
        assert held is not None and not held.decided.done()
        held.decided.set_result(True)
        if held.audio_ready:
            self.out.first_audio(self.clock)
        for chunk in held.chunks:
            self._play(chunk)
        held.chunks.clear()

    def _play(self, chunk: np.ndarray) -> None:
        held = self.held
        if held is not None and not held.decided.done():
            if not self.cancel.is_set():
                held.chunks.append(chunk)
            return
        if self.dropped or self.cancel.is_set():
            return
        self.out.play(chunk)

    def _first_audio_out(self) -> None:
        if self.held is not None and not self.held.decided.done():
            self.held.audio_ready = True  # said once the turn ends with these words
            return
        if not self.dropped:
            self.out.first_audio(self.clock)

    # -- the work ---------------------------------------------------------------------------
    async def run(self) -> None:
        """Until the answer has been said (or stopped, or has failed: see ``failed``)."""
        setup = self.loop.run_in_executor(self.workers, self.agent.answer, self.question, self.history)
        try:
            answer = await asyncio.shield(setup)  # a cancel here must not lose the answer being made
        except asyncio.CancelledError:
            # Hung up (or stopped) while the answer was being set up: the stream it returns
            # must free its model slot at once rather than wait to be read.
            self.cancel.set()
            setup.add_done_callback(_abandon_answer)
            raise
        self.answer = answer
        if self.cancel.is_set():
            answer.cancel.set()  # stopped while the answer was being set up: free its model slot now
        sentences: queue.Queue[str | None] = queue.Queue()
        gen = self.loop.run_in_executor(self.workers, self._generate, answer, sentences)
        say = self.loop.run_in_executor(self.workers, self._speak, sentences)
        hold = self.loop.create_task(self._hold_on_if_slow(), name=f"hold-on-{self.call_id}")
        try:
            # Both threads end (a failed model still ends the sentence queue), so what was
            # written before a failure is said before the apology.
            for result in await asyncio.gather(gen, say, return_exceptions=True):
                if isinstance(result, BaseException):
                    raise result
            hold.cancel()
            if self.held is not None and not await asyncio.shield(self.held.decided):
                return  # dropped unheard: not a turn
            if not self.cancel.is_set():
                await self.out.played()
        except asyncio.CancelledError:
            # The task itself was cancelled (the call is winding down): the threads stop too,
            # and the answer gives its room in the model back now, not when it is written.
            self.stop()
            raise
        except Exception as exc:  # noqa: BLE001 - a failed answer costs a turn, not the call
            log.exception("event=session.reply_failed call_id=%s", self.call_id)
            self.cancel.set()
            self.failed = f"{type(exc).__name__}: {exc}"
        finally:
            hold.cancel()
            await asyncio.wait({hold})
            if self.dropped:
                self.cancel.set()  # an early answer the turn did not take leaves no record

    def _generate(self, answer: AnswerStream, sentences: queue.Queue[str | None]) -> None:
        """Worker thread: the model's sentences into the queue, until done or cancelled."""
        try:
            for sentence in answer.sentences:
                if self.cancel.is_set():
                    break
                if self.clock.first_sentence is None:
                    self.clock.first_sentence = time.monotonic()
                sentences.put(sentence)
        finally:
            close = getattr(answer.sentences, "close", None)
            if close is not None:
                close()  # releases the model for the next caller
            sentences.put(None)

    def _speak(self, sentences: queue.Queue[str | None]) -> None:
        """Worker thread: each sentence synthesised, its chunks sent to the loop as they come."""
        send = self.loop.call_soon_threadsafe
        pause = np.zeros(int(self.sentence_pause_ms * 8), dtype=np.int16)
        joined = True  # the next piece goes on from opening words (or starts the answer)
        while True:
            sentence = sentences.get()
            if sentence is None or self.cancel.is_set():
                return
            # Opening words said before their sentence was finished: the rest follows
            # with a breath between, not the voice's full trailing and leading silence.
            opening = not ends_sentence(sentence)
            trailing: list[np.ndarray] = []
            for chunk in self.synthesizer.stream(sentence):
                if self.cancel.is_set():
                    return
                if _quiet(chunk):
                    if joined:
                        continue  # the voice's lead-in silence: the caller would wait through it
                    trailing.append(chunk)
                    continue
                joined = False
                if self.clock.first_audio_chunk is None:
                    self.clock.first_audio_chunk = time.monotonic()
                    send(self._first_audio_out)
                for quiet in trailing:
                    send(self._play, quiet)
                trailing.clear()
                send(self._play, chunk)
            for quiet in trailing[: OPENING_GAP_FRAMES if opening else None]:
                send(self._play, quiet)
            if not opening:
                send(self._play, pause)
            joined = opening
            self.spoken.append(sentence)

    async def _hold_on_if_slow(self) -> None:
        """Dead air is capped: past the limit with nothing to say yet, say "one moment"."""
        if self.held is not None and not await asyncio.shield(self.held.decided):
            return
        await asyncio.sleep(self.max_dead_air_s)
        if self.clock.first_audio_chunk is None and not self.cancel.is_set():
            self.out.event("hold_on")
            pcm = await self.loop.run_in_executor(self.workers, self.hold_on)
            if self.clock.first_audio_chunk is None and not self.cancel.is_set():
                self.out.play(pcm)


def _quiet(chunk: np.ndarray) -> bool:
    """Below -50 dBFS: silence, not speech."""
    return float(np.sqrt(np.mean(chunk.astype(np.float32) ** 2))) < LEAD_IN_RMS


def _abandon_answer(setup: asyncio.Future[AnswerStream]) -> None:
    """An answer nobody will read: cancel it and release what it holds."""
    if setup.cancelled() or setup.exception() is not None:
        return
    answer = setup.result()
    answer.cancel.set()
    close = getattr(answer.sentences, "close", None)
    if close is not None:
        close()
