"""The admin console: an aiohttp app served by ``appliance serve`` in the same process and loop.

Being in-process is what lets it list live calls (the Stasis app's ``calls``) and use the
one embedded Qdrant store (it allows one client per folder).  Every page and API needs a
signed-in session except ``/healthz`` and ``/metrics`` (the latter only while
``web.metrics_public``; otherwise a session or ``Authorization: Bearer <web.metrics_token>``).
See docs/admin-api.md; the API's OpenAPI description is at ``/api/openapi.json``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import jinja2
from aiohttp import web

from appliance.config.settings import Settings
from appliance.logs import log_event
from appliance.web import metrics
from appliance.web.auth import LoginLimiter, SessionStore, safe_next_path, same_token, verify_password
from appliance.web.kb import KbBusyError, KbInputError, KnowledgeJobs
from appliance.web.openapi import openapi_spec
from appliance.web.queries import QueryError, in_progress, search_calls, stats

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "appliance_session"
LOGIN_CSRF_COOKIE = "appliance_login_csrf"
#: Set at a successful sign-in: that browser's attempts are limited on their own, so guesses
#: from elsewhere cannot lock it out (appliance/web/auth.py, the lockout policy).
DEVICE_COOKIE = "appliance_device"
DEVICE_COOKIE_MAX_AGE = 90 * 24 * 3600
#: The console has one account (the administrator); the limiter is keyed by it all the same.
ADMIN_ACCOUNT = "admin"
PUBLIC_PATHS = {"/healthz", "/login", "/favicon.ico"}
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
MAX_PROMPTS_BYTES = 256 * 1024

class Console:
    """What the handlers share: settings, the live service's parts, sessions."""

    def __init__(self, settings: Settings, *, engines: Any = None, stasis: Any = None, store: Any = None,
                 records_path: Path | None = None, lead_worker: Any = None) -> None:
        self.settings = settings
        #: The service's DeliveryWorker (appliance/leads/worker.py), woken by "retry now".
        self.lead_worker = lead_worker
        self.engines = engines
        self.stasis = stasis
        self.store = store if store is not None else getattr(engines, "store", None)
        self.records_path = records_path or settings.data_path / "calls.sqlite3"
        self.sessions = SessionStore()
        self.limiter = LoginLimiter()
        self.uploads = (settings.data_path / "kb_uploads").resolve()
        self.kb = KnowledgeJobs(self.store, self.uploads, [settings.resolve(settings.knowledge.source_dir)],
                                on_changed=getattr(engines, "knowledge_changed", None)) \
            if self.store is not None else None
        self.templates = jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")),
                                            autoescape=jinja2.select_autoescape(["html"]))
        self.templates.filters["when"] = _when
        self.templates.filters["ms"] = lambda v: f"{v:.0f}" if isinstance(v, (int, float)) else ("" if v is None else str(v))

    @property
    def max_upload_bytes(self) -> int:
        return int(self.settings.web.max_upload_mb * 1024 * 1024)

    def prompts_path(self) -> Path:
        a = self.settings.agent
        return self.settings.resolve(a.prompts_file) if a.prompts_file else self.settings.data_path / "prompts.toml"


CONSOLE = web.AppKey("console", Console)
SESSION = web.RequestKey("session", object)
LOGIN_CSRF = web.RequestKey("login_csrf", str)


def _when(ts: float | None) -> str:
    if not ts:
        return ""
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _console(request: web.Request) -> Console:
    return request.app[CONSOLE]


def _json_error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _is_api(request: web.Request) -> bool:
    return request.path.startswith("/api/")


def _secure(request: web.Request) -> bool:
    return request.secure or request.headers.get("X-Forwarded-Proto", "").lower() == "https"


def render(request: web.Request, template: str, status: int = 200, **ctx: Any) -> web.Response:
    c = _console(request)
    session = request.get(SESSION)
    html = c.templates.get_template(template).render(
        request=request, csrf=session.csrf if session else request.get(LOGIN_CSRF, ""), signed_in=bool(session),
        page=template.removesuffix(".html"), **ctx)
    return web.Response(text=html, content_type="text/html", status=status)


# -- middlewares -----------------------------------------------------------------------------


