"""The benchmark end to end: the quick run (levels 1 and 2, two questions per call) against
the service started as its own process, streaming and baseline, through the local Asterisk.

Checks the report's shape and that its figures are sane; no latency thresholds (the
figures depend on the machine), except that the record-then-answer baseline, which waits
1.5 s of silence before it even starts transcribing, is slower than streaming.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from appliance.bench.report import capacity, format_table
from appliance.bench.runner import (BenchOptions, busy_while_waiting, parse_events, run_bench, tokens_per_s,
                                    trim_trailing_silence)

LEVEL_KEYS = {"concurrency", "p50_ms", "p95_ms", "max_ms", "underruns", "turns", "missed", "stages", "profile_ms",
              "cpu_mean_pct", "cpu_peak_pct", "rss_peak_mb"}
STAGE_KEYS = {"transcript_ms", "first_token_ms", "first_sentence_ms", "tts_first_chunk_ms", "first_rtp_ms",
              "tokens_per_s"}


def test_log_parsing_and_token_rate() -> None:
    log = ("2026-01-01 00:00:00,000 INFO appliance.telephony.rtp event=rtp.closed call_id=abc port=20001 "
           "received=10 sent=12 underruns=3\n"
           "2026-01-01 00:00:01,000 INFO x event=agent.answered mode=generated first_token_s=0.5 total_s=1.5 tokens=21\n"
           "noise event=rtp.closedX underruns=99\n")
    closed = parse_events(log, "rtp.closed")
    assert [c["underruns"] for c in closed] == ["3"]
    assert tokens_per_s(parse_events(log, "agent.answered")) == [20.0]


def test_capacity_is_the_most_calls_answered_well() -> None:
    def level(n: int, p95: float, **bad: int) -> dict:
        return {"concurrency": n, "p95_ms": p95, "missed": 0, "underruns": 0, "barge_ins": 0, "fallbacks": 0, **bad}

    assert capacity([level(1, 900), level(2, 1400), level(4, 1600), level(8, 2900)]) == 2
    assert capacity([level(1, 900), level(2, 1000, underruns=3), level(4, 1700)]) == 1  # gaps are not "well"
    assert capacity([level(1, 900, fallbacks=1), level(2, 1000, barge_ins=1)]) == 0
    assert capacity([level(4, 1000), level(1, 800), level(2, 900)]) == 4


def test_the_box_is_judged_busy_by_the_samples_taken_while_callers_wait() -> None:
    # 0.5 s samples: busy while two callers waited (1.0-2.0 s and 3.0-3.6 s), idle while they listened.
    samples = [(0.0, 0.5, 10.0), (0.5, 1.0, 12.0), (1.0, 1.5, 96.0), (1.5, 2.0, 100.0), (2.0, 2.5, 14.0),
               (2.5, 3.0, 8.0), (3.0, 3.5, 90.0), (3.5, 4.0, 20.0)]
    waits = [(1.0, 2.0), (3.0, 3.6)]
    assert busy_while_waiting(samples, waits) == pytest.approx((96 + 100 + 90) / 3, abs=0.1)
    assert busy_while_waiting(samples, []) is None
    mean_of_level = sum(p for _, _, p in samples) / len(samples)
    assert mean_of_level < 50 < busy_while_waiting(samples, waits)  # type: ignore[operator]


def test_trailing_silence_is_trimmed() -> None:
    import numpy as np

    pcm = np.concatenate([np.full(800, 3000, dtype=np.int16), np.zeros(1600, dtype=np.int16)])
    assert trim_trailing_silence(pcm).size == 800


@pytest.mark.slow
@pytest.mark.asterisk
@pytest.mark.models
def test_quick_bench_end_to_end(local_asterisk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "latest.json"
    opts = BenchOptions.quick_run(out=out, workdir=tmp_path / "work")
    report = run_bench(opts, progress=lambda _line: None)
    saved = json.loads(out.read_text())
    assert saved["levels"] == report["levels"]
    assert [e["concurrency"] for e in saved["levels"]] == [1, 2]
    for entry in saved["levels"]:
        n = entry["concurrency"]
        for fig in (entry, entry["baseline"]):
            assert LEVEL_KEYS <= set(fig), set(fig)
            assert STAGE_KEYS <= set(fig["stages"]), fig["stages"]
            assert fig["turns"] > 0 and fig["turns"] + fig["missed"] == 2 * n, fig
            assert 0 < fig["p50_ms"] <= fig["p95_ms"] <= fig["max_ms"], fig
            assert fig["underruns"] >= 0 and fig["rtp_streams"] == n
            assert fig["service_turns"] >= fig["turns"] - 1
            assert fig["stages"]["transcript_ms"] > 0 and fig["stages"]["first_rtp_ms"] > 0
            assert fig["stages"]["tokens_per_s"] and fig["stages"]["tokens_per_s"] > 0
            assert fig["rss_peak_mb"] > 100 and fig["cpu_mean_pct"] > 0
            assert 0 < fig["system_cpu_waiting_pct"] <= 100, "the machine works while a caller waits"
        assert entry["baseline"]["stages"]["recording_ms"] >= 1400  # the fixed 1.5 s silence
        assert entry["baseline"]["p50_ms"] > entry["p50_ms"], "the baseline is slower than streaming"
        assert entry["speedup_p50"] > 1 and saved["speedup_p50"][str(n)] == entry["speedup_p50"]
    assert saved["capacity"] == capacity(saved["levels"]) and "capacity" in format_table(saved)
    assert "p50" in format_table(saved)
    if out.with_suffix(".png").exists():
        assert out.with_suffix(".png").stat().st_size > 10_000


def test_the_russian_pack_is_benched_with_russian_questions_on_its_own_knowledge_base() -> None:
    import re

    from appliance.bench.runner import QUESTIONS, QUESTIONS_RU, ROOT, questions_for
    from appliance.config.settings import load_settings

    assert questions_for(load_settings(ROOT / "bench" / "eval" / "ru.toml")) == QUESTIONS_RU
    assert questions_for(load_settings(None)) == QUESTIONS
    kb = " ".join(p.read_text(encoding="utf-8") for p in (ROOT / "kb" / "sample_ru").rglob("*.md"))
    for q in QUESTIONS_RU:
        assert re.search("[а-яё]", q, re.IGNORECASE), q
        for code in re.findall(r"[А-Я]{2}-\d+", q):
            assert code in kb, f"{q!r} names {code}, which kb/sample_ru does not have"


def test_a_compared_config_is_reported_beside_the_first_at_each_level() -> None:
    from appliance.bench.report import build_report
    from appliance.bench.runner import LevelRun

    def run(n: int, latencies: list[float]) -> LevelRun:
        return LevelRun(concurrency=n, latencies_ms=latencies, missed=0, calls=n, answered_calls=n,
                        service_turns=[], events={}, underruns=0, rtp_closed=n, token_rates=[], resources={},
                        wall_s=1.0)

    opts = BenchOptions(levels=[1, 4], baseline=False, compare_config="bench/eval/ru.toml")
    report = build_report(opts, {"conversation": [run(1, [800, 900]), run(4, [1000, 1400])],
                                 "compare": [run(1, [1500, 1700]), run(4, [2500, 3000])]}, {},
                          {"conversation": ["How long is the warranty?"], "compare": ["Какая гарантия на прессы?"]})
    by_level = {e["concurrency"]: e for e in report["levels"]}
    assert by_level[1]["p50_ms"] == 850 and by_level[1]["compare"]["p50_ms"] == 1600
    assert by_level[4]["compare"]["max_ms"] == 3000
    assert report["config"]["compare_questions"] == ["Какая гарантия на прессы?"]
    table = format_table(report)
    assert "compared config (bench/eval/ru.toml)" in table and "1600" in table
