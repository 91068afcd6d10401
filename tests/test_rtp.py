"""G.711 and RTP: codec round trips, packet format, and what the endpoint refuses."""

from __future__ import annotations

import asyncio
import struct
import warnings

import numpy as np
import pytest

from appliance.telephony import g711
from appliance.telephony.rtp import FRAME_SAMPLES, MalformedPacket, ReceivedFrame, RtpEndpoint, RtpPacket

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


async def _pair(codec: str = "ulaw") -> tuple[RtpEndpoint, RtpEndpoint]:
    a = await RtpEndpoint.open("127.0.0.1", 41000, 41999, codec, "a")
    b = await RtpEndpoint.open("127.0.0.1", 42000, 42999, codec, "b")
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
    a, b = await _pair()
    got: list[ReceivedFrame] = []
    b.on_audio = got.append
    loop = asyncio.get_running_loop()
    intruder, _ = await loop.create_datagram_endpoint(asyncio.DatagramProtocol, local_addr=("127.0.0.1", 0))
    good = RtpPacket(0, 1, 160, 7, b"\x00" * 160).serialize()
    intruder.sendto(good, ("127.0.0.1", b.local_port))  # right format, wrong source
    a._transport.sendto(b"\x80garbage", ("127.0.0.1", b.local_port))  # type: ignore[union-attr]
    a._transport.sendto(RtpPacket(18, 2, 320, 7, b"\x00" * 20).serialize(), ("127.0.0.1", b.local_port))  # type: ignore[union-attr]
    a._transport.sendto(good, ("127.0.0.1", b.local_port))  # type: ignore[union-attr]
    await asyncio.sleep(0.1)
    intruder.close()
    await a.close()
    await b.close()
    assert b.stats.dropped_foreign == 1
    assert b.stats.dropped_malformed == 1
    assert b.stats.dropped_payload_type == 1
    assert len(got) == 1


async def test_clear_stops_outgoing_audio_within_a_frame() -> None:
    a, b = await _pair()
    loud: list[float] = []
    b.on_audio = lambda f: loud.append(float(np.abs(f.pcm).max()))
    a.play(np.full(FRAME_SAMPLES * 100, 8000, dtype=np.int16))
    a.start()
    await asyncio.sleep(0.3)
    dropped = a.clear()
    await asyncio.sleep(0.2)
    await a.close()
    await b.close()
    assert dropped > 50
    first_quiet = next(i for i, v in enumerate(loud) if i > 3 and v < 100)
    assert all(v < 100 for v in loud[first_quiet:])


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
    assert report.frames == 100 and report.send_error_max_ms >= 0


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