@web.middleware
async def security_headers(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        resp = await handler(request)
    except web.HTTPException as exc:
        if _is_api(request) and exc.status >= 400:
            resp = _json_error(exc.status, exc.reason if not exc.text or exc.text.startswith(str(exc.status)) else exc.text)
        else:
            raise
    except Exception:
        log.exception("web handler failed: %s %s", request.method, request.path)
        metrics.error("web")
        if _is_api(request):
            resp = _json_error(500, "internal error (see the service log)")
        else:
            resp = web.Response(text="Internal error (see the service log).", status=500)
    resp.headers.setdefault("Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; "
                            "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'")
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("X-Frame-Options", "DENY")
    resp.headers.setdefault("Referrer-Policy", "same-origin")
    if request.path not in ("/healthz", "/metrics") and not request.path.startswith("/static/"):
        resp.headers.setdefault("Cache-Control", "no-store")
    return resp


@web.middleware
async def auth(request: web.Request, handler: Any) -> web.StreamResponse:
    c = _console(request)
    session = c.sessions.get(request.cookies.get(SESSION_COOKIE))
    request[SESSION] = session
    path = request.path
    if path in PUBLIC_PATHS or path.startswith("/static/"):
        return await handler(request)
    if path == "/metrics":
        bearer = request.headers.get("Authorization", "")
        token = c.settings.web.metrics_token
        if c.settings.web.metrics_public or session or (token and same_token(bearer, f"Bearer {token}")):
            return await handler(request)
        return web.Response(status=401, text="metrics need sign-in or a bearer token (web.metrics_token)\n")
    if session is None:
        if _is_api(request) or request.method != "GET":
            return _json_error(401, "sign in required")
        raise web.HTTPFound(f"/login?next={quote(request.path_qs, safe='/?=&')}")
    if request.method in UNSAFE_METHODS:
        sent = request.headers.get("X-CSRF-Token")
        if not sent and request.content_type == "application/x-www-form-urlencoded":
            sent = (await request.post()).get("csrf_token")  # type: ignore[assignment]
        if not same_token(sent, session.csrf):
            if _is_api(request) or request.content_type != "application/x-www-form-urlencoded":
                return _json_error(403, "missing or wrong CSRF token; reload the page and try again")
            return web.Response(status=403, text="Missing or wrong CSRF token: reload the page and try again.")
    return await handler(request)


# -- sign-in ---------------------------------------------------------------------------------


def _safe_next(target: str | None) -> str:
    return safe_next_path(target)


async def login_page(request: web.Request) -> web.Response:
    if request.get(SESSION):
        raise web.HTTPFound(_safe_next(request.query.get("next")))
    return _login_response(request, _login_token(request))


def _login_token(request: web.Request) -> str:
    """The pre-session form token (double-submit cookie); kept while valid so two tabs agree."""
    import secrets

    token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    return token if 30 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum() \
        else secrets.token_urlsafe(24)


def _login_response(request: web.Request, token: str, error: str = "", status: int = 200) -> web.Response:
    c = _console(request)
    request[LOGIN_CSRF] = token
    resp = render(request, "login.html", status=status, error=error, next=_safe_next(request.query.get("next")),
                  no_password=not c.settings.web.password_hash)
    resp.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="Strict", secure=_secure(request), path="/login")
    return resp


async def login_submit(request: web.Request) -> web.Response:
    c = _console(request)
    ip = request.remote or "?"
    form = await request.post()
    fresh = _login_token(request)
    if not same_token(form.get("csrf_token"), request.cookies.get(LOGIN_CSRF_COOKIE)):  # type: ignore[arg-type]
        return _login_response(request, fresh, "The sign-in form expired or was not sent by this page; try again.", 403)
    stored = c.settings.web.password_hash
    if not stored:
        return _login_response(request, fresh, "No admin password is set: run `appliance web passwd` and put the "
                               "hash in web.password_hash.", 403)
    # Counted before the check, with no await in between (see LoginLimiter.begin).
    attempt = c.limiter.begin(ADMIN_ACCOUNT, ip, request.cookies.get(DEVICE_COOKIE))
    if attempt.retry_after:
        wait = attempt.retry_after
        log_event(log, "web.login_throttled", level=logging.WARNING, ip=ip, retry_after_s=wait)
        resp = _login_response(request, fresh, f"Too many failed sign-ins from your address. Try again in {wait} s.", 429)
        resp.headers["Retry-After"] = str(wait)
        return resp
    password = str(form.get("password", ""))
    ok = await asyncio.get_running_loop().run_in_executor(None, verify_password, password, stored)
    if not ok:
        attempt.failed()
        log_event(log, "web.login_failed", level=logging.WARNING, ip=ip)
        return _login_response(request, fresh, "Wrong password.", 401)
    device = attempt.succeeded(ip)
    session = c.sessions.create()
    log_event(log, "web.login", ip=ip)
    resp = web.HTTPFound(_safe_next(str(form.get("next", "")) or request.query.get("next")))
    resp.set_cookie(SESSION_COOKIE, session.token, httponly=True, samesite="Strict", secure=_secure(request), path="/")
    resp.set_cookie(DEVICE_COOKIE, device, httponly=True, samesite="Strict", secure=_secure(request), path="/login",
                    max_age=DEVICE_COOKIE_MAX_AGE)
    resp.del_cookie(LOGIN_CSRF_COOKIE, path="/login")
    raise resp


