"""The conversation, end to end: real Asterisk, SIPp over SIP, real models on both sides.

Each test places a call with the scripted caller, then checks what the caller heard
(its recording, transcribed) and what the call record says.  The engines load once per
module; the service runs in the test's event loop.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest

from appliance.call.engines import Engines
from appliance.call.records import CallRecords, read_call
from appliance.call.service import conversation_handler
from appliance.knowledge.vocabulary import vocabulary_from_folder
from appliance.speech_in.factory import transcribe_pcm
from appliance.telephony.caller_voice import caller_voice
from appliance.telephony.sip_caller import CallerTurn, CallResult, SipCaller
from audio_fixtures import edit_distance
from conftest import ROOT, TEST_APP, settings_for_asterisk

pytestmark = [pytest.mark.asterisk, pytest.mark.models, pytest.mark.slow]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("conversation")


@pytest.fixture(scope="module")
def engines(local_asterisk, data_dir: Path):  # type: ignore[no-untyped-def]
    settings = settings_for_asterisk(local_asterisk, data_dir, knowledge={"source_dir": str(ROOT / "kb" / "sample")})
    loaded = Engines.load(settings)
    yield loaded
    loaded.close()


@pytest.fixture
async def service(start_service, engines, local_asterisk, data_dir: Path):  # type: ignore[no-untyped-def]
    """Factory: the conversation service with optional call-setting overrides."""
    records: list[CallRecords] = []

    async def start(vad: dict | None = None, **call_overrides):  # type: ignore[no-untyped-def]
        settings = settings_for_asterisk(local_asterisk, data_dir, call=call_overrides, vad=vad or {},
                                         knowledge={"source_dir": str(ROOT / "kb" / "sample")})
        engines.settings = settings
        rec = CallRecords(data_dir / "calls.sqlite3")
        records.append(rec)
        svc = await start_service(conversation_handler(engines, rec), settings)
        svc.records = rec
        return svc

    yield start
    for rec in records:
        rec.close()


def heard_text(result: CallResult, engines: Engines) -> str:
    """What the caller heard, transcribed by the test's ear: Whisper with a beam of 5 over the
    full 30 s window (slower than the service's one-pass short-window decoding, and surer of
    numbers, which tiny.en misspells on the phone line now and then)."""
    vocab = vocabulary_from_folder(ROOT / "kb" / "sample")
    s = engines.settings
    ear = dataclasses.replace(s, asr=dataclasses.replace(s.asr, beam_size=5, short_context=False))
    return transcribe_pcm(result.recording, ear, vocab)


def say(text: str) -> CallerTurn:
    return CallerTurn(audio=caller_voice(text, "piper"), text=text)


async def call_record(svc, local_asterisk) -> dict:  # type: ignore[no-untyped-def]
    await svc.wait_idle(15)
    svc.records.flush()
    rows = [c for c in (read_call(svc.records.path, cid) for cid in _call_ids(svc)) if c]
    assert rows, "the call was recorded"
    return rows[-1]


def _call_ids(svc) -> list[str]:  # type: ignore[no-untyped-def]
    import sqlite3

    with sqlite3.connect(svc.records.path) as conn:
        return [r[0] for r in conn.execute("SELECT call_id FROM calls ORDER BY started_at")]


class _ChildCaller:
    """The scripted caller in its own process, so the service under test (in this process,
    with its model threads) cannot stall the caller's RTP pacing as it never would a real
    caller's."""

    def __init__(self, sip_caller: SipCaller) -> None:
        self.sip_caller = sip_caller

    async def call(self, turns: list[CallerTurn], hangup: str = "caller", listen_s: float | None = None,
                   hangup_after_reply_s: float | None = None) -> CallResult:
        return await self.sip_caller.call_in_child(turns, hangup, listen_s, hangup_after_reply_s)


def caller(local_asterisk, **kw) -> _ChildCaller:  # type: ignore[no-untyped-def]
    return _ChildCaller(SipCaller(local_asterisk.sip_host, local_asterisk.sip_port, TEST_APP, **kw))


