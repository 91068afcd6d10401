"""RTP for one call leg: parse and build packets, receive, and send paced G.711 frames.

One ``RtpEndpoint`` per call, on its own UDP port.  Incoming packets are accepted only
from the peer the call was set up with (Asterisk's externalMedia address); anything from
elsewhere, anything malformed, and any payload type we did not negotiate is dropped and
counted, never raised: a bad packet must not end a call.

Within the peer's traffic the caller's stream is followed as RFC 3550 appendix A.1 does:
one SSRC at a time, validated by ``MIN_SEQUENTIAL`` packets in sequence (probation; the
packet held during probation is delivered once it passes), a sequence jump larger than
``MAX_DROPOUT`` accepted only when the next packet continues from it (resync), duplicates
and packets older than the last one dropped as late.  So one forged packet (a spoofed
source address with sequence +0x7F00, or another SSRC) is dropped alone and the caller's
audio keeps flowing.  Once the peer is known the UDP socket is connected to it, so the
kernel drops foreign datagrams before they take space in the receive buffer (a flood at
the port cannot push the caller's packets out); what still arrives from elsewhere is
counted.  Drops are counted by reason (``RtpStats``, ``/metrics``) and logged, rate-limited.

Outgoing audio is queued in the endpoint's ``Playout`` (telephony/playout.py: ``play``,
``clear``, ``wait_idle``, the measured send time of a frame) and paced by a task that
wakes on a monotonic schedule ``t0 + n * 20 ms``
(not "sleep 20 ms", which drifts by the loop's latency every frame).  It always sends a
frame per tick, silence when there is nothing to say, so the far end's jitter buffer and
Asterisk's bridge see a steady stream.  Frames that leave more than a frame late count as
underruns; the figures feed the benchmark.
"""

from __future__ import annotations

import asyncio
import logging
import random
import socket
import struct
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from appliance.logs import log_event
from appliance.tasks import cancel_and_wait
from appliance.telephony import g711
from appliance.telephony.g711 import Codec
# (the frame's size is the playout's unit; named here too, as the wire's)
from appliance.telephony.playout import FRAME_MS as FRAME_MS, FRAME_SAMPLES as FRAME_SAMPLES, Playout
from appliance.web import metrics

log = logging.getLogger(__name__)

TELEPHONE_EVENT_PT = 101
_HEADER = struct.Struct("!BBHII")

# RFC 3550 appendix A.1.
RTP_SEQ_MOD = 1 << 16
MAX_DROPOUT = 3000
MAX_MISORDER = 100
MIN_SEQUENTIAL = 2
#: A new SSRC may take over only after the current one has been quiet this long, so a
#: forged stream cannot replace the caller's while the caller's is still flowing.
SSRC_TAKEOVER_QUIET_S = 0.5
#: At most one ``rtp.dropped`` log line per reason per endpoint in this many seconds.
DROP_LOG_INTERVAL_S = 10.0
DROP_REASONS = metrics.RTP_DROP_REASONS


class MalformedPacket(ValueError):
    """The datagram is not a valid RTP packet."""


@dataclass
class RtpPacket:
    """One RTP packet (RFC 3550); CSRCs and header extensions are parsed past, not kept."""

    payload_type: int
    sequence: int
    timestamp: int
    ssrc: int
    payload: bytes
    marker: bool = False

    def serialize(self) -> bytes:
        first = 0x80  # version 2, no padding, no extension, no CSRC
        second = (0x80 if self.marker else 0) | (self.payload_type & 0x7F)
        return _HEADER.pack(first, second, self.sequence & 0xFFFF, self.timestamp & 0xFFFFFFFF, self.ssrc) + self.payload

    @classmethod
    def parse(cls, data: bytes) -> RtpPacket:
        if len(data) < 12:
            raise MalformedPacket(f"{len(data)} bytes is shorter than an RTP header")
        first, second, seq, ts, ssrc = _HEADER.unpack_from(data)
        if first >> 6 != 2:
            raise MalformedPacket(f"RTP version {first >> 6}")
        offset = 12 + 4 * (first & 0x0F)
        if first & 0x10:  # header extension: 16-bit profile, 16-bit length in words
            if len(data) < offset + 4:
                raise MalformedPacket("truncated header extension")
            (ext_words,) = struct.unpack_from("!H", data, offset + 2)
            offset += 4 + 4 * ext_words
        end = len(data)
        if first & 0x20:  # padding: last byte says how much
            pad = data[-1]
            if pad == 0 or pad > end - offset:
                raise MalformedPacket("bad padding")
            end -= pad
        if offset > end:
            raise MalformedPacket("header longer than packet")
        return cls(second & 0x7F, seq, ts, ssrc, bytes(data[offset:end]), bool(second & 0x80))


