"""Admin console over HTTP (aiohttp test client): sign-in, sessions, CSRF, rate limit, pages, API, metrics.

The knowledge store here is a small in-memory stand-in with the real store's interface, so
these tests need no models; tests/test_web_browser.py drives the real service and store.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
import wave
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient, TestServer

from appliance.call.records import CallRecords
from appliance.config import settings_from_dict
from appliance.config.manifest import Manifest, load_manifest
from appliance.knowledge.base import IngestReport, Passage
from appliance.knowledge.loaders import DocumentError
from appliance.web import metrics
from appliance.web.app import create_app
from appliance.web.auth import hash_password, safe_next_path, verify_password

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
HASH = hash_password(PASSWORD)


class FakeStore:
    """In-memory stand-in for QdrantKnowledgeStore: ingest/documents/search/count/delete."""

    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}
        self.location = "memory"

    def ingest(self, folder: Path, tag: str | None = None, *, file_tags: dict[str, str] | None = None,
               progress: Any = None) -> IngestReport:
        folder = Path(folder).resolve()
        report = IngestReport()
        seen = set()
        for p in sorted(folder.iterdir()):
            if p.name.startswith(".") or not p.is_file():
                continue
            try:
                prepared = self.prepare_file(p, doc_path=p, root=folder, tag=(file_tags or {}).get(p.name) or tag or "")
            except DocumentError as exc:
                report.skipped[p.name] = str(exc)
                continue
            seen.add(str(p))
            self.commit(prepared)
            report.added.append(p.name)
            report.chunks += 1
        for doc_id in [d for d, v in self.docs.items() if v["root"] == str(folder) and d not in seen]:
            report.removed.append(self.docs.pop(doc_id)["source"])
        return report

    def prepare_file(self, path: Path, *, doc_path: Path, root: Path, tag: str = "", progress: Any = None) -> Any:
        if path.suffix not in (".md", ".txt"):
            raise DocumentError("unsupported")
        text = path.read_text()
        if not text.strip():
            raise DocumentError("no text")
        time.sleep(0.05)
        doc = {"doc_id": str(doc_path), "root": str(Path(root).resolve()), "source": doc_path.name,
               "tag": tag or "general", "chunks": 1, "text": text}
        return type("Prepared", (), {"doc": doc, "points": [doc]})()

    def commit(self, prepared: Any) -> None:
        self.docs[prepared.doc["doc_id"]] = prepared.doc

    def delete_document(self, doc_id: str) -> None:
        self.docs.pop(doc_id, None)

    def documents(self) -> list[dict[str, Any]]:
        return [{k: v for k, v in d.items() if k != "text"} for d in self.docs.values()]

    def count(self) -> int:
        return len(self.docs)

    def search(self, query: str, top_k: int = 3, **_: Any) -> list[Passage]:
        words = set(re.findall(r"\w+", query.lower()))
        scored = []
        for d in self.docs.values():
            hits = len(words & set(re.findall(r"\w+", d["text"].lower())))
            scored.append((hits / max(1, len(words)), d))
        scored.sort(key=lambda x: -x[0])
        return [Passage(text=d["text"], source=d["source"], score=round(s, 3), tags=(d["tag"],))
                for s, d in scored[:top_k] if s > 0]


class FakeEngines:
    """The engines as the console sees them (EnginesView in appliance/web/service_view.py)."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store
        self.reloaded: list[Path] = []
        self.knowledge_changes = 0

    @property
    def manifest(self) -> Manifest:
        return load_manifest(ROOT / "models" / "manifest.toml")

    def reload_prompts(self, path: Path) -> None:
        self.reloaded.append(path)

    def knowledge_changed(self) -> None:
        self.knowledge_changes += 1


class FakeLeg:
    def __init__(self, number: str) -> None:
        import asyncio

        self.caller = type("Ch", (), {"caller_number": number, "caller_name": "Test"})()
        self.ended = asyncio.Event()


class FakeStasis:
    def __init__(self) -> None:
        self.calls: dict[str, Any] = {}
        self.ari = type("Ari", (), {"connected": threading.Event()})()


