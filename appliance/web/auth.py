"""Sign-in for the admin console: password hashes, sessions, CSRF tokens, login rate limit,
and the sign-in pages (``/login``, ``/logout``; ``routes``, mounted by ``create_app``).

The checks themselves are stdlib; which requests need a session is decided by the
``auth_required`` middleware in appliance/web/app.py.  The password hash
(``web.password_hash``) is scrypt with a random salt, stored as
``scrypt$<n>$<r>$<p>$<salt b64>$<hash b64>``; ``appliance web passwd`` prints one.
Sessions are random 256-bit tokens kept in memory (a restart signs everyone out), each with
its own CSRF token that every POST must echo.

Login lockout policy (``LoginLimiter``; docs/admin-api.md says the same):

* Every attempt is counted *before* the password is checked, atomically (no await between
  the check of the limit and the count), so concurrent guesses cannot slip past the limit;
  a successful attempt takes its count back.
* Each attempt is charged to a key: the (account, device) when the browser presents a
  device token from an earlier successful sign-in (cookie ``appliance_device``), else the
  (account, client address).  A key may fail ``max_failures`` times per ``window_s``, then
  gets 429 until the window has passed.
* The account as a whole: at most ``account_max_failures`` failed attempts per
  ``account_window_s`` from clients that never signed in; past that, unknown clients get
  429 (a distributed guesser is slowed to that rate).  Known devices and addresses a
  successful sign-in came from are not held by this limit, only by their own key's.
* So guessing from elsewhere never locks the administrator out of a browser or address
  that signed in before.  Known devices and addresses are kept in memory (a restart
  forgets them; the address and account limits still hold).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import secrets
import time
import unicodedata
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from aiohttp import web

from appliance.logs import log_event
from appliance.web.common import LOGIN_CSRF, SESSION, console, render

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

SESSION_COOKIE = "appliance_session"
LOGIN_CSRF_COOKIE = "appliance_login_csrf"
#: Set at a successful sign-in: that browser's attempts are limited on their own, so guesses
#: from elsewhere cannot lock it out (the lockout policy above).
DEVICE_COOKIE = "appliance_device"
DEVICE_COOKIE_MAX_AGE = 90 * 24 * 3600
#: The console has one account (the administrator); the limiter is keyed by it all the same.
ADMIN_ACCOUNT = "admin"

_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
_DKLEN = 32


def hash_password(password: str, *, n: int = _SCRYPT["n"], r: int = _SCRYPT["r"], p: int = _SCRYPT["p"]) -> str:
    """A salted scrypt hash of the password, in the form ``web.password_hash`` takes."""
    if not password:
        raise ValueError("the password must not be empty")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=_DKLEN)

    def b64(b: bytes) -> str:
        return base64.b64encode(b).decode("ascii")

    return f"scrypt${n}${r}${p}${b64(salt)}${b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """True when password matches the stored hash; False for a wrong password or a bad hash."""
    try:
        scheme, n, r, p, salt_b64, digest_b64 = stored.split("$")
        if scheme != "scrypt":
            return False
        salt, expected = base64.b64decode(salt_b64), base64.b64decode(digest_b64)
        digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=int(n), r=int(r), p=int(p),
                                dklen=len(expected), maxmem=256 * 1024 * 1024)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, expected)


def valid_hash(stored: str) -> bool:
    parts = stored.split("$")
    return len(parts) == 6 and parts[0] == "scrypt" and all(x.isdigit() for x in parts[1:4])


@dataclass
class Session:
    token: str
    csrf: str
    created: float
    last_seen: float


@dataclass
class SessionStore:
    """In-memory sessions; idle ones expire."""

    idle_s: float = 12 * 3600
    max_age_s: float = 7 * 24 * 3600
    _sessions: dict[str, Session] = field(default_factory=dict)

    def create(self) -> Session:
        now = time.time()
        s = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32), now, now)
        self._sessions[s.token] = s
        self._expire(now)
        return s

    def get(self, token: str | None) -> Session | None:
        if not token:
            return None
        s = self._sessions.get(token)
        now = time.time()
        if s is None or now - s.last_seen > self.idle_s or now - s.created > self.max_age_s:
            self._sessions.pop(token, None)
            return None
        s.last_seen = now
        return s

    def drop(self, token: str | None) -> None:
        if token:
            self._sessions.pop(token, None)

    def _expire(self, now: float) -> None:
        for tok in [t for t, s in self._sessions.items()
                    if now - s.last_seen > self.idle_s or now - s.created > self.max_age_s]:
            del self._sessions[tok]


@dataclass
class LoginAttempt:
    """One sign-in attempt, already counted; report how it went.

    ``retry_after`` > 0: refused before any password check (the attempt was not counted).
    """

    limiter: LoginLimiter | None
    key: tuple[str, str]
    at: float
    account_charged: bool
    retry_after: int = 0

    def succeeded(self, address: str) -> str:
        """The password was right: take the count back, remember this client; returns a device token."""
        assert self.limiter is not None
        return self.limiter._succeeded(self, address)

    def failed(self) -> None:
        """The password was wrong: the count stays (it was made before the check)."""


@dataclass
class LoginLimiter:
    """Failed sign-ins per (account, device or address) and per account; see the module docstring."""

    max_failures: int = 5
    window_s: float = 60.0
    account_max_failures: int = 20
    account_window_s: float = 600.0
    max_known: int = 1000
    max_tracked: int = 10_000
    _failures: dict[tuple[str, str], deque[float]] = field(default_factory=dict)
    _account_failures: dict[str, deque[float]] = field(default_factory=dict)
    _devices: OrderedDict[tuple[str, str], float] = field(default_factory=OrderedDict)
    _addresses: OrderedDict[tuple[str, str], float] = field(default_factory=OrderedDict)

    @staticmethod
    def _trim(q: deque[float], now: float, window: float) -> deque[float]:
        while q and now - q[0] > window:
            q.popleft()
        return q

    def known_device(self, account: str, device: str | None) -> bool:
        return bool(device) and (account, str(device)) in self._devices

    def begin(self, account: str, address: str, device: str | None = None) -> LoginAttempt:
        """Count an attempt before its password check, or refuse it (``retry_after`` > 0).

        Synchronous on purpose: between the limit check and the count there is no await,
        so on the event loop 40 concurrent guesses see each other's counts.
        """
        now = time.monotonic()
        if len(self._failures) > self.max_tracked:  # many addresses (IPv6): forget the quiet ones
            for k in [k for k, q in self._failures.items() if not self._trim(q, now, self.window_s)]:
                del self._failures[k]
        known_device = self.known_device(account, device)
        key = (account, f"device:{device}") if known_device else (account, f"addr:{address}")
        exempt = known_device or (account, address) in self._addresses
        q = self._trim(self._failures.setdefault(key, deque()), now, self.window_s)
        if len(q) >= self.max_failures:
            return LoginAttempt(None, key, now, False, max(1, int(self.window_s - (now - q[0])) + 1))
        acct = self._trim(self._account_failures.setdefault(account, deque()), now, self.account_window_s)
        if not exempt and len(acct) >= self.account_max_failures:
            return LoginAttempt(None, key, now, False, max(1, int(self.account_window_s - (now - acct[0])) + 1))
        q.append(now)
        if not exempt:
            acct.append(now)
        return LoginAttempt(self, key, now, not exempt)

    def _succeeded(self, attempt: LoginAttempt, address: str) -> str:
        account = attempt.key[0]
        self._failures.pop(attempt.key, None)
        if attempt.account_charged:
            acct = self._account_failures.get(account)
            if acct is not None:
                try:
                    acct.remove(attempt.at)
                except ValueError:
                    pass
        device = secrets.token_urlsafe(32)
        for known, name in ((self._devices, (account, device)), (self._addresses, (account, address))):
            known[name] = time.time()
            known.move_to_end(name)
            while len(known) > self.max_known:
                known.popitem(last=False)
        return device


def safe_next_path(target: str | None) -> str:
    """``target`` when it is a path on this site, else "/" (no open redirect after sign-in).

    Accepted: starts with a single slash, not two and not slash-backslash, no backslash at
    all, no scheme or host, and no whitespace or control character, checked on the value as
    given and on its path once more unquoted (browsers drop tabs and newlines from URLs, so
    slash, tab, "/evil.example" would become "//evil.example").  The query of the unquoted
    form is not held to this (a search for "a b" may come back after sign-in).
    """
    if not target:
        return "/"
    for form in (target, unquote(target.split("?", 1)[0].split("#", 1)[0])):
        if not form.startswith("/") or form.startswith("//") or "\\" in form:
            return "/"
        if any(c.isspace() or unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in form):
            return "/"
        parts = urlsplit(form)
        if parts.scheme or parts.netloc:
            return "/"
    return target


def same_token(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


# -- the sign-in pages -----------------------------------------------------------------------


def _secure(request: web.Request) -> bool:
    return request.secure or request.headers.get("X-Forwarded-Proto", "").lower() == "https"


def _safe_next(target: str | None) -> str:
    return safe_next_path(target)


@routes.get("/login")
async def login_page(request: web.Request) -> web.Response:
    if request.get(SESSION):
        raise web.HTTPFound(_safe_next(request.query.get("next")))
    return _login_response(request, _login_token(request))


def _login_token(request: web.Request) -> str:
    """The pre-session form token (double-submit cookie); kept while valid so two tabs agree."""
    token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    return token if 30 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum() \
        else secrets.token_urlsafe(24)


def _login_response(request: web.Request, token: str, error: str = "", status: int = 200) -> web.Response:
    c = console(request)
    request[LOGIN_CSRF] = token
    resp = render(request, "login.html", status=status, error=error, next=_safe_next(request.query.get("next")),
                  no_password=not c.settings.web.password_hash)
    resp.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="Strict", secure=_secure(request), path="/login")
    return resp


@routes.post("/login")
async def login_submit(request: web.Request) -> web.Response:
    c = console(request)
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


@routes.post("/logout")
async def logout(request: web.Request) -> web.Response:
    c = console(request)
    c.sessions.drop(request.cookies.get(SESSION_COOKIE))
    resp = web.HTTPFound("/login")
    resp.del_cookie(SESSION_COOKIE, path="/")
    raise resp


@routes.get("/favicon.ico")
async def favicon(request: web.Request) -> web.Response:
    """Public and empty, so a browser's automatic fetch is not sent to the sign-in page."""
    return web.Response(status=204)
