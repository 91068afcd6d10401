"""faster-whisper (CTranslate2) recogniser, segmented by Silero VAD.

The ``WhisperModel`` is loaded once per (path, threads) and shared by every call; each call
gets its own :class:`FasterWhisperRecognizer`, which holds only that call's audio and VAD
state.  ``feed`` buffers audio and returns a final :class:`Transcript` when the VAD closes a
segment, and a tentative one (``is_final`` false) at a ``pause`` the VAD reports before it
decides; ``finish`` transcribes whatever speech is still open.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import soxr

from appliance.config.errors import ModelError
from appliance.config.settings import AsrSettings
from appliance.logs import log_event
from appliance.speech_in.base import PHONE_RATE, SpeechRecognizer, Transcript, VoiceActivityDetector

log = logging.getLogger(__name__)

WHISPER_RATE = 16000
PRE_ROLL_S = 0.3  # audio kept before the VAD's speech start (onsets are soft)
POST_ROLL_S = 0.2  # silence kept after the speech end
MAX_SEGMENT_S = 28.0
FULL_FRAMES = 3000  # Whisper's 30 s window in 10 ms feature frames
SHORT_MIN_FRAMES = 1000  # shortest encoder context used (10 s): shorter ones start to repeat
SHORT_MARGIN_FRAMES = 300
SHORT_MAX_S = 25.0
MAX_TOKENS = 200
NO_SPEECH_PROB = 0.6
#: A third prompt for a dictated number whose first two readings disagree: it shows Whisper
#: the format (digits grouped as spoken), not any product's words. English only.
DICTATION_PROMPTS = {"en": "My number is 020 7946 0018."}
MIN_SPEECH_RMS = 60.0  # int16 RMS below which a segment is line noise (speech is ~1000-4000)  # Whisper's window is 30 s: a longer turn is cut here

_models: dict[tuple[str, int, int], Any] = {}
_models_lock = threading.Lock()


def load_whisper_model(path: str | Path, threads: int = 1, workers: int = 1) -> Any:
    """The shared ``WhisperModel`` for a CTranslate2 folder (int8 on CPU), loaded on first use.

    ``workers`` transcriptions run at once (CTranslate2's ``num_workers``; one call's
    transcription otherwise waits for another's to finish), each on ``threads`` threads."""
    from faster_whisper import WhisperModel

    p = Path(path)
    key = (str(p.resolve()), threads, workers)
    with _models_lock:
        if key not in _models:
            if not (p / "model.bin").is_file():
                raise ModelError(f"Whisper model {p} (model.bin) does not exist: run `make models`")
            try:
                _models[key] = WhisperModel(
                    str(p), device="cpu", compute_type="int8", cpu_threads=threads, num_workers=workers,
                    local_files_only=True
                )
            except Exception as exc:
                raise ModelError(f"Whisper model {p} cannot be loaded ({exc}): re-copy it (run `make models`)") from None
        return _models[key]


def _numeric(text: str) -> bool:
    """Digits and punctuation only: a dictated number, where repeats are real ("5 5 5")."""
    return bool(re.fullmatch(r"[\d\s.,;:!?-]*", text))


_DIGIT_LOOP = re.compile(r"\b(\d)\b(?:[,.\s]+\1\b){5,}")


def digits_of(text: str) -> str:
    return re.sub(r"\D", "", text)


def vote_on_digits(readings: list[str]) -> str | None:
    """The first reading whose digits another reading gives too, or None (no two agree)."""
    for text in readings:
        if sum(digits_of(other) == digits_of(text) for other in readings) >= 2:
            return text
    return None


def _looped(text: str) -> bool:
    """A decoding loop: a phrase repeated to the limit, or one digit said six times running."""
    return bool(_DIGIT_LOOP.search(text)) or (bool(text) and drop_repetition(text) == "")


def drop_repetition(text: str, max_repeats: int = 3) -> str:
    """Whisper's failure mode on unclear audio is a phrase looped to the token limit: no words.

    Numbers are exempt: "my number is 5 5 5" repeats a digit on purpose.
    """
    sentences = re.findall(r"[^.!?]+[.!?]*", text)
    kept = [x for i, x in enumerate(sentences)
            if i == 0 or _numeric(x) or x.strip().lower() != sentences[i - 1].strip().lower()]
    text = "".join(kept).strip()  # "I would like a quote. I would like a quote." -> once
    words = text.split()
    for size in range(1, 6):
        for start in range(0, max(0, len(words) - size * max_repeats) + 1):
            unit = words[start:start + size]
            if _numeric(" ".join(unit)):
                continue
            if all(words[start + k * size:start + (k + 1) * size] == unit for k in range(max_repeats)):
                return ""
    return text


class FasterWhisperRecognizer(SpeechRecognizer):
    """Per-call recogniser: Silero segments the stream, Whisper transcribes each segment."""

    def __init__(
        self,
        model: Any,
        vad: VoiceActivityDetector,
        settings: AsrSettings | None = None,
        language: str = "en",
        vocabulary: str = "",
    ):
        #: Domain words (product codes, the company name) given to Whisper as its prompt, so
        #: "UTM-100" is not heard as "UT them 100" on a phone line.
        self.vocabulary = vocabulary
        #: Transcribe at ``pause`` events (the caller sets it off while an early answer could
        #: not start anyway: the model busy with another call, or us talking).
        self.early_transcripts = True
        self.model = model
        self.vad = vad
        self.settings = settings or AsrSettings()
        self.language = language
        self.reset()

    def reset(self) -> None:
        self.vad.reset()
        self._buf = np.zeros(0, dtype=np.int16)  # audio from _buf_start_s on
        self._buf_start_s = 0.0
        self._fed = 0  # samples fed in total
        self._seg_start_s: float | None = None
        #: (pause time, text) of the open segment transcribed at its last ``pause`` event
        self._tentative: tuple[float, str] | None = None

    def _trim(self, keep_from_s: float) -> None:
        drop = int((keep_from_s - self._buf_start_s) * PHONE_RATE)
        if drop > 0:
            self._buf = self._buf[drop:]
            self._buf_start_s += drop / PHONE_RATE

    def _slice(self, start_s: float, end_s: float) -> np.ndarray:
        a = max(0, int((start_s - self._buf_start_s) * PHONE_RATE))
        b = max(a, int((end_s - self._buf_start_s) * PHONE_RATE))
        return self._buf[a:b]

    def feed(self, pcm_8k: np.ndarray) -> list[Transcript]:
        pcm = np.asarray(pcm_8k, dtype=np.int16)
        self._buf = np.concatenate([self._buf, pcm])
        self._fed += len(pcm)
        out: list[Transcript] = []
        for ev in self.vad.process(pcm):
            if ev.kind == "speech_start":
                self._seg_start_s = max(self._buf_start_s, ev.at_s - PRE_ROLL_S)
                self._tentative = None
            elif self._seg_start_s is None:
                continue
            elif ev.kind == "pause" and not self.early_transcripts:
                continue  # nobody would use it: don't spend the CPU
            elif ev.kind == "pause":
                # The turn may be over: transcribe now, so the answer can start while the
                # end of turn is decided; the same words are the final if it ends here.
                end = min(self._fed / PHONE_RATE, ev.at_s + POST_ROLL_S)
                text = self._text_of(self._seg_start_s, end)
                self._tentative = (ev.at_s, text)
                if text:
                    out.append(Transcript(text, False, self._seg_start_s, end))
            elif ev.kind == "resume":
                self._tentative = None
            elif ev.kind == "speech_end":
                end = min(self._fed / PHONE_RATE, ev.at_s + POST_ROLL_S)
                tentative, self._tentative = self._tentative, None
                if tentative is not None and abs(tentative[0] - ev.at_s) < 1e-6:
                    # Nothing was said since the pause: its transcript is the turn's.
                    self._trim(end)
                    out += [Transcript(tentative[1], True, self._seg_start_s, end)] if tentative[1] else []
                else:
                    out += self._transcribe(self._seg_start_s, end)
                self._seg_start_s = None
        now = self._fed / PHONE_RATE
        if self._seg_start_s is None:
            self._trim(now - PRE_ROLL_S - 1.0)  # keep a little for the next onset
        elif now - self._seg_start_s > MAX_SEGMENT_S:
            out += self._transcribe(self._seg_start_s, now)
            self._seg_start_s = now
            self._tentative = None
        return out

    def finish(self) -> list[Transcript]:
        out: list[Transcript] = []
        self._tentative = None
        if self._seg_start_s is not None:
            out = self._transcribe(self._seg_start_s, self._fed / PHONE_RATE)
            self._seg_start_s = None
        self._trim(self._fed / PHONE_RATE)
        return out

    def _dictated(self, pcm_8k: np.ndarray) -> str:
        """A dictated number, read two or three ways and voted on.

        Any one reading of a dictated number may drop a group, double a digit or hear "3915"
        as "B915", and readings with different prompts err on different numbers. The stretch
        is read with the domain prompt (product codes) and without; if the digits differ, a
        third reading with a number-shaped prompt breaks the tie; with no two alike, the
        reading without a prompt is taken. On bench/dictation_eval.py (250 numbers, 7
        knowledge bases' prompts) numbers heard whole went from 84 % to 88 %. Dictation is a
        few seconds a call, so the extra decodes cost little."""
        prompted = self.transcribe_pcm(pcm_8k)
        third = DICTATION_PROMPTS.get(self.language)
        if not self.vocabulary or third is None:
            return prompted  # measured in English only (a Russian reading may spell digits out)
        plain = self.transcribe_pcm(pcm_8k, prompt="")
        if digits_of(plain) == digits_of(prompted):
            return prompted
        chosen = vote_on_digits([prompted, plain, self.transcribe_pcm(pcm_8k, prompt=third)])
        return chosen if chosen is not None else plain

    def transcribe_pcm(self, pcm_8k: np.ndarray, prompt: str | None = None) -> str:
        """Transcribe one stretch of 8 kHz audio as it is (no VAD).

        ``prompt``: Whisper's prompt for this stretch instead of the vocabulary ("" for none)."""
        prompt = self.vocabulary if prompt is None else prompt
        if pcm_8k.size == 0 or float(np.sqrt(np.mean(pcm_8k.astype(np.float64) ** 2))) < MIN_SPEECH_RMS:
            return ""  # line noise: Whisper would answer it with the prompt's words
        audio = soxr.resample(pcm_8k.astype(np.float32) / 32768.0, PHONE_RATE, WHISPER_RATE, quality="HQ")
        if self.settings.short_context and len(audio) <= SHORT_MAX_S * WHISPER_RATE:
            text = self._transcribe_short(audio, prompt)
            if text is not None:
                return text
            # The short window looped (it does on short runs of digits): decode again the
            # standard way, whose temperature fallback breaks loops.
        segments, _info = self.model.transcribe(
            audio,
            language=self.language,
            beam_size=self.settings.beam_size,
            vad_filter=False,
            without_timestamps=True,
            condition_on_previous_text=False,
            initial_prompt=prompt or None,
        )
        return drop_repetition(" ".join(s.text.strip() for s in segments).strip())

    def _transcribe_short(self, audio_16k: np.ndarray, prompt: str) -> str | None:
        """One utterance with the encoder cut to the audio's length (plus margin) instead of 30 s.

        Whisper pads every input to 30 s and the encoder's cost follows that padding, so a
        2 s phone utterance costs as much as 30 s of audio (~400 ms here).  CTranslate2 runs
        the encoder on shorter inputs; at >= 10 s of context the transcripts match the padded
        ones on our test set (tests/test_asr.py) at about a quarter of the time.  The prompt,
        token suppression and decoding are faster-whisper's own.
        """
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import get_suppressed_tokens

        model = self.model
        features = model.feature_extractor(audio_16k, padding=0)
        frames = min(FULL_FRAMES, max(SHORT_MIN_FRAMES, features.shape[-1] + SHORT_MARGIN_FRAMES))
        padded = np.zeros((1, features.shape[0], frames), dtype=np.float32)
        n = min(frames, features.shape[-1])
        padded[0, :, :n] = features[:, :n]
        multilingual = model.model.is_multilingual
        tokenizer = Tokenizer(model.hf_tokenizer, multilingual, task="transcribe" if multilingual else None,
                              language=self.language if multilingual else None)
        previous = tokenizer.encode(" " + prompt.strip()) if prompt else []
        prompt = model.get_prompt(tokenizer, previous, without_timestamps=True)
        result = model.model.generate(
            model.encode(padded), [prompt], beam_size=self.settings.beam_size, max_length=MAX_TOKENS,
            return_scores=True, return_no_speech_prob=True, suppress_blank=True,
            suppress_tokens=list(get_suppressed_tokens(tokenizer, [-1])),
        )[0]
        tokens = [t for t in result.sequences_ids[0] if t < tokenizer.eot]
        if result.no_speech_prob > NO_SPEECH_PROB and result.scores[0] / max(1, len(tokens) + 1) < -1.0:
            return ""  # noise or breath, not words: Whisper would invent some
        text = tokenizer.decode(tokens).strip()
        if _looped(text):
            return None
        return drop_repetition(text)



    def _text_of(self, start_s: float, end_s: float) -> str:
        pcm = self._slice(start_s, end_s)
        if len(pcm) < PHONE_RATE // 10:
            return ""
        t0 = time.monotonic()
        text = self._dictated(pcm) if self.dictation else self.transcribe_pcm(pcm)
        log_event(log, "asr.segment", level=logging.DEBUG, engine="faster-whisper",
                  audio_s=round(len(pcm) / PHONE_RATE, 2), took_s=round(time.monotonic() - t0, 3))
        return text

    def _transcribe(self, start_s: float, end_s: float) -> list[Transcript]:
        text = self._text_of(start_s, end_s)
        self._trim(end_s)
        return [Transcript(text, True, start_s, end_s)] if text else []
