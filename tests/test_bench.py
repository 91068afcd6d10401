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
from appliance.bench.runner import BenchOptions, parse_events, run_bench, tokens_per_s, trim_trailing_silence

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
        assert entry["baseline"]["stages"]["recording_ms"] >= 1400  # the fixed 1.5 s silence
        assert entry["baseline"]["p50_ms"] > entry["p50_ms"], "the baseline is slower than streaming"
        assert entry["speedup_p50"] > 1 and saved["speedup_p50"][str(n)] == entry["speedup_p50"]
    assert saved["capacity"] == capacity(saved["levels"]) and "capacity" in format_table(saved)
    assert "p50" in format_table(saved)
    if out.with_suffix(".png").exists():
        assert out.with_suffix(".png").stat().st_size > 10_000
