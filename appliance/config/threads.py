"""Every native library's threads, sized in one place for the box.

Under the 8-call bench on 2 cores (bench/README.md, "Where the CPU goes at 8 calls") a
sampling profile of the whole machine showed ~14 % of all CPU time spent spinning in
libgomp (OpenMP workers of llama.cpp's ggml waiting for the next step) and ~4 % in
OpenBLAS's idle thread server (NumPy/SciPy), while callers waited: spinning threads take
the cores from the recogniser, the voice and the model's own next step.  Those pools are
told to sleep instead (``PROCESS_ENV``), before any of them is loaded, and each library's
thread count comes from ``ThreadPlan`` rather than its own default (all cores, each).
"""

from __future__ import annotations

import os
import threading
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

#: Set for the whole process before a native library loads (they read it once, at load).
#: An operator's own value (systemd ``Environment=``) wins: these are defaults.
PROCESS_ENV = {
    # OpenMP pools (llama.cpp's ggml, CTranslate2, torch) sleep between jobs instead of
    # spinning for ~0.3 s each time; the wake-up costs microseconds against ~25-60 ms steps.
    "OMP_WAIT_POLICY": "PASSIVE",
    # NumPy/SciPy's BLAS: our matrices are small; its pool of threads only spun.
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


def apply_process_env(environ: MutableMapping[str, str] = os.environ) -> None:
    """Put ``PROCESS_ENV`` into ``environ`` where it is not set already."""
    for key, value in PROCESS_ENV.items():
        environ.setdefault(key, value)


#: Nice value of every thread but the event loop's (model work, recognisers, record writing).
#: The loop paces every caller's RTP every 20 ms and needs little CPU, but needs it on time:
#: with the model, the recognisers and the voice runnable on both cores at 8 calls, frames
#: went out late.  Threads a library starts later (OpenMP, onnxruntime and CTranslate2 pools)
#: inherit the value from the thread that creates them.
WORKER_NICE = 5


def lower_thread_priority(nice: int = WORKER_NICE) -> None:
    """Make the calling thread (and the threads it starts from now on) yield to the event loop."""
    try:
        tid = threading.get_native_id()
        if os.getpriority(os.PRIO_PROCESS, tid) < nice:
            os.setpriority(os.PRIO_PROCESS, tid, nice)  # Linux: per thread
    except (AttributeError, OSError):  # pragma: no cover - not Linux, or not allowed
        pass


def box_cores() -> int:
    """The cores this process may run on (its CPU affinity, e.g. a systemd ``CPUAffinity=``)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class ThreadPlan:
    """How many threads each model library gets on this box."""

    cores: int
    #: llama.cpp's decode threads (one engine for every caller's answer): all the cores.
    #: Measured at 8 calls: 1 thread gave p50 3.5 s and 171 underruns, 2 threads 1.8 s and 8.
    llm: int
    #: CTranslate2 threads per Whisper transcription (``asr.threads``).
    asr: int
    #: Whisper transcriptions that run at once: one per core, so callers who stop speaking at
    #: the same moment are not transcribed one after another on a single worker.
    asr_workers: int

    @classmethod
    def for_box(cls, settings: Any, cores: int | None = None) -> ThreadPlan:
        """The plan from the config (0: automatic) and the box's cores."""
        n = cores or box_cores()
        llm = settings.llm.threads or n
        asr = settings.asr.threads or 1
        workers = settings.asr.workers or max(1, n // asr)
        return cls(cores=n, llm=llm, asr=asr, asr_workers=workers)

    def fields(self) -> dict[str, int]:
        """For the start-up log line."""
        return {"cores": self.cores, "llm": self.llm, "asr": self.asr, "asr_workers": self.asr_workers}
