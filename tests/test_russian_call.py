"""A Russian-speaking caller, end to end through the local Asterisk: one config value
(``agent.language = "ru"``) and the Russian sample knowledge base.  The caller speaks with
the Russian voice (Festival) through 8 kHz µ-law; what it heard is transcribed by the
Russian recogniser.  Greeting in Russian, a question answered in Russian with the fact,
"до свидания" ends the call, "соедините с оператором" transfers it."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from pathlib import Path

import pytest

from appliance.call.engines import Engines
from appliance.call.records import CallRecords, read_call
from appliance.call.service import conversation_handler
from appliance.config.manifest import load_manifest
from appliance.knowledge.vocabulary import vocabulary_from_folder
from appliance.speech_in.factory import transcribe_pcm
from appliance.telephony.caller_voice import caller_voice
from appliance.telephony.sip_caller import CallerTurn, SipCaller
from conftest import ROOT, TEST_APP, settings_for_asterisk

pytestmark = [pytest.mark.asterisk, pytest.mark.models, pytest.mark.slow]

KB_RU = ROOT / "kb" / "sample_ru"
_m = load_manifest(ROOT / "models" / "manifest.toml")


def ru_settings(local_asterisk, data_dir: Path):  # type: ignore[no-untyped-def]
    # The pack's models, but the 0.5B Qwen rather than the pack's 1.5B (a key the config sets
    # wins over the pack): it answers these questions in Russian too (bench/README.md) at a
    # third of the cost, and a test box fetches 0.5 GB instead of 1.1.  A generous answer
    # budget: the test box's two cores are shared with other test runs, and the budget's
    # fallback is not what this test is about (latency: make bench); no saved passage states
    # (priming every passage takes minutes on a loaded box).
    return settings_for_asterisk(local_asterisk, data_dir, agent={"language": "ru"},
                                 knowledge={"source_dir": str(KB_RU)},
                                 llm={"role": "llm_qwen_0_5b", "time_budget_s": 40.0, "prompt_cache_mb": 0},
                                 call={"max_dead_air_s": 30.0, "reprompt_after_s": 60.0})


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("russian-call")


@pytest.fixture(scope="module")
def engines(local_asterisk, data_dir: Path):  # type: ignore[no-untyped-def]
    settings = ru_settings(local_asterisk, data_dir)
    missing = [r for r in ("asr_ru", "embeddings_ru", settings.llm.role) if _m.get(r).absent]
    if missing:
        pytest.skip(f"Russian models not installed: {', '.join(missing)} (appliance models install --group ru)")
    loaded = Engines.load(settings)
    yield loaded
    loaded.close()


@pytest.fixture
async def service(start_service, engines, local_asterisk, data_dir: Path):  # type: ignore[no-untyped-def]
    settings = ru_settings(local_asterisk, data_dir)
    engines.settings = settings
    records = CallRecords(data_dir / "calls.sqlite3")
    svc = await start_service(conversation_handler(engines, records), settings)
    svc.records = records
    yield svc
    records.close()


def say(text: str, settings) -> CallerTurn:  # type: ignore[no-untyped-def]
    """The Russian caller: Festival's Russian voice through a µ-law line."""
    return CallerTurn(audio=caller_voice(text, "piper", settings), text=text)


def heard_text(recording, engines) -> str:  # type: ignore[no-untyped-def]
    s = engines.settings
    ear = dataclasses.replace(s, asr=dataclasses.replace(s.asr, beam_size=5, short_context=False))
    lead = "ТехноПресс. Здравствуйте, вы позвонили в компанию ТехноПресс. Чем я могу помочь? Пресс ПГ-250 стоит 2 900 000 рублей."
    return transcribe_pcm(recording, ear, vocabulary_from_folder(KB_RU, lead=lead)).lower()


async def call_record(svc) -> dict:  # type: ignore[no-untyped-def]
    import sqlite3

    await svc.wait_idle(20)
    svc.records.flush()
    with sqlite3.connect(svc.records.path) as conn:
        ids = [r[0] for r in conn.execute("SELECT call_id FROM calls ORDER BY started_at")]
    rows = [c for c in (read_call(svc.records.path, cid) for cid in ids) if c]
    assert rows, "the call was recorded"
    return rows[-1]


async def test_a_russian_caller_is_greeted_answered_and_said_goodbye_to_in_russian(
        local_asterisk, service, engines) -> None:  # type: ignore[no-untyped-def]
    s = engines.settings
    assert engines.phrases.greeting.startswith("Здравствуйте, вы позвонили в компанию ТехноПресс")
    # The caller waits out a pause of the agent's (thinking on the shared test box: no "одну
    # минуту" before 30 s, see ru_settings) before it says goodbye.
    sip = SipCaller(local_asterisk.sip_host, local_asterisk.sip_port, TEST_APP, max_wait_s=90, settle_silence_s=25.0)
    # (Festival's "пресс ПГ-40" reaches the recogniser as "при СпГ-40"; "ПГ-250" comes through
    # whole: bench/README.md, Russian ASR)
    turns = [say("Сколько стоит ПГ-250?", s), say("Спасибо, всего доброго, до свидания.", s)]
    result = await sip.call_in_child(turns, "remote", 30)
    heard = heard_text(result.recording, engines)
    record = await call_record(service)
    said = [(t["kind"], t.get("caller_text"), t.get("agent_text")) for t in record["turns"]]
    print("heard:", heard, "\nturns:", said, "\nevents:", [(e["kind"], e["detail"]) for e in record["events"]])
    hangups = [e["detail"].get("reason") for e in record["events"] if e["kind"] == "hangup"]
    assert hangups == ["goodbye"], f"the agent ended the call after the goodbye: {hangups} {heard} {said}"
    # The greeting, in Russian, naming the company
    assert re.search(r"здравствуйте", heard) and re.search(r"позвонили", heard), (heard, said)
    # The answer, in Russian, with the price (2 900 000 roubles, said "два миллиона девятьсот
    # тысяч рублей")
    assert re.search(r"2[\s ]?900[\s ]?000|(два|2) миллиона (900[\s ]?000|девятьсот тысяч)", heard) and re.search(r"рубл", heard), (heard, said)
    # The farewell
    assert re.search(r"до свидания", heard), (heard, said)
    answers = [t for t in record["turns"] if t["kind"] == "answer"]
    assert answers and re.search(r"2[\s ]?900[\s ]?000", answers[0]["agent_text"]), answers
    assert not re.search(r"[a-z]{4,}", answers[0]["agent_text"].lower()), "the answer is in Russian"


async def test_soedinite_s_operatorom_transfers_the_call(local_asterisk, service, engines) -> None:  # type: ignore[no-untyped-def]
    sip = SipCaller(local_asterisk.sip_host, local_asterisk.sip_port, TEST_APP, max_wait_s=60)
    call = asyncio.get_running_loop().create_task(
        sip.call_in_child([say("Соедините меня с оператором.", engines.settings)], "caller", 30.0))
    reached = False
    while not call.done():
        if any(c.context == "appliance-operator" and c.exten == "100" for c in await service.ari.channels()):
            reached = True
            break
        await asyncio.sleep(0.2)
    result = await call
    record = await call_record(service)
    said = [(t["kind"], t.get("caller_text"), t.get("agent_text")) for t in record["turns"]]
    events = [(e["kind"], e["detail"]) for e in record["events"]]
    assert reached, f"the caller's channel continued in [appliance-operator] 100: {said} {events}"
    assert result.answered
    assert record["outcome"] == "transferred"
