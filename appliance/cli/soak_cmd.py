"""``appliance soak``: a bounded chaos run against the service (bench/README.md, "Soak")."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from appliance.config.errors import ConfigError
from appliance.logs import setup_logging


def _duration(text: str) -> float:
    """Seconds, or with a unit: 90, 90s, 20m, 1h."""
    units = {"s": 1, "m": 60, "h": 3600}
    try:
        value = float(text[:-1]) * units[text[-1]] if text and text[-1] in units else float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected seconds or a duration like 20m") from None
    if not 30 <= value <= 24 * 3600:
        raise argparse.ArgumentTypeError(f"{text!r}: the run must last between 30 s and 24 h")
    return value


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("soak", help="bounded chaos run: many calls, hang-ups, uploads, kills; leaks and hangs "
                                    "(bench/README.md)")
    p.add_argument("--duration", type=_duration, default=None, help="longest run (default 20m; --short: 3m)")
    p.add_argument("--calls", type=int, default=None, help="most calls (default 400; --short: 10)")
    p.add_argument("--concurrency", type=int, default=None, help="calls at once (default 2)")
    p.add_argument("--short", action="store_true",
                   help="the make test version: ~10 calls, hang-ups mid-answer, one hostile upload, no kills")
    p.add_argument("--no-asterisk-kill", dest="asterisk_kill", action="store_false", default=None,
                   help="skip the kill -9 and restart of (the soak's own) Asterisk")
    p.add_argument("--no-service-restart", dest="service_restart", action="store_false", default=None,
                   help="skip the SIGTERM and restart of the service mid-run")
    p.add_argument("--no-hostile-uploads", dest="hostile", action="store_false",
                   help="skip the hostile uploads (the heading of 10,000 spaces, the .docx zip bomb)")
    p.add_argument("--config", help="config the service starts from (models, threads, KB)")
    p.add_argument("--seed", type=int, default=None, help="random seed of the call mix (default 12)")
    p.add_argument("--out", type=Path, default=None, help="JSON report (default bench/soak.json)")
    p.add_argument("--keep", type=Path, default=None, help="keep the service's data dir, config and log here")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from appliance.bench.soak import SoakOptions, run_soak
    from appliance.cli.common import quiet_libraries

    setup_logging("warning")
    quiet_libraries()
    # The test callers' RTP endpoints warn about Asterisk's first packets (sent before the
    # caller has read the answer's media address): noise in the soak's progress lines.
    logging.getLogger("appliance.telephony.rtp").setLevel(logging.ERROR)
    opts = SoakOptions.short() if args.short else SoakOptions()
    if args.duration is not None:
        opts.duration_s = args.duration
    if args.calls is not None:
        if not 1 <= args.calls <= 100_000:
            raise ConfigError("--calls must be 1..100000")
        opts.max_calls = args.calls
    if args.concurrency is not None:
        if not 1 <= args.concurrency <= 16:
            raise ConfigError("--concurrency must be 1..16")
        opts.concurrency = args.concurrency
    for name in ("asterisk_kill", "service_restart"):
        if getattr(args, name) is not None:
            setattr(opts, name, getattr(args, name))
    if not args.hostile:
        opts.uploads = tuple(u for u in opts.uploads if u == "good")
    if args.seed is not None:
        opts.seed = args.seed
    if args.out is not None:
        opts.out = args.out
    opts.config = args.config
    opts.workdir = args.keep
    report = run_soak(opts, progress=lambda line: print(line, flush=True))
    return 0 if report["ok"] else 1
