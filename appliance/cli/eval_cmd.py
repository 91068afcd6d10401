"""``appliance eval``: answer quality on the evaluation's knowledge bases (bench/eval/)."""

from __future__ import annotations

import argparse
from pathlib import Path

from appliance.config.errors import ConfigError
from appliance.logs import setup_logging


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("eval", help="answer quality: ask the evaluation's questions on its knowledge bases (bench/eval/)")
    p.add_argument("--kb", action="append", default=[], metavar="NAME",
                   help="only this knowledge base (repeatable; default: all under bench/eval/kbs)")
    p.add_argument("--limit", type=int, default=None, metavar="N",
                   help="at most N questions per knowledge base, taken in turn from each kind")
    p.add_argument("--id", action="append", default=[], dest="ids", metavar="ID", help="only this question (repeatable)")
    p.add_argument("--json", type=Path, default=Path("bench/eval/latest.json"), metavar="OUT",
                   help="JSON report (default bench/eval/latest.json)")
    p.add_argument("--no-prime", dest="prime", action="store_false",
                   help="skip saving every passage's prompt state first (quicker start; slower first words)")
    p.add_argument("--rescore", type=Path, default=None, metavar="REPORT",
                   help="score a saved report's answers again against the questions as they are now (no models)")
    p.add_argument("--config", default=argparse.SUPPRESS, help="config file (models, prompts, retrieval settings)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from appliance.cli.common import quiet_libraries
    from appliance.eval.runner import EvalOptions, run_eval

    if args.limit is not None and args.limit < 1:
        raise ConfigError("--limit must be at least 1")
    setup_logging("warning")
    quiet_libraries()
    if args.rescore is not None:
        import json

        from appliance.eval.runner import rescore

        try:
            report = rescore(json.loads(args.rescore.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError) as exc:
            raise ConfigError(f"{args.rescore}: not a readable eval report ({exc})") from None
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(report["table"])
        return 0
    opts = EvalOptions(kbs=args.kb, limit=args.limit, ids=args.ids, config=getattr(args, "config", None),
                       out=args.json, prime=args.prime)
    report = run_eval(opts, progress=lambda line: print(line, flush=True))
    print()
    print(report["table"])
    print(f"\n({report['took_s']:.0f} s; report: {args.json})")
    return 0