async def test_caller_hears_greeting_and_the_fact_from_the_knowledge_base(local_asterisk, service, engines) -> None:
    svc = await service()
    result = await caller(local_asterisk).call([say("How much does the UTM-100 weigh?")], listen_s=1.0)
    text = heard_text(result, engines).lower()
    assert "tensora" in text or "testing machines" in text, text  # the greeting
    # The UTM-100 weighs 410 kg (spoken "four hundred and ten", which Whisper may write either way).
    assert "410" in text or re.search(r"400\W+and\W+10\b|four hundred and ten", text), text
    record = await call_record(svc, local_asterisk)
    answer = [t for t in record["turns"] if t["kind"] == "answer"][0]
    assert "410" in answer["agent_text"]
    assert {"transcript_ms", "first_sentence_ms", "first_rtp_ms"} <= set(answer["timings"])
    assert result.turns[0].latency_ms is not None  # measured at the caller (figures: make bench)


async def test_barge_in_stops_our_audio_and_the_new_question_is_answered(local_asterisk, service, engines) -> None:
    svc = await service()
    question = say("What is the price of the UTM-300?")
    turn = CallerTurn(audio=question.audio, text=question.text, barge_in_after_s=1.5)
    result = await caller(local_asterisk).call([turn], listen_s=1.0)
    greeting_audio = engines.phrase_audio(engines.phrases.greeting)
    greeting_s = greeting_audio.size / 8000
    first = result.heard_spans[0]
    spoke_at = result.turns[0].sent_start_s
    assert first[1] - first[0] < greeting_s - 2, "the greeting was cut short"
    assert first[1] < spoke_at + 1.0, f"our audio stopped within a second of the caller speaking ({first}, {spoke_at})"
    record = await call_record(svc, local_asterisk)
    assert any(e["kind"] == "barge_in" for e in record["events"])
    answer = [t for t in record["turns"] if t["kind"] == "answer"]
    assert answer and "54,000" in answer[0]["agent_text"], [(t["caller_text"], t["agent_text"]) for t in record["turns"]]
    assert result.turns[0].reply_start_s is not None, "the caller heard the answer"
    # The answer reached the caller's ear.  Whisper tiny's spelling of it varies from run to
    # run ("VUT-M-300", "cost-50,000" were seen for "The UTM-300 costs 54,000 euros"): the
    # exact figure is checked in the record above, the recording shows it was heard.
    heard = heard_text(result, engines).lower()
    assert "300" in heard and re.search(r"\d,?000 euros|thousand euros", heard), heard


async def test_quiet_echo_of_our_own_voice_does_not_interrupt(local_asterisk, service, engines) -> None:
    svc = await service()
    echo = (engines.phrase_audio(engines.phrases.greeting).astype(np.float32) * 0.08).astype(np.int16)
    turn = CallerTurn(audio=np.concatenate([np.zeros(2400, dtype=np.int16), echo]), text="echo", wait_for_agent=False)
    result = await caller(local_asterisk).call([turn], listen_s=0.5)
    greeting_s = engines.phrase_audio(engines.phrases.greeting).size / 8000
    heard = sum(b - a for a, b in result.heard_spans if a < greeting_s + 1)
    assert heard > 0.8 * greeting_s, f"the greeting played out ({heard:.1f} of {greeting_s:.1f} s)"
    record = await call_record(svc, local_asterisk)
    assert not any(e["kind"] == "barge_in" for e in record["events"])
    assert not [t for t in record["turns"] if t["kind"] == "answer"], "echo did not start a turn"


async def _wait_for_operator(svc, call: asyncio.Task) -> bool:  # type: ignore[no-untyped-def,type-arg]
    """Poll ARI until the caller's channel runs in the operator extension (or the call ends)."""
    while not call.done():
        if any(c.context == "appliance-operator" and c.exten == "100" for c in await svc.ari.channels()):
            return True
        await asyncio.sleep(0.2)
    return False


@pytest.mark.parametrize("how", ["words", "dtmf"])
async def test_operator_request_lands_in_the_operator_extension(local_asterisk, service, how: str) -> None:
    svc = await service()
    turn = say("Operator, please.") if how == "words" else CallerTurn(dtmf="0")
    call = asyncio.get_running_loop().create_task(caller(local_asterisk).call([turn], listen_s=6.0))
    reached = await _wait_for_operator(svc, call)
    result = await call
    assert reached, "the caller's channel continued in [appliance-operator] 100"
    assert result.answered
    record = await call_record(svc, local_asterisk)
    assert record["outcome"] == "transferred"


