"""The C heap of the service process (glibc malloc): what it holds, and keeping it compact.

The service's memory is mostly native: llama.cpp, CTranslate2, onnxruntime and numpy
allocate through malloc from many threads.  glibc gives each thread that contends for the
heap an arena of its own (up to 8 per core), and memory freed inside an arena is kept for
reuse rather than returned to the system, so a long-running service's RSS creeps up with
fragmentation while what it *uses* stays flat.  glibc's ``malloc_trim(0)`` gives the whole
free pages of every arena back (``trim``, called after every call; an operator can also
bound the arenas with ``MALLOC_ARENA_MAX`` in the unit's environment).

``heap_figures`` reads ``mallinfo2`` (glibc >= 2.33) for ``/metrics``: bytes in use and
bytes free but kept, so a growth of RSS can be told apart as a leak (in use grows) or as
the allocator keeping freed memory (free grows).  On a C library without these calls every
function here does nothing and says so by returning ``False`` or ``{}``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
                 "uordblks", "fordblks", "keepcost")]


def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    if not hasattr(libc, "malloc_trim"):
        return None
    if hasattr(libc, "mallinfo2"):
        libc.mallinfo2.restype = _MallInfo2
    return libc


_LIBC = _libc()
_trim_lock = threading.Lock()


def trim() -> bool:
    """Return the heap's free memory to the system (a few ms; call it off the event loop)."""
    if _LIBC is None:
        return False
    with _trim_lock:
        return bool(_LIBC.malloc_trim(0))


def heap_figures() -> dict[str, int]:
    """Bytes the C heap has in use in its arenas (``in_use``), in blocks mapped on their own
    (``mmapped``: large allocations, resident only where touched) and holds free (``free``);
    empty where mallinfo2 is not available."""
    if _LIBC is None or not hasattr(_LIBC, "mallinfo2"):
        return {}
    info = _LIBC.mallinfo2()
    return {"in_use": int(info.uordblks), "mmapped": int(info.hblkhd), "free": int(info.fordblks)}
