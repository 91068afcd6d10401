"""The C heap of the service process (glibc malloc): what it holds, and keeping it compact.

The service's memory is mostly native: llama.cpp, CTranslate2, onnxruntime and numpy
allocate through malloc from many threads.  glibc gives each thread that contends for the
heap an arena of its own (up to 8 per core), and memory freed inside an arena is kept for
reuse rather than returned to the system, so a long-running service's RSS creeps up with the
number of threads that ever allocated and with fragmentation, while what it *uses* stays
flat.  Two standard glibc calls bound that, applied once at start (``compact_heap_setup``)
and after every call (``trim``):

* ``mallopt(M_ARENA_MAX, n)``: at most ``n`` arenas (the ``MALLOC_ARENA_MAX`` environment
  variable does the same, but must be set before the process starts; an operator's own
  value wins);
* ``malloc_trim(0)``: give the free pages at the top of each arena and inside them back.

``heap_figures`` reads ``mallinfo2`` (glibc >= 2.33) for ``/metrics``: bytes in use and
bytes free but kept, so a growth of RSS can be told apart as a leak (in use grows) or as
the allocator keeping freed memory (free grows).  On a C library without these calls every
function here does nothing and says so by returning ``False`` or ``{}``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import threading

log = logging.getLogger(__name__)

#: mallopt's parameter number for the arena limit (malloc.h).
_M_ARENA_MAX = -8
#: Arenas kept at most: the event loop's thread and the model threads share a few, which
#: costs nothing measurable on 2-4 cores and keeps freed memory reusable by every thread.
DEFAULT_ARENAS = 2


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
                 "uordblks", "fordblks", "keepcost")]


def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None


_LIBC = _libc()
_trim_lock = threading.Lock()


def compact_heap_setup(arenas: int = DEFAULT_ARENAS) -> bool:
    """Limit malloc's arenas, unless ``MALLOC_ARENA_MAX`` is set; True when applied."""
    if _LIBC is None or os.environ.get("MALLOC_ARENA_MAX"):
        return False
    return bool(_LIBC.mallopt(_M_ARENA_MAX, int(arenas)))


def trim() -> bool:
    """Return the heap's free memory to the system (a few ms; call it off the event loop)."""
    if _LIBC is None:
        return False
    with _trim_lock:
        return bool(_LIBC.malloc_trim(0))


def heap_figures() -> dict[str, int]:
    """Bytes the C heap has in use (``in_use``, mmapped blocks included) and holds free
    (``free``); empty where mallinfo2 is not available."""
    if _LIBC is None or not hasattr(_LIBC, "mallinfo2"):
        return {}
    _LIBC.mallinfo2.restype = _MallInfo2
    info = _LIBC.mallinfo2()
    return {"in_use": int(info.uordblks + info.hblkhd), "free": int(info.fordblks)}