async def test_silence_gets_a_reprompt_then_a_polite_hangup(local_asterisk, service) -> None:
    svc = await service(reprompt_after_s=2.0, max_reprompts=1)
    result = await caller(local_asterisk, max_wait_s=40).call([], hangup="remote", listen_s=40)
    assert result.ended_by == "remote"
    record = await call_record(svc, local_asterisk)
    kinds = [t["kind"] for t in record["turns"]]
    assert kinds[:2] == ["greeting", "reprompt"] and kinds[-1] == "farewell"
    assert record["outcome"] == "abandoned"


async def test_goodbye_gets_a_farewell_and_the_call_ends(local_asterisk, service, engines) -> None:
    svc = await service()
    result = await caller(local_asterisk).call([say("That's all, goodbye.")], hangup="remote", listen_s=20)
    assert result.ended_by == "remote"
    assert "goodbye" in heard_text(result, engines).lower()
    record = await call_record(svc, local_asterisk)
    assert record["outcome"] == "answered" and record["end_reason"] in ("agent_hangup", "caller_hangup")
    assert any(e["kind"] == "hangup" and e["detail"].get("reason") == "goodbye" for e in record["events"])


async def test_follow_up_question_uses_the_history(local_asterisk, service, engines) -> None:
    svc = await service()
    turns = [say("What is the price of the UTM-300?"), say("And how much does it weigh?")]
    result = await caller(local_asterisk).call(turns, listen_s=1.0)
    record = await call_record(svc, local_asterisk)
    answers = [t["agent_text"] for t in record["turns"] if t["kind"] == "answer"]
    assert len(answers) == 2, answers
    assert "1350" in answers[1].replace(",", "").replace(" ", ""), answers  # the UTM-300 weighs 1350 kg
    assert result.turns[1].reply_start_s is not None


async def test_a_pause_mid_question_does_not_answer_the_half_question(local_asterisk, service, engines) -> None:
    """An answer started early on "How much does the" is dropped unheard when the caller goes
    on; the caller hears the answer to the whole question, itself started on the final pause.
    The turn model is made strict, so only the 1 s silence fallback can end the turn."""
    svc = await service(vad={"turn_threshold": 0.99})
    def spoken(text: str) -> np.ndarray:
        pcm = caller_voice(text, "piper")
        loud = np.flatnonzero(np.abs(pcm.astype(np.int32)) > 300)
        return pcm[loud[0] : loud[-1] + 1]

    gap = np.zeros(int(0.5 * 8000), dtype=np.int16)  # past vad.pause_ms: an early answer starts
    audio = np.concatenate([np.zeros(4000, np.int16), spoken("How much does the"), gap, spoken("UTM-300 weigh?"),
                            np.zeros(4000, np.int16)])
    await caller(local_asterisk).call([CallerTurn(audio=audio, text="How much does the ... UTM-300 weigh?")], listen_s=1.0)
    record = await call_record(svc, local_asterisk)
    answers = [t for t in record["turns"] if t["kind"] == "answer"]
    assert len(answers) == 1, [(t["caller_text"], t["agent_text"], t["timings"]) for t in record["turns"]] + [e for e in record["events"] if e["kind"] in ("caller_said", "early_answer_dropped")]
    assert "300" in answers[0]["caller_text"] and "1350" in answers[0]["agent_text"].replace(",", ""), answers
    assert answers[0]["timings"].get("early") is True  # started at the pause that ended the turn
    dropped = [e["detail"] for e in record["events"] if e["kind"] == "early_answer_dropped"]
    assert any("300" not in d.get("text", "") for d in dropped), record["events"]  # the half question's


async def test_quote_request_stores_a_lead_and_reads_it_back(local_asterisk, service, engines) -> None:
    svc = await service()
    turns = [say("Can I get a quote for the UTM-50?"), say("My name is John."),
             say("My number is 0 1 7 6, 2 4 8, 3 9 1 5."), say("Yes, that's correct.")]
    result = await caller(local_asterisk).call(turns, listen_s=1.0)
    record = await call_record(svc, local_asterisk)
    dialogue = [(e["kind"], e["detail"].get("text")) for e in record["events"] if e["kind"] in ("caller_said", "say")]
    dialogue += [(t["caller_text"], t["agent_text"]) for t in record["turns"]]
    print("dialogue:", *dialogue, "leads:", record["leads"], sep="\n  ")  # shown whole if an assert fails
    assert len(record["leads"]) == 1, dialogue
    lead = record["leads"][0]
    assert "john" in lead["name"].lower(), dialogue
    readback = [t["agent_text"] for t in record["turns"] if "contact you at" in t["agent_text"]]
    assert readback and re.search(r"\d \d \d", readback[-1]), readback  # read back digit by digit
    # The lead is the number the caller confirmed. Whisper hears a dictated number whole
    # about 9 times in 10 (bench/dictation_eval.py measures it); one digit misheard or
    # doubled is what the read-back is for, so the caller (who says "yes" whatever they
    # hear) may confirm that; a group lost is a failure here.
    assert re.sub(r"\D", "", lead["contact"]) == re.sub(r"\D", "", readback[-1]), (lead, readback)
    assert edit_distance("01762483915", re.sub(r"\D", "", lead["contact"])) <= 1, dialogue
    assert lead["products"] == ["UTM-50"], (lead, dialogue)
    assert result.answered


