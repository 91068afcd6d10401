"""G.711 and RTP: codec round trips, packet format, and what the endpoint refuses.

The hostile-traffic tests use real UDP sockets on 127.0.0.1: malformed datagrams, a forged
packet from the peer's address with a sequence jump or another SSRC, and a flood from a
foreign address.  Each checks what the call hears: every frame the real peer sent.
"""

from __future__ import annotations

import asyncio
import logging
import struct
import subprocess
import sys
import warnings

import numpy as np
import pytest

from appliance.telephony import g711
from appliance.telephony.playout import Playout
from appliance.telephony.rtp import (
    FRAME_SAMPLES,
    MAX_DROPOUT,
    MalformedPacket,
    ReceivedFrame,
    RtpEndpoint,
    RtpPacket,
    SourceSequence,
)
from appliance.web import metrics

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    try:
        import audioop  # the reference coder, still in 3.11
    except ImportError:  # pragma: no cover - Python 3.13+
        audioop = None


ALL_SAMPLES = np.arange(-32768, 32768, dtype=np.int16)


@pytest.mark.skipif(audioop is None, reason="audioop (reference G.711) not in this Python")
@pytest.mark.parametrize("codec,ref_enc,ref_dec", [("ulaw", "lin2ulaw", "ulaw2lin"), ("alaw", "lin2alaw", "alaw2lin")])
def test_g711_matches_reference_coder_bit_for_bit(codec: str, ref_enc: str, ref_dec: str) -> None:
    assert g711.encode(ALL_SAMPLES, codec) == getattr(audioop, ref_enc)(ALL_SAMPLES.tobytes(), 2)
    every_code = bytes(range(256))
    expected = np.frombuffer(getattr(audioop, ref_dec)(every_code, 2), dtype=np.int16)
    assert np.array_equal(g711.decode(every_code, codec), expected)


@pytest.mark.parametrize("codec", ["ulaw", "alaw"])
def test_g711_round_trip_keeps_speech_level_signal(codec: str) -> None:
    t = np.arange(8000) / 8000
    tone = (8000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)
    back = g711.decode(g711.encode(tone, codec), codec).astype(np.float64)
    snr = 10 * np.log10(np.sum(tone.astype(np.float64) ** 2) / np.sum((back - tone) ** 2))
    assert snr > 30  # G.711 gives ~38 dB on a loud tone
    assert g711.decode(bytes([g711.silence_byte(codec)]), codec)[0] in (0, 8, -8)


def test_packet_round_trip_and_fields() -> None:
    p = RtpPacket(0, 65535, 2**32 - 1, 0xDEADBEEF, b"\xff" * 160, marker=True)
    q = RtpPacket.parse(p.serialize())
    assert (q.payload_type, q.sequence, q.timestamp, q.ssrc, q.marker, q.payload) == (0, 65535, 2**32 - 1, 0xDEADBEEF, True, b"\xff" * 160)


def test_packet_with_csrc_extension_and_padding_parses() -> None:
    header = struct.pack("!BBHII", 0x80 | 0x20 | 0x10 | 1, 8, 7, 160, 42)
    csrc = struct.pack("!I", 99)
    ext = struct.pack("!HH", 0xBEDE, 1) + b"\0\0\0\0"
    payload = b"\xd5" * 10
    padding = b"\0\0\3"
    q = RtpPacket.parse(header + csrc + ext + payload + padding)
    assert q.payload_type == 8 and q.payload == payload


@pytest.mark.parametrize("data", [b"", b"\x80\x00", b"\x40" + b"\0" * 20, struct.pack("!BBHII", 0xA0, 0, 1, 1, 1) + b"\x09"])
def test_malformed_packets_are_rejected(data: bytes) -> None:
    with pytest.raises(MalformedPacket):
        RtpPacket.parse(data)