@dataclass
class RtpStats:
    """Counters for one endpoint: what came, what was dropped and why, how well we paced."""

    received: int = 0
    sent: int = 0
    dropped_foreign: int = 0
    dropped_malformed: int = 0
    dropped_payload_type: int = 0
    dropped_late: int = 0
    #: Another SSRC while the caller's stream is flowing.
    dropped_ssrc: int = 0
    #: A sequence jump past MAX_DROPOUT not (yet) confirmed by the next packet.
    dropped_jump: int = 0
    #: Packets of a source on probation that never became valid.
    dropped_probation: int = 0
    #: Send slots missed, or frames sent more than a frame after their slot.
    underruns: int = 0
    #: Frames sent more than one frame period after their slot.
    late_frames: int = 0
    #: Send-time error of each frame against its schedule, seconds (kept for benchmarks).
    send_jitter: deque[float] = field(default_factory=lambda: deque(maxlen=100_000))

    def summary(self) -> dict[str, int]:
        """Every counter (not the jitter samples): what ``rtp.closed`` logs."""
        return {"received": self.received, "sent": self.sent,
                **{f"dropped_{r}": getattr(self, f"dropped_{r}") for r in DROP_REASONS},
                "underruns": self.underruns, "late_frames": self.late_frames}


@dataclass(frozen=True)
class ReceivedFrame:
    """Decoded caller audio with its arrival time (loop clock) and RTP timestamp."""

    pcm: np.ndarray
    arrival: float
    timestamp: int


@dataclass(frozen=True)
class DtmfDigit:
    """A telephone-event (RFC 4733) digit that ended."""

    digit: str
    arrival: float


_DTMF_DIGITS = "0123456789*#ABCD"


ACCEPT, PROBATION, LATE, JUMP = "accept", "probation", "late", "jump"


class SourceSequence:
    """Sequence state of one RTP source (SSRC), as RFC 3550 appendix A.1 keeps it.

    ``update(seq)`` says what to do with a packet: ``accept`` it, hold it while the source
    is on ``probation``, drop it as ``late`` (duplicate or reordered), or drop it as a
    ``jump`` (more than MAX_DROPOUT ahead; the next packet in sequence after it resyncs).
    """

    def __init__(self, ssrc: int, seq: int) -> None:
        self.ssrc = ssrc
        self.max_seq = (seq - 1) & 0xFFFF
        self.bad_seq = RTP_SEQ_MOD + 1  # so seq == bad_seq is false
        self.cycles = 0
        self.probation = MIN_SEQUENTIAL
        self.resyncs = 0

    @property
    def valid(self) -> bool:
        return self.probation == 0

    def _init(self, seq: int) -> None:
        self.max_seq = seq
        self.bad_seq = RTP_SEQ_MOD + 1
        self.cycles = 0

    def update(self, seq: int) -> str:
        udelta = (seq - self.max_seq) & 0xFFFF
        if self.probation:
            if seq == (self.max_seq + 1) & 0xFFFF:
                self.probation -= 1
                self.max_seq = seq
                if self.probation == 0:
                    self._init(seq)
                    return ACCEPT
            else:
                self.probation = MIN_SEQUENTIAL - 1
                self.max_seq = seq
            return PROBATION
        if udelta == 0:
            return LATE  # duplicate (A.1 counts it; we must not play a frame twice)
        if udelta < MAX_DROPOUT:
            if seq < self.max_seq:
                self.cycles += RTP_SEQ_MOD
            self.max_seq = seq
            return ACCEPT
        if udelta <= RTP_SEQ_MOD - MAX_MISORDER:
            if seq == self.bad_seq:  # two packets agree on the new numbering: the sender restarted
                self._init(seq)
                self.resyncs += 1
                return ACCEPT
            self.bad_seq = (seq + 1) & 0xFFFF
            return JUMP
        return LATE  # reordered: older than the newest we played


