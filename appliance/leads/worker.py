"""The delivery worker: sends each queued lead delivery until its receiver acknowledges it.

One asyncio task, owned by the service (``appliance serve`` starts it and cancels and awaits
it at shutdown).  The outbox lives in the call records database, so a delivery that failed,
or was queued while the service was down, goes out after a restart; a claim is a lease on
the row, so a crash mid-send leaves it due again.  A delivery marked done is never sent
again; one whose acknowledgement was lost (crash between the receiver's 2xx and our commit)
is sent again with the same idempotency key, which the receiver uses to drop the repeat.

SQLite work runs on the worker's own thread, smtplib on the default executor; the loop only
waits.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from appliance.call.records import connect
from appliance.leads import store
from appliance.leads.channels import DeliveryError, make_channels
from appliance.leads.config import DeliveryConfig
from appliance.logs import log_event
from appliance.web import metrics
from appliance.tasks import cancel_and_wait

log = logging.getLogger(__name__)
T = TypeVar("T")


class DeliveryWorker:
    """Sends due outbox rows on the configured channels; ``notify()`` wakes it for a new lead."""

    def __init__(self, config: DeliveryConfig, db_path: Path, *, poll_s: float = 30.0,
                 stop_grace_s: float = 5.0) -> None:
        self.config = config
        self.db_path = db_path
        self.channels = make_channels(config)
        self.names = tuple(self.channels)
        #: Re-poll at least this often (a lead written by another process, a retry by hand).
        self.poll_s = poll_s
        #: At shutdown, how long a send in flight may take to finish and be recorded.
        self.stop_grace_s = stop_grace_s
        longest = max([config.leads.webhook.timeout_s if "webhook" in self.names else 0.0,
                       config.leads.mail.timeout_s if "mail" in self.names else 0.0])
        #: How long a claimed row is ours: past it, another worker (or we, after a crash) may take it.
        self.lease_s = longest + stop_grace_s + 30.0
        self._db_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lead-outbox")
        self._conn: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._conn = await self._db(connect, self.db_path)
        for ch in self.channels.values():
            await ch.open()
        self._task = self._loop.create_task(self._run(), name="lead-delivery")
        log_event(log, "leads.worker_start", channels=",".join(self.names) or "none", db=str(self.db_path))

    async def stop(self) -> None:
        """Cancel the task and wait for it (a send in flight gets ``stop_grace_s`` to finish)."""
        await cancel_and_wait(self._task)
        self._task = None
        for ch in self.channels.values():
            await ch.close()
        if self._conn is not None:
            await self._db(self._conn.close)
            self._conn = None
        self._db_thread.shutdown(wait=True)
        log_event(log, "leads.worker_stop")

    def notify(self, lead_id: int | None = None) -> None:
        """Wake the worker now (thread-safe: CallRecords calls it from its writer thread)."""
        loop, wake = self._loop, self._wake
        if loop is None or wake is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(wake.set)
        except RuntimeError:  # the loop closed meanwhile: the next start finds the row anyway
            pass

    # -- the loop --------------------------------------------------------------------------

    async def _db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._db_thread, lambda: fn(*args, **kwargs))

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            self._wake.clear()
            try:
                await self.run_once()
                due = await self._db(store.next_due, self._conn, self.names)
                wait = self.poll_s if due is None else min(self.poll_s, max(0.0, due - time.time()))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database was busy or broken: log, wait, try again
                log_event(log, "leads.worker_error", level=logging.ERROR, error=f"{type(exc).__name__}: {exc}")
                metrics.error("lead_delivery")
                wait = min(self.poll_s, 5.0)
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=wait)
            except asyncio.TimeoutError:
                pass

    async def run_once(self) -> int:
        """Send every delivery due now, one at a time; returns how many were tried."""
        started = time.time()
        tried = 0
        while True:
            batch = await self._db(store.claim_due, self._conn, self.names, self.lease_s, 20, started)
            if not batch:
                break
            for i, d in enumerate(batch):
                try:
                    await self._deliver(d)
                except asyncio.CancelledError:
                    for rest in batch[i + 1:]:
                        await self._db(store.release, self._conn, rest.id)
                    raise
                tried += 1
        metrics.deliveries_pending(await self._db(store.pending_count, self._conn))
        return tried

    async def _deliver(self, d: store.Delivery) -> None:
        send = asyncio.ensure_future(self.channels[d.channel].send(d.lead, d.key))
        try:
            await asyncio.shield(send)
        except asyncio.CancelledError:
            # Stopping: let the send in flight finish and record what the receiver said, so an
            # acknowledged lead is not sent again after the restart; past the grace, hand it back.
            done, _ = await asyncio.wait({send}, timeout=self.stop_grace_s)
            if done:
                await self._record(d, send)
            else:
                send.cancel()
                await self._db(store.release, self._conn, d.id)
            raise
        except Exception:
            pass  # recorded below from the future
        await self._record(d, send)

    async def _record(self, d: store.Delivery, send: asyncio.Future[str]) -> None:
        exc = send.exception()
        fields = {"call_id": d.lead.get("call_id"), "lead_id": d.lead.get("id"), "channel": d.channel,
                  "attempt": d.attempts + 1, "key": d.key}
        if exc is None:
            await self._db(store.mark_done, self._conn, d.id)
            metrics.delivery(d.channel, True)
            log_event(log, "leads.delivered", **fields, note=send.result() or None)
            return
        error = str(exc) if isinstance(exc, DeliveryError) else f"{type(exc).__name__}: {exc}"
        lc = self.config.leads
        attempts, next_at = await self._db(store.mark_failed, self._conn, d.id, error or type(exc).__name__,
                                           initial_s=lc.retry_initial_s, max_s=lc.retry_max_s,
                                           max_attempts=lc.max_attempts)
        metrics.delivery(d.channel, False)
        log_event(log, "leads.delivery_failed", level=logging.WARNING, **fields, error=error,
                  retry_in_s=round(next_at - time.time(), 1) if next_at else None, gave_up=next_at is None or None)
