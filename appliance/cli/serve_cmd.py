"""``appliance serve``: run the Stasis application against an Asterisk (local or production).

Start-up, in order: the loop watchdog starts (systemd ``WATCHDOG=1`` pings from the event
loop, loop lag to ``/metrics``); call rows a previous run left ``in_progress`` are closed
(outcome ``error``, reason ``service_restart``); the engines load; the Stasis app connects
and, on each connection, removes what a previous run left in Asterisk; the console starts;
then ``READY=1`` tells systemd the service is up.  A hung loop stops the pings and systemd
restarts the service; SIGABRT (the watchdog's signal) dumps every thread's stack to the
journal first (faulthandler).
"""

from __future__ import annotations

import argparse
import asyncio
import faulthandler
import logging
import signal

from appliance.cli.common import settings_for
from appliance.logs import log_event

log = logging.getLogger("appliance.serve")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("serve", help="answer calls from Asterisk (ARI) until stopped")
    p.add_argument("--config", default=argparse.SUPPRESS, help="config file")
    p.add_argument("--mode", choices=["conversation", "echo", "baseline"], default=None,
                   help="what a call gets (default: call.mode from the config)")
    p.set_defaults(func=run)


async def serve(settings, mode: str, stop: asyncio.Event | None = None) -> None:  # type: ignore[no-untyped-def]
    """Serve calls until SIGINT/SIGTERM (or until ``stop`` is set, for tests), with the
    interpreter set up for pacing RTP (appliance/config/interpreter.py)."""
    from appliance.config.interpreter import tuned_for_calls

    with tuned_for_calls():
        await _serve(settings, mode, stop)


async def _serve(settings, mode: str, stop: asyncio.Event | None) -> None:  # type: ignore[no-untyped-def]
    from appliance.call.records import close_interrupted
    from appliance.call.service import records_path
    from appliance.config.interpreter import freeze_start_up_heap
    from appliance.leads.config import load_delivery
    from appliance.leads.worker import DeliveryWorker
    from appliance.telephony.ari import AriClient
    from appliance.telephony.stasis_app import StasisApp
    from appliance.watchdog import LoopWatchdog
    from appliance.web.app import start_web

    loop = asyncio.get_running_loop()
    # The lead delivery secrets are checked before the models load: a bad file stops the start at once.
    delivery = load_delivery(settings)
    watchdog = LoopWatchdog()
    watchdog.start()
    worker = None
    try:
        interrupted = await loop.run_in_executor(None, close_interrupted, records_path(settings))
        if interrupted:
            log_event(log, "serve.closed_interrupted_calls", level=logging.WARNING, count=len(interrupted),
                      call_ids=",".join(interrupted))
        worker = DeliveryWorker(delivery, records_path(settings)) if delivery.channels else None
        handler, engines = await _make_handler(settings, mode, worker.notify if worker else None)
        freeze_start_up_heap()  # what start-up loaded lives as long as the process: out of the collector's walk
        if worker is not None:
            await worker.start()
        async with AriClient(settings.ari.url, settings.ari.username, settings.ari.resolved_password(),
                             settings.ari.app, settings.ari.reconnect_max_s) as ari:
            app = StasisApp(ari, settings, handler)
            app.interrupted_call_ids = interrupted
            log_event(log, "serve.start", ari=settings.ari.url, app=settings.ari.app, mode=mode)
            task = loop.create_task(app.run())
            web = None
            try:  # the admin console: same loop, so it sees live calls and shares the one store
                web = await start_web(settings, engines=engines, stasis=app, lead_worker=worker)
            except OSError as exc:
                log_event(log, "web.failed", level=logging.ERROR, error=str(exc))
            if stop is None:
                stop = asyncio.Event()
                for sig in (signal.SIGINT, signal.SIGTERM):
                    loop.add_signal_handler(sig, stop.set)
            watchdog.ready(f"serving calls for ARI app {settings.ari.app}")
            await stop.wait()
            watchdog.stopping()
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
            if web is not None:
                await web.cleanup()
            log_event(log, "serve.stop", calls_taken=app.calls_taken)
    finally:
        if worker is not None:  # the service's own task: cancelled and awaited
            await worker.stop()
        await watchdog.stop()


async def _make_handler(settings, mode: str, on_lead=None):  # type: ignore[no-untyped-def]
    """The call handler and the shared engines (None in echo mode); ``on_lead`` wakes the lead delivery."""
    if mode == "echo":
        from appliance.call.echo import echo_handler

        return echo_handler, None
    from appliance.call.engines import load_engines_yielding
    from appliance.call.service import conversation_handler, open_records

    engines = await asyncio.get_running_loop().run_in_executor(None, load_engines_yielding, settings)
    if mode == "baseline":  # record-then-answer, for the benchmark's side-by-side (appliance/bench)
        from appliance.bench.baseline import baseline_handler

        return baseline_handler(engines, open_records(settings, on_lead)), engines
    return conversation_handler(engines, open_records(settings, on_lead)), engines


def run(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    mode = args.mode or settings.call.mode
    try:
        faulthandler.enable()  # a watchdog kill (SIGABRT) leaves every thread's stack in the journal
    except (OSError, ValueError):  # stderr is no file (captured by a test harness): nothing to dump to
        pass
    asyncio.run(serve(settings, mode))
    return 0