async def _pair(codec: str = "ulaw", **kwargs: bool) -> tuple[RtpEndpoint, RtpEndpoint]:
    a = await RtpEndpoint.open("127.0.0.1", 41000, 41999, codec, "a", **kwargs)
    b = await RtpEndpoint.open("127.0.0.1", 42000, 42999, codec, "b", **kwargs)
    a.set_peer("127.0.0.1", b.local_port)
    b.set_peer("127.0.0.1", a.local_port)
    return a, b


async def test_audio_crosses_and_sequence_numbers_and_timestamps_advance() -> None:
    a, b = await _pair()
    got: list[ReceivedFrame] = []
    b.on_audio = got.append
    packets: list[RtpPacket] = []
    original = b.datagram_received

    def spy(data: bytes, addr: tuple[str, int]) -> None:
        packets.append(RtpPacket.parse(data))
        original(data, addr)

    b.datagram_received = spy  # type: ignore[method-assign]
    tone = (6000 * np.sin(2 * np.pi * 300 * np.arange(FRAME_SAMPLES * 10) / 8000)).astype(np.int16)
    a.play(tone)
    a.start()
    await asyncio.wait_for(a.wait_idle(), 2)
    await asyncio.sleep(0.1)
    await a.close()
    await b.close()
    assert len(got) >= 10
    seqs = [p.sequence for p in packets]
    assert all((y - x) & 0xFFFF == 1 for x, y in zip(seqs, seqs[1:]))
    assert all((q.timestamp - p.timestamp) & 0xFFFFFFFF == FRAME_SAMPLES for p, q in zip(packets, packets[1:]))
    assert packets[0].marker and len({p.ssrc for p in packets}) == 1
    heard = np.concatenate([f.pcm for f in got[:10]]).astype(np.float64)
    assert np.sqrt(np.mean(heard**2)) > 3000  # the tone arrived, decoded


async def test_spoofed_and_malformed_packets_are_dropped_and_counted() -> None:
    a = await RtpEndpoint.open("127.0.0.1", 41000, 41999, "ulaw", "a")
    b = await RtpEndpoint.open("127.0.0.1", 42000, 42999, "ulaw", "b")
    a.set_peer("127.0.0.1", b.local_port)
    got: list[ReceivedFrame] = []
    b.on_audio = got.append
    loop = asyncio.get_running_loop()
    intruder, _ = await loop.create_datagram_endpoint(asyncio.DatagramProtocol, local_addr=("127.0.0.1", 0))
    good = RtpPacket(0, 1, 160, 7, b"\x00" * 160).serialize()
    intruder.sendto(good, ("127.0.0.1", b.local_port))  # before the peer is known, nothing is accepted
    await asyncio.sleep(0.1)
    b.set_peer("127.0.0.1", a.local_port)
    a._transport.sendto(b"\x80garbage", ("127.0.0.1", b.local_port))  # type: ignore[union-attr]
    a._transport.sendto(RtpPacket(18, 2, 320, 7, b"\x00" * 20).serialize(), ("127.0.0.1", b.local_port))  # type: ignore[union-attr]
    a._transport.sendto(good, ("127.0.0.1", b.local_port))  # type: ignore[union-attr]
    a._transport.sendto(RtpPacket(0, 2, 320, 7, b"\x00" * 160).serialize(), ("127.0.0.1", b.local_port))  # type: ignore[union-attr]
    intruder.sendto(good, ("127.0.0.1", b.local_port))  # right format, wrong source: the kernel drops it now
    await asyncio.sleep(0.1)
    intruder.close()
    await a.close()
    await b.close()
    assert b.stats.dropped_foreign == 1
    assert b.stats.dropped_malformed == 1
    assert b.stats.dropped_payload_type == 1
    assert len(got) == 2, "the first packet is held through probation, then played"


