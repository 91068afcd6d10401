"""The two ways a lead leaves the box: an HTTP POST to the CRM, and a message to the mail relay.

Each ``send`` returns when the receiver acknowledged the lead (HTTP 2xx; the relay accepted
the message), with a note ("" or what was odd), and raises DeliveryError with a short
reason otherwise.  The webhook is
aiohttp on the loop; smtplib blocks, so the mail goes out from a worker thread.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from typing import Any

import aiohttp

from appliance.leads.config import DeliveryConfig
from appliance.leads.message import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, mail_message, sign, webhook_body


class DeliveryError(Exception):
    """The receiver did not take the lead; the message is the reason the console shows."""


class WebhookChannel:
    name = "webhook"

    def __init__(self, config: DeliveryConfig) -> None:
        self.config = config
        self.url = config.leads.webhook.url
        self._http: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        ctx = ssl.create_default_context(cafile=self.config.webhook_ca or None) if self.url.startswith("https:") else None
        self._http = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self.config.leads.webhook.timeout_s),
            connector=aiohttp.TCPConnector(ssl=ctx if ctx is not None else True, limit=4),
            headers={"User-Agent": "appliance-leads/1"})

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def send(self, lead: dict[str, Any], key: str) -> str:
        assert self._http is not None, "open() first"
        body = webhook_body(lead, key, self.config.leads.console_url)
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(self.config.webhook_secret, body),
                   IDEMPOTENCY_HEADER: key, "X-Lead-Id": str(lead["id"])}
        try:
            async with self._http.post(self.url, data=body, headers=headers, allow_redirects=False) as resp:
                if 200 <= resp.status < 300:
                    return ""
                detail = (await resp.text(errors="replace"))[:200].strip()
                raise DeliveryError(f"HTTP {resp.status} {resp.reason or ''}".strip() + (f": {detail}" if detail else ""))
        except asyncio.TimeoutError:
            raise DeliveryError(f"no answer within {self.config.leads.webhook.timeout_s:g} s") from None
        except aiohttp.ClientError as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}"[:300]) from None


class MailChannel:
    name = "mail"

    def __init__(self, config: DeliveryConfig) -> None:
        self.config = config
        self.mail = config.leads.mail

    async def open(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def send(self, lead: dict[str, Any], key: str) -> str:
        msg = mail_message(lead, key, from_addr=self.mail.from_addr, to=list(self.mail.to),
                           language=self.config.language, console_url=self.config.leads.console_url)
        return await asyncio.get_running_loop().run_in_executor(None, self._send_blocking, msg)

    def _send_blocking(self, msg: Any) -> str:
        m = self.mail
        try:
            with smtplib.SMTP(m.smtp_host, m.smtp_port, timeout=m.timeout_s) as smtp:
                smtp.ehlo()
                if m.starttls:
                    smtp.starttls(context=ssl.create_default_context(cafile=self.config.mail_ca or None))
                    smtp.ehlo()
                if self.config.mail_login is not None:
                    smtp.login(*self.config.mail_login)
                refused = smtp.send_message(msg)
        except smtplib.SMTPResponseException as exc:
            text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
            raise DeliveryError(f"SMTP {exc.smtp_code}: {text}"[:300]) from None
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(f"every recipient refused: {', '.join(exc.recipients)}"[:300]) from None
        except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}"[:300]) from None
        # Some recipients refused, others took it: sending again would repeat it to those, so
        # the delivery counts as done and the refusals are logged.
        return f"refused for {', '.join(refused)}" if refused else ""


def make_channels(config: DeliveryConfig) -> dict[str, WebhookChannel | MailChannel]:
    out: dict[str, WebhookChannel | MailChannel] = {}
    for name in config.channels:
        out[name] = WebhookChannel(config) if name == "webhook" else MailChannel(config)
    return out
