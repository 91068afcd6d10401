"""The console's knowledge base: the ``/kb`` page and the ``/api/kb/...`` API (documents,
upload, delete, reindex, job progress, search), and the jobs behind them: uploads, deletes
and reindexing in a worker thread.  Its own route table (``routes``), mounted by
``create_app``; the jobs (``KnowledgeJobs``) are the Console's, made when it has a store.

Uploaded files live in ``<data_dir>/kb_uploads`` and are ingested as one folder (the store
keeps a folder's documents in step with its files).  Ingest embeds text, which takes
seconds, so it runs in a worker thread; the page polls the job for its progress.  Only one
job runs at a time.

An upload is atomic: the file is staged in ``kb_uploads/.incoming``, read (in the store's
parsing child, under its limits) and embedded there; only then do the new file and its
points replace the old version's, so a failed upload leaves the old version on disk and in
the index.  The tag given with an upload is that file's alone: it is kept in
``kb_uploads/.tags.json`` so a reindex keeps it too.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
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

import aiohttp
from aiohttp import web

from appliance.logs import log_event
from appliance.web.common import console, json_error, render
from appliance.web.service_view import KnowledgeStoreView

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

ALLOWED_SUFFIXES = (".md", ".txt", ".pdf", ".docx")
_SAFE = re.compile(r"[^A-Za-z0-9._ -]+")
MAX_NAME = 120
#: Files created here are the service's data, not the world's (umask aside).
FILE_MODE = 0o640


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
    if len(base) > MAX_NAME:  # shorten the name, never the extension
        base = Path(base).stem[: MAX_NAME - len(Path(base).suffix)].rstrip(" .") + Path(base).suffix
    return base


def write_private(path: Path, data: bytes) -> None:
    """Write a data file atomically (temp file + rename), readable by the service's group only."""
    tmp = path.with_name(f".{path.name}.part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


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

    def __init__(self, store: KnowledgeStoreView, uploads: Path, sources: list[Path],
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
        """The folders a reindex reads: those with files (an empty knowledge.source_dir means
        documents come from uploads only)."""
        return [p for p in [*self.sources, self.uploads] if _supported_files(p)]

    def _start(self, kind: str, work: Callable[[KbJob], None]) -> KbJob:
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

    # -- per-file tags of uploads ------------------------------------------------------

    @property
    def _tags_path(self) -> Path:
        return self.uploads / ".tags.json"

    def upload_tags(self) -> dict[str, str]:
        """The tag each uploaded file was given (name -> tag); files uploaded without one are absent."""
        try:
            tags = json.loads(self._tags_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in tags.items()} if isinstance(tags, dict) else {}

    def _set_upload_tag(self, name: str, tag: str | None) -> None:
        tags = self.upload_tags()
        if tag:
            tags[name] = tag
        else:
            tags.pop(name, None)
        write_private(self._tags_path, json.dumps(tags, indent=1, sort_keys=True).encode())

    # -- jobs ---------------------------------------------------------------------------

    def _ingest(self, job: KbJob, roots: list[Path]) -> None:
        """Ingest each root; progress counts files, advancing as each document is embedded."""
        sizes = [max(1, len(_supported_files(r))) for r in roots]
        total = sum(sizes) or 1
        done = 0
        merged: dict[str, Any] = {"added": [], "updated": [], "unchanged": [], "removed": [], "skipped": {}, "chunks": 0}
        for root, size in zip(roots, sizes):
            job.message = f"indexing {root.name}"

            def progress(f: float, done: int = done, size: int = size) -> None:
                job.progress = min(0.99, (done + f * size) / total)

            uploaded = root.resolve() == self.uploads.resolve()
            report = self.store.ingest(root, file_tags=self.upload_tags() if uploaded else None, progress=progress)
            for k in ("added", "updated", "unchanged", "removed"):
                merged[k] += list(getattr(report, k))
            merged["skipped"].update(report.skipped)
            merged["chunks"] += report.chunks
            done += size
            job.progress = min(0.99, done / total)
        self._finish_report(job, merged)

    @staticmethod
    def _finish_report(job: KbJob, merged: dict[str, Any]) -> None:
        job.report = merged
        job.message = (f"{len(merged['added'])} added, {len(merged['updated'])} updated, "
                       f"{len(merged['unchanged'])} unchanged, {len(merged['removed'])} removed, "
                       f"{len(merged['skipped'])} skipped")

    def upload(self, filename: str, data: bytes, tag: str | None = None) -> KbJob:
        """Stage, read and embed the file; only then replace the old version (file and points)."""
        from appliance.knowledge.loaders import normalise_tag

        name = safe_filename(filename)
        if not data:
            raise KbInputError(f"{name} is empty")
        tag = normalise_tag(tag) if tag else ""
        self.uploads.mkdir(parents=True, exist_ok=True)
        target = self.uploads / name

        def work(job: KbJob) -> None:
            from appliance.knowledge.loaders import DocumentError

            staging = self.uploads / ".incoming"
            staging.mkdir(exist_ok=True)
            staged = staging / name
            write_private(staged, data)
            existed = target.exists()
            try:
                try:
                    prepared = self.store.prepare_file(
                        staged, doc_path=target, root=self.uploads, tag=tag,
                        progress=lambda f: setattr(job, "progress", min(0.95, 0.05 + 0.9 * f)))
                except DocumentError as exc:
                    log_event(log, "kb.upload_refused", level=logging.WARNING, file=name, reason=str(exc))
                    raise KbInputError(f"{name} was not added: {exc}") from None
                os.replace(staged, target)  # same folder tree: atomic
            finally:
                staged.unlink(missing_ok=True)
            self._set_upload_tag(name, tag)
            self.store.commit(prepared)
            self._finish_report(job, {"added": [] if existed else [name], "updated": [name] if existed else [],
                                      "unchanged": [], "removed": [], "skipped": {},
                                      "chunks": len(prepared.points)})

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
                self._set_upload_tag(path.name, None)
            self.store.delete_document(doc_id)
            job.message = f"deleted {docs[doc_id].get('source', doc_id)}"
            if not uploaded:
                job.message += " (its file is outside the uploads folder: a reindex brings it back)"

        return self._start("delete", work)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


# -- the page and the API --------------------------------------------------------------------


def _need_kb(request: web.Request) -> KnowledgeJobs:
    """The console's knowledge-base jobs; 503 when no store is loaded in this process."""
    kb = console(request).kb
    if kb is None:
        raise web.HTTPServiceUnavailable(text="the knowledge base is not loaded in this process")
    return kb


@routes.get("/api/kb/documents")
async def api_kb_documents(request: web.Request) -> web.Response:
    c = console(request)
    kb = _need_kb(request)
    docs = await asyncio.get_running_loop().run_in_executor(None, kb.store.documents)
    rows = [{"doc_id": d.get("doc_id", ""), "source": d.get("source", ""), "root": d.get("root", ""),
             "tag": d.get("tag", ""), "chunks": d.get("chunks", 0),
             "uploaded": Path(d.get("root", "")) == c.uploads} for d in docs]
    return web.json_response({"documents": rows, "max_upload_bytes": c.max_upload_bytes,
                              "allowed": list(ALLOWED_SUFFIXES)})


@routes.post("/api/kb/upload")
async def api_kb_upload(request: web.Request) -> web.Response:
    c = console(request)
    kb = _need_kb(request)
    limit = c.max_upload_bytes
    if request.content_length is not None and request.content_length > limit + 64 * 1024:
        return json_error(413, f"the file is too large: the limit is {c.settings.web.max_upload_mb:g} MB")
    if not request.content_type.startswith("multipart/"):
        return json_error(400, "send the file as multipart/form-data (field 'file')")
    reader = await request.multipart()
    filename, data, tag = "", bytearray(), ""
    while True:
        part = await reader.next()
        if part is None:
            break
        if isinstance(part, aiohttp.BodyPartReader) and part.name == "file":
            filename = part.filename or ""
            while chunk := await part.read_chunk(64 * 1024):
                data.extend(chunk)
                if len(data) > limit:
                    return json_error(413, f"the file is too large: the limit is {c.settings.web.max_upload_mb:g} MB")
        elif isinstance(part, aiohttp.BodyPartReader) and part.name == "tag":
            tag = (await part.text()).strip()[:64]
    if not filename:
        return json_error(400, "no file was sent (field 'file')")
    try:
        job = kb.upload(filename, bytes(data), tag or None)
    except KbInputError as exc:
        return json_error(400, str(exc))
    except KbBusyError as exc:
        return json_error(409, str(exc))
    return web.json_response({"job": job.to_json()}, status=202)


@routes.post("/api/kb/delete")
async def api_kb_delete(request: web.Request) -> web.Response:
    kb = _need_kb(request)
    try:
        body = await request.json()
        doc_id = str(body["doc_id"])
    except (ValueError, KeyError, TypeError):
        return json_error(400, "send JSON {\"doc_id\": ...}")
    try:
        job = await asyncio.get_running_loop().run_in_executor(None, kb.delete, doc_id)
    except KbInputError as exc:
        return json_error(404, str(exc))
    except KbBusyError as exc:
        return json_error(409, str(exc))
    return web.json_response({"job": job.to_json()}, status=202)


@routes.post("/api/kb/reindex")
async def api_kb_reindex(request: web.Request) -> web.Response:
    kb = _need_kb(request)
    try:
        job = kb.reindex()
    except KbBusyError as exc:
        return json_error(409, str(exc))
    return web.json_response({"job": job.to_json()}, status=202)


@routes.get("/api/kb/jobs/{job_id}")
async def api_kb_job(request: web.Request) -> web.Response:
    kb = _need_kb(request)
    job = kb.jobs.get(request.match_info["job_id"])
    if job is None:
        return json_error(404, "no such job")
    return web.json_response({"job": job.to_json()})


@routes.get("/api/kb/search")
async def api_kb_search(request: web.Request) -> web.Response:
    c = console(request)
    kb = _need_kb(request)
    q = request.query.get("q", "").strip()
    if not q:
        return json_error(400, "q (the question) is required")
    if len(q) > 500:
        return json_error(400, "q is too long (500 characters at most)")
    try:
        top_k = max(1, min(int(request.query.get("top_k", c.settings.knowledge.top_k)), 20))
    except ValueError:
        return json_error(400, "top_k must be a whole number")
    passages = await asyncio.get_running_loop().run_in_executor(None, lambda: kb.store.search(q, top_k=top_k))
    min_score = c.settings.knowledge.min_score
    return web.json_response({"query": q, "min_score": min_score, "results": [
        {"text": p.text, "source": p.source, "title": p.title, "score": p.score, "tags": list(p.tags),
         "relevant": p.relevant if p.relevant is not None else p.score >= min_score} for p in passages]})


@routes.get("/kb")
async def kb_page(request: web.Request) -> web.Response:
    c = console(request)
    return render(request, "kb.html", available=c.kb is not None, max_mb=c.settings.web.max_upload_mb)
