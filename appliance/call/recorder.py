"""What a call leaves behind: its record (turns, events, lead), its metrics, its recordings.

One :class:`CallRecorder` per call.  Rows go to :class:`~appliance.call.records.CallRecords`
(one writer thread; a failed write is logged and counted there), figures to the metrics,
and the optional WAVs are written in a worker thread at the end: seconds of numpy and disk
work that must never run on the loop that paces every call's RTP.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from appliance.agent.base import AnswerStream
from appliance.call.records import CallRecords
from appliance.logs import log_event
from appliance.web import metrics

log = logging.getLogger("appliance.call.session")


@dataclass
class TurnClock:
    """Loop-clock times of one turn's milestones (seconds); reported relative to speech end."""

    speech_end: float | None = None
    transcript: float | None = None
    first_sentence: float | None = None
    first_audio_chunk: float | None = None
    first_rtp: float | None = None
    agent: dict[str, Any] = field(default_factory=dict)
    #: The answer was started on a pause, before the end of the turn was known.
    early: bool = False

    def report(self) -> dict[str, Any]:
        base = self.speech_end if self.speech_end is not None else self.transcript
        out: dict[str, Any] = {}
        for name in ("transcript", "first_sentence", "first_audio_chunk", "first_rtp"):
            value = getattr(self, name)
            if value is not None and base is not None:
                out[f"{name}_ms"] = round((value - base) * 1000, 1)
        out.update({k: v for k, v in self.agent.items() if v is not None})
        if self.early:
            out["early"] = True
        return out


class CallRecorder:
    """The record, metrics and recordings of one call."""

    def __init__(self, call_id: str, records: CallRecords | None, recordings: Path | None) -> None:
        """``recordings``: the folder for the call's two WAVs, or None not to record audio."""
        self.call_id = call_id
        self.records = records
        self.recordings = recordings
        self.rx_audio: list[np.ndarray] = []
        self.tx_audio: list[np.ndarray] = []

    def start(self, caller: str) -> None:
        if self.records:
            self.records.start_call(self.call_id, caller)
        metrics.call_started()

    def heard(self, pcm: np.ndarray) -> None:
        """Caller audio (when recording)."""
        if self.recordings is not None:
            self.rx_audio.append(pcm)

    def said(self, pcm: np.ndarray) -> None:
        """Our audio as queued for the caller (when recording)."""
        if self.recordings is not None:
            self.tx_audio.append(pcm)

    def event(self, kind: str, **detail: Any) -> None:
        log_event(log, f"session.{kind}", call_id=self.call_id, **detail)
        if self.records:
            self.records.add_event(self.call_id, kind, **detail)

    def turn(self, index: int, kind: str, caller_text: str, agent_text: str, clock: TurnClock | None,
             answer: AnswerStream | None = None, interrupted: bool = False) -> None:
        timings = clock.report() if clock else {}
        metrics.observe_turn(timings, kind=kind, interrupted=interrupted)
        sources = [{"source": p.source, "title": p.title, "score": round(p.score, 3)}
                   for p in (answer.sources if answer else [])]
        log_event(log, "session.turn", call_id=self.call_id, turn=index, kind=kind, caller=caller_text,
                  agent=agent_text, interrupted=interrupted, **{k: v for k, v in timings.items() if k.endswith("_ms")})
        if self.records:
            self.records.add_turn(self.call_id, index, kind, caller_text, agent_text, sources, timings, interrupted)

    def lead(self, name: str, contact: str, products: list[str], request: str) -> None:
        if self.records:
            self.records.add_lead(self.call_id, name, contact, products, request)
        self.event("lead_stored", name=name, contact=contact)

    async def finish(self, outcome: str, reason: str, workers: Executor) -> None:
        """The call is over: its WAVs (in ``workers``), then its end row and metrics."""
        recordings = ("", "")
        if self.recordings is not None:
            try:
                recordings = await asyncio.get_running_loop().run_in_executor(workers, self._write_recordings)
            except Exception as exc:  # noqa: BLE001 - a lost recording must not lose the record
                log_event(log, "session.recording_failed", level=logging.ERROR, call_id=self.call_id,
                          error=f"{type(exc).__name__}: {exc}")
        if self.records:
            self.records.end_call(self.call_id, outcome, reason, recordings)
        metrics.call_ended(outcome)

    def _write_recordings(self) -> tuple[str, str]:
        from appliance.telephony.sip_caller import write_wav

        assert self.recordings is not None
        self.recordings.mkdir(parents=True, exist_ok=True)
        paths = []
        for side, chunks in (("caller", self.rx_audio), ("agent", self.tx_audio)):
            path = self.recordings / f"{self.call_id}-{side}.wav"
            write_wav(path, np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16))
            paths.append(str(path))
        return paths[0], paths[1]
