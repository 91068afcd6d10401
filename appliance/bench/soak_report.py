"""The soak's verdict: figures, failure criteria, the JSON report and the printed table.

Failure criteria (each adds a line to ``failures``; any makes ``ok`` false and the command
exit 1):

- a hang: a call not answered within ``answer_timeout_s`` outside a kill or restart, the
  service's ``/healthz`` silent for ``hang_after_s``, the service not exiting within
  ``term_timeout_s`` of SIGTERM, not reconnecting after Asterisk's restart or not starting
  again;
- the final call not answered, or its question left without a spoken answer in its record
  (a wrong fact or the service's "I can't answer that right now" on a starved box is
  reported, not failed: the final call proves the service still takes and answers calls);
- a record lost or incomplete: an answered call with no record, any ``in_progress`` row
  once the calls are over (while the service still runs, and after it exited);
- anything left in Asterisk (channels or bridges) once the calls are over;
- RSS growing more than ``rss_growth_mb_per_100`` MB per 100 calls over a service life
  (after its first call; lives of 10 calls or more), open files or threads growing more
  than ``fd_growth`` / ``thread_growth`` over a life;
- an event-loop stall longer than ``max_stall_s``;
- fewer than half the checked answers carrying the right fact in the record (with at least
  5 checked): a knowledge base lost to an upload, not a mishearing now and then (the share
  is reported).
"""

from __future__ import annotations

import collections
import re
from typing import Any

from appliance.bench.soak import WARMUP_CALLS
from appliance.bench.soak_admin import parse_metrics
from appliance.bench.soak_calls import fact_in


def _lag_samples(text: str) -> tuple[float, dict[float, float], float] | None:
    """(count, {le: cumulative count}, max gauge) of the loop-lag family in one scrape."""
    samples = [x for x in parse_metrics(text) if "loop_lag" in x[0]]
    if not samples:
        return None
    count = next((v for n, _, v in samples if n.endswith("_count")), 0.0)
    buckets = {le: v for n, labels, v in samples if n.endswith("_bucket") and (le := _le(labels)) is not None}
    top = max((v for n, _, v in samples if "max" in n and not n.endswith(("_bucket", "_count", "_sum", "_created"))),
              default=0.0)
    return count, buckets, top


def loop_lag_from_metrics(lives: list[tuple[str, str]]) -> dict[str, Any] | None:
    """Event-loop lag as the service measures it (``appliance_event_loop_lag_seconds`` and its
    ``_max_seconds`` gauge), over the run only: each life's scrape when it took calls is
    subtracted from its scrape at the end.  ``max_ms`` is exact where the gauge rose during
    the run, else the histogram's bound (``max_ms_at_most``).  None: no such metric."""
    stalls, exact, bound, startup, found = 0, [], [], [], False
    for start_text, end_text in lives:
        end = _lag_samples(end_text)
        if end is None:
            continue
        found = True
        start = _lag_samples(start_text) or (0.0, {}, 0.0)
        n = end[0] - start[0]
        grown = {le: end[1][le] - start[1].get(le, 0.0) for le in end[1]}
        if 0.1 in grown:
            stalls += int(n - grown[0.1])
        startup.append(start[2])
        if end[2] > start[2]:
            exact.append(end[2])
        elif n > 0:
            bound.append(min((le for le, v in grown.items() if v >= n), default=float("inf")))
    if not found:
        return None
    most = max(exact + bound) if exact or bound else 0.0
    return {"source": "metrics", "stalls_over_100ms": stalls,
            "max_ms": round(max(exact) * 1000, 1) if exact and max(exact) >= most else None,
            "max_ms_at_most": round(most * 1000, 1) if most != float("inf") else None,
            "startup_max_ms": round(max(startup) * 1000, 1) if startup else None}


def _le(labels: dict[str, str]) -> float | None:
    try:
        return float(labels.get("le", "nan"))
    except ValueError:
        return None


def rtp_from_metrics(texts: list[str]) -> dict[str, float]:
    """Every ``appliance_rtp*`` sample, summed over the service's lives."""
    out: dict[str, float] = collections.defaultdict(float)
    for text in texts:
        for name, labels, value in parse_metrics(text):
            if name.startswith("appliance_rtp") and not name.endswith("_created"):
                key = name + ("{" + ",".join(f"{k}={v}" for k, v in sorted(labels.items())) + "}" if labels else "")
                out[key] += value
    return dict(out)


