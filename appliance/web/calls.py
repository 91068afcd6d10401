"""The console's calls: the dashboard (live calls, charts), the call history, one call's
turns and timings, and its recordings.

Its own route table (``routes``), mounted by ``create_app``.  Live calls come from the
service's Stasis app when the console runs inside ``appliance serve``, else from the call
records; the history and the charts are read from the call records (appliance/web/queries.py).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from aiohttp import web

from appliance.web import metrics
from appliance.web.common import console, json_error, render
from appliance.web.queries import QueryError, in_progress, search_calls, stats

if TYPE_CHECKING:
    from appliance.web.app import Console

routes = web.RouteTableDef()


def _live_calls(c: Console) -> list[dict[str, Any]]:
    records = in_progress(c.records_path) if c.records_path.exists() else {}
    now = time.time()
    out = []
    if c.stasis is not None:
        for call_id, leg in list(c.stasis.calls.items()):
            rec = records.get(call_id, {})
            started = rec.get("started_at")
            out.append({"call_id": call_id, "caller": leg.caller.caller_number or rec.get("caller", ""),
                        "caller_name": leg.caller.caller_name, "started_at": started,
                        "duration_s": round(now - started, 1) if started else None, "turns": rec.get("turns", 0),
                        "ending": leg.ended.is_set()})
    else:
        for call_id, rec in records.items():
            out.append({"call_id": call_id, "caller": rec.get("caller", ""), "caller_name": "",
                        "started_at": rec["started_at"], "duration_s": round(now - rec["started_at"], 1),
                        "turns": rec.get("turns", 0), "ending": False})
    out.sort(key=lambda x: x.get("started_at") or 0, reverse=True)
    return out


@routes.get("/api/live")
async def api_live(request: web.Request) -> web.Response:
    c = console(request)
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


@routes.get("/api/calls")
async def api_calls(request: web.Request) -> web.Response:
    c = console(request)
    try:
        f = _filters(request)
        result = await asyncio.get_running_loop().run_in_executor(None, lambda: search_calls(c.records_path, **f))
    except QueryError as exc:
        return json_error(400, str(exc))
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


@routes.get("/api/calls/{call_id}")
async def api_call(request: web.Request) -> web.Response:
    c = console(request)
    call = await asyncio.get_running_loop().run_in_executor(None, _read_call, c, request.match_info["call_id"])
    if call is None:
        return json_error(404, "no such call")
    return web.json_response(call)


@routes.get("/calls/{call_id}/recording/{side}")
async def recording(request: web.Request) -> web.StreamResponse:
    c = console(request)
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


@routes.get("/api/stats")
async def api_stats(request: web.Request) -> web.Response:
    c = console(request)
    try:
        hours = int(request.query.get("hours", 24))
    except ValueError:
        return json_error(400, "hours must be a whole number")
    data = await asyncio.get_running_loop().run_in_executor(None, stats, c.records_path, hours)
    return web.json_response(data)


@routes.get("/")
async def dashboard_page(request: web.Request) -> web.Response:
    return render(request, "dashboard.html")


@routes.get("/calls")
async def calls_page(request: web.Request) -> web.Response:
    c = console(request)
    error = ""
    try:
        f = _filters(request)
        result = await asyncio.get_running_loop().run_in_executor(None, lambda: search_calls(c.records_path, **f))
    except QueryError as exc:
        f, result, error = {k: request.query.get(k, "") for k in ("q", "outcome", "caller", "date_from", "date_to")}, \
            {"total": 0, "calls": [], "limit": 50, "offset": 0}, str(exc)
    return render(request, "calls.html", status=400 if error else 200, f=f, result=result, error=error,
                  outcomes=["answered", "transferred", "abandoned", "error", "in_progress"])


@routes.get("/calls/{call_id}")
async def call_page(request: web.Request) -> web.Response:
    c = console(request)
    call = await asyncio.get_running_loop().run_in_executor(None, _read_call, c, request.match_info["call_id"])
    if call is None:
        return render(request, "error.html", status=404, message="No such call.")
    return render(request, "call.html", call=call)
