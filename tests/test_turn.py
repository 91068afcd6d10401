"""End-of-turn detection: Smart Turn features and model, and the detector's hold/cancel/fallback logic."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from appliance.config.errors import ModelError
from appliance.config.manifest import load_manifest
from appliance.config.settings import VadSettings
from appliance.speech_in.turn import EndOfTurnDetector, SmartTurn, log_mel_features
from appliance.speech_in.vad import SileroVad

from audio_fixtures import phone_line, piper

REPO = Path(__file__).resolve().parents[1]
MANIFEST = REPO / "models" / "manifest.toml"
RATE = 8000
FRAME = 160


def _paths():
    m = load_manifest(MANIFEST)
    return m.get("vad").path, m.get("tts").path, m.get("turn").path


def test_features_match_whisper_feature_extractor():
    transformers = pytest.importorskip("transformers")
    rng = np.random.default_rng(0)
    x = np.concatenate([np.zeros(50000, np.float32), (rng.standard_normal(78000) * 0.1).astype(np.float32)])
    fe = transformers.WhisperFeatureExtractor(chunk_length=8)
    ref = fe(x, sampling_rate=16000, padding="max_length", max_length=128000, truncation=True,
             do_normalize=True, return_tensors="np").input_features[0]
    ours = log_mel_features(x)
    assert ours.shape == (80, 800) and ours.dtype == np.float32
    assert np.abs(ours - ref).max() < 1e-4


def test_missing_model_says_what_to_do(tmp_path):
    with pytest.raises(ModelError, match="make models"):
        SmartTurn(tmp_path / "none.onnx")


@pytest.fixture(scope="module")
def model():
    if not all(p.exists() for p in _paths()):
        pytest.skip("models not installed (make models)")
    return SmartTurn(_paths()[2])


def _say(text: str) -> np.ndarray:
    pcm, rate = piper(text, _paths()[1])
    x = phone_line(pcm, rate)
    loud = np.flatnonzero(np.abs(x.astype(np.int32)) > 300)
    return x[loud[0] : loud[-1] + 1]


def _stream(speech: np.ndarray, tail_s: float = 2.5) -> tuple[np.ndarray, float]:
    rng = np.random.default_rng(0)
    x = np.concatenate([np.zeros(RATE, np.int16), speech, np.zeros(int(tail_s * RATE), np.int16)]).astype(float)
    x += rng.standard_normal(len(x)) * 8
    return np.clip(np.round(x), -32768, 32767).astype(np.int16), 1.0 + len(speech) / RATE


def _run(det, stream):
    """(stream time when emitted, event) for every event, fed in 20 ms frames."""
    out = []
    for i in range(0, len(stream) - FRAME + 1, FRAME):
        out += [((i + FRAME) / RATE, ev) for ev in det.process(stream[i : i + FRAME])]
    return out


def _detector(model, threshold=0.5, turn_ms=200, end_ms=1000):
    s = VadSettings(end_silence_ms=turn_ms)
    return EndOfTurnDetector(SileroVad(_paths()[0], s), model, threshold, end_ms)


@pytest.mark.parametrize("text", ["What are your opening hours?", "Please send me the invoice.",
                                  "I would like to check the status of my order."])
@pytest.mark.models
def test_complete_sentence_ends_the_turn_on_the_model(model, text):
    stream, speech_end = _stream(_say(text))
    det = _detector(model, end_ms=1500)
    events = _run(det, stream)
    kinds = [e.kind for _, e in events]
    print("\n", text, [(t, e) for t, e in events], det.decisions)
    assert kinds == ["speech_start", "speech_end"]
    emitted, end = events[-1]
    assert det.last_end_reason == "model"
    assert emitted - end.at_s < 1.5  # before the silence fallback
    assert speech_end - 0.6 <= end.at_s <= speech_end + 0.3  # at_s: when the silence began


@pytest.fixture(scope="module")
def paused_sentence():
    """'I'd like to know the price of the' ... 650 ms ... 'UTM-300 firewall.'"""
    first, second = _say("I'd like to know the price of the"), _say("UTM-300 firewall.")
    return np.concatenate([first, np.zeros(int(0.65 * RATE), np.int16), second]), 1.0 + len(first) / RATE


