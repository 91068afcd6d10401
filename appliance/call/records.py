"""Call records in SQLite (WAL), written as the call goes so a crash loses at most one event.

One writer thread owns the connection: the call path hands it rows and never waits on
disk.  Rows are handed over through a ``queue.SimpleQueue``, whose ``put`` is reentrant:
it takes no lock that the caller could already hold, so a write requested from any
context (a finaliser, a callback run in the middle of another write request) can never
deadlock the thread that asks.  A write that fails is logged and counted, never lost
silently.  Readers (the admin console, tests, the demo) open their own connections; WAL
lets them read while calls are being written.
"""

from __future__ import annotations

import json
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from appliance.logs import log_event
from appliance.web import metrics

log = logging.getLogger(__name__)

_Write = Callable[[sqlite3.Connection], Any]

SCHEMA = """
CREATE TABLE IF NOT EXISTS calls (
  call_id TEXT PRIMARY KEY,
  caller TEXT NOT NULL DEFAULT '',
  started_at REAL NOT NULL,
  ended_at REAL,
  outcome TEXT,             -- answered | transferred | abandoned | error | busy | in_progress
  end_reason TEXT,
  recording_caller TEXT,
  recording_agent TEXT
);
CREATE TABLE IF NOT EXISTS turns (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  call_id TEXT NOT NULL REFERENCES calls(call_id),
  idx INTEGER NOT NULL,
  at REAL NOT NULL,
  kind TEXT NOT NULL,       -- answer | greeting | reprompt | transfer | farewell | lead | fallback
  caller_text TEXT NOT NULL DEFAULT '',
  agent_text TEXT NOT NULL DEFAULT '',
  sources TEXT NOT NULL DEFAULT '[]',
  timings TEXT NOT NULL DEFAULT '{}',
  interrupted INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  call_id TEXT NOT NULL,
  at REAL NOT NULL,
  kind TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS leads (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  call_id TEXT NOT NULL,
  at REAL NOT NULL,
  name TEXT NOT NULL,
  contact TEXT NOT NULL,
  products TEXT NOT NULL DEFAULT '[]',
  request TEXT NOT NULL DEFAULT ''
);
-- One row per lead and delivery channel, written in the lead's own transaction: a lead
-- on disk always has its deliveries queued (appliance/leads/worker.py sends them).
CREATE TABLE IF NOT EXISTS lead_outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  lead_id INTEGER NOT NULL REFERENCES leads(id),
  channel TEXT NOT NULL,      -- webhook | mail
  key TEXT NOT NULL UNIQUE,   -- idempotency key the receiver sees: <call id>:<lead id>:<channel>
  state TEXT NOT NULL DEFAULT 'pending',  -- pending | done | failed (gave up)
  created_at REAL NOT NULL,
  next_at REAL NOT NULL,      -- not tried before this (backoff; a claim pushes it past the send)
  attempts INTEGER NOT NULL DEFAULT 0,
  last_attempt_at REAL,
  last_error TEXT NOT NULL DEFAULT '',
  done_at REAL,
  UNIQUE (lead_id, channel)
);
CREATE TABLE IF NOT EXISTS lead_status_history (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  lead_id INTEGER NOT NULL REFERENCES leads(id),
  at REAL NOT NULL,
  from_status TEXT NOT NULL,
  to_status TEXT NOT NULL,
  by_user TEXT NOT NULL,
  by_ip TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS turns_call ON turns(call_id);
CREATE INDEX IF NOT EXISTS events_call ON events(call_id);
CREATE INDEX IF NOT EXISTS leads_at ON leads(at);
CREATE INDEX IF NOT EXISTS lead_outbox_due ON lead_outbox(state, next_at);
CREATE INDEX IF NOT EXISTS lead_status_lead ON lead_status_history(lead_id);
"""

#: Columns added to ``leads`` after its first release (databases from then get them at connect).
LEAD_COLUMNS = {
    "status": "TEXT NOT NULL DEFAULT 'new'",  # new | contacted | closed
    "status_at": "REAL",
    "status_by": "TEXT NOT NULL DEFAULT ''",
}


