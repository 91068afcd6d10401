"""The echo handler: the telephony smoke test before (or without) the speech engines.

It plays a greeting WAV and then sends the caller's own audio back half a second later,
so an integrator hears that both RTP directions work end to end.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from appliance.config.errors import InputError
from appliance.telephony.rtp import ReceivedFrame
from appliance.telephony.stasis_app import CallLeg

GREETING = Path(__file__).parent / "assets" / "greeting-echo.wav"
ECHO_DELAY_FRAMES = 25  # 0.5 s


def read_wav_8k(path: Path) -> np.ndarray:
    """A mono 16-bit 8 kHz WAV as int16 samples (the shipped greeting is exactly that)."""
    try:
        with wave.open(str(path), "rb") as w:
            if w.getframerate() != 8000 or w.getsampwidth() != 2 or w.getnchannels() != 1:
                raise InputError(f"{path}: need 8 kHz 16-bit mono, got {w.getframerate()} Hz "
                                 f"{8 * w.getsampwidth()}-bit {w.getnchannels()} channel(s)")
            return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).copy()
    except (wave.Error, EOFError) as exc:
        raise InputError(f"{path}: not a readable WAV ({exc})") from exc


async def echo_handler(leg: CallLeg) -> None:
    """Greet, then echo until the caller hangs up.  A caller past ``call.max_calls`` is hung
    up on at once: the telephony test has no voice to say the lines are busy."""
    if leg.over_capacity:
        await leg.hangup()
        return
    delayed: list[np.ndarray] = []

    def on_audio(frame: ReceivedFrame) -> None:
        delayed.append(frame.pcm)
        if len(delayed) > ECHO_DELAY_FRAMES and not leg.rtp.speaking:
            leg.rtp.play(delayed.pop(0))
        elif len(delayed) > ECHO_DELAY_FRAMES:
            delayed.pop(0)

    leg.rtp.play(read_wav_8k(GREETING))
    await leg.rtp.wait_idle()
    leg.rtp.on_audio = on_audio
    await leg.ended.wait()
