"""Build the configured synthesiser (``tts.engine``): Piper from the model manifest, or Festival."""

from __future__ import annotations

import numpy as np

from appliance.config.errors import ConfigError
from appliance.config.manifest import Manifest, load_manifest, require_path
from appliance.config.settings import Settings
from appliance.speech_out.base import SpeechSynthesizer


def create_synthesizer(settings: Settings, manifest: Manifest | None = None, cache: bool = True) -> SpeechSynthesizer:
    """The shared-model synthesiser; with ``cache`` its fixed-phrase cache is ``<data>/tts-cache/``."""
    from appliance.lang import language_code

    language = language_code(settings.agent.language)
    if settings.tts.engine == "festival":
        from appliance.speech_out.festival_tts import FestivalSynthesizer

        return FestivalSynthesizer(settings.tts.voice, settings.tts, language=language,
                                   cache_dir=settings.data_path / "tts-cache" if cache else None)
    m = manifest if manifest is not None else load_manifest(settings.manifest_path)
    if settings.tts.engine == "piper":
        from appliance.speech_out.piper_tts import PiperSynthesizer

        entry = m.get(settings.tts.role)
        return PiperSynthesizer(
            require_path(entry),
            settings.tts,
            language=language,
            cache_dir=settings.data_path / "tts-cache" if cache else None,
            voice_id=f"{entry.path.name}:{entry.sha256[:16]}",
        )
    raise ConfigError(f"tts.engine: {settings.tts.engine!r} is not supported")


_shared: dict[str, SpeechSynthesizer] = {}


def synthesize_phone_audio(text: str, settings: Settings | None = None) -> np.ndarray:
    """Text spoken by the configured voice as 8 kHz int16 (the test caller and tools use it)."""
    from appliance.config.settings import load_settings

    s = settings or load_settings()
    key = f"{s.manifest_path}|{s.tts.engine}|{s.tts.role}|{s.tts.voice}|{s.agent.language}"
    if key not in _shared:
        _shared[key] = create_synthesizer(s, cache=False)
    return _shared[key].synthesize(text)