async def logout(request: web.Request) -> web.Response:
    c = _console(request)
    c.sessions.drop(request.cookies.get(SESSION_COOKIE))
    resp = web.HTTPFound("/login")
    resp.del_cookie(SESSION_COOKIE, path="/")
    raise resp


# -- health and metrics (public) -------------------------------------------------------------


async def favicon(request: web.Request) -> web.Response:
    return web.Response(status=204)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def metrics_endpoint(request: web.Request) -> web.Response:
    body, ctype = metrics.render()
    resp = web.Response(body=body)
    resp.headers["Content-Type"] = ctype
    return resp


# -- calls -----------------------------------------------------------------------------------


def _live_calls(c: Console) -> list[dict[str, Any]]:
    records = in_progress(c.records_path) if c.records_path.exists() else {}
    now = time.time()
    out = []
    if c.stasis is not None:
        for call_id, leg in list(c.stasis.calls.items()):
            rec = records.get(call_id, {})
            started = rec.get("started_at")
            out.append({"call_id": call_id, "caller": getattr(leg.caller, "caller_number", "") or rec.get("caller", ""),
                        "caller_name": getattr(leg.caller, "caller_name", ""), "started_at": started,
                        "duration_s": round(now - started, 1) if started else None, "turns": rec.get("turns", 0),
                        "ending": leg.ended.is_set()})
    else:
        for call_id, rec in records.items():
            out.append({"call_id": call_id, "caller": rec.get("caller", ""), "caller_name": "",
                        "started_at": rec["started_at"], "duration_s": round(now - rec["started_at"], 1),
                        "turns": rec.get("turns", 0), "ending": False})
    out.sort(key=lambda x: x.get("started_at") or 0, reverse=True)
    return out


async def api_live(request: web.Request) -> web.Response:
    c = _console(request)
    calls = await asyncio.get_running_loop().run_in_executor(None, _live_calls, c)
    return web.json_response({"calls": calls, "source": "service" if c.stasis is not None else "records"})


def _filters(request: web.Request) -> dict[str, Any]:
    q = request.query
    try:
        limit, offset = int(q.get("limit", 50)), int(q.get("offset", 0))
    except ValueError:
        raise QueryError("limit and offset must be whole numbers") from None
    return {"q": q.get("q", "").strip(), "outcome": q.get("outcome", "").strip(), "caller": q.get("caller", "").strip(),
            "date_from": q.get("date_from", "").strip(), "date_to": q.get("date_to", "").strip(),
            "limit": limit, "offset": offset}


async def api_calls(request: web.Request) -> web.Response:
    c = _console(request)
    try:
        f = _filters(request)
        result = await asyncio.get_running_loop().run_in_executor(None, lambda: search_calls(c.records_path, **f))
    except QueryError as exc:
        return _json_error(400, str(exc))
    return web.json_response(result)


def _read_call(c: Console, call_id: str) -> dict[str, Any] | None:
    from appliance.call.records import read_call

    call = read_call(c.records_path, call_id)
    if call is None:
        return None
    call["duration_s"] = round(call["ended_at"] - call["started_at"], 1) if call.get("ended_at") else None
    call["recordings"] = {side: f"/calls/{quote(call_id)}/recording/{side}"
                          for side in ("caller", "agent") if call.get(f"recording_{side}")}
    stages: list[str] = []
    for t in call["turns"]:
        for k in t["timings"]:
            if k.endswith("_ms") and k[:-3] not in stages:
                stages.append(k[:-3])
    order = {s: i for i, s in enumerate(metrics.STAGES)}
    call["stages"] = sorted(stages, key=lambda s: order.get(s, 99))
    return call


