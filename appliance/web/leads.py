"""The console's leads: the page, the CSV export, status changes and the delivery queue.

Its own route table (``routes``), mounted by ``create_app``.  Every route needs a
signed-in session and every POST the session's CSRF token; both are checked by the app's
``auth_required`` middleware before a handler here runs.  Status changes are recorded with who
(the session's user; the console has one admin account) and from which address.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode

from aiohttp import web

from appliance.call.records import connect
from appliance.leads import store
from appliance.leads.csv_export import leads_csv
from appliance.leads.message import lead_json
from appliance.leads.store import STATUSES, LeadQueryError
from appliance.logs import log_event
from appliance.web.common import CONSOLE, SESSION, render

if TYPE_CHECKING:
    from appliance.web.app import Console

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
T = TypeVar("T")
FILTERS = ("status", "date_from", "date_to")


async def _in_db(c: Console, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``fn(conn, ...)`` on a fresh connection off the loop (WAL: readers never block the call path)."""
    def run() -> T:
        conn = connect(c.records_path)
        try:
            return fn(conn, *args, **kwargs)
        finally:
            conn.close()

    return await asyncio.get_running_loop().run_in_executor(None, run)


def _filters(request: web.Request) -> dict[str, str]:
    return {k: request.query.get(k, "").strip() for k in FILTERS}


def _who(request: web.Request) -> tuple[str, str]:
    session = request.get(SESSION)
    return str(getattr(session, "user", "") or "admin"), request.remote or ""


