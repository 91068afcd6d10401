"""What every route module of the console shares: the keys the app and the requests carry,
and the two ways a handler answers (a page from a template, a JSON error).

The route modules (auth.py, calls.py, kb.py, prompts.py, health.py, leads.py, openapi.py)
import this, never app.py: app.py imports them to mount their route tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from appliance.web.app import Console
    from appliance.web.auth import Session

#: The Console (appliance/web/app.py) the handlers share.
CONSOLE: web.AppKey[Console] = web.AppKey("console")
#: The request's signed-in session, or None (set by the ``auth_required`` middleware).
SESSION: web.RequestKey[Session | None] = web.RequestKey("session")
#: The sign-in form's token, for a page rendered before there is a session.
LOGIN_CSRF: web.RequestKey[str] = web.RequestKey("login_csrf")


def console(request: web.Request) -> Console:
    return request.app[CONSOLE]


def json_error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def is_api(request: web.Request) -> bool:
    return request.path.startswith("/api/")


def render(request: web.Request, template: str, status: int = 200, **ctx: Any) -> web.Response:
    c = console(request)
    session = request.get(SESSION)
    html = c.templates.get_template(template).render(
        request=request, csrf=session.csrf if session else request.get(LOGIN_CSRF, ""), signed_in=bool(session),
        page=template.removesuffix(".html"), **ctx)
    return web.Response(text=html, content_type="text/html", status=status)
