"""The ``appliance`` command: one entry point, one sub-command module per concern.

Each module in COMMAND_MODULES has ``register(subparsers)`` which adds its sub-commands
and sets ``func`` on them.  An ApplianceError from any command is printed as one line and
exits 2; nothing the user can fix ends in a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from appliance.config.errors import ApplianceError

COMMAND_MODULES = [
    "appliance.cli.serve_cmd",
    "appliance.cli.call_cmd",
    "appliance.cli.models_cmd",
    "appliance.cli.speech_cmd",
    "appliance.cli.kb_cmd", "appliance.cli.ask_cmd",
    "appliance.web.cli",
    "appliance.cli.bench_cmd",
    "appliance.cli.soak_cmd",
    "appliance.cli.eval_cmd",
    "appliance.cli.demo_cmd",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="appliance", description="Offline speech appliance")
    parser.add_argument("--config", help="config file (default: $APPLIANCE_CONFIG, else built-in defaults)")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


#: Files the appliance writes (uploads, call records, recordings, the store) are the
#: service's data: group-readable at most, never world-readable (0640 files, 0750 folders).
UMASK = 0o027


def main(argv: list[str] | None = None) -> int:
    os.umask(UMASK)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ApplianceError as exc:
        print(f"appliance: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