async def api_call(request: web.Request) -> web.Response:
    c = _console(request)
    call = await asyncio.get_running_loop().run_in_executor(None, _read_call, c, request.match_info["call_id"])
    if call is None:
        return _json_error(404, "no such call")
    return web.json_response(call)


async def recording(request: web.Request) -> web.StreamResponse:
    c = _console(request)
    side = request.match_info["side"]
    if side not in ("caller", "agent"):
        raise web.HTTPNotFound(text="side must be caller or agent")
    call = await asyncio.get_running_loop().run_in_executor(None, _read_call, c, request.match_info["call_id"])
    if call is None or not call.get(f"recording_{side}"):
        raise web.HTTPNotFound(text="no recording for this call")
    path = Path(call[f"recording_{side}"])
    if not path.is_absolute():
        path = c.settings.data_path / path
    path = path.resolve()
    allowed = (c.settings.data_path / "recordings").resolve()
    if allowed not in path.parents or not path.is_file():
        raise web.HTTPNotFound(text="recording file is missing")
    return web.FileResponse(path, headers={"Content-Type": "audio/wav"})


async def api_stats(request: web.Request) -> web.Response:
    c = _console(request)
    try:
        hours = int(request.query.get("hours", 24))
    except ValueError:
        return _json_error(400, "hours must be a whole number")
    data = await asyncio.get_running_loop().run_in_executor(None, stats, c.records_path, hours)
    return web.json_response(data)


async def dashboard_page(request: web.Request) -> web.Response:
    return render(request, "dashboard.html")


async def calls_page(request: web.Request) -> web.Response:
    c = _console(request)
    error = ""
    try:
        f = _filters(request)
        result = await asyncio.get_running_loop().run_in_executor(None, lambda: search_calls(c.records_path, **f))
    except QueryError as exc:
        f, result, error = {k: request.query.get(k, "") for k in ("q", "outcome", "caller", "date_from", "date_to")}, \
            {"total": 0, "calls": [], "limit": 50, "offset": 0}, str(exc)
    return render(request, "calls.html", status=400 if error else 200, f=f, result=result, error=error,
                  outcomes=["answered", "transferred", "abandoned", "error", "in_progress"])


async def call_page(request: web.Request) -> web.Response:
    c = _console(request)
    call = await asyncio.get_running_loop().run_in_executor(None, _read_call, c, request.match_info["call_id"])
    if call is None:
        return render(request, "error.html", status=404, message="No such call.")
    return render(request, "call.html", call=call)


# -- knowledge base --------------------------------------------------------------------------


def _need_kb(c: Console) -> None:
    if c.kb is None:
        raise web.HTTPServiceUnavailable(text="the knowledge base is not loaded in this process")


async def api_kb_documents(request: web.Request) -> web.Response:
    c = _console(request)
    _need_kb(c)
    docs = await asyncio.get_running_loop().run_in_executor(None, c.store.documents)
    rows = [{"doc_id": d.get("doc_id", ""), "source": d.get("source", ""), "root": d.get("root", ""),
             "tag": d.get("tag", ""), "chunks": d.get("chunks", 0),
             "uploaded": Path(d.get("root", "")) == c.uploads} for d in docs]
    return web.json_response({"documents": rows, "max_upload_bytes": c.max_upload_bytes,
                              "allowed": [".md", ".txt", ".pdf", ".docx"]})


async def api_kb_upload(request: web.Request) -> web.Response:
    c = _console(request)
    _need_kb(c)
    limit = c.max_upload_bytes
    if request.content_length is not None and request.content_length > limit + 64 * 1024:
        return _json_error(413, f"the file is too large: the limit is {c.settings.web.max_upload_mb:g} MB")
    if not request.content_type.startswith("multipart/"):
        return _json_error(400, "send the file as multipart/form-data (field 'file')")
    reader = await request.multipart()
    filename, data, tag = "", bytearray(), ""
    while True:
        part = await reader.next()
        if part is None:
            break
        if part.name == "file" and isinstance(part, aiohttp.BodyPartReader):
            filename = part.filename or ""
            while chunk := await part.read_chunk(64 * 1024):
                data.extend(chunk)
                if len(data) > limit:
                    return _json_error(413, f"the file is too large: the limit is {c.settings.web.max_upload_mb:g} MB")
        elif part.name == "tag" and isinstance(part, aiohttp.BodyPartReader):
            tag = (await part.text()).strip()[:64]
    if not filename:
        return _json_error(400, "no file was sent (field 'file')")
    try:
        job = c.kb.upload(filename, bytes(data), tag or None)  # type: ignore[union-attr]
    except KbInputError as exc:
        return _json_error(400, str(exc))
    except KbBusyError as exc:
        return _json_error(409, str(exc))
    return web.json_response({"job": job.to_json()}, status=202)


