"""``appliance bench``: concurrent scripted calls against the service, measured from the caller.

The service runs as its own process (``appliance serve --config <generated>``), so the
callers and the service never share a GIL; it gets its own Stasis app name (dialled as
that name: the dialplan routes ``appliance-<x>`` to app ``appliance-<x>``), its own data
dir and its stderr captured to a log file.  For each concurrency level N, N callers dial
at once (a quarter second apart, so SIP setup is not one burst) and each asks ``turns``
questions from two knowledge bases in different trades (``BENCH_KBS``, ingested together)
in the caller's Piper voice (synthesised once).  The service answers every caller at once
(``call.max_calls`` off): the figures say how many it answers well, ``capacity``.

Per turn we keep what the caller measured (end of its speech -> first audible answer
frame) and what the service recorded (SQLite ``turns.timings``); per level the service's
CPU and memory (from /proc), its RTP underruns and the model's token rate (from its
structured log: ``event=rtp.closed``, ``event=agent.answered``).  The same run is then
repeated against the record-then-answer baseline (``--mode baseline``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from appliance.config.errors import ApplianceError
from appliance.logs import log_event
from appliance.tasks import cancel_and_wait

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]

#: The bench's knowledge base: the sample's documents and a second trade's (woodworking
#: machines, from the evaluation set) in one folder, so retrieval searches both.
BENCH_KBS = ("kb/sample", "bench/eval/kbs/larchfield")
#: Questions on both knowledge bases; each call asks them in turn, starting at a different
#: one so concurrent calls do not all ask the same thing.
QUESTIONS = [
    "How much does the UTM-100 weigh?",
    "What's the price of the PS-3200?",
    "What is the price of the UTM-300?",
    "What are your opening hours?",
    "What does the PT-510 weigh?",
    "How long is the warranty?",
]
#: The same mix for the Russian pack (``agent.language = "ru"``), on its own knowledge base
#: (kb/sample_ru): weights, prices, hours and warranty, said by the pack's voice.
QUESTIONS_RU = [
    "Сколько весит пресс ПГ-40?",
    "Сколько стоит токарный станок ТС-16?",
    "Какая цена у пресса ПГ-100?",
    "Когда работает ваш офис?",
    "Сколько весит станок ТС-32?",
    "Какая гарантия на прессы?",
]


def questions_for(settings: Any) -> list[str]:
    """The bench's questions in the language of the config's pack."""
    return QUESTIONS_RU if getattr(settings.agent, "language", "en") == "ru" else QUESTIONS

DEFAULT_LEVELS = [1, 2, 4, 6, 8]
QUICK_LEVELS = [1, 2]
DEFAULT_TURNS = 3
QUICK_TURNS = 2
#: Fewest turns a level's percentiles are taken over: with fewer concurrent calls, each call
#: asks more questions (12 turns at 1 call, 6 per call at 2; p95 of 3 turns is just the max).
MIN_TURNS_PER_LEVEL = 12
#: Spacing between the calls of one level starting.
CALL_SPACING_S = 0.25
#: How long the caller waits for silence before its next question (above the agent's
#: pause between sentences, so a slow next sentence is not taken for the end of the answer).
SETTLE_SILENCE_S = 1.2


@dataclass
class BenchOptions:
    levels: list[int] = field(default_factory=lambda: list(DEFAULT_LEVELS))
    turns: int = DEFAULT_TURNS
    baseline: bool = True
    out: Path = ROOT / "bench" / "latest.json"
    quick: bool = False
    #: Each level's calls ask at least this many questions between them (0: just ``turns`` each).
    min_turns_per_level: int = MIN_TURNS_PER_LEVEL

    def turns_at(self, level: int) -> int:
        """Questions per call at ``level`` concurrent calls."""
        return max(self.turns, -(-self.min_turns_per_level // level))
    #: A config file whose settings (models, threads, KB...) the bench service starts from.
    config: str | None = None
    chart: bool = True
    #: Where the services' data dirs and logs go (default: a fresh temp folder, removed after).
    workdir: Path | None = None
    #: A second config (e.g. another language pack) whose streaming service is measured in
    #: the same run, at the same levels, right after the first: figures side by side.
    compare_config: str | None = None

    @classmethod
    def quick_run(cls, **kw: Any) -> BenchOptions:
        return cls(levels=list(QUICK_LEVELS), turns=QUICK_TURNS, quick=True, min_turns_per_level=0, **kw)


# -- the service under test ----------------------------------------------------------------

def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def dump_toml(raw: dict[str, Any]) -> str:
    """A config table (one level of sub-tables, as settings have) as TOML text."""
    lines = [f"{k} = {_toml_value(v)}" for k, v in raw.items() if not isinstance(v, dict)]
    for k, v in raw.items():
        if isinstance(v, dict):
            lines += ["", f"[{k}]"] + [f"{kk} = {_toml_value(vv)}" for kk, vv in v.items()]
    return "\n".join(lines) + "\n"


def service_config(mode: str, app: str, data_dir: Path, asterisk: Any, base_config: str | None = None) -> dict[str, Any]:
    """The bench service's config: the base config (if any) with its paths made absolute,
    its own app name, data dir and call mode, ARI from the local Asterisk, no web port."""
    raw: dict[str, Any] = {}
    base_dir = ROOT
    if base_config:
        p = Path(base_config)
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
        base_dir = p.resolve().parent

    def absolute(value: str) -> str:
        q = Path(os.path.expanduser(value))
        return str(q if q.is_absolute() else (base_dir / q).resolve())

    raw["data_dir"] = str(data_dir)
    raw["models_manifest"] = absolute(raw.get("models_manifest", "models/manifest.toml"))
    for section, key, default in (("knowledge", "source_dir", "kb/sample"), ("agent", "prompts_file", "")):
        value = raw.get(section, {}).get(key, default)
        if value:
            raw.setdefault(section, {})[key] = absolute(value)
    password_file = asterisk.state_dir / "ari-password"
    ari = {"url": asterisk.ari_url, "username": asterisk.ari_username, "app": app, "reconnect_max_s": 1.0}
    if password_file.is_file():
        ari.update(password_file=str(password_file), password="")
    else:
        ari["password"] = asterisk.ari_password
    raw.setdefault("ari", {}).update(ari)
    raw.setdefault("web", {})["port"] = 0
    raw.setdefault("call", {})["mode"] = mode
    raw.setdefault("call", {})["record_audio"] = False
    # No "one moment, please": the figure is the time to the answer itself (the baseline has
    # no such phrase), and a caller who hears it and then silence would ask its next question.
    raw.setdefault("call", {})["max_dead_air_s"] = 30.0
    # Every level's callers are answered at once: the bench measures what the box can do, to
    # size ``call.max_calls`` from, so the limit itself must not queue them.
    raw.setdefault("call", {})["max_calls"] = 0
    return raw


def bench_kb(folder: Path) -> Path:
    """``BENCH_KBS`` copied into one folder (a subfolder each)."""
    kb = folder / "kb"
    if kb.exists():
        shutil.rmtree(kb)
    for source in BENCH_KBS:
        shutil.copytree(ROOT / source, kb / Path(source).name)
    return kb


class ServiceProcess:
    """``appliance serve`` in its own process, its log captured, its CPU and memory sampled."""

    def __init__(self, mode: str, app: str, folder: Path, asterisk: Any, base_config: str | None = None,
                 overrides: dict[str, dict[str, Any]] | None = None) -> None:
        self.mode, self.app, self.folder, self.asterisk = mode, app, folder, asterisk
        folder.mkdir(parents=True, exist_ok=True)
        self.data_dir = folder / "data"
        self.config_path = folder / "appliance.toml"
        raw = service_config(mode, app, self.data_dir, asterisk, base_config)
        for section, values in (overrides or {}).items():  # e.g. the soak's web console and call limits
            raw.setdefault(section, {}).update(values)
        self.config_path.write_text(dump_toml(raw))
        self.log_path = folder / "service.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_s = 0.0

    @property
    def records_path(self) -> Path:
        return self.data_dir / "calls.sqlite3"

    async def start(self, timeout: float = 600.0) -> None:
        env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONUNBUFFERED="1")
        env.pop("APPLIANCE_DATA_DIR", None)
        env.pop("APPLIANCE_CONFIG", None)
        t0 = time.monotonic()
        with open(self.log_path, "ab") as logf:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "appliance.cli.main", "serve", "--config", str(self.config_path),
                 "--mode", self.mode], stdout=logf, stderr=subprocess.STDOUT, env=env, cwd=str(ROOT))
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                raise ApplianceError(f"the bench service ({self.mode}) exited with {self.proc.returncode}:\n"
                                     f"{self.log_tail()}")
            if await asyncio.to_thread(self._registered):
                self.started_s = round(time.monotonic() - t0, 1)
                log_event(log, "bench.service_up", mode=self.mode, app=self.app, took_s=self.started_s)
                return
            await asyncio.sleep(0.5)
        raise ApplianceError(f"the bench service ({self.mode}) did not connect to ARI within {timeout:.0f} s:\n"
                             f"{self.log_tail()}")

    async def wait_registered(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not await asyncio.to_thread(self._registered):
            await asyncio.sleep(1.0)
        await asyncio.sleep(2.0)

    def _registered(self) -> bool:
        """Whether Asterisk lists our Stasis app (the service is connected and takes calls)."""
        try:
            apps = self.asterisk.ari_get("/ari/applications")
        except Exception:  # noqa: BLE001 - Asterisk busy or restarting: ask again
            return False
        return any(a.get("name") == self.app for a in apps or [])

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    def log_slice(self, start: int, end: int | None = None) -> str:
        with open(self.log_path, "rb") as f:
            f.seek(start)
            data = f.read() if end is None else f.read(max(0, end - start))
        return data.decode(errors="replace")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# -- /proc sampling -------------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_cpu_s(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime


def _proc_rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _system_busy() -> tuple[float, float] | None:
    """(busy, total) jiffies of all CPUs."""
    try:
        parts = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = parts[3] + (parts[4] if len(parts) > 4 else 0)
    return float(sum(parts) - idle), float(sum(parts))


class ResourceSampler:
    """Samples the service's CPU % (of one core; 200 = two cores busy) and RSS every interval."""

    def __init__(self, pid: int, interval: float = 0.5) -> None:
        self.pid, self.interval = pid, interval
        self.cpu_pct: list[float] = []
        self.rss_mb: list[float] = []
        #: Each whole-machine sample with its interval: (start, end, percent), monotonic seconds.
        self.system_samples: list[tuple[float, float, float]] = []
        self._task: asyncio.Task[None] | None = None
        self._t0 = self._cpu0 = 0.0

    def start(self) -> None:
        self._t0, self._cpu0 = time.monotonic(), _proc_cpu_s(self.pid) or 0.0
        self._sys0 = _system_busy()
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        last_t, last_cpu, last_sys = self._t0, self._cpu0, self._sys0
        while True:
            await asyncio.sleep(self.interval)
            now, cpu, sysb = time.monotonic(), _proc_cpu_s(self.pid), _system_busy()
            if cpu is not None and now > last_t:
                self.cpu_pct.append(100.0 * (cpu - last_cpu) / (now - last_t))
                last_cpu = cpu
            if sysb is not None and last_sys is not None and sysb[1] > last_sys[1]:
                self.system_samples.append((last_t, now, 100.0 * (sysb[0] - last_sys[0]) / (sysb[1] - last_sys[1])))
            last_sys = sysb
            last_t = now
            rss = _proc_rss_mb(self.pid)
            if rss is not None:
                self.rss_mb.append(rss)

    async def stop(self) -> dict[str, Any]:
        await cancel_and_wait(self._task)
        elapsed = time.monotonic() - self._t0
        cpu_total = (_proc_cpu_s(self.pid) or self._cpu0) - self._cpu0
        return {
            "cpu_mean_pct": round(100.0 * cpu_total / elapsed, 1) if elapsed > 0 else None,
            "cpu_peak_pct": round(max(self.cpu_pct), 1) if self.cpu_pct else None,
            "system_cpu_mean_pct": (round(float(np.mean([pct for _, _, pct in self.system_samples])), 1)
                                    if self.system_samples else None),
            "rss_peak_mb": round(max(self.rss_mb), 1) if self.rss_mb else None,
            "rss_mean_mb": round(float(np.mean(self.rss_mb)), 1) if self.rss_mb else None,
        }


