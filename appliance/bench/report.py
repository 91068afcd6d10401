"""The benchmark's figures: per-level percentiles, stage medians, the table, JSON and chart."""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np

#: Where the time goes, end of caller speech -> first audible answer, in order.
PROFILE = [
    ("endpoint_asr", "end of turn + ASR"),
    ("agent", "agent (streaming: first words to say; baseline: whole answer)"),
    ("tts", "TTS (streaming: first chunk; baseline: whole answer)"),
    ("send", "queue to first RTP frame"),
    ("line", "Asterisk + line to the caller (caller p50 - service first_rtp p50)"),
]
#: p95 targets the sizing summary answers for ("how many calls at p95 <= X ms").
P95_TARGETS_MS = (1000, 1500, 2000, 3000)


def _pct(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 1) if values else None


def _median(values: list[float]) -> float | None:
    return round(float(np.median(values)), 1) if values else None


def _diff(t: dict[str, Any], a: str, b: str) -> float | None:
    if a in t and b in t and t[a] is not None and t[b] is not None:
        return float(t[a]) - float(t[b])
    return None


def stage_medians(turns: list[dict[str, Any]], token_rates: list[float]) -> dict[str, float | None]:
    """Medians of the service's own per-turn timings (ms from the end of the caller's speech
    unless noted), plus derived stage durations."""
    timings = [t["timings"] for t in turns]

    def col(key: str) -> list[float]:
        return [float(t[key]) for t in timings if isinstance(t.get(key), (int, float))]

    def dcol(a: str, b: str) -> list[float]:
        return [d for d in (_diff(t, a, b) for t in timings) if d is not None]

    out: dict[str, float | None] = {
        "transcript_ms": _median(col("transcript_ms")),
        "retrieval_ms": _median(col("retrieval_ms")),
        "first_token_ms": _median(col("first_token_ms")),
        "first_sentence_ms": _median(col("first_sentence_ms")),
        "first_audio_chunk_ms": _median(col("first_audio_chunk_ms")),
        "first_rtp_ms": _median(col("first_rtp_ms")),
        "tts_first_chunk_ms": _median(dcol("first_audio_chunk_ms", "first_sentence_ms")),
        "tokens": _median(col("tokens")),
        "tokens_per_s": round(float(np.median(token_rates)), 1) if token_rates else None,
    }
    for key in ("recording_ms", "asr_ms", "generation_ms", "tts_ms"):  # baseline only
        if col(key):
            out[key] = _median(col(key))
    if out["tokens_per_s"] is None:  # no log lines: first token to first sentence, roughly
        rates = [float(t["tokens"]) / (d / 1000) for t in timings
                 if (d := _diff(t, "first_sentence_ms", "transcript_ms")) and t.get("tokens")]
        out["tokens_per_s"] = _median(rates)
    return out


def profile(turns: list[dict[str, Any]], caller_p50: float | None) -> dict[str, float | None]:
    """Median duration of each step from the end of speech to the first audible answer."""
    timings = [t["timings"] for t in turns]

    def med(values: list[float | None]) -> float | None:
        return _median([v for v in values if v is not None])

    first_rtp = med([t.get("first_rtp_ms") for t in timings])
    return {
        "endpoint_asr": med([t.get("transcript_ms") for t in timings]),
        "agent": med([_diff(t, "first_sentence_ms", "transcript_ms") for t in timings]),
        "tts": med([_diff(t, "first_audio_chunk_ms", "first_sentence_ms") for t in timings]),
        "send": med([_diff(t, "first_rtp_ms", "first_audio_chunk_ms") for t in timings]),
        "line": round(caller_p50 - first_rtp, 1) if caller_p50 is not None and first_rtp is not None else None,
    }


def level_figures(run: Any) -> dict[str, Any]:
    """One concurrency level against one service, as reported."""
    lat = run.latencies_ms
    p50 = _pct(lat, 50)
    return {
        "concurrency": run.concurrency,
        "p50_ms": p50,
        "p95_ms": _pct(lat, 95),
        "max_ms": round(max(lat), 1) if lat else None,
        "mean_ms": round(float(np.mean(lat)), 1) if lat else None,
        "turns": len(lat),
        "missed": run.missed,
        "calls": run.calls,
        "answered_calls": run.answered_calls,
        "underruns": run.underruns,
        "rtp_streams": run.rtp_closed,
        "service_turns": len(run.service_turns),
        "hold_ons": int(run.events.get("hold_on", 0)),
        "barge_ins": int(run.events.get("barge_in", 0)),
        "fallbacks": sum(1 for t in run.service_turns if t["timings"].get("mode") == "fallback"),
        # Answers started on a pause and kept (the turn ended there), and ones dropped unheard.
        "early_answers": sum(1 for t in run.service_turns if t["timings"].get("early")),
        "early_answers_dropped": int(run.events.get("early_answer_dropped", 0)),
        "stages": stage_medians(run.service_turns, run.token_rates),
        "profile_ms": profile(run.service_turns, p50),
        **run.resources,
        "wall_s": run.wall_s,
    }


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "cpu_model": model, "mem_gb": mem_gb, "python": platform.python_version()}


