"""Telephony core through a real Asterisk: calls placed by SIPp over SIP, media over RTP.

The service runs our Stasis app (echo handler: greeting, then echo); the caller is
``SipCaller`` (SIPp signalling, our RTP).  Nothing here calls a handler directly.
"""

from __future__ import annotations

import asyncio
import os

import numpy as np
import pytest

from appliance.call.echo import GREETING, echo_handler, read_wav_8k
from appliance.telephony.caller_voice import caller_voice
from appliance.telephony.rtp import FRAME_SAMPLES
from appliance.telephony.sip_caller import CallerTurn, SipCaller
from appliance.telephony.stasis_app import CallLeg
from conftest import settings_for_asterisk
from conftest import TEST_APP

pytestmark = [pytest.mark.asterisk]


def envelope(pcm: np.ndarray) -> np.ndarray:
    """RMS per 20 ms frame."""
    n = pcm.size // FRAME_SAMPLES
    frames = pcm[: n * FRAME_SAMPLES].astype(np.float64).reshape(n, FRAME_SAMPLES)
    return np.sqrt((frames**2).mean(axis=1))


def best_correlation(a: np.ndarray, b: np.ndarray, max_lag: int = 200) -> float:
    """Highest Pearson correlation of envelope a against b shifted by 0..max_lag frames."""
    best = -1.0
    for lag in range(0, min(max_lag, max(0, b.size - a.size)) + 1):
        seg = b[lag: lag + a.size]
        if seg.size < a.size or seg.std() == 0:
            continue
        best = max(best, float(np.corrcoef(a, seg)[0, 1]))
    return best


def caller(local_asterisk, **kw) -> SipCaller:  # type: ignore[no-untyped-def]
    return SipCaller(local_asterisk.sip_host, local_asterisk.sip_port, TEST_APP, **kw)


async def test_call_is_answered_greeting_heard_and_caller_audio_reaches_us(local_asterisk, start_service) -> None:
    received: dict[str, list[np.ndarray]] = {}

    async def tapped_echo(leg: CallLeg) -> None:
        frames = received.setdefault(leg.call_id, [])
        leg.rtp.taps.append(lambda f: frames.append(f.pcm))
        await echo_handler(leg)

    svc = await start_service(tapped_echo)
    speech = caller_voice("The quick brown fox jumps over the lazy dog, twice.", engine="espeak")
    result = await caller(local_asterisk).call([CallerTurn(audio=speech, text="fox")], listen_s=1.0)
    await svc.wait_idle()

    assert result.answered and result.codec == "ulaw"
    greeting_s = read_wav_8k(GREETING).size / 8000
    first_span = result.heard_spans[0]
    assert first_span[0] < 1.0, "the greeting starts as soon as the call is answered"
    heard_greeting = sum(min(b, greeting_s + 0.5) - a for a, b in result.heard_spans if a < greeting_s)
    assert heard_greeting > 0.6 * greeting_s
    # What our RTP endpoint received is the caller's speech: same energy envelope.
    (frames,) = received.values()
    ours = envelope(np.concatenate(frames))
    assert best_correlation(envelope(speech), ours, max_lag=ours.size) > 0.8
    # And the echo came back to the caller after its turn.
    assert result.turns[0].reply_start_s is not None


async def test_caller_hangup_leaves_no_channels_or_bridges(local_asterisk, start_service) -> None:
    svc = await start_service(echo_handler)
    result = await caller(local_asterisk).call([], listen_s=1.5)
    assert result.answered and result.ended_by == "caller"
    await svc.wait_idle()
    assert await svc.app.leftovers() == []  # none of our channels or bridges in GET /ari/channels, /ari/bridges
    assert svc.app.calls == {}


async def test_agent_hangup_ends_the_call_for_the_caller_and_cleans_up(local_asterisk, start_service) -> None:
    async def greet_and_hang_up(leg: CallLeg) -> None:
        leg.rtp.play(read_wav_8k(GREETING)[:8000])
        await leg.rtp.wait_idle()
        await leg.hangup()

    svc = await start_service(greet_and_hang_up)
    result = await caller(local_asterisk).call([], hangup="remote", listen_s=15)
    assert result.answered and result.ended_by == "remote"
    assert 0.8 < result.duration_s < 5
    await svc.wait_idle()
    assert await svc.app.leftovers() == []  # none of our channels or bridges in GET /ari/channels, /ari/bridges


