"""The admin console: an aiohttp app served by ``appliance serve`` in the same process and loop.

Being in-process is what lets it list live calls (the Stasis app's ``calls``) and use the
one embedded Qdrant store (it allows one client per folder).  Every page and API needs a
signed-in session except ``/healthz`` and ``/metrics`` (the latter only while
``web.metrics_public``; otherwise a session or ``Authorization: Bearer <web.metrics_token>``).
See docs/admin-api.md; the API's OpenAPI description is at ``/api/openapi.json``.

This module holds what the handlers share (``Console``), the middlewares (security headers,
sign-in and CSRF) and the app itself; each feature's pages and API are in a module of its
own, with its own route table:

================  ================================================================
auth.py           sign-in and sign-out (``/login``, ``/logout``)
calls.py          the dashboard, live calls, the call history, a call, recordings
kb.py             the knowledge base: documents, upload, delete, reindex, search
prompts.py        the prompts file: view, edit, save, apply
health.py         ``/healthz``, ``/metrics``, the health checks (``/health``)
leads.py          leads, their CSV export, statuses and deliveries
openapi.py        ``/api/openapi.json``
================  ================================================================

What the console uses of the running service is typed in service_view.py.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from pathlib import Path
from urllib.parse import quote

import jinja2
from aiohttp import web
from aiohttp.typedefs import Handler

from appliance.config.settings import Settings
from appliance.logs import log_event
from appliance.web import auth, calls, health, kb, leads, metrics, openapi, prompts
from appliance.web.auth import SESSION_COOKIE, LoginLimiter, SessionStore, same_token
from appliance.web.common import CONSOLE, SESSION, is_api, json_error
from appliance.web.kb import KnowledgeJobs
from appliance.web.service_view import EnginesView, KnowledgeStoreView, LeadWorkerView, StasisView

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
PUBLIC_PATHS = {"/healthz", "/login", "/favicon.ico"}
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
#: Each feature's route table, mounted in this order.
FEATURES = (auth, calls, kb, prompts, health, leads, openapi)


class Console:
    """What the handlers share: settings, the live service's parts, sessions."""

    def __init__(self, settings: Settings, *, engines: EnginesView | None = None, stasis: StasisView | None = None,
                 store: KnowledgeStoreView | None = None, records_path: Path | None = None,
                 lead_worker: LeadWorkerView | None = None) -> None:
        self.settings = settings
        #: The service's DeliveryWorker (appliance/leads/worker.py), woken by "retry now".
        self.lead_worker = lead_worker
        self.engines = engines
        self.stasis = stasis
        self.store = store if store is not None else engines.store if engines is not None else None
        self.records_path = records_path or settings.data_path / "calls.sqlite3"
        self.sessions = SessionStore()
        self.limiter = LoginLimiter()
        self.uploads = (settings.data_path / "kb_uploads").resolve()
        self.kb = KnowledgeJobs(self.store, self.uploads, [settings.resolve(settings.knowledge.source_dir)],
                                on_changed=engines.knowledge_changed if engines is not None else None) \
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


def _when(ts: float | None) -> str:
    if not ts:
        return ""
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


# -- middlewares -----------------------------------------------------------------------------


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        resp = await handler(request)
    except web.HTTPException as exc:
        if is_api(request) and exc.status >= 400:
            resp = json_error(exc.status, exc.reason if not exc.text or exc.text.startswith(str(exc.status)) else exc.text)
        else:
            raise
    except Exception:
        log.exception("web handler failed: %s %s", request.method, request.path)
        metrics.error("web")
        if is_api(request):
            resp = json_error(500, "internal error (see the service log)")
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
async def auth_required(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Who may see what: the public paths, /metrics (see the module docstring), and for the rest
    a signed-in session, plus the session's CSRF token on every POST, PUT, PATCH and DELETE."""
    c = request.app[CONSOLE]
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
        if is_api(request) or request.method != "GET":
            return json_error(401, "sign in required")
        raise web.HTTPFound(f"/login?next={quote(request.path_qs, safe='/?=&')}")
    if request.method in UNSAFE_METHODS:
        sent = request.headers.get("X-CSRF-Token")
        if not sent and request.content_type == "application/x-www-form-urlencoded":
            sent = (await request.post()).get("csrf_token")  # type: ignore[assignment]
        if not same_token(sent, session.csrf):
            if is_api(request) or request.content_type != "application/x-www-form-urlencoded":
                return json_error(403, "missing or wrong CSRF token; reload the page and try again")
            return web.Response(status=403, text="Missing or wrong CSRF token: reload the page and try again.")
    return await handler(request)


# -- the app ---------------------------------------------------------------------------------


def create_app(settings: Settings, *, engines: EnginesView | None = None, stasis: StasisView | None = None,
               store: KnowledgeStoreView | None = None, records_path: Path | None = None,
               lead_worker: LeadWorkerView | None = None) -> web.Application:
    console = Console(settings, engines=engines, stasis=stasis, store=store, records_path=records_path,
                      lead_worker=lead_worker)
    # Uploads are streamed and counted by the handler; this only bounds other bodies.
    app = web.Application(middlewares=[security_headers, auth_required], client_max_size=1024 * 1024)
    app[CONSOLE] = console
    for feature in FEATURES:
        app.router.add_routes(feature.routes)
    app.router.add_static("/static/", HERE / "static", append_version=True)
    if stasis is not None:
        metrics.bind_live_calls(lambda: len(stasis.calls))

    async def on_cleanup(app: web.Application) -> None:
        if console.kb is not None:
            console.kb.close()
        if stasis is not None:
            metrics.bind_live_calls(None)

    app.on_cleanup.append(on_cleanup)
    return app


async def start_web(settings: Settings, *, engines: EnginesView | None = None, stasis: StasisView | None = None,
                    lead_worker: LeadWorkerView | None = None) -> web.AppRunner:
    """Serve the console on web.host:web.port in the running loop; ``await runner.cleanup()`` to stop."""
    app = create_app(settings, engines=engines, stasis=stasis, lead_worker=lead_worker)
    c = app[CONSOLE]
    saved = c.prompts_path()
    if not settings.agent.prompts_file and saved.is_file() and engines is not None:
        # Prompts saved from the console (no agent.prompts_file configured) survive a restart.
        try:
            await asyncio.get_running_loop().run_in_executor(None, prompts.apply_prompts, c, saved)
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