async def api_kb_delete(request: web.Request) -> web.Response:
    c = _console(request)
    _need_kb(c)
    try:
        body = await request.json()
        doc_id = str(body["doc_id"])
    except (ValueError, KeyError, TypeError):
        return _json_error(400, "send JSON {\"doc_id\": ...}")
    try:
        job = await asyncio.get_running_loop().run_in_executor(None, c.kb.delete, doc_id)  # type: ignore[union-attr]
    except KbInputError as exc:
        return _json_error(404, str(exc))
    except KbBusyError as exc:
        return _json_error(409, str(exc))
    return web.json_response({"job": job.to_json()}, status=202)


async def api_kb_reindex(request: web.Request) -> web.Response:
    c = _console(request)
    _need_kb(c)
    try:
        job = c.kb.reindex()  # type: ignore[union-attr]
    except KbBusyError as exc:
        return _json_error(409, str(exc))
    return web.json_response({"job": job.to_json()}, status=202)


async def api_kb_job(request: web.Request) -> web.Response:
    c = _console(request)
    _need_kb(c)
    job = c.kb.jobs.get(request.match_info["job_id"])  # type: ignore[union-attr]
    if job is None:
        return _json_error(404, "no such job")
    return web.json_response({"job": job.to_json()})


async def api_kb_search(request: web.Request) -> web.Response:
    c = _console(request)
    _need_kb(c)
    q = request.query.get("q", "").strip()
    if not q:
        return _json_error(400, "q (the question) is required")
    if len(q) > 500:
        return _json_error(400, "q is too long (500 characters at most)")
    try:
        top_k = max(1, min(int(request.query.get("top_k", c.settings.knowledge.top_k)), 20))
    except ValueError:
        return _json_error(400, "top_k must be a whole number")
    passages = await asyncio.get_running_loop().run_in_executor(None, lambda: c.store.search(q, top_k=top_k))
    min_score = c.settings.knowledge.min_score
    return web.json_response({"query": q, "min_score": min_score, "results": [
        {"text": p.text, "source": p.source, "title": p.title, "score": p.score, "tags": list(p.tags),
         "relevant": p.relevant if p.relevant is not None else p.score >= min_score} for p in passages]})


async def kb_page(request: web.Request) -> web.Response:
    c = _console(request)
    return render(request, "kb.html", available=c.kb is not None, max_mb=c.settings.web.max_upload_mb)


# -- prompts ---------------------------------------------------------------------------------


def _read_prompts(c: Console) -> str:
    from appliance.agent.prompts import PACKAGED_PROMPTS

    p = c.prompts_path()
    return (p if p.is_file() else PACKAGED_PROMPTS).read_text(encoding="utf-8")


def _save_prompts(c: Console, text: str) -> dict[str, Any]:
    """Validate, write atomically, and apply to new calls; raises ValueError with the reason."""
    from appliance.agent.prompts import load_prompts
    from appliance.config.errors import ConfigError

    if len(text.encode("utf-8")) > MAX_PROMPTS_BYTES:
        raise ValueError(f"the prompts file is too large ({MAX_PROMPTS_BYTES // 1024} KB at most)")
    target = c.prompts_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    try:
        load_prompts(tmp)
    except ConfigError as exc:
        tmp.unlink(missing_ok=True)
        raise ValueError(str(exc).replace(str(tmp), "the prompts file")) from None
    os.replace(tmp, target)
    applied = _apply_prompts(c, target)
    log_event(log, "web.prompts_saved", path=str(target), applied=applied)
    return {"ok": True, "path": str(target), "applied": applied,
            "message": "Saved. New calls use these prompts." if applied else
            "Saved. The service is not running in this process: the prompts apply when it starts."}


