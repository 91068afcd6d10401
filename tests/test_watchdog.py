"""sd_notify and the loop watchdog, through a real Unix datagram socket as systemd would bind it.

The pings must come from the event loop: while the loop is blocked, none may arrive (a
hung service must stop feeding systemd's watchdog so that it gets restarted).
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from pathlib import Path

import pytest

from appliance.watchdog import LoopWatchdog, notify, watchdog_interval_s
from appliance.web import metrics


def _bind(path: str) -> socket.socket:
    rx = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    rx.bind(path)
    rx.setblocking(False)
    return rx


def _drain(rx: socket.socket) -> list[str]:
    out = []
    while True:
        try:
            out.append(rx.recv(4096).decode())
        except BlockingIOError:
            return out


async def _next(rx: socket.socket, timeout: float = 5.0) -> str:
    return (await asyncio.wait_for(asyncio.get_running_loop().sock_recv(rx, 4096), timeout)).decode()


@pytest.fixture
def notify_socket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    path = str(tmp_path / "notify")
    rx = _bind(path)
    monkeypatch.setenv("NOTIFY_SOCKET", path)
    monkeypatch.setenv("WATCHDOG_USEC", "200000")  # 0.2 s: a ping every 0.1 s
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    yield rx
    rx.close()


async def test_ready_then_pings_from_the_loop_and_none_while_the_loop_is_blocked(notify_socket) -> None:
    rx = notify_socket
    assert watchdog_interval_s() == pytest.approx(0.1)
    wd = LoopWatchdog(sample_s=0.02)
    wd.start()
    assert wd.ready("serving")
    assert await _next(rx) == "READY=1\nSTATUS=serving"
    for _ in range(3):
        assert await _next(rx) == "WATCHDOG=1"
    # Block the loop as a deadlock would: nothing may reach the socket meanwhile.
    _drain(rx)  # unix datagrams are queued when sent, so this empties everything sent so far
    time.sleep(1.0)  # ten ping intervals with the loop blocked
    assert _drain(rx) == [], "a ping was sent while the loop was blocked"
    assert await _next(rx) == "WATCHDOG=1", "the pings resume with the loop"
    await asyncio.sleep(0.1)  # a lag sample after the block
    await wd.stop()
    assert wd.max_lag_s >= 0.9, "the block was measured as loop lag"
    assert metrics.REGISTRY.get_sample_value("appliance_event_loop_lag_max_seconds") >= 0.9
    assert metrics.REGISTRY.get_sample_value("appliance_event_loop_lag_seconds_count") > 0


async def test_no_socket_no_pings_and_abstract_sockets_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    monkeypatch.delenv("WATCHDOG_USEC", raising=False)
    assert notify("READY=1") is False and watchdog_interval_s() is None
    monkeypatch.setenv("WATCHDOG_USEC", "1000000")
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid() + 1))
    assert watchdog_interval_s() is None, "the watchdog is meant for another process"
    name = f"appliance-test-notify-{os.getpid()}"
    rx = _bind("\0" + name)
    try:
        assert notify("READY=1", "@" + name)
        assert _drain(rx) == ["READY=1"]
    finally:
        rx.close()
