"""A new customer's knowledge base: `appliance kb ingest` of their folder, then the service
greets (and says goodbye) as their company, never as the sample's.  End to end: the CLI
ingests, the engines load as `appliance serve` loads them, a SIP caller dials in through
the local Asterisk and what it heard is transcribed."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from appliance.call.engines import Engines
from appliance.call.records import CallRecords
from appliance.call.service import conversation_handler
from appliance.speech_in.factory import transcribe_pcm
from appliance.telephony.caller_voice import caller_voice
from appliance.telephony.sip_caller import CallerTurn, SipCaller
from conftest import ROOT, TEST_APP, settings_for_asterisk

pytestmark = [pytest.mark.asterisk, pytest.mark.models, pytest.mark.slow]

ABOUT = """# About Brightwater Bakery

Brightwater Bakery is a family bakery in York, founded in 1982. We bake bread, cakes and
pastries every morning and deliver to cafés and shops across Yorkshire.
"""
PRICES = """Price list

Sourdough loaf ........ 4.50 pounds
Seeded rye loaf ....... 5.20 pounds
Celebration cake CK-12 ........ 38 pounds

Brightwater Bakery delivers orders above 30 pounds free of charge within York.
"""


@pytest.fixture(scope="module")
def bakery(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("brightwater")
    (folder / "about.md").write_text(ABOUT)
    (folder / "prices.txt").write_text(PRICES)
    return folder


async def test_a_new_knowledge_base_greets_as_its_company(local_asterisk, start_service, bakery: Path,
                                                          tmp_path: Path) -> None:
    settings = settings_for_asterisk(local_asterisk, tmp_path)  # nothing about the company configured
    config = tmp_path / "appliance.toml"
    config.write_text(f'data_dir = "{settings.data_path}"\nmodels_manifest = "{settings.manifest_path}"\n')
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    ingest = subprocess.run([sys.executable, "-m", "appliance.cli.main", "kb", "ingest", str(bakery), "--config",
                             str(config)], capture_output=True, text=True, env=env, timeout=600)
    assert ingest.returncode == 0, ingest.stderr[-2000:]

    engines = await asyncio.get_running_loop().run_in_executor(None, Engines.load, settings)
    records = CallRecords(tmp_path / "calls.sqlite3")
    try:
        assert "Brightwater Bakery" in engines.phrases.greeting and "Brightwater Bakery" in engines.phrases.farewell
        await start_service(conversation_handler(engines, records), settings)
        sip = SipCaller(local_asterisk.sip_host, local_asterisk.sip_port, TEST_APP)
        goodbye = CallerTurn(audio=caller_voice("That's all, thank you. Goodbye.", "piper"), text="goodbye")
        result = await sip.call_in_child([goodbye], "remote", 20)
        ear = dataclasses.replace(settings, asr=dataclasses.replace(settings.asr, beam_size=5, short_context=False))
        heard = transcribe_pcm(result.recording, ear, "Brightwater Bakery, a family bakery in York.").lower()
    finally:
        records.close()
        engines.close()
    # The greeting and the farewell name the customer's company, never the sample's.
    assert heard.count("brightwater") >= 2 or ("brightwater" in heard and "bakery" in heard), heard
    assert "tensora" not in heard and "testing machine" not in heard, heard