def check_facts(calls: list[Any], records: dict[str, Any]) -> None:
    """Attach each call's record, and whether the record's answer carries the question's fact."""
    for call in calls:
        rows = records["calls"].get(call.number, [])
        call.record = rows[-1] if rows else None
        if call.record is None or call.disrupted or not call.questions:
            continue
        # An answer the caller cut short (barge-in, hang-up) is not judged; one the service
        # gave up on (its time budget's "I can't answer that right now") is.
        answers = call.record["answers"]
        if call.kind == "final":
            call.fact_ok = bool(answers) and fact_in(answers[0]["agent_text"], call.questions[0])
        elif call.kind in ("question", "dtmf") and answers and not answers[0]["interrupted"]:
            call.fact_ok = fact_in(answers[0]["agent_text"], call.questions[0])
        elif call.kind == "long" and len(answers) == len(call.questions):
            judged = [fact_in(a["agent_text"], q) for a, q in zip(answers, call.questions) if not a["interrupted"]]
            call.fact_ok = all(judged) if judged else None


def build_report(soak: Any, *, run_s: float, final: Any, leftovers: dict[str, list[str]], records_live: dict[str, Any],
                 records_after: dict[str, Any], final_term_s: float | None, log_text: str) -> dict[str, Any]:
    from appliance.bench.soak import underruns_from_log

    opts = soak.opts
    calls = list(soak.calls)
    check_facts(calls, records_after)
    failures = list(soak.failures)
    regular = [c for c in calls if c is not final]
    kinds = collections.Counter(c.kind for c in regular)
    answered = [c for c in regular if c.answered]
    unanswered = [c for c in regular if not c.answered and not c.disrupted]
    for c in unanswered:
        failures.append(f"hang: call {c.n} ({c.kind}) was not answered within {opts.answer_timeout_s:.0f} s: {c.error[:120]}")
    if final is None:
        failures.append("the final call was not placed: the service was not running")
    elif not final.answered:
        failures.append(f"the service did not answer the final call: {final.error[:160]}")
    elif not (final.record and final.record["answers"] and final.record["answers"][0]["agent_text"].strip()):
        failures.append(f"the final call's question got no answer: {(final.record or {}).get('answers')!r:.200}")
    lost = [c for c in calls if c.answered and c.record is None]
    if lost:
        failures.append(f"records: {len(lost)} answered call(s) have no record (caller numbers "
                        f"{', '.join(c.number for c in lost[:10])})")
    if records_live["in_progress"]:
        failures.append(f"records: {len(records_live['in_progress'])} call(s) still in_progress after the calls ended")
    if records_after["in_progress"]:
        failures.append(f"records: {len(records_after['in_progress'])} call(s) left in_progress after the service exited")
    if leftovers["channels"] or leftovers["bridges"]:
        failures.append(f"leaked in Asterisk: {len(leftovers['channels'])} channel(s), {len(leftovers['bridges'])} "
                        f"bridge(s): {(leftovers['channels'] + leftovers['bridges'])[:6]}")
    if final_term_s is None and not any("SIGTERM" in f for f in failures):
        failures.append("hang: the service did not exit on the final SIGTERM")
    lives = [life.to_json(soak.timeline) for life in soak.lives]
    for i, life in enumerate(lives):
        growth = life["rss_growth_mb_per_100_calls"]
        if growth is not None and growth > opts.rss_growth_mb_per_100:
            failures.append(f"memory: service life {i + 1} grew {growth} MB per 100 calls "
                            f"(bound {opts.rss_growth_mb_per_100:g})")
        warm, end = life["settled"] or life["warm"] or life["start"], life["end"]
        if warm.get("fds") is not None and end.get("fds") is not None and end["fds"] - warm["fds"] > opts.fd_growth:
            failures.append(f"file descriptors: service life {i + 1} went from {warm['fds']} to {end['fds']}")
        if warm.get("threads") is not None and end.get("threads") is not None \
                and end["threads"] - warm["threads"] > opts.thread_growth:
            failures.append(f"threads: service life {i + 1} went from {warm['threads']} to {end['threads']}")
    texts = [life.metrics for life in soak.lives if life.metrics]
    loop = loop_lag_from_metrics([(life.metrics_start, life.metrics) for life in soak.lives if life.metrics])
    probe = {"source": "healthz probe (round trip of GET /healthz every 0.5 s, from the soak process)", **soak.probe}
    # The service's own loop-lag gauge where it has one (the probe's round trip also holds the
    # soak's own scheduling); a probe left unanswered is a stall as long as its silence.
    measured = (loop or {}).get("max_ms") or (loop or {}).get("max_ms_at_most")
    max_stall_ms = max(measured if measured is not None else probe["max_ms"], probe["longest_silence_s"] * 1000)
    if max_stall_ms / 1000 > opts.max_stall_s:
        failures.append(f"event loop: a stall of {max_stall_ms:.0f} ms (bound {opts.max_stall_s:g} s)")
    checked = [c for c in calls if c.fact_ok is not None]
    right = [c for c in checked if c.fact_ok]
    if len(checked) >= 5 and len(right) < 0.5 * len(checked):
        failures.append(f"answers: only {len(right)} of {len(checked)} checked answers carried the right fact")
    heard = [c for c in calls if c.heard_ok is not None]
    cuts = [c for c in regular if c.cut]
    outcomes = collections.Counter(row["outcome"] for rows in records_after["calls"].values() for row in rows)
    report = {
        "ok": not failures,
        "failures": failures,
        "aborted": soak.abort_reason,
        "options": {k: (str(v) if k in ("out", "workdir") else v) for k, v in opts.__dict__.items()},
        "run_s": run_s,
        "calls": {
            "placed": len(regular), "answered": len(answered), "not_answered": len(unanswered),
            "disrupted": sum(1 for c in regular if c.disrupted), "by_kind": dict(kinds),
            "hangups_mid_answer": sum(1 for c in cuts if c.cut_mid_answer),
            "hangups_mid_answer_by": dict(collections.Counter(c.cut for c in cuts if c.cut_mid_answer)),
            "errors": sum(1 for c in regular if c.error),
        },
        "final_call": final.to_json() if final is not None else None,
        "facts": {"record_checked": len(checked), "record_right": len(right),
                  "heard_sampled": len(heard), "heard_right": sum(1 for c in heard if c.heard_ok),
                  "heard": [{"n": c.n, "question": c.questions[0], "heard": c.heard_text, "ok": c.heard_ok}
                            for c in heard]},
        "records": {"total": records_after["total"], "in_progress_live": records_live["in_progress"],
                    "in_progress_after_exit": records_after["in_progress"], "lost": [c.number for c in lost],
                    "outcomes": dict(outcomes)},
        "asterisk": {"leaked_channels": leftovers["channels"], "leaked_bridges": leftovers["bridges"]},
        "chaos": soak.chaos,
        "service": {"lives": lives, "final_term_exit_s": final_term_s},
        "loop": {"metrics": loop, "probe": probe},
        "rtp": {"log": underruns_from_log(log_text), "metrics": rtp_from_metrics(texts)},
        "log": {"task_destroyed_pending": log_text.count("Task was destroyed but it is pending"),
                "tracebacks": log_text.count("Traceback (most recent call last)"),
                "handler_failed": len(re.findall(r"event=call\.handler_failed", log_text))},
        "timeline": soak.timeline,
        "call_list": [c.to_json() for c in calls],
    }
    return report