@pytest.mark.models
def test_pause_is_held_while_the_model_says_incomplete_and_speech_resuming_cancels_it(model, paused_sentence):
    speech, pause_at = paused_sentence
    stream, speech_end = _stream(speech)
    det = _detector(model, threshold=1.01, end_ms=1000)  # the model never agrees: only the hold logic acts
    events = _run(det, stream)
    print("\n", [(t, e) for t, e in events], det.decisions)
    assert [e.kind for _, e in events] == ["speech_start", "speech_end"]  # not cut at the pause
    assert det.resumed >= 1 and any(abs(t - pause_at - 0.2) < 0.3 for t, _, _ in det.decisions)
    assert det.last_end_reason == "silence"
    emitted, end = events[-1]
    assert speech_end - 0.6 <= end.at_s <= speech_end + 0.3
    # the end_silence_ms fallback; emission is a little later in stream time (the VAD lags its input)
    assert 0.98 <= emitted - end.at_s <= 1.2


@pytest.mark.models
def test_fallback_ends_the_turn_after_end_silence_ms(model):
    stream, _ = _stream(_say("What are your opening hours?"))
    for end_ms in (500, 800):
        det = _detector(model, threshold=1.01, end_ms=end_ms)
        events = _run(det, stream)
        emitted, end = events[-1]
        assert end.kind == "speech_end" and det.last_end_reason == "silence"
        assert end_ms / 1000 - 0.02 <= emitted - end.at_s <= end_ms / 1000 + 0.2
        det.reset()
        assert det.decisions == [] and not det.in_speech


@pytest.mark.models
def test_plain_vad_when_the_model_is_off_or_missing(model, tmp_path):
    from appliance.config.manifest import Manifest
    from appliance.config.settings import Settings
    from appliance.speech_in.turn import create_turn_detector

    m = load_manifest(MANIFEST)
    s = Settings()
    det = create_turn_detector(s, m)
    assert isinstance(det, EndOfTurnDetector) and det.vad.settings.end_silence_ms == s.vad.turn_silence_ms
    assert det.max_silence_s == s.vad.end_silence_ms / 1000
    s_off = dataclasses.replace(s, vad=dataclasses.replace(s.vad, turn_model=False))
    assert type(create_turn_detector(s_off, m)) is SileroVad
    absent = dataclasses.replace(m.get("turn"), path=tmp_path / "absent.onnx")
    m2 = Manifest(m.path, {**m.entries, "turn": absent})
    assert type(create_turn_detector(s, m2)) is SileroVad
    assert type(create_turn_detector(s, Manifest(m.path, {k: v for k, v in m.entries.items() if k != "turn"}))) \
        is SileroVad


@pytest.mark.models
def test_pause_comes_before_the_end_and_resume_when_the_caller_goes_on(model, paused_sentence):
    speech, pause_at = paused_sentence
    stream, speech_end = _stream(speech)
    det = EndOfTurnDetector(SileroVad(_paths()[0], VadSettings(end_silence_ms=200)), model, 1.01, 1000, pause_ms=96)
    events = _run(det, stream)
    print("\n", [(t, e) for t, e in events])
    kinds = [e.kind for _, e in events]
    # The mid-sentence gap: a pause, then the caller goes on; the real end: a pause, then the end.
    assert kinds[0] == "speech_start" and kinds[-2:] == ["pause", "speech_end"]
    assert "resume" in kinds and kinds.index("pause") < kinds.index("resume")
    first_pause = next(e for _, e in events if e.kind == "pause")
    assert abs(first_pause.at_s - pause_at) < 0.3
    (t_pause, last_pause), (t_end, end) = events[-2], events[-1]
    assert last_pause.at_s == pytest.approx(end.at_s, abs=1e-6)  # the same silence
    assert 0.09 <= t_pause - last_pause.at_s <= 0.2 and t_end > t_pause  # early: before the end is known


@pytest.mark.models
def test_no_pause_events_unless_asked(model, paused_sentence):
    stream, _ = _stream(paused_sentence[0])
    kinds = [e.kind for _, e in _run(_detector(model, threshold=1.01), stream)]
    assert kinds == ["speech_start", "speech_end"]