def _wav(path: Path, seconds: float = 0.5) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes((np.sin(np.arange(int(8000 * seconds)) * 0.1) * 3000).astype(np.int16).tobytes())


def make_settings(tmp_path: Path, **web: Any):  # type: ignore[no-untyped-def]
    return settings_from_dict({
        "data_dir": str(tmp_path / "data"),
        "models_manifest": str(ROOT / "models" / "manifest.toml"),
        "ari": {"url": "http://127.0.0.1:9", "password": "x"},
        "knowledge": {"source_dir": str(tmp_path / "kb-none")},
        "web": {"password_hash": HASH, "max_upload_mb": 0.1, **web},
    }, ROOT)


def seed_calls(settings) -> None:  # type: ignore[no-untyped-def]
    rec = CallRecords(settings.data_path / "calls.sqlite3")
    rec.start_call("call-one", "5551234")
    rec.add_turn("call-one", 0, "greeting", "", "Hello, how can I help?")
    rec.add_turn("call-one", 1, "answer", "How much is the UTM-100?", "The UTM-100 costs 42,000 euros.",
                 sources=[{"source": "prices.md", "score": 0.71, "text": "UTM-100: 42,000 EUR"}],
                 timings={"transcript_ms": 210.5, "retrieval_ms": 30.1, "first_sentence_ms": 640.0, "first_rtp_ms": 900.2,
                          "tokens": 12, "mode": "generated"})
    caller_wav = settings.data_path / "recordings" / "call-one-caller.wav"
    agent_wav = settings.data_path / "recordings" / "call-one-agent.wav"
    _wav(caller_wav)
    _wav(agent_wav)
    rec.end_call("call-one", "answered", "caller_hangup", (str(caller_wav), str(agent_wav)))
    rec.start_call("call-two", "5559999")
    rec.add_turn("call-two", 0, "transfer", "Put me through to a person", "Of course.")
    rec.end_call("call-two", "transferred", "transferred")
    rec.start_call("call-live", "5550000")
    rec.flush()
    rec.close()


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[tuple[TestClient, Any]]:
    settings = make_settings(tmp_path)
    seed_calls(settings)
    store, stasis = FakeStore(), FakeStasis()
    engines = FakeEngines(store)
    stasis.calls["call-live"] = FakeLeg("5550000")
    app = create_app(settings, engines=engines, stasis=stasis, store=store)
    client = TestClient(TestServer(app))
    await client.start_server()
    ctx = type("Ctx", (), {"settings": settings, "store": store, "engines": engines, "stasis": stasis, "app": app})()
    try:
        yield client, ctx
    finally:
        await client.close()


async def login_form(client: TestClient) -> str:
    resp = await client.get("/login")
    assert resp.status == 200
    m = re.search(r'name="csrf_token" value="([^"]+)"', await resp.text())
    assert m
    return m.group(1)