def _fig(v: Any, unit: str = "") -> str:
    return "n/a" if v is None else f"{v}{unit}"


def _final(call: dict[str, Any] | None) -> str:
    if not call or not call["answered"]:
        return "NOT ANSWERED"
    answers = (call.get("record") or {}).get("answers") or []
    said = answers[0]["agent_text"] if answers else ""
    return ("answered, right fact" if call["fact_ok"] else f"answered, wrong fact: {said[:70]!r}" if said
            else "answered, NO ANSWER to the question")


def _chaos(a: dict[str, Any]) -> str:
    if "skipped" in a:
        return f"{a['action']} skipped"
    how = a.get("job_state") or a.get("error") or a.get("status") or ""
    if a["action"] == "asterisk_kill":
        how = f"up {a.get('asterisk_up_s')} s, service back {a.get('service_reconnected_s')} s"
    elif a["action"] == "service_term":
        how = f"exit {a.get('term_exit_s')} s, restart {a.get('restart_s')} s"
    return f"{a['action']}@{a['at_s']:.0f}s {how}".rstrip()


def format_table(r: dict[str, Any]) -> str:
    c, f, rec, ast = r["calls"], r["facts"], r["records"], r["asterisk"]
    lives = r["service"]["lives"]
    first, last = (lives[0], lives[-1]) if lives else ({}, {})
    start, warm = first.get("start") or {}, first.get("warm") or {}
    end = last.get("end") or {}
    probe, metric = r["loop"]["probe"], r["loop"]["metrics"]
    rtp = r["rtp"]["log"]
    rows = [
        ("run", f"{r['run_s']:.0f} s" + (f" (aborted: {r['aborted']})" if r["aborted"] else "")),
        ("calls placed / answered", f"{c['placed']} / {c['answered']}  (not answered {c['not_answered']}, "
                                    f"disrupted by kill/restart {c['disrupted']})"),
        ("kinds", ", ".join(f"{k} {v}" for k, v in sorted(c["by_kind"].items()))),
        ("hang-ups mid-answer", f"{c['hangups_mid_answer']} {c['hangups_mid_answer_by']}"),
        ("right fact (record)", f"{f['record_right']} / {f['record_checked']}"),
        ("right fact (heard, Whisper)", f"{f['heard_right']} / {f['heard_sampled']}"),
        ("final call", _final(r["final_call"])),
        ("records", f"{rec['total']} total, in_progress {len(rec['in_progress_live'])} live / "
                    f"{len(rec['in_progress_after_exit'])} after exit, lost {len(rec['lost'])}"),
        ("leaked channels / bridges", f"{len(ast['leaked_channels'])} / {len(ast['leaked_bridges'])}"),
        ("service lives", str(len(lives))),
        ("RSS start / 1st call / end (MB)", f"{_fig(start.get('rss_mb'))} / {_fig(warm.get('rss_mb'))} / "
                                            f"{_fig(end.get('rss_mb'))}"),
        ("RSS growth / 100 calls (MB)", ", ".join(
            f"{_fig(x['rss_growth_mb_per_100_calls'])} (settled to end {_fig(x.get('rss_growth_mb_per_100_calls_two_point'))}, "
            f"from 1st call {_fig(x['rss_growth_mb_per_100_calls_from_first'])})"
            for x in lives) + f"  [per life; trend over its samples from its {WARMUP_CALLS}th call]"),
        ("fds start -> end", f"{_fig(start.get('fds'))} -> {_fig(end.get('fds'))}"),
        ("threads start -> end", f"{_fig(start.get('threads'))} -> {_fig(end.get('threads'))}"),
        ("loop stalls > 100 ms (probe)", f"{probe['stalls_over_100ms']} of {probe['probes']} probes, max {probe['max_ms']} ms; "
                                         f"unanswered {probe['unanswered']} (longest silence {probe['longest_silence_s']} s)"),
        ("loop stalls > 100 ms (metric)", "no loop-lag metric" if metric is None
         else f"{metric['stalls_over_100ms']}, max {_fig(metric['max_ms'], ' ms')} (at most "
              f"{_fig(metric['max_ms_at_most'], ' ms')}); at start-up {_fig(metric['startup_max_ms'], ' ms')}"),
        ("RTP underruns (log)", f"{rtp.get('underruns', 0)} over {rtp.get('streams', 0)} streams"),
        ("SIGTERM exit (s)", ", ".join(_fig(x["term_exit_s"]) for x in lives)),
        ("chaos", "; ".join(_chaos(a) for a in r["chaos"])),
    ]
    width = max(len(k) for k, _ in rows)
    lines = ["", "soak " + ("PASSED" if r["ok"] else "FAILED")]
    lines += [f"  {k:<{width}}  {v}" for k, v in rows]
    if r["failures"]:
        lines.append("  failures:")
        lines += [f"    - {x}" for x in r["failures"]]
    return "\n".join(lines)