def _apply_prompts(c: Console, path: Path) -> bool:
    reload = getattr(c.engines, "reload_prompts", None)
    if reload is None:
        return False
    reload(path)
    return True


async def api_prompts_get(request: web.Request) -> web.Response:
    c = _console(request)
    text = await asyncio.get_running_loop().run_in_executor(None, _read_prompts, c)
    return web.json_response({"path": str(c.prompts_path()), "text": text})


async def api_prompts_put(request: web.Request) -> web.Response:
    c = _console(request)
    try:
        body = await request.json()
        text = body["text"]
        if not isinstance(text, str):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        return _json_error(400, "send JSON {\"text\": \"<the prompts file>\"}")
    try:
        result = await asyncio.get_running_loop().run_in_executor(None, _save_prompts, c, text)
    except ValueError as exc:
        return _json_error(400, str(exc))
    return web.json_response(result)


async def prompts_page(request: web.Request) -> web.Response:
    c = _console(request)
    text = await asyncio.get_running_loop().run_in_executor(None, _read_prompts, c)
    return render(request, "prompts.html", text=text, path=str(c.prompts_path()), error="", message="")


async def prompts_submit(request: web.Request) -> web.Response:
    c = _console(request)
    form = await request.post()
    text = str(form.get("text", "")).replace("\r\n", "\n")
    try:
        result = await asyncio.get_running_loop().run_in_executor(None, _save_prompts, c, text)
    except ValueError as exc:
        return render(request, "prompts.html", status=400, text=text, path=str(c.prompts_path()), error=str(exc),
                      message="")
    return render(request, "prompts.html", text=text, path=result["path"], error="", message=result["message"])


# -- health ----------------------------------------------------------------------------------


async def _check_ari(c: Console) -> dict[str, Any]:
    a = c.settings.ari
    out: dict[str, Any] = {"url": a.url}
    if c.stasis is not None:
        out["events_connected"] = c.stasis.ari.connected.is_set()
    try:
        import base64

        cred = base64.b64encode(f"{a.username}:{a.resolved_password()}".encode()).decode()
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as http:
            async with http.get(a.url.rstrip("/") + "/ari/asterisk/info",
                                headers={"Authorization": f"Basic {cred}"}) as resp:
                if resp.status != 200:
                    return {**out, "ok": False, "detail": f"ARI answered HTTP {resp.status}"}
                info = await resp.json()
        version = (info.get("system") or {}).get("version", "")
        ok = out.get("events_connected", True)
        return {**out, "ok": ok, "detail": f"Asterisk {version}".strip()
                + ("" if ok else "; the Stasis app's event socket is not connected")}
    except Exception as exc:
        return {**out, "ok": False, "detail": f"not reachable: {type(exc).__name__}: {str(exc)[:200]}"}


def _check_models(c: Console) -> dict[str, Any]:
    from appliance.config.manifest import load_manifest

    try:
        manifest = getattr(c.engines, "manifest", None) or load_manifest(c.settings.manifest_path)
        checked = manifest.verify_all(full=False)
        names = [getattr(e, "role", None) or getattr(e, "name", "?") for e in checked]
        return {"ok": True, "detail": f"{len(checked)} models present and sized as the manifest says",
                "models": [str(n) for n in names], "loaded": c.engines is not None}
    except Exception as exc:
        return {"ok": False, "detail": str(exc).splitlines()[0] if str(exc) else type(exc).__name__}


def _check_store(c: Console) -> dict[str, Any]:
    if c.store is None:
        return {"ok": False, "detail": "the knowledge store is not loaded in this process"}
    try:
        chunks = c.store.count()
        return {"ok": True, "detail": f"{chunks} chunks in {getattr(c.store, 'location', 'the store')}", "chunks": chunks}
    except Exception as exc:
        return {"ok": False, "detail": f"not reachable: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"}


def _check_records(c: Console) -> dict[str, Any]:
    from appliance.call.records import connect

    try:
        conn = connect(c.records_path)
        try:
            n = conn.execute("SELECT COUNT(*) FROM calls").fetchone()[0]
        finally:
            conn.close()
        return {"ok": True, "detail": f"{n} calls recorded"}
    except Exception as exc:
        return {"ok": False, "detail": str(exc)}


