"""``appliance soak``: a bounded chaos run against a real Asterisk, judged as an unattended box.

What it does (bench/README.md, "Soak"):

1. Brings up its own Asterisk (``soak_asterisk``: a second local instance on other ports,
   so its kill disturbs no one) and starts the service as a subprocess (``appliance serve``
   with its own config, data dir, Stasis app and admin console), as the bench does.
2. Places calls from ``concurrency`` callers at once until ``duration_s`` or ``max_calls``,
   whichever comes first, each of a kind drawn from the mix (``soak_calls``): questions,
   hang-ups 0.5-2 s into the answer (by ARI and by BYE), barge-ins, DTMF, silence, long
   calls, transfers.
3. Meanwhile, at set points of the run: uploads through the admin API (a good Markdown file
   and the hostile ones of issue 12: a heading with 10,000 spaces, a .docx zip bomb),
   reindexes, one ``kill -9`` of Asterisk and its restart, one SIGTERM of the service in
   mid-call and its restart.  Calls in flight at a kill or restart are marked ``disrupted``:
   they may fail; every other call must be answered.
4. Watches the service all along: its ``/healthz`` every 0.5 s (a reply over 100 ms is an
   event-loop stall as seen from outside; a loop-lag metric in ``/metrics``, where the
   service has one, is reported too), its RSS, open files and threads from ``/proc``.
5. At the end: one more call that must be answered with the right fact; Asterisk must hold
   no channel or bridge; the service's SQLite no ``in_progress`` call; the service must
   exit on SIGTERM within ``term_timeout_s``.  A sample of the answers heard is transcribed
   with the tests' Whisper ear.  A table is printed, a JSON report written
   (``soak_report``), and the exit status says whether any failure criterion was hit.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import secrets
import signal
import socket
import sqlite3
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np

from appliance.bench.runner import ROOT, ServiceProcess, _proc_rss_mb, parse_events, trim_trailing_silence
from appliance.bench.soak_admin import (
    GOOD_MD,
    AdminClient,
    fetch_metrics,
    hostile_markdown,
    parse_metrics,
    zip_bomb_docx,
)
from appliance.web.metrics import MEMORY_PARTS
from appliance.bench.soak_calls import DEFAULT_MIX, QUESTIONS, CuttingCaller, SoakCall, fact_in, plan_turns
from appliance.config.errors import ApplianceError
from appliance.logs import log_event

log = logging.getLogger(__name__)

#: A healthz round trip above this counts as an event-loop stall.
STALL_S = 0.1
PROBE_INTERVAL_S = 0.5
SAMPLE_INTERVAL_S = 5.0
#: Silence after which a caller takes the agent's reply as done and speaks again: above the
#: pause between an answer's opening words and the rest on a loaded box.
SETTLE_SILENCE_S = 2.0
#: Calls a service life takes before its memory is taken as settled, and the fewest after
#: that over which its growth is judged.
WARMUP_CALLS = 20
MIN_CALLS_FOR_GROWTH = 30


@dataclass
class SoakOptions:
    """How long, how hard, and what the run does to the service."""

    duration_s: float = 1200.0
    max_calls: int = 400
    concurrency: int = 2
    seed: int = 12
    out: Path = ROOT / "bench" / "soak.json"
    #: A config file the service starts from (models, threads, KB), as for the bench.
    config: str | None = None
    #: Where the service's data dir, config and log go (default: a temp folder, removed after).
    workdir: Path | None = None
    asterisk_kill: bool = True
    service_restart: bool = True
    #: Uploads during the run: "good" (a Markdown fact, twice), "hostile_md", "zip_bomb".
    uploads: tuple[str, ...] = ("good", "hostile_md", "zip_bomb")
    reindexes: int = 2
    #: A fixed cycle of call kinds (the short run); None: drawn from ``mix``.
    kinds: list[str] | None = None
    mix: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_MIX))
    #: A call not answered within this (outside a kill or restart) is a hang.
    answer_timeout_s: float = 20.0
    #: The service must exit this soon after SIGTERM.
    term_timeout_s: float = 20.0
    #: /healthz unanswered this long (outside a kill or restart) is a hang.
    hang_after_s: float = 30.0
    #: Answers transcribed by the Whisper ear (plus the final call's).
    ear_sample: int = 6
    #: Failure bounds: RSS growth per 100 calls in one service life (after its first call),
    #: open files and threads grown over a life, the longest event-loop stall.
    rss_growth_mb_per_100: float = 64.0
    fd_growth: int = 64
    thread_growth: int = 32
    max_stall_s: float = 2.0
    zip_bomb_mb: int = 20
    hostile_spaces: int = 10_000
    #: Share of the run at which the hostile Markdown goes up.
    hostile_md_at: float = 0.30

    @classmethod
    def short(cls, **kw: Any) -> SoakOptions:
        """The ~2-3 minute version ``make test`` runs: ~10 calls, hang-ups mid-answer, one hostile upload."""
        base: dict[str, Any] = dict(
            duration_s=180.0, max_calls=10, concurrency=2, asterisk_kill=False, service_restart=False,
            uploads=("hostile_md",), reindexes=0, ear_sample=1, hostile_md_at=0.6,
            kinds=["question", "cut_ari", "cut_bye", "cut_ari", "barge_in", "cut_bye", "dtmf", "cut_ari",
                   "cut_bye", "question"])
        base.update(kw)
        return cls(**base)

    def schedule(self) -> list[tuple[float, str]]:
        """The chaos actions and the share of the run (time or calls) at which each starts."""
        plan: list[tuple[float, str]] = []
        if "good" in self.uploads:
            plan.append((0.06, "upload_good"))
        if self.asterisk_kill:
            plan.append((0.12, "asterisk_kill"))
        if self.service_restart:
            plan.append((0.20, "service_term"))
        if "hostile_md" in self.uploads:
            plan.append((self.hostile_md_at, "upload_hostile_md"))
        if self.reindexes >= 1:
            plan.append((0.42, "reindex"))
        if "zip_bomb" in self.uploads:
            plan.append((0.52, "upload_zip_bomb"))
        if self.reindexes >= 2:
            plan.append((0.66, "reindex"))
        if "good" in self.uploads:
            plan.append((0.78, "upload_good"))
        for i in range(2, self.reindexes):
            plan.append((0.66 + 0.25 * (i - 1) / max(1, self.reindexes - 2), "reindex"))
        return sorted(plan)


# -- /proc ------------------------------------------------------------------------------------

def proc_figures(pid: int | None) -> dict[str, Any]:
    """RSS (MB), open files and threads of a process; empty when it is gone."""
    if pid is None:
        return {}
    try:
        fds = len(os.listdir(f"/proc/{pid}/fd"))
        threads = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                       if line.startswith("Threads:"))
    except (OSError, StopIteration, ValueError):
        return {}
    rss = _proc_rss_mb(pid)
    return {"rss_mb": round(rss, 1) if rss is not None else None, "fds": fds, "threads": threads}


def memory_parts(metrics_text: str) -> dict[str, float]:
    """The service's ``appliance_memory_bytes`` parts in MB (prompt_states, heap_in_use,
    heap_mmapped, heap_free), as ``<part>_mb``; empty when /metrics did not answer."""
    return {f"{labels['part']}_mb": round(value / 1e6, 1) for name, labels, value in parse_metrics(metrics_text)
            if name == "appliance_memory_bytes" and "part" in labels}


@dataclass
class ServiceLife:
    """One run of the service process, from start to SIGTERM.

    Memory is judged from the ``settled`` sample, taken once the life has ended
    ``WARMUP_CALLS`` calls (caches, thread pools and allocator arenas fill over the first
    calls), and only over lives with ``MIN_CALLS_FOR_GROWTH`` calls after it: a growth
    figure extrapolated from a handful of calls measures the warm-up, not a leak.
    """

    pid: int
    started_s: float
    start: dict[str, Any]
    calls_at_start: int
    warm: dict[str, Any] = field(default_factory=dict)
    calls_at_warm: int = 0
    settled: dict[str, Any] = field(default_factory=dict)
    calls_at_settled: int = 0
    end: dict[str, Any] = field(default_factory=dict)
    calls_at_end: int = 0
    term_exit_s: float | None = None
    #: /metrics once the life takes calls, and at its end: the loop lag of the run is the
    #: difference (start-up, with its model loading, is not a call's problem).
    metrics_start: str = ""
    metrics: str = ""
    #: The latest memory parts from /metrics (the sampler's): kept with each figure, so
    #: that a growth of RSS can be told apart (saved prompt states, heap in use, heap free).
    memory: dict[str, float] = field(default_factory=dict)

    def figures(self) -> dict[str, Any]:
        return {**proc_figures(self.pid), **self.memory}

    def note_call_ended(self, calls_ended: int) -> None:
        if not self.warm:
            self.warm, self.calls_at_warm = self.figures(), calls_ended
        if not self.settled and calls_ended - self.calls_at_start >= WARMUP_CALLS:
            self.settled, self.calls_at_settled = self.figures(), calls_ended

    @staticmethod
    def _growth(a: dict[str, Any], b: dict[str, Any], calls: int, least: int) -> float | None:
        if a.get("rss_mb") is None or b.get("rss_mb") is None or calls < least:
            return None
        return round((b["rss_mb"] - a["rss_mb"]) / calls * 100, 1)

    def _slope(self, timeline: list[dict[str, Any]], key: str) -> float | None:
        """MB per 100 calls: the least-squares slope of ``key`` against calls ended, over
        this life's 5 s samples from its settled point.  Two samples alone (settled, end)
        swing by tens of MB as the heap is trimmed after each call and the models' buffers
        come and go mid-call; a trend over every sample does not."""
        points = [(float(t["calls_ended"]), float(t[key])) for t in timeline
                  if t.get("pid") == self.pid and t.get(key) is not None and self.settled
                  and t["calls_ended"] >= self.calls_at_settled]
        calls = [c for c, _ in points]
        if len(points) < 3 or max(calls) - min(calls) < MIN_CALLS_FOR_GROWTH:
            return None
        mean_c, mean_v = sum(calls) / len(calls), sum(v for _, v in points) / len(points)
        var = sum((c - mean_c) ** 2 for c in calls)
        return round(sum((c - mean_c) * (v - mean_v) for c, v in points) / var * 100, 1)

    def to_json(self, timeline: list[dict[str, Any]]) -> dict[str, Any]:
        """The life's figures; growth is judged on ``timeline`` (the soak's 5 s samples)."""
        after_settled = self.calls_at_end - self.calls_at_settled if self.settled else 0
        growth = self._slope(timeline, "rss_mb")
        two_point = self._growth(self.settled, self.end, after_settled, MIN_CALLS_FOR_GROWTH)
        by_part = {part: self._slope(timeline, f"{part}_mb") for part in MEMORY_PARTS}
        return {"pid": self.pid, "started_s": self.started_s, "start": self.start, "warm": self.warm,
                "settled": self.settled, "end": self.end, "calls": self.calls_at_end - self.calls_at_start,
                "calls_after_settled": after_settled,
                "rss_growth_mb_per_100_calls": growth,
                "rss_growth_mb_per_100_calls_two_point": two_point,
                "rss_growth_mb_per_100_calls_from_first": self._growth(
                    self.warm, self.end, self.calls_at_end - self.calls_at_warm, 10),
                "growth_mb_per_100_calls_by_part": by_part,
                "term_exit_s": self.term_exit_s}


def _free_tcp_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Soak:
    """One soak run: the service, its Asterisk, the callers, the chaos, the watchers."""

    def __init__(self, opts: SoakOptions, progress: Any = print) -> None:
        self.opts, self.progress = opts, progress
        self.rng = random.Random(opts.seed)
        self.t0 = 0.0
        self.calls: list[SoakCall] = []
        self.placed = 0
        self.ended = 0
        self.windows: list[list[float | None]] = []  # [start, end] of kills and restarts
        self.gate = asyncio.Event()
        self.abort_reason = ""
        self.failures: list[str] = []
        self.lives: list[ServiceLife] = []
        self.chaos: list[dict[str, Any]] = []
        self.probe = {"probes": 0, "stalls_over_100ms": 0, "max_ms": 0.0, "unanswered": 0, "longest_silence_s": 0.0}
        self.timeline: list[dict[str, Any]] = []
        self._unanswered_streak = 0
        self.svc: ServiceProcess | None = None
        self.admin: AdminClient | None = None
        self.web_url = ""

    # -- time and state ----------------------------------------------------------------

    def now(self) -> float:
        return round(time.monotonic() - self.t0, 2)

    def share_done(self) -> float:
        return max(self.now() / self.opts.duration_s, self.placed / max(1, self.opts.max_calls))

    def finished(self) -> bool:
        return bool(self.abort_reason) or self.placed >= self.opts.max_calls or self.now() >= self.opts.duration_s

    def in_window(self, since: float | None = None) -> bool:
        """Whether a kill/restart is going on now (or overlapped [since, now])."""
        now = self.now()
        lo = now if since is None else since
        return any(s is not None and s <= now and (e is None or e > lo) for s, e in self.windows)

    def abort(self, reason: str) -> None:
        if not self.abort_reason:
            self.abort_reason = reason
            self.failures.append(reason)
            self.progress(f"soak: ABORT: {reason}")
        self.gate.set()

    def pid(self) -> int | None:
        return self.svc.proc.pid if self.svc and self.svc.proc and self.svc.proc.poll() is None else None

    # -- the service -------------------------------------------------------------------

    async def start_service(self, timeout: float = 900.0) -> None:
        """Start the service and wait until *this* process is connected to ARI.

        Asterisk keeps listing a Stasis app while a channel is still in it, so after a restart
        mid-call "the app is registered" says nothing about the new process: its own
        ``event=ari.connected`` line does.
        """
        assert self.svc is not None
        offset, t = self.svc.log_size(), time.monotonic()
        await self.svc.start(timeout)
        deadline = time.monotonic() + timeout
        while "event=ari.connected" not in self.svc.log_slice(offset):
            if self.svc.proc is None or self.svc.proc.poll() is not None or time.monotonic() > deadline:
                raise ApplianceError(f"the service did not connect to ARI:\n{self.svc.log_tail()}")
            await asyncio.sleep(0.5)
        pid = self.pid()
        assert pid is not None
        self.lives.append(ServiceLife(pid, self.now(), proc_figures(pid), self.ended,
                                      metrics_start=await fetch_metrics(self.web_url)))
        self.progress(f"soak: service up (pid {pid}, {time.monotonic() - t:.0f} s to start)")

    def close_life(self) -> None:
        if self.lives and not self.lives[-1].end:
            life = self.lives[-1]
            life.end, life.calls_at_end = life.figures(), self.ended

    async def terminate(self) -> float | None:
        """SIGTERM the service; seconds it took to exit, or None (a hang: it was killed)."""
        assert self.svc is not None and self.svc.proc is not None
        proc = self.svc.proc
        if proc.poll() is not None:
            return 0.0
        if self.lives:
            self.lives[-1].metrics = await fetch_metrics(self.web_url)
        self.close_life()
        t = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        deadline = t + self.opts.term_timeout_s
        while proc.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        took = round(time.monotonic() - t, 2)
        if proc.poll() is None:
            proc.kill()
            await asyncio.to_thread(proc.wait)
            self.failures.append(f"hang: the service did not exit within {self.opts.term_timeout_s:.0f} s of SIGTERM "
                                 "(killed)")
            took_or_none: float | None = None
        else:
            took_or_none = took
        if self.lives:
            self.lives[-1].term_exit_s = took_or_none
        return took_or_none

    # -- calls ---------------------------------------------------------------------------

    def next_kind(self, n: int) -> str:
        if self.opts.kinds:
            return self.opts.kinds[n % len(self.opts.kinds)]
        kinds = list(self.opts.mix)
        return self.rng.choices(kinds, weights=[self.opts.mix[k] for k in kinds])[0]

    async def drop_channel(self, number: str) -> bool:
        """Hang the caller's channel up from Asterisk's side (``DELETE /ari/channels/{id}``);
        False when it could not (the caller then sends its own BYE)."""
        dropped = False
        try:
            for ch in await self.ari.channels():
                if ch.caller_number == number and not ch.is_external_media:
                    dropped = await self.ari.hangup(ch.id) or dropped
        except Exception as exc:  # noqa: BLE001 - the call then ends by the caller's BYE
            log_event(log, "soak.drop_failed", level=logging.WARNING, number=number, error=str(exc)[:200])
        return dropped

    async def place(self, n: int, kind: str, question: str | None = None) -> SoakCall:
        turns, questions, kw = plan_turns(kind, self.rng, self.voices)
        if question is not None:  # the final call: a set question
            turns, questions = turns[:1], [question]
            turns[0].audio, turns[0].text = self.voices[question], question
        number = f"7{n:05d}"
        cut = {"cut_ari": "ari", "cut_bye": "bye"}.get(kind, "")
        call = SoakCall(n, kind, number, self.now(), questions=questions, cut=cut,
                        cut_after_s=round(self.rng.uniform(0.5, 2.0), 2) if cut else None)
        caller = CuttingCaller(self.sip_host, self.sip_port, self.app, caller_number=number,
                               settle_silence_s=SETTLE_SILENCE_S,
                               max_wait_s=self.opts.answer_timeout_s, max_call_s=300.0, cut=cut,
                               on_cut=(lambda: self.drop_channel(number)) if cut == "ari" else None)
        if cut:
            kw["hangup_after_reply_s"] = call.cut_after_s
        self.calls.append(call)
        try:
            result = await asyncio.wait_for(caller.call(turns, **kw), timeout=420)
            call.answered, call.ended_by = result.answered, result.ended_by
            call.replies_heard = sum(1 for t in result.turns if t.reply_start_s is not None)
            call.heard_spans = len(result.heard_spans)
            call.cut_mid_answer = caller.cut_mid_answer
            if kind == "question" and result.answered:
                call.recording = result.recording
        except Exception as exc:  # noqa: BLE001 - a failed call is a finding, not a crash of the soak
            msg = str(exc) or type(exc).__name__
            call.error = " | ".join(x.strip() for x in msg.splitlines() if x.strip())[:300]
            call.answered = not (msg.startswith("no answer") or msg.startswith("the call was not answered"))
        call.ended_s = self.now()
        call.disrupted = self.in_window(call.started_s)
        self.ended += 1
        life = self.lives[-1] if self.lives else None
        if life is not None and life.pid == self.pid() and call.answered and not call.disrupted:
            life.note_call_ended(self.ended)
        return call

    async def worker(self, w: int) -> None:
        await asyncio.sleep(w * 1.5)
        while True:
            await self.gate.wait()
            if self.finished():
                return
            n = self.placed
            self.placed += 1
            kind = self.next_kind(n)
            call = await self.place(n, kind)
            status = "answered" if call.answered else "NOT ANSWERED"
            self.progress(f"soak: [{self.now():6.0f} s] call {n:3d} {kind:9s} {status}"
                          f"{' (disrupted)' if call.disrupted else ''}"
                          f"{' cut ' + call.cut + ' mid-answer' if call.cut_mid_answer else ''}"
                          f"{' error: ' + call.error[:80] if call.error else ''}")
            if call.answered or call.disrupted:
                self._unanswered_streak = 0 if call.answered else self._unanswered_streak
            else:
                self._unanswered_streak += 1
                if self._unanswered_streak >= 2:
                    self.abort(f"hang: {self._unanswered_streak} calls in a row not answered within "
                               f"{self.opts.answer_timeout_s:.0f} s")

    # -- watchers ------------------------------------------------------------------------

    async def prober(self) -> None:
        """``/healthz`` every half second: slow replies are loop stalls, none for long is a hang."""
        silent_since: float | None = None
        async with aiohttp.ClientSession() as http:
            while True:
                t = time.monotonic()
                ok = False
                if self.pid() is not None:
                    try:
                        async with http.get(f"{self.web_url}/healthz", timeout=aiohttp.ClientTimeout(total=5)) as r:
                            ok = r.status == 200
                    except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
                        ok = False
                took = time.monotonic() - t
                if self.pid() is None or self.in_window():
                    silent_since = None
                else:
                    self.probe["probes"] += 1
                    if ok:
                        silent_since = None
                        if took > STALL_S:
                            self.probe["stalls_over_100ms"] += 1
                        self.probe["max_ms"] = max(self.probe["max_ms"], round(took * 1000, 1))
                    else:
                        self.probe["unanswered"] += 1
                        silent_since = silent_since or t
                        silent = time.monotonic() - silent_since
                        self.probe["longest_silence_s"] = max(self.probe["longest_silence_s"], round(silent, 1))
                        if silent > self.opts.hang_after_s:
                            self.abort(f"hang: the service's /healthz did not answer for {silent:.0f} s")
                await asyncio.sleep(max(0.0, PROBE_INTERVAL_S - (time.monotonic() - t)))

    async def sampler(self) -> None:
        while True:
            life = self.lives[-1] if self.lives else None
            if life is not None and life.pid == self.pid() and not life.end:
                life.memory = memory_parts(await fetch_metrics(self.web_url, timeout_s=2.0)) or life.memory
            self.timeline.append({"t_s": self.now(), "calls_ended": self.ended, "pid": self.pid(),
                                  **proc_figures(self.pid()),
                                  **(life.memory if life is not None and life.pid == self.pid() else {})})
            await asyncio.sleep(SAMPLE_INTERVAL_S)

    # -- chaos ---------------------------------------------------------------------------

    async def wait_live_call(self, timeout: float = 90.0) -> bool:
        """Until a caller's channel is up in Asterisk (so the kill lands mid-call)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.abort_reason:
            try:
                if any(c.state == "Up" and not c.is_external_media for c in await self.ari.channels()):
                    return True
            except Exception:  # noqa: BLE001 - Asterisk busy: look again
                pass
            await asyncio.sleep(0.3)
        return False

    async def chaos_loop(self) -> None:
        pending = self.opts.schedule()
        while pending and not self.abort_reason:
            if self.finished():
                self.chaos += [{"action": a, "skipped": "the run ended first"} for _, a in pending]
                return
            if self.share_done() >= pending[0][0]:
                _, action = pending.pop(0)
                try:
                    await self.act(action)
                except Exception as exc:  # noqa: BLE001 - a broken step is reported; the run goes on
                    self.failures.append(f"the chaos step {action} failed: {type(exc).__name__}: {str(exc)[:200]}")
                    self.gate.set()
            else:
                await asyncio.sleep(0.5)

    async def act(self, action: str) -> None:
        entry: dict[str, Any] = {"action": action, "at_s": self.now()}
        self.chaos.append(entry)
        self.progress(f"soak: [{self.now():6.0f} s] {action}")
        assert self.admin is not None
        if action == "upload_good":
            entry.update((await self.admin.upload("soak-gauge.md", GOOD_MD.encode(), self.now())).to_json())
        elif action == "upload_hostile_md":
            op = await self.admin.upload("soak-hostile.md", hostile_markdown(self.opts.hostile_spaces), self.now())
            entry.update(op.to_json())
        elif action == "upload_zip_bomb":
            bomb = await asyncio.to_thread(zip_bomb_docx, self.opts.zip_bomb_mb)  # not on the callers' loop
            op = await self.admin.upload("soak-bomb.docx", bomb, self.now())
            entry.update(op.to_json())
        elif action == "reindex":
            entry.update((await self.admin.reindex(self.now())).to_json())
        elif action == "asterisk_kill":
            try:
                await self.kill_asterisk(entry)
            except Exception as exc:  # noqa: BLE001 - without Asterisk no call can be answered
                entry["error"] = str(exc)[-300:]
                self.abort(f"Asterisk did not come back after its kill: {str(exc)[-300:]}")
        elif action == "service_term":
            await self.restart_service(entry)
        self.progress(f"soak: [{self.now():6.0f} s] {action} done: "
                      + ", ".join(f"{k}={v}" for k, v in entry.items() if k not in ("action", "at_s", "op") and v not in ("", None)))

    async def kill_asterisk(self, entry: dict[str, Any]) -> None:
        entry["mid_call"] = await self.wait_live_call()
        window: list[float | None] = [self.now(), None]
        self.windows.append(window)
        self.gate.clear()
        try:
            entry["killed"] = await asyncio.to_thread(self.asterisk.kill)
            t = time.monotonic()
            await asyncio.to_thread(self.asterisk.up)
            entry["asterisk_up_s"] = round(time.monotonic() - t, 2)
            assert self.svc is not None
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not await asyncio.to_thread(self.svc._registered):
                await asyncio.sleep(0.2)
            if await asyncio.to_thread(self.svc._registered):
                entry["service_reconnected_s"] = round(time.monotonic() - t, 2)
            else:
                self.abort("hang: the service did not reconnect to Asterisk within 60 s of its restart")
            await asyncio.sleep(2.0)
        finally:
            window[1] = self.now()
            self.gate.set()

    async def restart_service(self, entry: dict[str, Any]) -> None:
        entry["mid_call"] = await self.wait_live_call()
        window: list[float | None] = [self.now(), None]
        self.windows.append(window)
        self.gate.clear()
        try:
            entry["term_exit_s"] = await self.terminate()
            t = time.monotonic()
            try:
                await self.start_service()
                entry["restart_s"] = round(time.monotonic() - t, 2)
            except ApplianceError as exc:
                self.abort(f"the service did not start again after SIGTERM: {str(exc)[:300]}")
            await asyncio.sleep(2.0)
        finally:
            window[1] = self.now()
            self.gate.set()

    # -- the whole run ---------------------------------------------------------------------

    async def run(self) -> dict[str, Any]:
        from appliance.bench.soak_asterisk import SoakAsterisk
        from appliance.config.settings import load_settings, settings_from_dict
        from appliance.telephony.ari import AriClient
        from appliance.web.auth import hash_password

        opts = self.opts
        self.asterisk = SoakAsterisk()
        self.progress(f"soak: bringing up the soak's own Asterisk ({self.asterisk.root})")
        await asyncio.to_thread(self.asterisk.acquire)
        tmp = tempfile.TemporaryDirectory(prefix="appliance-soak-") if opts.workdir is None else None
        workdir = Path(tmp.name) if tmp else Path(opts.workdir)  # type: ignore[arg-type]
        handle = self.asterisk.handle
        try:
            self.sip_host, self.sip_port = handle.sip_host, handle.sip_port
            base = load_settings(opts.config) if opts.config else settings_from_dict({}, ROOT)
            self.base_settings = base
            self.progress("soak: synthesising the caller's questions (Piper)")
            self.voices = await asyncio.to_thread(self._voices, base)
            self.app = f"{handle.app}-soak{os.getpid()}"
            password = secrets.token_urlsafe(12)
            port = _free_tcp_port()
            self.web_url = f"http://127.0.0.1:{port}"
            overrides = {"web": {"host": "127.0.0.1", "port": port, "password_hash": hash_password(password),
                                 "metrics_public": True},
                         "call": {"max_dead_air_s": base.call.max_dead_air_s, "record_audio": base.call.record_audio}}
            self.svc = ServiceProcess("conversation", self.app, workdir / "service", handle, opts.config, overrides)
            self.progress(f"soak: starting the service (app {self.app}, console {self.web_url})")
            self.t0 = time.monotonic()
            await self.start_service()
            self.t0 = time.monotonic()  # the run's clock starts once the service takes calls
            self.lives[0].started_s = 0.0
            self.admin = AdminClient(self.web_url, password)
            async with AriClient(handle.ari_url, handle.ari_username, handle.ari_password, self.app, 1.0) as ari:
                self.ari = ari
                return await self._run_calls()
        finally:
            if self.admin is not None:
                await self.admin.close()
            if self.svc is not None and self.svc.proc is not None and self.svc.proc.poll() is None:
                self.svc.proc.kill()
                self.svc.proc.wait()
            try:
                await asyncio.to_thread(self.asterisk.release)
            except Exception as exc:  # noqa: BLE001 - the report matters more than a clean stop
                self.progress(f"soak: stopping the soak's Asterisk failed: {exc}")
            if self.svc is not None and (tmp is None or os.environ.get("APPLIANCE_SOAK_KEEP")):
                self.progress(f"soak: service log: {self.svc.log_path}")
            if tmp is not None and not os.environ.get("APPLIANCE_SOAK_KEEP"):
                tmp.cleanup()

    def _voices(self, settings: Any) -> dict[str, np.ndarray]:
        from appliance.telephony.caller_voice import caller_voice

        return {q: trim_trailing_silence(caller_voice(q, "piper", settings)) for q in QUESTIONS}

    async def _run_calls(self) -> dict[str, Any]:
        from appliance.bench.soak_report import build_report

        assert self.svc is not None
        opts = self.opts
        self.gate.set()
        watchers = [asyncio.create_task(self.prober()), asyncio.create_task(self.sampler())]
        chaos = asyncio.create_task(self.chaos_loop())
        self.progress(f"soak: calls for up to {opts.duration_s:.0f} s or {opts.max_calls} calls, "
                      f"{opts.concurrency} at a time")
        workers = [asyncio.create_task(self.worker(w)) for w in range(opts.concurrency)]
        await asyncio.gather(*workers)
        if self.abort_reason:
            chaos.cancel()
        try:
            await asyncio.wait_for(chaos, timeout=600)
        except asyncio.CancelledError:
            pass
        except asyncio.TimeoutError:
            self.failures.append("hang: a chaos step (upload, reindex, kill or restart) did not finish in 10 min")
        run_s = self.now()
        # The service must still answer, with the right fact.
        final: SoakCall | None = None
        if self.pid() is not None:
            self.progress("soak: final call")
            final = await self.place(self.placed, "question", question=QUESTIONS[0])
            final.kind = "final"
        leftovers = await self.leftovers()
        await asyncio.sleep(1.0)
        records_live = read_records(self.svc.records_path)
        if self.lives and self.pid() is not None:
            self.lives[-1].metrics = await fetch_metrics(self.web_url)
        for w in watchers:
            w.cancel()
        await asyncio.gather(*watchers, return_exceptions=True)
        self.progress("soak: SIGTERM to the service")
        final_term = await self.terminate()
        records_after = read_records(self.svc.records_path)
        self.progress("soak: transcribing a sample of the answers heard (Whisper ear)")
        await asyncio.to_thread(self.transcribe_sample, final)
        log_text = self.svc.log_path.read_text(errors="replace") if self.svc.log_path.is_file() else ""
        return build_report(self, run_s=run_s, final=final, leftovers=leftovers, records_live=records_live,
                            records_after=records_after, final_term_s=final_term, log_text=log_text)

    async def leftovers(self, timeout: float = 20.0) -> dict[str, list[str]]:
        """Channels and bridges left in the soak's Asterisk once every call is over (all are leaks)."""
        deadline = time.monotonic() + timeout
        found: dict[str, list[str]] = {"channels": [], "bridges": []}
        while time.monotonic() < deadline:
            try:
                found = {"channels": [f"{c.name} ({c.id})" for c in await self.ari.channels()],
                         "bridges": [str(b.get("id")) for b in await self.ari.bridges()]}
            except Exception as exc:  # noqa: BLE001 - Asterisk not answering is itself reported
                found = {"channels": [f"ARI error: {exc}"], "bridges": []}
            if not found["channels"] and not found["bridges"]:
                break
            await asyncio.sleep(1.0)
        return found

    def transcribe_sample(self, final: SoakCall | None) -> None:
        """What the caller heard, as the conversation tests' Whisper ear writes it, for a sample."""
        import dataclasses

        from appliance.knowledge.vocabulary import vocabulary_from_folder
        from appliance.speech_in.factory import transcribe_pcm

        pool = [c for c in self.calls if c.kind == "question" and c.answered and not c.disrupted
                and c.recording is not None and c.recording.size and c is not final]
        k = min(self.opts.ear_sample, len(pool))
        chosen = [pool[round(i * (len(pool) - 1) / max(1, k - 1))] for i in range(k)] if k else []
        if final is not None and final.recording is not None and final.recording.size:
            chosen.append(final)
        if not chosen:
            return
        s = self.base_settings
        ear = dataclasses.replace(s, asr=dataclasses.replace(s.asr, beam_size=5, short_context=False))
        vocab = vocabulary_from_folder(ROOT / "kb" / "sample")
        for call in {id(c): c for c in chosen}.values():
            try:
                call.heard_text = transcribe_pcm(call.recording, ear, vocab)  # type: ignore[arg-type]
                call.heard_ok = fact_in(call.heard_text, call.questions[0], heard=True)
            except Exception as exc:  # noqa: BLE001 - a missing model is reported, not fatal
                call.heard_text = f"(not transcribed: {exc})"[:200]


