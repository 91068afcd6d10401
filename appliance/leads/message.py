"""What a delivery carries: the webhook's JSON body and the plain-text mail, in the agent's language."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any
from urllib.parse import quote

#: Signature header of the webhook: ``sha256=<hex HMAC-SHA256 of the raw body>``.
SIGNATURE_HEADER = "X-Signature"
#: Same value on every attempt of one delivery (``<call id>:<lead id>:<channel>``): a receiver
#: that has seen it drops the repeat.
IDEMPOTENCY_HEADER = "Idempotency-Key"


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def call_url(console_url: str, call_id: str) -> str:
    return f"{console_url.rstrip('/')}/calls/{quote(call_id, safe='')}" if console_url else ""


def lead_json(lead: dict[str, Any], console_url: str = "") -> dict[str, Any]:
    """The lead as the webhook sends it (and the JSON API shows it)."""
    return {"id": lead["id"], "call_id": lead["call_id"], "at": _iso(lead["at"]), "caller": lead.get("caller", ""),
            "name": lead["name"], "contact": lead["contact"], "products": list(lead.get("products") or []),
            "request": lead.get("request", ""), "call_url": call_url(console_url, lead["call_id"])}


def webhook_body(lead: dict[str, Any], key: str, console_url: str = "") -> bytes:
    return json.dumps({"event": "lead.created", "idempotency_key": key, "lead": lead_json(lead, console_url)},
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sign(secret: bytes, body: bytes) -> str:
    """The ``X-Signature`` value for ``body``; receivers recompute it and compare in constant time."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify(secret: bytes, body: bytes, header: str | None) -> bool:
    return bool(header) and hmac.compare_digest(sign(secret, body), str(header))


_TEXT = {
    "en": {
        "subject": "New lead: {name} ({contact})",
        "intro": "A caller asked for a quote on the sales line.",
        "labels": ("Name", "Contact", "Caller ID", "Products", "Request", "Time", "Call", "Lead"),
        "none": "none named",
    },
    "ru": {
        "subject": "Новая заявка: {name} ({contact})",
        "intro": "Звонивший запросил коммерческое предложение.",
        "labels": ("Имя", "Контакт", "Номер звонившего", "Продукты", "Запрос", "Время", "Звонок", "Заявка"),
        "none": "не названы",
    },
}


def _one_line(text: str, limit: int = 200) -> str:
    return re.sub(r"\s+", " ", str(text or "")).strip()[:limit]


def mail_message(lead: dict[str, Any], key: str, *, from_addr: str, to: list[str], language: str = "en",
                 console_url: str = "") -> EmailMessage:
    """One plain-text message for one lead; Message-ID is derived from the idempotency key, so a
    repeat after a crash is recognisably the same message."""
    t = _TEXT.get(language, _TEXT["en"])
    name, contact = _one_line(lead["name"]) or "?", _one_line(lead["contact"]) or "?"
    products = ", ".join(lead.get("products") or []) or t["none"]
    when = dt.datetime.fromtimestamp(lead["at"], dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    values = (name, contact, lead.get("caller") or "?", products, _one_line(lead.get("request", ""), 2000),
              when, call_url(console_url, lead["call_id"]) or lead["call_id"], f"{lead['id']} ({key})")
    width = max(len(label) for label in t["labels"]) + 2
    lines = [t["intro"], ""] + [f"{label + ':':<{width}}{value}" for label, value in zip(t["labels"], values)]
    msg = EmailMessage()
    msg["Subject"] = t["subject"].format(name=name, contact=contact)
    msg["From"] = from_addr
    msg["To"] = ", ".join(to)
    msg["Date"] = formatdate(lead["at"], usegmt=True)
    domain = from_addr.rpartition("@")[2] or "appliance.invalid"
    msg["Message-ID"] = f"<lead-{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"
    msg[IDEMPOTENCY_HEADER] = key
    msg.set_content("\n".join(lines) + "\n")
    return msg