class RtpEndpoint(Playout, asyncio.DatagramProtocol):
    """A UDP port that exchanges G.711 RTP with one peer.

    ``on_audio`` receives each decoded caller frame; ``play()`` queues our audio and the
    pacer sends it; ``clear()`` drops what is queued (barge-in) so the caller stops
    hearing us within one frame (the queue is the ``Playout`` this endpoint is).
    """

    def __init__(self, codec: Codec = "ulaw", call_id: str = "", *, send_silence: bool = True) -> None:
        Playout.__init__(self)
        self.codec: Codec = codec
        self.payload_type = g711.PAYLOAD_TYPES[codec]
        self.call_id = call_id
        self.stats = RtpStats()
        self.peer: tuple[str, int] | None = None
        self.local_port: int = 0
        self.on_audio: Callable[[ReceivedFrame], None] | None = None
        self.on_dtmf: Callable[[DtmfDigit], None] | None = None
        #: Extra listeners for received audio (call recording, tests), called before on_audio.
        self.taps: list[Callable[[ReceivedFrame], None]] = []
        self.send_silence = send_silence
        self._transport: asyncio.DatagramTransport | None = None
        self._ssrc = random.getrandbits(32)
        self._seq = random.getrandbits(16)
        self._ts = random.getrandbits(32)
        self._pacer: asyncio.Task[None] | None = None
        #: The caller's stream once validated, and a new source on probation.
        self._source: SourceSequence | None = None
        self._candidate: SourceSequence | None = None
        self._source_seen = 0.0
        #: Packets of the candidate held until its probation ends (then played, in order).
        self._held: list[tuple[RtpPacket, float]] = []
        self._sock: socket.socket | None = None
        self._drop_logged: dict[str, tuple[float, int]] = {}
        self._dtmf_last_ts: int | None = None
        self._silence = np.zeros(FRAME_SAMPLES, dtype=np.int16)

    # -- lifecycle -----------------------------------------------------------------
    @classmethod
    async def open(
        cls,
        host: str,
        port_min: int,
        port_max: int,
        codec: Codec = "ulaw",
        call_id: str = "",
        **kwargs: bool,
    ) -> RtpEndpoint:
        """Bind the first free port in [port_min, port_max] (tried from a random start)."""
        loop = asyncio.get_running_loop()
        ports = list(range(port_min, port_max + 1))
        start = random.randrange(len(ports))
        last_error: OSError | None = None
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        for port in ports[start:] + ports[:start]:
            # Our own socket object (not asyncio's wrapper), so set_peer can connect() it.
            sock = socket.socket(family, socket.SOCK_DGRAM)
            try:
                sock.setblocking(False)
                sock.bind((host, port))
                _, proto = await loop.create_datagram_endpoint(lambda: cls(codec, call_id, **kwargs), sock=sock)
            except OSError as exc:
                sock.close()
                last_error = exc
                continue
            proto._sock = sock
            return proto
        raise OSError(f"no free UDP port for RTP in {host}:{port_min}-{port_max}: {last_error}")

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]
        self.local_port = transport.get_extra_info("sockname")[1]

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None

    def set_codec(self, codec: Codec) -> None:
        """Switch codec (the test caller learns it from the SDP answer after binding)."""
        self.codec = codec
        self.payload_type = g711.PAYLOAD_TYPES[codec]

    def set_peer(self, host: str, port: int) -> None:
        """The only address we accept audio from and send audio to.

        The socket is connected to it: the kernel then drops datagrams from anywhere else
        before they are queued, so a flood at our port cannot crowd out the caller's.
        """
        self.peer = (host, port)
        if self._sock is not None and self._transport is not None:
            try:
                self._sock.connect(self.peer)
            except OSError as exc:  # still filtered by address in datagram_received
                log_event(log, "rtp.connect_failed", level=logging.WARNING, call_id=self.call_id,
                          peer=f"{host}:{port}", error=str(exc))

    def start(self) -> None:
        """Start sending: one frame every 20 ms from now on."""
        if self._pacer is None:
            self._pacer = asyncio.get_running_loop().create_task(self._pace(), name=f"rtp-pacer-{self.call_id}")

    async def close(self) -> None:
        """Stop for good: drop what is queued, wake every waiter, release the port."""
        self.close_playout()
        await cancel_and_wait(self._pacer)
        self._pacer = None
        if self._transport is not None:
            self._transport.close()
        log_event(
            log, "rtp.closed", call_id=self.call_id, port=self.local_port,
            **self.stats.summary(),
        )

    # -- receiving -----------------------------------------------------------------
    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        now = asyncio.get_running_loop().time()
        if self.peer is None or (addr[0], addr[1]) != self.peer:
            self._drop("foreign", now, addr)
            return
        try:
            packet = RtpPacket.parse(data)
        except MalformedPacket:
            self._drop("malformed", now, addr)
            return
        if packet.payload_type != self.payload_type and packet.payload_type != TELEPHONE_EVENT_PT:
            self._drop("payload_type", now, addr, payload_type=packet.payload_type)
            return
        source = self._source
        if source is not None and packet.ssrc == source.ssrc:
            verdict = source.update(packet.sequence)
            if verdict != ACCEPT:
                self._drop(verdict, now, addr, seq=packet.sequence)
                return
            self._source_seen = now
            self._deliver(packet, now)
            return
        if source is not None and now - self._source_seen < SSRC_TAKEOVER_QUIET_S:
            self._drop("ssrc", now, addr, ssrc=packet.ssrc)  # the caller's stream is still flowing
            return
        self._probe(packet, now, addr)

    def _probe(self, packet: RtpPacket, now: float, addr: tuple[str, int]) -> None:
        """A packet of a source that is not (yet) the caller's: probation, then take over."""
        cand = self._candidate
        if cand is None or cand.ssrc != packet.ssrc:
            for _ in self._held:
                self._drop("probation", now, addr)
            self._held.clear()
            cand = self._candidate = SourceSequence(packet.ssrc, packet.sequence)
        verdict = cand.update(packet.sequence)
        if verdict == PROBATION:
            for _ in self._held:  # out of sequence: probation restarted from this packet
                self._drop("probation", now, addr)
            self._held = [(packet, now)]
            return
        held, self._held = self._held, []
        previous = self._source
        self._source, self._candidate, self._source_seen = cand, None, now
        if previous is not None:
            log_event(log, "rtp.source_changed", level=logging.WARNING, call_id=self.call_id,
                      old_ssrc=previous.ssrc, new_ssrc=cand.ssrc)
        for p, arrival in held:
            self._deliver(p, arrival)
        self._deliver(packet, now)

    def _deliver(self, packet: RtpPacket, now: float) -> None:
        """Hand a valid packet of the caller's stream to DTMF or audio listeners."""
        if packet.payload_type == TELEPHONE_EVENT_PT:
            self._handle_dtmf(packet, now)
            return
        self.stats.received += 1
        metrics.rtp_received()
        if packet.payload and (self.on_audio is not None or self.taps):
            frame = ReceivedFrame(g711.decode(packet.payload, self.codec), now, packet.timestamp)
            for tap in self.taps:
                tap(frame)
            if self.on_audio is not None:
                self.on_audio(frame)

    def _drop(self, reason: str, now: float, addr: tuple[str, int], **detail: int) -> None:
        """Count a dropped packet; log the first of each reason, then a tally at most every 10 s."""
        setattr(self.stats, f"dropped_{reason}", getattr(self.stats, f"dropped_{reason}") + 1)
        metrics.rtp_dropped(reason)
        last, pending = self._drop_logged.get(reason, (-DROP_LOG_INTERVAL_S, 0))
        if now - last < DROP_LOG_INTERVAL_S:
            self._drop_logged[reason] = (last, pending + 1)
            return
        self._drop_logged[reason] = (now, 0)
        log_event(log, "rtp.dropped", level=logging.WARNING, call_id=self.call_id, reason=reason,
                  source=f"{addr[0]}:{addr[1]}", count=pending + 1,
                  total=getattr(self.stats, f"dropped_{reason}"), **detail)

    def _handle_dtmf(self, packet: RtpPacket, now: float) -> None:
        if len(packet.payload) < 4:
            self.stats.dropped_malformed += 1
            metrics.rtp_dropped("malformed")
            return
        event, flags = packet.payload[0], packet.payload[1]
        if flags & 0x80 and packet.timestamp != self._dtmf_last_ts and event < len(_DTMF_DIGITS):
            self._dtmf_last_ts = packet.timestamp  # the end packet is sent three times
            if self.on_dtmf is not None:
                self.on_dtmf(DtmfDigit(_DTMF_DIGITS[event], now))

    # -- sending (the queue is Playout's) ---------------------------------------------
    def send_dtmf(self, digit: str, duration_ms: int = 160) -> None:
        """Queue an RFC 4733 telephone-event for one digit (sent outside the audio pacing)."""
        asyncio.get_running_loop().create_task(self._send_dtmf(digit, duration_ms))

    async def _send_dtmf(self, digit: str, duration_ms: int) -> None:
        event = _DTMF_DIGITS.index(digit.upper())
        ts = self._ts
        steps = max(1, duration_ms // FRAME_MS)
        for i in range(1, steps + 4):
            end = i >= steps
            duration = min(i, steps) * FRAME_SAMPLES
            payload = struct.pack("!BBH", event, (0x80 if end else 0) | 10, duration)
            self._send(RtpPacket(TELEPHONE_EVENT_PT, self._next_seq(), ts, self._ssrc, payload, marker=i == 1))
            await asyncio.sleep(FRAME_MS / 1000)

    def _next_seq(self) -> int:
        self._seq = (self._seq + 1) & 0xFFFF
        return self._seq

    def _send(self, packet: RtpPacket) -> None:
        if self._transport is not None and self.peer is not None:
            self._transport.sendto(packet.serialize(), self.peer)
            self.stats.sent += 1
            metrics.rtp_sent()

    async def _pace(self) -> None:
        loop = asyncio.get_running_loop()
        period = FRAME_MS / 1000
        t0 = loop.time()
        n = 0
        while True:
            deadline = t0 + n * period
            delay = deadline - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            now = loop.time()
            lateness = now - deadline
            if lateness > 3 * period:
                # The loop stalled: skip the missed slots instead of bursting them out.
                skipped = int(lateness / period)
                self.stats.underruns += skipped
                self.stats.late_frames += 1
                metrics.rtp_underruns(skipped, late=True)
                n += skipped
                self._ts = (self._ts + skipped * FRAME_SAMPLES) & 0xFFFFFFFF
                deadline = t0 + n * period
            elif lateness > period:
                self.stats.underruns += 1
                self.stats.late_frames += 1
                metrics.rtp_underruns(1, late=True)
            self.stats.send_jitter.append(now - deadline)
            self._send_next_frame(now)
            n += 1

    def _send_next_frame(self, now: float) -> None:
        taken = self.next_frame(now)
        if taken is not None:
            frame, marker = taken
        else:
            if not self.send_silence:
                self._ts = (self._ts + FRAME_SAMPLES) & 0xFFFFFFFF
                return
            frame, marker = self._silence, False
        first_packet = self.stats.sent == 0
        self._send(
            RtpPacket(self.payload_type, self._next_seq(), self._ts, self._ssrc, g711.encode(frame, self.codec), marker or first_packet)
        )
        self._ts = (self._ts + FRAME_SAMPLES) & 0xFFFFFFFF
