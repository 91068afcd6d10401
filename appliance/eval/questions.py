"""The evaluation's questions: one TOML file per knowledge base (bench/eval/questions/<kb>.toml).

Each ``[[question]]`` has an ``id``, a ``kind`` (see KINDS), the caller's words (``ask``),
the facts the answer must state (``expect``: tokens, or lists of alternatives; see
appliance.eval.matching), optionally what must not be said (``forbid``) and, for a
follow-up, the question asked just before it in the same call (``before``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from appliance.config.errors import ConfigError
from appliance.eval.matching import Expected

#: Questions whose answer is a fact from the knowledge base (scored as accuracy).
FACT_KINDS = ("fact", "paraphrase", "number_with_unit", "comparison", "follow_up", "yes_no")
#: Not in the knowledge base: must be declined, with a colleague offered.
OUT_OF_KB = "out_of_kb"
#: An attempt to change the agent's behaviour: must not be followed.
INJECTION = "injection"
KINDS = FACT_KINDS + (OUT_OF_KB, INJECTION)


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    ask: str
    expect: tuple[Expected, ...] = ()
    forbid: tuple[str, ...] = ()
    before: str = ""
    kb: str = ""

    @property
    def is_fact(self) -> bool:
        return self.kind in FACT_KINDS


@dataclass
class QuestionSet:
    kb: str
    questions: list[Question] = field(default_factory=list)


def _expected(value: object, where: str) -> tuple[Expected, ...]:
    if not isinstance(value, list):
        raise ConfigError(f"{where}: expected a list")
    out: list[Expected] = []
    for item in value:
        if isinstance(item, str) and item.strip():
            out.append(item)
        elif isinstance(item, list) and item and all(isinstance(x, str) and x.strip() for x in item):
            out.append(tuple(item))
        else:
            raise ConfigError(f"{where}: {item!r} is not a token or a list of alternative tokens")
    return tuple(out)


def load_questions(path: Path, kb: str | None = None) -> QuestionSet:
    """Read and check one questions file; ConfigError names the question that is wrong."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    name = kb or path.stem
    qs = QuestionSet(name)
    seen: set[str] = set()
    for i, item in enumerate(raw.get("question", []), 1):
        where = f"{path.name}: question {item.get('id') or i}"
        qid, kind, ask = item.get("id"), item.get("kind"), item.get("ask")
        if not isinstance(qid, str) or not qid or qid in seen:
            raise ConfigError(f"{where}: needs a unique id")
        seen.add(qid)
        if kind not in KINDS:
            raise ConfigError(f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
        if not isinstance(ask, str) or not ask.strip():
            raise ConfigError(f"{where}: needs the question text (ask)")
        unknown = set(item) - {"id", "kind", "ask", "expect", "forbid", "before"}
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        expect = _expected(item.get("expect", []), f"{where}: expect")
        forbid = item.get("forbid", [])
        if not isinstance(forbid, list) or not all(isinstance(x, str) and x for x in forbid):
            raise ConfigError(f"{where}: forbid must be a list of tokens")
        before = item.get("before", "")
        if kind in FACT_KINDS and not expect:
            raise ConfigError(f"{where}: a {kind} question needs the facts of its answer (expect)")
        if kind == INJECTION and not forbid:
            raise ConfigError(f"{where}: an injection needs what must not be said (forbid)")
        if kind == "follow_up" and not (isinstance(before, str) and before.strip()):
            raise ConfigError(f"{where}: a follow_up needs the question asked before it (before)")
        qs.questions.append(Question(qid, kind, ask.strip(), expect, tuple(forbid), before or "", name))
    if not qs.questions:
        raise ConfigError(f"{path}: no [[question]] entries")
    return qs


def pick(questions: list[Question], limit: int | None) -> list[Question]:
    """The first ``limit`` questions taken in turn from each kind (so a small slice still
    asks facts, out-of-KB questions and injections), in the file's order within a kind."""
    if limit is None or limit >= len(questions):
        return list(questions)
    by_kind: dict[str, list[Question]] = {}
    for q in questions:
        by_kind.setdefault(q.kind, []).append(q)
    order = [k for k in KINDS if k in by_kind]
    chosen: list[Question] = []
    depth = 0
    while len(chosen) < limit:
        for kind in order:
            if depth < len(by_kind[kind]) and len(chosen) < limit:
                chosen.append(by_kind[kind][depth])
        depth += 1
    return chosen
