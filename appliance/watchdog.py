"""systemd notifications (sd_notify) and the event-loop watchdog.

The unit is ``Type=notify`` with ``WatchdogSec=``: the service says ``READY=1`` once it
serves, then ``WATCHDOG=1`` at half the watchdog interval.  The pings come from a task on
the event loop, never from a thread: a loop that hangs (a deadlock, a CPU-bound call on
the loop) stops them, and systemd kills and restarts the service (``Restart=on-failure``),
which then cleans up what the hung run left behind (see ``appliance serve``).

The same task measures how late the loop wakes it (event-loop lag, sampled every
``sample_s``) and exports it to ``/metrics``; stalls of a second or more are logged.

sd_notify itself is a datagram to the Unix socket named in ``$NOTIFY_SOCKET`` (a leading
"@" is the abstract namespace); a few lines of stdlib, no dependency.  Without
``$NOTIFY_SOCKET`` (not run by systemd) every notification is a no-op.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket

from appliance.logs import log_event
from appliance.web import metrics
from appliance.tasks import cancel_and_wait

log = logging.getLogger(__name__)

#: Loop lag at or above which a ``loop.stall`` line is logged.
STALL_LOG_S = 1.0


def notify(message: str, socket_path: str | None = None) -> bool:
    """Send one sd_notify message (e.g. "READY=1"); False when there is no socket or it failed.

    Never blocks: the datagram is sent non-blocking, and a full socket drops this one
    message (the next ping comes soon) rather than stall the loop.
    """
    path = socket_path if socket_path is not None else os.environ.get("NOTIFY_SOCKET", "")
    if not path:
        return False
    address = "\0" + path[1:] if path.startswith("@") else path
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.setblocking(False)
            sock.connect(address)
            sock.send(message.encode("utf-8"))
        return True
    except OSError as exc:
        log_event(log, "sd_notify.failed", level=logging.WARNING, message=message.split("\n")[0], error=str(exc))
        return False


def watchdog_interval_s() -> float | None:
    """Half of systemd's watchdog timeout when it is on for this process, else None."""
    usec = os.environ.get("WATCHDOG_USEC", "")
    pid = os.environ.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) <= 0:
        return None
    if pid and pid.isdigit() and int(pid) != os.getpid():
        return None  # meant for another process (e.g. our parent)
    return int(usec) / 1e6 / 2


class LoopWatchdog:
    """A task on the event loop that pings systemd's watchdog and measures loop lag."""

    def __init__(self, ping_interval_s: float | None = None, sample_s: float = 0.1,
                 socket_path: str | None = None) -> None:
        self.ping_interval_s = ping_interval_s if ping_interval_s is not None else watchdog_interval_s()
        self.sample_s = sample_s
        self.socket_path = socket_path
        self.pings = 0
        self.max_lag_s = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="loop-watchdog")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    def ready(self, status: str = "") -> bool:
        """Tell systemd start-up is done (``READY=1``), with an optional status line."""
        return notify("READY=1" + (f"\nSTATUS={status}" if status else ""), self.socket_path)

    def stopping(self) -> bool:
        return notify("STOPPING=1", self.socket_path)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_ping = loop.time()
        while True:
            if self.ping_interval_s and loop.time() >= next_ping:
                if notify("WATCHDOG=1", self.socket_path):
                    self.pings += 1
                next_ping = loop.time() + self.ping_interval_s
            expected = loop.time() + self.sample_s
            await asyncio.sleep(self.sample_s)
            lag = max(0.0, loop.time() - expected)
            metrics.observe_loop_lag(lag)
            if lag > self.max_lag_s:
                self.max_lag_s = lag
            if lag >= STALL_LOG_S:
                log_event(log, "loop.stall", level=logging.WARNING, lag_ms=round(lag * 1000))