async def test_a_caller_past_max_calls_hears_the_lines_are_busy(local_asterisk, service, engines) -> None:
    """The box answers one call at a time here: a second caller is told the lines are busy
    and hung up on, in seconds, while the first caller's question is answered as usual."""
    svc = await service(max_calls=1, when_full="busy")
    first_call = asyncio.create_task(caller(local_asterisk).call([say("How much does the UTM-100 weigh?")],
                                                                 listen_s=1.0))
    await asyncio.sleep(1.5)
    second = await caller(local_asterisk).call([], hangup="remote", listen_s=20.0)
    first = await first_call
    assert second.answered and second.ended_by == "remote" and second.duration_s < 12, second
    heard = heard_text(second, engines).lower()
    assert "busy" in heard and "call again" in heard, heard
    await svc.wait_idle(15)
    svc.records.flush()
    rows = [read_call(svc.records.path, cid) for cid in _call_ids(svc)][-2:]  # this test's two calls
    outcomes = {row["outcome"]: row for row in rows if row}
    assert "busy" in outcomes and len(outcomes) == 2, [r and r["outcome"] for r in rows]
    busy = outcomes["busy"]
    assert [t["agent_text"] for t in busy["turns"]] == [engines.phrases.busy]
    answered = [r for r in rows if r and r["outcome"] != "busy"][-1]
    assert any("410" in t["agent_text"] for t in answered["turns"]), answered["turns"]
    assert first.answered


async def test_model_failures_get_the_fallback_then_a_transfer(local_asterisk, service, engines,
                                                              monkeypatch) -> None:
    """The model times out on every answer, and no sentence of the knowledge base can stand in
    for it (a timed-out answer otherwise gets the checked extractive sentence): the caller
    hears an apology each time, never dead air, and after two unanswered turns is put
    through to a person."""
    svc = await service()
    budget = engines.agent.time_budget_s
    engines.agent.time_budget_s = 0.001
    monkeypatch.setattr(engines.agent, "token_gap_s", 0.0)  # no grace for progress either
    monkeypatch.setattr("appliance.agent.llama_agent.extractive_pick", lambda *a, **k: ("", ""))
    try:
        turns = [say("What is the price of the UTM-300?"), say("How much does the UTM-100 weigh?")]
        call = asyncio.get_running_loop().create_task(caller(local_asterisk).call(turns, listen_s=5.0))
        reached = await _wait_for_operator(svc, call)
        result = await call
    finally:
        engines.agent.time_budget_s = budget
    assert reached, "two unanswered turns ended in the operator extension"
    record = await call_record(svc, local_asterisk)
    answers = [t for t in record["turns"] if t["kind"] == "answer"]
    assert len(answers) == 2 and all("can't answer" in t["agent_text"] for t in answers), answers
    assert record["outcome"] == "transferred"
    assert all(t.latency_ms is not None for t in result.turns), result.turns  # each turn heard an answer


async def test_back_channel_while_we_talk_neither_interrupts_nor_starts_a_turn(local_asterisk, service, engines) -> None:
    svc = await service()
    turn = CallerTurn(audio=caller_voice("Uh-huh.", "piper"), text="uh-huh", barge_in_after_s=2.0)
    result = await caller(local_asterisk).call([turn], listen_s=0.5)
    greeting_s = engines.phrase_audio(engines.phrases.greeting).size / 8000
    heard = sum(b - a for a, b in result.heard_spans if a < greeting_s + 1)
    assert heard > 0.8 * greeting_s, f"the greeting played out ({heard:.1f} of {greeting_s:.1f} s)"
    record = await call_record(svc, local_asterisk)
    assert not any(e["kind"] == "barge_in" for e in record["events"])
    assert not [t for t in record["turns"] if t["kind"] == "answer"], "a back-channel is not a question"


