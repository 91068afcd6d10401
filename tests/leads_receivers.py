"""Local receivers the lead tests start: an HTTP endpoint (aiohttp) and an SMTP relay (aiosmtpd).

They check what a real CRM endpoint and mail relay would: the webhook's HMAC signature
(recomputed here, independently of appliance.leads.message) and the SMTP login.  The HTTP
receiver drops a repeat of an idempotency key it has acknowledged, as receivers are told to.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiohttp import web


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WebhookReceiver:
    """POST / on 127.0.0.1: 401 on a bad signature, else 200 (once per idempotency key)."""

    def __init__(self, secret: bytes, port: int | None = None, delay_s: float = 0.0) -> None:
        self.secret = secret
        self.port = port or free_port()
        self.delay_s = delay_s
        self.requests: list[dict[str, Any]] = []  # every request: headers, body, signature_ok
        self.leads: list[dict[str, Any]] = []  # accepted, one per idempotency key
        self.duplicates = 0
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/leads"

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        expected = "sha256=" + hmac.new(self.secret, body, hashlib.sha256).hexdigest()
        ok = hmac.compare_digest(expected, request.headers.get("X-Signature", ""))
        key = request.headers.get("Idempotency-Key", "")
        self.requests.append({"headers": dict(request.headers), "body": body, "signature_ok": ok, "key": key})
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if not ok:
            return web.json_response({"error": "bad signature"}, status=401)
        if any(lead["idempotency_key"] == key for lead in self.leads):
            self.duplicates += 1
            return web.json_response({"ok": True, "duplicate": True})
        self.leads.append(json.loads(body))
        return web.json_response({"ok": True})

    async def start(self) -> WebhookReceiver:
        app = web.Application()
        app.router.add_post("/leads", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


class SmtpReceiver:
    """An aiosmtpd relay on 127.0.0.1 (its own thread and loop) that keeps what it is sent."""

    def __init__(self, login: tuple[str, str] | None = None, tls_context: Any = None) -> None:
        self.login = login
        self.tls_context = tls_context
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.logins: list[str] = []
        self.tls_seen: list[bool] = []
        self._lock = threading.Lock()
        self._controller: Any = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        msg = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append(msg)  # type: ignore[arg-type]
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.tls_seen.append(session.ssl is not None)
        return "250 Message accepted for delivery"

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        if self.login is None or not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user, password = auth_data.login.decode(), auth_data.password.decode()
        ok = (user, password) == self.login
        if ok:
            self.logins.append(user)
        return AuthResult(success=ok)

    def start(self) -> SmtpReceiver:
        from aiosmtpd.controller import Controller

        kwargs: dict[str, Any] = {}
        if self.login is not None:
            kwargs.update(authenticator=self._authenticate, auth_required=True,
                          auth_require_tls=self.tls_context is not None)
        if self.tls_context is not None:
            kwargs.update(tls_context=self.tls_context, require_starttls=True)
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, **kwargs)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


async def until(condition: Any, timeout: float = 30.0, step: float = 0.05) -> bool:
    """Poll ``condition()`` until it is true or ``timeout`` passes; returns its last value."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if condition():
            return True
        await asyncio.sleep(step)
    return bool(condition())