async def test_five_calls_at_once_are_all_answered_and_cleaned_up(local_asterisk, start_service) -> None:
    svc = await start_service(echo_handler)
    results = await asyncio.gather(*(caller(local_asterisk).call([], listen_s=3.0) for _ in range(5)))
    assert all(r.answered for r in results)
    assert all(r.heard_spans for r in results), "every caller heard its greeting"
    assert svc.app.calls_taken == 5
    await svc.wait_idle()
    assert await svc.app.leftovers() == []  # none of our channels or bridges in GET /ari/channels, /ari/bridges


def _metric(name: str, **labels: str) -> float:
    from appliance.web import metrics

    value = metrics.REGISTRY.get_sample_value(name, labels)
    assert value is not None, f"{name} {labels} not in /metrics"
    return value


async def test_a_caller_beyond_max_calls_rings_until_a_line_frees(local_asterisk, start_service, tmp_path) -> None:
    settings = settings_for_asterisk(local_asterisk, tmp_path, call={"max_calls": 1, "when_full": "wait"})
    svc = await start_service(echo_handler, settings)
    admitted_before = _metric("appliance_call_queue_total", result="admitted")
    first_call = asyncio.create_task(caller(local_asterisk).call([], listen_s=3.0))
    await asyncio.sleep(1.0)
    second_call = asyncio.create_task(caller(local_asterisk).call([], listen_s=1.0))
    await asyncio.sleep(1.0)
    assert _metric("appliance_calls_waiting") == 1  # the operator sees the caller waiting
    second = await second_call
    first = await first_call
    assert _metric("appliance_calls_waiting") == 0
    assert _metric("appliance_call_queue_total", result="admitted") == admitted_before + 1
    assert first.answered and first.heard_spans
    assert second.answered and second.heard_spans, "answered once the first call ended, and greeted"
    assert second.answered_after_s > 1.0, second.answered_after_s  # rang while the only line was taken
    assert first.answered_after_s < second.answered_after_s
    assert svc.app.calls_taken == 2 and svc.app.admission.active == 0
    await svc.wait_idle()
    assert await svc.app.leftovers() == []


async def test_a_caller_who_waited_too_long_is_told_and_the_line_is_not_held(local_asterisk, start_service,
                                                                             tmp_path) -> None:
    """Past ``queue_wait_s`` the waiting caller is answered only to be told the lines are busy
    (the echo handler, which has no voice, hangs up at once): the call ends quickly and the
    line stays with the caller who had it."""
    settings = settings_for_asterisk(local_asterisk, tmp_path,
                                     call={"max_calls": 1, "when_full": "wait", "queue_wait_s": 1.0})
    svc = await start_service(echo_handler, settings)
    first_call = asyncio.create_task(caller(local_asterisk).call([], listen_s=6.0))
    await asyncio.sleep(1.0)
    second = await caller(local_asterisk).call([], hangup="remote", listen_s=10.0)
    assert second.answered and second.ended_by == "remote"
    assert second.answered_after_s > 0.9 and second.duration_s < 5, (second.answered_after_s, second.duration_s)
    first = await first_call
    assert first.answered and first.ended_by == "caller"
    await svc.wait_idle()
    assert await svc.app.leftovers() == []


async def test_reconnects_after_asterisk_restart_and_answers_next_call(local_asterisk, start_service) -> None:
    svc = await start_service(echo_handler)
    before = svc.ari.connections
    await asyncio.to_thread(local_asterisk.restart)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while svc.ari.connections == before and loop.time() < deadline:
        await asyncio.sleep(0.2)
    assert svc.ari.connections > before, "the app re-registered with the restarted Asterisk"
    result = await caller(local_asterisk).call([], listen_s=1.0)
    assert result.answered and result.heard_spans


@pytest.mark.slow
async def test_no_leaks_after_100_calls(local_asterisk, start_service) -> None:
    svc = await start_service(echo_handler)
    sem = asyncio.Semaphore(10)

    async def one() -> bool:
        async with sem:
            return (await caller(local_asterisk, settle_silence_s=0.2).call([], listen_s=0.3)).answered

    # The first 50 warm up pools (HTTP keep-alive, threads); the next 50 must not grow anything.
    first = await asyncio.gather(*(one() for _ in range(50)))
    await svc.wait_idle(20)
    fds_after_50 = len(os.listdir("/proc/self/fd"))
    second = await asyncio.gather(*(one() for _ in range(50)))
    assert sum(first) + sum(second) == 100
    await svc.wait_idle(20)
    assert await svc.app.leftovers() == []  # none of our channels or bridges in GET /ari/channels, /ari/bridges
    assert svc.app.calls == {} and svc.app.calls_taken == 100
    assert svc.app._media_ids == set() and svc.app._media_in_stasis == {}
    # A per-call leak would add ~50 descriptors here; pools warming up add a few.
    assert len(os.listdir("/proc/self/fd")) <= fds_after_50 + 8
