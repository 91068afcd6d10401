"""Audio helpers for speech in/out: WAV files of any common kind to 8 kHz int16, G.711, resampling."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import soxr

from appliance.config.errors import InputError

PHONE_RATE = 8000
MIN_RATE = 8000
MAX_RATE = 384000


def _ulaw_table() -> np.ndarray:
    u = ~np.arange(256, dtype=np.int32) & 0xFF
    sign = u & 0x80
    exponent = (u >> 4) & 0x07
    mantissa = u & 0x0F
    mag = ((mantissa << 3) + 0x84) << exponent
    mag = mag - 0x84
    return np.where(sign != 0, -mag, mag).astype(np.int16)


def _alaw_table() -> np.ndarray:
    a = np.arange(256, dtype=np.int32) ^ 0x55
    sign = a & 0x80
    exponent = (a >> 4) & 0x07
    mantissa = a & 0x0F
    mag = np.where(exponent == 0, (mantissa << 4) + 8, ((mantissa << 4) + 0x108) << np.maximum(exponent - 1, 0))
    return np.where(sign != 0, mag, -mag).astype(np.int16)


ULAW_DECODE = _ulaw_table()
ALAW_DECODE = _alaw_table()


def ulaw_decode(data: bytes) -> np.ndarray:
    return ULAW_DECODE[np.frombuffer(data, dtype=np.uint8)]


def alaw_decode(data: bytes) -> np.ndarray:
    return ALAW_DECODE[np.frombuffer(data, dtype=np.uint8)]


def to_float(pcm: np.ndarray) -> np.ndarray:
    return pcm.astype(np.float32) / 32768.0


def to_int16(audio: np.ndarray) -> np.ndarray:
    return np.clip(np.round(audio * 32767.0), -32768, 32767).astype(np.int16)


def resample_int16(pcm: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """One-shot high-quality resampling of int16 audio (soxr, anti-aliased)."""
    if rate_in == rate_out or pcm.size == 0:
        return pcm.astype(np.int16, copy=False)
    return np.asarray(soxr.resample(pcm.astype(np.int16, copy=False), rate_in, rate_out, quality="HQ"), dtype=np.int16)


class StreamingUpsampler:
    """Integer-factor upsampling of a live stream with a short, constant delay.

    soxr's streaming resampler hands its output back in bursts (at 8 -> 16 kHz, ~100 ms
    every third or fourth 32 ms chunk), so a VAD fed from it judged the caller's audio up to
    ~100 ms late, and the end of every turn with it.  A windowed-sinc low-pass over the
    zero-stuffed input, carrying the last ``taps - 1`` input samples between chunks,
    returns exactly ``factor`` output samples per input sample on every call, (taps - 1) / 2
    output samples late (2 ms at 16 kHz).  Phone audio has nothing above 3.4 kHz, so the
    cut-off sits at 90 % of the input's Nyquist frequency.

    One ``np.convolve`` per chunk: scipy's ``lfilter`` gave the same samples but went through
    ``apply_along_axis`` in Python, and every call's listener runs this every 20 ms while
    holding the GIL the RTP pacer needs (a profile at 8 calls).
    """

    def __init__(self, rate_in: int, rate_out: int, taps: int = 63) -> None:
        from scipy.signal import firwin

        if rate_out % rate_in:
            raise ValueError(f"{rate_out} Hz is not a whole multiple of {rate_in} Hz")
        self.factor = rate_out // rate_in
        self._taps = (firwin(taps, 0.9 / self.factor) * self.factor).astype(np.float64)
        self._history = np.zeros(taps - 1, dtype=np.float64)  # the stuffed input's last taps - 1

    def process(self, audio: np.ndarray) -> np.ndarray:
        """Float audio at the input rate in, float32 at the output rate out."""
        x = np.asarray(audio, dtype=np.float64)
        buf = np.zeros(len(self._history) + len(x) * self.factor, dtype=np.float64)
        buf[: len(self._history)] = self._history
        buf[len(self._history) :: self.factor] = x
        out = np.convolve(buf, self._taps, mode="valid")  # y[n] = sum_k taps[k] * x[n - k]
        self._history = buf[len(buf) - len(self._history) :].copy()
        return out.astype(np.float32)


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """Read a WAV (PCM 8/16/24/32-bit, float, µ-law or A-law; any channels) as mono float32 and its rate.

    Raises InputError with one line for a missing, empty, non-WAV or corrupt file.
    """
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{p}: is a folder, not a WAV file") from None
    except OSError as exc:
        raise InputError(f"{p}: cannot read: {exc.strerror}") from None
    if not data:
        raise InputError(f"{p}: the file is empty")
    if len(data) < 12 or data[:4] not in (b"RIFF", b"RIFX") or data[8:12] != b"WAVE":
        raise InputError(f"{p}: not a WAV file (no RIFF/WAVE header)")
    if data[:4] == b"RIFX":
        raise InputError(f"{p}: big-endian (RIFX) WAV is not supported")
    fmt = None
    pcm_bytes = None
    pos = 12
    while pos + 8 <= len(data):
        cid = data[pos : pos + 4]
        (size,) = struct.unpack_from("<I", data, pos + 4)
        body = data[pos + 8 : pos + 8 + size]
        if cid == b"fmt ":
            if len(body) < 16:
                raise InputError(f"{p}: corrupt WAV (fmt chunk too short)")
            tag, channels, rate, _bps, align, bits = struct.unpack_from("<HHIIHH", body)
            if tag == 0xFFFE and len(body) >= 26:
                (tag,) = struct.unpack_from("<H", body, 24)
            fmt = (tag, channels, rate, align, bits)
        elif cid == b"data":
            pcm_bytes = body  # a truncated data chunk is read as far as it goes
            break
        pos += 8 + size + (size & 1)
    if fmt is None:
        raise InputError(f"{p}: corrupt WAV (no fmt chunk)")
    if pcm_bytes is None:
        raise InputError(f"{p}: corrupt WAV (no data chunk)")
    tag, channels, rate, align, bits = fmt
    if channels < 1 or channels > 16:
        raise InputError(f"{p}: corrupt WAV ({channels} channels)")
    if rate < MIN_RATE or rate > MAX_RATE:
        raise InputError(f"{p}: sample rate {rate} Hz is not supported (need {MIN_RATE}..{MAX_RATE} Hz)")
    width = bits // 8
    frame = width * channels
    if width < 1 or frame == 0:
        raise InputError(f"{p}: corrupt WAV ({bits} bits per sample)")
    n = len(pcm_bytes) // frame
    raw = pcm_bytes[: n * frame]
    if n == 0:
        raise InputError(f"{p}: the WAV holds no audio")
    if tag == 1 and bits == 8:
        audio = (np.frombuffer(raw, np.uint8).astype(np.float32) - 128.0) / 128.0
    elif tag == 1 and bits == 16:
        audio = np.frombuffer(raw, "<i2").astype(np.float32) / 32768.0
    elif tag == 1 and bits == 24:
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        v = np.where(v & 0x800000, v - 0x1000000, v)
        audio = v.astype(np.float32) / 8388608.0
    elif tag == 1 and bits == 32:
        audio = np.frombuffer(raw, "<i4").astype(np.float32) / 2147483648.0
    elif tag == 3 and bits in (32, 64):
        audio = np.frombuffer(raw, "<f4" if bits == 32 else "<f8").astype(np.float32)
    elif tag == 7 and bits == 8:
        audio = ulaw_decode(raw).astype(np.float32) / 32768.0
    elif tag == 6 and bits == 8:
        audio = alaw_decode(raw).astype(np.float32) / 32768.0
    else:
        raise InputError(f"{p}: WAV encoding (format {tag}, {bits} bits) is not supported; use PCM, float, µ-law or A-law")
    audio = audio.reshape(-1, channels).mean(axis=1) if channels > 1 else audio
    if not np.all(np.isfinite(audio)):
        raise InputError(f"{p}: corrupt WAV (non-finite samples)")
    return audio.astype(np.float32, copy=False), rate


def read_wav_8k(path: str | Path) -> np.ndarray:
    """A WAV file as 8 kHz mono int16, the phone-line format the recognisers take."""
    audio, rate = read_wav(path)
    if rate != PHONE_RATE:
        audio = soxr.resample(audio, rate, PHONE_RATE, quality="HQ")
    return to_int16(audio)


def write_wav(path: str | Path, pcm: np.ndarray, rate: int = PHONE_RATE) -> None:
    """Write mono int16 PCM as a WAV."""
    import wave

    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.asarray(pcm, dtype="<i2").tobytes())
