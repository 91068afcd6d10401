"""Read-only queries over the call records for the console (history filters, charts)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any

from appliance.call.records import connect

OUTCOMES = ("answered", "transferred", "abandoned", "error", "in_progress")


class QueryError(ValueError):
    """A filter the user gave is malformed; the message says which."""


def day_bound(value: str, name: str, end: bool = False) -> float | None:
    """A YYYY-MM-DD filter as a UTC timestamp (its start, or with ``end`` the next day's start)."""
    if not value:
        return None
    try:
        d = dt.date.fromisoformat(value)
    except ValueError:
        raise QueryError(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from None
    if end:
        d += dt.timedelta(days=1)
    return dt.datetime.combine(d, dt.time(), tzinfo=dt.timezone.utc).timestamp()


def search_calls(path: Path, *, q: str = "", outcome: str = "", caller: str = "", date_from: str = "",
                 date_to: str = "", limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """Calls matching the filters, newest first, with turn counts; ``q`` searches transcripts."""
    where: list[str] = []
    args: list[str | float] = []
    if outcome:
        if outcome not in OUTCOMES:
            raise QueryError(f"outcome: {outcome!r} is not one of {', '.join(OUTCOMES)}")
        where.append("c.outcome = ?")
        args.append(outcome)
    if caller:
        where.append("c.caller LIKE ?")
        args.append(f"%{caller}%")
    lo, hi = day_bound(date_from, "date_from"), day_bound(date_to, "date_to", end=True)
    if lo is not None:
        where.append("c.started_at >= ?")
        args.append(lo)
    if hi is not None:
        where.append("c.started_at < ?")
        args.append(hi)
    if q:
        where.append("(c.call_id LIKE ? OR EXISTS (SELECT 1 FROM turns t WHERE t.call_id = c.call_id"
                     " AND (t.caller_text LIKE ? OR t.agent_text LIKE ?)))")
        args += [f"%{q}%"] * 3
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    limit = max(1, min(int(limit), 500))
    offset = max(0, int(offset))
    conn = connect(path)
    try:
        total = conn.execute(f"SELECT COUNT(*) FROM calls c {clause}", args).fetchone()[0]
        rows = conn.execute(
            f"SELECT c.*, (SELECT COUNT(*) FROM turns t WHERE t.call_id = c.call_id) AS turns"
            f" FROM calls c {clause} ORDER BY c.started_at DESC LIMIT ? OFFSET ?", [*args, limit, offset]).fetchall()
        return {"total": total, "limit": limit, "offset": offset, "calls": [_call_row(r) for r in rows]}
    finally:
        conn.close()


def _call_row(r: sqlite3.Row) -> dict[str, Any]:
    d = dict(r)
    d["duration_s"] = round(d["ended_at"] - d["started_at"], 1) if d.get("ended_at") else None
    d["has_recording"] = bool(d.get("recording_caller") or d.get("recording_agent"))
    return d


def in_progress(path: Path) -> dict[str, dict[str, Any]]:
    """Calls the records say are in progress, by id (live calls take their start time from here)."""
    conn = connect(path)
    try:
        rows = conn.execute("SELECT c.*, (SELECT COUNT(*) FROM turns t WHERE t.call_id = c.call_id) AS turns"
                            " FROM calls c WHERE outcome = 'in_progress'").fetchall()
        return {r["call_id"]: dict(r) for r in rows}
    finally:
        conn.close()


def stats(path: Path, hours: int = 24, now: float | None = None) -> dict[str, Any]:
    """Calls per hour (by outcome) and per-turn stage latencies over the last ``hours``."""
    now = now or dt.datetime.now(dt.timezone.utc).timestamp()
    hours = max(1, min(int(hours), 24 * 31))
    start_hour = (int(now) // 3600 - hours + 1) * 3600
    conn = connect(path)
    try:
        buckets: dict[int, dict[str, int]] = {start_hour + 3600 * i: {} for i in range(hours)}
        for r in conn.execute("SELECT started_at, outcome FROM calls WHERE started_at >= ?", (start_hour,)):
            h = int(r["started_at"]) // 3600 * 3600
            if h in buckets:
                o = r["outcome"] or "unknown"
                buckets[h][o] = buckets[h].get(o, 0) + 1
        per_hour = [{"hour": h, "total": sum(v.values()), "by_outcome": v} for h, v in sorted(buckets.items())]
        points = []
        for r in conn.execute("SELECT call_id, at, kind, timings FROM turns WHERE at >= ? ORDER BY at LIMIT 5000",
                              (start_hour,)):
            try:
                timings = json.loads(r["timings"])
            except ValueError:
                continue
            ms = {k[:-3]: v for k, v in timings.items()
                  if k.endswith("_ms") and isinstance(v, (int, float)) and not isinstance(v, bool)}
            if ms:
                points.append({"at": r["at"], "call_id": r["call_id"], "kind": r["kind"], "ms": ms})
        return {"hours": hours, "from": start_hour, "to": now, "calls_per_hour": per_hour, "turn_latency": points}
    finally:
        conn.close()
