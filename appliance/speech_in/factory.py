"""Build the configured recogniser and VAD: one config line (``asr.engine``) swaps the engine.

Models load once per process and are shared; every call asks for a fresh recogniser.
"""

from __future__ import annotations

import numpy as np

from appliance.config.errors import ConfigError
from appliance.config.manifest import Manifest, load_manifest, require_path
from appliance.config.settings import Settings
from appliance.speech_in.base import SpeechRecognizer, VoiceActivityDetector
from appliance.speech_in.vad import SileroVad

#: asr.engine -> the manifest role holding its model
ASR_ROLES = {"faster-whisper": "asr", "vosk": "asr_vosk"}


def _manifest(settings: Settings, manifest: Manifest | None) -> Manifest:
    return manifest if manifest is not None else load_manifest(settings.manifest_path)


def create_vad(settings: Settings, manifest: Manifest | None = None) -> SileroVad:
    entry = _manifest(settings, manifest).get("vad")
    return SileroVad(require_path(entry), settings.vad)


def create_recognizer(settings: Settings, manifest: Manifest | None = None, engine: str | None = None,
                      vocabulary: str = "", vad: VoiceActivityDetector | None = None) -> SpeechRecognizer:
    """A new per-call recogniser for ``engine`` (default ``settings.asr.engine``).

    ``vocabulary`` (domain words) biases engines that accept a prompt; ``asr.vocabulary`` wins.
    ``vad`` is the detector a segmenting engine (Whisper) cuts utterances with; the call
    session passes its own end-of-turn detector so there is one notion of "turn ended".
    """
    m = _manifest(settings, manifest)
    engine = engine or settings.asr.engine
    if engine == "faster-whisper":
        from appliance.config.threads import ThreadPlan
        from appliance.speech_in.whisper_asr import FasterWhisperRecognizer, load_whisper_model

        entry = m.get(settings.asr.role or ASR_ROLES[engine])
        plan = ThreadPlan.for_box(settings)
        model = load_whisper_model(require_path(entry), plan.asr, plan.asr_workers)
        return FasterWhisperRecognizer(model, vad or create_vad(settings, m), settings.asr, entry.language or "en",
                                       settings.asr.vocabulary or vocabulary)
    if engine == "vosk":
        from appliance.speech_in.vosk_asr import VoskRecognizer, load_vosk_model

        entry = m.get(ASR_ROLES[engine])
        return VoskRecognizer(load_vosk_model(require_path(entry)))
    raise ConfigError(f"asr.engine: {engine!r} is not one of {', '.join(ASR_ROLES)}")


def transcribe_pcm(pcm_8k: np.ndarray, settings: Settings, vocabulary: str = "") -> str:
    """A whole recording (8 kHz int16) as text: each VAD-closed segment transcribed, joined."""
    recognizer = create_recognizer(settings, engine="faster-whisper", vocabulary=vocabulary)
    texts = [t.text for t in recognizer.feed(pcm_8k) + recognizer.finish() if t.is_final and t.text]
    return " ".join(texts).strip()
