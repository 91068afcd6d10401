"""A call without a phone line: the session's turn-taking, tested in milliseconds.

Every part the session talks to is replaced by a scripted one, and time runs fast:

- ``FakeLine``: the RTP endpoint's own ``Playout`` (telephony/playout.py: ``play``, ``clear``,
  ``speaking``, ``wait_idle``, ``on_frame_sent``, ``last_talkspurt_started``), so the queueing
  tested is the one calls use; only the socket and the clock are fake: a pacer takes one
  frame every ``FRAME_S`` (2 ms instead of 20) and records every frame that went out: what
  the caller *heard*, not what was queued (a barge-in drops the rest unheard).
- ``FakeSynth``: deterministic PCM.  Each text gets its own sample value, so the frames the
  line sent decode back into the texts the caller heard (``Call.heard()``).  Streaming
  starts with a quiet lead-in chunk, like Piper.
- ``ScriptedVad`` / ``ScriptedRecognizer``: the caller's speech as a script of VAD events
  and transcripts, delivered with the next caller frame (``Caller``).  Stream time advances
  20 ms per frame, as with real audio.
- ``FakeAgent``: scripted answers (sentences, a delay before each, a failure, a set-up that
  blocks until released) with the real ``AnswerStream``.
- a real ``CallLeg`` (its transfer goes to a fake ARI that records or fails it) and real
  ``CallRecords`` in a temporary SQLite file: what a call stores is read back as stored.

The session's own timeouts (reprompt, dead air, watchdog tick, contact pause) are set short.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from appliance.agent.base import Agent, AnswerStream, Turn
from appliance.call import session as session_module
from appliance.call.engines import Engines, Phrases
from appliance.call.records import CallRecords, read_call
from appliance.call.session import ConversationSession
from appliance.config.settings import Settings
from appliance.speech_in.base import SpeechRecognizer, Transcript, VadEvent, VoiceActivityDetector
from appliance.speech_out.base import SpeechSynthesizer
from appliance.telephony.ari import AriError, Channel
from appliance.tasks import cancel_and_wait
from appliance.telephony.playout import Playout
from appliance.telephony.rtp import FRAME_SAMPLES, ReceivedFrame
from appliance.telephony.stasis_app import CallLeg

#: The fake line's frame period (the real one is 20 ms): audio goes out ten times as fast.
FRAME_S = 0.002
#: Samples per word of synthesised speech (two frames).
WORD_SAMPLES = 2 * FRAME_SAMPLES
#: A caller frame loud enough to barge in (session.BARGE_IN_MIN_RMS is 500).
LOUD = 3000
QUIET = 200
QUIET_FRAME = QUIET


# -- the line ---------------------------------------------------------------------------------

class FakeLine(Playout):
    """The RTP endpoint with its socket and clock replaced: the real ``Playout`` (queue, clear,
    ``wait_idle``, measured send times, talkspurts), whose frames a pacer takes every
    ``FRAME_S`` and records instead of sending."""

    def __init__(self) -> None:
        super().__init__()
        self.on_audio: Callable[[ReceivedFrame], None] | None = None
        self.taps: list[Callable[[ReceivedFrame], None]] = []
        #: (loop time, talkspurt number, frame) of every audio frame sent.
        self.sent: list[tuple[float, int, np.ndarray]] = []
        self._talkspurt = 0
        self._pacer: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._pacer = asyncio.get_running_loop().create_task(self._pace())

    async def close(self) -> None:
        self.close_playout()
        await cancel_and_wait(self._pacer)

    async def _pace(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(FRAME_S)
            now = loop.time()
            taken = self.next_frame(now)
            if taken is None:
                continue
            frame, marker = taken
            if marker:
                self._talkspurt += 1
            self.sent.append((now, self._talkspurt, frame))

    @property
    def last_queued(self) -> np.ndarray | None:
        """The frame queued last (still to go out), if any."""
        return self._queue[-1] if self._queue else None


class FakeAri:
    """What the call leg asks of ARI: continuing in the dialplan (the transfer)."""

    def __init__(self) -> None:
        self.transfers: list[tuple[str, str, int]] = []
        self.fail_transfer = False

    async def continue_in_dialplan(self, channel_id: str, context: str, extension: str, priority: int) -> None:
        if self.fail_transfer:
            raise AriError("POST", "/channels/chan-1/continue", 500, "failed")
        self.transfers.append((context, extension, priority))


# -- speech out -------------------------------------------------------------------------------

class FakeSynth(SpeechSynthesizer):
    """Deterministic speech: every text has its own sample value, one 40 ms chunk a word."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}
        self.texts: dict[int, str] = {}
        self.fail_on: set[str] = set()
        self.cache_loads = 0
        #: Monotonic time each streamed text's first spoken chunk was made.
        self.first_chunk_at: dict[str, float] = {}

    def code(self, text: str) -> int:
        if text not in self.codes:
            value = 1000 + 7 * len(self.codes)
            self.codes[text], self.texts[value] = value, text
        return self.codes[text]

    def _check(self, text: str) -> None:
        if any(bad in text for bad in self.fail_on):
            raise RuntimeError(f"synthesis failed for {text!r}")

    def stream(self, text: str) -> Iterator[np.ndarray]:
        self._check(text)
        yield np.zeros(WORD_SAMPLES, dtype=np.int16)  # the voice's lead-in silence
        self.first_chunk_at.setdefault(text, time.monotonic())
        for _ in text.split():
            yield np.full(WORD_SAMPLES, self.code(text), dtype=np.int16)

    def synthesize(self, text: str) -> np.ndarray:
        self._check(text)
        return np.full(WORD_SAMPLES * max(1, len(text.split())), self.code(text), dtype=np.int16)

    def cached(self, text: str) -> np.ndarray:
        self.cache_loads += 1
        return self.synthesize(text)


