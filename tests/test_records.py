"""Call records: every row handed over lands, a failing write is counted and logged, not lost silently."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from appliance.call.records import CallRecords, read_call


def test_a_failing_write_is_counted_and_logged_and_later_rows_still_land(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    records = CallRecords(tmp_path / "calls.sqlite3")
    try:
        records.start_call("c1", "1000")
        broken = records._submit(lambda c: c.execute("INSERT INTO no_such_table VALUES (1)"))
        with caplog.at_level(logging.ERROR):
            with pytest.raises(sqlite3.OperationalError):
                broken.result(timeout=5)
        records.add_event("c1", "after", n=1)
        records.end_call("c1", "answered", "caller_hangup")
        records.flush()
        assert records.failed_writes == 1
        assert any("records.write_failed" in r.getMessage() for r in caplog.records)
        call = read_call(records.path, "c1")
        assert call is not None and call["outcome"] == "answered"
        assert [e["kind"] for e in call["events"]] == ["after"]
    finally:
        records.close()


def test_rows_requested_from_a_finaliser_land_without_blocking(tmp_path: Path) -> None:
    """A clean-up that writes its record from a finaliser (``__del__``), as a task finalised by
    the garbage collector would, neither blocks nor loses the row."""
    import gc

    records = CallRecords(tmp_path / "calls.sqlite3")

    class Reply:
        def __del__(self) -> None:
            records.add_event("c2", "finalised")

    try:
        records.start_call("c2", "1000")
        reply = Reply()
        cycle = [reply]
        cycle.append(cycle)  # type: ignore[arg-type]
        del reply, cycle
        gc.collect()
        records.flush()
        call = read_call(records.path, "c2")
        assert call is not None and [e["kind"] for e in call["events"]] == ["finalised"]
    finally:
        records.close()
