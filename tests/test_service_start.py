"""`appliance serve` started after a run that died mid-call, through the real Asterisk.

A previous run takes a call (recorded ``in_progress``) and dies without any teardown, as a
``kill -9`` or a watchdog restart leaves it: the caller sits in our Stasis app, our
externalMedia channel and bridge stay in Asterisk.  The real ``serve()`` then starts (echo
mode: no models needed) with a notify socket bound as systemd would: it must say READY=1,
feed the watchdog, close the row as ``error``/``service_restart`` and hang up / destroy
what was left, so the stranded caller is released.
"""

from __future__ import annotations

import asyncio
import gc
import os
import socket
import sys
from pathlib import Path

import pytest

from appliance.call.records import CallRecords, read_call
from appliance.cli.serve_cmd import serve
from appliance.config.interpreter import SWITCH_INTERVAL_S
from appliance.telephony.sip_caller import SipCaller
from appliance.telephony.stasis_app import CallLeg
from conftest import TEST_APP, settings_for_asterisk

pytestmark = [pytest.mark.asterisk]


def _free_tcp_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _until(cond, timeout: float):  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        value = await cond()
        if value:
            return value
        await asyncio.sleep(0.1)
    return await cond()


async def test_start_closes_interrupted_calls_and_removes_leftovers_in_asterisk(
        local_asterisk, start_service, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_for_asterisk(local_asterisk, tmp_path, web={"port": _free_tcp_port()})
    db = settings.data_path / "calls.sqlite3"
    records = CallRecords(db)

    async def recorded_then_stuck(leg: CallLeg) -> None:
        records.start_call(leg.call_id, leg.caller.caller_number)
        await asyncio.Event().wait()

    # The previous run: takes the call, then dies with nothing torn down.
    previous = await start_service(recorded_then_stuck, settings)

    async def killed(call_id: str, leg: CallLeg | None) -> None:
        if leg is not None:
            await leg.rtp.close()  # the dead process's socket is gone with it

    previous.app._teardown = killed  # type: ignore[method-assign]
    stranded = asyncio.get_running_loop().create_task(
        SipCaller(local_asterisk.sip_host, local_asterisk.sip_port, TEST_APP).call([], hangup="remote", listen_s=60))

    async def media_up() -> CallLeg | None:
        return next((leg for leg in previous.app.calls.values() if leg.rtp.peer and leg.bridge_id), None)

    leg = await _until(media_up, 20)
    assert leg is not None, "the previous run took the call"
    call_id, bridge_id, media_id = leg.call_id, leg.bridge_id, leg.media_channel_id
    previous.task.cancel()
    try:
        await previous.task
    except asyncio.CancelledError:
        pass
    await previous.ari.close()
    records.close()
    ari = previous.ari  # its REST client still works for looking
    left = await ari.get(f"/applications/{TEST_APP}")
    assert {call_id, media_id} <= set(left["channel_ids"]) and bridge_id in left["bridge_ids"], left
    assert read_call(db, call_id)["outcome"] == "in_progress"

    # The new run, as systemd starts it.
    notify_path = str(tmp_path / "notify")
    rx = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    rx.bind(notify_path)
    rx.setblocking(False)
    monkeypatch.setenv("NOTIFY_SOCKET", notify_path)
    monkeypatch.setenv("WATCHDOG_USEC", "1000000")
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    stop = asyncio.Event()
    serving = asyncio.get_running_loop().create_task(serve(settings, "echo", stop))
    loop = asyncio.get_running_loop()
    try:
        messages: list[str] = []
        while not any(m.startswith("READY=1") for m in messages):
            messages.append((await asyncio.wait_for(loop.sock_recv(rx, 4096), 30)).decode())
        while "WATCHDOG=1" not in messages[messages.index(next(m for m in messages if m.startswith("READY=1"))):]:
            messages.append((await asyncio.wait_for(loop.sock_recv(rx, 4096), 10)).decode())

        # Serving: the GIL handed round every 1 ms, start-up's objects out of the collector's walk.
        assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL_S) and gc.get_freeze_count() > 0
        row = read_call(db, call_id)
        assert row["outcome"] == "error" and row["end_reason"] == "service_restart"
        assert row["ended_at"] is not None and row["ended_at"] >= row["started_at"]

        async def gone() -> bool:
            live = {c.id for c in await ari.channels()} | {str(b["id"]) for b in await ari.bridges()}
            return not ({call_id, media_id, bridge_id} & live)

        assert await _until(gone, 20), "the previous run's channels and bridge were removed"
        result = await asyncio.wait_for(stranded, 30)
        assert result.answered and result.ended_by == "remote", "the stranded caller was hung up"
    finally:
        stop.set()
        await asyncio.wait_for(serving, 30)
        rx.close()
        if not stranded.done():
            stranded.cancel()
    assert gc.get_freeze_count() == 0, "a stopped serve() hands its frozen objects back"
    assert sys.getswitchinterval() != pytest.approx(SWITCH_INTERVAL_S), "and the default switch interval"