# -- speech in --------------------------------------------------------------------------------

@dataclass
class Step:
    """What the caller's next frame completes: VAD events and transcripts."""

    events: list[str] = field(default_factory=list)
    transcripts: list[Transcript] = field(default_factory=list)


class ScriptedVad(VoiceActivityDetector):
    """Events on cue: each processed stretch of audio delivers the next scripted step."""

    def __init__(self) -> None:
        self.steps: deque[Step] = deque()
        self.current = Step()
        self._time = 0.0
        self.dictation = False
        self.dictation_seen: list[bool] = []
        self.lock = threading.Lock()

    @property
    def time_s(self) -> float:
        return self._time

    def process(self, pcm_8k: np.ndarray) -> list[VadEvent]:
        with self.lock:
            at = self._time
            self._time += len(pcm_8k) / 8000
            self.current = self.steps.popleft() if self.steps else Step()
        self.last_prob = 0.9 if float(np.abs(pcm_8k).mean()) > 100 else 0.05
        return [VadEvent(kind, at) for kind in self.current.events]  # type: ignore[arg-type]

    def reset(self) -> None:
        self._time = 0.0

    def set_dictation(self, on: bool) -> None:
        self.dictation = on
        self.dictation_seen.append(on)


class ScriptedRecognizer(SpeechRecognizer):
    """Segments by the scripted VAD (as Whisper does) and returns the step's transcripts."""

    def __init__(self, vad: VoiceActivityDetector, script: ScriptedVad) -> None:
        self.vad = vad
        self.script = script
        self.fail_next = False
        #: While cleared, feed() blocks (a recogniser that has fallen behind).
        self.running = threading.Event()
        self.running.set()

    def feed(self, pcm_8k: np.ndarray) -> list[Transcript]:
        self.running.wait(5)
        self.vad.process(pcm_8k)
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("recogniser failed")
        transcripts = self.script.current.transcripts
        if not self.early_transcripts:
            transcripts = [t for t in transcripts if t.is_final]
        return transcripts

    def finish(self) -> list[Transcript]:
        return []

    def reset(self) -> None:
        pass


# -- the agent --------------------------------------------------------------------------------

@dataclass
class Scripted:
    """One scripted answer."""

    sentences: list[str]
    delay_s: float = 0.0  # the model's time to write each sentence
    fail_after: int | None = None  # raise after this many sentences
    fell_back: bool = False
    #: Set-up (``answer()``) blocks until this is set (the window between request and stream).
    release: threading.Event | None = None


