"""Vosk (Kaldi) streaming recogniser at the phone rate: true partials, finals with word times.

The ``vosk.Model`` is loaded once per path and shared; each call gets its own
:class:`VoskRecognizer` (a ``KaldiRecognizer`` at 8000 Hz).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import numpy as np

from appliance.config.errors import ModelError
from appliance.speech_in.base import PHONE_RATE, SpeechRecognizer, Transcript

_models: dict[str, Any] = {}
_lock = threading.Lock()


def load_vosk_model(path: str | Path) -> Any:
    import vosk

    p = Path(path)
    key = str(p.resolve())
    with _lock:
        if key not in _models:
            if not (p / "am" / "final.mdl").is_file():
                raise ModelError(f"Vosk model {p} (am/final.mdl) does not exist: run `make models`")
            vosk.SetLogLevel(-1)
            try:
                _models[key] = vosk.Model(str(p))
            except Exception as exc:
                raise ModelError(f"Vosk model {p} cannot be loaded ({exc}): re-copy it (run `make models`)") from None
        return _models[key]


class VoskRecognizer(SpeechRecognizer):
    """Per-call Kaldi recogniser: ``feed`` returns partials as they change and finals at endpoints."""

    def __init__(self, model: Any, sample_rate: int = PHONE_RATE):
        self.model = model
        self.sample_rate = sample_rate
        self.reset()

    def reset(self) -> None:
        import vosk

        self._rec = vosk.KaldiRecognizer(self.model, self.sample_rate)
        self._rec.SetWords(True)
        self._last_partial = ""
        self._fed = 0
        self._seg_start_s = 0.0

    def _final(self, raw: str) -> list[Transcript]:
        res = json.loads(raw)
        text = res.get("text", "").strip()
        self._last_partial = ""
        now = self._fed / self.sample_rate
        if not text:
            self._seg_start_s = now
            return []
        words = res.get("result") or []
        start = float(words[0]["start"]) if words else self._seg_start_s
        end = float(words[-1]["end"]) if words else now
        self._seg_start_s = now
        return [Transcript(text, True, start, end)]

    def feed(self, pcm_8k: np.ndarray) -> list[Transcript]:
        pcm = np.asarray(pcm_8k, dtype="<i2")
        self._fed += len(pcm)
        if self._rec.AcceptWaveform(pcm.tobytes()):
            return self._final(self._rec.Result())
        partial = json.loads(self._rec.PartialResult()).get("partial", "").strip()
        if partial and partial != self._last_partial:
            self._last_partial = partial
            return [Transcript(partial, False, self._seg_start_s, self._fed / self.sample_rate)]
        return []

    def finish(self) -> list[Transcript]:
        return self._final(self._rec.FinalResult())
