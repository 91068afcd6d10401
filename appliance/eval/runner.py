"""``appliance eval``: answer quality on knowledge bases the agent was not tuned on.

For each knowledge base under bench/eval/kbs/<name>/ (with its questions in
bench/eval/questions/<name>.toml): ingest it into a fresh store in a temporary data dir,
build the agent as the service does (``create_agent`` on the configured models and
prompts, then ``prime``, which the service runs at start), and ask every question
through the agent's own streaming API: the pieces it yields are what a caller hears,
joined; a follow-up is asked after its ``before`` question, with that turn as history,
as a call keeps it.  Questions are asked one at a time (one caller), so the first-words
latency is the single-call figure; the CPU is whatever else the box is doing.

The models are loaded once and shared across the knowledge bases, as one service shares
them across calls.  The report (JSON) has every answer with its verdicts and the
summaries; see appliance.eval.scoring for what each figure means.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import os
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from appliance.config.threads import ThreadPlan
from appliance.config.errors import ConfigError
from appliance.eval.questions import Question, QuestionSet, load_questions, pick
from appliance.eval.scoring import Scored, score, summarise, table

ROOT = Path(__file__).resolve().parents[2]
EVAL_DIR = ROOT / "bench" / "eval"


@dataclass
class EvalOptions:
    #: Knowledge bases to run (names under ``eval_dir``/kbs); empty: all that have questions.
    kbs: list[str] = field(default_factory=list)
    #: Questions per knowledge base (taken in turn from each kind); None: all.
    limit: int | None = None
    #: Only these question ids (after ``limit``); empty: all.
    ids: list[str] = field(default_factory=list)
    config: str | None = None
    out: Path | None = None
    eval_dir: Path = EVAL_DIR
    #: Save every passage's prompt state before asking, as the service does at start (it
    #: changes first-words latency, not the answers).
    prime: bool = True


def available_kbs(eval_dir: Path = EVAL_DIR, language: str | None = None) -> list[str]:
    """Knowledge bases that have both documents and a questions file (with ``language``: only
    those whose questions are in it; a questions file says ``language = "ru"``, else English)."""
    kbs = eval_dir / "kbs"
    if not kbs.is_dir():
        return []
    names = sorted(p.name for p in kbs.iterdir() if p.is_dir() and (eval_dir / "questions" / f"{p.name}.toml").is_file())
    if language is None:
        return names
    return [n for n in names if questions_language(eval_dir / "questions" / f"{n}.toml") == language]


def questions_language(path: Path) -> str:
    """The language a questions file's questions are asked in (its top-level ``language``)."""
    import tomllib

    try:
        return str(tomllib.loads(path.read_text(encoding="utf-8")).get("language", "en"))
    except (OSError, tomllib.TOMLDecodeError):
        return "en"


@contextlib.contextmanager
def _data_dir(path: Path) -> Iterator[None]:
    """APPLIANCE_DATA_DIR wins over the config's data_dir: point it at ``path`` meanwhile, so
    the evaluation never writes into the appliance's own store."""
    old = os.environ.get("APPLIANCE_DATA_DIR")
    os.environ["APPLIANCE_DATA_DIR"] = str(path)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("APPLIANCE_DATA_DIR", None)
        else:
            os.environ["APPLIANCE_DATA_DIR"] = old


def _commit() -> str:
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=5, check=False)
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5, check=False).stdout.strip()
        return out.stdout.strip() + ("+dirty" if dirty else "") if out.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError):
        return ""


class _Asker:
    """Asks questions through one agent, the way a call does."""

    def __init__(self, agent: Any, history_turns: int) -> None:
        self.agent = agent
        self.history_turns = history_turns
        prompts = agent.prompts
        self.phrases = tuple(p for p in (getattr(prompts, "fallback", ""), getattr(prompts, "error_fallback", ""),
                                         getattr(prompts, "no_answer", "")) if p)

    def ask(self, question: str, history: list[Any]) -> tuple[list[str], Any, float | None, float]:
        """(pieces said, the stream, seconds to the first piece, seconds in all)."""
        turns = tuple(history[-self.history_turns:]) if self.history_turns else ()
        t0 = time.monotonic()
        stream = self.agent.answer(question, turns)
        pieces: list[str] = []
        first = None
        try:
            for piece in stream.sentences:
                if first is None:
                    first = time.monotonic() - t0
                pieces.append(piece)
        finally:
            close = getattr(stream.sentences, "close", None)
            if close is not None:
                close()
        return pieces, stream, first, time.monotonic() - t0

    def run(self, q: Question) -> Scored:
        from appliance.agent import Turn

        history: list[Any] = []
        before_answer = ""
        if q.before:
            pieces, _, _, _ = self.ask(q.before, history)
            before_answer = " ".join(p.strip() for p in pieces)
            if pieces:
                history.append(Turn(q.before, before_answer))
        pieces, stream, first, total = self.ask(q.ask, history)
        s = score(q, pieces, fell_back=bool(stream.fell_back), phrases=self.phrases)
        s.before_answer = before_answer
        s.mode = stream.mode
        s.fallback_reason = stream.fallback_reason
        s.first_words_s = None if first is None else round(first, 3)
        s.total_s = round(total, 3)
        s.retrieval_s = None if stream.retrieval_s is None else round(stream.retrieval_s, 3)
        s.tokens = stream.tokens
        s.sources = sorted({p.source for p in stream.sources})
        return s