def busy_while_waiting(samples: list[tuple[float, float, float]], windows: list[tuple[float, float]]) -> float | None:
    """Mean of the CPU samples (start, end, percent) whose middle falls inside a window in
    which some caller waits for an answer: "is the box busy while answers are written?",
    which a level's mean over its whole length does not say (callers spend most of a
    conversation speaking or listening, when there is little to compute).  None without any."""
    inside = [pct for start, end, pct in samples
              if any(a <= (start + end) / 2 <= b for a, b in windows)]
    return round(float(np.mean(inside)), 1) if inside else None


# -- the service's log and records -----------------------------------------------------------

_KV = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)')


def parse_events(text: str, event: str) -> list[dict[str, str]]:
    """Fields of every ``event=<event>`` structured line in a stretch of log."""
    out = []
    needle = f"event={event} "
    for line in text.splitlines():
        i = line.find(needle)
        if i < 0 and line.endswith(f"event={event}"):
            i = line.find(f"event={event}")
        if i < 0:
            continue
        out.append({k: v.strip('"') for k, v in _KV.findall(line[i:])})
    return out


def _float(v: Any) -> float | None:
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def tokens_per_s(answered: list[dict[str, str]]) -> list[float]:
    """Decode rate per generated answer: tokens after the first over the time they took."""
    rates = []
    for a in answered:
        tokens, total, first = _float(a.get("tokens")), _float(a.get("total_s")), _float(a.get("first_token_s"))
        if tokens and tokens > 1 and total and first is not None and total > first:
            rates.append((tokens - 1) / (total - first))
    return rates


