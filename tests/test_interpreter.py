"""The interpreter as the service runs calls: the GIL handed round quickly, the start-up heap
out of the collector's walk, long collections logged (appliance/config/interpreter.py)."""

from __future__ import annotations

import gc
import logging
import sys

import pytest

from appliance.config.interpreter import SWITCH_INTERVAL_S, GcPauseLog, freeze_start_up_heap, tuned_for_calls


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_serving_uses_the_short_switch_interval_and_puts_the_default_back() -> None:
    before = sys.getswitchinterval()
    with tuned_for_calls():
        assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL_S)
    assert sys.getswitchinterval() == pytest.approx(before)


def test_the_start_up_heap_is_frozen_and_what_calls_leave_is_still_collected() -> None:
    with tuned_for_calls():
        loaded = [_Cycle() for _ in range(1000)]  # what start-up loads: kept for the process's life
        frozen = freeze_start_up_heap()
        assert frozen >= len(loaded) and gc.get_freeze_count() == frozen
        garbage = [_Cycle() for _ in range(500)]  # a call's leftovers, in reference cycles
        del garbage
        assert gc.collect() >= 500, "cycles made after the freeze are still collected"
        assert all(c.me is c for c in loaded)
    assert gc.get_freeze_count() == 0, "leaving hands the frozen objects back to the collector"


def test_a_long_collection_while_serving_is_logged_with_how_long_it_took(caplog: pytest.LogCaptureFixture) -> None:
    pauses = GcPauseLog(threshold_ms=0.0)  # every collection counts as long here
    gc.callbacks.append(pauses)
    try:
        with caplog.at_level(logging.WARNING, logger="appliance.config.interpreter"):
            gc.collect()
            assert pauses.logged == 0, "while loading (nothing frozen yet) collections are expected"
            with tuned_for_calls():
                freeze_start_up_heap()
                gc.collect()
    finally:
        gc.callbacks.remove(pauses)
    assert pauses.logged >= 1 and pauses.longest_ms > 0
    line = next(r.getMessage() for r in caplog.records if "event=gc.pause" in r.getMessage())
    assert "generation=2" in line and "took_ms=" in line


def test_short_collections_are_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    pauses = GcPauseLog(threshold_ms=60_000.0)
    gc.callbacks.append(pauses)
    try:
        with caplog.at_level(logging.WARNING, logger="appliance.config.interpreter"):
            gc.collect(0)
    finally:
        gc.callbacks.remove(pauses)
    assert pauses.logged == 0 and not [r for r in caplog.records if "gc.pause" in r.getMessage()]
