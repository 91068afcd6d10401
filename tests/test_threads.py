"""The thread plan: every library's threads sized from the config and the box's cores."""

from __future__ import annotations

import subprocess
import sys

from appliance.config import settings_from_dict
from appliance.config.threads import PROCESS_ENV, ThreadPlan, apply_process_env


def test_automatic_plan_uses_every_core_for_the_model_and_one_transcription_per_core() -> None:
    plan = ThreadPlan.for_box(settings_from_dict({}), cores=2)
    assert (plan.llm, plan.asr, plan.asr_workers) == (2, 1, 2)
    plan = ThreadPlan.for_box(settings_from_dict({"asr": {"threads": 2}}), cores=8)
    assert (plan.llm, plan.asr, plan.asr_workers) == (8, 2, 4)


def test_the_config_wins_over_the_automatic_plan() -> None:
    settings = settings_from_dict({"llm": {"threads": 1}, "asr": {"workers": 3}})
    plan = ThreadPlan.for_box(settings, cores=16)
    assert (plan.llm, plan.asr_workers) == (1, 3)


def test_an_operators_environment_wins_over_the_defaults() -> None:
    env = {"OMP_WAIT_POLICY": "ACTIVE"}
    apply_process_env(env)
    assert env["OMP_WAIT_POLICY"] == "ACTIVE"
    assert env["OPENBLAS_NUM_THREADS"] == PROCESS_ENV["OPENBLAS_NUM_THREADS"]


def test_the_pools_are_told_not_to_spin_before_any_library_loads() -> None:
    """Importing the package is the first thing every entry point does: numpy (OpenBLAS)
    loaded after it sees one BLAS thread, whatever the box's core count."""
    code = ("import appliance, os, numpy\n"
            "from threadpoolctl import threadpool_info\n"
            "print(os.environ['OMP_WAIT_POLICY'], max(p['num_threads'] for p in threadpool_info() "
            "if p['internal_api'] == 'openblas'))")
    env = {k: v for k, v in __import__("os").environ.items() if k not in PROCESS_ENV}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.split() == ["PASSIVE", "1"], out.stderr
