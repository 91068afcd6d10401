"""A scripted test caller: dials over SIP, speaks, listens, records, and times the replies.

SIPp (Debian's sip-tester) places the call; the audio is our own RTP endpoint, so every
frame sent and received carries a timestamp on one clock.  That is what lets the caller
measure what a real caller experiences: from the end of their own speech to the first
audible frame of the answer.  Integrators run it (``appliance call``) to smoke-test a
provisioned box; tests and the benchmark drive it from Python.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import socket
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from appliance.config.errors import ApplianceError
from appliance.logs import log_event
from appliance.telephony.rtp import FRAME_SAMPLES, ReceivedFrame, RtpEndpoint
from appliance.telephony.sipp_scenario import hangup_request, render_scenario

log = logging.getLogger(__name__)

#: RMS (int16) above which a received 20 ms frame counts as audible speech.
AUDIBLE_RMS = 200.0
_PT_CODEC = {0: "ulaw", 8: "alaw"}


@dataclass
class CallerTurn:
    """One thing the caller does: say something (audio), or press a key."""

    audio: np.ndarray | None = None
    text: str = ""
    dtmf: str = ""
    #: Wait for the agent to speak and fall silent first (False: speak right away).
    wait_for_agent: bool = True
    #: Speak this long after the agent starts talking (a barge-in), instead of after it ends.
    barge_in_after_s: float | None = None


@dataclass
class TurnTiming:
    """What the caller measured for one turn (seconds on the call clock, from answer)."""

    text: str
    sent_start_s: float
    sent_end_s: float
    reply_start_s: float | None = None
    reply_end_s: float | None = None

    @property
    def latency_ms(self) -> float | None:
        """End of the caller's speech to the first audible frame of the answer."""
        if self.reply_start_s is None:
            return None
        return round((self.reply_start_s - self.sent_end_s) * 1000, 1)


@dataclass
class CallResult:
    """Everything the caller saw: timings, the recording, how the call ended."""

    call_id: str
    answered: bool
    duration_s: float
    turns: list[TurnTiming] = field(default_factory=list)
    recording: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int16))
    recording_path: str = ""
    ended_by: str = ""  # "caller" or "remote"
    codec: str = ""
    #: Audible spans heard, (start_s, end_s) on the call clock.
    heard_spans: list[tuple[float, float]] = field(default_factory=list)
    transcript: str = ""
    #: Seconds from dialling to the answer (ringing, or waiting in the appliance's queue).
    answered_after_s: float = 0.0
    #: When the call was answered, on the caller's event-loop clock (``time.monotonic``): the
    #: call clock's zero, to line the turns up with other measurements of the same run.
    answered_at: float | None = None


def find_sipp() -> str:
    path = shutil.which("sipp")
    if not path:
        raise ApplianceError("sipp not found: install Debian's sip-tester package (scripts/system-deps.sh does)")
    return path


def _free_udp_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class _Listener:
    """Collects received frames and tracks when the agent is audible."""

    def __init__(self, t0: float, silence_s: float) -> None:
        self.t0 = t0
        self.frames: list[tuple[float, np.ndarray]] = []
        self.silence_s = silence_s
        self.last_audible: float | None = None
        self.audible_since: float | None = None
        self.spans: list[tuple[float, float]] = []
        self.changed = asyncio.Event()

    def on_audio(self, frame: ReceivedFrame) -> None:
        t = frame.arrival - self.t0
        self.frames.append((t, frame.pcm))
        rms = float(np.sqrt(np.mean(frame.pcm.astype(np.float64) ** 2)))
        if rms >= AUDIBLE_RMS:
            if self.audible_since is None or (self.last_audible is not None and t - self.last_audible > self.silence_s):
                self.audible_since = t
                self.spans.append((t, t + 0.02))
            self.spans[-1] = (self.spans[-1][0], t + 0.02)
            self.last_audible = t
        self.changed.set()

    def first_audible_after(self, t: float) -> float | None:
        for start, end in self.spans:
            if end > t:
                return max(start, t) if start < t else start
        return None

    def recording(self) -> np.ndarray:
        """Received audio placed at its arrival slot (gaps are silence)."""
        if not self.frames:
            return np.zeros(0, dtype=np.int16)
        end = int(round(self.frames[-1][0] / 0.02)) + 1
        out = np.zeros((end + len(self.frames)) * FRAME_SAMPLES, dtype=np.int16)
        slot = -1
        for t, pcm in self.frames:
            slot = max(int(round(t / 0.02)), slot + 1)
            out[slot * FRAME_SAMPLES: slot * FRAME_SAMPLES + pcm.size] = pcm[:FRAME_SAMPLES]
        return out[: (slot + 1) * FRAME_SAMPLES]


