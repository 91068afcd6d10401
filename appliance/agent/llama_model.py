"""The language model: one llama.cpp context that writes several callers' answers at once.

A phone box takes several calls, and their questions come at the same time.  One context
that answers one caller after another makes the fourth caller wait for three answers.
Here a single engine thread owns the context and decodes every open answer in the same
``llama_decode`` batch, one sequence (KV-cache ``seq_id``) per answer: on 2 cores a step for
4 answers costs ~41 ms against ~24 ms for one (the weights are read once per step), so four
simultaneous answers each get a token every ~41 ms instead of queueing.

An answer starts from a saved state (``prompt_states``): the KV cache of its prompt's
beginning (the fixed prefix and the passage) restored into its sequence in ~10 ms, so only
the rest of the prompt (the question line) is evaluated, in the same batch as the other
answers' next tokens.  A beginning not saved yet is evaluated once and saved on the way.

Everything that touches the context runs in the engine thread; callers get a
:class:`Completion` (an iterator of text pieces) and may close it at any time.
"""

from __future__ import annotations

import codecs
import collections
import ctypes
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from appliance.config.threads import lower_thread_priority
from appliance.agent.prompt_states import PromptStates, SavedState
from appliance.config.errors import ModelError

log = logging.getLogger(__name__)

_LOAD_LOCK = threading.Lock()
_LOG_CALLBACK = None  # kept alive: llama.cpp holds a pointer to it
_END = object()  # a completion's end marker


