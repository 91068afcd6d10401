"""The baseline the streaming conversation is measured against: record, then answer.

This is how the old cloud bot (and most file-recording IVR bots) handled a turn, run here
with the same local models so the benchmark compares pipelines, not models:

1. record the caller's whole utterance until a fixed long silence (1.5 s of frames below
   an energy threshold, as Asterisk's ``Record(...,silence)`` does); nothing is done with
   the audio while the caller speaks;
2. transcribe the whole recording in one go;
3. wait for the agent's complete answer (every sentence);
4. synthesise the whole answer into one buffer;
5. play it.  No barge-in: caller audio is ignored while we talk.

It plugs into the same Stasis app as the conversation (``appliance serve --mode
baseline``), writes the same call records, and its turn timings use the same names
(all from the end of the caller's speech) so the benchmark reads both alike.  Extra
baseline-only keys: ``recording_ms`` (end of speech to the recording closing),
``asr_ms``, ``generation_ms`` and ``tts_ms`` (how long each whole step took).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from typing import Any

import numpy as np

from appliance.agent.base import Turn
from appliance.call.engines import Engines
from appliance.call.records import CallRecords
from appliance.logs import log_event
from appliance.telephony.rtp import FRAME_MS, ReceivedFrame
from appliance.telephony.stasis_app import CallHandler, CallLeg

log = logging.getLogger(__name__)

#: Silence that ends a recording (file-recording bots use 1.5 to 3 s; we take the short end).
SILENCE_S = 1.5
#: Frame RMS (int16) at or above which a 20 ms frame counts as speech (Asterisk's
#: silence threshold is 256 on mean magnitude; RMS of the same audio is a little higher).
SPEECH_RMS = 300.0
#: Consecutive loud frames that start a recording (60 ms), and audio kept before that.
START_FRAMES = 3
PRE_ROLL_FRAMES = 15
#: Longest recording; past it the turn is answered as it is.
MAX_RECORDING_S = 30.0


def baseline_handler(engines: Engines, records: CallRecords | None, silence_s: float = SILENCE_S) -> CallHandler:
    """The Stasis call handler for the record-then-answer baseline."""

    async def handle(leg: CallLeg) -> None:
        await BaselineSession(leg, engines, records, silence_s).run()

    return handle


class BaselineSession:
    """One call, half duplex: greet, then record / transcribe / answer / synthesise / play."""

    def __init__(self, leg: CallLeg, engines: Engines, records: CallRecords | None,
                 silence_s: float = SILENCE_S) -> None:
        self.leg = leg
        self.engines = engines
        self.settings = engines.settings
        self.records = records
        self.call_id = leg.call_id
        self.silence_frames = max(1, round(silence_s * 1000 / FRAME_MS))
        self.loop = asyncio.get_running_loop()
        self.frames: asyncio.Queue[ReceivedFrame] = asyncio.Queue()
        self.history: list[Turn] = []
        self.turn_index = 0
        self._recognizer: Any = None

    async def run(self) -> None:
        if self.records:
            self.records.start_call(self.call_id, self.leg.caller.caller_number)
        self.leg.rtp.on_audio = self.frames.put_nowait
        outcome = "answered"
        try:
            self._recognizer = await self.loop.run_in_executor(self.engines.workers, self.engines.new_recognizer)
            greeting = self.engines.phrases.greeting
            pcm = await self.loop.run_in_executor(self.engines.workers, self.engines.phrase_audio, greeting)
            await self._play(pcm)
            self._record_turn("greeting", "", greeting, {})
            while not self.leg.ended.is_set():
                recorded = await self._record()
                if recorded is None:
                    continue
                await self._answer(*recorded)
        except Exception:
            outcome = "error"
            raise
        finally:
            if outcome == "answered" and self.turn_index == 0 and self.leg.end_reason == "caller_hangup":
                outcome = "abandoned"
            if self.records:
                self.records.end_call(self.call_id, outcome, self.leg.end_reason)
            log_event(log, "baseline.end", call_id=self.call_id, outcome=outcome, turns=self.turn_index)

    async def _play(self, pcm: np.ndarray) -> float:
        """Queue the audio, wait until it has gone out; returns when its first frame left."""
        self.leg.rtp.play(pcm)
        first = self.loop.time() + FRAME_MS / 1000  # the pacer sends it on its next tick
        await self.leg.rtp.wait_idle()
        return first

    async def _record(self) -> tuple[np.ndarray, float, float] | None:
        """The caller's next utterance: (audio, loop time speech ended, loop time recording closed)."""
        while not self.frames.empty():  # anything heard while we talked is dropped (no barge-in)
            self.frames.get_nowait()
        pre: deque[np.ndarray] = deque(maxlen=PRE_ROLL_FRAMES)
        audio: list[np.ndarray] = []
        loud = silent = 0
        started = False
        speech_end = 0.0
        max_frames = int(MAX_RECORDING_S * 1000 / FRAME_MS)
        while True:
            frame = await self.frames.get()
            if self.leg.rtp.speaking:
                continue
            rms = float(np.sqrt(np.mean(frame.pcm.astype(np.float32) ** 2)))
            is_speech = rms >= SPEECH_RMS
            if not started:
                pre.append(frame.pcm)
                loud = loud + 1 if is_speech else 0
                if loud >= START_FRAMES:
                    started = True
                    audio = list(pre)
                    speech_end = frame.arrival + FRAME_MS / 1000
                continue
            audio.append(frame.pcm)
            if is_speech:
                silent = 0
                speech_end = frame.arrival + FRAME_MS / 1000
            else:
                silent += 1
            if silent >= self.silence_frames or len(audio) >= max_frames:
                closed = self.loop.time()
                keep = len(audio) - silent + PRE_ROLL_FRAMES  # trailing silence trimmed, as Record() does
                return np.concatenate(audio[:keep]), speech_end, closed

    async def _answer(self, pcm: np.ndarray, speech_end: float, closed: float) -> None:
        t: dict[str, Any] = {"recording_ms": _ms(closed - speech_end)}
        run = self.loop.run_in_executor
        workers = self.engines.workers
        t0 = time.monotonic()
        text = await run(workers, self._transcribe, pcm)
        t["asr_ms"] = _ms(time.monotonic() - t0)
        t["transcript_ms"] = _ms(self.loop.time() - speech_end)
        text = text.strip()
        if not text:
            self._event("empty_recording", audio_s=round(pcm.size / 8000, 2))
            return
        self.turn_index += 1
        history = tuple(self.history[-self.settings.agent.history_turns:])
        answer = await run(workers, self.engines.agent.answer, text, history)
        t0 = time.monotonic()
        sentences: list[str] = await run(workers, list, answer.sentences)
        t["generation_ms"] = _ms(time.monotonic() - t0)
        t["first_sentence_ms"] = _ms(self.loop.time() - speech_end)  # the whole answer, in the baseline
        reply = " ".join(sentences)
        t0 = time.monotonic()
        audio = await run(workers, self.engines.synthesizer.synthesize, reply)
        t["tts_ms"] = _ms(time.monotonic() - t0)
        t["first_audio_chunk_ms"] = _ms(self.loop.time() - speech_end)
        t.update({"retrieval_ms": _ms(answer.retrieval_s), "first_token_ms": _ms(answer.first_token_s),
                  "tokens": answer.tokens, "mode": answer.mode or None})
        first_out = await self._play(audio) if not self.leg.ended.is_set() else None
        if first_out is not None:
            t["first_rtp_ms"] = _ms(first_out - speech_end)
        self.history.append(Turn(text, reply))
        self._record_turn("answer", text, reply, {k: v for k, v in t.items() if v is not None},
                          [{"source": p.source, "title": p.title, "score": round(p.score, 3)} for p in answer.sources])

    def _transcribe(self, pcm: np.ndarray) -> str:
        rec = self._recognizer
        if hasattr(rec, "transcribe_pcm"):
            return str(rec.transcribe_pcm(pcm))
        rec.reset()
        return " ".join(tr.text for tr in rec.feed(pcm) + rec.finish() if tr.is_final and tr.text)

    def _event(self, kind: str, **detail: Any) -> None:
        log_event(log, f"baseline.{kind}", call_id=self.call_id, **detail)
        if self.records:
            self.records.add_event(self.call_id, kind, **detail)

    def _record_turn(self, kind: str, caller_text: str, agent_text: str, timings: dict[str, Any],
                     sources: list[dict[str, Any]] | None = None) -> None:
        log_event(log, "baseline.turn", call_id=self.call_id, turn=self.turn_index, kind=kind, caller=caller_text,
                  agent=agent_text, **{k: v for k, v in timings.items() if k.endswith("_ms")})
        if self.records:
            self.records.add_turn(self.call_id, self.turn_index, kind, caller_text, agent_text, sources, timings)


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)
