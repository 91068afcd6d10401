"""Festival TTS (a system voice, e.g. Russian ``msu_ru_nsh_clunits``) at the phone rate.

No Piper Russian voice is on the package registries; Debian's ``festival`` + ``festvox-ru``
speaks Russian offline, and Whisper understands it through 8 kHz µ-law (bench/eval).  Each
sentence is one ``text2wave`` run (a child process, so the blocking work never holds the
GIL and a crash stops only that sentence), the text in a UTF-8 temp file: the Debian
festvox-ru lexicon reads UTF-8 (KOI8-R input fails its letter-to-sound rules).  The 16 kHz
output is level-normalised and resampled to 8 kHz exactly as Piper's, with the same
fixed-phrase cache: the class shares PiperSynthesizer's streaming and caching and replaces
only where a sentence's audio comes from.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from appliance.agent.sentences import split_sentences
from appliance.config.errors import InputError, ModelError
from appliance.config.settings import TtsSettings
from appliance.speech_out.normalize import normalize_text
from appliance.speech_out.piper_tts import AudioCache, PiperSynthesizer, _voiced_rms

_VOICE_NAME = re.compile(r"[a-z0-9_]+")
#: A sentence's synthesis is bounded: a hung child must not hold a call's reply forever.
SENTENCE_TIMEOUT_S = 30.0


def festival_available(voice: str) -> str:
    """"" when ``text2wave`` and the voice are installed, else why not (one line)."""
    if shutil.which("text2wave") is None:
        return "festival is not installed (apt-get install festival festvox-ru; scripts/system-deps.sh)"
    if not _VOICE_NAME.fullmatch(voice):
        return f"tts.voice {voice!r} is not a festival voice name"
    if not list(Path("/usr/share/festival/voices").glob(f"*/{voice}")):
        return f"festival voice {voice} is not installed (apt-get install festvox-ru)"
    return ""


class FestivalSynthesizer(PiperSynthesizer):
    """Text -> normalised text -> festival ``text2wave``, a sentence at a time -> 8 kHz chunks."""

    #: Each piece is a ``text2wave`` process whose start (loading the voice) is most of its
    #: cost: an opening phrase of its own came 0.16 s sooner and cost 0.7 s more CPU per answer.
    cuts_first_phrase = False

    def __init__(self, voice: str, settings: TtsSettings | None = None, language: str = "ru",
                 cache_dir: str | Path | None = None) -> None:  # noqa: D107 - PiperSynthesizer's init loads Piper
        problem = festival_available(voice)
        if problem:
            raise ModelError(problem)
        self.settings = settings or TtsSettings()
        self.language = language
        self.voice = voice
        self.voice_path = Path(voice)
        self.native_rate = 16000
        self.voice_id = f"festival:{voice}"
        self.cache = AudioCache(cache_dir) if cache_dir else None
        self._target_rms = 10 ** (self.settings.target_dbfs / 20.0)
        # Slower or faster speech: festival's duration stretch is the same idea as Piper's length_scale.
        self._eval = f"(begin (voice_{voice}) (Parameter.set 'Duration_Stretch {self.settings.length_scale:.3f}))"

    def _sentence_audio(self, sentence: str) -> np.ndarray:
        with tempfile.TemporaryDirectory(prefix="festival-") as tmp:
            src, out = Path(tmp) / "in.txt", Path(tmp) / "out.wav"
            src.write_text(sentence + "\n", encoding="utf-8")
            run = subprocess.run(["text2wave", "-eval", self._eval, str(src), "-o", str(out)],
                                 capture_output=True, timeout=SENTENCE_TIMEOUT_S)
            if run.returncode != 0 or not out.is_file():
                tail = run.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
                raise ModelError(f"festival could not speak a sentence: {tail[0]}")
            with wave.open(str(out)) as w:
                self.native_rate = w.getframerate()
                pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
        return pcm.astype(np.float32) / 32768.0

    def sentences_audio(self, text: str) -> Iterator[np.ndarray]:
        """Float audio at 16 kHz, one array per sentence, level-normalised."""
        if not isinstance(text, str):
            raise InputError("text to speak must be a string")
        spoken = normalize_text(text, self.language)
        for sentence in split_sentences(spoken) if spoken.strip() else []:
            if not any(c.isalnum() for c in sentence):
                continue
            audio = self._sentence_audio(sentence)
            rms = _voiced_rms(audio, self.native_rate)
            if rms > 1e-6:
                audio = audio * (self._target_rms / rms)
            yield audio