async def test_clear_stops_outgoing_audio_within_a_frame() -> None:
    """After clear() not one more frame of the dropped audio goes out (at most the one
    already on its way to the peer's socket arrives after it)."""
    a, b = await _pair()
    loud: list[float] = []
    b.on_audio = lambda f: loud.append(float(np.abs(f.pcm).max()))
    a.play(np.full(FRAME_SAMPLES * 100, 8000, dtype=np.int16))
    a.start()
    await asyncio.sleep(0.3)
    sent_loud = a.stats.sent
    dropped = a.clear()
    await asyncio.sleep(0.2)
    await a.close()
    await b.close()
    assert dropped > 50 and sent_loud + dropped == 100
    assert sum(v > 100 for v in loud) == sent_loud, "loud frames after clear()"
    assert len(loud) > sent_loud + 5, "silence went on after the clear"


async def test_the_first_frame_of_queued_audio_reports_when_it_left() -> None:
    """on_frame_sent fires when that frame is sent, after what was queued before it."""
    a, b = await _pair()
    got: list[float] = []
    b.on_audio = lambda f: got.append(float(np.abs(f.pcm).max()))
    heard_before: list[int] = []
    a.play(np.full(FRAME_SAMPLES * 10, 1000, dtype=np.int16))
    a.on_frame_sent(lambda t: heard_before.append(a.stats.sent))
    a.play(np.full(FRAME_SAMPLES * 5, 8000, dtype=np.int16))
    cleared: list[float] = []
    a.on_frame_sent(cleared.append)
    a.play(np.full(FRAME_SAMPLES * 5, 4000, dtype=np.int16))
    a.start()
    await asyncio.sleep(0.25)
    a.clear()  # drops the frame the second callback waits for
    await asyncio.sleep(0.5)
    await a.close()
    await b.close()
    assert heard_before == [10], "fired as the 11th frame was sent (10 sent before it)"
    assert cleared == []


async def test_dtmf_event_is_decoded_once() -> None:
    a, b = await _pair()
    digits: list[str] = []
    b.on_dtmf = lambda d: digits.append(d.digit)
    a.start()
    a.send_dtmf("0")
    await asyncio.sleep(0.4)
    await a.close()
    await b.close()
    assert digits == ["0"]


async def test_pacing_measurement_sends_every_frame_on_schedule() -> None:
    """The benchmark's pacing figure on a short run: every frame arrives, in order."""
    from appliance.bench.pacing import measure_pacing

    report = await measure_pacing(100)
    assert report.received == 100
    assert report.frames == 100
    assert report.send_error_p50_ms <= report.send_error_p99_ms <= report.send_error_max_ms


async def test_close_wakes_every_waiter_and_drops_what_was_queued() -> None:
    """A call that ends with audio still queued: whoever waits for it to go out is woken (it
    never will go out), and nothing more is queued on the closed endpoint."""
    ep = await RtpEndpoint.open("127.0.0.1", 40000, 40999, "ulaw", "closing")
    ep.set_peer("127.0.0.1", 9)  # discard port: nothing listens
    ep.start()
    ep.play(np.full(8000 * 10, 1000, dtype=np.int16))  # 10 s of audio
    waiter = asyncio.get_running_loop().create_task(ep.wait_idle())
    await asyncio.sleep(0.1)
    assert not waiter.done() and ep.speaking
    await ep.close()
    await asyncio.wait_for(waiter, 1)  # hung forever before
    ep.play(np.full(800, 1000, dtype=np.int16))
    assert not ep.speaking and ep.queued_s == 0
    await asyncio.wait_for(ep.wait_idle(), 1)


