"""Build the configured synthesiser (``tts.engine``) from the model manifest."""

from __future__ import annotations

from appliance.config.errors import ConfigError
from appliance.config.manifest import Manifest, load_manifest, require_path
from appliance.config.settings import Settings
from appliance.speech_out.base import SpeechSynthesizer


def create_synthesizer(settings: Settings, manifest: Manifest | None = None, cache: bool = True) -> SpeechSynthesizer:
    """The shared-model synthesiser; with ``cache`` its fixed-phrase cache is ``<data>/tts-cache/``."""
    m = manifest if manifest is not None else load_manifest(settings.manifest_path)
    if settings.tts.engine == "piper":
        from appliance.speech_out.piper_tts import PiperSynthesizer

        entry = m.get("tts")
        return PiperSynthesizer(
            require_path(entry),
            settings.tts,
            language=settings.agent.language,
            cache_dir=settings.data_path / "tts-cache" if cache else None,
            voice_id=f"{entry.path.name}:{entry.sha256[:16]}",
        )
    raise ConfigError(f"tts.engine: {settings.tts.engine!r} is not supported")
