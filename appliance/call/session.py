"""One call's conversation: greeting, listening, thinking, speaking, and back, until it ends.

The session is event-driven and never blocks the loop.  Caller audio arrives as 20 ms
frames; a per-call worker thread runs the VAD and the recogniser on them in order.  A
final transcript starts a reply: the agent's sentences are generated in one worker
thread and synthesised in another, so the first sentence is already playing as RTP while
the model writes the next.  Caller speech while we talk (past a guard interval, loud
enough not to be our own echo, and longer than a back-channel such as "uh-huh") is a
barge-in: our queued audio is dropped at once, the generation is cancelled, and the new
utterance is handled as the next turn.

The answer does not wait for the end of the turn to be decided.  At a short pause the
recogniser gives a tentative transcript and, when no other call is using the model, the
reply starts on it *held*: generated and synthesised, but not sent.  If the turn ends at
that pause (the same words), the held audio goes out at once; if the caller goes on, it is
dropped unheard.

Every state change and every turn's timings go to the structured log and the call record.

The session is the conductor; each concern has its own module with one owner:

- ``turn_input.py``: caller frames in, turn events out; barge-in and the echo gate;
- ``reply.py``: one answer (agent -> sentences -> TTS -> playout), the early *held* answer;
- ``dialogue.py``: what a turn's words mean (intents, the lead form and its read-back), pure;
- ``recorder.py``: the call's record, metrics and recordings;
- ``telephony/playout.py``: the playout (the RTP endpoint is one): its queue, ``clear()`` for
  barge-in, and the measured time each answer's first frame left;
- the model counts the answers it is writing for every call (``Agent.in_flight``,
  ``has_room()``): an early answer starts only while it has room.

Every task of a call is started by ``_spawn`` and cancelled and awaited at hang-up; a failure
anywhere is logged with the call id and the caller hears the apology (the operator after
two in a row), never silence.  tests/session_harness.py runs a call without a phone line.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import re
from typing import Any

import numpy as np

from appliance.agent.base import AnswerStream, Turn
from appliance.call import intents
from appliance.call.dialogue import (Action, Answer, Dialogue, HangUp, ReadBack, Say, StoreLead, Transfer,
                                     WaitForMore)
from appliance.call.engines import Engines
from appliance.call.records import CallRecords
from appliance.call.recorder import CallRecorder, TurnClock
from appliance.call.reply import HeldReply, ReplyJob
from appliance.call.turn_input import BARGE_IN_MIN_RMS, TurnInput, Utterance
from appliance.knowledge.vocabulary import codes_named
from appliance.logs import log_event
from appliance.web import metrics
from appliance.speech_in.base import EventTee
from appliance.telephony.stasis_app import CallLeg

log = logging.getLogger(__name__)

#: How long a caller dictating a number may pause between digit groups, past the full
#: end-of-turn silence (``vad.end_silence_ms``) that ends each dictated stretch.
CONTACT_PAUSE_S = 1.0
#: How often the contact wait looks at the caller's audio; how long it waits for audio at most.
CONTACT_POLL_S = 0.05
CONTACT_STALL_S = 4.0
#: How often the watchdog looks at the call (reprompts, the call's time limit).
WATCHDOG_TICK_S = 0.25
#: How long our side waits after its last frame went out before it hangs up.  The frame
#: still crosses Asterisk's bridge and sits in the caller phone's jitter buffer; a BYE
#: sent at once cuts the last word of "... Goodbye!" off on the caller's side.
HANGUP_TAIL_S = 0.4


class State(enum.Enum):
    GREETING = "greeting"
    LISTENING = "listening"
    THINKING = "thinking"
    SPEAKING = "speaking"
    TRANSFERRING = "transferring"
    ENDED = "ended"


class ConversationSession:
    """Runs one call from greeting to hangup (or transfer)."""

    def __init__(self, leg: CallLeg, engines: Engines, records: CallRecords | None = None) -> None:
        self.leg = leg
        self.engines = engines
        self.settings = engines.settings
        self.recorder = CallRecorder(leg.call_id, records, engines.settings.data_path / "recordings"
                                     if engines.settings.call.record_audio else None)
        self.call_id = leg.call_id
        #: This call's phrases, fixed at its start: the admin console may swap in new ones
        #: (Engines.reload_prompts) while it runs; calls that start afterwards use those.
        self.phrases = engines.phrases
        self.state = State.GREETING
        self.loop = asyncio.get_running_loop()
        # One end-of-turn detector per call.  Whisper segments utterances with it (so the
        # transcript covers exactly the turn the detector ended); we read its events too.
        vad = EventTee(engines.new_vad())
        self.input = TurnInput(vad, engines.new_recognizer(vad=vad), self.settings, self.call_id, self,
                               lambda: self.leg.rtp.last_talkspurt_started)
        self.history: list[Turn] = []
        self.turn_index = 0
        #: The current (or last) answer, and the task that runs it.
        self._job: ReplyJob | None = None
        self._reply_task: asyncio.Task[None] | None = None
        self._last_activity = self.loop.time()
        self._reprompts = 0
        self._unanswered = 0
        self._failures = 0
        self._started = self.loop.time()
        #: The lead form and the offered transfer: what the next turn's words mean.
        self.dialogue = Dialogue()
        self._contact_wait: asyncio.Task[None] | None = None
        #: The turn being carried out (its phrases, transfer...), off the input loop.
        self._turn_task: asyncio.Task[None] | None = None
        self._frames_dropped = 0
        self.outcome = "answered"
        self._ending = False
        #: Every task this call starts; hang-up cancels and awaits them all, so none is left
        #: pending for the garbage collector to finalise (and run its clean-up) at a random
        #: moment on the event-loop thread.
        self._tasks: set[asyncio.Task[Any]] = set()

    def _spawn(self, coro: Any, name: str) -> asyncio.Task[Any]:
        """Start a task owned by this call (cancelled and awaited when the call ends)."""
        task = self.loop.create_task(coro, name=f"{name}-{self.call_id}")
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            log_event(log, "session.task_failed", level=logging.ERROR, call_id=self.call_id,
                      task=task.get_name(), error=f"{type(exc).__name__}: {exc}")

    @property
    def call_over(self) -> bool:
        """The caller hung up (or we did): nothing more is said or started."""
        return self.leg.ended.is_set() or self.state is State.ENDED

    # -- lifecycle ---------------------------------------------------------------------
    async def run(self) -> None:
        """Until the call ends; the Stasis app cancels us when the caller hangs up."""
        self.recorder.start(self.leg.caller.caller_number)
        self.leg.rtp.on_audio = self.input.on_frame
        if self.settings.call.record_audio:
            self.leg.rtp.taps.append(lambda f: self.recorder.heard(f.pcm))
        self._spawn(self.input.run(), "listen")
        self._spawn(self._dtmf_loop(), "dtmf")
        self._spawn(self._watchdog(), "watchdog")
        try:
            await self._say(self.phrases.greeting, kind="greeting")
            if not self.call_over:
                self._set_state(State.LISTENING)
            await self.leg.ended.wait()
        finally:
            self._cancel_reply("call_ended")
            self._set_state(State.ENDED)
            # The clean-up runs to its end even if we are cancelled again meanwhile (the
            # Stasis app cancels a handler that outlives its call): a record left half
            # written would stay "in progress" for good.
            stopping = self.loop.create_task(self._wind_down(), name=f"stop-{self.call_id}")
            cancelled = False
            while not stopping.done():
                try:
                    await asyncio.shield(stopping)
                except asyncio.CancelledError:
                    cancelled = True
            if cancelled:
                raise asyncio.CancelledError

    async def _wind_down(self) -> None:
        """Every task stopped, then the call recorded (its WAVs written off the loop)."""
        try:
            await self._stop_tasks()
        finally:
            self.input.close()
            await self._finish_record()

    async def _stop_tasks(self) -> None:
        """Cancel every task of this call and wait for each to finish its clean-up.

        A reply cancelled here still records its (interrupted) turn from its own clean-up;
        its model and TTS threads stop at their next check of the cancel event.
        """
        for attempt in range(3):
            tasks = set(self._tasks)
            if not tasks:
                return
            for task in tasks:
                task.cancel()
            _, pending = await asyncio.wait(tasks, timeout=5)
            if pending and attempt == 2:
                log_event(log, "session.tasks_stuck", level=logging.ERROR, call_id=self.call_id,
                          tasks=sorted(t.get_name() for t in pending))

    async def _finish_record(self) -> None:
        reason = self.leg.end_reason
        if self.leg.transferred_to:
            self.outcome = "transferred"
        elif reason == "caller_hangup" and self.turn_index == 0 and self.outcome == "answered":
            self.outcome = "abandoned"
        await self.recorder.finish(self.outcome, reason, self.engines.workers)
        log_event(log, "session.end", call_id=self.call_id, outcome=self.outcome, reason=reason,
                  turns=self.turn_index, duration_s=round(self.loop.time() - self._started, 2))

    def _set_state(self, state: State) -> None:
        if state is not self.state:
            log_event(log, "session.state", call_id=self.call_id, state=state.value, previous=self.state.value)
            self.state = state

    def _event(self, kind: str, **detail: Any) -> None:
        self.recorder.event(kind, **detail)

    # -- audio in ----------------------------------------------------------------------
    # -- what the turn input reports (TurnListener) ------------------------------------------
    def talking(self) -> bool:
        return self._speaking()

    def dictating(self) -> bool:
        return self.dialogue.dictating

    def may_answer_early(self) -> bool:
        return self._may_answer_early()

    def on_activity(self) -> None:
        self._last_activity = self.loop.time()

    def on_resume(self) -> None:
        self._drop_held("caller_went_on")

    def on_barge_in(self) -> None:
        self._barge_in()

    async def on_failure(self, kind: str, exc: Exception) -> None:
        await self._recover(kind, exc)

    def _speaking(self) -> bool:
        # A reply cancelled (barge-in) is not talking any more, even while its threads wind
        # down: the caller's words that interrupted it are the next turn, not an echo.
        job = self._job
        replying = (self._reply_task is not None and not self._reply_task.done() and job is not None
                    and not job.pending and not job.cancel.is_set())
        return self.leg.rtp.speaking or replying

    def _barge_in(self) -> None:
        dropped = self.leg.rtp.clear()
        self._cancel_reply("barge_in")
        self._event("barge_in", dropped_frames=dropped, state=self.state.value)
        self._set_state(State.LISTENING)

    # -- turns -------------------------------------------------------------------------
    def on_tentative(self, text: str, speech_end_at: float | None) -> None:
        """The caller paused: start the answer on these words, held until the turn ends."""
        if self._held is not None:
            self._drop_held("superseded")
        if not text or not self._may_answer_early() or not _plain_question(text):
            return
        clock = TurnClock(speech_end=speech_end_at or self.loop.time(), transcript=self.loop.time())
        self._start_reply(text, clock, held=True)

    def _may_answer_early(self) -> bool:
        """Whether a pause now may start a held answer: we listen, nothing else is going on
        in this call, and the model has room for it beside the other calls' answers (it
        writes ``llm.parallel`` at once; past that an early answer would queue, and a dropped
        one would have cost the others the CPU).  The model counts its own answers: one
        whose generation is over (being said, or held) no longer takes its room."""
        return (self.state is State.LISTENING and not self._ending and not self._speaking()
                and self.dialogue.expects_question and not self.input.utterance_is_echo
                and self.engines.agent.has_room())

    def _drop_held(self, reason: str) -> None:
        if self._held is not None:
            self._event("early_answer_dropped", reason=reason, text=self._held.text)
            self._cancel_reply(reason)

    def _commit_held(self, speech_end_at: float | None) -> None:
        """The turn ended with the words the held reply was started on: let it be heard."""
        job = self._job
        assert job is not None and job.pending
        self._set_state(State.THINKING)
        job.clock.early = True
        job.clock.speech_end = speech_end_at or job.clock.speech_end
        job.commit()

    def on_final(self, utterance: Utterance) -> None:
        """A turn ended: decide now (echo, back-channel, barge-in) and carry it out in its own
        task, so that the input loop goes on listening meanwhile (the caller can interrupt
        a lead prompt, a read-back or a farewell as they can an answer)."""
        try:
            self._take_turn(utterance)
        finally:
            # The turn ended but did not take the held reply (other words, a back-channel,
            # a request for a person...): it must never be heard.
            self._drop_held("not_taken")

    def _take_turn(self, utterance: Utterance) -> None:
        text = utterance.text
        now = self.loop.time()
        held = self._held
        if held is not None and (_words(held.text) != _words(text) or not self.dialogue.expects_question):
            self._drop_held("other_words")
            held = None
        if not text or self.state in (State.TRANSFERRING, State.ENDED) or self._ending:
            return
        awaiting_yes_no = self.dialogue.awaiting_yes_no
        if intents.is_backchannel(text) and not (awaiting_yes_no and (intents.is_yes(text) or intents.is_no(text))):
            self._event("backchannel", text=text)
            return
        # Words that end while we are still saying the previous turn's phrase (a lead prompt,
        # the read-back) answer it: "yes" over the tail of "Is that correct?" is the next
        # turn, carried out once the phrase is over (_carry_out waits for it), not our echo.
        answering_phrase = self._turn_task is not None and not self._turn_task.done()
        if utterance.echo and not answering_phrase:
            # Began while we talked, too quiet or too early to barge in: our own echo.
            self._event("ignored_during_speech", text=text)
            return
        if self._speaking() and not answering_phrase:
            if utterance.level < BARGE_IN_MIN_RMS or not intents.worth_interrupting(text):
                # Too quiet to be the caller (our echo), or a murmur rather than a request.
                self._event("ignored_during_speech", text=text)
                return
            # Short but a real request ("stop!", "operator"): interrupt now and take it.
            self._barge_in()
        if held is not None:
            self._reprompts = 0
            self.turn_index += 1
            self._event("caller_said", text=text, turn=self.turn_index, early=True)
            self._commit_held(utterance.speech_end_at)
            return
        clock = TurnClock(speech_end=utterance.speech_end_at or now, transcript=now)
        self._reprompts = 0
        self.turn_index += 1
        self._event("caller_said", text=text, turn=self.turn_index)
        if self._contact_wait is not None:
            self._contact_wait.cancel()  # the caller went on dictating
            self._contact_wait = None
        actions = self.dialogue.turn(text)
        previous = self._turn_task
        self._turn_task = self._spawn(self._carry_out(previous, actions, text, clock), "turn")

    async def _carry_out(self, previous: asyncio.Task[None] | None, actions: list[Action], text: str,
                         clock: TurnClock) -> None:
        """Do what the dialogue decided, after the previous turn's actions are done."""
        if previous is not None and not previous.done():
            await asyncio.wait({previous})
        try:
            for action in actions:
                if self.call_over:
                    return
                await self._act(action, text, clock)
        except Exception as exc:  # noqa: BLE001 - a failed turn (TTS, transfer) costs the turn, not the call
            await self._recover("turn_error", exc)

    async def _act(self, action: Action, text: str, clock: TurnClock) -> None:
        if isinstance(action, Answer):
            self._start_reply(action.question, clock)
        elif isinstance(action, Say):
            await self._say(getattr(self.phrases, action.phrase), kind=action.kind, caller_text=text)
        elif isinstance(action, ReadBack):
            confirm = self.phrases.lead_confirm.format(name=action.name,
                                                       contact=intents.spell_out_contact(action.contact))
            await self._say(confirm, kind="lead", caller_text=text, cached=False)
        elif isinstance(action, Transfer):
            await self._transfer(action.reason, text)
        elif isinstance(action, HangUp):
            await self._end_call(action.reason)
        elif isinstance(action, StoreLead):
            self.recorder.lead(action.name, action.contact, self._products_discussed(action.request), action.request)
        elif isinstance(action, WaitForMore):
            self._contact_wait = self._spawn(self._contact_timeout(), "contact-wait")

    @property
    def _held(self) -> HeldReply | None:
        """The reply started early on a pause, while it waits for the turn to end."""
        job = self._job
        return job.held if job is not None and job.pending else None

    def _start_reply(self, question: str, clock: TurnClock, held: bool = False) -> None:
        self._cancel_reply("superseded")
        if not held:
            self._set_state(State.THINKING)
        job = ReplyJob(question, clock, self.history[-self.settings.agent.history_turns:],
                       agent=self.engines.agent, synthesizer=self.engines.synthesizer,
                       workers=self.engines.workers, out=self, held=held, call_id=self.call_id,
                       hold_on=lambda: self.engines.phrase_audio(self.phrases.hold_on),
                       max_dead_air_s=self.settings.call.max_dead_air_s,
                       sentence_pause_ms=self.settings.tts.sentence_pause_ms)
        self._job = job
        self._reply_task = self._spawn(self._reply(job), "reply")

    def _cancel_reply(self, reason: str) -> None:
        if self._job is not None:
            self._job.stop()
        if self._reply_task is not None and not self._reply_task.done() and reason != "superseded":
            log_event(log, "session.reply_cancelled", call_id=self.call_id, reason=reason)

    async def _reply(self, job: ReplyJob) -> None:
        """Run one answer; then (heard, interrupted or failed, even when the call ended meanwhile)
        record it and go on.  A held reply that was dropped leaves no trace."""
        try:
            await job.run()
        finally:
            if job.answer is not None and not job.dropped:
                await self._reply_done(job.question, job.clock, job.answer, job.spoken, job.interrupted, job.failed)

    # -- the reply's output (ReplyOutput) ---------------------------------------------------
    def play(self, pcm: np.ndarray) -> None:
        self.leg.rtp.play(pcm)
        self.recorder.said(pcm)

    def first_audio(self, clock: TurnClock) -> None:
        self._set_state(State.SPEAKING)
        # Measured where it happens: the endpoint says when the answer's first frame left,
        # after whatever (a "one moment") was still queued ahead of it.
        self.leg.rtp.on_frame_sent(lambda sent_at: _first_time(clock, sent_at))

    async def played(self) -> None:
        await self.leg.rtp.wait_idle()

    def event(self, kind: str, **detail: Any) -> None:
        self._event(kind, **detail)

    async def _reply_done(self, question: str, clock: TurnClock, answer: AnswerStream, spoken: list[str],
                          interrupted: bool, failed: str) -> None:
        """A heard (or interrupted, or failed) answer: history, record, and what comes next."""
        clock.agent = {"retrieval_ms": _ms(answer.retrieval_s), "first_token_ms": _ms(answer.first_token_s),
                       "tokens": answer.tokens, "mode": getattr(answer, "mode", None)}
        text = " ".join(spoken)
        if spoken and not interrupted:
            self.history.append(Turn(question, text))
        self._unanswered = self._unanswered + 1 if answer.fell_back else 0
        self.dialogue.answer_done(answer.fell_back, interrupted)
        self._failures = 0 if not failed else self._failures
        self._record_turn("answer", question, text, clock, answer, interrupted)
        if self.call_over:
            return  # hung up mid-answer: recorded, nothing more to say
        if failed:
            await self._failure("answer_error", failed)
        elif not interrupted:
            self._last_activity = self.loop.time()
            self._set_state(State.LISTENING)
            if self._unanswered >= self.settings.call.max_unanswered_turns:
                await self._transfer("unanswered", question)

    def _record_turn(self, kind: str, caller_text: str, agent_text: str, clock: TurnClock | None,
                     answer: AnswerStream | None = None, interrupted: bool = False) -> None:
        self.recorder.turn(self.turn_index, kind, caller_text, agent_text, clock, answer, interrupted)

    async def _say(self, text: str, kind: str, caller_text: str = "", cached: bool = True) -> None:
        """Speak a phrase and wait until it has gone out.

        Fixed phrases come from the audio cache; ``cached=False`` synthesises text that holds
        the caller's details (a read-back) and would only pollute the cache.
        """
        if self.call_over:
            return
        self._set_state(State.SPEAKING if kind != "greeting" else State.GREETING)
        synthesize = self.engines.phrase_audio if cached else self.engines.synthesizer.synthesize
        pcm = await self.loop.run_in_executor(self.engines.workers, synthesize, text)
        if self.call_over:
            return
        self.leg.rtp.play(pcm)
        self.recorder.said(pcm)
        self._record_turn(kind, caller_text, text, None)
        await self.leg.rtp.wait_idle()
        self._last_activity = self.loop.time()
        if self.state not in (State.TRANSFERRING, State.ENDED) and not self.call_over:
            self._set_state(State.LISTENING)

    # -- leads ---------------------------------------------------------------------------
    async def _contact_timeout(self) -> None:
        """The caller paused after a group of digits: if they stay quiet, the number is whole.

        The pause is counted in the caller's audio as processed (``TurnInput.quiet_for``), so
        a recogniser running behind on a loaded box cannot cut a number at its first group.
        Should the caller's audio stop arriving altogether, a wall-clock bound ends the wait."""
        started = self.loop.time()
        while True:
            await asyncio.sleep(CONTACT_POLL_S)
            quiet = self.input.quiet_for()
            if quiet is not None and quiet >= CONTACT_PAUSE_S:
                break
            if quiet is not None and self.input.idle and self.loop.time() - started >= CONTACT_STALL_S:
                break  # no audio arriving at all (silence suppression): don't wait for ever
        self._contact_wait = None
        text, actions = self.dialogue.contact_pause()
        for action in actions:
            await self._act(action, text, TurnClock())

    def _products_discussed(self, request: str) -> list[str]:
        """Product codes the caller asked about or we answered about in this call."""
        said = " ".join([request] + [f"{t.caller} {t.agent}" for t in self.history])
        return sorted(set(codes_named(said, self.engines.known_codes)))

    # -- leaving -------------------------------------------------------------------------
    async def _transfer(self, reason: str, caller_text: str = "") -> None:
        if self._ending:
            return
        self._ending = True
        self._cancel_reply("transfer")
        self._event("transfer", reason=reason)
        try:
            await self._say(self.phrases.transfer, kind="transfer", caller_text=caller_text)
            self._set_state(State.TRANSFERRING)
            d = self.settings.dialplan
            await self.leg.transfer(d.operator_context, d.operator_extension, d.operator_priority)
        except Exception:
            self._ending = False  # the caller is still with us
            if not self.call_over:
                self._set_state(State.LISTENING)
            raise
        self.outcome = "transferred"

    async def _end_call(self, reason: str) -> None:
        self._ending = True
        self._event("hangup", reason=reason)
        if not self.call_over:
            await self.leg.rtp.wait_idle()
            await asyncio.sleep(HANGUP_TAIL_S)  # the last word reaches the caller's ear
        await self.leg.hangup()

    async def _failure(self, kind: str, detail: str) -> None:
        self._failures += 1
        metrics.error(kind)
        self._event(kind, detail=detail[:200], consecutive=self._failures)
        if self._failures >= 2:
            self.outcome = "error"
            await self._transfer(kind)
        else:
            await self._say(self.phrases.apology, kind="fallback")

    async def _recover(self, kind: str, exc: Exception) -> None:
        """A part of the call failed: the caller hears the apology (the operator after two in
        a row), never silence.  If even that fails, the call is ended rather than left mute."""
        log.error("event=session.%s call_id=%s", kind, self.call_id, exc_info=exc)
        self._ending = False  # a transfer that failed leaves the call with us
        if self.call_over:
            return
        try:
            await self._failure(kind, f"{type(exc).__name__}: {exc}")
        except Exception as again:  # noqa: BLE001 - nothing can be said: end the call, do not go mute
            log_event(log, "session.recovery_failed", level=logging.ERROR, call_id=self.call_id,
                      error=f"{type(again).__name__}: {again}")
            self.outcome = "error"
            await self._end_call("error")

    async def _dtmf_loop(self) -> None:
        while True:
            digit = await self.leg.dtmf.get()
            self._event("dtmf", digit=digit)
            if digit == "0":
                self.leg.rtp.clear()
                self._cancel_reply("dtmf_0")
                try:
                    await self._transfer("dtmf_0", "DTMF 0")
                except Exception as exc:  # noqa: BLE001 - costs the request, not the call
                    await self._recover("dtmf_error", exc)

    async def _watchdog(self) -> None:
        """Reprompt after silence, hang up after too many, and enforce the call's length."""
        while True:
            await asyncio.sleep(WATCHDOG_TICK_S)
            try:
                await self._watch()
            except Exception as exc:  # noqa: BLE001 - a failed reprompt costs it, not the call
                await self._recover("watchdog_error", exc)

    async def _watch(self) -> None:
        """One look: past the call's time limit say goodbye; after silence reprompt or leave."""
        cfg = self.settings.call
        now = self.loop.time()
        if self._ending:
            return
        if now - self._started > cfg.max_call_s:
            self._cancel_reply("time_limit")
            self.leg.rtp.clear()
            await self._say(self.phrases.time_limit, kind="farewell")
            await self._end_call("time_limit")
            return
        quiet = (self.state is State.LISTENING and not self.input.in_speech and not self._speaking()
                 and now - self._last_activity > cfg.reprompt_after_s)
        if not quiet:
            return
        self._reprompts += 1
        if self._reprompts > cfg.max_reprompts:
            self.outcome = "abandoned"
            await self._say(self.phrases.goodbye_silence, kind="farewell")
            await self._end_call("silence")
        else:
            self._event("reprompt", count=self._reprompts)
            await self._say(self.phrases.reprompt, kind="reprompt")


def _words(text: str) -> list[str]:
    """The words of a transcript, for comparing two of them (case and punctuation ignored)."""
    return re.findall(r"[a-z0-9]+", text.lower())


def _plain_question(text: str) -> bool:
    """Words the agent would answer (not a back-channel, goodbye or request for a person)."""
    return not (intents.is_backchannel(text) or intents.wants_operator(text) or intents.says_goodbye(text)
                or intents.wants_lead(text))


def _first_time(clock: TurnClock, sent_at: float) -> None:
    if clock.first_rtp is None:
        clock.first_rtp = sent_at


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)
