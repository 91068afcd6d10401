"""The speech-out interface: text in, 8 kHz phone audio out, a chunk at a time.

Chunks are 20 ms (160 samples) of signed 16-bit PCM at 8 kHz, ready for G.711 and one
RTP packet each, yielded as soon as each exists so the first can go out while the rest of
the sentence is still being synthesised.  Blocking: the call layer iterates it in a
worker thread.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator

import numpy as np

PHONE_RATE = 8000
FRAME_SAMPLES = 160  # 20 ms at 8 kHz


class SpeechSynthesizer(ABC):
    """Speaks text as a stream of 20 ms 8 kHz int16 chunks."""

    @abstractmethod
    def stream(self, text: str) -> Iterator[np.ndarray]:
        """Yield 160-sample int16 chunks of the spoken text (the last padded with silence)."""

    def synthesize(self, text: str) -> np.ndarray:
        """The whole utterance at once (CLI and caches use this)."""
        chunks = list(self.stream(text))
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
