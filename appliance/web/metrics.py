"""Prometheus metrics of the call path, served at ``/metrics`` by the admin console.

The call path reports through three functions, cheap and safe from any thread:

    from appliance.web import metrics
    metrics.call_started()                    # a call was answered and its session began
    metrics.observe_turn(timings, kind="answer")   # a turn was recorded (timings: the *_ms dict)
    metrics.call_ended(outcome)               # answered | transferred | abandoned | error
    metrics.error("asr")                      # something failed (a short kind label)
    metrics.lead_stored()                     # a lead was committed (with its deliveries queued)
    metrics.delivery(channel, ok, pending)    # a lead delivery was tried (appliance/leads/worker.py)

RTP endpoints count packets through ``rtp_received/rtp_dropped/rtp_sent/rtp_underruns``
(summed over every call), and the service's watchdog task reports event-loop lag through
``observe_loop_lag``.  None of them ever raises: metrics must not break a call.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from appliance.agent.prompt_states import saved_bytes
from appliance.config.heap import heap_figures
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)

#: Latency stages we know from TurnClock/agent timings; other *_ms keys are observed too.
STAGES = ("transcript", "retrieval", "first_token", "first_sentence", "first_audio_chunk", "first_rtp")
_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 8.0, 13.0, 21.0)
OUTCOMES = ("answered", "transferred", "abandoned", "error", "busy")

CALLS_STARTED = Counter("appliance_calls_started", "Calls answered by the service", registry=REGISTRY)
CALLS = Counter("appliance_calls", "Finished calls by outcome", ["outcome"], registry=REGISTRY)
TURNS = Counter("appliance_turns", "Turns recorded, by kind", ["kind"], registry=REGISTRY)
INTERRUPTED = Counter("appliance_turns_interrupted", "Turns the caller barged in on", registry=REGISTRY)
ERRORS = Counter("appliance_errors", "Errors on the call path, by kind", ["kind"], registry=REGISTRY)
LATENCY = Histogram("appliance_turn_stage_seconds",
                    "Time from the end of the caller's speech to each stage of the reply",
                    ["stage"], buckets=_BUCKETS, registry=REGISTRY)
ACTIVE = Gauge("appliance_active_calls", "Calls in progress now", registry=REGISTRY)
LEADS = Counter("appliance_leads_stored", "Leads stored (quote requests taken down in a call)", registry=REGISTRY)
DELIVERIES = Counter("appliance_lead_deliveries", "Lead deliveries acknowledged by the receiver, by channel",
                     ["channel"], registry=REGISTRY)
DELIVERY_FAILURES = Counter("appliance_lead_delivery_failures", "Lead delivery attempts that failed, by channel",
                            ["channel"], registry=REGISTRY)
DELIVERY_PENDING = Gauge("appliance_lead_deliveries_pending",
                         "Lead deliveries not yet acknowledged (queued or retrying; not those given up)",
                         registry=REGISTRY)

#: Why an incoming RTP packet was dropped (appliance/telephony/rtp.py): from an address other
#: than the peer's, not RTP, a payload type we did not negotiate, a late frame (duplicate or
#: older than one already played), another SSRC while the caller's stream flows, a sequence
#: jump not confirmed by the next packet, a new source that failed probation.
RTP_DROP_REASONS = ("foreign", "malformed", "payload_type", "late", "ssrc", "jump", "probation")
RTP_RECEIVED = Counter("appliance_rtp_received_packets", "Caller RTP packets accepted and played to the call",
                       registry=REGISTRY)
RTP_DROPPED = Counter("appliance_rtp_dropped_packets", "Incoming RTP packets dropped, by reason "
                      "(late: late frames, duplicated or reordered)", ["reason"], registry=REGISTRY)
RTP_SENT = Counter("appliance_rtp_sent_packets", "RTP packets sent to callers", registry=REGISTRY)
RTP_UNDERRUNS = Counter("appliance_rtp_underruns", "Outgoing 20 ms slots missed or sent more than a frame late",
                        registry=REGISTRY)
RTP_LATE_FRAMES = Counter("appliance_rtp_late_frames", "Outgoing frames sent more than one frame after their slot",
                          registry=REGISTRY)
_LAG_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
LOOP_LAG = Histogram("appliance_event_loop_lag_seconds",
                     "How late the event loop ran the watchdog's periodic task (a blocked loop shows here)",
                     buckets=_LAG_BUCKETS, registry=REGISTRY)
LOOP_LAG_MAX = Gauge("appliance_event_loop_lag_max_seconds", "Largest event-loop lag seen since start",
                     registry=REGISTRY)
CALLS_WAITING = Gauge("appliance_calls_waiting", "Callers ringing in the queue for a line (call.max_calls)",
                      registry=REGISTRY)
#: How a wait for a line ended: admitted (a line freed), timed_out (told the lines are busy),
#: abandoned (the caller hung up while waiting).
QUEUE_RESULTS = ("admitted", "timed_out", "abandoned")
CALL_QUEUE = Counter("appliance_call_queue", "Callers who waited for a line, by how the wait ended", ["result"],
                     registry=REGISTRY)
#: Where the service's memory goes beside the models (appliance/config/heap.py): the saved
#: prompt states (bounded by llm.prompt_cache_mb), the C heap's bytes in use in its arenas and
#: in blocks mapped on their own, and the bytes it holds free (RSS growing with ``heap_free``
#: is the allocator keeping memory, not a leak).  Read once per scrape (mallinfo2 walks
#: every arena).
MEMORY_PARTS = ("prompt_states", "heap_in_use", "heap_mmapped", "heap_free")


class _MemoryCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily("appliance_memory_bytes", "Memory by part: " + ", ".join(MEMORY_PARTS),
                                   labels=["part"])
        try:
            heap = heap_figures()
            values = {"prompt_states": saved_bytes(), **{f"heap_{k}": v for k, v in heap.items()}}
        except Exception:  # pragma: no cover - never break a scrape
            values = {}
        for part in MEMORY_PARTS:
            family.add_metric([part], float(values.get(part, 0)))
        yield family


REGISTRY.register(_MemoryCollector())
_rtp_dropped = {r: RTP_DROPPED.labels(r) for r in RTP_DROP_REASONS}
_loop_lag_max = 0.0

for _o in OUTCOMES:
    CALLS.labels(_o)
for _s in STAGES:
    LATENCY.labels(_s)
for _r in QUEUE_RESULTS:
    CALL_QUEUE.labels(_r)
for _c in ("webhook", "mail"):
    DELIVERIES.labels(_c)
    DELIVERY_FAILURES.labels(_c)

_lock = threading.Lock()
_active = 0
_live: Callable[[], int] | None = None


def _active_value() -> float:
    if _live is not None:
        try:
            return float(_live())
        except Exception:  # pragma: no cover - never break a scrape
            pass
    return float(_active)


ACTIVE.set_function(_active_value)




def bind_live_calls(count: Callable[[], int] | None) -> None:
    """Make ``appliance_active_calls`` read the Stasis app's live-call count (the web app does this)."""
    global _live
    _live = count