def build_report(opts: Any, runs: dict[str, list[Any]], services: dict[str, dict[str, Any]],
                 questions: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """The JSON report: per level the streaming figures, with the baseline's (``baseline``)
    and the compared config's (``compare``, e.g. the Russian pack) beside them."""
    from appliance.bench.runner import QUESTIONS

    questions = questions or {"conversation": QUESTIONS}
    streaming = {r.concurrency: level_figures(r) for r in runs.get("conversation", [])}
    baseline = {r.concurrency: level_figures(r) for r in runs.get("baseline", [])}
    compare = {r.concurrency: level_figures(r) for r in runs.get("compare", [])}
    levels = []
    for n in opts.levels:
        entry = dict(streaming.get(n, {"concurrency": n}))
        if n in compare:
            entry["compare"] = compare[n]
        if n in baseline:
            entry["baseline"] = baseline[n]
            b, s = baseline[n].get("p50_ms"), entry.get("p50_ms")
            entry["speedup_p50"] = round(b / s, 2) if b and s else None
            b95, s95 = baseline[n].get("p95_ms"), entry.get("p95_ms")
            entry["speedup_p95"] = round(b95 / s95, 2) if b95 and s95 else None
        levels.append(entry)
    sizing = {}
    for target in P95_TARGETS_MS:
        ok = [e["concurrency"] for e in levels if e.get("p95_ms") is not None and e["p95_ms"] <= target
              and not e.get("missed")]
        sizing[f"p95_le_{target}ms"] = max(ok) if ok else 0
    return {
        "capacity": capacity(levels),
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine(),
        "config": {"levels": list(opts.levels), "quick": opts.quick,
                   "turns_per_call": {str(n): opts.turns_at(n) for n in opts.levels},
                   "baseline": opts.baseline, "questions": questions.get("conversation", QUESTIONS),
                   "baseline_silence_s": 1.5, "base_config": opts.config,
                   "compare_config": getattr(opts, "compare_config", None),
                   "compare_questions": questions.get("compare")},
        "services": services,
        "levels": levels,
        "speedup_p50": {str(e["concurrency"]): e.get("speedup_p50") for e in levels if "speedup_p50" in e},
        "max_calls_tested_at_p95": sizing,
    }


#: What "answered well" means for the capacity figure (and so for ``call.max_calls``).
CAPACITY_P95_MS = 1500


def capacity(levels: list[dict[str, Any]]) -> int:
    """The most concurrent calls tested that were answered well: p95 <= 1.5 s, no late frames,
    nothing missed, no false barge-in and no fallback.  ``call.max_calls`` is sized by it."""
    good = [e["concurrency"] for e in levels
            if e.get("p95_ms") is not None and e["p95_ms"] <= CAPACITY_P95_MS and not e.get("missed")
            and not e.get("underruns") and not e.get("barge_ins") and not e.get("fallbacks")]
    return max(good, default=0)


def _f(v: Any, width: int = 7) -> str:
    if v is None:
        return "-".rjust(width)
    return f"{v:.0f}".rjust(width) if isinstance(v, float) else str(v).rjust(width)


def format_table(report: dict[str, Any]) -> str:
    """The console table: caller-side latency per level, streaming vs baseline, and the stages."""
    lines = ["", "end of caller speech -> first audible answer (ms, caller side; percentiles over all turns)",
             f"{'calls':>5} | {'p50':>7} {'p95':>7} {'max':>7} {'turns':>5} {'undrn':>5} {'cpu%':>5} {'busy%':>5}"
             f" {'rssMB':>6} | {'base50':>7} {'base95':>7} {'basemax':>7} | {'x p50':>5}"]
    lines.append("-" * len(lines[-1]))
    for e in report["levels"]:
        b = e.get("baseline", {})
        lines.append(
            f"{e['concurrency']:>5} | {_f(e.get('p50_ms'))} {_f(e.get('p95_ms'))} {_f(e.get('max_ms'))} "
            f"{_f(e.get('turns'), 5)} {_f(e.get('underruns'), 5)} {_f(e.get('cpu_mean_pct'), 5)} "
            f"{_f(e.get('system_cpu_waiting_pct'), 5)} {_f(e.get('rss_peak_mb'), 6)} | {_f(b.get('p50_ms'))} {_f(b.get('p95_ms'))} {_f(b.get('max_ms'))} | "
            f"{(format(e['speedup_p50'], '.2f') if e.get('speedup_p50') else '-'):>5}")
    if any("compare" in e for e in report["levels"]):
        lines += ["", f"compared config ({report['config'].get('compare_config')}), same levels, same run:",
                  f"{'calls':>5} | {'p50':>7} {'p95':>7} {'max':>7} {'turns':>5} {'undrn':>5} {'cpu%':>5} {'rssMB':>6}"]
        for e in report["levels"]:
            c = e.get("compare") or {}
            lines.append(f"{e['concurrency']:>5} | {_f(c.get('p50_ms'))} {_f(c.get('p95_ms'))} {_f(c.get('max_ms'))} "
                         f"{_f(c.get('turns'), 5)} {_f(c.get('underruns'), 5)} {_f(c.get('cpu_mean_pct'), 5)} "
                         f"{_f(c.get('rss_peak_mb'), 6)}")
    lines += ["", "where the time goes (medians, ms):",
              f"{'calls':>5} {'mode':>9} | {'end+ASR':>7} {'agent':>7} {'TTS':>7} {'send':>5} {'line':>5} |"
              f" {'1st tok':>7} {'tok/s':>6}"]
    for e in report["levels"]:
        for name, fig in (("streaming", e), ("compared", e.get("compare")), ("baseline", e.get("baseline"))):
            if not fig or "profile_ms" not in fig:
                continue
            p, s = fig["profile_ms"], fig["stages"]
            lines.append(f"{e['concurrency']:>5} {name:>9} | {_f(p['endpoint_asr'])} {_f(p['agent'])} {_f(p['tts'])} "
                         f"{_f(p['send'], 5)} {_f(p['line'], 5)} | {_f(s.get('first_token_ms'))} "
                         f"{_f(s.get('tokens_per_s'), 6)}")
    sizing = report.get("max_calls_tested_at_p95", {})
    if sizing:
        lines += ["", "most concurrent calls tested within a p95 target: "
                  + ", ".join(f"{k.removeprefix('p95_le_')}: {v}" for k, v in sizing.items())]
    if "capacity" in report:
        lines += [f"capacity (p95 <= {CAPACITY_P95_MS} ms, no late frames, barge-ins, fallbacks or misses): "
                  f"{report['capacity']} call(s) -> call.max_calls"]
    return "\n".join(lines)


def write_chart(report: dict[str, Any], path: Path) -> None:
    """Latency percentiles per level (left) and the median profile of each mode (right)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    levels = report["levels"]
    xs = [e["concurrency"] for e in levels]
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(13, 6), gridspec_kw={"width_ratios": [1, 1.3]})
    for label, get, color in (("streaming", lambda e: e, "tab:blue"),
                              ("compared", lambda e: e.get("compare") or {}, "tab:green"),
                              ("baseline", lambda e: e.get("baseline") or {}, "tab:red")):
        p50 = [get(e).get("p50_ms") for e in levels]
        if not any(v is not None for v in p50):
            continue
        p95 = [get(e).get("p95_ms") for e in levels]
        mx = [get(e).get("max_ms") for e in levels]
        ax.plot(xs, p50, "o-", color=color, label=f"{label} p50")
        ax.plot(xs, p95, "s--", color=color, alpha=0.7, label=f"{label} p95")
        ax.plot(xs, mx, "x", color=color, alpha=0.6, label=f"{label} max")
    ax.set_xscale("log", base=2)
    ax.set_xticks(xs, [str(x) for x in xs])
    ax.set_xlabel("concurrent calls")
    ax.set_ylabel("end of speech -> first answer audio (ms)")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title("Latency at the caller")

    rows = []
    for e in levels:
        for label, fig_ in (("streaming", e), ("baseline", e.get("baseline"))):
            if fig_ and fig_.get("profile_ms"):
                rows.append((f"{e['concurrency']} call{'s' if e['concurrency'] > 1 else ''} {label}", fig_["profile_ms"]))
    colors = ["tab:purple", "tab:orange", "tab:green", "tab:gray", "tab:brown"]
    for i, (label, prof) in enumerate(rows):
        left = 0.0
        for (key, desc), color in zip(PROFILE, colors):
            width = max(0.0, prof.get(key) or 0.0)
            bx.barh(i, width, left=left, color=color, label=desc if i == 0 else None)
            left += width
    bx.set_yticks(range(len(rows)), [r[0] for r in rows], fontsize=8)
    bx.invert_yaxis()
    bx.set_xlabel("median ms from the end of the caller's speech")
    bx.set_title("Where the time goes")
    bx.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, frameon=False)
    bx.grid(axis="x", alpha=0.3)
    m = report.get("machine", {})
    fig.suptitle(f"appliance bench, {m.get('cpus')} CPUs ({m.get('cpu_model', '')}), {report.get('generated_at', '')}",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
