"""Reading and changing leads and their deliveries in the call records database.

The console and the delivery worker share these queries; each takes an open connection
(``appliance.call.records.connect``) so the caller decides which thread it runs on.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from appliance.web.queries import QueryError, day_bound

STATUSES = ("new", "contacted", "closed")
DELIVERY_STATES = ("pending", "done", "failed")


#: A filter or change the user asked for is malformed; the message says which (the calls
#: page's error, so one date parser serves both pages).
LeadQueryError = QueryError


_LEAD_SELECT = ("SELECT l.*, COALESCE(c.caller, '') AS caller FROM leads l"
                " LEFT JOIN calls c ON c.call_id = l.call_id")


def _lead_row(r: sqlite3.Row) -> dict[str, Any]:
    d = dict(r)
    try:
        d["products"] = json.loads(d.get("products") or "[]")
    except ValueError:
        d["products"] = []
    return d


def list_leads(conn: sqlite3.Connection, *, status: str = "", date_from: str = "", date_to: str = "",
               limit: int | None = 200, offset: int = 0) -> dict[str, Any]:
    """Leads matching the filters, newest first, each with its deliveries; ``limit=None``: all (CSV)."""
    where, args = [], []
    if status:
        if status not in STATUSES:
            raise LeadQueryError(f"status: {status!r} is not one of {', '.join(STATUSES)}")
        where.append("l.status = ?")
        args.append(status)
    lo, hi = day_bound(date_from, "date_from"), day_bound(date_to, "date_to", end=True)
    if lo is not None:
        where.append("l.at >= ?")
        args.append(lo)
    if hi is not None:
        where.append("l.at < ?")
        args.append(hi)
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    total = conn.execute(f"SELECT COUNT(*) FROM leads l{clause}", args).fetchone()[0]
    page = ""
    if limit is not None:
        limit = max(1, min(int(limit), 1000))
        offset = max(0, int(offset))
        page = f" LIMIT {limit} OFFSET {offset}"
    rows = [_lead_row(r) for r in conn.execute(f"{_LEAD_SELECT}{clause} ORDER BY l.at DESC, l.id DESC{page}", args)]
    by_lead = _deliveries_of(conn, [r["id"] for r in rows])
    for r in rows:
        r["deliveries"] = by_lead.get(r["id"], [])
    return {"total": total, "limit": limit, "offset": offset, "leads": rows}


def _deliveries_of(conn: sqlite3.Connection, lead_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    for i in range(0, len(lead_ids), 500):
        chunk = lead_ids[i:i + 500]
        marks = ",".join("?" * len(chunk))
        for r in conn.execute(f"SELECT * FROM lead_outbox WHERE lead_id IN ({marks}) ORDER BY id", chunk):
            out.setdefault(r["lead_id"], []).append(dict(r))
    return out


def get_lead(conn: sqlite3.Connection, lead_id: int) -> dict[str, Any] | None:
    """One lead with its deliveries and status history (oldest change first)."""
    row = conn.execute(f"{_LEAD_SELECT} WHERE l.id = ?", (lead_id,)).fetchone()
    if row is None:
        return None
    lead = _lead_row(row)
    lead["deliveries"] = _deliveries_of(conn, [lead_id]).get(lead_id, [])
    lead["history"] = [dict(r) for r in conn.execute(
        "SELECT at, from_status, to_status, by_user, by_ip FROM lead_status_history WHERE lead_id = ? ORDER BY id",
        (lead_id,))]
    return lead


def set_status(conn: sqlite3.Connection, lead_id: int, status: str, by_user: str, by_ip: str = "") -> dict[str, Any] | None:
    """Move a lead to ``status`` and record who and when; None when there is no such lead."""
    if status not in STATUSES:
        raise LeadQueryError(f"status: {status!r} is not one of {', '.join(STATUSES)}")
    now = time.time()
    with conn:
        row = conn.execute("SELECT status FROM leads WHERE id = ?", (lead_id,)).fetchone()
        if row is None:
            return None
        if row["status"] != status:
            conn.execute("UPDATE leads SET status = ?, status_at = ?, status_by = ? WHERE id = ?",
                         (status, now, by_user, lead_id))
            conn.execute("INSERT INTO lead_status_history(lead_id, at, from_status, to_status, by_user, by_ip)"
                         " VALUES (?,?,?,?,?,?)", (lead_id, now, row["status"], status, by_user, by_ip))
    return get_lead(conn, lead_id)


def list_deliveries(conn: sqlite3.Connection, state: str = "open", limit: int = 200) -> list[dict[str, Any]]:
    """Deliveries in ``state`` (pending | done | failed, or open = pending and failed), oldest first."""
    states = ("pending", "failed") if state == "open" else (state,)
    if any(s not in DELIVERY_STATES for s in states):
        raise LeadQueryError(f"state: {state!r} is not one of open, {', '.join(DELIVERY_STATES)}")
    marks = ",".join("?" * len(states))
    rows = conn.execute(
        "SELECT o.*, l.call_id, l.name, l.contact, l.at AS lead_at FROM lead_outbox o JOIN leads l ON l.id = o.lead_id"
        f" WHERE o.state IN ({marks}) ORDER BY o.created_at, o.id LIMIT ?", (*states, max(1, min(int(limit), 1000))))
    return [dict(r) for r in rows]


def retry_now(conn: sqlite3.Connection, delivery_id: int) -> bool:
    """Make a pending or failed delivery due now (a done one never goes out again); True if it was."""
    with conn:
        cur = conn.execute("UPDATE lead_outbox SET state = 'pending', next_at = ? WHERE id = ? AND state != 'done'",
                           (time.time(), delivery_id))
    return cur.rowcount == 1


# -- the worker's side -----------------------------------------------------------------------


@dataclass
class Delivery:
    """One outbox row claimed for sending, with the lead it carries."""

    id: int
    channel: str
    key: str
    attempts: int
    lead: dict[str, Any]


def claim_due(conn: sqlite3.Connection, channels: tuple[str, ...], lease_s: float, limit: int = 20,
              now: float | None = None) -> list[Delivery]:
    """Due deliveries on ``channels``, each claimed by pushing its next_at ``lease_s`` ahead.

    A claim is a compare-and-set on next_at, so two workers on one database never take the
    same row; a worker that dies mid-send leaves it due again once the lease runs out.
    """
    if not channels:
        return []
    now = time.time() if now is None else now
    marks = ",".join("?" * len(channels))
    rows = conn.execute(
        f"SELECT o.id AS delivery_id, o.channel, o.key, o.attempts, o.next_at AS due_at, l.id, l.call_id, l.at,"
        f" l.name, l.contact, l.products, l.request, COALESCE(c.caller, '') AS caller"
        f" FROM lead_outbox o JOIN leads l ON l.id = o.lead_id LEFT JOIN calls c ON c.call_id = l.call_id"
        f" WHERE o.state = 'pending' AND o.next_at <= ? AND o.channel IN ({marks})"
        f" ORDER BY o.next_at, o.id LIMIT ?", (now, *channels, limit)).fetchall()
    claimed = []
    with conn:
        for r in rows:
            cur = conn.execute("UPDATE lead_outbox SET next_at = ? WHERE id = ? AND state = 'pending' AND next_at = ?",
                               (now + lease_s, r["delivery_id"], r["due_at"]))
            if cur.rowcount == 1:
                lead = {k: v for k, v in _lead_row(r).items()
                        if k not in ("delivery_id", "channel", "key", "attempts", "due_at")}
                claimed.append(Delivery(id=r["delivery_id"], channel=r["channel"], key=r["key"],
                                        attempts=r["attempts"], lead=lead))
    return claimed


def mark_done(conn: sqlite3.Connection, delivery_id: int, now: float | None = None) -> None:
    now = time.time() if now is None else now
    with conn:
        conn.execute("UPDATE lead_outbox SET state = 'done', done_at = ?, last_attempt_at = ?, attempts = attempts + 1,"
                     " last_error = '' WHERE id = ? AND state = 'pending'", (now, now, delivery_id))


def backoff_s(attempts: int, initial_s: float, max_s: float) -> float:
    """The wait after the ``attempts``-th failure: doubling from initial_s, capped at max_s, +-10 % jitter."""
    base = min(max_s, initial_s * 2 ** min(max(attempts - 1, 0), 40))
    return min(max_s, base * random.uniform(0.9, 1.1))


def mark_failed(conn: sqlite3.Connection, delivery_id: int, error: str, *, initial_s: float, max_s: float,
                max_attempts: int = 0, now: float | None = None) -> tuple[int, float | None]:
    """Record a failed attempt; returns (attempts so far, next try time or None when given up)."""
    now = time.time() if now is None else now
    with conn:
        row = conn.execute("SELECT attempts FROM lead_outbox WHERE id = ? AND state = 'pending'",
                           (delivery_id,)).fetchone()
        if row is None:
            return 0, None
        attempts = row["attempts"] + 1
        give_up = bool(max_attempts) and attempts >= max_attempts
        next_at = now + backoff_s(attempts, initial_s, max_s)
        conn.execute("UPDATE lead_outbox SET attempts = ?, last_attempt_at = ?, last_error = ?, next_at = ?,"
                     " state = ? WHERE id = ?",
                     (attempts, now, error[:500], next_at, "failed" if give_up else "pending", delivery_id))
    return attempts, None if give_up else next_at


def release(conn: sqlite3.Connection, delivery_id: int) -> None:
    """Hand a claimed delivery back, due now (the worker stopped before it was sent)."""
    with conn:
        conn.execute("UPDATE lead_outbox SET next_at = ? WHERE id = ? AND state = 'pending'", (time.time(), delivery_id))


def next_due(conn: sqlite3.Connection, channels: tuple[str, ...]) -> float | None:
    """When the earliest pending delivery on ``channels`` is due (None: nothing pending)."""
    if not channels:
        return None
    marks = ",".join("?" * len(channels))
    row = conn.execute(f"SELECT MIN(next_at) FROM lead_outbox WHERE state = 'pending' AND channel IN ({marks})",
                       channels).fetchone()
    return row[0]


def pending_count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COUNT(*) FROM lead_outbox WHERE state = 'pending'").fetchone()[0])
