"""The service's memory between calls (appliance/config/heap.py, /metrics): freed memory goes
back to the system, and /metrics says where the memory is (the soak judges growth by it)."""

from __future__ import annotations

import re
from pathlib import Path

from prometheus_client import generate_latest

from appliance.agent.prompt_states import PromptStates, SavedState
from appliance.config import heap
from appliance.web import metrics


def _rss_anon_mb() -> float:
    text = Path("/proc/self/status").read_text()
    match = re.search(r"RssAnon:\s+(\d+) kB", text)
    assert match, text
    return int(match.group(1)) / 1024


def test_memory_freed_in_pieces_goes_back_to_the_system_after_a_trim() -> None:
    # What a call leaves behind: many mid-sized blocks, every other one freed, so no arena
    # can shrink from its top; glibc keeps the holes until the heap is trimmed.
    blocks: list[bytearray | None] = [bytearray(64 * 1024 - 64) for _ in range(4000)]
    for i in range(0, len(blocks), 2):
        blocks[i] = None
    before = heap.heap_figures()
    assert before["free"] > 100 * 1024 * 1024, before  # ~125 MB held free, not returned
    rss_before = _rss_anon_mb()
    assert heap.trim()
    assert _rss_anon_mb() < rss_before - 80, "the freed holes went back to the system"
    del blocks


def test_metrics_say_how_much_the_prompt_states_and_the_heap_hold() -> None:
    states = PromptStates(64 * 1024 * 1024)
    assert states.put("prefix + passage", SavedState(tokens=(1, 2, 3), data=b"x" * 3_000_000))
    samples = {line.split("}")[0] + "}": float(line.rsplit(" ", 1)[1])
               for line in generate_latest(metrics.REGISTRY).decode().splitlines()
               if line.startswith("appliance_memory_bytes{")}
    assert samples['appliance_memory_bytes{part="prompt_states"}'] >= 3_000_000
    assert samples['appliance_memory_bytes{part="heap_in_use"}'] > 10_000_000
    assert 'appliance_memory_bytes{part="heap_free"}' in samples
    states.clear()