def rescore(report: dict[str, Any], eval_dir: Path = EVAL_DIR) -> dict[str, Any]:
    """The verdicts and summaries of a saved report again, against the questions files as
    they are now (after an expectation was corrected); the answers are not asked again."""
    all_rows: list[Scored] = []
    summaries: dict[str, dict[str, Any]] = {}
    for kb, data in report["kbs"].items():
        questions = {q.id: q for q in load_questions(eval_dir / "questions" / f"{kb}.toml", kb).questions}
        rows = []
        for old in data["answers"]:
            q = questions.get(old["id"])
            if q is None:
                continue
            s = score(q, old["pieces"], fell_back=old.get("mode") == "fallback")
            for key in ("before_answer", "mode", "fallback_reason", "first_words_s", "total_s", "retrieval_s",
                        "tokens", "sources"):
                setattr(s, key, old.get(key))
            rows.append(s)
        summaries[kb] = summarise(rows)
        data["summary"], data["answers"] = summaries[kb], [r.as_dict() for r in rows]
        all_rows += rows
    summaries["all"] = report["all"] = summarise(all_rows)
    report["table"] = table(summaries)
    return report


def run_eval(opts: EvalOptions, progress: Callable[[str], None] = lambda line: None) -> dict[str, Any]:
    """Run the evaluation; returns the report (also written to ``opts.out`` if set)."""
    from appliance.agent import create_agent
    from appliance.config import load_settings
    from appliance.config.manifest import load_manifest
    from appliance.knowledge import create_knowledge_store

    settings = load_settings(opts.config)
    # Without --kb: the knowledge bases whose questions are in the configured pack's language.
    names = opts.kbs or available_kbs(opts.eval_dir, Path(settings.agent.language).stem)
    if not names:
        raise ConfigError(f"no knowledge bases with questions under {opts.eval_dir}")
    sets: list[tuple[Path, QuestionSet]] = []
    for name in names:
        folder, qfile = opts.eval_dir / "kbs" / name, opts.eval_dir / "questions" / f"{name}.toml"
        if not folder.is_dir() or not qfile.is_file():
            raise ConfigError(f"{name}: needs {folder} and {qfile} (known: {', '.join(available_kbs(opts.eval_dir))})")
        qs = load_questions(qfile, name)
        qs.questions = pick(qs.questions, opts.limit)
        if opts.ids:
            qs.questions = [q for q in qs.questions if q.id in opts.ids]
        if qs.questions:
            sets.append((folder, qs))
    if not sets:
        raise ConfigError("no questions selected")

    # Each knowledge base gets its own embedded store, never a configured server's collection.
    settings = dataclasses.replace(settings, knowledge=dataclasses.replace(settings.knowledge, qdrant_url="",
                                                                           collection="eval"))
    manifest = load_manifest(settings.manifest_path) if settings.manifest_path.exists() else None
    report: dict[str, Any] = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "commit": _commit(),
        "config": opts.config or "",
        "llm": "", "embeddings": "",
        "settings": {"top_k": settings.knowledge.top_k, "min_score": settings.knowledge.min_score,
                     "time_budget_s": settings.llm.time_budget_s, "threads": ThreadPlan.for_box(settings).llm,
                     "max_tokens": settings.llm.max_tokens, "lead_words": settings.agent.lead_words},
        "kbs": {},
    }
    embedder, model = None, None
    all_rows: list[Scored] = []
    summaries: dict[str, dict[str, Any]] = {}
    t_start = time.monotonic()
    for folder, qs in sets:
        with tempfile.TemporaryDirectory(prefix=f"appliance-eval-{qs.kb}-") as tmp:
            t0 = time.monotonic()
            with _data_dir(Path(tmp)):
                store = create_knowledge_store(settings, manifest, embedder=embedder)
            try:
                ingest = store.ingest(folder)
                embedder = store.embedder
                agent = create_agent(settings, manifest, store, model=model)
                if model is None:
                    model = agent.model
                    report["llm"] = str(getattr(model, "path", "") or "")
                    report["embeddings"] = str(getattr(embedder, "model_id", "") or "")
                primed = agent.prime() if opts.prime and hasattr(agent, "prime") else 0
                progress(f"eval {qs.kb}: {len(ingest.added)} documents, {ingest.chunks} chunks"
                         + (f", skipped {dict(ingest.skipped)}" if ingest.skipped else "")
                         + f", {primed} primed ({time.monotonic() - t0:.1f} s); {len(qs.questions)} questions")
                asker = _Asker(agent, settings.agent.history_turns)
                rows = []
                for q in qs.questions:
                    s = asker.run(q)
                    rows.append(s)
                    mark = "ok " if s.correct else "BAD"
                    why = ""
                    if not s.correct:
                        why = (f" missing {s.missing}" if s.missing else "") + (
                            f" said {s.forbidden}" if s.forbidden else "") + (
                            " declined" if s.declined and q.is_fact else "") + (
                            " not declined" if q.kind == "out_of_kb" and not s.declined else "")
                    fw = "-" if s.first_words_s is None else f"{s.first_words_s * 1000:.0f} ms"
                    progress(f"  {mark} {q.id:<24} {q.kind:<16} {fw:>8}  {s.answer[:110]!r}{why}"
                             + (f"  BROKEN {s.broken}" if s.broken else ""))
            finally:
                store.close()
        summaries[qs.kb] = summarise(rows)
        report["kbs"][qs.kb] = {"documents": sorted(ingest.added), "chunks": ingest.chunks,
                                "summary": summaries[qs.kb], "answers": [r.as_dict() for r in rows]}
        all_rows += rows
    summaries["all"] = summarise(all_rows)
    report["all"] = summaries["all"]
    report["took_s"] = round(time.monotonic() - t_start, 1)
    report["table"] = table(summaries)
    if opts.out is not None:
        opts.out.parent.mkdir(parents=True, exist_ok=True)
        opts.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return report