def _int(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise LeadQueryError(f"{name} must be a whole number") from None


def _err(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _api_lead(lead: dict[str, Any], console_url: str) -> dict[str, Any]:
    out = {**lead_json(lead, console_url), "at_ts": lead["at"], "status": lead.get("status", "new"),
           "status_at": lead.get("status_at"), "status_by": lead.get("status_by", ""),
           "deliveries": [_api_delivery(d) for d in lead.get("deliveries", [])]}
    if "history" in lead:
        out["history"] = lead["history"]
    return out


def _api_delivery(d: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "lead_id", "channel", "key", "state", "attempts", "created_at", "next_at", "last_attempt_at",
            "last_error", "done_at", "call_id", "name", "contact")
    return {k: d[k] for k in keys if k in d}


# -- pages -----------------------------------------------------------------------------------


@routes.get("/leads")
async def leads_page(request: web.Request) -> web.Response:
    c = request.app[CONSOLE]
    f = _filters(request)
    error = ""
    try:
        offset = _int(request.query.get("offset", "0") or "0", "offset")
        result = await _in_db(c, store.list_leads, **f, limit=100, offset=offset)
    except LeadQueryError as exc:
        result, error = {"total": 0, "leads": [], "limit": 100, "offset": 0}, str(exc)
    deliveries = await _in_db(c, store.list_deliveries, "open")
    configured = c.settings.leads.channels()
    query = urlencode({k: v for k, v in f.items() if v})
    return render(request, "leads.html", status=400 if error else 200, f=f, result=result, error=error,
                  statuses=STATUSES, deliveries=deliveries, channels=configured, query=query,
                  back="/leads" + (f"?{query}" if query else ""))


@routes.get("/leads/export.csv")
async def leads_csv_export(request: web.Request) -> web.StreamResponse:
    c = request.app[CONSOLE]
    try:
        result = await _in_db(c, store.list_leads, **_filters(request), limit=None)
    except LeadQueryError as exc:
        return _err(400, str(exc))
    body = leads_csv(result["leads"], c.settings.leads.console_url).encode("utf-8")
    f = _filters(request)
    name = "leads" + "".join(f"-{f[k]}" for k in FILTERS if f[k]) + ".csv"
    return web.Response(body=body, headers={"Content-Type": "text/csv; charset=utf-8",
                                            "Content-Disposition": f'attachment; filename="{name}"'})


def _back(target: str) -> str:
    """Where a form goes back to: the leads page with its filters, never another site."""
    return target if target.startswith("/leads") and not target.startswith("//") and "\\" not in target else "/leads"


@routes.post(r"/leads/{lead_id:\d+}/status")
async def status_submit(request: web.Request) -> web.Response:
    c = request.app[CONSOLE]
    form = await request.post()
    lead_id = int(request.match_info["lead_id"])
    user, ip = _who(request)
    try:
        lead = await _in_db(c, store.set_status, lead_id, str(form.get("status", "")), user, ip)
    except LeadQueryError as exc:
        return render(request, "error.html", status=400, message=str(exc))
    if lead is None:
        return render(request, "error.html", status=404, message="No such lead.")
    log_event(log, "leads.status", call_id=lead["call_id"], lead_id=lead_id, status=lead["status"], by=user, ip=ip)
    raise web.HTTPSeeOther(_back(str(form.get("back", "/leads"))))


@routes.post(r"/leads/deliveries/{delivery_id:\d+}/retry")
async def retry_submit(request: web.Request) -> web.Response:
    c = request.app[CONSOLE]
    form = await request.post()
    ok = await _in_db(c, store.retry_now, int(request.match_info["delivery_id"]))
    if ok:
        _wake_worker(c)
    raise web.HTTPSeeOther(_back(str(form.get("back", "/leads"))))


def _wake_worker(c: Console) -> None:
    if c.lead_worker is not None:
        c.lead_worker.notify()


# -- JSON API --------------------------------------------------------------------------------


@routes.get("/api/leads")
async def api_leads(request: web.Request) -> web.Response:
    c = request.app[CONSOLE]
    try:
        limit = _int(request.query.get("limit", "100") or "100", "limit")
        offset = _int(request.query.get("offset", "0") or "0", "offset")
        result = await _in_db(c, store.list_leads, **_filters(request), limit=limit, offset=offset)
    except LeadQueryError as exc:
        return _err(400, str(exc))
    url = c.settings.leads.console_url
    return web.json_response({"total": result["total"], "limit": result["limit"], "offset": result["offset"],
                              "leads": [_api_lead(lead, url) for lead in result["leads"]]})


@routes.get(r"/api/leads/{lead_id:\d+}")
async def api_lead(request: web.Request) -> web.Response:
    c = request.app[CONSOLE]
    lead = await _in_db(c, store.get_lead, int(request.match_info["lead_id"]))
    if lead is None:
        return _err(404, "no such lead")
    return web.json_response(_api_lead(lead, c.settings.leads.console_url))


@routes.post(r"/api/leads/{lead_id:\d+}/status")
async def api_lead_status(request: web.Request) -> web.Response:
    c = request.app[CONSOLE]
    try:
        body = await request.json()
        status = body["status"]
        if not isinstance(status, str):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        return _err(400, 'send JSON {"status": "new" | "contacted" | "closed"}')
    lead_id = int(request.match_info["lead_id"])
    user, ip = _who(request)
    try:
        lead = await _in_db(c, store.set_status, lead_id, status, user, ip)
    except LeadQueryError as exc:
        return _err(400, str(exc))
    if lead is None:
        return _err(404, "no such lead")
    log_event(log, "leads.status", call_id=lead["call_id"], lead_id=lead_id, status=status, by=user, ip=ip)
    return web.json_response(_api_lead(lead, c.settings.leads.console_url))


@routes.get("/api/leads/deliveries")
async def api_deliveries(request: web.Request) -> web.Response:
    c = request.app[CONSOLE]
    try:
        rows = await _in_db(c, store.list_deliveries, request.query.get("state", "open") or "open",
                            _int(request.query.get("limit", "200") or "200", "limit"))
    except LeadQueryError as exc:
        return _err(400, str(exc))
    return web.json_response({"channels": list(c.settings.leads.channels()),
                              "deliveries": [_api_delivery(d) for d in rows]})


@routes.post(r"/api/leads/deliveries/{delivery_id:\d+}/retry")
async def api_delivery_retry(request: web.Request) -> web.Response:
    c = request.app[CONSOLE]
    ok = await _in_db(c, store.retry_now, int(request.match_info["delivery_id"]))
    if not ok:
        return _err(404, "no such delivery waiting (a delivered one is never sent again)")
    _wake_worker(c)
    return web.json_response({"ok": True})
