"""The Python interpreter of the service, set up so the event loop paces RTP on time.

One event loop sends every caller's audio, a frame each 20 ms per call, while a dozen other
threads run Python too (each call's listener: Silero's windows and the upsampler; the model
workers: retrieval, the answer checks, Piper's phonemes).  Two interpreter defaults made
the loop late, for every call at once (bench/README.md, "Late frames at 8 calls"):

* **The GIL switch interval** (CPython: 5 ms).  The loop gives the GIL up at each
  ``sendto``/``recvfrom`` and ``epoll``, and under contention waits for it again: a thread
  running Python keeps it for up to the interval, and the waiting thread that gets it next is
  the OS's choice, so the loop could wait several intervals in a row (the "convoy effect").
  Under the 8-call bench the pacers went 22-48 ms late together a few times a minute: 22-42
  late frames per run; with a 1 ms interval 0-7 in ten runs of twelve (15 and 34 in the
  others).  Threads that compute in native code
  (llama.cpp, CTranslate2, onnxruntime) release the GIL and are not slowed by it.
* **The cyclic garbage collector's full collections**.  After the models and the knowledge
  base are loaded the process tracks ~540,000 objects; a full (generation 2)
  collection walks all of them with the GIL held: 250-300 ms measured, 13-15 frames of
  silence for every caller when it falls inside calls.  What is loaded at start-up lives as
  long as the process, so it is moved out of the collector's reach (``gc.freeze``, the
  standard library's remedy for long-lived heaps); collections then walk only what calls
  create.  Objects freed later by reference counting (a re-ingested knowledge base's old
  passages) are still freed: only garbage in reference cycles among the frozen objects stays.

Full collections that still take long are logged (``event=gc.pause``), so a late frame on a
production box can be told apart from a slow model.
"""

from __future__ import annotations

import gc
import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from appliance.logs import log_event

log = logging.getLogger(__name__)

#: The GIL switch interval while serving calls (seconds): a fifth of CPython's default.
SWITCH_INTERVAL_S = 0.001

#: A collection at least this long is logged: past two frames, callers can hear it.
GC_PAUSE_LOG_MS = 40.0


class GcPauseLog:
    """A ``gc.callbacks`` entry that times each collection and logs the long ones once the
    service serves (its start-up heap is frozen)."""

    def __init__(self, threshold_ms: float = GC_PAUSE_LOG_MS) -> None:
        self.threshold_ms = threshold_ms
        self._started: float | None = None
        #: The longest collection seen (ms) and how many were logged.
        self.longest_ms = 0.0
        self.logged = 0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        if self._started is None:
            return
        took_ms = (time.perf_counter() - self._started) * 1000
        self._started = None
        self.longest_ms = max(self.longest_ms, took_ms)
        # Before the freeze the process is loading (no calls yet): its collections are expected.
        if took_ms >= self.threshold_ms and gc.get_freeze_count():
            self.logged += 1
            log_event(log, "gc.pause", level=logging.WARNING, generation=info.get("generation"),
                      took_ms=round(took_ms, 1), collected=info.get("collected"))


def freeze_start_up_heap() -> int:
    """Collect once, then move every object alive now out of the collector's reach; the
    number of objects frozen (logged as ``event=gc.frozen``)."""
    t0 = time.perf_counter()
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log_event(log, "gc.frozen", objects=frozen, took_ms=round((time.perf_counter() - t0) * 1000, 1))
    return frozen


@contextmanager
def tuned_for_calls(switch_interval_s: float = SWITCH_INTERVAL_S) -> Iterator[GcPauseLog]:
    """The interpreter as the service runs calls: the short switch interval and the
    collection timer, both put back on exit (``serve()`` also runs inside tests), with
    anything frozen by ``freeze_start_up_heap`` handed back to the collector."""
    previous = sys.getswitchinterval()
    pauses = GcPauseLog()
    sys.setswitchinterval(switch_interval_s)
    gc.callbacks.append(pauses)
    try:
        yield pauses
    finally:
        gc.callbacks.remove(pauses)
        sys.setswitchinterval(previous)
        gc.unfreeze()