async def sign_in(client: TestClient, password: str = PASSWORD, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    token = await login_form(client)
    return await client.post("/login", data={"password": password, "csrf_token": token, "next": "/calls"},
                             allow_redirects=False, headers=headers or {})


async def csrf_of(client: TestClient) -> str:
    html = await (await client.get("/calls")).text()
    m = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert m and m.group(1)
    return m.group(1)


# -- sign-in ---------------------------------------------------------------------------------


def test_password_hash_round_trip() -> None:
    h = hash_password("s3cret-pass")
    assert h.startswith("scrypt$") and h != hash_password("s3cret-pass"), "salted"
    assert verify_password("s3cret-pass", h)
    assert not verify_password("wrong", h)
    assert not verify_password("s3cret-pass", "garbage")
    assert not verify_password("s3cret-pass", "")


async def test_sign_in_sets_a_strict_httponly_session_cookie(console) -> None:
    client, _ = console
    resp = await sign_in(client)
    assert resp.status == 302 and resp.headers["Location"] == "/calls"
    cookie = resp.cookies["appliance_session"]
    assert len(cookie.value) >= 40
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and not cookie["secure"]
    page = await client.get("/calls")
    assert page.status == 200 and "call-one" in await page.text()


async def test_session_cookie_is_secure_behind_https(console) -> None:
    client, _ = console
    resp = await sign_in(client, headers={"X-Forwarded-Proto": "https"})
    assert resp.status == 302
    assert resp.cookies["appliance_session"]["secure"]


async def test_wrong_password_is_refused_with_a_clear_message(console) -> None:
    client, _ = console
    resp = await sign_in(client, password="nope")
    assert resp.status == 401
    assert "Wrong password." in await resp.text()
    assert "appliance_session" not in resp.cookies
    assert (await client.get("/api/calls")).status == 401


async def test_the_login_form_survives_a_second_login_page_load(console) -> None:
    """Browsers fetch /favicon.ico (or open a second tab): the first form must still work."""
    client, _ = console
    token = await login_form(client)
    assert (await client.get("/favicon.ico")).status == 204
    assert await login_form(client) == token
    resp = await client.post("/login", data={"password": PASSWORD, "csrf_token": token}, allow_redirects=False)
    assert resp.status == 302


async def test_sign_in_without_the_form_token_is_refused(console) -> None:
    client, _ = console
    resp = await client.post("/login", data={"password": PASSWORD}, allow_redirects=False)
    assert resp.status == 403
    assert "form expired" in await resp.text()


async def test_five_failures_a_minute_then_429_even_with_the_right_password(console) -> None:
    client, _ = console
    for _ in range(5):
        assert (await sign_in(client, password="bad")).status == 401
    resp = await sign_in(client)
    assert resp.status == 429
    assert int(resp.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins" in await resp.text()


async def test_no_password_configured_nobody_can_sign_in(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, password_hash="")
    async with TestClient(TestServer(create_app(settings, store=FakeStore()))) as client:
        page = await client.get("/login")
        assert "appliance web passwd" in await page.text()
        resp = await sign_in(client, password="")
        assert resp.status == 403 and "No admin password is set" in await resp.text()


async def test_logout_ends_the_session(console) -> None:
    client, _ = console
    await sign_in(client)
    token = await csrf_of(client)
    resp = await client.post("/logout", data={"csrf_token": token}, allow_redirects=False)
    assert resp.status == 302
    assert (await client.get("/api/calls")).status == 401


async def test_next_parameter_cannot_redirect_off_site(console) -> None:
    client, _ = console
    token = await login_form(client)
    resp = await client.post("/login", data={"password": PASSWORD, "csrf_token": token, "next": "//evil.example/"},
                             allow_redirects=False)
    assert resp.status == 302 and resp.headers["Location"] == "/"


@pytest.mark.parametrize("query", ["/%09/evil.example", "//evil", "https://evil", "/\\evil", "/%5Cevil",
                                   "/%0d%0a/evil.example", "%2F%2Fevil", "/%2509/evil.example", "javascript:alert(1)",
                                   "/ /evil.example", "/\u2028/evil.example"])
async def test_next_after_sign_in_accepts_only_a_local_path(console, query: str) -> None:
    """The issue's reproduction: /login?next=/%09/evil.example redirected to //evil.example."""
    client, _ = console
    token = await login_form(client)
    resp = await client.post(f"/login?next={query}", data={"password": PASSWORD, "csrf_token": token},
                             allow_redirects=False)
    assert resp.status == 302 and resp.headers["Location"] == "/", resp.headers["Location"]
    page = await client.get(f"/login?next={query}", allow_redirects=False)  # signed in: straight on
    assert page.status == 302 and page.headers["Location"] == "/"


def test_next_keeps_local_paths() -> None:
    assert safe_next_path("/calls?q=a%20b&outcome=answered") == "/calls?q=a%20b&outcome=answered"
    assert safe_next_path("/calls/1732871234.56") == "/calls/1732871234.56"
    for bad in ("/\t/evil.example", "/\\evil", "//evil", "https://evil", "", None, "calls", "/%2F/evil"):
        assert safe_next_path(bad) == "/", bad


class Browser:
    """A client with its own source address (127.0.0.x) and cookie jar, as a second machine would be."""

    def __init__(self, client: TestClient, address: str) -> None:
        self.base = str(client.make_url(""))
        self.http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(address, 0)),
                                          cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def form_token(self) -> str:
        async with self.http.get(self.base + "/login") as resp:
            m = re.search(r'name="csrf_token" value="([^"]+)"', await resp.text())
        assert m
        return m.group(1)

    async def sign_in(self, password: str, token: str | None = None) -> int:
        """Sign in (as after a sign-out or an expired session: the device cookie stays)."""
        self.http.cookie_jar.clear(lambda m: m.key == "appliance_session")
        token = token or await self.form_token()
        async with self.http.post(self.base + "/login", data={"password": password, "csrf_token": token},
                                  allow_redirects=False) as resp:
            return resp.status

    async def guesses(self, n: int) -> list[int]:
        """n wrong passwords at once, with one form token (as a script would send them)."""
        token = await self.form_token()
        return list(await asyncio.gather(*(self.sign_in(f"guess-{i}", token) for i in range(n))))

    async def close(self) -> None:
        await self.http.close()


async def test_forty_concurrent_guesses_get_five_password_checks(console) -> None:
    """Failures are counted before the check: 38 of 40 concurrent guesses used to be checked."""
    client, _ = console
    attacker = Browser(client, "127.0.0.2")
    try:
        statuses = await attacker.guesses(40)
        assert statuses.count(401) == 5, "exactly the limit was checked"
        assert statuses.count(429) == 35
        assert await attacker.sign_in(PASSWORD) == 429, "that address waits, right password or not"
    finally:
        await attacker.close()


async def test_guessing_from_elsewhere_does_not_lock_the_administrator_out(console) -> None:
    """The lockout policy (appliance/web/auth.py): per (account, device or address), plus an
    account-wide limit that holds only clients that never signed in."""
    client, _ = console
    admin = Browser(client, "127.0.0.1")
    admin_again = Browser(client, "127.0.0.1")  # the admin's address, another browser (no device cookie)
    guessers = [Browser(client, f"127.0.0.{i}") for i in range(2, 6)]
    newcomer = Browser(client, "127.0.0.9")
    same_address_guesser = Browser(client, "127.0.0.1")
    try:
        assert await admin.sign_in(PASSWORD) == 302
        assert any(c.key == "appliance_device" for c in admin.http.cookie_jar)
        for g in guessers:  # 4 addresses x 40 concurrent guesses: 5 checked each, 20 in all
            assert (await g.guesses(40)).count(401) == 5
        assert await newcomer.sign_in(PASSWORD) == 429, "the account limit holds clients never seen before"
        assert await admin.sign_in(PASSWORD) == 302, "the admin's browser signs in during the attack"
        assert await admin_again.sign_in(PASSWORD) == 302, "so does the admin's known address"
        statuses = await same_address_guesser.guesses(40)  # a guesser behind the admin's own address
        assert statuses.count(401) == 5 and statuses.count(429) == 35
        assert await same_address_guesser.sign_in(PASSWORD) == 429
        assert await admin.sign_in(PASSWORD) == 302, "the device cookie keeps the admin in"
    finally:
        for b in (admin, admin_again, *guessers, newcomer, same_address_guesser):
            await b.close()


# -- every page and API needs sign-in --------------------------------------------------------


def _concrete(path: str) -> str:
    return (path.replace("{call_id}", "call-one").replace("{side}", "caller").replace("{job_id}", "x")
            .replace("{lead_id}", "1").replace("{delivery_id}", "1"))


async def test_every_route_needs_sign_in_except_healthz_and_metrics(console) -> None:
    client, ctx = console
    checked = 0
    for route in ctx.app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter") or info.get("prefix")
        if route.method == "HEAD" or path in ("/login", "/healthz", "/metrics", "/favicon.ico") or path.startswith("/static"):
            continue
        resp = await client.request(route.method, _concrete(path), allow_redirects=False)
        if path.startswith("/api/") or route.method != "GET":
            assert resp.status == 401, (route.method, path)
            assert (await resp.json())["error"] == "sign in required"
        else:
            assert resp.status == 302 and resp.headers["Location"].startswith("/login?next="), (route.method, path)
        checked += 1
    assert checked >= 20
    assert (await client.get("/healthz")).status == 200
    assert (await client.get("/metrics")).status == 200
    assert (await client.get("/nowhere", allow_redirects=False)).status == 302


async def test_metrics_can_be_made_private(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, metrics_public=False, metrics_token="scrape-me")
    async with TestClient(TestServer(create_app(settings, store=FakeStore()))) as client:
        assert (await client.get("/metrics")).status == 401
        assert (await client.get("/metrics", headers={"Authorization": "Bearer wrong"})).status == 401
        assert (await client.get("/metrics", headers={"Authorization": "Bearer scrape-me"})).status == 200
        await sign_in(client)
        assert (await client.get("/metrics")).status == 200


# -- CSRF ------------------------------------------------------------------------------------


async def test_posts_without_the_csrf_token_are_rejected(console) -> None:
    client, ctx = console
    await sign_in(client)
    r = await client.post("/api/kb/reindex")
    assert r.status == 403 and "CSRF" in (await r.json())["error"]
    r = await client.post("/api/kb/reindex", headers={"X-CSRF-Token": "forged"})
    assert r.status == 403
    r = await client.put("/api/prompts", json={"text": "x"})
    assert r.status == 403
    r = await client.post("/prompts", data={"text": "greeting = 'x'"})
    assert r.status == 403 and "CSRF" in await r.text()
    r = await client.post("/logout")
    assert r.status == 403
    assert ctx.engines.reloaded == []
    assert (await client.get("/api/calls")).status == 200, "still signed in"


# -- calls -----------------------------------------------------------------------------------


async def test_call_history_filters(console) -> None:
    client, _ = console
    await sign_in(client)
    all_calls = await (await client.get("/api/calls")).json()
    assert all_calls["total"] == 3
    by_outcome = await (await client.get("/api/calls?outcome=transferred")).json()
    assert [c["call_id"] for c in by_outcome["calls"]] == ["call-two"]
    by_caller = await (await client.get("/api/calls?caller=1234")).json()
    assert [c["call_id"] for c in by_caller["calls"]] == ["call-one"]
    by_text = await (await client.get("/api/calls?q=UTM-100")).json()
    assert [c["call_id"] for c in by_text["calls"]] == ["call-one"]
    today = time.strftime("%Y-%m-%d", time.gmtime())
    assert (await (await client.get(f"/api/calls?date_from={today}&date_to={today}")).json())["total"] == 3
    assert (await (await client.get("/api/calls?date_to=2000-01-01")).json())["total"] == 0
    bad = await client.get("/api/calls?date_from=yesterday")
    assert bad.status == 400 and "not a date" in (await bad.json())["error"]
    bad = await client.get("/api/calls?outcome=exploded")
    assert bad.status == 400
    page = await client.get("/calls?outcome=answered&q=UTM")
    html = await page.text()
    assert page.status == 200 and "call-one" in html and "call-two" not in html
    page = await client.get("/calls?date_from=notadate")
    assert page.status == 400 and "not a date" in await page.text()


async def test_call_detail_shows_transcript_sources_latency_and_recordings(console) -> None:
    client, _ = console
    await sign_in(client)
    call = await (await client.get("/api/calls/call-one")).json()
    assert call["outcome"] == "answered" and len(call["turns"]) == 2
    assert call["recordings"] == {"caller": "/calls/call-one/recording/caller", "agent": "/calls/call-one/recording/agent"}
    assert call["stages"][:2] == ["transcript", "retrieval"]
    html = await (await client.get("/calls/call-one")).text()
    for needle in ("How much is the UTM-100?", "42,000 euros", "prices.md", "first rtp", "900 ms", "<audio"):
        assert needle in html, needle
    wav = await client.get("/calls/call-one/recording/caller")
    assert wav.status == 200 and wav.headers["Content-Type"] == "audio/wav"
    assert (await wav.read())[:4] == b"RIFF"
    part = await client.get("/calls/call-one/recording/agent", headers={"Range": "bytes=0-99"})
    assert part.status == 206 and len(await part.read()) == 100
    assert (await client.get("/calls/call-two/recording/caller")).status == 404
    assert (await client.get("/calls/call-one/recording/etc")).status == 404
    assert (await client.get("/api/calls/nope")).status == 404
    assert (await client.get("/calls/nope")).status == 404


async def test_recordings_outside_the_recordings_folder_are_not_served(console, tmp_path: Path) -> None:
    client, ctx = console
    rec = CallRecords(ctx.settings.data_path / "calls.sqlite3")
    rec.start_call("evil", "1")
    rec.end_call("evil", "answered", "", ("/etc/passwd", str(ctx.settings.data_path / "recordings" / ".." / "calls.sqlite3")))
    rec.close()
    await sign_in(client)
    assert (await client.get("/calls/evil/recording/caller")).status == 404
    assert (await client.get("/calls/evil/recording/agent")).status == 404


async def test_live_calls_and_stats(console) -> None:
    client, _ = console
    await sign_in(client)
    live = await (await client.get("/api/live")).json()
    assert [c["call_id"] for c in live["calls"]] == ["call-live"] and live["calls"][0]["caller"] == "5550000"
    assert live["calls"][0]["duration_s"] is not None
    st = await (await client.get("/api/stats?hours=24")).json()
    assert len(st["calls_per_hour"]) == 24 and sum(h["total"] for h in st["calls_per_hour"]) == 3
    (point,) = st["turn_latency"]
    assert point["ms"]["first_rtp"] == 900.2
    assert (await client.get("/api/stats?hours=x")).status == 400
    html = await (await client.get("/")).text()
    assert 'id="chart-latency"' in html and "/static/charts.js" in html


# -- knowledge base --------------------------------------------------------------------------


async def _wait_job(client: TestClient, job: dict[str, Any]) -> dict[str, Any]:
    import asyncio

    for _ in range(100):
        if job["state"] != "running":
            return job
        await asyncio.sleep(0.05)
        job = (await (await client.get(f"/api/kb/jobs/{job['id']}")).json())["job"]
    raise AssertionError("job did not finish")


async def test_upload_search_delete_and_reindex(console) -> None:
    client, ctx = console
    await sign_in(client)
    token = await csrf_of(client)
    h = {"X-CSRF-Token": token}
    form = FormData()
    form.add_field("tag", "support")
    form.add_field("file", b"# Warranty\nThe ZX-5 warranty lasts seven years.\n", filename="../../warranty.md",
                   content_type="text/markdown")
    resp = await client.post("/api/kb/upload", data=form, headers=h)
    assert resp.status == 202, await resp.text()
    job = await _wait_job(client, (await resp.json())["job"])
    assert job["state"] == "done" and job["progress"] == 1.0 and "1 added" in job["message"]
    assert (ctx.settings.data_path / "kb_uploads" / "warranty.md").is_file(), "saved under uploads, name sanitised"
    docs = (await (await client.get("/api/kb/documents")).json())["documents"]
    assert [(d["source"], d["tag"], d["uploaded"]) for d in docs] == [("warranty.md", "support", True)]
    found = await (await client.get("/api/kb/search?q=How long is the ZX-5 warranty")).json()
    assert found["results"][0]["source"] == "warranty.md" and "seven years" in found["results"][0]["text"]
    assert (await client.get("/api/kb/search?q=")).status == 400
    job = await _wait_job(client, (await (await client.post("/api/kb/reindex", headers=h)).json())["job"])
    assert job["state"] == "done" and "1 added" in job["message"]
    resp = await client.post("/api/kb/delete", json={"doc_id": docs[0]["doc_id"]}, headers=h)
    assert resp.status == 202
    assert (await _wait_job(client, (await resp.json())["job"]))["state"] == "done"
    assert (await (await client.get("/api/kb/documents")).json())["documents"] == []
    assert not (ctx.settings.data_path / "kb_uploads" / "warranty.md").exists()
    assert (await client.post("/api/kb/delete", json={"doc_id": "nope"}, headers=h)).status == 404
    assert (await client.post("/api/kb/delete", data=b"not json", headers=h)).status == 400
    assert (await client.get("/api/kb/jobs/nope")).status == 404
    assert "kb-upload" in await (await client.get("/kb")).text()


async def test_oversized_upload_is_refused_with_the_limit(console) -> None:
    client, ctx = console
    await sign_in(client)
    h = {"X-CSRF-Token": await csrf_of(client)}
    form = FormData()
    form.add_field("file", b"a" * 300_000, filename="big.txt", content_type="text/plain")
    resp = await client.post("/api/kb/upload", data=form, headers=h)
    assert resp.status == 413
    assert (await resp.json())["error"] == "the file is too large: the limit is 0.1 MB"
    assert ctx.store.docs == {} and not (ctx.settings.data_path / "kb_uploads" / "big.txt").exists()
    # Chunked (no Content-Length): the streamed count stops it too.

    async def gen():  # type: ignore[no-untyped-def]
        for _ in range(40):
            yield b"b" * 10_000

    boundary = "XyZ"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.md\"\r\n"
            "Content-Type: text/plain\r\n\r\n").encode()

    async def body():  # type: ignore[no-untyped-def]
        yield head
        async for c in gen():
            yield c
        yield f"\r\n--{boundary}--\r\n".encode()

    resp = await client.post("/api/kb/upload", data=body(),
                             headers={**h, "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert resp.status == 413
    assert (await client.get("/healthz")).status == 200, "the server is fine afterwards"


async def test_wrong_file_type_and_empty_uploads_are_refused(console) -> None:
    client, ctx = console
    await sign_in(client)
    h = {"X-CSRF-Token": await csrf_of(client)}
    for name, data, expect in [("tool.exe", b"MZ\x00\x00", "unsupported file type .exe"),
                               ("noext", b"text", "unsupported file type (no extension)"),
                               ("empty.md", b"", "empty.md is empty"),
                               (".hidden", b"x", "unsupported file type")]:
        form = FormData()
        form.add_field("file", data, filename=name)
        resp = await client.post("/api/kb/upload", data=form, headers=h)
        assert resp.status == 400, name
        assert expect in (await resp.json())["error"], name
    resp = await client.post("/api/kb/upload", data=b"x", headers={**h, "Content-Type": "text/plain"})
    assert resp.status == 400 and "multipart" in (await resp.json())["error"]
    form = FormData()
    form.add_field("tag", "x", content_type="text/plain")  # multipart, but no file
    resp = await client.post("/api/kb/upload", data=form, headers=h)
    assert resp.status == 400
    assert ctx.store.docs == {}


async def test_a_file_the_store_cannot_read_is_not_kept(console) -> None:
    client, ctx = console
    await sign_in(client)
    h = {"X-CSRF-Token": await csrf_of(client)}
    form = FormData()
    form.add_field("file", b"%PDF-1.4 not really", filename="broken.pdf")  # FakeStore skips non-text
    resp = await client.post("/api/kb/upload", data=form, headers=h)
    job = await _wait_job(client, (await resp.json())["job"])
    assert job["state"] == "failed" and "broken.pdf was not added" in job["message"]
    assert not (ctx.settings.data_path / "kb_uploads" / "broken.pdf").exists()


# -- prompts ---------------------------------------------------------------------------------


async def test_prompts_are_validated_saved_and_applied(console) -> None:
    client, ctx = console
    await sign_in(client)
    token = await csrf_of(client)
    h = {"X-CSRF-Token": token}
    current = (await (await client.get("/api/prompts")).json())["text"]
    assert "greeting" in current
    target = ctx.settings.data_path / "prompts.toml"

    resp = await client.put("/api/prompts", json={"text": "greeting = 'unterminated"}, headers=h)
    assert resp.status == 400 and "is not valid TOML" in (await resp.json())["error"]
    resp = await client.put("/api/prompts", json={"text": "greeting = 'Hi'\nfallback = 'Sorry'\n"}, headers=h)
    assert resp.status == 400 and "lacks instructions" in (await resp.json())["error"]
    resp = await client.put("/api/prompts", json={"text": "surprise = 1\n" + current}, headers=h)
    assert resp.status == 400 and "unknown key surprise" in (await resp.json())["error"]
    resp = await client.put("/api/prompts", json={"nope": 1}, headers=h)
    assert resp.status == 400
    assert not target.exists() and ctx.engines.reloaded == [], "nothing saved or applied"
    assert not list(target.parent.glob(".prompts.toml*")), "no temp file left"

    # The HTML form: a bad file shows the reason and keeps the text; a good one is applied.
    resp = await client.post("/prompts", data={"csrf_token": token, "text": "greeting = \"x\"\n[[[broken"})
    html = await resp.text()
    assert resp.status == 400 and "Not saved" in html and "[[[broken" in html
    new = current.replace("Hello, thank you for calling", "Good day, this is")
    resp = await client.post("/prompts", data={"csrf_token": token, "text": new})
    assert resp.status == 200 and "New calls use these prompts" in await resp.text()
    assert target.read_text() == new and ctx.engines.reloaded == [target]
    assert "Good day, this is" in (await (await client.get("/api/prompts")).json())["text"]


# -- health, openapi, metrics ----------------------------------------------------------------


async def test_health_reports_each_check(console) -> None:
    client, _ = console
    await sign_in(client)
    health = await (await client.get("/api/health")).json()
    assert set(health["checks"]) == {"asterisk", "models", "store", "records"}
    assert health["checks"]["asterisk"]["ok"] is False and "not reachable" in health["checks"]["asterisk"]["detail"]
    assert health["checks"]["store"]["ok"] and health["checks"]["records"]["ok"]
    assert health["ok"] is False
    html = await (await client.get("/health")).text()
    assert "asterisk" in html and "failing" in html


async def test_openapi_documents_every_api_route(console) -> None:
    client, ctx = console
    await sign_in(client)
    spec = await (await client.get("/api/openapi.json")).json()
    assert spec["openapi"].startswith("3.")
    for route in ctx.app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter") or ""
        if path.startswith("/api/") and route.method != "HEAD":
            assert route.method.lower() in spec["paths"].get(path, {}), (route.method, path)


async def test_metrics_from_the_call_path(console) -> None:
    client, ctx = console

    def value(name: str, **labels: str) -> float:
        return metrics.REGISTRY.get_sample_value(name, labels) or 0.0

    before_calls = value("appliance_calls_total", outcome="answered")
    before_turns = value("appliance_turns_total", kind="answer")
    before_count = value("appliance_turn_stage_seconds_count", stage="first_rtp")
    metrics.call_started()
    metrics.observe_turn({"transcript_ms": 200.0, "first_rtp_ms": 750.0, "tokens": 9, "mode": "generated"})
    metrics.call_ended("answered")
    metrics.error("asr")
    assert value("appliance_calls_total", outcome="answered") == before_calls + 1
    assert value("appliance_turns_total", kind="answer") == before_turns + 1
    assert value("appliance_turn_stage_seconds_count", stage="first_rtp") == before_count + 1
    assert value("appliance_errors_total", kind="asr") >= 1
    assert value("appliance_active_calls") == 1, "bound to the Stasis app's live calls"
    text = await (await client.get("/metrics")).text()
    assert 'appliance_calls_total{outcome="answered"}' in text
    assert 'appliance_turn_stage_seconds_bucket{le="1.0",stage="first_rtp"}' in text
    assert "appliance_active_calls 1.0" in text


async def test_security_headers(console) -> None:
    client, _ = console
    resp = await client.get("/login")
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Frame-Options"] == "DENY" and resp.headers["Cache-Control"] == "no-store"


def test_cli_prints_a_hash_that_verifies(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import io

    from appliance.cli.main import main

    monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))
    assert main(["web", "passwd", "--stdin"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith('password_hash = "scrypt$')
    assert verify_password("a long password", line.split('"')[1])
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["web", "passwd", "--stdin"]) == 2
