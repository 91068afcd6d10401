"""Dictated phone numbers: how often Whisper hears every digit, one reading against the vote.

A caller giving a number for a quote says it in groups ("0 1 7 6, 2 4 8, 3 9 1 5"). Each
number here is the project's voice (``caller_voice``: Piper through a µ-law line, sampled
afresh each time), in a stream of 1 s quiet + speech + 2.5 s quiet, fed in 20 ms frames
through the call's end-of-turn detector in dictation mode and the call's recogniser, whose
prompt is a knowledge base's (company line, example questions, product codes), as in a call.

Two ways of reading each turn are compared on the same audio:

* ``single``: one reading with the knowledge base's prompt (before 2026-12-02);
* ``voted``: the recogniser's dictation mode (``FasterWhisperRecognizer._dictated``).

A number counts as right when the contact taken from the words heard (``extract_contact``,
what the lead would store) is exactly the digits said.

Run: ``.venv/bin/python bench/dictation_eval.py [--samples 3] [--kb sample --kb hearthstone]``.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from appliance.agent.company import CompanyIdentity  # noqa: E402
from appliance.agent.prompts import load_prompts  # noqa: E402
from appliance.call.intents import extract_contact  # noqa: E402
from appliance.config.manifest import load_manifest  # noqa: E402
from appliance.config.settings import load_settings  # noqa: E402
from appliance.knowledge.vocabulary import vocabulary_from_folder  # noqa: E402
from appliance.speech_in.factory import create_recognizer  # noqa: E402
from appliance.speech_in.turn import create_turn_detector  # noqa: E402
from appliance.telephony.caller_voice import caller_voice  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
#: Ways callers give a number: UK, US, mobile, with and without a lead-in, double digits.
NUMBERS = [
    "My number is 0 1 7 6, 2 4 8, 3 9 1 5.",
    "It's 0 2 0, 8 1 3 7, 0 0 6 2.",
    "You can reach me on 0 7 7 0 0, 9 0 0, 1 2 3.",
    "My phone number is 5 5 5, 8 6 7, 5 3 0 9.",
    "Call me at 0 1 6 1, 4 9 6, 0 7 5 2.",
    "The number is 0 3 4 5, 6 1 2, 8 8 7 0.",
    "Sure, it's 4 1 5, 2 2 3, 9 0 4 4.",
    "0 7 9 1 1, 1 2 3, 4 5 6.",
    "Yes, it's 0 1 2 3 4, 5 6 7, 8 9 0.",
    "My mobile is 0 7 8 2 2, 3 1 4, 6 6 9.",
]


def kb_prompt(folder: Path) -> str:
    """The prompt a call on this knowledge base gives Whisper (company line from the folder name)."""
    codes = vocabulary_from_folder(folder).removeprefix("Products: ").rstrip(".").split(", ")
    identity = CompanyIdentity(name=folder.name.title() + " Ltd", products=tuple(c for c in codes[:2] if c))
    prompts = load_prompts().for_company(identity)
    return vocabulary_from_folder(folder, lead=prompts.asr_prompt)


def heard(pcm: np.ndarray, recognizer) -> str:  # type: ignore[no-untyped-def]
    texts: list[str] = []
    for i in range(0, len(pcm), 160):
        texts += [t.text for t in recognizer.feed(pcm[i:i + 160]) if t.is_final]
    texts += [t.text for t in recognizer.finish() if t.is_final]
    return " ".join(texts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=3, help="Piper renderings of each number")
    ap.add_argument("--kb", action="append", help="knowledge bases whose prompt is used (kb/sample, bench/eval/kbs/*)")
    args = ap.parse_args()
    settings = load_settings()
    manifest = load_manifest(settings.manifest_path)
    folders = [ROOT / "kb" / "sample" if k == "sample" else ROOT / "bench" / "eval" / "kbs" / k
               for k in (args.kb or ["sample", "hearthstone", "tidewell"])]
    right = {"single": 0, "voted": 0}
    total = 0
    for folder in folders:
        prompt = kb_prompt(folder)
        readers = {}
        for way in right:
            vad = create_turn_detector(settings, manifest)
            vad.set_dictation(True)
            recognizer = create_recognizer(settings, manifest, vocabulary=prompt, vad=vad)
            recognizer.dictation = way == "voted"
            readers[way] = recognizer
        for said in NUMBERS:
            want = re.sub(r"\D", "", said)
            for _ in range(args.samples):
                pcm = np.concatenate([np.zeros(8000, np.int16), caller_voice(said, "piper"), np.zeros(20000, np.int16)])
                total += 1
                line = []
                for way, recognizer in readers.items():
                    text = heard(pcm, recognizer)
                    ok = extract_contact(text) == want
                    right[way] += ok
                    line.append(f"{way}={'ok' if ok else 'WRONG'} {text!r}")
                print(folder.name, want, *line, sep="  ", flush=True)
    for way, n in right.items():
        print(f"{way}: {n}/{total} numbers heard whole ({100 * n / total:.0f} %)")


if __name__ == "__main__":
    main()
