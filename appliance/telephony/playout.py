"""Our audio on its way to the caller: the queue of 20 ms frames that a pacer sends from.

``Playout`` is what a call's output needs apart from the socket and the clock: ``play()``
queues audio behind what is queued, ``clear()`` drops it all (a barge-in: the caller stops
hearing us within a frame), ``wait_idle()`` waits until it has gone out (or was cleared, or
the line closed), ``on_frame_sent()`` tells when a given frame actually left (the session's
measured first-audio time), and ``last_talkspurt_started`` when the current stretch of
speech began (the echo gate's reference).

It sends nothing itself: a pacer takes ``next_frame(now)`` once per frame period.  The RTP
endpoint (telephony/rtp.py) is a ``Playout`` whose pacer sends each frame as a packet on a
20 ms schedule; the session harness (tests/session_harness.py) is one whose pacer records
them on a fast clock.  So the queueing the harness tests is the queueing calls use.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

import numpy as np

FRAME_MS = 20
FRAME_SAMPLES = 160  # 20 ms at 8 kHz


class Playout:
    """Queued outgoing audio, in frames, with the events a call's output needs."""

    def __init__(self) -> None:
        self._queue: deque[np.ndarray] = deque()
        #: The next frame sent starts a talkspurt (RTP marker): nothing went out just before.
        self._marker_pending = True
        self._idle = asyncio.Event()
        self._idle.set()
        #: Closed for good (the call is over): nothing more is queued or sent, and every
        #: ``wait_idle()`` returns, so no task waits on audio that will never go out.
        self.closed = False
        #: Loop time at which the first frame of the current talkspurt went out.
        self.last_talkspurt_started: float | None = None
        #: Frames ever queued / ever taken off the queue (sent or cleared), and who wants to
        #: know when a given frame leaves (see ``on_frame_sent``).
        self._queued_total = 0
        self._taken_total = 0
        self._sent_callbacks: deque[tuple[int, Callable[[float], None]]] = deque()

    def play(self, pcm: np.ndarray) -> None:
        """Queue audio (8 kHz int16) to be sent after what is already queued."""
        pcm = np.asarray(pcm, dtype=np.int16)
        if pcm.size == 0 or self.closed:
            return
        remainder = pcm.size % FRAME_SAMPLES
        if remainder:
            pcm = np.concatenate([pcm, np.zeros(FRAME_SAMPLES - remainder, dtype=np.int16)])
        self._queue.extend(pcm.reshape(-1, FRAME_SAMPLES))
        self._queued_total += len(pcm) // FRAME_SAMPLES
        self._idle.clear()

    def on_frame_sent(self, callback: Callable[[float], None]) -> None:
        """Call ``callback(loop time)`` when the next frame queued from now on is sent.

        The call session measures its first-audio time here: when the frame actually left,
        after whatever was queued before it, not when it was queued.  Dropped unsent when
        that frame is cleared (barge-in) or the playout closes.
        """
        self._sent_callbacks.append((self._queued_total, callback))

    def clear(self) -> int:
        """Drop everything queued; returns how many frames were dropped."""
        dropped = len(self._queue)
        self._queue.clear()
        self._taken_total += dropped
        while self._sent_callbacks and self._sent_callbacks[0][0] < self._taken_total:
            self._sent_callbacks.popleft()
        self._marker_pending = True
        self._idle.set()
        return dropped

    @property
    def queued_s(self) -> float:
        return len(self._queue) * FRAME_MS / 1000

    @property
    def speaking(self) -> bool:
        return bool(self._queue)

    async def wait_idle(self) -> None:
        """Until every queued frame has been sent (or cleared, or the playout closed)."""
        await self._idle.wait()

    def close_playout(self) -> None:
        """Stop for good: drop what is queued and every pending callback, wake every waiter."""
        self.closed = True
        self._queue.clear()
        self._sent_callbacks.clear()
        self._idle.set()

    def next_frame(self, now: float) -> tuple[np.ndarray, bool] | None:
        """For the pacer, once per frame period: the frame to send now and whether it starts
        a talkspurt (the RTP marker), or None with nothing queued (the next one will)."""
        if not self._queue:
            self._marker_pending = True
            return None
        frame = self._queue.popleft()
        index = self._taken_total
        self._taken_total += 1
        while self._sent_callbacks and self._sent_callbacks[0][0] <= index:
            wanted, callback = self._sent_callbacks.popleft()
            if wanted == index:
                callback(now)
        marker = self._marker_pending
        if marker:
            self.last_talkspurt_started = now
        self._marker_pending = False
        if not self._queue:
            self._idle.set()
        return frame, marker
