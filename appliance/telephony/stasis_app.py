"""Our Stasis application: every call the dialplan sends us is answered and bridged to RTP.

Per call: answer the caller's channel, create a mixing bridge, create an externalMedia
channel pointed at a fresh ``RtpEndpoint`` of ours, put both channels in the bridge, and
hand the resulting ``CallLeg`` to a call handler (the conversation, or the echo test).
When either side hangs up, or the handler returns, everything we created is torn down:
the externalMedia channel, the bridge, the RTP port and (unless the call was transferred
to the dialplan) the caller's channel.  Teardown treats "already gone" as done, so it is
safe from any path and any number of times.

A run that could not tear down (killed, hung and restarted by the watchdog) leaves callers
sitting in our Stasis app, externalMedia channels and bridges in Asterisk.  Asterisk keeps
them subscribed to the app across our restart (``GET /applications/{app}`` lists them),
so on every connection ``sweep_leftovers`` hangs up and destroys those no live call of
this run owns.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from appliance.config.settings import Settings
from appliance.logs import log_event
from appliance.telephony.admission import CallAdmission
from appliance.telephony.ari import AriClient, AriError, AriEvent, Channel
from appliance.telephony.g711 import Codec
from appliance.telephony.rtp import RtpEndpoint
from appliance.web import metrics

log = logging.getLogger(__name__)

_END_EVENTS = {"StasisEnd", "ChannelDestroyed", "ChannelHangupRequest"}


@dataclass
class CallLeg:
    """One answered call: the caller's channel, our RTP endpoint, and what joins them."""

    call_id: str
    caller: Channel
    ari: AriClient
    rtp: RtpEndpoint
    bridge_id: str = ""
    media_channel_id: str = ""
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    end_reason: str = ""
    transferred_to: str = ""
    dtmf: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    #: Answered although every line is taken (``call.max_calls``): the handler tells the
    #: caller the lines are busy and hangs up.
    over_capacity: bool = False

    def end(self, reason: str) -> None:
        """Mark the call over (idempotent); the app tears it down."""
        if not self.ended.is_set():
            self.end_reason = reason
            self.ended.set()

    async def hangup(self) -> None:
        """Our side ends the call."""
        self.end("agent_hangup")

    async def transfer(self, context: str, extension: str, priority: int = 1) -> None:
        """Leave Stasis and continue in the dialplan (e.g. the operator extension)."""
        # Marked before the request: Asterisk's StasisEnd can arrive before the REST reply,
        # and teardown must then leave the caller's channel alone.
        self.transferred_to = f"{context},{extension},{priority}"
        try:
            await self.ari.continue_in_dialplan(self.caller.id, context, extension, priority)
        except AriError:
            self.transferred_to = ""
            raise
        self.end("transferred")


CallHandler = Callable[[CallLeg], Coroutine[Any, Any, None]]


