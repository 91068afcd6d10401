"""``appliance demo``: the service against the local Asterisk, one real call, the dialogue printed.

What ``make run`` shows a newcomer: the service is started as its own process exactly as
it runs in production (``appliance serve``), a caller dials in over SIP, asks questions
from the sample knowledge base, and the dialogue is printed from the call record with the
latency the caller experienced on each turn.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

from appliance.config.errors import ApplianceError

DEFAULT_QUESTIONS = ["How much does the UTM-100 weigh?", "What is the price of the UTM-300?"]
ROOT = Path(__file__).resolve().parents[2]


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("demo", help="run the service on the local Asterisk and place a demo call")
    p.add_argument("--question", action="append", help="what the demo caller asks (repeatable)")
    p.add_argument("--record", default="data/demo/last-call.wav", help="where to save what the caller heard")
    p.add_argument("--data-dir", default="data/demo", help="the demo service's data folder")
    p.set_defaults(func=run)


def _demo_config(data_dir: Path, env: dict[str, str], app: str) -> Path:
    config = data_dir / "demo.toml"
    config.write_text(
        f'# Written by `appliance demo` for the local Asterisk; see appliance.example.toml.\n'
        f'data_dir = "{data_dir}"\n'
        f'models_manifest = "{ROOT / "models" / "manifest.toml"}"\n'
        f'[ari]\nurl = "{env["ARI_URL"]}"\nusername = "{env["ARI_USERNAME"]}"\n'
        f'password_file = "{Path(env["ARI_PASSWORD_FILE"])}"\napp = "{app}"\n'
        f'[knowledge]\nsource_dir = "{ROOT / "kb" / "sample"}"\n'
        f'[call]\nrecord_audio = true\n'
        f'[web]\nport = 0\n'
    )
    return config


def _wait_ready(log_path: Path, proc: subprocess.Popen[bytes], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log_path.read_text(errors="replace") if log_path.exists() else ""
        if "event=ari.connected" in text:
            return
        if proc.poll() is not None:
            raise ApplianceError(f"the service exited ({proc.returncode}):\n{text[-2000:]}")
        time.sleep(0.3)
    raise ApplianceError(f"the service did not connect to Asterisk within {timeout:.0f} s (log: {log_path})")


def run(args: argparse.Namespace) -> int:
    from appliance.call.records import read_call
    from appliance.config import load_settings
    from appliance.telephony.caller_voice import caller_voice
    from appliance.telephony.local_asterisk import LocalAsterisk
    from appliance.telephony.sip_caller import CallerTurn, SipCaller, write_wav

    asterisk = LocalAsterisk()
    if not asterisk.is_up():
        raise ApplianceError("the local Asterisk is not running: `make asterisk-up` (make run does it)")
    env = asterisk.env()
    env["ARI_PASSWORD_FILE"] = str(asterisk.state_dir / "ari-password")
    data_dir = Path(args.data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    app = f"{env.get('ARI_APP', 'appliance')}-demo"
    config = _demo_config(data_dir, env, app)
    log_path = data_dir / "service.log"
    questions = args.question or DEFAULT_QUESTIONS

    print(f"demo: starting the service (log: {log_path}) ...", flush=True)
    with open(log_path, "wb") as log_file:
        proc = subprocess.Popen([sys.executable, "-m", "appliance.cli.main", "serve", "--config", str(config)],
                                stdout=log_file, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        t0 = time.monotonic()
        _wait_ready(log_path, proc)
        print(f"demo: service ready in {time.monotonic() - t0:.1f} s (models loaded and warmed)", flush=True)
        settings = load_settings(config)
        turns = [CallerTurn(audio=caller_voice(q, "auto", settings), text=q) for q in questions]
        print(f"demo: calling {app} at {asterisk.sip_host}:{asterisk.sip_port} over SIP ...", flush=True)
        result = asyncio.run(SipCaller(asterisk.sip_host, asterisk.sip_port, app).call(turns, listen_s=1.5))
        record_path = Path(args.record).resolve()
        record_path.parent.mkdir(parents=True, exist_ok=True)
        write_wav(record_path, result.recording)
        time.sleep(1.0)  # the service writes the call's last rows as the call ends
        print_dialogue(settings.data_path / "calls.sqlite3", result, record_path, read_call)
        return 0 if result.answered else 1
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def print_dialogue(db: Path, result, record_path: Path, read_call) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT call_id FROM calls ORDER BY started_at DESC LIMIT 1").fetchone()
    call = read_call(db, row[0]) if row else None
    print()
    print(f"call {result.call_id}: answered={result.answered}, {result.duration_s:.1f} s, codec {result.codec}")
    if call is None:
        print("  (no call record found)")
        return
    answers = iter(result.turns)
    for turn in call["turns"]:
        if turn["caller_text"]:
            print(f"  caller : {turn['caller_text']}")
        latency = ""
        if turn["kind"] == "answer":
            measured = next(answers, None)
            stages = turn["timings"]
            if measured is not None and measured.latency_ms is not None:
                latency = (f"   [caller waited {measured.latency_ms:.0f} ms: transcript {stages.get('transcript_ms', '?')} ms, "
                           f"first words {stages.get('first_sentence_ms', '?')} ms, first audio {stages.get('first_rtp_ms', '?')} ms]")
        print(f"  agent  : {turn['agent_text']}{latency}")
    print(f"  outcome: {call['outcome'] or 'in progress'}; recording of what the caller heard: {record_path}")
    if os.environ.get("CI"):
        return
