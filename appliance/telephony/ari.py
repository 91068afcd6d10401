"""Asterisk REST Interface client: REST over aiohttp, events over websockets.

The events connection is what registers our Stasis application with Asterisk, so it must
survive Asterisk restarts: ``run_events`` reconnects with capped exponential backoff and
re-registers by reconnecting, forever, until cancelled.  Events arrive as typed
dataclasses (``AriEvent`` with a parsed ``Channel`` where the event has one); the raw JSON
stays on the event for anything we do not model.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import aiohttp
import websockets

from appliance.logs import log_event

log = logging.getLogger(__name__)


class AriError(Exception):
    """A REST call that Asterisk answered with an error status (or could not be reached)."""

    def __init__(self, method: str, path: str, status: int, text: str) -> None:
        super().__init__(f"ARI {method} {path} -> {status}: {text.strip()[:200]}")
        self.status = status


@dataclass(frozen=True)
class Channel:
    """The parts of an ARI Channel we act on."""

    id: str
    name: str
    state: str
    caller_number: str = ""
    caller_name: str = ""
    context: str = ""
    exten: str = ""
    variables: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Channel:
        caller = data.get("caller") or {}
        dialplan = data.get("dialplan") or {}
        return cls(
            id=data["id"], name=data.get("name", ""), state=data.get("state", ""),
            caller_number=caller.get("number", ""), caller_name=caller.get("name", ""),
            context=dialplan.get("context", ""), exten=dialplan.get("exten", ""),
            variables=dict(data.get("channelvars") or {}),
        )

    @property
    def is_external_media(self) -> bool:
        return self.name.startswith("UnicastRTP/")


@dataclass(frozen=True)
class AriEvent:
    """One ARI event: its type, the channel it concerns (if any), and the raw JSON."""

    type: str
    channel: Channel | None
    raw: Mapping[str, Any]

    @property
    def digit(self) -> str:
        return str(self.raw.get("digit", ""))

    @property
    def args(self) -> list[str]:
        return list(self.raw.get("args", []))

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AriEvent:
        ch = data.get("channel")
        return cls(type=data.get("type", ""), channel=Channel.from_json(ch) if ch else None, raw=data)


EventHandler = Callable[[AriEvent], Awaitable[None]]


class AriClient:
    """REST calls and the event stream for one Stasis application."""

    def __init__(self, url: str, username: str, password: str, app: str, reconnect_max_s: float = 10.0) -> None:
        self.base = url.rstrip("/") + "/ari"
        self.app = app
        # A header, not aiohttp's ``auth=`` (BasicAuth), which aiohttp 4 removes.
        self._headers = {"Authorization": aiohttp.encode_basic_auth(username, password)}
        self._api_key = f"{username}:{password}"
        self._session: aiohttp.ClientSession | None = None
        self.reconnect_max_s = reconnect_max_s
        #: Set while the events websocket is open (the app is registered).
        self.connected = asyncio.Event()
        #: How many times the events connection has been (re)established.
        self.connections = 0

    async def __aenter__(self) -> AriClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(headers=self._headers, timeout=aiohttp.ClientTimeout(total=10))
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    # -- REST ------------------------------------------------------------------------
    async def request(self, method: str, path: str, params: Mapping[str, Any] | None = None,
                      body: Any = None) -> Any:
        """One REST call; returns the decoded JSON (or None); raises AriError on failure."""
        clean = {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in (params or {}).items() if v is not None}
        try:
            async with self._http().request(method, self.base + path, params=clean, json=body) as resp:
                text = await resp.text()
                if resp.status >= 400:
                    raise AriError(method, path, resp.status, text)
                return json.loads(text) if text.strip() else None
        except aiohttp.ClientError as exc:
            raise AriError(method, path, 0, f"{type(exc).__name__}: {exc}") from exc

    async def get(self, path: str, **params: Any) -> Any:
        return await self.request("GET", path, params)

    async def post(self, path: str, body: Any = None, **params: Any) -> Any:
        return await self.request("POST", path, params, body)

    async def delete(self, path: str, **params: Any) -> Any:
        return await self.request("DELETE", path, params)

    async def delete_quietly(self, path: str, **params: Any) -> bool:
        """DELETE that treats 'already gone' (404) as done; cleanup paths use it."""
        try:
            await self.delete(path, **params)
            return True
        except AriError as exc:
            if exc.status in (404, 409):
                return False
            raise

    async def channels(self) -> list[Channel]:
        return [Channel.from_json(c) for c in await self.get("/channels")]

    async def bridges(self) -> list[dict[str, Any]]:
        return list(await self.get("/bridges"))

    async def answer(self, channel_id: str) -> None:
        await self.post(f"/channels/{channel_id}/answer")

    async def ring(self, channel_id: str) -> None:
        """Indicate ringing to the caller (a call waiting in our queue, not yet answered)."""
        await self.post(f"/channels/{channel_id}/ring")

    async def hangup(self, channel_id: str, reason: str = "normal") -> bool:
        return await self.delete_quietly(f"/channels/{channel_id}", reason=reason)

    async def create_bridge(self, name: str = "") -> str:
        bridge = await self.post("/bridges", type="mixing", name=name or None)
        return str(bridge["id"])

    async def add_to_bridge(self, bridge_id: str, *channel_ids: str) -> None:
        await self.post(f"/bridges/{bridge_id}/addChannel", channel=",".join(channel_ids))

    async def destroy_bridge(self, bridge_id: str) -> bool:
        return await self.delete_quietly(f"/bridges/{bridge_id}")

    async def external_media(self, host: str, port: int, codec: str, channel_id: str | None = None) -> Channel:
        """An externalMedia channel sending RTP to host:port and taking RTP from there."""
        data = await self.post(
            "/channels/externalMedia", app=self.app, external_host=f"{host}:{port}", format=codec,
            encapsulation="rtp", transport="udp", direction="both", channelId=channel_id,
        )
        return Channel.from_json(data)

    async def get_variable(self, channel_id: str, name: str) -> str:
        data = await self.get(f"/channels/{channel_id}/variable", variable=name)
        return str(data.get("value", ""))

    async def continue_in_dialplan(self, channel_id: str, context: str, extension: str, priority: int = 1) -> None:
        await self.post(f"/channels/{channel_id}/continue", context=context, extension=extension, priority=priority)

    # -- events ----------------------------------------------------------------------
    def _events_url(self) -> str:
        parts = urlsplit(self.base)
        scheme = "wss" if parts.scheme == "https" else "ws"
        query = urlencode({"app": self.app, "api_key": self._api_key, "subscribeAll": "false"})
        return urlunsplit((scheme, parts.netloc, parts.path + "/events", query, ""))

    async def run_events(self, handler: EventHandler,
                         on_connect: Callable[[], Coroutine[Any, Any, None]] | None = None) -> None:
        """Deliver events to handler forever, reconnecting with backoff when the link drops.

        Each event is handled in its own task so one slow call never delays another's events;
        handler exceptions are logged, never allowed to stop the stream.  ``on_connect`` runs
        after every (re)connection, so the app can reconcile calls lost in a restart.
        """
        delay = 0.5
        while True:
            try:
                async with websockets.connect(self._events_url(), ping_interval=10, ping_timeout=10,
                                              open_timeout=10, max_size=2**22) as ws:
                    self.connections += 1
                    self.connected.set()
                    log_event(log, "ari.connected", app=self.app, connections=self.connections)
                    delay = 0.5
                    if on_connect is not None:
                        asyncio.get_running_loop().create_task(on_connect())
                    async for message in ws:
                        try:
                            event = AriEvent.from_json(json.loads(message))
                        except (ValueError, KeyError) as exc:
                            log_event(log, "ari.bad_event", level=logging.WARNING, error=str(exc))
                            continue
                        asyncio.get_running_loop().create_task(self._dispatch(handler, event))
            except asyncio.CancelledError:
                raise
            except (OSError, websockets.WebSocketException, asyncio.TimeoutError) as exc:
                log_event(log, "ari.disconnected", level=logging.WARNING, error=f"{type(exc).__name__}: {exc}",
                          retry_in_s=round(delay, 2))
            self.connected.clear()
            await asyncio.sleep(delay * (0.8 + 0.4 * random.random()))
            delay = min(delay * 2, self.reconnect_max_s)

    @staticmethod
    async def _dispatch(handler: EventHandler, event: AriEvent) -> None:
        try:
            await handler(event)
        except Exception:  # noqa: BLE001 - one bad event must not stop the stream
            log.exception("event=ari.handler_failed type=%s", event.type)