def read_records(path: Path) -> dict[str, Any]:
    """The service's call records: each call by caller number, with its answers; in_progress rows."""
    if not path.is_file():
        return {"calls": {}, "in_progress": [], "total": 0}
    conn = sqlite3.connect(str(path), timeout=10)
    try:
        calls: dict[str, Any] = {}
        for call_id, caller, outcome, reason in conn.execute(
                "SELECT call_id, caller, outcome, end_reason FROM calls ORDER BY started_at"):
            answers = [{"caller_text": r[0], "agent_text": r[1], "interrupted": bool(r[2])} for r in conn.execute(
                "SELECT caller_text, agent_text, interrupted FROM turns WHERE call_id=? AND kind='answer' ORDER BY id",
                (call_id,))]
            calls.setdefault(caller, []).append({"call_id": call_id, "outcome": outcome, "end_reason": reason,
                                                 "answers": answers})
        in_progress = [r[0] for r in conn.execute("SELECT call_id FROM calls WHERE outcome='in_progress' "
                                                  "OR outcome IS NULL")]
        total = conn.execute("SELECT COUNT(*) FROM calls").fetchone()[0]
        return {"calls": calls, "in_progress": in_progress, "total": total}
    finally:
        conn.close()


def underruns_from_log(text: str) -> dict[str, int]:
    """RTP figures the service logged as each call's stream closed (``event=rtp.closed``),
    summed: underruns, late frames, drops by reason."""
    closed = parse_events(text, "rtp.closed")
    out = {"streams": len(closed)}
    for c in closed:
        for key, value in c.items():
            if key not in ("call_id", "port", "event") and value.isdigit():
                out[key] = out.get(key, 0) + int(value)
    return out


def run_soak(opts: SoakOptions, progress: Any = print) -> dict[str, Any]:
    """Run the soak, write the JSON, print the table; returns the report (``report["ok"]``)."""
    from appliance.bench.soak_report import format_table

    report = asyncio.run(Soak(opts, progress).run())
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(json.dumps(report, indent=2) + "\n")
    progress(format_table(report))
    progress(f"soak: wrote {opts.out}")
    return report
