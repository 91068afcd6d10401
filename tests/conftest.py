"""Shared fixtures: the local Asterisk (plugin), settings, and an in-process appliance service."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from appliance.config import Settings, settings_from_dict
from appliance.telephony.ari import AriClient
from appliance.telephony.stasis_app import CallHandler, StasisApp

pytest_plugins = ["conftest_asterisk"]

ROOT = Path(__file__).resolve().parent.parent
#: This test session's own Stasis app (dialled as its name), so parallel sessions on the
#: shared local Asterisk never answer each other's calls.
TEST_APP = f"appliance-test{os.getpid()}"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def settings_for_asterisk(local_asterisk, tmp_path: Path, **overrides: dict) -> Settings:  # type: ignore[no-untyped-def]
    raw: dict = {
        "data_dir": str(tmp_path / "data"),
        "models_manifest": str(ROOT / "models" / "manifest.toml"),
        "ari": {"url": local_asterisk.ari_url, "username": local_asterisk.ari_username,
                "password": local_asterisk.ari_password, "app": TEST_APP,
                "reconnect_max_s": 1.0},
    }
    for section, values in overrides.items():
        raw.setdefault(section, {}).update(values)
    return settings_from_dict(raw, ROOT)


class RunningService:
    """The Stasis app running in the test's event loop, with its ARI client."""

    def __init__(self, app: StasisApp, ari: AriClient, task: asyncio.Task[None]) -> None:
        self.app, self.ari, self.task = app, ari, task

    async def wait_idle(self, timeout: float = 10.0) -> None:
        """Until no call is live and Asterisk holds no channel or bridge."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            if not self.app.calls and not await self.app.leftovers():
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"still busy after {timeout} s: calls {sorted(self.app.calls)}, "
                             f"left in Asterisk {await self.app.leftovers()}")


@pytest.fixture
async def start_service(local_asterisk, tmp_path: Path) -> AsyncIterator:  # type: ignore[no-untyped-def]
    """Factory: start the appliance's Stasis app with a given handler."""
    running: list[RunningService] = []

    async def start(handler: CallHandler, settings: Settings | None = None) -> RunningService:
        s = settings or settings_for_asterisk(local_asterisk, tmp_path)
        ari = AriClient(s.ari.url, s.ari.username, s.ari.resolved_password(), s.ari.app, s.ari.reconnect_max_s)
        app = StasisApp(ari, s, handler)
        task = asyncio.get_running_loop().create_task(app.run())
        await asyncio.wait_for(ari.connected.wait(), 15)
        svc = RunningService(app, ari, task)
        running.append(svc)
        return svc

    yield start
    for svc in running:
        svc.task.cancel()
        try:
            await svc.task
        except asyncio.CancelledError:
            pass
        await svc.ari.close()