async def test_hang_ups_mid_answer_leave_the_service_answering(local_asterisk, service, engines) -> None:
    """Callers who hang up while an answer is playing, several times in a row: each call is
    recorded whole (its interrupted answer too), nothing stays in flight, nothing is left in
    Asterisk, and the next caller is answered with the fact.  (The reply used to wait forever
    for audio that a closed RTP endpoint would never send; the garbage collector later ran its
    clean-up on the event-loop thread and could deadlock the whole service.)"""
    import gc
    import time

    svc = await service()
    t0 = time.time()
    for after_s in (0.6, 1.2, 1.8):  # at the opening words, mid-figure, with the answer all queued
        result = await caller(local_asterisk).call([say("What is the price of the UTM-300?")],
                                                   hangup_after_reply_s=after_s)
        assert result.answered and result.ended_by == "caller"
    await svc.wait_idle(15)
    gc.collect()  # a pending reply task left behind would be finalised (and record) here
    svc.records.flush()
    # Every cut-off answer gave its sequence in the model back (the engine thread drops a
    # cancelled one at its next step; one still writing for nobody would stay counted).
    deadline = time.monotonic() + 2
    while engines.agent.in_flight and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert engines.agent.in_flight == 0, "every cut-off reply gave its room in the model back"
    assert not await svc.app.leftovers(), "no channel or bridge left in Asterisk"
    import sqlite3

    with sqlite3.connect(svc.records.path) as conn:
        ids = [r[0] for r in conn.execute("SELECT call_id FROM calls WHERE started_at >= ? ORDER BY started_at", (t0,))]
    records = [read_call(svc.records.path, i) for i in ids]
    assert len(records) == 3
    for record in records:
        assert record is not None and record["outcome"] != "in_progress" and record["ended_at"], record
        answers = [t for t in record["turns"] if t["kind"] == "answer"]
        assert len(answers) == 1 and answers[0]["interrupted"], [(t["kind"], t["agent_text"]) for t in record["turns"]]
    # The service still answers the next caller, with the fact.
    result = await caller(local_asterisk).call([say("How much does the UTM-100 weigh?")], listen_s=1.0)
    assert result.turns[0].reply_start_s is not None, "the next caller heard an answer"
    record = await call_record(svc, local_asterisk)
    answer = [t for t in record["turns"] if t["kind"] == "answer"][0]
    assert "410" in answer["agent_text"], answer


async def test_opening_words_are_never_followed_by_a_fallback(local_asterisk, service, engines, monkeypatch) -> None:
    """The model begins well and then fails: once with another product's price, once by running
    out of time mid-sentence.  Each time the caller has already heard the opening words; what
    follows is the sentence finished from the price list, never an apology or a fallback."""
    svc = await service()
    scripts = {
        "UTM-300": (["The", " UTM", "-", "300", " costs", " 18", ",", "900", " euros", ".", "\n"], None),
        "UTM-100": (["The", " UTM", "-", "100", " costs", " about"], TimeoutError("the model did not answer in time")),
    }

    def scripted(head, prompt, **kwargs):  # type: ignore[no-untyped-def]
        question = prompt.rsplit("Question:", 1)[-1]
        tokens, failure = next(v for k, v in scripts.items() if k in question)
        yield from tokens
        if failure is not None:
            raise failure

    monkeypatch.setattr(engines.agent.model, "complete", scripted)
    monkeypatch.setattr(engines.agent, "figures_from_documents", False)  # (the model's own path)
    turns = [say("What is the price of the UTM-300?"), say("How much does the UTM-100 cost?")]
    result = await caller(local_asterisk).call(turns, listen_s=2.0)
    record = await call_record(svc, local_asterisk)
    answers = [t["agent_text"] for t in record["turns"] if t["kind"] == "answer"]
    assert len(answers) == 2, answers
    assert answers[0].startswith("The UTM-300 costs") and "54,000" in answers[0] and "18,900" not in answers[0], answers
    assert answers[1].startswith("The UTM-100 costs") and "27,500" in answers[1], answers
    heard = heard_text(result, engines).lower()
    for said in answers + [heard]:
        assert not re.search(r"sorry|can't answer|don't have that|put you through", said.lower()), said
