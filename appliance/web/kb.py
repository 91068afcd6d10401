"""Knowledge-base jobs for the console: uploads, deletes and reindexing in a worker thread.

Uploaded files live in ``<data_dir>/kb_uploads`` and are ingested as one folder (the store
keeps a folder's documents in step with its files).  Ingest embeds text, which takes
seconds, so it runs in a worker thread; the page polls the job for its progress.  Only one
job runs at a time.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

log = logging.getLogger(__name__)

ALLOWED_SUFFIXES = (".md", ".txt", ".pdf", ".docx")
_SAFE = re.compile(r"[^A-Za-z0-9._ -]+")


class KbInputError(ValueError):
    """Bad input from the user; the message is shown as it is."""


class KbBusyError(RuntimeError):
    """Another knowledge-base job is running."""


def safe_filename(name: str) -> str:
    """A plain file name (no folders, no hidden files) with an allowed extension."""
    base = Path(unquote(name or "").replace("\\", "/")).name.strip()
    base = _SAFE.sub("_", base).strip(" .")
    if not base:
        raise KbInputError("the file has no usable name")
    suffix = Path(base).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise KbInputError(f"{base}: unsupported file type {suffix or '(no extension)'}; "
                           f"upload {', '.join(ALLOWED_SUFFIXES)}")
    return base[:120]


@dataclass
class KbJob:
    id: str
    kind: str  # upload | reindex | delete
    state: str = "running"  # running | done | failed
    progress: float = 0.0
    message: str = ""
    started_at: float = field(default_factory=time.time)
    finished_at: float | None = None
    report: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _supported_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return [p for p in sorted(folder.rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)]


class KnowledgeJobs:
    """Runs ingest/delete on the shared store, one at a time, with pollable progress."""

    def __init__(self, store: Any, uploads: Path, sources: list[Path],
                 on_changed: Callable[[], None] | None = None) -> None:
        self.store = store
        #: Called (in the job's thread) after a job changed the store: the agent re-primes.
        self.on_changed = on_changed
        self.uploads = uploads
        self.sources = sources
        self.jobs: dict[str, KbJob] = {}
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kb-job")
        self._busy = threading.Lock()

    def roots(self) -> list[Path]:
        roots = [p for p in self.sources if p.is_dir()]
        if _supported_files(self.uploads):
            roots.append(self.uploads)
        return roots

    def _start(self, kind: str, work: Any) -> KbJob:
        if not self._busy.acquire(blocking=False):
            raise KbBusyError("another knowledge-base job is running; wait for it to finish")
        job = KbJob(uuid.uuid4().hex[:12], kind)
        self.jobs[job.id] = job
        if len(self.jobs) > 50:
            for old in sorted(self.jobs.values(), key=lambda j: j.started_at)[:-50]:
                self.jobs.pop(old.id, None)

        def run() -> None:
            try:
                work(job)
                job.state, job.progress = "done", 1.0
            except Exception as exc:  # the message is what the page shows
                job.state, job.message = "failed", str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            finally:
                job.finished_at = time.time()
                self._busy.release()
            if self.on_changed is not None:
                try:
                    self.on_changed()
                except Exception:  # noqa: BLE001 - the store changed; answers are only slower
                    log.exception("event=kb.on_changed_failed job=%s", job.id)

        self._pool.submit(run)
        return job

    def _ingest(self, job: KbJob, roots: list[Path], tag: str | None = None) -> None:
        """Ingest each root; progress counts files, advancing as each document is stored."""
        total = sum(len(_supported_files(r)) for r in roots) or 1
        done = 0
        store = self.store
        original = getattr(store, "_store_doc", None)
        counter = {"n": 0}

        def counting(*a: Any, **kw: Any) -> Any:
            result = original(*a, **kw)  # type: ignore[misc]
            counter["n"] += 1
            job.progress = min(0.99, (done + counter["n"]) / total)
            return result

        merged: dict[str, Any] = {"added": [], "updated": [], "unchanged": [], "removed": [], "skipped": {}, "chunks": 0}
        for root in roots:
            counter["n"] = 0
            job.message = f"indexing {root.name}"
            if original is not None:
                store._store_doc = counting
            try:
                report = store.ingest(root, tag=tag) if tag else store.ingest(root)
            finally:
                if original is not None:
                    del store._store_doc  # back to the class method
            for k in ("added", "updated", "unchanged", "removed"):
                merged[k] += list(getattr(report, k))
            merged["skipped"].update(report.skipped)
            merged["chunks"] += report.chunks
            done += len(_supported_files(root))
            job.progress = min(0.99, done / total)
        job.report = merged
        job.message = (f"{len(merged['added'])} added, {len(merged['updated'])} updated, "
                       f"{len(merged['unchanged'])} unchanged, {len(merged['removed'])} removed, "
                       f"{len(merged['skipped'])} skipped")

    def upload(self, filename: str, data: bytes, tag: str | None = None) -> KbJob:
        name = safe_filename(filename)
        if not data:
            raise KbInputError(f"{name} is empty")
        self.uploads.mkdir(parents=True, exist_ok=True)
        target = self.uploads / name

        def work(job: KbJob) -> None:
            tmp = target.with_name(f".{name}.part")
            tmp.write_bytes(data)
            tmp.replace(target)
            try:
                self._ingest(job, [self.uploads], tag)
            except Exception:
                target.unlink(missing_ok=True)  # a file that cannot be ingested is not kept
                raise
            if name in job.report.get("skipped", {}):
                reason = job.report["skipped"][name]
                target.unlink(missing_ok=True)
                raise KbInputError(f"{name} was not added: {reason}")

        return self._start("upload", work)

    def reindex(self) -> KbJob:
        return self._start("reindex", lambda job: self._ingest(job, self.roots()))

    def delete(self, doc_id: str) -> KbJob:
        docs = {d.get("doc_id"): d for d in self.store.documents()}
        if doc_id not in docs:
            raise KbInputError("no such document")

        def work(job: KbJob) -> None:
            path = Path(doc_id)
            uploaded = path.parent == self.uploads.resolve() or path.parent == self.uploads
            if uploaded:
                path.unlink(missing_ok=True)
            with self.store._lock:
                self.store._delete_doc(doc_id)
            job.message = f"deleted {docs[doc_id].get('source', doc_id)}"
            if not uploaded:
                job.message += " (its file is outside the uploads folder: a reindex brings it back)"

        return self._start("delete", work)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
