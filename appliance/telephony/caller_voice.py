"""The test caller's voice: text to 8 kHz audio at phone quality.

Piper (the project's own synthesiser) when its model is installed, otherwise espeak-ng;
either way the audio goes through G.711 µ-law and back, as a real phone line would put it.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import soxr

from appliance.config.errors import ApplianceError, InputError
from appliance.telephony import g711

if TYPE_CHECKING:
    from appliance.config.settings import Settings


def phone_line(pcm_8k: np.ndarray) -> np.ndarray:
    """What survives an 8 kHz µ-law line."""
    return g711.decode(g711.encode(pcm_8k, "ulaw"), "ulaw")


def read_wav_any(path: str | Path) -> np.ndarray:
    """Any PCM WAV (rate, width, channels) as 8 kHz mono int16."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    try:
        with wave.open(str(p), "rb") as w:
            rate, width, channels = w.getframerate(), w.getsampwidth(), w.getnchannels()
            raw = w.readframes(w.getnframes())
    except (wave.Error, EOFError) as exc:
        raise InputError(f"{p}: not a readable PCM WAV ({exc})") from exc
    if width not in (1, 2, 4):
        raise InputError(f"{p}: unsupported sample width {8 * width} bits")
    if not raw:
        raise InputError(f"{p}: the WAV holds no audio")
    if rate < 8000:
        raise InputError(f"{p}: sample rate {rate} Hz is below the phone's 8000 Hz")
    if width == 1:
        x = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128) / 128
    elif width == 2:
        x = np.frombuffer(raw, dtype=np.int16).astype(np.float32) / 32768
    else:
        x = np.frombuffer(raw, dtype=np.int32).astype(np.float32) / 2**31
    x = x.reshape(-1, channels).mean(axis=1)
    if rate != 8000:
        x = soxr.resample(x, rate, 8000, quality="HQ")
    return np.asarray(np.clip(x * 32768, -32768, 32767), dtype=np.int16)


def espeak_voice(text: str, voice: str = "en-us", speed: int = 165) -> np.ndarray:
    """espeak-ng speech as 8 kHz int16."""
    if not shutil.which("espeak-ng"):
        raise ApplianceError("espeak-ng not found: install Debian's espeak-ng package")
    with tempfile.NamedTemporaryFile(suffix=".wav") as tmp:
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", tmp.name, text], check=True,
                       capture_output=True)
        return read_wav_any(tmp.name)


def caller_voice(text: str, engine: str = "auto", settings: Settings | None = None) -> np.ndarray:
    """The caller saying text, through a µ-law line; engine is "piper", "espeak" or "auto"."""
    if engine in ("auto", "piper"):
        try:
            from appliance.speech_out.factory import synthesize_phone_audio

            return phone_line(synthesize_phone_audio(text, settings))
        except (ImportError, ApplianceError):
            if engine == "piper":
                raise
    return phone_line(espeak_voice(text))
