"""Sign-in for the admin console: password hashes, sessions, CSRF tokens, login rate limit.

Everything here is stdlib.  The password hash (``web.password_hash``) is scrypt with a
random salt, stored as ``scrypt$<n>$<r>$<p>$<salt b64>$<hash b64>``; ``appliance web
passwd`` prints one.  Sessions are random 256-bit tokens kept in memory (a restart signs
everyone out), each with its own CSRF token that every POST must echo.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections import deque
from dataclasses import dataclass, field

_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
_DKLEN = 32


def hash_password(password: str, *, n: int = _SCRYPT["n"], r: int = _SCRYPT["r"], p: int = _SCRYPT["p"]) -> str:
    """A salted scrypt hash of the password, in the form ``web.password_hash`` takes."""
    if not password:
        raise ValueError("the password must not be empty")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=_DKLEN)
    b64 = lambda b: base64.b64encode(b).decode("ascii")  # noqa: E731
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
class LoginLimiter:
    """At most ``max_failures`` failed sign-ins per ``window_s`` from one address."""

    max_failures: int = 5
    window_s: float = 60.0
    _failures: dict[str, deque[float]] = field(default_factory=dict)

    def _recent(self, ip: str, now: float) -> deque[float]:
        q = self._failures.setdefault(ip, deque())
        while q and now - q[0] > self.window_s:
            q.popleft()
        return q

    def retry_after(self, ip: str) -> int:
        """Seconds until this address may try again; 0 when it may try now."""
        now = time.monotonic()
        q = self._recent(ip, now)
        if len(q) < self.max_failures:
            if not q:
                self._failures.pop(ip, None)
            return 0
        return max(1, int(self.window_s - (now - q[0])) + 1)

    def failed(self, ip: str) -> None:
        self._recent(ip, time.monotonic()).append(time.monotonic())

    def succeeded(self, ip: str) -> None:
        self._failures.pop(ip, None)


def same_token(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))
