"""Wires the conversation into the Stasis app: shared engines, call records, one session per call."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from appliance.call.busy import tell_lines_busy
from appliance.call.engines import Engines, load_engines_yielding
from appliance.call.records import CallRecords
from appliance.call.session import ConversationSession
from appliance.config import heap
from appliance.config.settings import Settings
from appliance.telephony.stasis_app import CallHandler, CallLeg


def records_path(settings: Settings):  # type: ignore[no-untyped-def]
    return settings.data_path / "calls.sqlite3"


def open_records(settings: Settings, on_lead: Callable[[int], None] | None = None) -> CallRecords:
    """The call records writer; each lead is queued for the delivery channels configured in [leads]."""
    return CallRecords(records_path(settings), outbox_channels=settings.leads.channels(), on_lead=on_lead)


def conversation_handler(engines: Engines, records: CallRecords | None) -> CallHandler:
    """The handler the Stasis app runs for each answered call.

    After each call the C heap's free pages go back to the system (``heap.trim``, off the
    loop, ~10-30 ms): the models' threads free what a call allocated in pieces that glibc
    keeps, and a box that takes calls for months would otherwise grow by that (the soak
    measured ~100 MB per 100 calls of it, with the heap in use flat).
    """

    async def handle(leg: CallLeg) -> None:
        try:
            if leg.over_capacity:
                await tell_lines_busy(leg, engines, records)
                return
            await ConversationSession(leg, engines, records).run()
        finally:
            await asyncio.to_thread(heap.trim)

    return handle


async def build_conversation_handler(settings: Settings) -> CallHandler:
    """Load and warm every engine (off the loop) before the first call is taken."""
    engines = await asyncio.get_running_loop().run_in_executor(None, load_engines_yielding, settings)
    return conversation_handler(engines, open_records(settings))
