"""The short soak: about ten calls against the service run as its own process, through the
soak's own Asterisk, with hang-ups 0.5-2 s into the answer (by ARI and by BYE), a barge-in,
a key press, and the hostile Markdown upload of issue 12 while calls go on.

It checks what an unattended box must never do: hang (a call not answered, the service not
exiting on SIGTERM), lose a call record or leave one ``in_progress``, leave channels or
bridges in Asterisk, or stop answering.  The full run is ``make soak`` (bench/README.md).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from appliance.bench.soak import SoakOptions, run_soak
from appliance.bench.soak_admin import hostile_markdown, parse_metrics, zip_bomb_docx
from appliance.bench.soak_report import loop_lag_from_metrics
from appliance.telephony.local_asterisk import LocalAsterisk


def test_hostile_files_are_what_issue_12_describes() -> None:
    import io
    import zipfile

    md = hostile_markdown()
    assert md.startswith(b"# a ") and md.count(b" ") == 1 + 10_000 and md.rstrip().endswith(b"x")
    bomb = zip_bomb_docx(20)
    with zipfile.ZipFile(io.BytesIO(bomb)) as z:
        inflated = z.getinfo("word/document.xml").file_size
    assert len(bomb) < 200_000 and inflated > 20 * 1024 * 1024 * 0.99


def _lag_scrape(counts: tuple[int, int, int, int], top: float) -> str:
    """A /metrics text of the loop-lag histogram (cumulative counts at 0.05, 0.1, 0.25, +Inf)."""
    lines = [f'appliance_event_loop_lag_seconds_bucket{{le="{le}"}} {n}' for le, n in zip(("0.05", "0.1", "0.25", "+Inf"), counts)]
    return "\n".join(lines + [f"appliance_event_loop_lag_seconds_count {counts[-1]}",
                               f"appliance_event_loop_lag_max_seconds {top}", ""])


def test_loop_lag_counts_the_run_not_the_start_up() -> None:
    assert parse_metrics(_lag_scrape((1, 2, 3, 4), 0.5))[0] == ("appliance_event_loop_lag_seconds_bucket", {"le": "0.05"}, 1.0)
    # Start-up stalled 2.5 s once; during the run 41 samples, 3 between 100 and 250 ms.
    start, end = _lag_scrape((9, 9, 9, 10), 2.5), _lag_scrape((46, 47, 50, 51), 2.5)
    lag = loop_lag_from_metrics([(start, end)])
    assert lag["stalls_over_100ms"] == 3 and lag["startup_max_ms"] == 2500
    assert lag["max_ms"] is None and lag["max_ms_at_most"] == 250  # the gauge did not move: the bucket bounds it
    # A stall during the run raises the gauge: exact.
    lag = loop_lag_from_metrics([(start, _lag_scrape((46, 47, 49, 51), 4.0))])
    assert lag["max_ms"] == 4000 and lag["stalls_over_100ms"] == 3
    assert loop_lag_from_metrics([("", "appliance_calls_started_total 3\n")]) is None


def test_memory_growth_is_the_trend_over_the_life_not_two_samples() -> None:
    """A heap trimmed after each call swings by tens of MB; the growth figure is the trend
    over every sample from the settled point, so a swing at the ends is not a leak and a
    steady climb is."""
    from appliance.bench.soak import ServiceLife

    def life(rss: list[float]) -> dict:
        timeline = [{"pid": 7, "calls_ended": 20 + i, "rss_mb": v} for i, v in enumerate(rss)]
        one = ServiceLife(7, 0.0, {"rss_mb": 1600.0}, 0)
        one.settled, one.calls_at_settled = {"rss_mb": rss[0]}, 20
        one.end, one.calls_at_end = {"rss_mb": rss[-1]}, 20 + len(rss) - 1
        return one.to_json(timeline)

    swings = [1800.0 + (40.0 if i % 7 in (3, 4) else 0.0) for i in range(60)]
    swings[-1] = 1840.0  # the last sample caught mid-call
    swinging = life(swings)
    assert swinging["rss_growth_mb_per_100_calls_two_point"] > 60  # what two samples would have said
    assert abs(swinging["rss_growth_mb_per_100_calls"]) < 20
    climbing = life([1800.0 + 1.5 * i + (30.0 if i % 5 == 0 else 0.0) for i in range(60)])
    assert 130 < climbing["rss_growth_mb_per_100_calls"] < 170
    assert life([1800.0] * 10)["rss_growth_mb_per_100_calls"] is None  # too few calls to say


@pytest.mark.slow
@pytest.mark.asterisk
@pytest.mark.models
@pytest.mark.timeout(1200)
def test_short_soak_no_hang_nothing_lost_nothing_left_behind(tmp_path: Path) -> None:
    ok, reason = LocalAsterisk.available()
    if not ok:
        pytest.skip(f"local Asterisk unavailable: {reason}")
    if shutil.which("sipp") is None:
        pytest.skip("sipp not installed (scripts/system-deps.sh)")
    lines: list[str] = []
    report = run_soak(SoakOptions.short(out=tmp_path / "soak.json", workdir=tmp_path / "work"), progress=lines.append)
    summary = "\n".join(lines)  # the progress lines and the table, shown when an assert fails
    assert json.loads((tmp_path / "soak.json").read_text())["calls"] == report["calls"]
    calls = report["calls"]
    assert not [f for f in report["failures"] if f.startswith("hang")], summary
    assert calls["placed"] == 10, summary
    assert calls["hangups_mid_answer"] >= 1, summary  # the hang-up that deadlocked the service happened
    hostile = [a for a in report["chaos"] if a["action"] == "upload_hostile_md"]
    assert hostile and "skipped" not in hostile[0], summary
    assert calls["answered"] == calls["placed"], summary
    final = report["final_call"]  # the service still answers: the call, and its question
    assert final["answered"] and final["record"]["answers"][0]["agent_text"].strip(), summary
    records = report["records"]
    assert records["lost"] == [], summary
    assert records["in_progress_live"] == [] and records["in_progress_after_exit"] == [], summary
    assert report["asterisk"]["leaked_channels"] == [] and report["asterisk"]["leaked_bridges"] == [], summary
    assert report["service"]["final_term_exit_s"] is not None, summary  # it exited on SIGTERM
