"""Silero VAD (v6, ONNX on onnxruntime) turning 8 kHz phone audio into speech start/end events."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from appliance.config.errors import ModelError
from appliance.config.settings import VadSettings
from appliance.speech_in.audio import StreamingUpsampler
from appliance.speech_in.base import PHONE_RATE, VadEvent, VoiceActivityDetector

MODEL_RATE = 16000
WINDOW = 512  # samples at 16 kHz (32 ms): the only window Silero v5/v6 accepts
WINDOW_S = WINDOW / MODEL_RATE
CONTEXT = 64  # samples of the previous window the model sees before each new one


class _SileroOnnx:
    """Streaming Silero v6: one 32 ms window per call, carrying the LSTM state and context."""

    def __init__(self, path: Path) -> None:
        import onnxruntime

        opts = onnxruntime.SessionOptions()
        opts.inter_op_num_threads = 1
        opts.intra_op_num_threads = 1
        opts.log_severity_level = 4
        self.session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"], sess_options=opts)
        self.reset()

    def reset(self) -> None:
        self.h = np.zeros((1, 1, 128), dtype=np.float32)
        self.c = np.zeros((1, 1, 128), dtype=np.float32)
        self.context = np.zeros(CONTEXT, dtype=np.float32)

    def process_samples(self, window: np.ndarray) -> float:
        x = np.concatenate([self.context, window]).astype(np.float32)[None, :]
        prob, self.h, self.c = self.session.run(None, {"input": x, "h": self.h, "c": self.c})
        self.context = window[-CONTEXT:].astype(np.float32)
        return float(np.asarray(prob).reshape(-1)[0])


class SileroVad(VoiceActivityDetector):
    """Silero speech probabilities per 32 ms window, with hysteresis and minimum durations.

    ``speech_start`` comes once ``min_speech_ms`` of speech has been seen (its time is when
    that speech began); ``speech_end`` once ``end_silence_ms`` of silence follows (its time
    is when the silence began).  One instance per call: it holds the model's running state.
    """

    def __init__(self, model_path: str | Path, settings: VadSettings | None = None):
        self.settings = settings or VadSettings()
        path = Path(model_path)
        if not path.is_file():
            raise ModelError(f"VAD model {path} does not exist: run `make models`")
        try:
            self._model = _SileroOnnx(path)
        except Exception as exc:  # the C extension raises plain errors
            raise ModelError(f"VAD model {path} cannot be loaded ({exc}): re-copy it (run `make models`)") from None
        self.threshold = self.settings.threshold
        self.neg_threshold = max(0.01, self.threshold - 0.15)
        self._min_speech_windows = max(1, round(self.settings.min_speech_ms / 1000 / WINDOW_S))
        self._end_silence_windows = max(1, round(self.settings.end_silence_ms / 1000 / WINDOW_S))
        self.reset()

    def reset(self) -> None:
        self._model.reset()
        # Steady output per chunk (not soxr's bursts): every window is judged as soon as it is heard.
        self._resampler = StreamingUpsampler(PHONE_RATE, MODEL_RATE)
        self._pending = np.zeros(0, dtype=np.float32)
        self._windows = 0  # windows processed
        self.in_speech = False
        self._run = 0  # consecutive windows of speech (before start) or silence (during speech)
        self.last_prob = 0.0

    @property
    def time_s(self) -> float:
        """Stream time up to which audio has been judged."""
        return self._windows * WINDOW_S

    @property
    def silent_for_s(self) -> float:
        """How long the caller has been silent while still in speech (0 when voiced)."""
        return self._run * WINDOW_S if self.in_speech else 0.0

    def process(self, pcm_8k: np.ndarray) -> list[VadEvent]:
        x = np.asarray(pcm_8k, dtype=np.int16).astype(np.float32) / 32768.0
        up = self._resampler.process(x)
        buf = np.concatenate([self._pending, up]) if self._pending.size else up
        events: list[VadEvent] = []
        n = len(buf) // WINDOW
        for i in range(n):
            prob = self._model.process_samples(buf[i * WINDOW : (i + 1) * WINDOW])
            self.last_prob = prob
            self._windows += 1
            if not self.in_speech:
                if prob >= self.threshold:
                    self._run += 1
                    if self._run >= self._min_speech_windows:
                        self.in_speech = True
                        events.append(VadEvent("speech_start", (self._windows - self._run) * WINDOW_S))
                        self._run = 0
                else:
                    self._run = 0
            else:
                if prob < self.neg_threshold:
                    self._run += 1
                    if self._run >= self._end_silence_windows:
                        self.in_speech = False
                        events.append(VadEvent("speech_end", (self._windows - self._run) * WINDOW_S))
                        self._run = 0
                else:
                    self._run = 0
        self._pending = buf[n * WINDOW :].copy()
        return events
