"""End of the caller's turn: a short silence plus a turn-completion model, else a longer silence.

Plain silence endpointing has to choose between answering late (a long ``end_silence_ms``)
and cutting off a caller who pauses mid-sentence ("the price of the ... UTM-300").  Smart
Turn v3.2 (pipecat-ai's BSD-2 model, manifest role ``turn``) looks at the last 8 s of the
turn and gives the probability that the caller has finished.  :class:`EndOfTurnDetector`
ends the turn after ``vad.turn_silence_ms`` of silence when that probability reaches
``vad.turn_threshold``, and otherwise after ``vad.end_silence_ms`` of silence whatever the
model says; speech that resumes in between cancels the pending end.

The model's input, as pipecat feeds it: 16 kHz mono float audio from about 0.5 s before the
turn began to now, its last 8 s, zero-padded *at the front* to exactly 8 s; normalised to
zero mean and unit variance; then Whisper's 80-bin log-mel spectrogram (25 ms Hann window,
10 ms hop, Slaney mel scale and norm, ``log10``, floored 8 below the maximum,
``(x + 4) / 4``), shape (1, 80, 800) as ``input_features``.  The output is a sigmoid.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path

import numpy as np
import soxr

from appliance.config.errors import ModelError
from appliance.config.manifest import Manifest, load_manifest
from appliance.config.settings import Settings, VadSettings
from appliance.speech_in.base import PHONE_RATE, VadEvent, VoiceActivityDetector
from appliance.speech_in.vad import SileroVad

MODEL_RATE = 16000
MODEL_SECONDS = 8
PRE_SPEECH_S = 0.5  # audio before the VAD's speech start that the model also sees
TRAILING_SILENCE_S = 0.2  # silence after the speech the model is shown (what it was trained on)
STEP = 256  # 8 kHz samples (32 ms, one VAD window) the detector advances at a time

# --- Whisper log-mel features (numpy; equals transformers' WhisperFeatureExtractor(chunk_length=8)) ---

N_FFT = 400
HOP = 160
N_MELS = 80


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney mel scale: linear below 1 kHz, logarithmic above."""
    hz = np.asarray(hz, dtype=np.float64)
    lin = 3.0 * hz / 200.0
    log = 15.0 + np.log(np.maximum(hz, 1e-9) / 1000.0) * (27.0 / np.log(6.4))
    return np.where(hz >= 1000.0, log, lin)


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    mel = np.asarray(mel, dtype=np.float64)
    lin = 200.0 * mel / 3.0
    log = 1000.0 * np.exp((mel - 15.0) * (np.log(6.4) / 27.0))
    return np.where(mel >= 15.0, log, lin)


def _mel_filters() -> np.ndarray:
    """(n_mels, n_fft/2+1) triangular filters over 0..8 kHz with Slaney area normalisation."""
    bins = np.linspace(0.0, MODEL_RATE / 2, N_FFT // 2 + 1)
    edges = _mel_to_hz(np.linspace(_hz_to_mel(np.array(0.0)), _hz_to_mel(np.array(MODEL_RATE / 2)), N_MELS + 2))
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (bins[None, :] - lo) / (mid - lo)
    falling = (hi - bins[None, :]) / (hi - mid)
    tri = np.maximum(0.0, np.minimum(rising, falling))
    return np.asarray(tri * (2.0 / (hi - lo)))


_FILTERS = _mel_filters()
_WINDOW = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)  # periodic Hann


def log_mel_features(audio_16k: np.ndarray) -> np.ndarray:
    """Smart Turn's input for exactly 8 s of 16 kHz audio: float32 (80, 800)."""
    x = np.asarray(audio_16k, dtype=np.float32)
    if x.shape != (MODEL_RATE * MODEL_SECONDS,):
        raise ValueError(f"expected {MODEL_RATE * MODEL_SECONDS} samples, got shape {x.shape}")
    x = (x - x.mean()) / np.sqrt(x.var() + 1e-7)
    padded = np.pad(x.astype(np.float64), N_FFT // 2, mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP]
    power = np.abs(np.fft.rfft(frames * _WINDOW, axis=-1)) ** 2  # (frames, bins)
    mel = np.log10(np.maximum(power @ _FILTERS.T, 1e-10)).T[:, :-1]  # (80, 800)
    mel = np.maximum(mel, mel.max() - 8.0)
    return np.asarray(((mel + 4.0) / 4.0).astype(np.float32))


# --- the model ---------------------------------------------------------------------------------


class SmartTurn:
    """Smart Turn v3.x ONNX on onnxruntime (CPU, one thread); ``predict`` is thread-safe."""

    def __init__(self, model_path: str | Path, threads: int = 1):
        path = Path(model_path)
        if not path.is_file():
            raise ModelError(f"turn model {path} does not exist: run `make models`")
        import onnxruntime

        opts = onnxruntime.SessionOptions()
        opts.inter_op_num_threads = 1
        opts.intra_op_num_threads = threads
        opts.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 4
        t0 = time.perf_counter()
        try:
            self.session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"],
                                                        sess_options=opts)
        except Exception as exc:  # the C extension raises plain errors
            raise ModelError(f"turn model {path} cannot be loaded ({exc}): re-copy it (run `make models`)") from None
        self.load_s = time.perf_counter() - t0
        self.path = path
        self._input = self.session.get_inputs()[0].name
        self.last_inference_s = 0.0

    def predict_16k(self, audio_16k: np.ndarray) -> float:
        """Probability the turn is complete, for float 16 kHz audio ending now."""
        n = MODEL_RATE * MODEL_SECONDS
        x = np.asarray(audio_16k, dtype=np.float32)[-n:]
        if len(x) < n:
            x = np.concatenate([np.zeros(n - len(x), dtype=np.float32), x])
        t0 = time.perf_counter()
        out = self.session.run(None, {self._input: log_mel_features(x)[None]})
        self.last_inference_s = time.perf_counter() - t0
        return float(np.asarray(out[0]).reshape(-1)[0])

    def predict(self, pcm_8k_recent: np.ndarray) -> float:
        """Probability the turn is complete, for 8 kHz int16 phone audio of the turn up to now."""
        x = np.asarray(pcm_8k_recent, dtype=np.int16)[-PHONE_RATE * MODEL_SECONDS:]
        if len(x) == 0:
            return 0.0
        up = soxr.resample(x.astype(np.float32) / 32768.0, PHONE_RATE, MODEL_RATE, quality="HQ")
        return self.predict_16k(up)