async def test_the_playout_sends_in_order_marks_talkspurts_and_says_when_a_frame_left() -> None:
    """The queue the endpoint sends from (and the session harness too), driven by hand: a
    frame period per ``next_frame``."""
    p = Playout()
    p.play(np.full(2 * FRAME_SAMPLES, 500, dtype=np.int16))
    left: list[float] = []
    p.on_frame_sent(left.append)  # the next frame queued from now on
    p.play(np.full(FRAME_SAMPLES + 1, 700, dtype=np.int16))  # padded to two frames
    waiter = asyncio.ensure_future(p.wait_idle())
    taken = [p.next_frame(t) for t in (1.0, 1.02, 1.04)]
    assert [(int(f[0]), marker) for f, marker in taken if f is not None] == [(500, True), (500, False), (700, False)]
    assert left == [1.04] and p.last_talkspurt_started == 1.0
    await asyncio.sleep(0)
    assert not waiter.done() and p.speaking
    last = p.next_frame(1.06)
    assert last is not None and int(last[0][-1]) == 0  # the padding
    await asyncio.wait_for(waiter, 1)
    assert p.next_frame(1.08) is None
    p.play(np.full(3 * FRAME_SAMPLES, 900, dtype=np.int16))
    p.on_frame_sent(left.append)
    p.play(np.full(FRAME_SAMPLES, 900, dtype=np.int16))
    first = p.next_frame(1.10)
    assert first is not None and first[1] and p.last_talkspurt_started == 1.10  # after a gap: a new talkspurt
    assert p.clear() == 3 and not p.speaking  # barge-in: the rest never goes out...
    p.play(np.full(FRAME_SAMPLES, 900, dtype=np.int16))
    again = p.next_frame(1.12)
    assert again is not None and again[1]  # ...and what follows starts a new talkspurt
    assert left == [1.04]  # the cleared frame's callback was dropped, not called for a later one


# -- hostile and broken traffic --------------------------------------------------------------

_HDR = struct.Struct("!BBHII")
#: Datagrams no RTP stack should accept (ideas from aiortc's and pion's parser tests).
INVALID_PACKETS = {
    "empty": b"",
    "shorter than a header": _HDR.pack(0x80, 0, 1, 1, 1)[:11],
    "version 0": _HDR.pack(0x00, 0, 1, 1, 1) + b"\xff" * 160,
    "version 1": _HDR.pack(0x40, 0, 1, 1, 1) + b"\xff" * 160,
    "version 3 (RTCP-like first byte)": _HDR.pack(0xC0, 0, 1, 1, 1) + b"\xff" * 160,
    "padding length zero": _HDR.pack(0xA0, 0, 1, 1, 1) + b"\xff" * 10 + b"\x00",
    "padding longer than the payload": _HDR.pack(0xA0, 0, 1, 1, 1) + b"\xff" * 3 + b"\x09",
    "15 CSRCs in a 20-byte packet": _HDR.pack(0x8F, 0, 1, 1, 1) + b"\0" * 8,
    "truncated extension header": _HDR.pack(0x90, 0, 1, 1, 1) + b"\xbe\xde",
    "extension longer than the packet": _HDR.pack(0x90, 0, 1, 1, 1) + struct.pack("!HH", 0xBEDE, 200) + b"\0" * 8,
}


@pytest.mark.parametrize("name", sorted(INVALID_PACKETS))
def test_invalid_packet_fixtures_are_rejected(name: str) -> None:
    with pytest.raises(MalformedPacket):
        RtpPacket.parse(INVALID_PACKETS[name])


def test_padding_only_packet_parses_with_an_empty_payload() -> None:
    q = RtpPacket.parse(_HDR.pack(0xA0, 0, 9, 1, 1) + b"\0\0\0\x04")
    assert q.sequence == 9 and q.payload == b""


def test_sequence_follows_rfc3550_probation_jumps_and_resync() -> None:
    s = SourceSequence(ssrc=7, seq=1000)
    assert s.update(1000) == "probation" and not s.valid
    assert s.update(1001) == "accept" and s.valid
    assert s.update(1001) == "late", "duplicate"
    assert s.update(1003) == "accept", "a gap (loss) is fine"
    assert s.update(1002) == "late", "reordered past its slot"
    assert s.update(1003 + 0x7F00) == "jump", "one forged jump is dropped"
    assert s.update(1004) == "accept", "the real stream goes on"
    assert s.update(1004 + MAX_DROPOUT + 5) == "jump"
    assert s.update(1004 + MAX_DROPOUT + 6) == "accept", "two packets agree: the sender restarted, resync"
    assert s.update(1004 + MAX_DROPOUT + 7) == "accept" and s.resyncs == 1
    w = SourceSequence(ssrc=1, seq=65534)
    assert [w.update(q) for q in (65534, 65535, 0, 1)] == ["probation", "accept", "accept", "accept"]
    assert w.cycles == 1 << 16, "wrap-around is counted, not taken for a jump"
    p = SourceSequence(ssrc=2, seq=10)
    assert [p.update(q) for q in (10, 500, 501)] == ["probation", "probation", "accept"], "probation restarts"