def call_started() -> None:
    global _active
    try:
        CALLS_STARTED.inc()
        with _lock:
            _active += 1
    except Exception:  # pragma: no cover
        log.debug("metrics.call_started failed", exc_info=True)


def call_ended(outcome: str) -> None:
    global _active
    try:
        CALLS.labels(outcome or "unknown").inc()
        with _lock:
            _active = max(0, _active - 1)
    except Exception:  # pragma: no cover
        log.debug("metrics.call_ended failed", exc_info=True)


def observe_turn(timings: Mapping[str, Any] | None, kind: str = "answer", interrupted: bool = False) -> None:
    """Count a turn and observe each ``<stage>_ms`` timing (milliseconds) as seconds."""
    try:
        TURNS.labels(kind or "unknown").inc()
        if interrupted:
            INTERRUPTED.inc()
        for key, value in (timings or {}).items():
            if key.endswith("_ms") and isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
                LATENCY.labels(key[:-3]).observe(value / 1000.0)
    except Exception:  # pragma: no cover
        log.debug("metrics.observe_turn failed", exc_info=True)


def error(kind: str) -> None:
    try:
        ERRORS.labels(kind or "unknown").inc()
    except Exception:  # pragma: no cover
        log.debug("metrics.error failed", exc_info=True)


def rtp_received() -> None:
    RTP_RECEIVED.inc()


def rtp_sent() -> None:
    RTP_SENT.inc()


def rtp_dropped(reason: str) -> None:
    try:
        (_rtp_dropped.get(reason) or RTP_DROPPED.labels(reason)).inc()
    except Exception:  # pragma: no cover
        log.debug("metrics.rtp_dropped failed", exc_info=True)


def rtp_underruns(slots: int, late: bool = False) -> None:
    try:
        RTP_UNDERRUNS.inc(slots)
        if late:
            RTP_LATE_FRAMES.inc()
    except Exception:  # pragma: no cover
        log.debug("metrics.rtp_underruns failed", exc_info=True)


def observe_loop_lag(seconds: float) -> None:
    """One event-loop lag sample (the watchdog task's wake-up delay)."""
    global _loop_lag_max
    try:
        lag = max(0.0, seconds)
        LOOP_LAG.observe(lag)
        if lag > _loop_lag_max:
            _loop_lag_max = lag
            LOOP_LAG_MAX.set(lag)
    except Exception:  # pragma: no cover
        log.debug("metrics.observe_loop_lag failed", exc_info=True)
def calls_waiting(count: int) -> None:
    CALLS_WAITING.set(count)


def call_queue_result(result: str) -> None:
    CALL_QUEUE.labels(result).inc()


def lead_stored() -> None:
    try:
        LEADS.inc()
    except Exception:  # pragma: no cover
        log.debug("metrics.lead_stored failed", exc_info=True)


def delivery(channel: str, ok: bool, pending: int | None = None) -> None:
    """Count one delivery attempt; ``pending``: deliveries still queued after it, when known."""
    try:
        (DELIVERIES if ok else DELIVERY_FAILURES).labels(channel or "unknown").inc()
        if pending is not None:
            DELIVERY_PENDING.set(pending)
    except Exception:  # pragma: no cover
        log.debug("metrics.delivery failed", exc_info=True)


def deliveries_pending(pending: int) -> None:
    try:
        DELIVERY_PENDING.set(pending)
    except Exception:  # pragma: no cover
        log.debug("metrics.deliveries_pending failed", exc_info=True)


def render() -> tuple[bytes, str]:
    """The exposition text and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
