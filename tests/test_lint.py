"""Static checks as tests, so `make test` enforces them: ruff on all the code, mypy (strict on
the call path: appliance/call, appliance/telephony, appliance/speech_in).  Both are configured
in pyproject.toml."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _tool(name: str) -> str:
    path = Path(sys.executable).with_name(name)
    found = str(path) if path.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: it is in the dev extras (pip install -e '.[dev]')")
    return found


def test_ruff_finds_nothing() -> None:
    run = subprocess.run([_tool("ruff"), "check", "appliance", "tests", "scripts"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr


def test_mypy_strict_on_the_call_path() -> None:
    run = subprocess.run([_tool("mypy")], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