def _silence_llama_logs() -> None:
    """Route llama.cpp's own stderr chatter to our logger (errors only)."""
    global _LOG_CALLBACK
    if _LOG_CALLBACK is not None:
        return
    import llama_cpp

    @llama_cpp.llama_log_callback
    def _cb(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:  # pragma: no cover - C callback
        if level == 4:  # GGML_LOG_LEVEL_ERROR; the rest is load-time chatter
            log.warning("llama.cpp: %s", text.decode("utf-8", "replace").rstrip())

    _LOG_CALLBACK = _cb
    llama_cpp.llama_log_set(_cb, ctypes.c_void_p(0))


class Completion:
    """One answer's text as the model writes it: iterate for pieces (one per token, possibly
    ""), ``close()`` to stop the model writing it.  Raises ``ModelError`` if the model failed
    and ``TimeoutError`` when its time is up, which is:

    * ``budget_s`` counted from when the engine *starts* on this answer (``started``), not
      from when it was asked: on a busy box an answer may wait for a free sequence, or the
      CPU, and that wait is not the model's slowness;
    * but past the budget an answer whose tokens keep coming (each within ``token_gap_s`` of
      the last; its prompt's evaluation counts too) goes on to its end (``max_tokens``
      bounds it): an overloaded box answers late rather than giving up on an answer it is
      about to finish;
    * and never past ``deadline`` (a monotonic time; None: no ceiling), the hard cap that
      also bounds the wait for a free sequence.

    The caller's dead air meanwhile is the session's business (it says "One moment,
    please" at ``call.max_dead_air_s``).
    """

    #: How often a waiting reader looks at the clock again while its answer has not started.
    _POLL_S = 0.1

    def __init__(self, deadline: float | None, *, budget_s: float | None = None,
                 token_gap_s: float | None = None) -> None:
        self._pieces: queue.Queue[Any] = queue.Queue()
        self.cancel = threading.Event()
        self.deadline = deadline
        self.budget_s = budget_s
        self.token_gap_s = token_gap_s
        #: When the engine started on this answer (monotonic; set by the engine thread).
        self.started: float | None = None
        #: When the reader last got a piece, or the engine last evaluated some of this
        #: answer's prompt: either is the model getting on with it.
        self.last_piece: float | None = None
        #: Whether the prompt's beginning came from a saved state (known once it is admitted).
        self.prompt_cached = False
        self._ended = False

    def __iter__(self) -> Iterator[str]:
        return self

    def time_left(self, now: float | None = None) -> float | None:
        """Seconds until the answer's time is up as things stand (None: no limit yet)."""
        now = time.monotonic() if now is None else now
        ends = [] if self.deadline is None else [self.deadline]
        if self.budget_s is not None and self.started is not None:
            end = self.started + self.budget_s
            if self.token_gap_s is not None and self.last_piece is not None:
                end = max(end, self.last_piece + self.token_gap_s)
            ends.append(end)
        return None if not ends else min(ends) - now

    def __next__(self) -> str:
        if self._ended:
            raise StopIteration
        while True:
            left = self.time_left()
            if left is not None and left <= 0:
                self.close()
                raise TimeoutError("the model did not answer in time")
            # Not started yet: look again soon, as its budget begins when it starts.
            wait = left if self.started is not None or self.budget_s is None else min(
                self._POLL_S, left if left is not None else self._POLL_S)
            try:
                item = self._pieces.get(timeout=wait)
                break
            except queue.Empty:
                continue
        if item is _END:
            self._ended = True
            raise StopIteration
        if isinstance(item, BaseException):
            self._ended = True
            raise item
        self.last_piece = time.monotonic()
        return item

    def close(self) -> None:
        self.cancel.set()


@dataclass
class _Answer:
    """An answer being written: its sequence, the prompt tokens still to evaluate, sampling."""

    completion: Completion
    prompt: str
    head: str
    head_tokens: list[int]
    prompt_tokens: list[int]
    max_tokens: int
    stop: tuple[str, ...]
    sampling: tuple[float, float, float]  # temperature, top_p, repeat_penalty
    seq: int = -1
    n_past: int = 0
    to_save: list[int] = field(default_factory=list)  # prompt-beginning tokens to evaluate, then save
    pending: list[int] = field(default_factory=list)  # prompt tokens to evaluate
    next_token: int | None = None
    sampler: Any = None
    generated: int = 0
    raw: bytes = b""
    text: str = ""
    sent: int = 0  # characters of text handed out
    decoder: Any = field(default_factory=lambda: codecs.getincrementaldecoder("utf-8")("replace"))


class LlamaModel:
    """A GGUF model in one llama.cpp context, shared by every call of the process.

    ``n_ctx`` is one answer's context; the context holds ``parallel`` of them (plus one for
    priming).  More simultaneous answers than ``parallel`` wait for a free sequence.
    """

    def __init__(self, model_path: str | Path, *, n_ctx: int = 2048, n_threads: int = 2, cpu_repack: bool = False,
                 prompt_cache_mb: int = 512, parallel: int = 4, n_batch: int = 512) -> None:
        path = Path(model_path)
        if not path.is_file():
            raise ModelError(f"LLM model file {path} does not exist (run `appliance models install`)")
        try:
            import llama_cpp.llama_cpp as C
        except ImportError as exc:
            raise ModelError(f"llama-cpp-python is not installed: {exc}") from None
        _silence_llama_logs()
        self._C = C
        self.path = path
        self.n_ctx = n_ctx
        self.parallel = max(1, int(parallel))
        self.n_batch = n_batch
        with _LOAD_LOCK:
            C.llama_backend_init()
            mp = C.llama_model_default_params()
            # The CPU "extra buffer types" repack weights (AMX on Xeons); in VMs that
            # advertise AMX without allowing it, the first matmul dies with SIGSEGV.
            mp.use_extra_bufts = bool(cpu_repack)
            self._model = C.llama_model_load_from_file(str(path).encode("utf-8"), mp)
            if not self._model:
                raise ModelError(f"cannot load LLM {path}: llama.cpp could not read it (not a GGUF model?)")
            cp = C.llama_context_default_params()
            cp.n_ctx = n_ctx * (self.parallel + 1)
            cp.n_batch = cp.n_ubatch = n_batch
            cp.n_seq_max = self.parallel + 1
            cp.kv_unified = True  # one cell pool: a short answer leaves room for a long one
            cp.n_threads = cp.n_threads_batch = n_threads
            self._ctx = C.llama_init_from_model(self._model, cp)
            if not self._ctx:
                C.llama_model_free(self._model)
                raise ModelError(f"cannot create a llama.cpp context for {path} (n_ctx {cp.n_ctx}: out of memory?)")
        self._vocab = C.llama_model_get_vocab(self._model)
        self._add_bos = bool(C.llama_vocab_get_add_bos(self._vocab))
        self._mem = C.llama_get_memory(self._ctx)
        self._batch = C.llama_batch_init(n_batch, 0, 1)
        self._scratch = self.parallel  # the sequence priming uses
        #: Saved KV states of "prefix + one passage" prompt beginnings (see prompt_states).
        self.states = PromptStates(prompt_cache_mb * 1024 * 1024)
        self._cond = threading.Condition()
        self._queued: collections.deque[_Answer] = collections.deque()
        self._active: list[_Answer] = []
        self._jobs: collections.deque[tuple[Callable[[], Any], Future[Any]]] = collections.deque()
        self._closed = False
        self._failed: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="llama-engine", daemon=True)
        self._thread.start()

    # -- for callers ---------------------------------------------------------------------------

    @property
    def in_flight(self) -> int:
        """Answers being written or waiting for a sequence."""
        with self._cond:
            return len(self._active) + len(self._queued)

    def tokenize(self, text: str, add_bos: bool = True) -> list[int]:
        data = text.encode("utf-8")
        n_max = len(data) + 8
        buf = (self._C.llama_token * n_max)()
        n = self._C.llama_tokenize(self._vocab, data, len(data), buf, n_max, add_bos and self._add_bos, True)
        if n < 0:  # pragma: no cover - a token per byte is the most there can be
            raise ModelError("tokenizer: text too long")
        return list(buf[:n])

    def count_tokens(self, text: str) -> int:
        return len(self.tokenize(text))

    def complete(self, head: str, prompt: str, *, max_tokens: int, temperature: float = 0.0, top_p: float = 0.9,
                 repeat_penalty: float = 1.1, stop: Sequence[str] = (), deadline: float | None = None,
                 budget_s: float | None = None, token_gap_s: float | None = None) -> Completion:
        """Start writing the continuation of ``prompt``, which starts with ``head`` (the part
        whose state is saved and reused; "" for none).  ``deadline``, ``budget_s`` and
        ``token_gap_s``: when the answer's time is up (see :class:`Completion`)."""
        if not prompt.startswith(head):
            raise ValueError("the prompt must start with its head")
        completion = Completion(deadline, budget_s=budget_s, token_gap_s=token_gap_s)
        answer = _Answer(completion, prompt, head, self.tokenize(head) if head else [], self.tokenize(prompt), max_tokens,
                         tuple(s for s in stop if s), (temperature, top_p, repeat_penalty))
        if len(answer.prompt_tokens) + max_tokens > self.n_ctx:
            raise ModelError(f"prompt of {len(answer.prompt_tokens)} tokens does not fit llm.context {self.n_ctx}")
        self._submit(lambda: self._queued.append(answer))
        return completion

    def warm(self, prefix: str) -> None:
        """Evaluate the fixed prefix and keep its state: every prompt starts with it, so a
        passage not saved yet costs only its own tokens.  A new prefix (edited prompts) drops
        the states saved with the old one."""
        def job() -> None:
            if self.states.pinned != {prefix}:
                self.states.clear()
            self._save(prefix)
            self.states.pinned = {prefix}
        self._call(job)

    def prime(self, head: str) -> bool:
        """Save the state of a prompt beginning if it is not saved; True if it was added."""
        return bool(self._call(lambda: head not in self.states and self._save(head)))

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join(timeout=10)

    # -- the engine thread -----------------------------------------------------------------------

    def _submit(self, enqueue: Callable[[], None]) -> None:
        """Hand work to the engine thread (``enqueue`` runs under its lock)."""
        with self._cond:
            if self._failed is not None or self._closed:
                raise ModelError(f"the language model is not running: {self._failed or 'closed'}")
            enqueue()
            self._cond.notify()

    def _call(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` in the engine thread between decoding steps; its result."""
        future: Future[Any] = Future()
        self._submit(lambda: self._jobs.append((fn, future)))
        return future.result()

    def _run(self) -> None:
        lower_thread_priority()  # before the first decode starts llama.cpp's own (OpenMP) threads
        try:
            while True:
                with self._cond:
                    while not (self._closed or self._jobs or self._queued or self._active):
                        self._cond.wait()
                    if self._closed:
                        break
                    jobs = list(self._jobs)
                    self._jobs.clear()
                for fn, future in jobs:
                    try:
                        future.set_result(fn())
                    except BaseException as exc:  # noqa: BLE001 - handed to the caller
                        future.set_exception(exc)
                self._admit()
                if self._active:
                    self._step()
        except BaseException as exc:  # noqa: BLE001 - every waiter must hear of it
            log.exception("event=llm.engine_failed")
            with self._cond:
                self._failed = exc
        finally:
            with self._cond:
                answers = list(self._active) + list(self._queued)
                jobs = list(self._jobs)
                self._active.clear()
                self._queued.clear()
                self._jobs.clear()
            for a in answers:
                a.completion._pieces.put(ModelError(f"the language model stopped: {self._failed or 'closed'}"))
            for _, future in jobs:
                future.set_exception(ModelError("the language model stopped"))
            self._free()

    def _free(self) -> None:
        C = self._C
        C.llama_batch_free(self._batch)
        C.llama_free(self._ctx)
        C.llama_model_free(self._model)

    def _admit(self) -> None:
        """Give waiting answers free sequences, each starting from the best saved state."""
        while True:
            with self._cond:
                used = {a.seq for a in self._active}
                free = [s for s in range(self.parallel) if s not in used]
                if not free or not self._queued:
                    return
                answer = self._queued.popleft()
            if answer.completion.cancel.is_set():
                answer.completion._pieces.put(_END)
                continue
            answer.seq = free[0]
            try:
                self._start(answer)
            except Exception as exc:  # noqa: BLE001 - this answer fails, the others go on
                log.exception("event=llm.start_failed")
                self._C.llama_memory_seq_rm(self._mem, answer.seq, -1, -1)
                answer.completion._pieces.put(ModelError(f"could not start the answer: {exc}"))
                continue
            answer.completion.started = time.monotonic()  # its time budget counts from here
            with self._cond:
                self._active.append(answer)

    def _start(self, a: _Answer) -> None:
        C = self._C
        found_text, kept = self._restore_best(a.head or a.prompt, a.prompt_tokens, a.seq)
        a.completion.prompt_cached = bool(a.head) and found_text == a.head
        a.n_past = kept
        head_end = _common(a.head_tokens, a.prompt_tokens)
        if a.head and not a.completion.prompt_cached and self.states.max_bytes and head_end > kept:
            a.to_save = a.prompt_tokens[kept:head_end]  # evaluated first, then saved
            kept = head_end
        a.pending = a.prompt_tokens[kept:]
        if not a.pending:  # the prompt is all head: its last token is evaluated for logits
            if a.to_save:
                a.pending = [a.to_save.pop()]
            else:
                C.llama_memory_seq_rm(self._mem, a.seq, len(a.prompt_tokens) - 1, -1)
                a.n_past = len(a.prompt_tokens) - 1
                a.pending = a.prompt_tokens[-1:]
        a.sampler = self._sampler(*a.sampling)

    def _sampler(self, temperature: float, top_p: float, repeat_penalty: float) -> Any:
        """As llama-cpp-python's create_completion samples: repeat penalty over the last 64
        generated tokens, then greedy at temperature 0, else top-k 40 / top-p / min-p 0.05."""
        C = self._C
        chain = C.llama_sampler_chain_init(C.llama_sampler_chain_default_params())
        C.llama_sampler_chain_add(chain, C.llama_sampler_init_penalties(C.llama_vocab_n_tokens(self._vocab), 64, repeat_penalty, 0.0, 0.0))
        if temperature <= 0:
            C.llama_sampler_chain_add(chain, C.llama_sampler_init_greedy())
        else:
            C.llama_sampler_chain_add(chain, C.llama_sampler_init_top_k(40))
            C.llama_sampler_chain_add(chain, C.llama_sampler_init_top_p(top_p, 1))
            C.llama_sampler_chain_add(chain, C.llama_sampler_init_min_p(0.05, 1))
            C.llama_sampler_chain_add(chain, C.llama_sampler_init_temp(temperature))
            C.llama_sampler_chain_add(chain, C.llama_sampler_init_dist(int(time.time_ns()) & 0xFFFFFFFF))
        return chain

    def _step(self) -> None:
        """One llama_decode for every active answer: prompt tokens or the next token each."""
        for a in [a for a in self._active if a.completion.cancel.is_set()]:
            self._finish(a)
        if not self._active:
            return
        batch = self._batch
        n = 0
        outputs: list[tuple[_Answer, int]] = []
        saves: list[_Answer] = []
        in_batch: list[_Answer] = []
        for a in self._active:
            room = self.n_batch - n
            if room <= 0:
                break
            in_batch.append(a)
            if a.to_save:
                take, a.to_save = a.to_save[:room], a.to_save[room:]
                n = self._add_answer(take, a, n, logits_last=False)
                if not a.to_save:
                    saves.append(a)
            elif a.pending:
                take, a.pending = a.pending[:room], a.pending[room:]
                n = self._add_answer(take, a, n, logits_last=not a.pending)
                if not a.pending:
                    outputs.append((a, n - 1))
            elif a.next_token is not None:
                n = self._add_answer([a.next_token], a, n, logits_last=True)
                outputs.append((a, n - 1))
        batch.n_tokens = n
        rc = self._C.llama_decode(self._ctx, batch)
        if rc != 0:
            # 1: no room in the KV cache for this batch; the answers in it cannot go on.
            for a in in_batch:
                self._finish(a, ModelError(f"llama_decode failed ({rc}): the context is full"))
            return
        now = time.monotonic()
        for a in in_batch:
            a.completion.last_piece = now  # progress: its time goes on (Completion.time_left)
        for a in saves:
            self._save_seq(a.head, a.prompt_tokens[: a.n_past], a.seq)
        for a, index in outputs:
            self._emit(a, self._C.llama_sampler_sample(a.sampler, self._ctx, index))

    def _add(self, tokens: Sequence[int], seq: int, pos: int, n: int, *, logits_last: bool) -> int:
        """Put ``tokens`` of sequence ``seq`` (from position ``pos``) in the batch at ``n``;
        the batch's new length."""
        batch = self._batch
        for i, token in enumerate(tokens):
            batch.token[n] = token
            batch.pos[n] = pos + i
            batch.n_seq_id[n] = 1
            batch.seq_id[n][0] = seq
            batch.logits[n] = 1 if (logits_last and i == len(tokens) - 1) else 0
            n += 1
        return n

    def _add_answer(self, tokens: list[int], a: _Answer, n: int, *, logits_last: bool) -> int:
        n = self._add(tokens, a.seq, a.n_past, n, logits_last=logits_last)
        a.n_past += len(tokens)
        return n

    def _emit(self, a: _Answer, token: int) -> None:
        C = self._C
        if C.llama_vocab_is_eog(self._vocab, token):
            self._finish(a)
            return
        a.generated += 1
        buf = (ctypes.c_char * 64)()
        size = C.llama_token_to_piece(self._vocab, token, buf, 64, 0, False)
        a.text += a.decoder.decode(buf.raw[: max(0, size)])
        cut = min((i for i in (a.text.find(s, max(0, a.sent - len(s))) for s in a.stop) if i >= 0), default=-1)
        if cut >= 0:
            a.text = a.text[:cut]
            self._finish(a)
            return
        hold = max((len(s) - k for s in a.stop for k in range(1, len(s))
                    if a.text.endswith(s[: len(s) - k])), default=0)  # a stop may be beginning
        upto = len(a.text) - hold
        a.completion._pieces.put(a.text[a.sent:upto])
        a.sent = max(a.sent, upto)
        if a.generated >= a.max_tokens:
            self._finish(a)
            return
        a.next_token = token

    def _finish(self, a: _Answer, error: BaseException | None = None) -> None:
        """The answer is done: what is left of its text (a held-back possible stop) goes out."""
        if error is None and a.sent < len(a.text):
            a.completion._pieces.put(a.text[a.sent:])
            a.sent = len(a.text)
        if a.sampler is not None:
            self._C.llama_sampler_free(a.sampler)
            a.sampler = None
        self._C.llama_memory_seq_rm(self._mem, a.seq, -1, -1)
        with self._cond:
            if a in self._active:
                self._active.remove(a)
        a.completion._pieces.put(error if error is not None else _END)

    # -- saved states (engine thread) ------------------------------------------------------------

    def _save(self, text: str) -> bool:
        """Evaluate ``text`` in the scratch sequence (from the best saved state) and keep it."""
        C = self._C
        seq = self._scratch
        tokens = self.tokenize(text)
        _, n_past = self._restore_best(text, tokens, seq)
        try:
            for i in range(n_past, len(tokens), self.n_batch):
                self._batch.n_tokens = self._add(tokens[i : i + self.n_batch], seq, i, 0, logits_last=False)
                rc = C.llama_decode(self._ctx, self._batch)
                if rc != 0:
                    raise ModelError(f"llama_decode failed ({rc}) evaluating a prompt of {len(tokens)} tokens")
            return self._save_seq(text, tokens, seq)
        finally:
            C.llama_memory_seq_rm(self._mem, seq, -1, -1)

    def _save_seq(self, text: str, tokens: Sequence[int], seq: int) -> bool:
        if not self.states.max_bytes:
            return False
        C = self._C
        size = C.llama_state_seq_get_size(self._ctx, seq)
        if not size or size > self.states.max_bytes:
            return False
        buf = (ctypes.c_uint8 * size)()
        written = C.llama_state_seq_get_data(self._ctx, buf, size, seq)
        if not written:
            return False
        return self.states.put(text, SavedState(tuple(tokens), bytes(buf)[:written]))

    def _restore_best(self, text: str, tokens: Sequence[int], seq: int) -> tuple[str, int]:
        """Empty ``seq``, then restore into it the saved state of the longest kept beginning of
        ``text``, cut to what it shares with ``tokens``: (that beginning, tokens kept), or
        ("", 0) if none."""
        self._C.llama_memory_seq_rm(self._mem, seq, -1, -1)
        best = self.states.longest_prefix(text)
        if best is None or not self._restore(best[1], seq):
            return "", 0
        kept = _common(best[1].tokens, tokens)
        if kept < len(best[1].tokens):
            self._C.llama_memory_seq_rm(self._mem, seq, kept, -1)
        return best[0], kept

    def _restore(self, state: SavedState, seq: int) -> bool:
        src = (ctypes.c_uint8 * len(state.data)).from_buffer_copy(state.data)
        if not self._C.llama_state_seq_set_data(self._ctx, src, len(state.data), seq):
            log.warning("event=llm.state_restore_failed tokens=%d", len(state.tokens))
            self._C.llama_memory_seq_rm(self._mem, seq, -1, -1)
            return False
        return True


def _common(a: Sequence[int], b: Sequence[int]) -> int:
    """Length of the common beginning of two token lists."""
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n
