"""Test audio: speech from espeak-ng or Piper, passed through 8 kHz G.711 µ-law like a phone line."""

from __future__ import annotations

import io
import shutil
import subprocess
import wave
from collections.abc import Sequence

import numpy as np
import soxr

PHONE_RATE = 8000


def mulaw_encode(pcm: np.ndarray) -> np.ndarray:
    """G.711 µ-law encode int16 -> uint8 (the standard segment/bias algorithm)."""
    x = pcm.astype(np.int32)
    sign = np.where(x < 0, 0x80, 0)
    mag = np.minimum(np.abs(x), 32635) + 0x84
    exponent = np.floor(np.log2(mag)).astype(np.int32) - 7
    exponent = np.clip(exponent, 0, 7)
    mantissa = (mag >> (exponent + 3)) & 0x0F
    return (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8)


def mulaw_decode(codes: np.ndarray) -> np.ndarray:
    u = ~codes.astype(np.int32) & 0xFF
    sign = u & 0x80
    exponent = (u >> 4) & 0x07
    mantissa = u & 0x0F
    mag = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return np.where(sign != 0, -mag, mag).astype(np.int16)


def phone_line(pcm: np.ndarray, rate: int) -> np.ndarray:
    """Resample to 8 kHz and round-trip through µ-law: what the recogniser gets from RTP."""
    x = soxr.resample(pcm.astype(np.float32) / 32768.0, rate, PHONE_RATE, quality="HQ")
    x16 = np.clip(np.round(x * 32767), -32768, 32767).astype(np.int16)
    return mulaw_decode(mulaw_encode(x16))


def have_espeak() -> bool:
    return shutil.which("espeak-ng") is not None


def espeak(text: str, voice: str = "en-us", speed: int = 150) -> tuple[np.ndarray, int]:
    """espeak-ng speech as (int16, rate)."""
    wav = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(speed), "--stdout", text], check=True, capture_output=True
    ).stdout
    with wave.open(io.BytesIO(wav)) as w:
        rate = w.getframerate()
        data = w.readframes(w.getnframes())
    return np.frombuffer(data, dtype="<i2").copy(), rate


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * PHONE_RATE), dtype=np.int16)


def pad(pcm: np.ndarray, before_s: float, after_s: float) -> np.ndarray:
    return np.concatenate([silence(before_s), pcm, silence(after_s)])


def frames(pcm: np.ndarray, size: int = 160):
    """20 ms RTP-sized pieces."""
    for i in range(0, len(pcm), size):
        yield pcm[i : i + size]


def write_wav(path, pcm: np.ndarray, rate: int = PHONE_RATE, channels: int = 1, width: int = 2) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


def write_mulaw_wav(path, pcm_8k: np.ndarray) -> None:
    """A G.711 µ-law WAV (format tag 7), as Asterisk records."""
    codes = mulaw_encode(pcm_8k).tobytes()
    import struct

    fmt = struct.pack("<HHIIHH", 7, 1, PHONE_RATE, PHONE_RATE, 1, 8) + b"\x00\x00"
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(codes)) + codes
    with open(path, "wb") as fh:
        fh.write(b"RIFF" + struct.pack("<I", len(body)) + body)


def edit_distance(ref: Sequence[str], hyp: Sequence[str]) -> int:
    """Levenshtein distance: items (words, digits) inserted, dropped or changed."""
    d = list(range(len(hyp) + 1))
    for i, rw in enumerate(ref, 1):
        prev, d[0] = d[0], i
        for j, hw in enumerate(hyp, 1):
            cur = min(d[j] + 1, d[j - 1] + 1, prev + (rw != hw))
            prev, d[j] = d[j], cur
    return d[len(hyp)]


def wer(ref: str, hyp: str) -> float:
    """Word error rate: word-level edit distance / reference length (case and punctuation ignored)."""
    import re

    norm = lambda s: re.sub(r"[^a-z0-9' ]+", " ", s.lower()).split()  # noqa: E731
    r, h = norm(ref), norm(hyp)
    return edit_distance(r, h) / max(1, len(r))


def piper(text: str, onnx_path) -> tuple[np.ndarray, int]:
    """Piper speech at the voice's native rate as (int16, rate) (the shared voice is reused)."""
    from appliance.speech_out.piper_tts import load_piper_voice

    voice = load_piper_voice(onnx_path)
    chunks = [c.audio_int16_array for c in voice.synthesize(text)]
    return np.concatenate(chunks), int(voice.config.sample_rate)
