"""``appliance asr FILE.wav`` and ``appliance tts "text" -o out.wav``: the speech engines on their own."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from appliance.cli.common import quiet_libraries, settings_for
from appliance.config.errors import InputError


def _asr(args: argparse.Namespace) -> int:
    from appliance.speech_in.audio import read_wav_8k
    from appliance.speech_in.factory import create_recognizer

    settings = settings_for(args)
    quiet_libraries()
    pcm = read_wav_8k(args.file)  # bad input fails before any model loads
    rec = create_recognizer(settings, engine=args.engine)
    t0 = time.monotonic()
    finals = []
    for i in range(0, len(pcm), 160):  # 20 ms at a time, as RTP delivers it
        for tr in rec.feed(pcm[i : i + 160]):
            if tr.is_final:
                finals.append(tr)
            elif args.partials:
                print(f"  ... {tr.text}", flush=True)
    finals += [t for t in rec.finish() if t.is_final]
    took = time.monotonic() - t0
    for tr in finals:
        if args.times:
            print(f"[{tr.start_s:6.2f}-{tr.end_s:6.2f}] {tr.text}")
    if not args.times:
        print(" ".join(t.text for t in finals))
    if args.verbose:
        print(f"# audio {len(pcm) / 8000:.2f} s, recognised in {took:.2f} s")
    return 0


def _tts(args: argparse.Namespace) -> int:
    from appliance.speech_in.audio import write_wav
    from appliance.speech_out.factory import create_synthesizer

    settings = settings_for(args)
    quiet_libraries()
    text = args.text
    if text == "-":
        import sys

        text = sys.stdin.read()
    if not text.strip():
        raise InputError("nothing to say: the text is empty")
    out = Path(args.output)
    if not out.parent.exists():
        raise InputError(f"{out.parent}: no such folder for the output WAV")
    tts = create_synthesizer(settings, cache=False)
    t0 = time.monotonic()
    first = None
    chunks = []
    for chunk in tts.stream(text):
        if first is None:
            first = time.monotonic() - t0
        chunks.append(chunk)
    total = time.monotonic() - t0
    pcm = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
    write_wav(out, pcm)
    print(f"wrote {out}: {len(pcm) / 8000:.2f} s of 8 kHz 16-bit mono")
    print(f"first chunk after {1000 * (first or 0):.0f} ms, all done in {1000 * total:.0f} ms")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("asr", help="transcribe a WAV file (any rate/width, mono or stereo, PCM or G.711)")
    p.add_argument("file", help="WAV file")
    p.add_argument("--engine", choices=("faster-whisper", "vosk"), help="override asr.engine")
    p.add_argument("--partials", action="store_true", help="also print partial transcripts (vosk)")
    p.add_argument("--times", action="store_true", help="print each segment with its times")
    p.add_argument("-v", "--verbose", action="store_true", help="print timing")
    p.set_defaults(func=_asr)
    t = sub.add_parser("tts", help="speak text into an 8 kHz 16-bit mono WAV")
    t.add_argument("text", help='text to speak ("-" reads stdin)')
    t.add_argument("-o", "--output", required=True, help="output WAV")
    t.set_defaults(func=_tts)
