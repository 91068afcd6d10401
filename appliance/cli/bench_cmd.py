"""``appliance bench``: latency and capacity under concurrent calls, streaming vs baseline."""

from __future__ import annotations

import argparse
from pathlib import Path

from appliance.config.errors import ConfigError
from appliance.logs import setup_logging


def _levels(text: str) -> list[int]:
    try:
        levels = sorted({int(x) for x in text.split(",") if x.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected numbers like 1,2,4,8") from None
    if not levels or levels[0] < 1 or levels[-1] > 64:
        raise argparse.ArgumentTypeError(f"{text!r}: levels must be 1..64")
    return levels


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("bench", help="concurrent scripted calls: latency, stages, CPU/memory (bench/README.md)")
    p.add_argument("--config", help="config the bench service starts from (models, threads, KB)")
    p.add_argument("--compare-config", default=None,
                   help="a second config (e.g. bench/eval/ru.toml, the Russian pack) measured in the same run, "
                        "streaming only, figures side by side")
    p.add_argument("--levels", type=_levels, default=None, help="concurrent calls per level (default 1,2,4,8)")
    p.add_argument("--turns", type=int, default=None, help="questions per call (default 3)")
    p.add_argument("--baseline", action=argparse.BooleanOptionalAction, default=True,
                   help="also run the record-then-answer baseline (default: yes)")
    p.add_argument("--out", type=Path, default=None, help="JSON report (default bench/latest.json; chart next to it)")
    p.add_argument("--quick", action="store_true", help="levels 1,2 and 2 questions per call")
    p.add_argument("--no-chart", dest="chart", action="store_false", help="skip the PNG chart")
    p.add_argument("--keep", type=Path, default=None, help="keep the services' data dirs and logs in this folder")
    p.add_argument("--pacing-frames", type=int, default=3000,
                   help="RTP pacing measurement length in 20 ms frames first (0: skip; default 3000 = 60 s)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from appliance.bench.runner import BenchOptions, run_bench
    from appliance.cli.common import quiet_libraries

    setup_logging("warning")
    quiet_libraries()
    opts = BenchOptions.quick_run() if args.quick else BenchOptions()
    if args.levels:
        opts.levels = args.levels
    if args.turns is not None:
        if not 1 <= args.turns <= 20:
            raise ConfigError("--turns must be 1..20")
        opts.turns = args.turns
    opts.baseline = args.baseline
    if args.out is not None:
        opts.out = args.out
    opts.config = args.config
    opts.compare_config = args.compare_config
    opts.chart = args.chart
    opts.workdir = args.keep
    if args.pacing_frames > 0:
        import asyncio

        from appliance.bench.pacing import measure_pacing, pacing_line

        print(f"bench: measuring RTP pacing over {args.pacing_frames} frames ...", flush=True)
        print(pacing_line(asyncio.run(measure_pacing(args.pacing_frames))), flush=True)
    run_bench(opts, progress=lambda line: print(line, flush=True))
    return 0
