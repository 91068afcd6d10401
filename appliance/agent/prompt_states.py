"""Saved llama.cpp states for prompt beginnings: the fixed prefix plus one knowledge passage.

Prompt evaluation is most of an answer's wait on a small CPU: ~130 tokens of context at
~390 tokens/s on 2 cores is ~0.35 s before the first word is written.  The context is one
knowledge-base passage, and a knowledge base has a bounded number of them, so the KV cache
after "prefix + Context: <passage>" is worth keeping: restoring it costs ~10 ms
(``llama_state_seq_set_data``), and the answer then evaluates only the question line.

This module only keeps them: texts -> (tokens, state bytes), least recently used first out
within a byte budget (a state is ~18 KB per token for Gemma 3 270M: ~7 MB for the prefix
and a passage).  The model (``llama_model.LlamaModel``) saves and restores them, in its
own thread; nothing here touches llama.cpp.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass


#: Every live store, so that ``saved_bytes`` can say what they hold (``/metrics``).
_STORES: weakref.WeakSet[PromptStates] = weakref.WeakSet()


def saved_bytes() -> int:
    """Bytes of saved states held by every live store: bounded by their ``max_bytes``, and
    the part of the service's memory that grows as new passages are asked about."""
    return sum(store.bytes for store in list(_STORES))


@dataclass(frozen=True)
class SavedState:
    """A sequence's KV cache holding exactly ``tokens`` (positions 0..n-1)."""

    tokens: tuple[int, ...]
    data: bytes


class PromptStates:
    """Saved states of prompt beginnings, by their text, within ``max_bytes``; thread-safe."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max(0, int(max_bytes))
        self._states: OrderedDict[str, SavedState] = OrderedDict()
        self._lock = threading.Lock()
        self.bytes = 0
        #: Texts that must not give way to others (the bare prefix every prompt starts with).
        self.pinned: set[str] = set()
        _STORES.add(self)

    def __len__(self) -> int:
        return len(self._states)

    def __contains__(self, text: str) -> bool:
        return text in self._states

    @property
    def full(self) -> bool:
        return self.bytes >= self.max_bytes * 0.95

    def texts(self) -> list[str]:
        """The texts whose states are kept, least recently used first."""
        with self._lock:
            return list(self._states)

    def longest_prefix(self, text: str) -> tuple[str, SavedState] | None:
        """The saved state of the longest kept text that ``text`` starts with."""
        with self._lock:
            best = max((k for k in self._states if text.startswith(k)), key=len, default=None)
            if best is None:
                return None
            self._states.move_to_end(best)
            return best, self._states[best]

    def put(self, text: str, state: SavedState) -> bool:
        """Keep a state, letting the least recently used go to stay within the budget."""
        size = len(state.data)
        with self._lock:
            if size > self.max_bytes:
                return False
            old = self._states.pop(text, None)
            if old is not None:
                self.bytes -= len(old.data)
            for victim in [k for k in self._states if k not in self.pinned]:
                if self.bytes + size <= self.max_bytes:
                    break
                self.bytes -= len(self._states.pop(victim).data)
            if self.bytes + size > self.max_bytes:
                return False
            self._states[text] = state
            self.bytes += size
            return True

    def keep_only(self, texts: set[str]) -> None:
        """Drop the states of texts no longer wanted (passages removed from the knowledge base)."""
        with self._lock:
            for text in [t for t in self._states if t not in texts and t not in self.pinned]:
                self.bytes -= len(self._states.pop(text).data)

    def clear(self) -> None:
        with self._lock:
            self._states.clear()
            self.pinned.clear()
            self.bytes = 0
