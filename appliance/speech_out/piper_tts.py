"""Piper TTS at the phone rate: per-sentence synthesis, soxr to 8 kHz, level-normalised 20 ms chunks.

The ``PiperVoice`` (ONNX session) is loaded once per model path and shared; a
:class:`PiperSynthesizer` is cheap and thread-safe to use from several calls.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import soxr

from appliance.config.errors import InputError, ModelError
from appliance.config.settings import TtsSettings
from appliance.speech_out.base import FRAME_SAMPLES, PHONE_RATE, SpeechSynthesizer
from appliance.speech_out.normalize import normalize_text
from appliance.speech_out.phrases import first_phrase

log = logging.getLogger(__name__)

NORMALIZER_VERSION = "1"
#: Silence between a long first sentence's opening phrase and the rest (a breath, not a pause).
PHRASE_GAP_MS = 60
_voices: dict[str, Any] = {}
_lock = threading.Lock()


class _ShrinkingSession:
    """An onnxruntime session whose every run gives its arena memory back at the end
    (``memory.enable_memory_arena_shrinkage``); the rest of the session as it is."""

    def __init__(self, session: Any, run_options: Any) -> None:
        self._session = session
        self._run_options = run_options

    def run(self, output_names: Any, input_feed: Any, run_options: Any = None) -> Any:
        return self._session.run(output_names, input_feed, run_options or self._run_options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


def _quiet_session(model: Path) -> Any:
    """An ONNX session whose idle threads sleep instead of spinning, and whose memory does
    not grow with every new sentence length.

    onnxruntime's default pool busy-waits after each run; on a 2-core box that spin takes
    CPU from llama.cpp writing the next sentence while this one is synthesised.

    Piper's input is as long as the sentence's phonemes, so nearly every sentence is a new
    input shape: onnxruntime's CPU arena grows to the largest one and never gives memory
    back, and its memory patterns are cached per shape.  Synthesising 80 sentences of 40
    lengths grew a process by ~400 MB (the soak saw the service grow ~120 MB per 100 calls
    from this).  Memory patterns are off, and the arena shrinks after each run: the process
    stays flat, at ~13 % of synthesis time (median sentence 0.35 -> 0.39 s on 2 cores;
    without the arena at all it was ~30 %).
    """
    import onnxruntime

    opts = onnxruntime.SessionOptions()
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.add_session_config_entry("session.inter_op.allow_spinning", "0")
    opts.enable_mem_pattern = False
    run_options = onnxruntime.RunOptions()
    run_options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
    session = onnxruntime.InferenceSession(str(model), sess_options=opts, providers=["CPUExecutionProvider"])
    return _ShrinkingSession(session, run_options)


def load_piper_voice(onnx_path: str | Path) -> Any:
    """The shared PiperVoice for a model (its config is the ``.onnx.json`` beside it)."""
    from piper import PiperVoice

    p = Path(onnx_path)
    key = str(p.resolve())
    with _lock:
        if key not in _voices:
            cfg = p.with_name(p.name + ".json")
            for f in (p, cfg):
                if not f.is_file():
                    raise ModelError(f"Piper voice file {f} does not exist: run `make models`")
            try:
                voice = PiperVoice.load(p, config_path=cfg)
                voice.session = _quiet_session(p)
                _voices[key] = voice
            except Exception as exc:
                raise ModelError(f"Piper voice {p} cannot be loaded ({exc}): re-copy it (run `make models`)") from None
        return _voices[key]


def _frame_energy(x: np.ndarray, rate: int) -> np.ndarray:
    """Mean energy of each whole 10 ms frame (empty when the audio is shorter than one):
    what both the level and the silence at the ends are judged on."""
    n = max(1, rate // 100)
    m = len(x) // n
    return np.mean(x[: m * n].reshape(m, n) ** 2, axis=1)


def _voiced_rms(x: np.ndarray, rate: int) -> float:
    """RMS over the louder 10 ms frames (pauses would drag a plain RMS down)."""
    e = _frame_energy(x, rate)
    if e.size == 0:
        return float(np.sqrt(np.mean(x**2))) if len(x) else 0.0
    peak = e.max()
    if peak <= 1e-10:
        return 0.0
    voiced = e[e > peak * 1e-3]  # within 30 dB of the loudest frame
    return float(np.sqrt(voiced.mean()))


class AudioCache:
    """Synthesised audio of fixed phrases (greeting, fallbacks) as .npy files keyed by sha256."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def path_for(self, key: str) -> Path:
        return self.folder / f"{key}.npy"

    def get(self, key: str) -> np.ndarray | None:
        p = self.path_for(key)
        try:
            a = np.load(p, allow_pickle=False)
        except (OSError, ValueError):
            return None
        return a.astype(np.int16, copy=False) if a.ndim == 1 else None

    def put(self, key: str, pcm: np.ndarray) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        p = self.path_for(key)
        tmp = p.with_suffix(f".{threading.get_ident()}.tmp.npy")
        np.save(tmp, np.asarray(pcm, dtype=np.int16), allow_pickle=False)
        tmp.replace(p)


