"""The admin console in a real browser (Debian's chromium driven by Playwright) against the real service.

A call is placed by the scripted SIP caller through the local Asterisk into the conversation
service (real models, record_audio on); the console runs in the same event loop with the
service's Stasis app and engines, as ``appliance serve`` runs it.  The browser signs in,
opens that call, loads and plays its recording, uploads a document and finds it with the
knowledge-base search.  Screenshots go to tests/artifacts/web/.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import socket
import uuid
from pathlib import Path

import pytest

from appliance.call.engines import Engines
from appliance.call.records import CallRecords, read_call
from appliance.call.service import conversation_handler
from appliance.telephony.caller_voice import caller_voice
from appliance.telephony.sip_caller import CallerTurn, SipCaller
from appliance.web.auth import hash_password
from conftest import ROOT, settings_for_asterisk

pytestmark = [pytest.mark.asterisk, pytest.mark.models, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--autoplay-policy=no-user-gesture-required"]
ARTIFACTS = ROOT / "tests" / "artifacts" / "web"
PASSWORD = "browser test password"

playwright_api = pytest.importorskip("playwright.async_api", reason="Playwright for Python is not installed (pip install playwright)")
if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium (scripts/system-deps.sh)", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("web-browser")


#: Our own Stasis app ("<app>-<anything>" reaches it): other test sessions on the shared
#: Asterisk neither take our call nor send us theirs.
APP_SUFFIX = f"web{uuid.uuid4().hex[:8]}"  # letters and digits only: the dialplan matches ^<app>-[a-z0-9]+$
CALLER_NUMBER = "5557001"


def make_settings(local_asterisk, data_dir: Path, port: int = 0):  # type: ignore[no-untyped-def]
    return settings_for_asterisk(local_asterisk, data_dir, knowledge={"source_dir": str(ROOT / "kb" / "sample")},
                                 ari={"app": f"{local_asterisk.app}-{APP_SUFFIX}"},
                                 call={"record_audio": True},
                                 web={"port": port, "password_hash": hash_password(PASSWORD)})


@pytest.fixture(scope="module")
def engines(local_asterisk, data_dir: Path):  # type: ignore[no-untyped-def]
    loaded = Engines.load(make_settings(local_asterisk, data_dir))
    yield loaded
    loaded.close()


async def test_console_in_a_real_browser(local_asterisk, start_service, engines, data_dir: Path) -> None:
    from aiohttp import web

    from appliance.web.app import create_app

    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    port = free_port()
    settings = make_settings(local_asterisk, data_dir, port)
    engines.settings = settings
    records = CallRecords(data_dir / "calls.sqlite3")
    svc = await start_service(conversation_handler(engines, records), settings)
    runner = web.AppRunner(create_app(settings, engines=engines, stasis=svc.app, records_path=records.path))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    base = f"http://127.0.0.1:{port}"
    try:
        # 1. A real call through Asterisk, recorded.
        question = "How much does the UTM-100 weigh?"
        result = await SipCaller(local_asterisk.sip_host, local_asterisk.sip_port, settings.ari.app,
                                 caller_number=CALLER_NUMBER).call(
            [CallerTurn(audio=caller_voice(question, "piper"), text=question)], listen_s=1.0)
        assert result.answered
        await svc.wait_idle(15)
        records.flush()

        async with playwright_api.async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            # JS errors and CSP refusals; the 4xx answers this test provokes on purpose are expected.
            page.on("console", lambda msg: errors.append(msg.text)
                    if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)

            # 2. Sign in (a wrong password first: the page says so).
            await page.goto(base + "/calls")
            assert page.url.startswith(base + "/login")
            await page.fill("#password", "not it")
            await page.click("#sign-in")
            assert "Wrong password." in await page.inner_text("#login-error")
            await page.fill("#password", PASSWORD)
            await page.click("#sign-in")
            await page.wait_for_url(base + "/calls")
            await page.screenshot(path=str(ARTIFACTS / "01-calls.png"), full_page=True)

            # 3. The call (found with the history filters): transcript, latency, recordings that load and play.
            await page.fill("input[name=caller]", CALLER_NUMBER)
            await page.fill("input[name=q]", "UTM-100")
            await page.click("#call-filters button")
            await page.wait_for_url("**/calls?*")
            assert (await page.locator("a.call-link").count()) == 1
            await page.click("a.call-link")
            await page.wait_for_selector("#transcript")
            transcript = await page.inner_text("#transcript")
            assert "UTM-100" in transcript and "410" in transcript, transcript
            assert "first rtp" in (await page.inner_text("#latency")).lower()
            for side in ("caller", "agent"):
                duration = await page.eval_on_selector(f"#audio-{side}", """a => new Promise((ok, bad) => {
                    if (a.readyState >= 1) return ok(a.duration);
                    a.addEventListener('loadedmetadata', () => ok(a.duration));
                    a.addEventListener('error', () => bad(new Error('audio error ' + (a.error && a.error.code))));
                })""")
                assert duration > 1.0, (side, duration)
            played = await page.eval_on_selector("#audio-agent", """async a => {
                await a.play();
                await new Promise(r => setTimeout(r, 700));
                a.pause();
                return a.currentTime;
            }""")
            assert played > 0.2, played
            await page.screenshot(path=str(ARTIFACTS / "02-call-detail.png"), full_page=True)

            # 4. Dashboard: live calls table and both charts render.
            await page.goto(base + "/")
            await page.wait_for_selector("#chart-calls svg")
            await page.wait_for_selector("#chart-latency svg")
            assert "No calls in progress." in await page.inner_text("#live-calls")
            await page.screenshot(path=str(ARTIFACTS / "03-dashboard.png"), full_page=True)

            # 5. Knowledge base: upload a document, watch it ingest, find it with the search.
            doc = data_dir / "zephyr-kit.md"
            doc.write_text("# Zephyr-9 calibration kit\n\nThe Zephyr-9 calibration kit costs 1,234 euros and "
                           "ships with a certificate of calibration.\n")
            await page.goto(base + "/kb")
            await page.set_input_files("#kb-file", str(doc))
            await page.click("#kb-upload-button")
            expect = playwright_api.expect
            await expect(page.locator("#kb-status")).to_contain_text("upload finished", timeout=60_000)
            await expect(page.locator("#kb-documents")).to_contain_text("zephyr-kit.md")
            await page.fill("#kb-q", "How much is the Zephyr-9 calibration kit?")
            await page.click("#kb-search-button")
            await page.wait_for_selector("#kb-results li")
            first = await page.inner_text("#kb-results li >> nth=0")
            assert "zephyr-kit.md" in first and "1,234 euros" in first, first
            await page.screenshot(path=str(ARTIFACTS / "04-knowledge-base.png"), full_page=True)
            # The upload reached the agent's own store.
            passages = engines.store.search("How much is the Zephyr-9 calibration kit?", top_k=1)
            assert passages and "1,234" in passages[0].text

            # Reindex (progress bar to the end), then delete the upload again.
            await page.click("#kb-reindex")
            await expect(page.locator("#kb-status")).to_contain_text("reindex finished", timeout=120_000)
            assert await page.eval_on_selector("#kb-progress", "p => p.value") == 1
            page.once("dialog", lambda d: asyncio.ensure_future(d.accept()))
            await page.locator("#kb-documents tr", has_text="zephyr-kit.md").get_by_role("button", name="Delete").click()
            await expect(page.locator("#kb-status")).to_contain_text("delete finished", timeout=60_000)
            await expect(page.locator("#kb-documents")).not_to_contain_text("zephyr-kit.md")
            assert not any("1,234" in p.text for p in engines.store.search("Zephyr-9 calibration kit price", top_k=3))

            # A wrong file type is refused on the page with the reason.
            bad = data_dir / "tool.exe"
            bad.write_bytes(b"MZ\x00\x00")
            await page.set_input_files("#kb-file", str(bad))
            await page.click("#kb-upload-button")
            await expect(page.locator("#kb-status")).to_contain_text("unsupported file type .exe")

            # 6. Health and prompts pages.
            await page.goto(base + "/health")
            health = await page.inner_text("#health")
            assert "asterisk" in health and "Asterisk" in health
            await page.screenshot(path=str(ARTIFACTS / "05-health.png"), full_page=True)
            await page.goto(base + "/prompts")
            original = await page.input_value("#prompts-text")
            greeting_before = engines.phrases.greeting
            await page.fill("#prompts-text", "greeting = 'broken")
            await page.click("#prompts-form button")
            assert "not valid TOML" in await page.inner_text("#prompts-error")
            await page.screenshot(path=str(ARTIFACTS / "06-prompts-error.png"), full_page=True)
            # A bad file changes nothing (the greeting is the prompts' template filled with the
            # company's name, so it is compared with itself, not looked up in the file's text).
            assert engines.phrases.greeting == greeting_before and "greeting" in original, "a bad file changes nothing"
            # A good edit applies to the next call without a restart.
            new_greeting = "Welcome to the console test line."
            edited = re.sub(r'(?m)^greeting = .*$', f'greeting = "{new_greeting}"', original)
            await page.fill("#prompts-text", edited)
            await page.click("#prompts-form button")
            await expect(page.locator("#prompts-message")).to_contain_text("New calls use these prompts")
            assert engines.phrases.greeting == new_greeting
            second = await SipCaller(local_asterisk.sip_host, local_asterisk.sip_port, settings.ari.app,
                                     caller_number="5557002").call([], listen_s=4.0)
            assert second.answered
            await svc.wait_idle(15)
            records.flush()
            await page.goto(base + "/calls?caller=5557002")
            await page.click("a.call-link")
            assert new_greeting in await page.inner_text("#transcript")
            await page.goto(base + "/prompts")
            await page.fill("#prompts-text", original)
            await page.click("#prompts-form button")
            await expect(page.locator("#prompts-message")).to_contain_text("New calls use these prompts")

            assert not errors, errors
            await browser.close()
    finally:
        await runner.cleanup()
        records.close()


async def test_a_quote_request_call_reaches_the_leads_page_the_webhook_and_the_mail(
        local_asterisk, start_service, engines, data_dir: Path, tmp_path: Path) -> None:
    """A real call asks for a quote: the lead is on the leads page (status changed there, CSV
    downloaded), a local HTTP receiver got it with a valid signature and a local SMTP relay
    (aiosmtpd) got the mail, both sent by the service's delivery worker."""
    import csv
    import io
    import os

    from aiohttp import web

    from appliance.call.service import open_records, records_path
    from appliance.leads.config import load_delivery
    from appliance.leads.worker import DeliveryWorker
    from appliance.web.app import create_app
    from leads_receivers import SmtpReceiver, WebhookReceiver, until

    secret = "browser-test webhook secret"
    secret_file = tmp_path / "webhook-secret"
    secret_file.write_text(secret + "\n")
    os.chmod(secret_file, 0o600)
    receiver = await WebhookReceiver(secret.encode()).start()
    smtp = SmtpReceiver().start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = make_settings(local_asterisk, data_dir, port)
    settings.leads.console_url = base + "/"
    settings.leads.webhook.url, settings.leads.webhook.secret_file = receiver.url, str(secret_file)
    settings.leads.mail.smtp_host, settings.leads.mail.smtp_port = "127.0.0.1", smtp.port
    settings.leads.mail.from_addr, settings.leads.mail.to = "pbx@example.com", ["sales@example.com"]
    engines.settings = settings
    worker = DeliveryWorker(load_delivery(settings), records_path(settings))
    records = open_records(settings, on_lead=worker.notify)
    await worker.start()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    svc = await start_service(conversation_handler(engines, records), settings)
    runner = web.AppRunner(create_app(settings, engines=engines, stasis=svc.app, records_path=records.path,
                                      lead_worker=worker))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    caller_number = "5557003"
    try:
        # 1. The call, as tests/test_conversation.py's lead test places it.
        turns = [CallerTurn(audio=caller_voice(t, "piper"), text=t) for t in (
            "Can I get a quote for the UTM-50?", "My name is John.", "My number is 0 1 7 6, 2 4 8, 3 9 1 5.",
            "Yes, that's correct.")]
        result = await SipCaller(local_asterisk.sip_host, local_asterisk.sip_port, settings.ari.app,
                                 caller_number=caller_number).call_in_child(turns, "caller", 1.0)
        assert result.answered
        await svc.wait_idle(15)
        records.flush()

        # 2. Both receivers got it, from the worker, without being asked.
        assert await until(lambda: receiver.leads and smtp.messages, 30), (receiver.requests, smtp.messages)
        assert all(r["signature_ok"] for r in receiver.requests) and len(receiver.leads) == 1
        lead = receiver.leads[0]["lead"]
        assert lead["caller"] == caller_number and "john" in lead["name"].lower(), lead
        # What is delivered is the number the caller confirmed: the one read back to them.
        # (Whether Whisper hears every digit of a dictated number is test_conversation's
        # lead test and bench/dictation_eval.py; here it is the delivery.)
        call = read_call(records.path, lead["call_id"])
        assert call is not None
        confirmed = [re.sub(r"\D", "", t["agent_text"]) for t in call["turns"] if "contact you at" in t["agent_text"]]
        assert confirmed and len(confirmed[-1]) >= 7, call["turns"]  # a phone number, read back
        assert re.sub(r"\D", "", lead["contact"]) == confirmed[-1] and lead["products"] == ["UTM-50"], lead
        assert lead["call_url"] == f"{base}/calls/{lead['call_id']}"
        assert len(smtp.messages) == 1
        mailed = smtp.messages[0].get_content()
        contact_line = [line for line in mailed.splitlines() if line.startswith("Contact:")]
        assert contact_line and re.sub(r"\D", "", contact_line[0]) == confirmed[-1], mailed

        # 3. The leads page: the row, delivered on both channels; status changed by the signed-in user.
        async with playwright_api.async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            page = await browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            await page.goto(base + "/leads")
            await page.fill("#password", PASSWORD)
            await page.click("#sign-in")
            await page.wait_for_url(base + "/leads")
            row = page.locator(f"tr.lead[data-lead-id='{lead['id']}']")
            text = await row.inner_text()
            assert caller_number in text and "UTM-50" in text and "John" in text, text
            assert "webhook: sent" in text and "mail: sent" in text, text
            assert await page.inner_text("#delivery-clear")
            await page.screenshot(path=str(ARTIFACTS / "07-leads.png"), full_page=True)
            await row.locator("select[name=status]").select_option("contacted")
            async with page.expect_navigation():
                await row.get_by_role("button", name="Set").click()
            row = page.locator(f"tr.lead[data-lead-id='{lead['id']}']")
            assert await row.locator("select[name=status]").input_value() == "contacted"
            assert "admin" in await row.inner_text()
            async with page.expect_download() as info:
                await page.click("#lead-export")
            download = await info.value
            exported = Path(await download.path()).read_text(encoding="utf-8-sig")
            rows = list(csv.DictReader(io.StringIO(exported)))
            assert [(r["caller"], r["status"], r["call_id"]) for r in rows if r["id"] == str(lead["id"])] == \
                [(caller_number, "contacted", lead["call_id"])]
            await row.get_by_role("link", name="transcript").click()
            await page.wait_for_selector("#transcript")
            assert "contact you at" in await page.inner_text("#transcript")
            assert not errors, errors
            await browser.close()
    finally:
        await runner.cleanup()
        await worker.stop()
        records.close()
        await receiver.stop()
        smtp.stop()
