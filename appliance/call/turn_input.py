"""The caller's side of the call: audio frames in, turn events out, with the barge-in and echo gate.

:class:`TurnInput` takes every caller frame from the RTP endpoint into a bounded queue, runs
the VAD and the recogniser on them in one worker thread (in order), and tells its
:class:`TurnListener` (the session) what happened: activity, a pause with tentative words, the
caller going on, a barge-in, and each finished utterance, marked when it began while we were
talking and too quiet or too early to be anything but our own voice echoed by the line.

It never waits on output: the listener's handlers return at once (a turn's phrases and
answers run in their own tasks), so barge-in is heard while anything at all is being said.
Whether we are talking is asked of the listener; nothing here touches the playout.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from appliance.config.threads import lower_thread_priority
from appliance.config.settings import Settings
from appliance.logs import log_event
from appliance.speech_in.base import EventTee, SpeechRecognizer, Transcript, VadEvent
from appliance.telephony.rtp import ReceivedFrame

log = logging.getLogger("appliance.call.session")

#: Mean RMS (int16) of the caller's last 200 ms needed for speech to count as a barge-in;
#: quieter "speech" while we talk is most likely our own voice echoed back by the line.
BARGE_IN_MIN_RMS = 500.0
#: Caller frames waiting for the recogniser, at most (10 s); past it the oldest are dropped.
MAX_QUEUED_FRAMES = 500


@dataclass(frozen=True)
class Utterance:
    """A finished utterance: its words, when its speech ended, and how it relates to our talk."""

    text: str
    #: Loop time the caller stopped speaking (None if the recogniser ended it on its own).
    speech_end_at: float | None
    #: Began while we talked and did not barge in: most likely our own voice echoed back.
    echo: bool
    #: Loudest 100 ms of the utterance (mean RMS): quiet ones while we talk are echo too.
    level: float


class TurnListener(Protocol):
    """What the turn input reports to (and asks of) the session."""

    def talking(self) -> bool:
        """We are saying something (queued audio, or an answer being made)."""

    def may_answer_early(self) -> bool:
        """A pause now may start a held answer (the recogniser then gives tentative words)."""

    def dictating(self) -> bool:
        """The caller dictates a number: only the full silence ends their turn."""

    def on_activity(self) -> None:
        """The caller did something (the reprompt timer starts again)."""

    def on_resume(self) -> None:
        """The caller went on after a pause: words so far are not the turn."""

    def on_barge_in(self) -> None:
        """The caller has talked over us long and loud enough: stop talking."""

    def on_tentative(self, text: str, speech_end_at: float | None) -> None:
        """The caller paused after these words; the turn may end there."""

    def on_final(self, utterance: Utterance) -> None:
        """An utterance ended."""

    async def on_failure(self, kind: str, exc: Exception) -> None:
        """The recogniser or a handler failed."""


class TurnInput:
    """Frames in, typed turn events out; one per call."""

    def __init__(self, vad: EventTee, asr: SpeechRecognizer, settings: Settings, call_id: str,
                 listener: TurnListener, last_talkspurt: "LastTalkspurt") -> None:
        self.vad = vad
        self.asr = asr
        self.settings = settings
        self.call_id = call_id
        self.listener = listener
        self.last_talkspurt = last_talkspurt
        self.loop = asyncio.get_running_loop()
        self._segments_itself = getattr(asr, "vad", None) is vad
        self._exec = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"listen-{call_id}",
                                        initializer=lower_thread_priority)
        self._frames: asyncio.Queue[ReceivedFrame] = asyncio.Queue(MAX_QUEUED_FRAMES)
        self.frames_dropped = 0
        self._stream_t0: float | None = None  # loop time of the first caller frame (VAD time zero)
        self._recent_rms: deque[float] = deque(maxlen=10)
        self.in_speech = False
        self._speech_end_at: float | None = None
        #: Stream time (loop clock) at which the caller last stopped speaking.
        self._last_speech_end: float | None = None
        #: The current utterance began while we were talking and did not barge in.
        self._utterance_is_echo = False
        #: Stream time (loop clock) at which caller speech began while we talked; barge-in
        #: once it has gone on for call.barge_in_min_speech_ms.
        self._barge_candidate: float | None = None
        #: Loudest 100 ms of the current utterance (mean RMS): the echo test for late interrupts.
        self._utterance_level = 0.0

    @property
    def utterance_is_echo(self) -> bool:
        """The utterance under way began while we talked and did not barge in."""
        return self._utterance_is_echo

    def quiet_for(self) -> float | None:
        """Seconds of caller audio, processed so far, since the caller last stopped speaking.

        Measured in the audio stream, not the wall clock: when the recogniser runs behind
        (a loaded box), a pause is not counted before the audio after it has been heard.
        None while the caller speaks or before they first spoke."""
        if self.in_speech or self._last_speech_end is None:
            return None
        heard_until = (self._stream_t0 or self.loop.time()) + self.vad.time_s
        return max(0.0, heard_until - self._last_speech_end)

    @property
    def idle(self) -> bool:
        """Every frame received so far has been processed."""
        return self._frames.empty()

    def on_frame(self, frame: ReceivedFrame) -> None:
        """The RTP endpoint's callback: queue the frame (never blocks)."""
        if self._stream_t0 is None:
            self._stream_t0 = frame.arrival
        self._recent_rms.append(float(np.sqrt(np.mean(frame.pcm.astype(np.float32) ** 2))))
        if self._frames.full():
            # The recogniser fell this far behind: drop the oldest audio rather than grow
            # without bound (and answer ever later).
            self._frames.get_nowait()
            self.frames_dropped += 1
            if self.frames_dropped == 1:
                log_event(log, "session.input_overrun", level=logging.WARNING, call_id=self.call_id)
        self._frames.put_nowait(frame)

    def close(self) -> None:
        self._exec.shutdown(wait=False, cancel_futures=True)

    def _process(self, pcm: np.ndarray) -> tuple[list[VadEvent], list[Transcript]]:
        """Worker thread: VAD events and transcripts for the next stretch of caller audio."""
        if self._segments_itself:
            transcripts = self.asr.feed(pcm)
            return self.vad.drain(), transcripts
        events = self.vad.process(pcm)
        transcripts = self.asr.feed(pcm)
        if any(e.kind == "speech_end" for e in events) and not any(t.is_final for t in transcripts):
            transcripts += self.asr.finish()
        return self.vad.drain(), transcripts

    async def run(self) -> None:
        """Until cancelled: each batch of queued frames through the VAD and recogniser."""
        listener = self.listener
        while True:
            frames = [await self._frames.get()]
            while not self._frames.empty():
                frames.append(self._frames.get_nowait())
            pcm = np.concatenate([f.pcm for f in frames])
            self.asr.early_transcripts = listener.may_answer_early()
            dictating = listener.dictating()
            self.asr.dictation = dictating
            self.vad.set_dictation(dictating)
            try:
                events, transcripts = await self.loop.run_in_executor(self._exec, self._process, pcm)
            except Exception as exc:  # noqa: BLE001 - an ASR failure costs a turn, not the call
                await listener.on_failure("asr_error", exc)
                continue
            for event in events:
                self._on_vad(event)
            if self.in_speech and self._recent_rms:
                self._utterance_level = max(self._utterance_level, float(np.mean(list(self._recent_rms)[-5:])))
            self._check_barge_in()
            for transcript in transcripts:
                try:
                    if transcript.is_final:
                        self._on_final(transcript)
                    else:
                        listener.on_tentative(transcript.text.strip(), self._speech_end_at)
                except Exception as exc:  # noqa: BLE001 - a failed turn costs the turn, not the call
                    await listener.on_failure("turn_error", exc)

    def _on_final(self, transcript: Transcript) -> None:
        utterance = Utterance(transcript.text.strip(), self._speech_end_at, self._utterance_is_echo,
                              self._utterance_level)
        self._utterance_is_echo = False
        self._speech_end_at = None
        self.listener.on_final(utterance)

    def _on_vad(self, event: VadEvent) -> None:
        at = (self._stream_t0 or self.loop.time()) + event.at_s
        self.listener.on_activity()
        if event.kind == "pause":
            self._speech_end_at = at  # the turn may end here; speech_end will say so
            return
        if event.kind == "resume":
            self.listener.on_resume()
            self._speech_end_at = None
            return
        if event.kind == "speech_start":
            self.in_speech = True
            self._utterance_is_echo = False
            self._barge_candidate = None
            self._utterance_level = 0.0
            if self.listener.talking():
                if self._barge_in_allowed():
                    # Not yet: a back-channel ("uh-huh", "yes") is short; only speech that
                    # goes on for barge_in_min_speech_ms interrupts (checked per batch).
                    self._barge_candidate = at
                else:
                    self._utterance_is_echo = True
        else:
            self.in_speech = False
            self._barge_candidate = None
            self._speech_end_at = at
            self._last_speech_end = at

    def _check_barge_in(self) -> None:
        """Caller speech that has lasted long enough while we talk: stop talking now."""
        start = self._barge_candidate
        if start is None or not self.in_speech:
            return
        if not self.listener.talking():
            self._barge_candidate = None
            return
        heard_until = (self._stream_t0 or self.loop.time()) + self.vad.time_s
        # Still voiced and loud *now*: the VAD stays "in speech" through its end-of-turn
        # hangover, so time since onset alone would let a finished "uh-huh" interrupt.
        voiced_now = self.vad.last_prob >= self.settings.vad.threshold
        loud_now = bool(self._recent_rms) and float(np.mean(list(self._recent_rms)[-5:])) >= BARGE_IN_MIN_RMS
        if voiced_now and loud_now and heard_until - start >= self.settings.call.barge_in_min_speech_ms / 1000:
            self._barge_candidate = None
            self.listener.on_barge_in()

    def _barge_in_allowed(self) -> bool:
        started = self.last_talkspurt()
        guard = self.settings.call.barge_in_guard_ms / 1000
        if started is not None and self.loop.time() - started < guard:
            return False
        level = float(np.mean(self._recent_rms)) if self._recent_rms else 0.0
        return level >= BARGE_IN_MIN_RMS


class LastTalkspurt(Protocol):
    def __call__(self) -> float | None:
        """Loop time our current (or last) talkspurt's first frame went out."""
