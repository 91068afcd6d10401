"""How many calls the agent answers at once, and the order in which waiting callers get a line.

A 2-core box answers a few callers well; past that, every caller hears answers late and with
gaps (bench/README.md, "Sizing").  So the Stasis app admits at most ``call.max_calls`` at once;
a caller beyond that waits (ringing) in arrival order until a line frees, or is told the lines
are busy.  One instance per Stasis app, used on the event loop only.
"""

from __future__ import annotations

import asyncio
from collections import deque

from appliance.web import metrics


class CallAdmission:
    """At most ``limit`` calls in progress (0: no limit); the others wait first come, first served."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.active = 0
        self._waiting: deque[str] = deque()
        self._changed = asyncio.Condition()

    @property
    def waiting(self) -> int:
        """Callers waiting for a line now."""
        return len(self._waiting)

    def _free(self) -> bool:
        return not self.limit or self.active < self.limit

    def try_take(self) -> bool:
        """A line now, if one is free and nobody is waiting ahead of this caller."""
        if self._free() and not self._waiting:
            self.active += 1
            return True
        return False

    async def wait(self, call_id: str, timeout_s: float, gone: asyncio.Event) -> bool:
        """Wait in line for up to ``timeout_s``; False if the time ran out or the caller left."""
        self._waiting.append(call_id)
        metrics.calls_waiting(len(self._waiting))
        try:
            async with self._changed:
                try:
                    async with asyncio.timeout(timeout_s):
                        await self._changed.wait_for(
                            lambda: gone.is_set() or (self._waiting[0] == call_id and self._free()))
                except TimeoutError:
                    return False
                if gone.is_set():
                    return False
                self.active += 1
                return True
        finally:
            self._waiting.remove(call_id)
            metrics.calls_waiting(len(self._waiting))
            await self.changed()  # the next in line may now be first

    async def release(self) -> None:
        """A call that held a line is over."""
        self.active = max(0, self.active - 1)
        await self.changed()

    async def changed(self) -> None:
        """Something a waiting caller waits on changed (a line freed, a waiting caller left)."""
        async with self._changed:
            self._changed.notify_all()