class SipCaller:
    """Places one scripted call into Asterisk and measures it from the caller's side."""

    def __init__(self, host: str = "127.0.0.1", port: int = 5060, extension: str = "appliance",
                 local_ip: str = "127.0.0.1", caller_number: str = "1000", codecs: tuple[str, ...] = ("ulaw", "alaw"),
                 settle_silence_s: float = 0.9, max_wait_s: float = 25.0, max_call_s: float = 180.0) -> None:
        self.host, self.port, self.extension = host, port, extension
        self.local_ip, self.caller_number = local_ip, caller_number
        self.payload_types = tuple({"ulaw": 0, "alaw": 8}[c] for c in codecs)
        self.settle_silence_s = settle_silence_s
        self.max_wait_s = max_wait_s
        self.max_call_s = max_call_s

    async def call_in_child(self, turns: list[CallerTurn], hangup: str = "caller",
                            listen_s: float | None = None, hangup_after_reply_s: float | None = None) -> CallResult:
        """:meth:`call`, run in a child process.

        A caller that shares an event loop (and a GIL) with a service under test shares its
        stalls too: while the service's threads load both cores, the caller's RTP pacer
        wakes late, skips slots, and the agent hears the question with gaps in it.  A real
        caller is another machine; a child process is the nearest thing on one box.
        """
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, _run_call, self, turns, hangup, listen_s,
                                                                    hangup_after_reply_s)
        finally:
            pool.shutdown(wait=False)

    async def call(self, turns: list[CallerTurn], hangup: str = "caller", listen_s: float | None = None,
                   hangup_after_reply_s: float | None = None) -> CallResult:
        """Run the script; ``hangup="caller"`` hangs up after the last reply, "remote" waits for the agent to.

        ``hangup_after_reply_s``: hang up that long after the reply to the last turn became
        audible, in the middle of it (the impatient caller), instead of after it.
        """
        sipp = find_sipp()
        call_id = f"appliance-caller-{uuid.uuid4().hex[:12]}"
        loop = asyncio.get_running_loop()
        rtp = await RtpEndpoint.open(self.local_ip, 30000, 39999, "ulaw", call_id)
        workdir = Path(tempfile.mkdtemp(prefix="appliance-caller-"))
        info_file = workdir / "media.txt"
        scenario = workdir / "caller.xml"
        scenario.write_text(render_scenario(self.local_ip, rtp.local_port, str(info_file), self.payload_types,
                                            self.caller_number))
        sip_port = _free_udp_port(self.local_ip)
        cmd = [sipp, f"{self.host}:{self.port}", "-sf", str(scenario), "-s", self.extension, "-m", "1", "-l", "1",
               "-i", self.local_ip, "-p", str(sip_port), "-cid_str", call_id, "-nostdin", "-timeout",
               f"{int(self.max_call_s) + 30}s", "-timeout_error", "-trace_err", "-error_file", str(workdir / "errors.log")]
        t_start = loop.time()
        proc = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.DEVNULL,
                                                    stderr=asyncio.subprocess.PIPE, cwd=workdir)
        result = CallResult(call_id=call_id, answered=False, duration_s=0.0)
        try:
            answered_at = await self._wait_answer(info_file, proc, rtp, result)
            if answered_at is None:
                return result
            result.answered_after_s = answered_at - t_start
            result.answered_at = answered_at
            listener = _Listener(answered_at, self.settle_silence_s)
            rtp.on_audio = listener.on_audio
            rtp.start()
            await self._run_turns(turns, rtp, listener, result, proc, wait_last_reply=hangup_after_reply_s is None)
            if hangup_after_reply_s is not None:
                since = result.turns[-1].sent_end_s if result.turns else 0.0
                start = await self._wait_agent_starts(listener, since, proc)
                if start is not None:
                    await self._sleep_or_exit(proc, max(0.0, start + hangup_after_reply_s - (loop.time() - listener.t0)))
                if proc.returncode is None:
                    await self._send_hangup(call_id, sip_port)
                    result.ended_by = "caller"
            elif hangup == "caller":
                if listen_s:
                    await self._sleep_or_exit(proc, listen_s)
                if proc.returncode is None:
                    await self._send_hangup(call_id, sip_port)
                    result.ended_by = "caller"
            else:
                await asyncio.wait_for(proc.wait(), timeout=listen_s or self.max_wait_s)
            await asyncio.wait_for(proc.wait(), timeout=15)
            if not result.ended_by:
                result.ended_by = "remote" if "remote_bye" in info_file.read_text() else "caller"
            result.duration_s = round(loop.time() - answered_at, 3)
            result.recording = listener.recording()
            result.heard_spans = [(round(a, 3), round(b, 3)) for a, b in listener.spans]
            return result
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            await rtp.close()
            err = await proc.stderr.read() if proc.stderr else b""
            errors = (workdir / "errors.log").read_text(errors="replace") if (workdir / "errors.log").exists() else ""
            if proc.returncode not in (0, None) or errors.strip():
                log_event(log, "caller.sipp_exit", level=logging.DEBUG, call_id=call_id, rc=proc.returncode,
                          stderr=err.decode(errors="replace")[-400:], errors=errors[-400:])
            shutil.rmtree(workdir, ignore_errors=True)
            log_event(log, "caller.done", call_id=call_id, elapsed_s=round(loop.time() - t_start, 2),
                      answered=result.answered, ended_by=result.ended_by)

    async def _wait_answer(self, info_file: Path, proc: asyncio.subprocess.Process, rtp: RtpEndpoint,
                           result: CallResult) -> float | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.max_wait_s
        while loop.time() < deadline:
            if info_file.exists() and info_file.read_text().strip():
                ip, port, pt = info_file.read_text().split()[:3]
                codec = _PT_CODEC.get(int(pt))
                if codec is None:
                    raise ApplianceError(f"Asterisk answered with payload type {pt}, which the caller cannot speak")
                rtp.set_codec(codec)  # type: ignore[arg-type]
                rtp.set_peer(ip, int(port))
                result.answered, result.codec = True, codec
                return loop.time()
            if proc.returncode is not None:
                err = (await proc.stderr.read()).decode(errors="replace") if proc.stderr else ""
                raise ApplianceError(f"the call was not answered (sipp exit {proc.returncode}): {err.strip()[-300:]}")
            await asyncio.sleep(0.01)
        raise ApplianceError(f"no answer from {self.host}:{self.port} within {self.max_wait_s:.0f} s")

    async def _wait_agent_done(self, listener: _Listener, since: float, proc: asyncio.subprocess.Process) -> None:
        """Until the agent has spoken (after ``since``) and then been silent for settle_silence_s."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.max_wait_s
        while loop.time() < deadline and proc.returncode is None:
            now = loop.time() - listener.t0
            last = listener.last_audible
            if last is not None and last >= since and now - last >= self.settle_silence_s:
                return
            await asyncio.sleep(0.02)

    async def _wait_agent_starts(self, listener: _Listener, since: float, proc: asyncio.subprocess.Process) -> float | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.max_wait_s
        while loop.time() < deadline and proc.returncode is None:
            start = listener.first_audible_after(since)
            if start is not None:
                return start
            await asyncio.sleep(0.01)
        return None

    async def _run_turns(self, turns: list[CallerTurn], rtp: RtpEndpoint, listener: _Listener,
                         result: CallResult, proc: asyncio.subprocess.Process, wait_last_reply: bool = True) -> None:
        loop = asyncio.get_running_loop()
        since = 0.0
        for turn in turns:
            if proc.returncode is not None:
                break
            if turn.barge_in_after_s is not None:
                start = await self._wait_agent_starts(listener, since, proc)
                if start is not None:
                    wait = start + turn.barge_in_after_s - (loop.time() - listener.t0)
                    if wait > 0:
                        await asyncio.sleep(wait)
            elif turn.wait_for_agent:
                await self._wait_agent_done(listener, since, proc)
            sent_start = loop.time() - listener.t0
            if turn.dtmf:
                for digit in turn.dtmf:
                    rtp.send_dtmf(digit)
                    await asyncio.sleep(0.3)
            if turn.audio is not None and turn.audio.size:
                rtp.play(turn.audio)
                await rtp.wait_idle()
            sent_end = loop.time() - listener.t0
            timing = TurnTiming(turn.text or (f"DTMF {turn.dtmf}" if turn.dtmf else ""), round(sent_start, 3), round(sent_end, 3))
            result.turns.append(timing)
            since = sent_end
        # Measure the reply to each turn once the last one is answered.
        if result.turns and proc.returncode is None and wait_last_reply:
            await self._wait_agent_done(listener, since, proc)
        for i, timing in enumerate(result.turns):
            nxt = result.turns[i + 1].sent_start_s if i + 1 < len(result.turns) else None
            start = listener.first_audible_after(timing.sent_end_s)
            if start is not None and (nxt is None or start < nxt):
                timing.reply_start_s = round(start, 3)
                ends = [b for a, b in listener.spans if a >= start and (nxt is None or a < nxt)]
                timing.reply_end_s = round(max(ends), 3) if ends else None

    async def _sleep_or_exit(self, proc: asyncio.subprocess.Process, seconds: float) -> None:
        try:
            await asyncio.wait_for(proc.wait(), timeout=seconds)
        except asyncio.TimeoutError:
            pass

    async def _send_hangup(self, call_id: str, sip_port: int) -> None:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(asyncio.DatagramProtocol, local_addr=(self.local_ip, 0))
        try:
            from_port = transport.get_extra_info("sockname")[1]
            transport.sendto(hangup_request(call_id, sip_port, from_port), (self.local_ip, sip_port))
        finally:
            transport.close()


def write_wav(path: str | os.PathLike[str], pcm: np.ndarray, rate: int = 8000) -> None:
    """A mono 16-bit WAV (the recording the caller heard)."""
    import wave

    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.asarray(pcm, dtype=np.int16).tobytes())


def _run_call(caller: SipCaller, turns: list[CallerTurn], hangup: str, listen_s: float | None,
              hangup_after_reply_s: float | None = None) -> CallResult:
    """A child process's whole job for :meth:`SipCaller.call_in_child`."""
    return asyncio.run(caller.call(turns, hangup, listen_s, hangup_after_reply_s))