def _tone(frames: int) -> np.ndarray:
    return (6000 * np.sin(2 * np.pi * 300 * np.arange(FRAME_SAMPLES * frames) / 8000)).astype(np.int16)


async def _until(cond, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not cond() and loop.time() < deadline:
        await asyncio.sleep(0.01)


def _sample(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


async def test_one_forged_packet_does_not_mute_the_caller() -> None:
    """A packet from the peer's own address with sequence +0x7F00, then one with another SSRC:
    both dropped, and every frame of the real stream is still played, in order."""
    a, b = await _pair(send_silence=False)
    got: list[ReceivedFrame] = []
    b.on_audio = got.append
    jumps_before = _sample("appliance_rtp_dropped_packets_total", reason="jump")
    a.play(_tone(60))
    a.start()
    await _until(lambda: len(got) >= 10)
    assert a._transport is not None
    forged_seq = (a._seq + 0x7F00) & 0xFFFF
    a._transport.sendto(RtpPacket(0, forged_seq, a._ts, a._ssrc, b"\xff" * 160).serialize(), ("127.0.0.1", b.local_port))
    a._transport.sendto(RtpPacket(0, forged_seq + 1, 0, a._ssrc ^ 1, b"\xff" * 160).serialize(), ("127.0.0.1", b.local_port))
    await asyncio.wait_for(a.wait_idle(), 5)
    await _until(lambda: len(got) >= 60, 2)
    await a.close()
    await b.close()
    assert len(got) == 60 == a.stats.sent, "every real frame was played"
    assert all(0 < (y.timestamp - x.timestamp) & 0xFFFFFFFF < 2**31 for x, y in zip(got, got[1:])), "in order"
    assert b.stats.dropped_jump == 1 and b.stats.dropped_ssrc == 1
    assert _sample("appliance_rtp_dropped_packets_total", reason="jump") == jumps_before + 1


async def test_a_restarted_sender_is_followed_after_two_packets_agree() -> None:
    a, b = await _pair(send_silence=False)
    got: list[ReceivedFrame] = []
    b.on_audio = got.append
    a.play(_tone(20))
    a.start()
    await _until(lambda: len(got) >= 10)
    a._seq = (a._seq + 20000) & 0xFFFF  # e.g. Asterisk re-created its RTP instance
    await asyncio.wait_for(a.wait_idle(), 5)
    await _until(lambda: len(got) >= 19, 2)
    await a.close()
    await b.close()
    assert len(got) == 19, "one packet is lost at the resync, the rest play"
    assert b.stats.dropped_jump == 1


async def test_another_ssrc_takes_over_only_after_probation_when_the_first_went_quiet() -> None:
    a, b = await _pair(send_silence=False)
    got: list[ReceivedFrame] = []
    b.on_audio = got.append
    a.play(_tone(5))
    a.start()
    await asyncio.wait_for(a.wait_idle(), 5)
    await asyncio.sleep(0.6)  # the first source is quiet now
    a._ssrc ^= 0x5A5A
    a._seq = (a._seq + 30000) & 0xFFFF
    a.play(_tone(5))
    await asyncio.wait_for(a.wait_idle(), 5)
    await _until(lambda: len(got) >= 10, 2)
    await a.close()
    await b.close()
    assert len(got) == 10, "the new source's first packet was held through probation, then played"
    assert b.stats.dropped_ssrc == 0 and b.stats.dropped_probation == 0


async def test_malformed_datagrams_amid_a_call_are_counted_and_the_audio_flows(caplog) -> None:  # type: ignore[no-untyped-def]
    a, b = await _pair(send_silence=False)
    got: list[ReceivedFrame] = []
    b.on_audio = got.append
    a.play(_tone(30))
    a.start()
    await _until(lambda: len(got) >= 5)
    assert a._transport is not None
    with caplog.at_level(logging.INFO, logger="appliance.telephony.rtp"):
        assert a._sock is not None  # the raw socket: asyncio's transport skips empty datagrams
        for data in INVALID_PACKETS.values():
            a._sock.send(data)
        rtcp_sr = struct.pack("!BBH", 0x80, 200, 6) + b"\0" * 24  # RTCP on the RTP port: PT 72 to us
        a._sock.send(rtcp_sr)
        await asyncio.wait_for(a.wait_idle(), 5)
        await _until(lambda: len(got) >= 30, 2)
        await a.close()
        await b.close()
    assert len(got) == 30
    assert b.stats.dropped_malformed == len(INVALID_PACKETS) and b.stats.dropped_payload_type == 1
    dropped = [r.getMessage() for r in caplog.records if "event=rtp.dropped" in r.getMessage()]
    assert len(dropped) == 2, "rate-limited: one line per reason"
    assert all("call_id=b" in m for m in dropped) and any("reason=malformed" in m for m in dropped)
    closed = [r.getMessage() for r in caplog.records if "event=rtp.closed" in r.getMessage() and "call_id=b" in r.getMessage()]
    assert closed and f"dropped_malformed={len(INVALID_PACKETS)}" in closed[0]
    assert "dropped_payload_type=1" in closed[0] and "dropped_late=0" in closed[0]


_FLOOD = """
import socket, sys, time
port, seconds = int(sys.argv[1]), float(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
pkt = bytes([0x80, 0]) + b"\\0" * 10 + b"\\xff" * 160
n, end = 0, time.monotonic() + seconds
while time.monotonic() < end:
    for _ in range(200):
        try:
            s.sendto(pkt, ("127.0.0.1", port))
        except OSError:
            pass
    n += 200
print(n)
"""


async def test_a_foreign_flood_does_not_push_out_the_callers_packets() -> None:
    """A process floods our port from another address while the peer sends 100 frames: all play."""
    a, b = await _pair(send_silence=False)
    got: list[ReceivedFrame] = []
    b.on_audio = got.append
    flood = await asyncio.create_subprocess_exec(sys.executable, "-c", _FLOOD, str(b.local_port), "3",
                                                 stdout=subprocess.PIPE)
    await asyncio.sleep(0.3)  # the flood is running before the call's audio starts
    a.play(_tone(100))
    a.start()
    await asyncio.wait_for(a.wait_idle(), 20)
    out, _ = await flood.communicate()
    await _until(lambda: len(got) >= 100, 2)
    await a.close()
    await b.close()
    assert int(out) > 5_000, "the flood ran"
    assert len(got) == 100 == a.stats.sent, f"{100 - len(got)} of the caller's packets were pushed out"


async def test_rtp_counters_are_in_metrics() -> None:
    a, b = await _pair(send_silence=False)
    b.on_audio = lambda f: None
    received_before = _sample("appliance_rtp_received_packets_total")
    a.play(_tone(5))
    a.start()
    await asyncio.wait_for(a.wait_idle(), 5)
    await _until(lambda: b.stats.received >= 5, 2)
    await a.close()
    await b.close()
    assert _sample("appliance_rtp_received_packets_total") == received_before + 5
    text = metrics.render()[0].decode()
    for name in ("appliance_rtp_sent_packets_total", "appliance_rtp_underruns_total", "appliance_rtp_late_frames_total"):
        assert f"\n{name} " in text, name
    for reason in metrics.RTP_DROP_REASONS:
        assert f'appliance_rtp_dropped_packets_total{{reason="{reason}"}}' in text
