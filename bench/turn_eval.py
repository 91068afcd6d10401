"""End-of-turn: Smart Turn + short silence against plain silence endpointing, on Piper phone audio.

Utterances are the project's voice (``synthesize_phone_audio``) through a µ-law line, in a
stream of 1 s quiet + speech + 3 s quiet (with faint line noise), fed in 20 ms frames like RTP.

* complete sentences: the delay from the end of the speech to the ``speech_end`` event being
  emitted (stream time at emission; the event's own ``at_s`` is earlier, when silence began);
* mid-sentence pauses: a sentence with 500-800 ms of silence inserted after a word like "the";
  counted as *cut off* when a ``speech_end`` is emitted before the rest of the sentence.
  Two ways to make the pause: ``cut`` splits the whole synthesised sentence at the word gap
  (the voice's prosody runs on, as a caller's would), ``joined`` synthesises the two halves
  separately (the first half ends with sentence-final intonation: a harder case).

Run: ``.venv/bin/python bench/turn_eval.py [--fallbacks 500,1000] [--recheck 0,200]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from appliance.config.manifest import load_manifest  # noqa: E402
from appliance.config.settings import load_settings  # noqa: E402
from appliance.speech_in.base import PHONE_RATE  # noqa: E402
from appliance.speech_in.turn import EndOfTurnDetector, SmartTurn, log_mel_features  # noqa: E402
from appliance.speech_in.vad import SileroVad  # noqa: E402
from appliance.speech_out.factory import synthesize_phone_audio  # noqa: E402
from appliance.telephony.caller_voice import phone_line  # noqa: E402

COMPLETE = [
    "What are your opening hours?",
    "I would like to check the status of my order.",
    "How much does the UTM-300 cost?",
    "Thank you, that's all.",
    "Can I speak to a technician, please?",
    "My name is John Smith.",
    "Yes.",
    "No, thanks.",
    "Where is your office?",
    "Please send me the invoice.",
    "Do you deliver on Saturdays?",
    "I have a problem with my internet connection.",
]

# (before the pause, after it); the whole sentence is also used as a complete one
PAUSED = [
    ("I'd like to know the price of the", "UTM-300 firewall."),
    ("Can you tell me when the", "technician will arrive?"),
    ("My order number is", "four five seven two."),
    ("I want to change the delivery address to", "my office in Berlin."),
    ("Do you have the", "router in stock?"),
    ("I'm calling about the invoice for", "last month."),
    ("Could you send me the", "manual for the printer?"),
    ("I need to speak with", "someone from sales."),
    ("The problem started when I", "updated the software."),
    ("What is the warranty period for the", "X200 model?"),
    ("We would like to order", "twenty licenses."),
    ("Is it possible to", "cancel my subscription?"),
]
PAUSES_MS = (500, 650, 800)
FRAME = 160  # 20 ms


def _say(text: str) -> np.ndarray:
    return phone_line(synthesize_phone_audio(text))


def _envelope_db(x: np.ndarray, hop: int = 80) -> np.ndarray:
    f = x[: len(x) // hop * hop].astype(np.float64).reshape(-1, hop)
    return 20 * np.log10(np.sqrt((f**2).mean(axis=1)) / 32768 + 1e-9)


def speech_bounds(x: np.ndarray, floor_db: float = -50.0) -> tuple[int, int]:
    """First and last sample of the audible speech (10 ms frames above ``floor_db``)."""
    loud = np.flatnonzero(_envelope_db(x) > floor_db)
    return (int(loud[0]) * 80, int(loud[-1] + 1) * 80) if loud.size else (0, len(x))


def trimmed(x: np.ndarray) -> np.ndarray:
    a, b = speech_bounds(x)
    return x[a:b]


def cut_at_word_gap(whole: np.ndarray, prefix: np.ndarray) -> int:
    """Where in ``whole`` the words of ``prefix`` end: the quietest 10 ms near the prefix's length."""
    guess = len(prefix) // 80
    env = _envelope_db(whole)
    lo, hi = max(1, guess - 12), min(len(env) - 1, guess + 12)
    return (lo + int(np.argmin(env[lo:hi]))) * 80


