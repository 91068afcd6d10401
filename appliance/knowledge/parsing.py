"""Reading and chunking untrusted documents in a child process with memory, CPU and time limits.

An uploaded file is hostile until read: a 31 KB .docx can hold 20 MB of XML (1.2 GB to
parse), a 1.6 KB Markdown heading can send a regex into cubic backtracking.  Parsed in the
service, either would hold the GIL (every call's audio stalls) or grow the service until
systemd kills it with its calls.  So the service never parses: :class:`DocumentParser`
sends each file's path to a child (``python -m appliance.knowledge.parsing``) which loads
*and* chunks it and sends back only the chunks, under

- ``RLIMIT_AS`` (knowledge.parse_memory_mb): an allocation past it fails in the child;
- ``RLIMIT_CPU`` (knowledge.parse_timeout_s of CPU per document): the kernel stops it;
- a wall-clock deadline (knowledge.parse_timeout_s): the parent kills it;
- the size limits of :class:`~appliance.knowledge.loaders.ReadLimits`, checked first.

The child runs at a lower priority (nice 10), so on a small box parsing takes the CPU the
calls leave.  One child serves one ingest (started on first use, ~0.2 s); after a failure
it is replaced, so a killed parse costs only that document.  The parent waits in
``select`` (no GIL held) and keeps nothing of the file but its chunks.
"""

from __future__ import annotations

import json
import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from appliance.knowledge.chunking import Chunk
from appliance.knowledge.loaders import DEFAULT_LIMITS, DocumentError, ReadLimits
from appliance.logs import log_event

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ParseLimits:
    """The child's budget for one document (see the module docstring)."""

    timeout_s: float = 60.0
    memory_mb: int = 1024
    read: ReadLimits = field(default_factory=lambda: DEFAULT_LIMITS)


@dataclass
class ParsedDocument:
    """What the child sends back: the chunks and the document's own title and tag."""

    chunks: list[Chunk]
    title: str = ""
    tag: str = ""
    kind: str = "plain"