class FakeAgent(Agent):
    """Answers from a script (default: one sentence that repeats the question).

    Like the real model it counts the answers it is writing (``in_flight``): an answer takes
    its room when its generation starts (when its sentences are first read) and gives it back
    when it is written, fails, or is closed, or as soon as its cancel event is set while a
    sentence is being written (the real agent looks at it every token).  An answer whose
    reader stops reading without closing it or cancelling it keeps its room: a leak.
    ``others`` stands for other calls' answers being written meanwhile.
    """

    def __init__(self, parallel: int = 2) -> None:
        self.script: dict[str, Scripted] = {}
        self.streams: list[AnswerStream] = []
        self.questions: list[str] = []
        self.in_answer = threading.Event()
        self.others = 0
        self._parallel = parallel
        self._lock = threading.Lock()
        self._writing = 0
        #: Answers of this call's agent that took room in the model, ever.
        self.started = 0

    @property
    def in_flight(self) -> int:
        with self._lock:
            return self._writing + self.others

    @property
    def parallel(self) -> int:
        return self._parallel

    def _take(self, delta: int) -> None:
        with self._lock:
            self._writing += delta
            self.started += max(0, delta)

    def answer(self, question: str, history: Sequence[Turn] = ()) -> AnswerStream:
        self.questions.append(question)
        plan = self.script.get(question, Scripted([f"Answer to {question}"]))
        self.in_answer.set()
        if plan.release is not None:
            plan.release.wait(5)
        stream = AnswerStream(sentences=iter(()), fell_back=False)
        agent = self

        def sentences() -> Iterator[str]:
            agent._take(1)
            try:
                for i, sentence in enumerate(plan.sentences):
                    if plan.fail_after is not None and i >= plan.fail_after:
                        raise RuntimeError("model failed")
                    if stream.cancel.wait(plan.delay_s):
                        return
                    yield sentence
                stream.fell_back = plan.fell_back
                stream.mode = "fallback" if plan.fell_back else "generated"
            finally:
                agent._take(-1)

        stream.sentences = sentences()
        self.streams.append(stream)
        return stream

    def greeting(self) -> str:
        return "Hello"


class FakeEngines(Engines):
    """Engines whose VAD and recogniser are the test's script."""

    script: ScriptedVad
    recognizer: ScriptedRecognizer

    def new_vad(self) -> VoiceActivityDetector:
        return self.script

    def new_recognizer(self, vad: VoiceActivityDetector | None = None) -> SpeechRecognizer:
        assert vad is not None
        self.recognizer = ScriptedRecognizer(vad, self.script)
        return self.recognizer


PHRASES = Phrases(greeting="Hello, this is the test line.", fallback="I do not know that.")


def fast_settings(tmp: Path) -> Settings:
    """Settings with every call timeout short; written directly (the loader's ranges are
    for integrators, not for a clock that runs ten times as fast)."""
    s = Settings(data_dir=str(tmp))
    s.call.reprompt_after_s = 0.3
    s.call.max_reprompts = 2
    s.call.barge_in_guard_ms = 0
    s.call.barge_in_min_speech_ms = 60
    s.call.max_dead_air_s = 0.15
    s.call.max_call_s = 30
    s.tts.sentence_pause_ms = 20
    s.llm.parallel = 2
    return s


# -- the call ---------------------------------------------------------------------------------