@dataclasses.dataclass
class Utterance:
    name: str
    speech: np.ndarray  # trimmed speech with any inserted pause
    pause: tuple[int, int] | None = None  # sample span of the inserted pause within speech


def complete_utterances() -> list[Utterance]:
    texts = COMPLETE + [f"{a} {b}" for a, b in PAUSED]
    return [Utterance(t, trimmed(_say(t))) for t in texts]


def paused_utterances(pauses_ms=PAUSES_MS, kinds=("cut", "joined")) -> list[Utterance]:
    out = []
    for i, (a, b) in enumerate(PAUSED):
        ms = pauses_ms[i % len(pauses_ms)]
        gap = np.zeros(ms * PHONE_RATE // 1000, dtype=np.int16)
        if "cut" in kinds:
            whole = trimmed(_say(f"{a} {b}"))
            at = cut_at_word_gap(whole, trimmed(_say(a)))
            out.append(Utterance(f"cut {ms}ms: {a} | {b}", np.concatenate([whole[:at], gap, whole[at:]]),
                                 (at, at + len(gap))))
        if "joined" in kinds:
            first, second = trimmed(_say(a)), trimmed(_say(b))
            out.append(Utterance(f"joined {ms}ms: {a} | {b}", np.concatenate([first, gap, second]),
                                 (len(first), len(first) + len(gap))))
    return out


def stream_of(u: Utterance, lead_s: float = 1.0, tail_s: float = 3.0, seed: int = 0) -> tuple[np.ndarray, int]:
    """The utterance in quiet line noise; returns the stream and the sample where speech ends."""
    rng = np.random.default_rng(seed)
    lead = np.zeros(int(lead_s * PHONE_RATE), dtype=np.int16)
    tail = np.zeros(int(tail_s * PHONE_RATE), dtype=np.int16)
    x = np.concatenate([lead, u.speech, tail]).astype(np.float64)
    x += rng.standard_normal(len(x)) * 8.0  # ~ -72 dBFS hiss
    return np.clip(np.round(x), -32768, 32767).astype(np.int16), len(lead) + len(u.speech)


def run_stream(det, stream: np.ndarray) -> list[tuple[float, str, float]]:
    """Feed 20 ms frames; (stream time at emission, kind, event at_s) for every event."""
    det.reset()
    out = []
    for i in range(0, len(stream) - FRAME + 1, FRAME):
        for ev in det.process(stream[i : i + FRAME]):
            out.append(((i + FRAME) / PHONE_RATE, ev.kind, ev.at_s))
    return out


def evaluate(make_det, completes: list[Utterance], paused: list[Utterance]) -> dict:
    delays, missed = [], 0
    for u in completes:
        stream, end = stream_of(u)
        ends = [t for t, k, _ in run_stream(make_det(), stream) if k == "speech_end" and t >= end / PHONE_RATE - 0.1]
        if ends:
            delays.append(ends[0] - end / PHONE_RATE)
        else:
            missed += 1
    cut = []
    for u in paused:
        stream, end = stream_of(u)
        lead = int(1.0 * PHONE_RATE)
        resume_s = (lead + u.pause[1]) / PHONE_RATE
        early = [t for t, k, _ in run_stream(make_det(), stream) if k == "speech_end" and t < resume_s + 0.15]
        cut.append(bool(early))
    return {
        "median_delay_ms": 1000 * statistics.median(delays) if delays else float("nan"),
        "p90_delay_ms": 1000 * float(np.percentile(delays, 90)) if delays else float("nan"),
        "max_delay_ms": 1000 * max(delays) if delays else float("nan"),
        "missed": missed,
        "n_complete": len(completes),
        "cut": sum(cut),
        "n_paused": len(paused),
        "cut_flags": cut,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fallbacks", default="500,1000", help="end_silence_ms values to try (ms, comma-separated)")
    ap.add_argument("--turn-silence", type=int, default=None, help="turn_silence_ms (default: from settings)")
    ap.add_argument("--threshold", type=float, default=None, help="turn_threshold (default: from settings)")
    ap.add_argument("--recheck", default="0", help="re-ask the model every N ms of silence (0: once); comma-separated")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)

    settings = load_settings()
    manifest = load_manifest(settings.manifest_path)
    vad_path, turn_path = manifest.get("vad").path, manifest.get("turn").path
    vs = settings.vad
    turn_ms = args.turn_silence or vs.turn_silence_ms
    thr = args.threshold if args.threshold is not None else vs.turn_threshold

    t0 = time.perf_counter()
    model = SmartTurn(turn_path)
    load_s = time.perf_counter() - t0
    rng = np.random.default_rng(1)
    x = (rng.standard_normal(PHONE_RATE * 4) * 2000).astype(np.int16)
    model.predict(x)
    feats, runs, totals = [], [], []
    for _ in range(20):
        t = time.perf_counter()
        model.predict(x)
        totals.append(time.perf_counter() - t)
        runs.append(model.last_inference_s)
    up = np.zeros(128000, dtype=np.float32)
    for _ in range(20):
        t = time.perf_counter()
        log_mel_features(up + rng.standard_normal(128000).astype(np.float32) * 0.01)
        feats.append(time.perf_counter() - t)
    print(f"Smart Turn v3.2 ({turn_path.stat().st_size / 1e6:.1f} MB): load {load_s * 1000:.0f} ms; per call "
          f"median {statistics.median(totals) * 1000:.1f} ms (log-mel {statistics.median(feats) * 1000:.1f} ms, "
          f"ONNX run+features {statistics.median(runs) * 1000:.1f} ms), 1 thread")

    t0 = time.perf_counter()
    completes = complete_utterances()
    paused = paused_utterances()
    print(f"{len(completes)} complete sentences, {len(paused)} with a mid-sentence pause "
          f"({'/'.join(map(str, PAUSES_MS))} ms), synthesised in {time.perf_counter() - t0:.1f} s\n")

    rows = []
    for fb in [int(v) for v in args.fallbacks.split(",")]:
        plain = lambda fb=fb: SileroVad(vad_path, dataclasses.replace(vs, end_silence_ms=fb))  # noqa: E731
        rows.append((f"silence only, end_silence_ms={fb}", evaluate(plain, completes, paused)))
        for rc in [int(v) for v in args.recheck.split(",")]:
            def smart(fb=fb, rc=rc):
                inner = SileroVad(vad_path, dataclasses.replace(vs, end_silence_ms=min(turn_ms, fb)))
                return EndOfTurnDetector(inner, model, thr, fb, recheck_ms=rc or None)
            label = f"turn model {turn_ms} ms/thr {thr}, fallback {fb}" + (f", recheck {rc}" if rc else "")
            rows.append((label, evaluate(smart, completes, paused)))

    print(f"{'method':<52} {'complete: median':>16} {'p90':>6} {'max':>6} {'missed':>6}   pauses cut off")
    for label, r in rows:
        n_cut, n = r["cut"], r["n_paused"]
        kinds = {k: sum(f for u, f in zip(paused, r["cut_flags"]) if u.name.startswith(k)) for k in ("cut", "joined")}
        print(f"{label:<52} {r['median_delay_ms']:>13.0f} ms {r['p90_delay_ms']:>6.0f} {r['max_delay_ms']:>6.0f} "
              f"{r['missed']:>6}   {n_cut}/{n} (cut-prosody {kinds['cut']}, joined {kinds['joined']})")
        if args.verbose:
            for u, f in zip(paused, r["cut_flags"]):
                print(f"      {'CUT ' if f else 'ok  '} {u.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
