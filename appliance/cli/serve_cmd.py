"""``appliance serve``: run the Stasis application against an Asterisk (local or production)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal

from appliance.cli.common import settings_for
from appliance.logs import log_event

log = logging.getLogger("appliance.serve")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("serve", help="answer calls from Asterisk (ARI) until stopped")
    p.add_argument("--config", help="config file")
    p.add_argument("--mode", choices=["conversation", "echo"], default=None,
                   help="what a call gets (default: call.mode from the config)")
    p.set_defaults(func=run)


async def serve(settings, mode: str) -> None:  # type: ignore[no-untyped-def]
    from appliance.telephony.ari import AriClient
    from appliance.telephony.stasis_app import StasisApp

    handler = await _make_handler(settings, mode)
    async with AriClient(settings.ari.url, settings.ari.username, settings.ari.resolved_password(),
                         settings.ari.app, settings.ari.reconnect_max_s) as ari:
        app = StasisApp(ari, settings, handler)
        log_event(log, "serve.start", ari=settings.ari.url, app=settings.ari.app, mode=mode)
        task = asyncio.get_running_loop().create_task(app.run())
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)
        await stop.wait()
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        log_event(log, "serve.stop", calls_taken=app.calls_taken)


async def _make_handler(settings, mode: str):  # type: ignore[no-untyped-def]
    if mode == "echo":
        from appliance.call.echo import echo_handler

        return echo_handler
    from appliance.call.service import build_conversation_handler

    return await build_conversation_handler(settings)


def run(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    mode = args.mode or settings.call.mode
    asyncio.run(serve(settings, mode))
    return 0