class StasisApp:
    """Takes every call delivered to the Stasis app and runs a handler on it."""

    def __init__(self, ari: AriClient, settings: Settings, handler: CallHandler) -> None:
        self.ari = ari
        self.settings = settings
        self.handler = handler
        self.calls: dict[str, CallLeg] = {}
        self._media_ids: set[str] = set()
        #: externalMedia channels we created, set when their StasisStart arrives: a channel can
        #: only join our bridge once it is in our app, and that event races the REST reply.
        self._media_in_stasis: dict[str, asyncio.Event] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.calls_taken = 0
        #: Ids of the recent channels and bridges this app created or took (bounded), so
        #: checks for leftovers can tell ours from other apps' on a shared Asterisk.
        self.recent_ids: deque[str] = deque(maxlen=3000)
        #: Callers this run took (StasisStart seen) and has not finished tearing down.
        self._claimed: set[str] = set()
        #: Call ids a previous run left in progress (closed at start): their bridges are
        #: looked for by name too (``appliance-<call id>``), in case the app lost them.
        self.interrupted_call_ids: list[str] = []
        #: How long the sweep waits for StasisStart events in flight when it lists the app.
        self.sweep_grace_s = 1.0
        self.admission = CallAdmission(settings.call.max_calls)
        #: Callers waiting for a line (set when they hang up while waiting).
        self._queued: dict[str, asyncio.Event] = {}

    async def run(self) -> None:
        """Handle events until cancelled; on cancel, end and tear down every live call."""
        try:
            await self.ari.run_events(self.on_event, on_connect=self.reconcile)
        finally:
            for leg in list(self.calls.values()):
                leg.end("shutdown")
            for gone in list(self._queued.values()):
                gone.set()  # callers waiting for a line: hung up with the rest
            await self.admission.changed()
            if self._tasks:
                await asyncio.wait(self._tasks, timeout=10)

    async def on_event(self, event: AriEvent) -> None:
        ch = event.channel
        if event.type == "StasisStart" and ch is not None:
            if ch.id in self._media_ids or ch.is_external_media:
                self._media_in_stasis.setdefault(ch.id, asyncio.Event()).set()
                return
            self._claimed.add(ch.id)
            task = asyncio.get_running_loop().create_task(self._take_call(ch), name=f"call-{ch.id}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        elif event.type in _END_EVENTS and ch is not None:
            leg = self.calls.get(ch.id)
            if ch.id in self._queued:
                self._queued[ch.id].set()
                await self.admission.changed()
            elif leg is not None:
                leg.end("caller_hangup" if event.type != "StasisEnd" or not leg.transferred_to else "transferred")
            else:
                for leg in self.calls.values():
                    if leg.media_channel_id == ch.id:
                        leg.end("media_channel_gone")
        elif event.type == "ChannelDtmfReceived" and ch is not None and ch.id in self.calls:
            self.calls[ch.id].dtmf.put_nowait(event.digit)

    def _media_peer(self, address: str, port: str) -> tuple[str, int]:
        """Where Asterisk sends our RTP from: its externalMedia local address."""
        host = address
        if not host or host in ("0.0.0.0", "::"):
            host = urlsplit(self.settings.ari.url).hostname or "127.0.0.1"
        return host, int(port)

    async def _admit(self, caller: Channel) -> bool | None:
        """A line for this caller: True; every line taken: False (the caller is told so);
        None: the caller hung up while waiting for one."""
        if self.admission.try_take():
            return True
        call = self.settings.call
        if call.when_full != "wait" or call.queue_wait_s <= 0:
            return False
        gone = self._queued[caller.id] = asyncio.Event()
        log_event(log, "call.queued", call_id=caller.id, caller=caller.caller_number,
                  active=self.admission.active, waiting=self.admission.waiting + 1)
        try:
            try:
                await self.ari.ring(caller.id)
            except AriError as exc:  # the caller hears silence instead of ringing: still queued
                log_event(log, "call.ring_failed", level=logging.WARNING, call_id=caller.id, error=str(exc))
            t0 = asyncio.get_running_loop().time()
            admitted = await self.admission.wait(caller.id, call.queue_wait_s, gone)
            waited = round(asyncio.get_running_loop().time() - t0, 2)
        finally:
            del self._queued[caller.id]
        if gone.is_set():
            log_event(log, "call.queue_abandoned", call_id=caller.id, waited_s=waited)
            metrics.call_queue_result("abandoned")
            return None
        log_event(log, "call.dequeued", call_id=caller.id, waited_s=waited, admitted=admitted)
        metrics.call_queue_result("admitted" if admitted else "timed_out")
        return admitted

    async def _take_call(self, caller: Channel) -> None:
        call_id = caller.id
        rtp_cfg = self.settings.rtp
        leg: CallLeg | None = None
        admitted: bool | None = False
        try:
            admitted = await self._admit(caller)
            if admitted is None:
                return
            codec: Codec = "alaw" if rtp_cfg.codec == "alaw" else "ulaw"  # validated by the settings
            rtp = await RtpEndpoint.open(rtp_cfg.bind_host, rtp_cfg.port_min, rtp_cfg.port_max, codec, call_id)
            leg = CallLeg(call_id, caller, self.ari, rtp, over_capacity=not admitted)
            self.calls[call_id] = leg
            self.calls_taken += 1
            self.recent_ids.append(call_id)
            log_event(log, "call.start", call_id=call_id, caller=caller.caller_number, exten=caller.exten,
                      **({"over_capacity": True} if leg.over_capacity else {}))
            await self.ari.answer(call_id)
            leg.bridge_id = await self.ari.create_bridge(name=f"appliance-{call_id}")
            self.recent_ids.append(leg.bridge_id)
            media_id = f"{call_id}-media"
            in_stasis = self._media_in_stasis.setdefault(media_id, asyncio.Event())
            self._media_ids.add(media_id)
            self.recent_ids.append(media_id)
            leg.media_channel_id = media_id
            media = await self.ari.external_media(rtp_cfg.advertise_host, rtp.local_port, rtp_cfg.codec, media_id)
            await asyncio.wait_for(in_stasis.wait(), timeout=5)
            address = media.variables.get("UNICASTRTP_LOCAL_ADDRESS") or await self.ari.get_variable(media.id, "UNICASTRTP_LOCAL_ADDRESS")
            port = media.variables.get("UNICASTRTP_LOCAL_PORT") or await self.ari.get_variable(media.id, "UNICASTRTP_LOCAL_PORT")
            rtp.set_peer(*self._media_peer(address, port))
            await self.ari.add_to_bridge(leg.bridge_id, call_id, media.id)
            rtp.start()
            log_event(log, "call.media_up", call_id=call_id, bridge=leg.bridge_id, media=media.id,
                      rtp_port=rtp.local_port, peer=f"{rtp.peer[0]}:{rtp.peer[1]}" if rtp.peer else None,
                      codec=rtp_cfg.codec)
            handler_task = asyncio.get_running_loop().create_task(self.handler(leg))
            ended_task = asyncio.get_running_loop().create_task(leg.ended.wait())
            done, _ = await asyncio.wait({handler_task, ended_task}, return_when=asyncio.FIRST_COMPLETED)
            if handler_task not in done:
                # The call ended: the handler is cancelled (a conversation finishes its record
                # from a clean-up that a cancellation cannot cut short; see ConversationSession.run).
                handler_task.cancel()
            try:
                await handler_task
            except asyncio.CancelledError:
                pass
            except Exception:  # noqa: BLE001 - a handler bug ends this call, not the service
                log.exception("event=call.handler_failed call_id=%s", call_id)
                leg.end("error")
            ended_task.cancel()
            leg.end("handler_done")
        except (AriError, OSError, asyncio.TimeoutError) as exc:
            log_event(log, "call.setup_failed", level=logging.WARNING, call_id=call_id, error=str(exc))
            if leg is not None:
                leg.end("setup_failed")
        finally:
            await self._teardown(call_id, leg)
            if admitted:
                await self.admission.release()

    async def _teardown(self, call_id: str, leg: CallLeg | None) -> None:
        try:
            if leg is not None:
                await leg.rtp.close()
                if leg.media_channel_id:
                    await self.ari.hangup(leg.media_channel_id)
                    self._media_ids.discard(leg.media_channel_id)
                    self._media_in_stasis.pop(leg.media_channel_id, None)
                if leg.bridge_id:
                    await self.ari.destroy_bridge(leg.bridge_id)
            if leg is None or not leg.transferred_to:
                await self.ari.hangup(call_id)
        except AriError as exc:
            log_event(log, "call.teardown_error", level=logging.WARNING, call_id=call_id, error=str(exc))
        finally:
            self.calls.pop(call_id, None)
            self._claimed.discard(call_id)
            log_event(log, "call.end", call_id=call_id, reason=leg.end_reason if leg else "setup_failed",
                      transferred_to=leg.transferred_to if leg else None)

    async def leftovers(self) -> list[str]:
        """Channels and bridges this app made that Asterisk still has (should be none when idle)."""
        ours = set(self.recent_ids)
        live = [c.id for c in await self.ari.channels()] + [str(b["id"]) for b in await self.ari.bridges()]
        return [i for i in live if i in ours]

    async def reconcile(self) -> None:
        """After a (re)connect: end calls whose channels Asterisk no longer has (it restarted),
        then remove what no live call owns (a previous run's leftovers)."""
        try:
            live = {c.id for c in await self.ari.channels()}
        except AriError:
            return
        for call_id, leg in list(self.calls.items()):
            if call_id not in live:
                leg.end("asterisk_restarted")
        await self.sweep_leftovers(self.interrupted_call_ids)

    def _owned(self) -> set[str]:
        """Ids of the channels and bridges live calls of this run hold."""
        ids = set(self._claimed) | set(self._media_ids) | set(self.calls)
        for leg in self.calls.values():
            ids.update(x for x in (leg.bridge_id, leg.media_channel_id) if x)
        return ids

    async def sweep_leftovers(self, call_ids: Iterable[str] = ()) -> list[str]:
        """Hang up the channels and destroy the bridges Asterisk holds for our app that no live
        call owns; returns their ids.

        Those are the app's subscriptions (callers still in our Stasis app, our externalMedia
        channels, our bridges), plus bridges named ``appliance-<id>`` for ``call_ids``.  The
        list is taken first and acted on after ``sweep_grace_s``, so a caller arriving right
        now is claimed by its StasisStart before the sweep looks at it.
        """
        try:
            info = await self.ari.get(f"/applications/{self.ari.app}") or {}
            channel_ids = [str(c) for c in info.get("channel_ids") or []]
            bridge_ids = [str(b) for b in info.get("bridge_ids") or []]
            names = {f"appliance-{cid}" for cid in call_ids}
            if names:
                bridge_ids += [str(b["id"]) for b in await self.ari.bridges()
                               if b.get("name") in names and str(b["id"]) not in bridge_ids]
        except AriError as exc:
            log_event(log, "stasis.sweep_failed", level=logging.WARNING, error=str(exc))
            return []
        if not channel_ids and not bridge_ids:
            return []
        await asyncio.sleep(self.sweep_grace_s)
        owned = self._owned()
        removed: list[str] = []
        try:
            for cid in channel_ids:
                if cid not in owned and await self.ari.hangup(cid):
                    removed.append(cid)
            for bid in bridge_ids:
                if bid not in owned and await self.ari.destroy_bridge(bid):
                    removed.append(bid)
        except AriError as exc:
            log_event(log, "stasis.sweep_failed", level=logging.WARNING, error=str(exc))
        if removed:
            log_event(log, "stasis.leftovers_removed", level=logging.WARNING, app=self.ari.app,
                      count=len(removed), ids=",".join(removed))
        return removed
