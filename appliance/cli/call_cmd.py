"""``appliance call``: place a real SIP call into Asterisk, speak, record, report timings."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys

from appliance.cli.common import settings_for
from appliance.config.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("call", help="place a test call over SIP and report what the caller heard")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--text", action="append", help="what the caller says (repeat for several turns)")
    what.add_argument("--wav", action="append", help="a WAV the caller plays (repeat for several turns)")
    what.add_argument("--listen-only", action="store_true", help="say nothing; just listen")
    p.add_argument("--dtmf", help="keys to press after the last utterance (e.g. 0)")
    p.add_argument("--record", help="write what the caller heard to this WAV")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--host", default=os.environ.get("SIP_HOST", "127.0.0.1"), help="Asterisk SIP host")
    p.add_argument("--port", type=int, default=int(os.environ.get("SIP_PORT", "5060")), help="Asterisk SIP port")
    p.add_argument("--to", default="appliance", help="extension to dial (default: appliance)")
    p.add_argument("--voice", choices=["auto", "piper", "espeak"], default="auto", help="caller voice for --text")
    p.add_argument("--listen", type=float, default=2.0, help="seconds to keep listening after the last reply")
    p.add_argument("--hangup", choices=["caller", "remote"], default="caller", help="who ends the call")
    p.add_argument("--no-transcript", action="store_true", help="skip transcribing what the caller heard")
    p.add_argument("--config", default=argparse.SUPPRESS, help="config file (for the voice and ASR models)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from appliance.telephony.caller_voice import caller_voice, read_wav_any
    from appliance.telephony.sip_caller import CallerTurn, SipCaller, write_wav

    settings = settings_for(args)
    turns: list[CallerTurn] = []
    for text in args.text or []:
        if not text.strip():
            raise InputError("--text is empty")
        turns.append(CallerTurn(audio=caller_voice(text, args.voice, settings), text=text))
    for wav in args.wav or []:
        turns.append(CallerTurn(audio=read_wav_any(wav), text=os.path.basename(wav)))
    if args.dtmf:
        turns.append(CallerTurn(dtmf=args.dtmf))
    caller = SipCaller(args.host, args.port, args.to)
    result = asyncio.run(caller.call(turns, hangup=args.hangup, listen_s=args.listen))
    if args.record:
        write_wav(args.record, result.recording)
        result.recording_path = os.path.abspath(args.record)
    if not args.no_transcript and result.recording.size:
        result.transcript = transcribe_recording(result.recording, settings)
    report = {
        "call_id": result.call_id, "answered": result.answered, "codec": result.codec,
        "duration_s": result.duration_s, "ended_by": result.ended_by, "recording": result.recording_path,
        "transcript": result.transcript,
        "turns": [{"said": t.text, "sent_end_s": t.sent_end_s, "reply_start_s": t.reply_start_s,
                   "reply_end_s": t.reply_end_s, "latency_ms": t.latency_ms} for t in result.turns],
        "heard_spans": result.heard_spans,
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"call {result.call_id}: answered={result.answered} codec={result.codec} "
              f"duration={result.duration_s:.1f}s ended_by={result.ended_by}")
        for t in report["turns"]:
            print(f"  said {t['said']!r}: reply after {t['latency_ms']} ms")
        if result.transcript:
            print(f"  heard: {result.transcript}")
        if result.recording_path:
            print(f"  recording: {result.recording_path}")
    return 0 if result.answered else 1


def transcribe_recording(pcm, settings) -> str:  # type: ignore[no-untyped-def]
    """What the caller heard, as text (empty when no ASR model is installed)."""
    try:
        from appliance.speech_in.factory import transcribe_pcm
    except ImportError:
        return ""
    from appliance.knowledge.vocabulary import vocabulary_from_folder

    try:
        return transcribe_pcm(pcm, settings, vocabulary_from_folder(settings.resolve(settings.knowledge.source_dir)))
    except Exception as exc:  # noqa: BLE001 - the call itself succeeded; say why there is no text
        print(f"appliance: note: could not transcribe the recording: {exc}", file=sys.stderr)
        return ""
