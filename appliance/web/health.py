"""The console's health and metrics: ``/healthz`` (liveness, public), ``/metrics`` (Prometheus;
who may read it is decided by the ``auth_required`` middleware), and the health checks behind the
``/health`` page and ``/api/health``: Asterisk (ARI), the models, the knowledge store and the
call records.

Its own route table (``routes``), mounted by ``create_app``.  The metrics themselves are
defined and counted in appliance/web/metrics.py.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

from appliance.web import metrics
from appliance.web.common import console, render

if TYPE_CHECKING:
    from appliance.web.app import Console
    from appliance.web.service_view import ManifestView

routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


@routes.get("/metrics")
async def metrics_endpoint(request: web.Request) -> web.Response:
    body, ctype = metrics.render()
    resp = web.Response(body=body)
    resp.headers["Content-Type"] = ctype
    return resp


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
        manifest: ManifestView = c.engines.manifest if c.engines is not None else load_manifest(c.settings.manifest_path)
        checked = manifest.verify_all(full=False)
        names = [e.role or "?" for e in checked]
        return {"ok": True, "detail": f"{len(checked)} models present and sized as the manifest says",
                "models": [str(n) for n in names], "loaded": c.engines is not None}
    except Exception as exc:
        return {"ok": False, "detail": str(exc).splitlines()[0] if str(exc) else type(exc).__name__}


def _check_store(c: Console) -> dict[str, Any]:
    if c.store is None:
        return {"ok": False, "detail": "the knowledge store is not loaded in this process"}
    try:
        chunks = c.store.count()
        return {"ok": True, "detail": f"{chunks} chunks in {c.store.location}", "chunks": chunks}
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


@routes.get("/api/health")
async def api_health(request: web.Request) -> web.Response:
    return web.json_response(await _health(console(request)))


@routes.get("/health")
async def health_page(request: web.Request) -> web.Response:
    return render(request, "health.html", health=await _health(console(request)))