def connect(path: Path) -> sqlite3.Connection:
    """A connection with WAL on and the schema in place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=10)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.executescript(SCHEMA)
    _add_columns(conn, "leads", LEAD_COLUMNS)
    conn.row_factory = sqlite3.Row
    return conn


def _add_columns(conn: sqlite3.Connection, table: str, columns: dict[str, str]) -> None:
    have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
    for name, ddl in columns.items():
        if name not in have:
            try:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {ddl}")
            except sqlite3.OperationalError as exc:  # another connection added it first
                if "duplicate column" not in str(exc):
                    raise


class CallRecords:
    """Writes call, turn, event and lead rows from one background thread."""

    def __init__(self, path: Path, outbox_channels: Sequence[str] = (),
                 on_lead: Callable[[int], None] | None = None) -> None:
        """``outbox_channels``: the delivery channels each new lead is queued for (leads.channels());
        ``on_lead``: called with the lead's id once it is committed (the delivery worker's wake-up;
        it runs on the writer thread, so it must be thread-safe and quick)."""
        self.path = path
        self.outbox_channels = tuple(outbox_channels)
        self.on_lead = on_lead
        self._conn = connect(path)
        self._pending: queue.SimpleQueue[tuple[_Write, Future[Any]] | None] = queue.SimpleQueue()
        #: Writes that raised (logged each time); the admin console and tests read it.
        self.failed_writes = 0
        self._closed = False
        self._writer = threading.Thread(target=self._write_rows, name="call-records", daemon=True)
        self._writer.start()

    def _submit(self, fn: _Write) -> Future[Any]:
        done: Future[Any] = Future()
        if self._closed:
            done.set_exception(RuntimeError("call records are closed"))
            return done
        self._pending.put((fn, done))  # reentrant: safe from any thread and any context
        return done

    def _write_rows(self) -> None:
        """The writer thread: one row at a time, committed, until close() sends None."""
        while (item := self._pending.get()) is not None:
            fn, done = item
            if not done.set_running_or_notify_cancel():
                continue
            try:
                result = fn(self._conn)
                self._conn.commit()
            except Exception as exc:  # noqa: BLE001 - a bad row must not stop the writer
                self.failed_writes += 1
                log_event(log, "records.write_failed", level=logging.ERROR, path=str(self.path),
                          error=f"{type(exc).__name__}: {exc}", failed_writes=self.failed_writes)
                done.set_exception(exc)
            else:
                done.set_result(result)

    def start_call(self, call_id: str, caller: str) -> Future[Any]:
        return self._submit(lambda c: c.execute(
            "INSERT OR REPLACE INTO calls(call_id, caller, started_at, outcome) VALUES (?,?,?,'in_progress')",
            (call_id, caller, time.time())))

    def end_call(self, call_id: str, outcome: str, reason: str = "", recordings: tuple[str, str] = ("", "")) -> Future[Any]:
        return self._submit(lambda c: c.execute(
            "UPDATE calls SET ended_at=?, outcome=?, end_reason=?, recording_caller=?, recording_agent=? WHERE call_id=?",
            (time.time(), outcome, reason, recordings[0] or None, recordings[1] or None, call_id)))

    def add_turn(self, call_id: str, idx: int, kind: str, caller_text: str, agent_text: str,
                 sources: list[dict[str, Any]] | None = None, timings: dict[str, Any] | None = None,
                 interrupted: bool = False) -> Future[Any]:
        return self._submit(lambda c: c.execute(
            "INSERT INTO turns(call_id, idx, at, kind, caller_text, agent_text, sources, timings, interrupted)"
            " VALUES (?,?,?,?,?,?,?,?,?)",
            (call_id, idx, time.time(), kind, caller_text, agent_text, json.dumps(sources or []),
             json.dumps(timings or {}), int(interrupted))))

    def add_event(self, call_id: str, kind: str, **detail: Any) -> Future[Any]:
        return self._submit(lambda c: c.execute(
            "INSERT INTO events(call_id, at, kind, detail) VALUES (?,?,?,?)",
            (call_id, time.time(), kind, json.dumps(detail))))

    def add_lead(self, call_id: str, name: str, contact: str, products: list[str], request: str) -> Future[Any]:
        """Store a lead and queue its deliveries in one transaction; the future gives the lead's id."""
        channels = self.outbox_channels

        def write(c: sqlite3.Connection) -> int:
            now = time.time()
            with c:  # one transaction: both or neither
                lead_id = int(c.execute(
                    "INSERT INTO leads(call_id, at, name, contact, products, request) VALUES (?,?,?,?,?,?)",
                    (call_id, now, name, contact, json.dumps(products), request)).lastrowid or 0)
                c.executemany(
                    "INSERT INTO lead_outbox(lead_id, channel, key, created_at, next_at) VALUES (?,?,?,?,?)",
                    [(lead_id, ch, f"{call_id}:{lead_id}:{ch}", now, now) for ch in channels])
            return lead_id

        def after(fut: Future[Any]) -> None:
            if fut.exception() is not None:
                return
            metrics.lead_stored()
            if self.on_lead is not None:
                try:
                    self.on_lead(fut.result())
                except Exception:  # a wake-up that fails only delays delivery to the next poll
                    pass

        future = self._submit(write)
        future.add_done_callback(after)
        return future

    def flush(self) -> None:
        """Wait until every row handed over so far is on disk."""
        self._submit(lambda c: None).result()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._pending.put(None)
        self._writer.join()
        self._conn.close()


