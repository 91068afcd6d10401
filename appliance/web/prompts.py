"""The console's prompts: view, edit and save the prompts file, applied to new calls at once.

Its own route table (``routes``), mounted by ``create_app``.  The file is
``agent.prompts_file`` when the config names one, else ``<data_dir>/prompts.toml`` (the
packaged prompts are shown until one is saved).  A save is validated before it replaces the
file, then the running service re-reads it (``EnginesView.reload_prompts``); ``start_web``
applies a saved file at start (``apply_prompts``).
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from appliance.logs import log_event
from appliance.web.common import console, json_error, render

if TYPE_CHECKING:
    from appliance.web.app import Console

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

MAX_PROMPTS_BYTES = 256 * 1024


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
    applied = apply_prompts(c, target)
    log_event(log, "web.prompts_saved", path=str(target), applied=applied)
    return {"ok": True, "path": str(target), "applied": applied,
            "message": "Saved. New calls use these prompts." if applied else
            "Saved. The service is not running in this process: the prompts apply when it starts."}


def apply_prompts(c: Console, path: Path) -> bool:
    """Have the running service re-read the prompts file; False when it is not in this process."""
    if c.engines is None:
        return False
    c.engines.reload_prompts(path)
    return True


@routes.get("/api/prompts")
async def api_prompts_get(request: web.Request) -> web.Response:
    c = console(request)
    text = await asyncio.get_running_loop().run_in_executor(None, _read_prompts, c)
    return web.json_response({"path": str(c.prompts_path()), "text": text})


@routes.put("/api/prompts")
async def api_prompts_put(request: web.Request) -> web.Response:
    c = console(request)
    try:
        body = await request.json()
        text = body["text"]
        if not isinstance(text, str):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        return json_error(400, "send JSON {\"text\": \"<the prompts file>\"}")
    try:
        result = await asyncio.get_running_loop().run_in_executor(None, _save_prompts, c, text)
    except ValueError as exc:
        return json_error(400, str(exc))
    return web.json_response(result)


@routes.get("/prompts")
async def prompts_page(request: web.Request) -> web.Response:
    c = console(request)
    text = await asyncio.get_running_loop().run_in_executor(None, _read_prompts, c)
    return render(request, "prompts.html", text=text, path=str(c.prompts_path()), error="", message="")


@routes.post("/prompts")
async def prompts_submit(request: web.Request) -> web.Response:
    c = console(request)
    form = await request.post()
    text = str(form.get("text", "")).replace("\r\n", "\n")
    try:
        result = await asyncio.get_running_loop().run_in_executor(None, _save_prompts, c, text)
    except ValueError as exc:
        return render(request, "prompts.html", status=400, text=text, path=str(c.prompts_path()), error=str(exc),
                      message="")
    return render(request, "prompts.html", text=text, path=result["path"], error="", message=result["message"])