class PiperSynthesizer(SpeechSynthesizer):
    """Text -> normalised text -> Piper, one sentence at a time -> 8 kHz int16 160-sample chunks."""

    #: A long first sentence is synthesised from its opening phrase (``tts.first_phrase_words``):
    #: a Piper run costs in proportion to its phonemes, so the first sound comes ~3x sooner
    #: for ~10 % more work.
    cuts_first_phrase = True

    def __init__(
        self,
        voice_path: str | Path,
        settings: TtsSettings | None = None,
        language: str = "en",
        cache_dir: str | Path | None = None,
        voice_id: str | None = None,
    ):
        from piper import SynthesisConfig

        self.settings = settings or TtsSettings()
        self.language = language
        self.voice_path = Path(voice_path)
        self.voice = load_piper_voice(self.voice_path)
        self.native_rate = int(self.voice.config.sample_rate)
        self.voice_id = voice_id or self.voice_path.name
        self.cache = AudioCache(cache_dir) if cache_dir else None
        self._syn = SynthesisConfig(length_scale=self.settings.length_scale, normalize_audio=False)
        self._target_rms = 10 ** (self.settings.target_dbfs / 20.0)

    # -- cache ------------------------------------------------------------------------------

    def cache_key(self, text: str) -> str:
        s = self.settings
        parts = {
            "text": text,
            "voice": self.voice_id,
            "language": self.language,
            "length_scale": s.length_scale,
            "target_dbfs": s.target_dbfs,
            "sentence_pause_ms": s.sentence_pause_ms,
            "normalizer": NORMALIZER_VERSION,
        }
        return hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    def cached(self, text: str) -> np.ndarray:
        """The whole utterance, from the cache when it is there (synthesised and stored when not)."""
        if self.cache is None:
            return self.synthesize(text)
        key = self.cache_key(text)
        pcm = self.cache.get(key)
        if pcm is None:
            pcm = self.synthesize(text)
            self.cache.put(key, pcm)
        return pcm

    def stream_cached(self, text: str) -> Iterator[np.ndarray]:
        pcm = self.cached(text)
        for i in range(0, len(pcm), FRAME_SAMPLES):
            yield pcm[i : i + FRAME_SAMPLES]

    # -- synthesis --------------------------------------------------------------------------

    def sentences_audio(self, text: str) -> Iterator[np.ndarray]:
        """Float audio at the voice's native rate, one array per sentence, level-normalised."""
        spoken = normalize_text(text, self.language)
        if not spoken.strip():
            return
        for chunk in self.voice.synthesize(spoken, syn_config=self._syn):
            audio = np.asarray(chunk.audio_float_array, dtype=np.float32)
            rms = _voiced_rms(audio, self.native_rate)
            if rms > 1e-6:
                audio = audio * (self._target_rms / rms)
            yield audio

    def _pieces_audio(self, text: str, split: bool) -> Iterator[tuple[np.ndarray, bool]]:
        """The text's audio, sentence by sentence, with the pauses between them; a long first
        sentence (``split``) in two pieces, its opening phrase first (``speech_out.phrases``),
        joined by a breath (``PHRASE_GAP_MS``) instead of the voice's trailing and leading
        silence.  Each comes with whether it ends a piece of its own (the opening phrase), to
        be resampled and sent whole before the rest is synthesised."""
        lead, rest = first_phrase(text, self.settings.first_phrase_words if split and self.cuts_first_phrase else 0)
        head = list(self.sentences_audio(lead)) if rest else []
        if head:
            yield _trimmed(np.concatenate(head), self.native_rate, start=False), True
        pause = np.zeros(int(self.native_rate * self.settings.sentence_pause_ms / 1000), dtype=np.float32)
        gap = np.zeros(int(self.native_rate * PHRASE_GAP_MS / 1000), dtype=np.float32)
        for i, audio in enumerate(self.sentences_audio(rest if rest else text)):
            if i == 0 and head:  # the rest of the first sentence, a breath after its opening
                yield np.concatenate([gap, _trimmed(audio, self.native_rate, end=False)]), False
            else:
                yield (np.concatenate([pause, audio]) if i and pause.size else audio), False

    def synthesize(self, text: str) -> np.ndarray:
        """The whole utterance at once (fixed phrases, the CLI): nothing waits for its first
        chunk, so its first sentence is synthesised whole."""
        chunks = list(self._stream(text, split=False))
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)

    def stream(self, text: str) -> Iterator[np.ndarray]:
        return self._stream(text, split=True)

    def _stream(self, text: str, split: bool) -> Iterator[np.ndarray]:
        if not isinstance(text, str):
            raise InputError("text to speak must be a string")
        resampler: Any = None
        pending = np.zeros(0, dtype=np.float32)
        for audio, last in self._pieces_audio(text, split):
            if resampler is None:  # the voice's rate is known once it has spoken (festival)
                resampler = soxr.ResampleStream(self.native_rate, PHONE_RATE, 1, dtype="float32", quality="HQ")
            # A piece that ends (the opening phrase) is flushed whole: the resampler's
            # look-ahead must not hold its last sound back until the rest is synthesised.
            pending = np.concatenate([pending, resampler.resample_chunk(audio, last=last)])
            if last:
                resampler = None
                pending = np.concatenate([pending, np.zeros(-len(pending) % FRAME_SAMPLES, dtype=np.float32)])
            n = len(pending) // FRAME_SAMPLES
            for i in range(n):
                yield _to_int16(pending[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES])
            pending = pending[n * FRAME_SAMPLES :]
        if resampler is not None:
            pending = np.concatenate([pending, resampler.resample_chunk(np.zeros(0, dtype=np.float32), last=True)])
        pending = np.concatenate([pending, np.zeros(-len(pending) % FRAME_SAMPLES, dtype=np.float32)])
        for i in range(0, len(pending), FRAME_SAMPLES):
            yield _to_int16(pending[i : i + FRAME_SAMPLES])


def _trimmed(audio: np.ndarray, rate: int, *, start: bool = True, end: bool = True) -> np.ndarray:
    """The audio without the voice's silence before its first (``start``) or after its last
    (``end``) sound: 10 ms frames more than 40 dB below the loudest are silence."""
    energy = _frame_energy(audio, rate)
    if energy.size == 0:
        return audio
    voiced = np.flatnonzero(energy > energy.max() * 1e-4)
    if voiced.size == 0:
        return audio
    n = max(1, rate // 100)
    lo = int(voiced[0]) * n if start else 0
    hi = (int(voiced[-1]) + 1) * n if end else len(audio)
    return audio[lo:hi]


def _to_int16(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x * 32767.0), -32768, 32767).astype(np.int16)