# --- the detector ------------------------------------------------------------------------------


#: The turn model's threshold while a number is dictated: a probability never reached.
DICTATION_TURN_THRESHOLD = 1.01


class EndOfTurnDetector(VoiceActivityDetector):
    """A VAD whose ``speech_end`` waits for the turn model (or for the longer silence).

    ``vad`` must end speech after the *short* silence (``turn_silence_ms``); its speech_end is
    held back until the model's probability reaches ``threshold`` (asked then, and again every
    ``recheck_ms`` while the silence lasts, if set) or the silence reaches ``max_silence_ms``.
    Speech resuming meanwhile cancels it and the turn goes on.  Events have the VAD's times:
    ``speech_end.at_s`` is when the silence began.  One instance per call.

    With ``pause_ms`` set, a ``pause`` event comes once that much silence has passed (before
    the model is asked: the recogniser transcribes then, and the answer can start on those
    words), and a ``resume`` event if the caller then speaks again before the turn ends.
    """

    def __init__(self, vad: SileroVad, model: SmartTurn, threshold: float = 0.5, max_silence_ms: int = 500,
                 recheck_ms: int | None = None, pause_ms: int = 0):
        self.vad = vad
        self.model = model
        self.threshold = threshold
        #: The model's own threshold, kept while a number is dictated (see set_dictation).
        self._threshold_before_dictation: float | None = None
        self.max_silence_s = max_silence_ms / 1000
        self.recheck_s = recheck_ms / 1000 if recheck_ms else None
        self.pause_s = pause_ms / 1000
        self.reset()

    def reset(self) -> None:
        self.vad.reset()
        self._audio = np.zeros(0, dtype=np.int16)  # the last ~10 s of input
        self._audio_start = 0  # stream sample index of _audio[0]
        self._carry = np.zeros(0, dtype=np.int16)
        self.in_speech = False
        self._turn_start_s = 0.0
        self._pending_at: float | None = None  # when the held silence began
        self._next_check_s = 0.0
        #: (stream time, probability, ended the turn) for every model call; for tuning and tests
        self.decisions: list[tuple[float, float, bool]] = []
        self.resumed = 0  # pauses the model kept open that the caller then spoke after
        self.last_end_reason = ""  # "model" or "silence"
        self._paused_at: float | None = None  # when the silence of the last ``pause`` began

    @property
    def time_s(self) -> float:
        return self.vad.time_s

    def set_dictation(self, on: bool) -> None:
        """While a number is dictated the model's threshold is one never reached, so only
        the full silence ends the turn: the short pauses between digit groups would otherwise
        cut the number into ~1 s clips that Whisper hears badly (a group dropped, or one
        group's last digit heard again at the start of the next); over the whole number at
        once it has the context ("My number is 0176 248-3915.")."""
        if on and self._threshold_before_dictation is None:
            self._threshold_before_dictation, self.threshold = self.threshold, DICTATION_TURN_THRESHOLD
        elif not on and self._threshold_before_dictation is not None:
            self.threshold, self._threshold_before_dictation = self._threshold_before_dictation, None

    def process(self, pcm_8k: np.ndarray) -> list[VadEvent]:
        x = np.asarray(pcm_8k, dtype=np.int16)
        if self._carry.size:
            x = np.concatenate([self._carry, x])
        events: list[VadEvent] = []
        n = len(x) // STEP * STEP
        for i in range(0, n, STEP):
            events += self._step(x[i : i + STEP])
        self._carry = x[n:].copy()
        self.last_prob = self.vad.last_prob
        return events

    def _step(self, piece: np.ndarray) -> list[VadEvent]:
        self._audio = np.concatenate([self._audio, piece])
        keep = PHONE_RATE * (MODEL_SECONDS + 2)
        if len(self._audio) > keep:
            self._audio_start += len(self._audio) - keep
            self._audio = self._audio[-keep:]
        out: list[VadEvent] = []
        for ev in self.vad.process(piece):
            if ev.kind == "speech_start":
                if not self.in_speech:
                    self.in_speech = True
                    self._turn_start_s = ev.at_s
                    out.append(ev)
                elif self._pending_at is not None:
                    self._pending_at = None  # the caller went on: the turn continues
                    self.resumed += 1
            elif self.in_speech:
                self._pending_at = ev.at_s
                self._next_check_s = self.vad.time_s  # ask the model now
        out += self._pause_or_resume()
        if self._pending_at is not None:
            now = self.vad.time_s
            if now - self._pending_at >= self.max_silence_s - 1e-9:
                out.append(self._end("silence"))
            elif now >= self._next_check_s - 1e-9:
                prob = self.model.predict(self._turn_audio())
                done = prob >= self.threshold
                self.decisions.append((round(now, 3), prob, done))
                if done:
                    out.append(self._end("model"))
                else:
                    self._next_check_s = now + self.recheck_s if self.recheck_s else float("inf")
        return out

    def _pause_or_resume(self) -> list[VadEvent]:
        """``pause`` when the current silence reaches pause_s; ``resume`` when it is broken."""
        if not self.pause_s or not self.in_speech:
            return []
        now = self.vad.time_s
        if self._pending_at is not None:
            silence_from: float | None = self._pending_at
        elif self.vad.silent_for_s > 0:
            silence_from = now - self.vad.silent_for_s
        else:
            silence_from = None
        if self._paused_at is not None:
            if silence_from is None or abs(silence_from - self._paused_at) > 1e-6:
                self._paused_at = None
                return [VadEvent("resume", now)]
            return []
        if silence_from is not None and now - silence_from >= self.pause_s - 1e-9:
            self._paused_at = silence_from
            return [VadEvent("pause", silence_from)]
        return []

    def _end(self, reason: str) -> VadEvent:
        assert self._pending_at is not None  # a turn ends only after its silence began
        ev = VadEvent("speech_end", self._pending_at)
        self.in_speech = False
        self._pending_at = None
        self._paused_at = None
        self.last_end_reason = reason
        return ev

    def _turn_audio(self) -> np.ndarray:
        """The turn so far (from a little before its start), as 8 kHz int16."""
        start = int(max(0.0, self._turn_start_s - PRE_SPEECH_S) * PHONE_RATE) - self._audio_start
        return trim_trailing_silence(self._audio[max(0, start):])