async def _health(c: Console) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    ari, models, store, records = await asyncio.gather(
        _check_ari(c), loop.run_in_executor(None, _check_models, c), loop.run_in_executor(None, _check_store, c),
        loop.run_in_executor(None, _check_records, c))
    checks = {"asterisk": ari, "models": models, "store": store, "records": records}
    return {"ok": all(v["ok"] for v in checks.values()), "checks": checks, "at": time.time()}


async def api_health(request: web.Request) -> web.Response:
    return web.json_response(await _health(_console(request)))


async def health_page(request: web.Request) -> web.Response:
    return render(request, "health.html", health=await _health(_console(request)))


async def api_openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_spec())


async def not_found_page(request: web.Request) -> web.Response:
    return render(request, "error.html", status=404, message="No such page.")


# -- the app ---------------------------------------------------------------------------------


def create_app(settings: Settings, *, engines: Any = None, stasis: Any = None, store: Any = None,
               records_path: Path | None = None, lead_worker: Any = None) -> web.Application:
    from appliance.web import leads  # its handlers import this module

    console = Console(settings, engines=engines, stasis=stasis, store=store, records_path=records_path,
                      lead_worker=lead_worker)
    # Uploads are streamed and counted by the handler; this only bounds other bodies.
    app = web.Application(middlewares=[security_headers, auth], client_max_size=1024 * 1024)
    app[CONSOLE] = console
    r = app.router
    r.add_get("/healthz", healthz)
    r.add_get("/favicon.ico", favicon)
    r.add_get("/metrics", metrics_endpoint)
    r.add_get("/login", login_page)
    r.add_post("/login", login_submit)
    r.add_post("/logout", logout)
    r.add_get("/", dashboard_page)
    r.add_get("/calls", calls_page)
    r.add_get("/calls/{call_id}", call_page)
    r.add_get("/calls/{call_id}/recording/{side}", recording)
    r.add_get("/kb", kb_page)
    r.add_get("/prompts", prompts_page)
    r.add_post("/prompts", prompts_submit)
    r.add_get("/health", health_page)
    r.add_get("/api/openapi.json", api_openapi)
    r.add_get("/api/live", api_live)
    r.add_get("/api/calls", api_calls)
    r.add_get("/api/calls/{call_id}", api_call)
    r.add_get("/api/stats", api_stats)
    r.add_get("/api/kb/documents", api_kb_documents)
    r.add_post("/api/kb/upload", api_kb_upload)
    r.add_post("/api/kb/delete", api_kb_delete)
    r.add_post("/api/kb/reindex", api_kb_reindex)
    r.add_get("/api/kb/jobs/{job_id}", api_kb_job)
    r.add_get("/api/kb/search", api_kb_search)
    r.add_get("/api/prompts", api_prompts_get)
    r.add_put("/api/prompts", api_prompts_put)
    r.add_get("/api/health", api_health)
    leads.register(app)
    r.add_static("/static/", HERE / "static", append_version=True)
    if stasis is not None:
        metrics.bind_live_calls(lambda: len(stasis.calls))

    async def on_cleanup(app: web.Application) -> None:
        if console.kb is not None:
            console.kb.close()
        if stasis is not None:
            metrics.bind_live_calls(None)

    app.on_cleanup.append(on_cleanup)
    return app


async def start_web(settings: Settings, *, engines: Any = None, stasis: Any = None,
                    lead_worker: Any = None) -> web.AppRunner:
    """Serve the console on web.host:web.port in the running loop; ``await runner.cleanup()`` to stop."""
    app = create_app(settings, engines=engines, stasis=stasis, lead_worker=lead_worker)
    c = app[CONSOLE]
    saved = c.prompts_path()
    if not settings.agent.prompts_file and saved.is_file() and engines is not None:
        # Prompts saved from the console (no agent.prompts_file configured) survive a restart.
        try:
            await asyncio.get_running_loop().run_in_executor(None, _apply_prompts, c, saved)
        except Exception as exc:
            log_event(log, "web.prompts_not_applied", level=logging.WARNING, path=str(saved), error=str(exc))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.web.host, settings.web.port)
    await site.start()
    if not settings.web.password_hash:
        log_event(log, "web.no_password", level=logging.WARNING,
                  hint="no one can sign in: run `appliance web passwd` and set web.password_hash")
    log_event(log, "web.start", url=f"http://{settings.web.host}:{settings.web.port}/")
    return runner
