"""The call session's turn-taking and failure paths, through the harness (no phone line).

Each test plays a call on a fake line whose clock runs ten times as fast, with a scripted
caller, agent and voice, and checks what the caller heard and what the call stored.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from appliance.call import session as session_module
from appliance.knowledge.vocabulary import code_index
from appliance.speech_in.base import Transcript
from tests.session_harness import LOUD, PHRASES, QUIET_FRAME, Call, Scripted, Step, patch_fast


@pytest.fixture
def call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Call:
    patch_fast(monkeypatch)
    return Call(tmp_path)


async def test_a_question_is_answered_and_the_turn_stored(call: Call) -> None:
    await call.start()
    call.agent.script["What does the T100 cost?"] = Scripted(["It costs 100 euros.", "Shipping is free."])
    await call.say("What does the T100 cost?")
    await call.listening()
    stored = await call.finish()
    assert call.heard() == [PHRASES.greeting, "It costs 100 euros.", "Shipping is free."]
    answers = [t for t in stored["turns"] if t["kind"] == "answer"]
    assert [(t["caller_text"], t["agent_text"], t["interrupted"]) for t in answers] == [
        ("What does the T100 cost?", "It costs 100 euros. Shipping is free.", 0)]
    assert stored["outcome"] == "answered"


# -- 1: a failure anywhere costs a turn, never the call ---------------------------------------

async def _take_down_name(call: Call) -> None:
    await call.say("I would like a quote")
    await call.listening()
    await call.say("My name is Anna Berg")
    await call.listening()


async def test_a_read_back_that_fails_gets_the_apology_and_the_call_goes_on(call: Call) -> None:
    await call.start()
    await _take_down_name(call)
    call.synth.fail_on.add("We will contact you at")  # the read-back's synthesis fails
    await call.say("anna at example dot com")
    await call.listening()
    call.synth.fail_on.clear()
    await call.say("anna at example dot com")  # said again after the apology
    await call.listening()
    stored = await call.finish()
    assert call.heard()[-2:] == [PHRASES.apology,
                                 "Thank you, Anna Berg. We will contact you at anna at example dot com. Is that correct?"]
    assert any(e["kind"] == "turn_error" for e in stored["events"])


async def test_a_transfer_that_asterisk_refuses_leaves_the_caller_with_us(call: Call) -> None:
    await call.start()
    call.ari.fail_transfer = True
    await call.say("Can I speak to an operator please")
    await call.listening()
    await call.say("What is the T100?")
    await call.listening()
    stored = await call.finish()
    assert call.heard()[-3:] == [PHRASES.transfer, PHRASES.apology, "Answer to What is the T100?"]
    assert stored["outcome"] != "transferred"


async def test_dtmf_0_whose_transfer_fails_is_not_silence(call: Call) -> None:
    await call.start()
    call.ari.fail_transfer = True
    call.leg.dtmf.put_nowait("0")
    await call.until(lambda: PHRASES.apology in call.heard())
    await call.listening()
    await call.say("What is the T100?")
    await call.listening()
    await call.finish()
    assert call.heard()[-3:] == [PHRASES.transfer, PHRASES.apology, "Answer to What is the T100?"]


async def test_dtmf_0_transfers_to_the_operator(call: Call) -> None:
    await call.start()
    call.leg.dtmf.put_nowait("0")
    await call.until(lambda: call.leg.ended.is_set())
    stored = await call.finish()
    assert call.ari.transfers == [(call.settings.dialplan.operator_context, call.settings.dialplan.operator_extension,
                                   call.settings.dialplan.operator_priority)]
    assert call.heard()[-1] == PHRASES.transfer
    assert stored["outcome"] == "transferred"


async def test_a_watchdog_failure_gets_the_apology_then_the_operator(call: Call) -> None:
    await call.start()
    call.synth.fail_on.add(PHRASES.reprompt)  # every reprompt fails to synthesise
    await call.until(lambda: call.leg.ended.is_set(), timeout=5)
    stored = await call.finish()
    assert call.heard()[-2:] == [PHRASES.apology, PHRASES.transfer]
    assert call.ari.transfers and stored["outcome"] == "transferred"


async def test_an_answer_that_fails_midway_gets_the_apology(call: Call) -> None:
    await call.start()
    call.agent.script["Tell me about the T100"] = Scripted(["The T100 is a scale.", "never said"], fail_after=1)
    await call.say("Tell me about the T100")
    await call.until(lambda: PHRASES.apology in call.heard())
    await call.listening()
    await call.finish()
    assert call.heard()[1:] == ["The T100 is a scale.", PHRASES.apology]


async def test_a_recogniser_failure_gets_the_apology(call: Call) -> None:
    await call.start()
    call.engines.recognizer.fail_next = True
    await call.step("speech_start")
    await call.until(lambda: PHRASES.apology in call.heard())
    await call.listening()
    await call.say("What is the T100?")
    await call.listening()
    await call.finish()
    assert call.heard()[1:] == [PHRASES.apology, "Answer to What is the T100?"]


# -- 2: nothing of a call outlives its hang-up -------------------------------------------------

async def test_hang_up_while_a_number_is_dictated_says_and_stores_nothing_more(call: Call) -> None:
    await call.start()
    await _take_down_name(call)
    await call.say("my number is 0176 248")  # digits: held for the next group
    await call.hang_up()
    await asyncio.sleep(0.3)  # past the contact pause
    stored = await call.finish()
    assert not any("We will contact you" in t for t in call.synth.codes)
    assert all(t["at"] <= stored["ended_at"] for t in stored["turns"])
    assert [t["caller_text"] for t in stored["turns"] if t["kind"] == "lead"][-1] == "My name is Anna Berg"


async def test_a_dictated_number_in_groups_is_read_back_whole(call: Call) -> None:
    await call.start()
    await _take_down_name(call)
    await call.say("my number is 0176")
    assert call.vad.dictation  # only the full silence ends a turn meanwhile
    await call.say("248 3915")
    await call.line_quiet_until(lambda: any("We will contact you" in t for t in call.heard()))
    await call.listening()
    await call.say("yes")
    await call.listening()
    stored = await call.finish()
    assert call.heard()[-2].endswith("0 1 7, 6 2 4, 8 3 9, 1 5. Is that correct?")
    assert call.heard()[-1] == PHRASES.lead_done
    assert [(lead["name"], lead["contact"]) for lead in stored["leads"]] == [("Anna Berg", "01762483915")]
    assert not call.vad.dictation


async def test_a_lead_names_the_product_in_the_documents_spelling_however_it_was_heard(call: Call) -> None:
    """The recogniser split "UTM-50" where the caller paused ("UT-M50"); the lead's products
    are what the knowledge base calls it, not an empty list (seen on CI through Asterisk)."""
    call.engines.known_codes = code_index(["The UTM-50 costs 12,500 euros.", "The HT-200 weighs 60 kg."])
    await call.start()
    await call.say("I would like a quote for the UT-M50")
    await call.listening()
    await call.say("My name is Anna Berg")
    await call.listening()
    await call.say("my number is 0176 248 3915")
    await call.line_quiet_until(lambda: any("We will contact you" in t for t in call.heard()))
    await call.listening()
    await call.say("yes")
    await call.until(lambda: PHRASES.lead_done in call.heard())
    await call.listening()
    stored = await call.finish()
    assert [lead["products"] for lead in stored["leads"]] == [["UTM-50"]]


async def test_an_acknowledgement_after_the_lead_is_not_a_question(call: Call) -> None:
    """"Yes." then "That's correct." (the turn model ended the turn between them): the second
    is no question for the agent, so no "I don't have that information" follows the lead."""
    await call.start()
    await _take_down_name(call)
    await call.say("my number is 0176 248 3915")
    await call.line_quiet_until(lambda: any("We will contact you" in t for t in call.heard()))
    await call.listening()
    await call.say("yes")
    await call.listening()
    await call.say("That's correct.")
    await call.listening()
    stored = await call.finish()
    assert call.heard()[-1] == PHRASES.lead_done
    assert [t["caller_text"] for t in stored["turns"]][-1] == "yes"
    assert call.agent.questions == [], call.agent.questions


async def test_a_number_is_not_cut_while_the_recogniser_runs_behind(call: Call) -> None:
    """On a loaded box the recogniser lags the line: the pause after a digit group is counted
    in the caller's audio as heard, so the next group, already spoken but not yet processed,
    is not cut off by a wall-clock timer (CI once read back "0176248" of "0176 248 3915")."""
    await call.start()
    await _take_down_name(call)
    await call.say("my number is 0176 248")
    call.engines.recognizer.running.clear()  # the recogniser falls behind the line
    call.frame()
    await asyncio.sleep(0.05)
    with call.vad.lock:  # what the caller says next is queued, not yet heard
        call.vad.steps.extend([Step(["speech_start"]), Step(), Step(), Step(["speech_end"], [
            Transcript("3915", True, 0.0, 0.0)])])
    for _ in range(4):
        call.frame(level=LOUD)
    await asyncio.sleep(0.3)  # three times the contact pause, by the clock
    assert not any("We will contact you" in t for t in call.heard())
    call.engines.recognizer.running.set()
    await call.line_quiet_until(lambda: any("We will contact you" in t for t in call.heard()))
    assert call.heard()[-1].endswith("0 1 7, 6 2 4, 8 3 9, 1 5. Is that correct?")


# -- 3: a reply cancelled while the answer is set up stops generating --------------------------

async def _barge_in(call: Call) -> None:
    for _ in range(6):
        await call.step(level=LOUD)
    await call.step("speech_start", level=LOUD)
    for _ in range(4):
        await call.step(level=LOUD)


async def test_a_barge_in_while_the_answer_is_set_up_cancels_that_answer(call: Call) -> None:
    await call.start()
    release = asyncio.Event()
    import threading
    gate = threading.Event()
    call.agent.script["First question"] = Scripted(["First answer."], release=gate)
    await call.say("First question")
    await call.until(lambda: call.agent.in_answer.is_set())
    await _barge_in(call)
    gate.set()
    await call.until(lambda: len(call.agent.streams) == 1)
    await call.step("speech_end", final="Second question", level=LOUD)
    await call.listening()
    await call.finish()
    assert call.agent.streams[0].cancel.is_set()
    assert "First answer." not in call.heard()
    assert call.heard()[-1] == "Answer to Second question"
    del release


async def test_a_hang_up_while_the_answer_is_set_up_cancels_that_answer(call: Call) -> None:
    import threading
    gate = threading.Event()
    await call.start()
    call.agent.script["A question"] = Scripted(["An answer."], release=gate)
    await call.say("A question")
    await call.until(lambda: call.agent.in_answer.is_set())
    await call.hang_up()
    gate.set()
    await call.until(lambda: len(call.agent.streams) == 1)
    await call.until(lambda: call.agent.streams[0].cancel.is_set())
    await call.finish()
    assert "An answer." not in call.heard()


# -- a cancelled reply gives its room in the model back ----------------------------------------
# The model writes ``llm.parallel`` answers for every call together, and an answer started
# early on a pause is only started while it has room (Agent.has_room).  An answer cut off
# must give its room back at once, not when it would have been written: one kept by a
# reply nobody hears slows every other caller's answer and refuses their early answers.

#: An answer the model takes a long time over: a cut-off one still writing would hold its room.
SLOW = Scripted(["A first sentence that the model takes a while over.", "And a second one."], delay_s=2.0)


@pytest.mark.parametrize("cut_off_by", ["barge_in", "hang_up", "caller_went_on"])
async def test_a_cancelled_reply_gives_its_room_in_the_model_back(call: Call, cut_off_by: str) -> None:
    await call.start()
    call.agent.script["Tell me everything"] = SLOW
    if cut_off_by == "caller_went_on":  # started early, on a pause, and not taken
        await call.step("speech_start")
        await call.step("pause", tentative="Tell me everything")
    else:
        await call.say("Tell me everything")
    await call.until(lambda: call.agent.in_flight == 1)
    if cut_off_by == "barge_in":
        await _barge_in(call)
    elif cut_off_by == "hang_up":
        await call.hang_up()
    else:
        await call.step("resume")
    await call.until(lambda: call.agent.in_flight == 0, timeout=0.5)  # not 2 s later
    await call.finish()
    assert call.agent.started == 1 and call.agent.streams[0].cancel.is_set()
    assert call.heard() == [PHRASES.greeting]


async def test_a_reply_task_cancelled_without_a_stop_gives_its_room_back() -> None:
    """The reply job owns its cancellation: cancelling its task stops its answer too."""
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    from appliance.call.recorder import TurnClock
    from appliance.call.reply import ReplyJob
    from tests.session_harness import FakeAgent, FakeSynth

    class Out:
        def play(self, pcm: np.ndarray) -> None:
            pass

        def first_audio(self, clock: TurnClock) -> None:
            pass

        async def played(self) -> None:
            pass

        def event(self, kind: str, **detail: object) -> None:
            pass

    agent = FakeAgent()
    agent.script["Tell me everything"] = SLOW
    with ThreadPoolExecutor(2) as workers:
        job = ReplyJob("Tell me everything", TurnClock(), [], agent=agent, synthesizer=FakeSynth(), workers=workers,
                       out=Out(), hold_on=lambda: np.zeros(160, dtype=np.int16), max_dead_air_s=10.0,
                       sentence_pause_ms=20)
        task = asyncio.get_running_loop().create_task(job.run())
        deadline = asyncio.get_running_loop().time() + 3
        while agent.in_flight == 0 and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.001)
        assert agent.in_flight == 1
        task.cancel()
        await asyncio.wait({task})
        deadline = asyncio.get_running_loop().time() + 0.5
        while agent.in_flight and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.001)
        assert agent.in_flight == 0 and job.interrupted


async def test_no_answer_is_started_early_while_the_model_is_full(call: Call) -> None:
    await call.start()
    call.agent.others = call.settings.llm.parallel  # other calls' answers fill the model
    await call.step("speech_start")
    await call.step("pause", tentative="What is the T100?")
    await asyncio.sleep(0.05)
    assert call.agent.questions == []  # nothing started on the pause
    call.agent.others = 0
    await call.step("speech_end", final="What is the T100?")
    await call.listening()
    stored = await call.finish()
    assert call.heard()[1:] == ["Answer to What is the T100?"]
    answer = next(t for t in stored["turns"] if t["kind"] == "answer")
    assert not answer["timings"].get("early")


# -- 4: no blocking work on the event loop -----------------------------------------------------

async def test_phrases_and_recordings_are_made_off_the_event_loop(call: Call, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from appliance.telephony import sip_caller

    loop_thread = threading.get_ident()
    threads: list[tuple[str, int]] = []
    cached = call.synth.cached
    monkeypatch.setattr(call.synth, "cached", lambda text: threads.append(("phrase", threading.get_ident())) or cached(text))
    write_wav = sip_caller.write_wav
    monkeypatch.setattr(sip_caller, "write_wav",
                        lambda *a, **k: threads.append(("wav", threading.get_ident())) or write_wav(*a, **k))
    call.settings.call.record_audio = True
    call.agent.script["Slow question"] = Scripted(["A slow answer."], delay_s=0.4)  # past max_dead_air_s
    await call.start()
    await call.say("Slow question")
    await call.listening()
    stored = await call.finish()
    assert call.heard()[1:] == [PHRASES.hold_on, "A slow answer."]
    assert {kind for kind, _ in threads} == {"phrase", "wav"}
    assert [kind for kind, thread in threads if thread == loop_thread] == []
    assert Path(stored["recording_agent"]).stat().st_size > 44


# -- 6: failed record writes are logged and counted, and the call goes on -----------------------

async def test_failed_record_writes_are_counted_and_the_call_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    import sqlite3

    from appliance.call.records import CallRecords

    patch_fast(monkeypatch)
    records = CallRecords(tmp_path / "calls.sqlite3")
    records.flush()
    conn = sqlite3.connect(tmp_path / "calls.sqlite3")
    conn.execute("DROP TABLE turns")
    conn.commit()
    conn.close()
    call = Call(tmp_path, records=records)
    await call.start()
    await call.say("What is the T100?")
    await call.listening()
    records.flush()
    failed = records.failed_writes
    await call.hang_up()
    records.close()
    assert call.heard()[-1] == "Answer to What is the T100?"
    assert failed >= 2  # the greeting's and the answer's turns
    assert "records.write_failed" in caplog.text


# -- 7: the first-audio time is when the frame left, not when it was queued ----------------------

async def test_first_rtp_is_measured_behind_audio_already_queued(call: Call) -> None:
    import dataclasses

    # A long "one moment" still playing when the answer's first audio is ready.
    call.engines.phrases = dataclasses.replace(PHRASES, hold_on=" ".join(["moment"] * 200))  # 0.8 s on this line
    call.agent.script["Slow question"] = Scripted(["A slow answer."], delay_s=0.3)
    await call.start()
    await call.say("Slow question")
    await call.listening()
    stored = await call.finish()
    assert call.heard()[1:] == [call.engines.phrases.hold_on, "A slow answer."]
    timings = next(t["timings"] for t in stored["turns"] if t["kind"] == "answer")
    queued_for_ms = (call.first_sent("A slow answer.") - call.synth.first_chunk_at["A slow answer."]) * 1000
    assert queued_for_ms > 300  # it waited behind the hold-on
    assert abs((timings["first_rtp_ms"] - timings["first_audio_chunk_ms"]) - queued_for_ms) < 100


# -- 5: new prompts from the admin console apply to the calls that start afterwards --------------

async def test_phrases_swapped_mid_call_leave_the_running_call_alone(call: Call) -> None:
    import dataclasses

    await call.start()
    call.engines.phrases = dataclasses.replace(PHRASES, reprompt="A new reprompt.")  # what reload_prompts does
    await call.until(lambda: PHRASES.reprompt in call.heard())
    await call.finish()
    assert "A new reprompt." not in call.heard()


# -- turn-taking -------------------------------------------------------------------------------

LONG = [f"Sentence number {i} of a long answer about the T100 scale." for i in range(12)]


async def test_a_loud_caller_barges_in_and_the_rest_is_never_heard(call: Call) -> None:
    await call.start()
    call.agent.script["Tell me everything"] = Scripted(LONG, delay_s=0.01)
    await call.say("Tell me everything")
    await call.until(lambda: LONG[1] in call.heard())
    await _barge_in(call)
    await call.step("speech_end", final="What is the price?", level=LOUD)
    await call.listening()
    stored = await call.finish()
    heard = call.heard()
    assert heard[-1] == "Answer to What is the price?"
    assert LONG[-1] not in heard
    assert call.agent.streams[0].cancel.is_set()
    first = next(t for t in stored["turns"] if t["caller_text"] == "Tell me everything")
    assert first["interrupted"] == 1
    assert any(e["kind"] == "barge_in" for e in stored["events"])


async def test_quiet_speech_while_we_talk_is_echo_not_a_turn(call: Call) -> None:
    await call.start()
    call.agent.script["Tell me everything"] = Scripted(LONG[:4], delay_s=0.01)
    await call.say("Tell me everything")
    await call.until(lambda: LONG[0] in call.heard())
    await call.say("Tell me everything", level=200)  # our own words, faint, from the line
    await call.listening()
    stored = await call.finish()
    assert call.heard()[1:] == LONG[:4]
    assert not any(e["kind"] == "barge_in" for e in stored["events"])
    assert call.agent.questions == ["Tell me everything"]


async def test_a_backchannel_while_we_talk_does_not_interrupt(call: Call) -> None:
    await call.start()
    call.agent.script["Tell me everything"] = Scripted(LONG[:4], delay_s=0.01)
    await call.say("Tell me everything")
    await call.until(lambda: LONG[0] in call.heard())
    for _ in range(6):
        await call.step(level=LOUD)
    await call.step("speech_start", level=LOUD)
    await call.step("speech_end", final="uh-huh", level=QUIET_FRAME)
    await call.listening()
    stored = await call.finish()
    assert call.heard()[1:] == LONG[:4]
    assert not any(e["kind"] == "barge_in" for e in stored["events"])


async def test_a_short_stop_while_we_talk_interrupts(call: Call) -> None:
    await call.start()
    call.agent.script["Tell me everything"] = Scripted(LONG, delay_s=0.01)
    await call.say("Tell me everything")
    await call.until(lambda: LONG[0] in call.heard())
    for _ in range(6):
        await call.step(level=LOUD)
    await call.step("speech_start", level=LOUD)
    await call.step("speech_end", final="Operator please", level=LOUD)
    await call.until(lambda: call.leg.ended.is_set())
    await call.finish()
    assert LONG[-1] not in call.heard()
    assert call.heard()[-1] == PHRASES.transfer and call.ari.transfers


async def test_an_answer_started_at_a_pause_is_played_when_the_turn_ends_there(call: Call) -> None:
    await call.start()
    await call.step("speech_start")
    await call.step()
    await call.step("pause", tentative="What is the T100?")
    await call.until(lambda: len(call.agent.streams) == 1)
    await asyncio.sleep(0.05)
    assert call.heard() == [PHRASES.greeting]  # held: made, not sent
    await call.step("speech_end", final="What is the T100?")
    await call.listening()
    stored = await call.finish()
    assert call.heard()[1:] == ["Answer to What is the T100?"]
    answer = next(t for t in stored["turns"] if t["kind"] == "answer")
    assert answer["timings"].get("early") is True
    assert call.agent.questions == ["What is the T100?"]


async def test_an_answer_started_at_a_pause_is_dropped_when_the_caller_goes_on(call: Call) -> None:
    await call.start()
    await call.step("speech_start")
    await call.step("pause", tentative="What is the T100")
    await call.until(lambda: len(call.agent.streams) == 1)
    await call.step("resume")
    await call.step("speech_end", final="What is the T100 made of?")
    await call.listening()
    stored = await call.finish()
    assert call.heard()[1:] == ["Answer to What is the T100 made of?"]
    assert call.agent.streams[0].cancel.is_set()
    assert [t["caller_text"] for t in stored["turns"] if t["kind"] == "answer"] == ["What is the T100 made of?"]


async def test_silence_is_reprompted_then_the_call_ends(call: Call) -> None:
    await call.start()
    await call.until(lambda: call.leg.ended.is_set(), timeout=5)
    stored = await call.finish()
    assert call.heard() == [PHRASES.greeting, PHRASES.reprompt, PHRASES.reprompt, PHRASES.goodbye_silence]
    assert stored["outcome"] == "abandoned" and stored["end_reason"] == "agent_hangup"


async def test_goodbye_ends_the_call(call: Call) -> None:
    await call.start()
    await call.say("That's all, goodbye")
    await call.until(lambda: call.leg.ended.is_set())
    await call.finish()
    assert call.heard()[-1] == PHRASES.farewell


async def test_the_hangup_waits_for_the_farewells_last_word_to_reach_the_caller(
        call: Call, monkeypatch: pytest.MonkeyPatch) -> None:
    """The BYE does not chase the farewell's last frame: the caller's phone still has it in
    its jitter buffer, and would cut "... Goodbye!" off."""
    monkeypatch.setattr(session_module, "HANGUP_TAIL_S", 0.3)
    await call.start()
    ended_at: list[float] = []
    leg_end = call.leg.end
    call.leg.end = lambda reason: (ended_at.append(asyncio.get_running_loop().time()), leg_end(reason))[1]  # type: ignore[method-assign]
    await call.say("That's all, goodbye")
    await call.until(lambda: call.leg.ended.is_set(), timeout=5)
    await call.finish()
    assert call.heard()[-1] == PHRASES.farewell
    last_frame_at = call.line.sent[-1][0]
    assert ended_at[0] - last_frame_at >= 0.3


async def test_a_question_that_mentions_someone_is_answered_not_transferred(call: Call) -> None:
    await call.start()
    await call.say("Does someone service this model?")
    await call.listening()
    await call.finish()
    assert call.heard()[-1] == "Answer to Does someone service this model?"
    assert call.ari.transfers == []


async def test_an_answer_that_offers_a_colleague_transfers_on_yes(call: Call) -> None:
    await call.start()
    call.agent.script["What is the meaning of life?"] = Scripted(["I don't know that, shall I put you through?"],
                                                                 fell_back=True)
    await call.say("What is the meaning of life?")
    await call.listening()
    await call.say("yes")
    await call.until(lambda: call.leg.ended.is_set())
    stored = await call.finish()
    assert call.heard()[-1] == PHRASES.transfer
    assert stored["outcome"] == "transferred"


# -- fixed phrases are interruptible; input never waits on output --------------------------------

async def test_the_caller_can_interrupt_a_lead_prompt(call: Call) -> None:
    import dataclasses

    long_prompt = " ".join(["please"] * 300)  # 1.2 s on this line
    call.engines.phrases = dataclasses.replace(PHRASES, lead_name=long_prompt)
    await call.start()
    await call.say("I would like a quote")
    await call.until(lambda: long_prompt in call.heard())
    await _barge_in(call)
    await call.step("speech_end", final="My name is Anna Berg", level=LOUD)
    await call.until(lambda: PHRASES.lead_contact in call.heard())
    await call.listening()
    stored = await call.finish()
    assert call.frames_of(long_prompt) < 600  # cut short: 2 frames a word
    assert call.heard()[-1] == PHRASES.lead_contact
    assert any(e["kind"] == "barge_in" for e in stored["events"])


async def test_caller_audio_waiting_for_a_stalled_recogniser_is_bounded(call: Call,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from appliance.call import turn_input

    monkeypatch.setattr(turn_input, "MAX_QUEUED_FRAMES", 10)
    await call.start()
    call.engines.recognizer.running.clear()
    call.frame()
    await asyncio.sleep(0.05)  # the listen loop is now stuck in the recogniser
    for _ in range(100):
        call.frame()
    assert call.session is not None and call.session.input._frames.qsize() == 10
    call.engines.recognizer.running.set()
    await call.until(lambda: call.session is not None and call.session.input.idle)
    await call.finish()
    assert call.vad.time_s <= 0.02 * 11 + 1e-9  # the first frame, then the last ten


async def test_yes_over_the_tail_of_the_read_back_confirms_the_lead(call: Call) -> None:
    import dataclasses

    slow_confirm = PHRASES.lead_confirm.replace("Is that correct?", " ".join(["well"] * 150) + " Is that correct?")
    call.engines.phrases = dataclasses.replace(PHRASES, lead_confirm=slow_confirm)  # 0.6 s on this line
    await call.start()
    await _take_down_name(call)
    await call.say("anna at example dot com")
    await call.until(lambda: any("well well" in t for t in call.heard()))
    await call.say("yes")  # while the read-back is still playing
    await call.until(lambda: PHRASES.lead_done in call.heard())
    await call.listening()
    stored = await call.finish()
    assert [(lead["name"], lead["contact"]) for lead in stored["leads"]] == [("Anna Berg", "anna@example.com")]
    assert call.heard()[-2:] == [slow_confirm.format(name="Anna Berg", contact="anna at example dot com"),
                                 PHRASES.lead_done]
