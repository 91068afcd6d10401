"""What the soak does to the admin console: sign in, upload (good and hostile), reindex.

It goes through the console's HTTP API as an administrator's browser would: the sign-in
form with its double-submit token, the session cookie, and the session's CSRF token on
every POST.  A restarted service signs everyone out, so a 401 signs in again.

The hostile files are the ones issue 12 found: a Markdown heading followed by thousands of
spaces (the chunking regex backtracked on it for hours) and a small .docx whose XML
inflates to tens of megabytes (it grew the service by a gigabyte).
"""

from __future__ import annotations

import asyncio
import io
import re
import time
import zipfile
from dataclasses import asdict, dataclass, field
from typing import Any

import aiohttp

GOOD_MD = (
    "# Soak test gauge\n\n"
    "The SG-7 soak gauge is a calibration accessory for the UTM series. "
    "The SG-7 costs 770 euros and ships within five working days.\n"
)


def hostile_markdown(spaces: int = 10_000) -> bytes:
    """``# a``, thousands of spaces, ``x``: cubic backtracking in a naive heading regex."""
    return b"# a" + b" " * spaces + b"x\n"


def zip_bomb_docx(inflated_mb: int = 20) -> bytes:
    """A well-formed .docx whose document.xml inflates to ``inflated_mb`` MB (a few tens of KB zipped)."""
    run = "<w:p><w:r><w:t>" + "a" * 1000 + "</w:t></w:r></w:p>"
    body = run * max(1, inflated_mb * 1024 * 1024 // len(run))
    document = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                f"<w:body>{body}</w:body></w:document>")
    content_types = ('<?xml version="1.0" encoding="UTF-8"?>'
                     '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                     '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                     '<Default Extension="xml" ContentType="application/xml"/>'
                     '<Override PartName="/word/document.xml" ContentType="application/'
                     'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="word/document.xml"/></Relationships>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", content_types)
        z.writestr("_rels/.rels", rels)
        z.writestr("word/document.xml", document)
    return buf.getvalue()


@dataclass
class AdminOp:
    """One thing done through the console, and how it went."""

    op: str
    at_s: float
    status: int | None = None
    job_state: str = ""
    message: str = ""
    took_s: float = 0.0
    error: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class AdminClient:
    """A signed-in console session against ``base_url`` (http://127.0.0.1:<port>)."""

    base_url: str
    password: str
    timeout_s: float = 30.0
    csrf: str = ""
    ops: list[AdminOp] = field(default_factory=list)
    _session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> AdminClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            # unsafe: the console is on 127.0.0.1, and aiohttp keeps no cookies for IPs otherwise.
            self._session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True),
                                                  timeout=aiohttp.ClientTimeout(total=self.timeout_s))
        return self._session

    async def sign_in(self) -> None:
        http = self._http()
        http.cookie_jar.clear()
        async with http.get(f"{self.base_url}/login") as resp:
            m = re.search(r'name="csrf_token" value="([^"]+)"', await resp.text())
        if not m:
            raise RuntimeError(f"no sign-in form at {self.base_url}/login")
        async with http.post(f"{self.base_url}/login", data={"password": self.password, "csrf_token": m.group(1)},
                             allow_redirects=False) as resp:
            if resp.status != 302:
                raise RuntimeError(f"sign-in refused: HTTP {resp.status}")
        async with http.get(f"{self.base_url}/calls") as resp:
            m = re.search(r'<meta name="csrf-token" content="([^"]+)"', await resp.text())
        if not m or not m.group(1):
            raise RuntimeError("no CSRF token on the console's pages after sign-in")
        self.csrf = m.group(1)

    async def _post(self, path: str, **kw: Any) -> tuple[int, dict[str, Any]]:
        for attempt in (1, 2):
            if not self.csrf:
                await self.sign_in()
            data = kw.get("data_factory")() if "data_factory" in kw else None
            async with self._http().post(f"{self.base_url}{path}", data=data,
                                         headers={"X-CSRF-Token": self.csrf}) as resp:
                if resp.status in (401, 403) and attempt == 1:  # the service restarted: sign in again
                    self.csrf = ""
                    continue
                try:
                    body = await resp.json(content_type=None)
                except ValueError:
                    body = {"error": (await resp.text())[:200]}
                return resp.status, body if isinstance(body, dict) else {}
        return 401, {}

    async def _job(self, job_id: str, deadline: float) -> dict[str, Any]:
        """Poll a knowledge-base job until it is done or failed (or the deadline passes)."""
        job: dict[str, Any] = {}
        while time.monotonic() < deadline:
            try:
                async with self._http().get(f"{self.base_url}/api/kb/jobs/{job_id}") as resp:
                    if resp.status == 200:
                        job = (await resp.json()).get("job", {})
                        if job.get("state") in ("done", "failed"):
                            return job
                    elif resp.status == 401:
                        await self.sign_in()
            except (aiohttp.ClientError, asyncio.TimeoutError):
                pass
            await asyncio.sleep(1.0)
        return {**job, "state": job.get("state", "unknown") + " (still running at the deadline)"}

    async def _run(self, op: AdminOp, path: str, job_timeout_s: float, **kw: Any) -> AdminOp:
        t0 = time.monotonic()
        try:
            status, body = await self._post(path, **kw)
            op.status = status
            if status == 202 and "job" in body:
                job = await self._job(body["job"]["id"], t0 + job_timeout_s)
                op.job_state, op.message = job.get("state", ""), str(job.get("message", ""))[:200]
            else:
                op.message = str(body.get("error", ""))[:200]
        except (aiohttp.ClientError, asyncio.TimeoutError, RuntimeError) as exc:
            op.error = f"{type(exc).__name__}: {exc}"[:200]
        op.took_s = round(time.monotonic() - t0, 2)
        self.ops.append(op)
        return op

    async def upload(self, name: str, data: bytes, at_s: float, job_timeout_s: float = 180.0) -> AdminOp:
        def form() -> aiohttp.FormData:
            f = aiohttp.FormData()
            f.add_field("file", data, filename=name, content_type="application/octet-stream")
            return f

        return await self._run(AdminOp(f"upload {name}", at_s), "/api/kb/upload", job_timeout_s, data_factory=form)

    async def reindex(self, at_s: float, job_timeout_s: float = 300.0) -> AdminOp:
        return await self._run(AdminOp("reindex", at_s), "/api/kb/reindex", job_timeout_s)


async def fetch_metrics(base_url: str, timeout_s: float = 10.0) -> str:
    """The service's Prometheus text (``/metrics`` is public by default); "" when it does not answer."""
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s)) as http:
            async with http.get(f"{base_url}/metrics") as resp:
                return await resp.text() if resp.status == 200 else ""
    except (aiohttp.ClientError, asyncio.TimeoutError):
        return ""


_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+([-+0-9.eEinfNa]+)')


def parse_metrics(text: str) -> list[tuple[str, dict[str, str], float]]:
    """Prometheus exposition text as (name, labels, value) samples."""
    out = []
    for line in text.splitlines():
        m = _SAMPLE.match(line)
        if not m:
            continue
        labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        try:
            out.append((m.group(1), labels, float(m.group(3))))
        except ValueError:
            continue
    return out
