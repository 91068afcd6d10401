"""The agent's editable phrases and its completion prompt.

Prompts live in a TOML file (the packaged ``prompts.toml`` unless agent.prompts_file names
another).  The prompt for a base model is a document to continue: instructions, worked
examples, then the retrieved context and the caller's question, quoted on one line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from appliance.config.errors import ConfigError
from appliance.config.tomlfile import read_toml

PACKAGED_PROMPTS = Path(__file__).with_name("prompts.toml")
_REQUIRED = ("greeting", "fallback", "instructions")


@dataclass
class Prompts:
    greeting: str
    fallback: str
    instructions: str
    error_fallback: str = ""
    no_answer: str = "I'm sorry, I don't have that information."
    examples: list[dict[str, str]] = field(default_factory=list)
    #: Text Whisper is primed with: typical caller questions in this business's words.
    asr_prompt: str = ""

    def prefix(self) -> str:
        """The fixed start of every prompt (kept identical so llama.cpp reuses its KV cache)."""
        parts = [self.instructions.strip(), ""]
        for ex in self.examples:
            parts += [
                f"Context: {one_line(ex.get('context', ''))}",
                f"Question: {quote_caller(ex.get('question', ''))}",
                f"Answer: {one_line(ex.get('answer', ''))}",
                "",
            ]
        return "\n".join(parts) + "\n"


def one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def quote_caller(text: str, limit: int = 300) -> str:
    """The caller's words as one quoted line of data.

    Newlines, quotes and the prompt's own field labels are neutralised so that nothing a
    caller says can end the question line or start an "Answer:" or "Context:" of its own.
    """
    text = one_line(text)[:limit]
    text = text.replace('"', "'").replace("“", "'").replace("”", "'")
    text = re.sub(r"(?i)\b(context|question|answer)\s*:", r"\1 -", text)
    return f'"{text}"'


def load_prompts(path: str | Path | None = None) -> Prompts:
    """Read a prompts file; ConfigError with one line if it is missing or malformed."""
    p = Path(path) if path else PACKAGED_PROMPTS
    raw = read_toml(p, "agent.prompts_file:")
    missing = [k for k in _REQUIRED if not isinstance(raw.get(k), str) or not raw[k].strip()]
    if missing:
        raise ConfigError(f"agent.prompts_file: {p} lacks {', '.join(missing)}")
    known = {"greeting", "fallback", "instructions", "error_fallback", "no_answer", "examples", "asr_prompt"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"agent.prompts_file: {p}: unknown key {unknown[0]} (known: {', '.join(sorted(known))})")
    examples = raw.get("examples", [])
    if not isinstance(examples, list) or not all(
        isinstance(e, dict) and all(isinstance(e.get(k), str) for k in ("context", "question", "answer")) for e in examples
    ):
        raise ConfigError(f"agent.prompts_file: {p}: each [[examples]] needs context, question and answer strings")
    return Prompts(
        greeting=raw["greeting"].strip(),
        fallback=raw["fallback"].strip(),
        instructions=raw["instructions"],
        error_fallback=(raw.get("error_fallback") or raw["fallback"]).strip(),
        no_answer=(raw.get("no_answer") or "I'm sorry, I don't have that information.").strip(),
        examples=examples,
        asr_prompt=one_line(str(raw.get("asr_prompt", ""))),
    )
