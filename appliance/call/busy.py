"""A caller the box has no line for (``call.max_calls``): told so in one short phrase, then hung up.

Cheaper than any answer (the phrase is synthesised once and cached), so a full box stays
responsive for the callers it is serving; the call is recorded with outcome ``busy`` so
the console shows who could not be served.
"""

from __future__ import annotations

import asyncio
import logging

from appliance.call.engines import Engines
from appliance.call.records import CallRecords
from appliance.logs import log_event
from appliance.telephony.stasis_app import CallLeg
from appliance.web import metrics

log = logging.getLogger(__name__)

#: Longest the phrase may take to go out before we hang up anyway.
BUSY_PHRASE_MAX_S = 20.0


async def tell_lines_busy(leg: CallLeg, engines: Engines, records: CallRecords | None) -> None:
    """Play the ``busy`` phrase to the caller and end the call."""
    text = engines.phrases.busy
    if records is not None:
        records.start_call(leg.call_id, leg.caller.caller_number)
        records.add_turn(leg.call_id, 0, "busy", "", text)
    metrics.call_started()
    log_event(log, "call.busy", call_id=leg.call_id, caller=leg.caller.caller_number)
    try:
        pcm = await asyncio.get_running_loop().run_in_executor(engines.workers, engines.phrase_audio, text)
        leg.rtp.play(pcm)
        async with asyncio.timeout(BUSY_PHRASE_MAX_S):
            await leg.rtp.wait_idle()  # returns at once if the caller hangs up (the endpoint closes)
    except (TimeoutError, OSError, RuntimeError) as exc:
        log_event(log, "call.busy_phrase_failed", level=logging.WARNING, call_id=leg.call_id, error=str(exc))
    finally:
        if records is not None:
            records.end_call(leg.call_id, "busy", leg.end_reason or "lines_busy")
        metrics.call_ended("busy")
        await leg.hangup()
