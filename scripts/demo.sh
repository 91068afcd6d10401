#!/usr/bin/env bash
# `make run`: the local Asterisk up, the service started, one demo call placed over SIP,
# the dialogue printed with per-turn latency. Asterisk is stopped again if this started it.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${VENV:-.venv}/bin/python"
was_up=0
bash scripts/asterisk.sh status >/dev/null 2>&1 && was_up=1
bash scripts/asterisk.sh up
cleanup() { [ "$was_up" = 1 ] || bash scripts/asterisk.sh down >/dev/null 2>&1 || true; }
trap cleanup EXIT
"$PY" -m appliance.cli.main demo "$@"