def trim_trailing_silence(pcm_8k: np.ndarray, keep_s: float = TRAILING_SILENCE_S) -> np.ndarray:
    """Cut the audio ``keep_s`` after its last audible 10 ms (within 40 dB of its loudest).

    The model learnt turns that end ~200 ms after the speech (pipecat's VAD stop time); shown
    more silence it calls nearly anything complete, and the VAD's own hangover would add that.
    """
    hop = PHONE_RATE // 100
    n = len(pcm_8k) // hop
    if n == 0:
        return pcm_8k
    rms = np.sqrt((pcm_8k[: n * hop].astype(np.float64).reshape(n, hop) ** 2).mean(axis=1))
    loud = np.flatnonzero(rms > max(rms.max() * 0.01, 30.0))
    if loud.size == 0:
        return pcm_8k
    return pcm_8k[: (int(loud[-1]) + 1) * hop + int(keep_s * PHONE_RATE)]


# --- factory -----------------------------------------------------------------------------------

_models: dict[Path, SmartTurn] = {}
_models_lock = threading.Lock()


def load_turn_model(path: str | Path) -> SmartTurn:
    """The process-wide SmartTurn for ``path`` (loaded once; calls share it)."""
    p = Path(path).resolve()
    with _models_lock:
        if p not in _models:
            _models[p] = SmartTurn(p)
        return _models[p]


def turn_model_path(settings: Settings, manifest: Manifest) -> Path | None:
    """The installed turn model when ``vad.turn_model`` is on, else None."""
    if not settings.vad.turn_model or "turn" not in manifest.entries:
        return None
    entry = manifest.get("turn")
    return entry.path if entry.path.is_file() else None


def create_turn_detector(settings: Settings, manifest: Manifest | None = None) -> VoiceActivityDetector:
    """A new per-call end-of-turn detector: the model-backed one if enabled and installed, else plain VAD."""
    m = manifest if manifest is not None else load_manifest(settings.manifest_path)
    from appliance.config.manifest import require_path

    vad_path = require_path(m.get("vad"))
    model_path = turn_model_path(settings, m)
    vs: VadSettings = settings.vad
    if model_path is None:
        return SileroVad(vad_path, vs)
    short = min(vs.turn_silence_ms, vs.end_silence_ms)
    inner = SileroVad(vad_path, dataclasses.replace(vs, end_silence_ms=short))
    return EndOfTurnDetector(inner, load_turn_model(model_path), vs.turn_threshold, vs.end_silence_ms,
                             pause_ms=vs.pause_ms)
