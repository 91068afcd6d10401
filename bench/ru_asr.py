"""Russian ASR on phone-quality speech: WER and CER of the Russian pack's recogniser.

Every caller question of the Russian evaluation (bench/eval/questions/technopress.toml) is
spoken by a Russian test voice (Festival msu_ru_nsh, or espeak-ng -v ru), put through 8 kHz
G.711 µ-law, and transcribed as the service does (Whisper base multilingual, language "ru",
primed with the prompts' typical questions and the knowledge base's product codes).  Text is
compared after lower-casing, ё -> е, punctuation dropped, and numbers written as digits.

    PYTHONPATH=. .venv/bin/python bench/ru_asr.py [--voice festival|espeak] [--beam 1]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _norm(text: str) -> list[str]:
    from appliance.knowledge.russian import russian_numbers_to_digits

    t = text.lower().replace("ё", "е")
    t = re.sub(r"(?<=\d)[ \u00a0](?=\d{3}\b)", "", t)
    t = re.sub(r"[^\w\s-]|_", " ", t).replace("-", " ")
    return russian_numbers_to_digits(" ".join(t.split())).split()


def _edits(a: list, b: list) -> int:
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--voice", choices=("festival", "espeak"), default="festival")
    ap.add_argument("--beam", type=int, default=1)
    args = ap.parse_args()

    from appliance.agent.company import render
    from appliance.agent.prompts import load_prompts
    from appliance.config.settings import settings_from_dict
    from appliance.knowledge.vocabulary import vocabulary_from_folder
    from appliance.speech_in.factory import create_recognizer
    from appliance.telephony.caller_voice import espeak_voice, phone_line

    s = settings_from_dict({"agent": {"language": "ru"}, "data_dir": "/tmp/appliance-ru-asr",
                            "asr": {"beam_size": args.beam}}, ROOT)
    lead = render(load_prompts(s.agent.prompts_file).asr_prompt,
                  {"company": "ТехноПресс", "trade": "", "product1": "ПГ-40", "product2": "ПГ-100"})
    vocabulary = vocabulary_from_folder(ROOT / "kb" / "sample_ru", lead=lead)
    questions = tomllib.loads((ROOT / "bench/eval/questions/technopress.toml").read_text(encoding="utf-8"))["question"]
    texts = [q["ask"] for q in questions] + ["Соедините меня с оператором.", "Спасибо, до свидания."]
    if args.voice == "festival":
        from appliance.speech_out.factory import create_synthesizer

        tts = create_synthesizer(s, cache=False)
        speak = tts.synthesize
    else:
        speak = lambda text: espeak_voice(text, "ru", 150)  # noqa: E731
    word_err = word_n = char_err = char_n = 0
    audio_s = asr_s = 0.0
    for text in texts:
        pcm = phone_line(speak(text))
        recognizer = create_recognizer(s, vocabulary=vocabulary)
        t0 = time.monotonic()
        heard = " ".join(t.text for t in recognizer.feed(pcm) + recognizer.finish() if t.is_final and t.text)
        asr_s += time.monotonic() - t0
        audio_s += len(pcm) / 8000
        ref, hyp = _norm(text), _norm(heard)
        we, ce = _edits(ref, hyp), _edits(list(" ".join(ref)), list(" ".join(hyp)))
        word_err, word_n, char_err, char_n = word_err + we, word_n + len(ref), char_err + ce, char_n + len(" ".join(ref))
        print(f"{we:2d} {text!r} -> {heard!r}")
    print(f"\n{args.voice}, µ-law 8 kHz, Whisper base (asr_ru), beam {args.beam}: {len(texts)} utterances, "
          f"WER {100 * word_err / word_n:.1f} %, CER {100 * char_err / char_n:.1f} %, "
          f"real-time factor {asr_s / audio_s:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