def read_service_turns(path: Path, since: float, until: float) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Answer turns (with timings) of calls started in [since, until], and event counts."""
    if not path.is_file():
        return [], {}
    conn = sqlite3.connect(str(path), timeout=10)
    try:
        ids = [r[0] for r in conn.execute("SELECT call_id FROM calls WHERE started_at BETWEEN ? AND ?", (since, until))]
        if not ids:
            return [], {}
        marks = ",".join("?" * len(ids))
        turns = [{"call_id": r[0], "kind": r[1], "caller_text": r[2], "agent_text": r[3], "timings": json.loads(r[4])}
                 for r in conn.execute(f"SELECT call_id, kind, caller_text, agent_text, timings FROM turns "
                                       f"WHERE call_id IN ({marks}) AND kind='answer' ORDER BY id", ids)]
        events = dict(conn.execute(f"SELECT kind, COUNT(*) FROM events WHERE call_id IN ({marks}) GROUP BY kind",
                                   ids).fetchall())
        return turns, events
    finally:
        conn.close()


# -- one level ---------------------------------------------------------------------------------

@dataclass
class LevelRun:
    """Raw material of one concurrency level against one service."""

    concurrency: int
    latencies_ms: list[float]
    missed: int
    calls: int
    answered_calls: int
    service_turns: list[dict[str, Any]]
    events: dict[str, int]
    underruns: int
    rtp_closed: int
    token_rates: list[float]
    resources: dict[str, Any]
    wall_s: float
    turn_texts: list[dict[str, Any]] = field(default_factory=list)


async def run_level(svc: ServiceProcess, concurrency: int, turns: int, voices: dict[str, np.ndarray],
                    sip_host: str, sip_port: int) -> LevelRun:
    """``concurrency`` calls at once, each asking ``turns`` of the questions ``voices`` holds
    (in their order, each call starting at a different one)."""
    from appliance.telephony.sip_caller import CallerTurn, CallResult, SipCaller

    log_start = svc.log_size()
    since = time.time() - 1.0
    assert svc.proc is not None
    sampler = ResourceSampler(svc.proc.pid)
    sampler.start()
    t0 = time.monotonic()

    async def one(i: int) -> CallResult | BaseException:
        await asyncio.sleep(i * CALL_SPACING_S)
        questions = list(voices)
        script = [questions[(i + k) % len(questions)] for k in range(turns)]
        caller = SipCaller(sip_host, sip_port, svc.app, caller_number=f"{2000 + i}",
                           settle_silence_s=SETTLE_SILENCE_S, max_wait_s=90.0, max_call_s=900.0)
        try:
            return await caller.call([CallerTurn(audio=voices[q], text=q) for q in script], listen_s=0.5)
        except Exception as exc:  # noqa: BLE001 - one failed call is a missed figure, not a failed run
            log_event(log, "bench.call_failed", level=logging.WARNING, mode=svc.mode, error=str(exc)[:300])
            return exc

    results = await asyncio.gather(*(one(i) for i in range(concurrency)))
    wall = time.monotonic() - t0
    resources = await sampler.stop()
    # Teardown (and its rtp.closed line) follows the caller's hangup: wait for one per call.
    calls = [r for r in results if not isinstance(r, BaseException)]
    answered = [r for r in calls if r.answered]
    # While each caller waited for an answer: end of its speech -> first audio, monotonic.
    waits = [(r.answered_at + t.sent_end_s, r.answered_at + t.reply_start_s)
             for r in answered if r.answered_at is not None for t in r.turns if t.reply_start_s is not None]
    resources["system_cpu_waiting_pct"] = busy_while_waiting(sampler.system_samples, waits)
    deadline = time.monotonic() + 15
    text = svc.log_slice(log_start)
    while len(parse_events(text, "rtp.closed")) < len(answered) and time.monotonic() < deadline:
        await asyncio.sleep(0.3)
        text = svc.log_slice(log_start)
    closed = parse_events(text, "rtp.closed")
    await asyncio.sleep(0.5)  # the records' writer thread commits within milliseconds
    service_turns, events = read_service_turns(svc.records_path, since, time.time())
    latencies: list[float] = []
    missed = 0
    texts = []
    for r in answered:
        for t in r.turns:
            if t.latency_ms is None:
                missed += 1
            else:
                latencies.append(float(t.latency_ms))
            texts.append({"asked": t.text, "latency_ms": t.latency_ms})
    missed += sum(turns for r in results if isinstance(r, BaseException) or not r.answered)
    return LevelRun(
        concurrency=concurrency, latencies_ms=latencies, missed=missed, calls=concurrency,
        answered_calls=len(answered), service_turns=service_turns, events=events,
        underruns=sum(int(_float(c.get("underruns")) or 0) for c in closed), rtp_closed=len(closed),
        token_rates=tokens_per_s(parse_events(text, "agent.answered")), resources=resources,
        wall_s=round(wall, 1), turn_texts=texts)


# -- the whole run -------------------------------------------------------------------------------

def synthesize_voices(settings: Any) -> dict[str, np.ndarray]:
    """Each of the config's questions (``questions_for``) in its voice (Piper, or the pack's
    engine: Festival for Russian) through a µ-law line, once, in order."""
    from appliance.telephony.caller_voice import caller_voice

    return {q: trim_trailing_silence(caller_voice(q, "piper", settings)) for q in questions_for(settings)}


def trim_trailing_silence(pcm: np.ndarray, rms: float = 100.0) -> np.ndarray:
    """Cut the clip after its last 20 ms frame at or above ``rms``: the caller's "end of
    speech" (when its last frame is sent) is then the end of the words, not of a quiet tail."""
    frames = pcm[: pcm.size // 160 * 160].reshape(-1, 160).astype(np.float64)
    loud = np.nonzero(np.sqrt((frames ** 2).mean(axis=1)) >= rms)[0]
    return pcm[: (int(loud[-1]) + 1) * 160] if loud.size else pcm


def _lease(asterisk: Any) -> Path:
    """A lease on the shared local Asterisk, so no test session stops it under the bench."""
    folder = asterisk.state_dir / "leases"
    folder.mkdir(parents=True, exist_ok=True)
    lease = folder / str(os.getpid())
    lease.touch()
    return lease


async def run_modes(opts: BenchOptions, progress: Any = print) -> dict[str, Any]:
    from appliance.bench.report import build_report
    from appliance.config.settings import load_settings, settings_from_dict
    from appliance.telephony.local_asterisk import LocalAsterisk

    asterisk = LocalAsterisk()
    ok, reason = LocalAsterisk.available()
    if not ok:
        raise ApplianceError(f"the benchmark needs the local Asterisk: {reason}")
    lease = _lease(asterisk)
    try:
        await asyncio.to_thread(asterisk.up)  # idempotent; never stopped here: others share it
        sip_host, sip_port = asterisk.sip_host, asterisk.sip_port
        base = load_settings(opts.config) if opts.config else settings_from_dict({}, ROOT)
        configs = {"conversation": opts.config, "compare": opts.compare_config, "baseline": opts.config}
        progress("bench: synthesising the caller's questions")
        voices = {"conversation": await asyncio.to_thread(synthesize_voices, base)}
        voices["baseline"] = voices["conversation"]
        if opts.compare_config:
            voices["compare"] = await asyncio.to_thread(synthesize_voices, load_settings(opts.compare_config))
        tmp = tempfile.TemporaryDirectory(prefix="appliance-bench-") if opts.workdir is None else None
        workdir = Path(tmp.name) if tmp else Path(opts.workdir)  # type: ignore[arg-type]
        modes = (["conversation"] + (["compare"] if opts.compare_config else [])
                 + (["baseline"] if opts.baseline else []))
        runs: dict[str, list[LevelRun]] = {}
        services: dict[str, dict[str, Any]] = {}
        try:
            for mode in modes:
                config = configs[mode]
                app = f"appliance-{'baseline' if mode == 'baseline' else 'bench'}{os.getpid()}"
                # A box's own config with its own documents is benched on them; else both KBs.
                own_kb = config is not None and "source_dir" in tomllib.loads(
                    Path(config).read_text(encoding="utf-8")).get("knowledge", {})
                overrides = {} if own_kb else {"knowledge": {"source_dir": str(bench_kb(workdir / mode))}}
                svc = ServiceProcess("conversation" if mode == "compare" else mode, app, workdir / mode, asterisk,
                                     config, overrides)
                progress(f"bench: starting the {mode} service (app {app})")
                try:
                    await svc.start()
                    runs[mode] = []
                    for level in opts.levels:
                        turns = opts.turns_at(level)
                        progress(f"bench: {mode}: {level} concurrent call(s) x {turns} questions")
                        run = await run_level(svc, level, turns, voices[mode], sip_host, sip_port)
                        if run.answered_calls < run.calls:
                            # The shared Asterisk restarted under us (another session): once it
                            # is back and lists our app again, run the level once more.
                            progress(f"bench: {mode}: {run.calls - run.answered_calls} call(s) not answered; "
                                     "waiting for Asterisk and retrying the level")
                            await svc.wait_registered()
                            run = await run_level(svc, level, turns, voices[mode], sip_host, sip_port)
                        runs[mode].append(run)
                        p50 = f"{np.percentile(run.latencies_ms, 50):.0f} ms" if run.latencies_ms else "n/a"
                        progress(f"bench: {mode}: {level} -> p50 {p50}, {len(run.latencies_ms)} turns, "
                                 f"{run.missed} missed, {run.wall_s:.0f} s")
                    await asyncio.sleep(0.5)
                    services[mode] = {"startup_s": svc.started_s, "rss_mb_idle": _proc_rss_mb(svc.proc.pid) if svc.proc else None}
                finally:
                    svc.stop()
                    if opts.workdir is not None or os.environ.get("APPLIANCE_BENCH_KEEP"):
                        progress(f"bench: {mode} service log: {svc.log_path}")
        finally:
            if tmp is not None and not os.environ.get("APPLIANCE_BENCH_KEEP"):
                tmp.cleanup()
        return build_report(opts, runs, services, {mode: list(v) for mode, v in voices.items()})
    finally:
        lease.unlink(missing_ok=True)


def run_bench(opts: BenchOptions, progress: Any = print) -> dict[str, Any]:
    """Run the benchmark, write the JSON (and chart), print the table; returns the report."""
    from appliance.bench.report import format_table, write_chart

    report = asyncio.run(run_modes(opts, progress))
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(json.dumps(report, indent=2) + "\n")
    progress(format_table(report))
    progress(f"bench: wrote {opts.out}")
    if opts.chart:
        chart = opts.out.with_suffix(".png")
        try:
            write_chart(report, chart)
            progress(f"bench: wrote {chart}")
        except ImportError:
            progress("bench: matplotlib is not installed (pip install -e '.[bench]'): no chart")
    return report
