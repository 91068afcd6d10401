"""Piper at 8 kHz: non-silent, plausible duration, streamed; the normaliser; the phrase cache."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from appliance.config.manifest import load_manifest
from appliance.config.settings import settings_from_dict
from appliance.speech_out.normalize import normalize_text

REPO = Path(__file__).resolve().parents[1]
MANIFEST = REPO / "models" / "manifest.toml"


# --- normaliser (no models) ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text, spoken",
    [
        ("The beam takes 100 kN.", "The beam takes one hundred kilonewtons."),
        ("It weighs 1 kg", "It weighs one kilogram"),
        ("2.5 kg", "two point five kilograms"),
        ("12 mm, 3 kW, 60 Hz", "twelve millimetres, three kilowatts, sixty hertz"),
        ("at 20 °C", "at twenty degrees Celsius"),
        ("50% off", "fifty percent off"),
        ("We are open 24/7.", "We are open twenty-four seven."),
        ("It costs $1,200.", "It costs one thousand two hundred dollars."),
        ("$3.50", "three dollars fifty cents"),
        ("Call 555-123-4567", "Call five five five, one two three, four five six seven"),
        ("e.g. steel, approx. 3 etc.", "for example steel, approximately three et cetera"),
        ("1,500 units on the 3rd floor", "one thousand five hundred units on the third floor"),
        ("at 10:30", "at ten thirty"),
        # product and model codes as people read them, never as a quantity
        ("The XY-220 costs 1,200 euros.", "The X Y two twenty costs one thousand two hundred euros."),
        ("UTM-300 and UTM-50", "U T M three hundred and U T M fifty"),
        ("ZX-9000, AB-2024, XR-205, Q-05", "Z X nine thousand, A B twenty twenty-four, X R two oh five, Q oh five"),
        ("the HT-200e and an RTX3090", "the H T two hundred E and an R T X thirty ninety"),
        # a code with a decimal part stays one code ("the KP-1.5", not "K P one.five")
        ("The KP-1.5 pump.", "The K P one point five pump."),
    ],
)
def test_normalize_english(text, spoken):
    assert normalize_text(text, "en") == spoken


@pytest.mark.parametrize(
    "text, spoken",
    [
        ("Нагрузка 100 кН", "Нагрузка сто килоньютонов"),
        ("21 кг", "двадцать один килограмм"),
        ("3 кг", "три килограмма"),
        ("2,5 кг", "две целых пять десятых килограмма"),
        ("5%", "пять процентов"),
        ("1 200 ₽", "одна тысяча двести рублей"),
        ("т.е. 24/7", "то есть круглосуточно"),
        ("20 °C", "двадцать градусов Цельсия"),
        ("Горелка ГБ-1,2 и ГБ-2,0.", "Горелка гэ бэ один запятая два и гэ бэ два запятая ноль."),
    ],
)
def test_normalize_russian(text, spoken):
    assert normalize_text(text, "ru") == spoken


# --- synthesis ---------------------------------------------------------------------------------

_tts_path = load_manifest(MANIFEST).get("tts").path
needs_voice = pytest.mark.skipif(not _tts_path.exists(), reason="models not installed (make models)")


@pytest.mark.parametrize(
    "sentence, lead",
    [
        # just before the figure: the opening words, then "4,950 euros" whole
        ("The UTM-300 costs 4,950 euros excluding VAT and ships within three weeks.", "The UTM-300 costs"),
        ("The PT-510 weighs 1,250 kg with its stand and the guard fitted.", "The PT-510 weighs"),
        # at a clause boundary
        ("Our warehouse in Leeds, which opens at seven, ships the same day.", "Our warehouse in Leeds,"),
        # a code is not a figure; never after a word the next belongs to ("on", "two")
        ("Гарантия на пресс ПГ-100 составляет 24 месяца с момента ввода в эксплуатацию.",
         "Гарантия на пресс ПГ-100 составляет"),
        ("The warranty is two years on parts and labour.", "The warranty is two years"),
        ("We are closed on Sundays and on bank holidays.", "We are closed"),
        # short sentences, and a sentence with nowhere to cut, are said whole
        ("The price is £4,950 plus VAT.", "The price is £4,950 plus VAT."),
        ("It is 12 kg, 30 cm by 40 cm.", "It is 12 kg,"),
        ("Of the 12 of 30 at 40 to 50 for 60 kg.", "Of the 12 of 30 at 40 to 50 for 60 kg."),
    ],
)
def test_a_long_first_sentence_is_cut_where_a_speaker_could_breathe(sentence: str, lead: str) -> None:
    """The opening phrase ends with a plain word, never inside a figure, a code, or before the
    word it needs; the two pieces are the whole sentence."""
    from appliance.speech_out.phrases import first_phrase

    head, rest = first_phrase(sentence, 4)
    assert head == lead
    assert " ".join(p for p in (head, rest) if p) == " ".join(sentence.split())
    assert first_phrase(sentence, 0) == (sentence, "")


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    return settings_from_dict({"data_dir": str(tmp_path_factory.mktemp("data"))}, REPO)


@pytest.fixture(scope="module")
def tts(settings):
    from appliance.speech_out.factory import create_synthesizer

    return create_synthesizer(settings)


@pytest.mark.models
@needs_voice
def test_a_product_code_is_heard_as_a_code_not_a_quantity(tts, settings):
    """Piper says "XY-220" and Whisper (the test's ear) writes back the code or its digit groups,
    never "two hundred and twenty" (which a caller hears as "XY-200 and 20")."""
    from appliance.speech_in.factory import transcribe_pcm

    pcm = np.concatenate(list(tts.stream("The XY-220 weighs twelve kilograms.")))
    heard = transcribe_pcm(pcm, settings, "Products: XY-220, XY-310.").lower()
    assert "hundred" not in heard and "200 and" not in heard, heard
    assert re.search(r"220|two[ -]twenty|2 20", heard), heard


@pytest.mark.models
@needs_voice
def test_stream_is_8k_chunks_non_silent_plausible_and_early(tts, settings):
    text = "Thank you for calling. Our office is open from nine to five, Monday to Friday. How can I help?"
    list(tts.stream("Warm up."))
    t0 = time.monotonic()
    first = None
    chunks = []
    for c in tts.stream(text):
        if first is None:
            first = time.monotonic() - t0
        chunks.append(c)
    total = time.monotonic() - t0
    pcm = np.concatenate(chunks)
    seconds = len(pcm) / 8000
    spoken = normalize_text(text)
    print(f"\npiper: first chunk {first * 1000:.0f} ms, total {total * 1000:.0f} ms for {seconds:.2f} s of audio "
          f"({seconds / len(spoken):.3f} s/char)")
    assert all(c.dtype == np.int16 and len(c) == 160 for c in chunks)
    assert 0.04 <= seconds / len(spoken) <= 0.15
    rms_db = 20 * np.log10(np.sqrt(np.mean((pcm / 32768.0) ** 2)))
    assert -35 < rms_db < -12  # level-normalised toward tts.target_dbfs (-20)
    assert first < total / 2  # the first sentence is out before the whole text is done
    # 8 kHz: no energy above the 4 kHz Nyquist is possible; check the band near it is low (anti-aliased)
    spec = np.abs(np.fft.rfft(pcm.astype(np.float64)))
    freqs = np.fft.rfftfreq(len(pcm), 1 / 8000)
    assert spec[freqs > 3900].mean() < spec[(freqs > 300) & (freqs < 3000)].mean() / 30


@pytest.mark.models
@needs_voice
def test_a_long_first_sentence_is_heard_from_its_opening_phrase_while_the_rest_is_made(tts, settings):
    """The caller's first sound comes once the opening phrase is synthesised, not the whole
    sentence; the whole sentence is still heard, its figure intact, with a breath and no
    longer silence where it was cut."""
    from appliance.speech_in.factory import transcribe_pcm

    text = "The UTM-300 costs 4,950 euros excluding VAT and ships within three weeks."
    asked: list[str] = []
    real = tts.sentences_audio

    def sentences_audio(piece: str):
        asked.append(piece)
        return real(piece)

    tts.sentences_audio = sentences_audio
    try:
        chunks: list[np.ndarray] = []
        made_before_first_sound: list[str] | None = None
        for chunk in tts.stream(text):
            if made_before_first_sound is None and np.sqrt(np.mean(chunk.astype(np.float64) ** 2)) >= 100:
                made_before_first_sound = list(asked)
            chunks.append(chunk)
    finally:
        del tts.sentences_audio
    assert made_before_first_sound == ["The UTM-300 costs"]
    pcm = np.concatenate(chunks)
    loud = np.sqrt(np.mean(pcm.reshape(-1, 160).astype(np.float64) ** 2, axis=1)) >= 100
    voiced = np.flatnonzero(loud)
    quiet_run = longest = 0
    for is_loud in loud[voiced[0] : voiced[-1] + 1]:
        quiet_run = 0 if is_loud else quiet_run + 1
        longest = max(longest, quiet_run)
    assert longest * 20 <= 200, f"{longest * 20} ms of silence inside the sentence"
    heard = transcribe_pcm(pcm, settings, "Products: UTM-300.").lower().replace(",", "")
    assert re.search(r"4950|four thousand nine hundred (and )?fifty", heard), heard
    assert re.search(r"(three|3) weeks", heard), heard


@pytest.mark.models
@needs_voice
def test_empty_text_gives_nothing_and_cache_round_trips(tts, settings):
    assert list(tts.stream("   ")) == []
    a = tts.cached("Please hold the line.")
    files = list((settings.data_path / "tts-cache").glob("*.npy"))
    assert len(files) == 1
    voice, tts.voice = tts.voice, None  # a cache hit must not need the voice at all
    try:
        b = tts.cached("Please hold the line.")
    finally:
        tts.voice = voice
    assert np.array_equal(a, b) and len(a) % 160 == 0
    assert tts.cache_key("x") != tts.cache_key("y")


@pytest.mark.models
@needs_voice
def test_cli_tts_writes_8k_wav(tmp_path):
    out = tmp_path / "out.wav"
    r = subprocess.run(
        [sys.executable, "-c", "import sys; from appliance.cli.main import main; sys.exit(main(sys.argv[1:]))",
         "tts", "The load is 100 kN.", "-o", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "APPLIANCE_DATA_DIR": str(tmp_path)},
    )
    if r.returncode != 0 and "appliance.cli." in r.stderr and "No module" in r.stderr:
        pytest.skip("the CLI's other sub-command modules are not there yet")
    assert r.returncode == 0, r.stderr
    assert "first chunk after" in r.stdout
    with wave.open(str(out)) as w:
        assert (w.getframerate(), w.getsampwidth(), w.getnchannels()) == (8000, 2, 1)
        assert w.getnframes() > 8000
    r = subprocess.run(
        [sys.executable, "-c", "import sys; from appliance.cli.main import main; sys.exit(main(sys.argv[1:]))",
         "tts", "  ", "-o", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)},
    )
    assert r.returncode == 2 and "text is empty" in r.stderr


def test_sentences_of_new_lengths_do_not_grow_the_process(tts):
    """Each Piper run has a new input shape (the sentence's phonemes); the process must not
    keep memory per shape or per largest run (onnxruntime's arena and memory patterns did:
    ~300 MB over these 20 sentences)."""
    from appliance.config.heap import trim

    def rss_anon_mb() -> float:
        match = re.search(r"RssAnon:\s+(\d+) kB", Path("/proc/self/status").read_text())
        assert match
        return int(match.group(1)) / 1024

    words = "the press weighs nine hundred kilograms and ships from our warehouse within three days".split()
    tts.synthesize("Hello.")
    trim()
    before = rss_anon_mb()
    for n in range(4, 44, 2):
        tts.synthesize(" ".join(words[i % len(words)] for i in range(n)) + ".")
    trim()
    assert rss_anon_mb() - before < 40, f"grew {rss_anon_mb() - before:.0f} MB over 20 sentences"
