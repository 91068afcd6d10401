"""RTP pacing: how evenly our 20 ms frames leave, and whether the schedule drifts.

Two endpoints on loopback; one sends N frames (3,000 = one minute) as a call would, the
other timestamps arrivals.  Send-time error is each frame's actual send time against its
slot on the monotonic schedule (``t0 + n * 20 ms``); drift is the last frame's arrival
against its slot.  A figure for the benchmark, never a timed assert.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass

import numpy as np

from appliance.telephony.rtp import FRAME_SAMPLES, ReceivedFrame, RtpEndpoint


@dataclass
class PacingReport:
    frames: int
    received: int
    send_error_p50_ms: float
    send_error_p99_ms: float
    send_error_max_ms: float
    arrival_interval_p99_ms: float
    drift_ms: float
    underruns: int

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


async def measure_pacing(frames: int = 3000) -> PacingReport:
    """Send ``frames`` paced frames between two local endpoints and report the timing."""
    tx = await RtpEndpoint.open("127.0.0.1", 43000, 43999, "ulaw", "pacing-tx", send_silence=False)
    rx = await RtpEndpoint.open("127.0.0.1", 44000, 44999, "ulaw", "pacing-rx", send_silence=False)
    tx.set_peer("127.0.0.1", rx.local_port)
    rx.set_peer("127.0.0.1", tx.local_port)
    arrivals: list[float] = []
    rx.on_audio = lambda f: arrivals.append(f.arrival) if isinstance(f, ReceivedFrame) else None
    tone = (3000 * np.sin(2 * np.pi * 400 * np.arange(frames * FRAME_SAMPLES) / 8000)).astype(np.int16)
    tx.play(tone)
    tx.start()
    try:
        await asyncio.wait_for(tx.wait_idle(), timeout=frames * 0.02 + 30)
        await asyncio.sleep(0.1)
    finally:
        await tx.close()
        await rx.close()
    errors = np.abs(np.array(list(tx.stats.send_jitter)[:frames])) * 1000
    t = np.array(arrivals)
    intervals = np.diff(t) * 1000 if t.size > 1 else np.zeros(1)
    drift = ((t[-1] - t[0]) - (t.size - 1) * 0.02) * 1000 if t.size > 1 else 0.0
    return PacingReport(
        frames=frames, received=int(t.size),
        send_error_p50_ms=round(float(np.percentile(errors, 50)), 3),
        send_error_p99_ms=round(float(np.percentile(errors, 99)), 3),
        send_error_max_ms=round(float(errors.max()), 3),
        arrival_interval_p99_ms=round(float(np.percentile(intervals, 99)), 3),
        drift_ms=round(float(drift), 3), underruns=tx.stats.underruns,
    )


def pacing_line(r: PacingReport) -> str:
    return (f"RTP pacing over {r.frames} frames ({r.frames * 0.02:.0f} s): send error p50 {r.send_error_p50_ms} ms, "
            f"p99 {r.send_error_p99_ms} ms, max {r.send_error_max_ms} ms; drift {r.drift_ms} ms; "
            f"underruns {r.underruns}; {r.received} received")