class Call:
    """One session on the fake line; ``start()`` runs it, ``hang_up()`` ends it."""

    def __init__(self, tmp: Path, settings: Settings | None = None, records: CallRecords | None = None) -> None:
        self.settings = settings or fast_settings(tmp)
        self.synth = FakeSynth()
        self.agent = FakeAgent(parallel=self.settings.llm.parallel)
        self.engines = FakeEngines(self.settings, None, self.synth, self.agent, None, PHRASES)  # type: ignore[arg-type]
        self.engines.script = self.vad = ScriptedVad()
        self.line = FakeLine()
        self.ari = FakeAri()
        self.leg = CallLeg("call-1", Channel("chan-1", "PJSIP/test", "Up", caller_number="555"),
                           self.ari, self.line)  # type: ignore[arg-type]
        self.db = tmp / "calls.sqlite3"
        self.records = records or CallRecords(self.db)
        self.session: ConversationSession | None = None
        self.task: asyncio.Task[None] | None = None

    async def start(self, *, greeted: bool = True) -> ConversationSession:
        self.line.start()
        self.session = ConversationSession(self.leg, self.engines, self.records)
        self.task = asyncio.get_running_loop().create_task(self.session.run())
        if greeted:
            await self.until(lambda: self.session is not None and self.session.state.value == "listening"
                             and not self.line.speaking)
        return self.session

    async def hang_up(self) -> None:
        """The caller hangs up: the leg ends, the session winds down, the line closes."""
        self.leg.end("caller_hangup")
        assert self.task is not None
        await asyncio.wait_for(self.task, 5)
        await self.line.close()
        self.records.flush()

    async def finish(self) -> dict[str, Any]:
        """Hang up (if the call is still on) and return what was stored."""
        if self.task is not None and not self.task.done():
            await self.hang_up()
        else:
            assert self.task is not None
            await asyncio.wait_for(self.task, 5)
            await self.line.close()
            self.records.flush()
        self.records.close()
        stored = read_call(self.db, "call-1")
        assert stored is not None
        return stored

    # -- the caller ----------------------------------------------------------------------
    def frame(self, level: int = QUIET) -> None:
        """One 20 ms caller frame arrives (delivering the next scripted step, if any)."""
        frame = ReceivedFrame(np.full(FRAME_SAMPLES, level, dtype=np.int16), asyncio.get_running_loop().time(), 0)
        for tap in self.line.taps:
            tap(frame)
        assert self.line.on_audio is not None
        self.line.on_audio(frame)

    async def step(self, *events: str, final: str | None = None, tentative: str | None = None,
                   level: int = QUIET) -> None:
        """The caller's next frame completes these events and transcripts; waits until handled."""
        transcripts = []
        if tentative is not None:
            transcripts.append(Transcript(tentative, False, 0.0, self.vad.time_s))
        if final is not None:
            transcripts.append(Transcript(final, True, 0.0, self.vad.time_s))
        with self.vad.lock:
            self.vad.steps.append(Step(list(events), transcripts))
        self.frame(level)
        await self.processed()

    async def processed(self) -> None:
        """Until the listen loop has taken every frame and script step given so far."""
        session = self.session
        assert session is not None
        await self.until(lambda: not self.vad.steps and session.input.idle)
        for _ in range(5):  # the handlers the batch started run up to their first wait
            await asyncio.sleep(0)

    async def say(self, text: str, *, frames: int = 3, level: int = QUIET) -> None:
        """A whole utterance: speech start, ``frames`` voiced frames, then its end and words."""
        await self.step("speech_start", level=level)
        for _ in range(frames):
            await self.step(level=level)
        await self.step("speech_end", final=text, level=level)

    async def until(self, condition: Callable[[], bool], timeout: float = 3.0, *, line_on: bool = False) -> None:
        """Until ``condition``; with ``line_on`` the caller says nothing but the line goes on
        (a quiet frame every 20 ms, as RTP does), for what is measured in the caller's audio."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not condition():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"timed out waiting for {getattr(condition, '__name__', condition)}; "
                                     f"heard so far: {self.heard()}")
            if line_on:
                self.frame()
            await asyncio.sleep(FRAME_SAMPLES / 8000 if line_on else 0.001)

    async def line_quiet_until(self, condition: Callable[[], bool], timeout: float = 3.0) -> None:
        """``until`` with the line on: quiet caller frames keep arriving meanwhile."""
        await self.until(condition, timeout, line_on=True)

    async def quiet_for(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    # -- what the caller heard ------------------------------------------------------------
    def heard(self) -> list[str]:
        """The texts whose audio went out, in order (one entry per stretch of each)."""
        out: list[str] = []
        last: tuple[int, int] | None = None
        for _, spurt, frame in self.line.sent:
            code = int(frame[0])
            if code == 0:
                continue
            key = (spurt, code)
            if key != last:
                out.append(self.synth.texts.get(code, f"?{code}"))
            last = key
        return out

    def first_sent(self, text: str) -> float:
        """Loop time the first frame of ``text`` went out."""
        code = self.synth.codes[text]
        return next(t for t, _, frame in self.line.sent if int(frame[0]) == code)

    def frames_of(self, text: str) -> int:
        """How many frames of ``text`` went out."""
        code = self.synth.codes.get(text)
        return sum(1 for _, _, frame in self.line.sent if int(frame[0]) == code)

    def heard_text(self) -> str:
        return " | ".join(self.heard())

    async def hears(self, text: str, timeout: float = 3.0) -> None:
        """Until the caller has heard ``text`` to its end (every frame of it went out)."""
        def done() -> bool:
            return text in self.heard() and not (self.line.speaking and self._last_code() == self.synth.codes.get(text))
        await self.until(done, timeout)

    async def listening(self, timeout: float = 3.0) -> None:
        """Until the session listens again with nothing left to say (the turn is over)."""
        session = self.session
        assert session is not None
        await self.until(lambda: session.state.value == "listening" and not self.line.speaking
                         and (session._reply_task is None or session._reply_task.done()), timeout)

    def _last_code(self) -> int | None:
        last = self.line.last_queued
        return None if last is None else int(last[0])


def patch_fast(monkeypatch: Any) -> None:
    """The session's module-level timings, short."""
    monkeypatch.setattr(session_module, "WATCHDOG_TICK_S", 0.01)
    monkeypatch.setattr(session_module, "HANGUP_TAIL_S", 0.01)
    monkeypatch.setattr(session_module, "CONTACT_PAUSE_S", 0.1)
