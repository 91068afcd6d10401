"""G.711 µ-law and A-law as numpy lookup tables.

The stdlib ``audioop`` module is deprecated (gone in Python 3.13), and per-sample Python
loops are far too slow for 50 packets a second per call, so both directions are table
lookups: decoding indexes a 256-entry int16 table; encoding indexes a 65,536-entry uint8
table with the sample reinterpreted as uint16.  The tables are built once at import from
the ITU-T G.711 segment rules (the same arithmetic as the classic Sun reference code).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

Codec = Literal["ulaw", "alaw"]

#: RTP static payload types (RFC 3551) and SDP names of the two codecs.
PAYLOAD_TYPES: dict[str, int] = {"ulaw": 0, "alaw": 8}
SDP_NAMES: dict[str, str] = {"ulaw": "PCMU", "alaw": "PCMA"}

_ULAW_BIAS = 0x84
_ULAW_CLIP = 32635  # 8159 in the 14-bit domain


def _build_ulaw_decode() -> np.ndarray:
    u = ~np.arange(256, dtype=np.int32) & 0xFF
    sign = u & 0x80
    exponent = (u >> 4) & 0x07
    mantissa = u & 0x0F
    magnitude = (((mantissa << 3) + _ULAW_BIAS) << exponent) - _ULAW_BIAS
    return np.where(sign != 0, -magnitude, magnitude).astype(np.int16)


def _build_ulaw_encode() -> np.ndarray:
    # 14-bit magnitude as in the reference coder: shift first (floor for negatives), then fold.
    x = np.arange(65536, dtype=np.int32).astype(np.uint16).view(np.int16).astype(np.int32) >> 2
    mask = np.where(x < 0, 0x7F, 0xFF)
    magnitude = np.minimum(np.where(x < 0, -x, x), _ULAW_CLIP >> 2) + (_ULAW_BIAS >> 2)
    seg_ends = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF])
    seg = np.searchsorted(seg_ends, magnitude, side="left")
    uval = (np.minimum(seg, 7) << 4) | ((magnitude >> (np.minimum(seg, 7) + 1)) & 0x0F)
    uval = np.where(seg >= 8, 0x7F, uval)
    return ((uval ^ mask) & 0xFF).astype(np.uint8)


def _build_alaw_decode() -> np.ndarray:
    a = np.arange(256, dtype=np.int32) ^ 0x55
    t = (a & 0x0F) << 4
    seg = (a & 0x70) >> 4
    t = np.where(seg == 0, t + 8, t + 0x108)
    t = np.where(seg > 1, t << np.maximum(seg - 1, 0), t)
    return np.where(a & 0x80, t, -t).astype(np.int16)


def _build_alaw_encode() -> np.ndarray:
    x = np.arange(65536, dtype=np.int32).astype(np.uint16).view(np.int16).astype(np.int32) >> 3
    mask = np.where(x >= 0, 0xD5, 0x55)
    x = np.where(x >= 0, x, -x - 1)
    seg_ends = np.array([0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF])
    seg = np.searchsorted(seg_ends, x, side="left")
    shifted = np.where(seg < 2, x >> 1, x >> np.maximum(seg, 1))
    aval = (np.minimum(seg, 7) << 4) | (shifted & 0x0F)
    aval = np.where(seg >= 8, 0x7F, aval)
    return ((aval ^ mask) & 0xFF).astype(np.uint8)


_DECODE = {"ulaw": _build_ulaw_decode(), "alaw": _build_alaw_decode()}
_ENCODE = {"ulaw": _build_ulaw_encode(), "alaw": _build_alaw_encode()}


def encode(pcm: np.ndarray, codec: Codec) -> bytes:
    """Signed 16-bit PCM samples to G.711 bytes, one byte per sample."""
    samples = np.ascontiguousarray(pcm, dtype=np.int16)
    return _ENCODE[codec][samples.view(np.uint16)].tobytes()


def decode(payload: bytes, codec: Codec) -> np.ndarray:
    """G.711 bytes to signed 16-bit PCM samples."""
    return _DECODE[codec][np.frombuffer(payload, dtype=np.uint8)]


def silence_byte(codec: Codec) -> int:
    """The code for digital silence (0xFF in µ-law, 0xD5 in A-law)."""
    return int(_ENCODE[codec][0])