class DocumentParser:
    """One parsing child at a time, reused across documents; thread-safe; a context manager."""

    def __init__(self, limits: ParseLimits | None = None, *, chunk_chars: int = 800, separator: str = "<<->>") -> None:
        self.limits = limits or ParseLimits()
        self.chunk_chars = chunk_chars
        self.separator = separator
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> DocumentParser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def parse(self, path: Path) -> ParsedDocument:
        """Load and chunk one file in the child; DocumentError with the reason (or the limit hit)."""
        request = {
            "path": str(path),
            "chunk_chars": self.chunk_chars,
            "separator": self.separator,
            "cpu_s": max(1, int(self.limits.timeout_s + 0.999)),
            "max_chars": self.limits.read.max_chars,
            "max_unpacked_bytes": self.limits.read.max_unpacked_bytes,
        }
        with self._lock:
            reply = self._ask(request)
        if not reply.get("ok"):
            raise DocumentError(str(reply.get("error") or "cannot read"))
        return ParsedDocument(
            # (a chunk's kind, "row" for a table's or price list's row, tells reranking that
            # the row's name is its subject and its heading may carry its unit)
            chunks=[Chunk(text=str(c[1]), heading=str(c[0]), kind=str(c[2]) if len(c) > 2 else "text")
                    for c in reply.get("chunks", [])],
            title=str(reply.get("title", "")),
            tag=str(reply.get("tag", "")),
            kind=str(reply.get("kind", "plain")),
        )

    def close(self) -> None:
        """Stop the child (it also stops by itself when our end of its stdin closes)."""
        with self._lock:
            self._stop()

    # -- the child ---------------------------------------------------------------------

    def _start(self) -> subprocess.Popen[bytes]:
        import appliance

        env = dict(os.environ)
        # The child imports this very code, whichever checkout or install the service runs.
        pkg_root = str(Path(appliance.__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (pkg_root, env.get("PYTHONPATH", "")) if p)
        env["OMP_NUM_THREADS"] = "1"
        return subprocess.Popen(
            [sys.executable, "-m", "appliance.knowledge.parsing", str(int(self.limits.memory_mb))],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            bufsize=0, env=env, close_fds=True,
        )

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.stdin:
                proc.stdin.close()
            proc.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        for attempt in (1, 2):
            if self._proc is None or self._proc.poll() is not None:
                self._stop()
                self._proc = self._start()
            proc = self._proc
            assert proc.stdin is not None and proc.stdout is not None
            try:
                proc.stdin.write(json.dumps(request).encode() + b"\n")
                break
            except (BrokenPipeError, OSError):
                self._stop()  # an idle child that died: once more with a fresh one
                if attempt == 2:
                    raise DocumentError("the document reader could not start") from None
        deadline = time.monotonic() + self.limits.timeout_s
        cap = 16 * self.limits.read.max_chars + (1 << 20)  # the chunks as JSON, generously
        buf = bytearray()
        fd = proc.stdout.fileno()  # bufsize=0: os.read sees every byte, no Python buffer between
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0:
                self._kill()
                raise DocumentError(f"reading it took longer than {self.limits.timeout_s:g} s "
                                    "(limit: knowledge.parse_timeout_s)")
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            data = os.read(fd, 1 << 20)
            if not data:
                raise self._died()
            buf += data
            if len(buf) > cap:  # pragma: no cover - the child caps the text it sends
                self._kill()
                raise DocumentError("the document reader sent too much")
        line = bytes(buf[: buf.index(b"\n")])
        try:
            reply = json.loads(line)
        except ValueError:  # pragma: no cover
            self._kill()
            raise DocumentError("the document reader failed") from None
        if reply.get("exit"):  # the child may be unusable (after MemoryError): a fresh one next time
            self._stop()
        return reply

    def _kill(self) -> None:
        proc = self._proc
        if proc is not None:
            proc.kill()
        self._stop()

    def _died(self) -> DocumentError:
        proc = self._proc
        code = proc.wait() if proc is not None else None
        self._stop()
        log_event(log, "kb.parser_died", level=logging.WARNING, code=code)
        if code == -signal.SIGXCPU:
            return DocumentError(f"reading it took more than {self.limits.timeout_s:g} s of CPU "
                                 "(limit: knowledge.parse_timeout_s)")
        if code is not None and code < 0:
            return DocumentError(f"the document reader crashed on it (signal {-code}); it may need more memory "
                                 f"than {self.limits.memory_mb} MB (limit: knowledge.parse_memory_mb)")
        return DocumentError(f"the document reader stopped on it (exit {code})")


# -- in the child ------------------------------------------------------------------------


def _memory_error(memory_mb: int) -> str:
    return f"reading it needs more than {memory_mb} MB of memory (limit: knowledge.parse_memory_mb)"


def _handle(request: dict[str, Any]) -> dict[str, Any]:
    from appliance.knowledge.chunking import chunk_text
    from appliance.knowledge.loaders import load_document

    limits = ReadLimits(max_chars=int(request["max_chars"]), max_unpacked_bytes=int(request["max_unpacked_bytes"]))
    doc = load_document(Path(request["path"]), limits)
    chunks = chunk_text(doc.text, kind=doc.kind, chunk_chars=int(request["chunk_chars"]),
                        separator=str(request["separator"]))
    return {"ok": True, "title": doc.title, "tag": doc.tag, "kind": doc.kind,
            "chunks": [[c.heading, c.text, c.kind] for c in chunks]}


def child_main(argv: list[str]) -> int:
    """The child: limits first, then one JSON request per line on stdin, one reply per line."""
    import resource

    memory_mb = int(argv[0]) if argv else 1024
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        os.nice(10)
    except OSError:  # pragma: no cover
        pass
    out = os.fdopen(os.dup(1), "wb")
    sys.stdout = sys.stderr  # nothing a library prints can corrupt the replies
    logging.disable(logging.CRITICAL)
    _, cpu_hard = resource.getrlimit(resource.RLIMIT_CPU)
    for line in sys.stdin.buffer:
        request = json.loads(line)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        soft = int(usage.ru_utime + usage.ru_stime) + int(request["cpu_s"]) + 1
        if cpu_hard != resource.RLIM_INFINITY:
            soft = min(soft, cpu_hard)
        resource.setrlimit(resource.RLIMIT_CPU, (soft, cpu_hard))
        try:
            reply = _handle(request)
        except DocumentError as exc:
            reply = {"ok": False, "error": str(exc)}
        except MemoryError:
            reply = {"ok": False, "error": _memory_error(memory_mb), "exit": True}
        except RecursionError:
            reply = {"ok": False, "error": "the document is nested too deeply to read"}
        except Exception as exc:  # a parser's bug on odd input: this file only
            reply = {"ok": False, "error": f"cannot read: {type(exc).__name__}"}
        try:
            # A lone surrogate (from a broken PDF) becomes "?" rather than an unreadable reply.
            data = json.dumps(reply, ensure_ascii=False).encode("utf-8", "replace") + b"\n"
        except MemoryError:
            data = json.dumps({"ok": False, "error": _memory_error(memory_mb), "exit": True}).encode() + b"\n"
        out.write(data)
        out.flush()
        if reply.get("exit"):
            return 0
    return 0


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