#: ``end_reason`` of calls a previous run of the service left open (it was killed, hung, or
#: restarted by the watchdog before it could record the end).
SERVICE_RESTART = "service_restart"


def close_interrupted(path: Path) -> list[str]:
    """Close the calls a previous run left ``in_progress``: outcome ``error``, reason ``service_restart``.

    Runs at service start, before any call is taken, so every such row is a leftover.  The
    end time is the call's last recorded activity (its last turn or event), not now: a run
    that hung for hours must not show hour-long calls.  An event row says what happened.
    Returns the call ids closed (the Stasis app looks for their bridges too).
    """
    if not path.is_file():
        return []
    conn = connect(path)
    try:
        now = time.time()
        ids = [r[0] for r in conn.execute("SELECT call_id FROM calls WHERE outcome='in_progress'")]
        for call_id in ids:
            conn.execute(
                "UPDATE calls SET outcome='error', end_reason=?, ended_at=MAX(started_at,"
                " COALESCE((SELECT MAX(at) FROM turns WHERE call_id=?), 0),"
                " COALESCE((SELECT MAX(at) FROM events WHERE call_id=?), 0)) WHERE call_id=?",
                (SERVICE_RESTART, call_id, call_id, call_id))
            conn.execute("INSERT INTO events(call_id, at, kind, detail) VALUES (?,?,?,?)",
                         (call_id, now, "closed_at_start", json.dumps({"reason": SERVICE_RESTART})))
        conn.commit()
        return ids
    finally:
        conn.close()


def read_call(path: Path, call_id: str) -> dict[str, Any] | None:
    """One call with its turns, events and leads (tests, the demo and the admin API use it)."""
    conn = connect(path)
    try:
        row = conn.execute("SELECT * FROM calls WHERE call_id=?", (call_id,)).fetchone()
        if row is None:
            return None
        call = dict(row)
        call["turns"] = [
            {**dict(t), "sources": json.loads(t["sources"]), "timings": json.loads(t["timings"])}
            for t in conn.execute("SELECT * FROM turns WHERE call_id=? ORDER BY id", (call_id,))
        ]
        call["events"] = [{**dict(e), "detail": json.loads(e["detail"])}
                          for e in conn.execute("SELECT * FROM events WHERE call_id=? ORDER BY id", (call_id,))]
        call["leads"] = [{**dict(lead), "products": json.loads(lead["products"])}
                         for lead in conn.execute("SELECT * FROM leads WHERE call_id=? ORDER BY id", (call_id,))]
        return call
    finally:
        conn.close()


def list_calls(path: Path, limit: int = 50) -> list[dict[str, Any]]:
    conn = connect(path)
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM calls ORDER BY started_at DESC LIMIT ?", (limit,))]
    finally:
        conn.close()
