"""Saved llama.cpp states for prompt beginnings: the fixed prefix plus one knowledge passage.

Prompt evaluation is most of an answer's wait on a small CPU: ~130 tokens of context at
~390 tokens/s on 2 cores is ~0.35 s before the first word is written.  The context is one
knowledge-base passage, and a knowledge base has a bounded number of them, so the KV cache
after "prefix + Context: <passage>" is worth keeping: restoring it costs ~10 ms
(``llama_state_seq_set_data``), and the answer then evaluates only the question line.

States are kept least-recently-used first out within a byte budget (a state is ~18 KB per
token for Gemma 3 270M: ~7 MB for the prefix and a passage).  The caller must hold the
model (one context, one answer at a time); nothing here locks.
"""

from __future__ import annotations

import ctypes
import logging
from collections import OrderedDict
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _State:
    tokens: tuple[int, ...]
    data: bytes


class PromptStates:
    """KV-cache states of prompt beginnings, by their text, within ``max_bytes``."""

    def __init__(self, llm: object, max_bytes: int) -> None:
        self.llm = llm
        self.max_bytes = max(0, int(max_bytes))
        self._states: OrderedDict[str, _State] = OrderedDict()
        self.bytes = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._states)

    def __contains__(self, text: str) -> bool:
        return text in self._states

    def texts(self) -> list[str]:
        """The texts whose states are kept, least recently used first."""
        return list(self._states)

    def clear(self) -> None:
        self._states.clear()
        self.bytes = 0

    def keep_only(self, texts: set[str]) -> None:
        """Drop the states of texts no longer wanted (passages removed from the knowledge base)."""
        for text in [t for t in self._states if t not in texts]:
            self.bytes -= len(self._states.pop(text).data)

    @property
    def full(self) -> bool:
        return self.bytes >= self.max_bytes * 0.95

    def begin(self, text: str) -> bool:
        """Leave the model's KV cache holding exactly ``text``'s tokens; True if a saved state
        did it.  Otherwise the text is evaluated (reusing whatever prefix the cache already
        shares with it) and its state kept for next time, if the budget allows."""
        state = self._states.get(text)
        if state is not None and self._restore(state):
            self._states.move_to_end(text)
            self.hits += 1
            return True
        self.misses += 1
        tokens = self._evaluate(text)
        if self.max_bytes:
            self._save(text, tokens)
        return False

    def _tokens(self, text: str) -> list[int]:
        # As Llama.create_completion tokenizes a prompt, so the saved tokens prefix-match it.
        return list(self.llm.tokenize(text.encode("utf-8"), special=True))  # type: ignore[attr-defined]

    def _evaluate(self, text: str) -> list[int]:
        llm = self.llm
        tokens = self._tokens(text)
        cached = list(llm._input_ids)  # type: ignore[attr-defined]
        same = 0
        for a, b in zip(cached, tokens):
            if a != b:
                break
            same += 1
        same = min(same, len(tokens) - 1)  # always evaluate the last token (fresh logits)
        if same > 0 and llm._ctx.kv_cache_seq_rm(-1, same, -1):  # type: ignore[attr-defined]
            llm.n_tokens = same  # type: ignore[attr-defined]
        else:
            llm.reset()  # type: ignore[attr-defined]
            same = 0
        llm.eval(tokens[same:])  # type: ignore[attr-defined]
        return tokens

    def _save(self, text: str, tokens: list[int]) -> None:
        import llama_cpp.llama_cpp as C

        ctx = self.llm._ctx.ctx  # type: ignore[attr-defined]
        size = C.llama_state_seq_get_size(ctx, 0)
        if size > self.max_bytes:
            return
        buf = (ctypes.c_uint8 * size)()
        written = C.llama_state_seq_get_data(ctx, buf, size, 0)
        if not written:
            return
        while self._states and self.bytes + written > self.max_bytes:
            _, old = self._states.popitem(last=False)
            self.bytes -= len(old.data)
        self._states[text] = _State(tuple(tokens), bytes(buf)[:written])
        self.bytes += written

    def _restore(self, state: _State) -> bool:
        import llama_cpp.llama_cpp as C

        llm = self.llm
        src = (ctypes.c_uint8 * len(state.data)).from_buffer_copy(state.data)
        if not C.llama_state_seq_set_data(llm._ctx.ctx, src, len(state.data), 0):  # type: ignore[attr-defined]
            log.warning("event=prompt_state.restore_failed tokens=%d", len(state.tokens))
            llm.reset()  # type: ignore[attr-defined]
            return False
        n = len(state.tokens)
        llm.input_ids[:n] = state.tokens  # type: ignore[attr-defined]
        llm.n_tokens = n  # type: ignore[attr-defined]
        return True
