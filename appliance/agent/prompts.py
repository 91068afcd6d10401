"""The agent's editable phrases and its prompt, in the format the model was trained on.

Prompts live in a TOML file (the packaged ``prompts.toml`` unless agent.prompts_file names
another).  The model manifest's ``prompt_format`` says how they are laid out:

- ``completion`` (a base model): a document to continue: instructions, worked examples,
  then the retrieved context and the caller's question, quoted on one line, and "Answer:";
- ``chatml`` (Qwen and other instruct models): the instructions as the system message, each
  example as a user turn (context and question) and an assistant turn (the answer), then the
  caller's turn.

Either way the prompt starts with a fixed prefix and then "Context: <passage>", so the
model's state after them can be saved per passage (prompt_states) and only the question is
evaluated per answer.  Phrases and prompts are templates filled with the company's identity
(``{company}``, ``{trade}``; see appliance.agent.company).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path

from appliance.agent.company import CompanyIdentity, render
from appliance.config.errors import ConfigError
from appliance.config.tomlfile import read_toml

PACKAGED_PROMPTS = Path(__file__).with_name("prompts.toml")
_REQUIRED = ("greeting", "fallback", "instructions")
FORMATS = ("completion", "chatml")
_IM_START, _IM_END = "<|im_start|>", "<|im_end|>"


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
    #: Instructions for an instruct (chat) model, its system message; empty: ``instructions``.
    chat_instructions: str = ""
    #: Said between opening words already spoken and the checked sentence from the knowledge
    #: base that replaces the model's rejected rest ("The UTM-300 costs ... Let me be exact: ...").
    repair: str = "Let me be exact:"
    #: The fixed phrases of a call (farewell, transfer, ...), by the names of call.engines.Phrases.
    phrases: dict[str, str] = field(default_factory=dict)
    #: How the prompt is laid out for the model: "completion" or "chatml" (the manifest says).
    format: str = "completion"

    def for_company(self, identity: CompanyIdentity) -> Prompts:
        """These prompts with the company's name and trade filled in (parts naming an unknown
        one dropped); the config's ``company.greeting`` replaces the greeting."""
        values = identity.values()
        fill = lambda text: render(text, values)  # noqa: E731
        return dataclasses.replace(
            self,
            greeting=fill(identity.greeting or self.greeting),
            fallback=fill(self.fallback),
            error_fallback=fill(self.error_fallback),
            instructions=fill(self.instructions),
            chat_instructions=fill(self.chat_instructions),
            asr_prompt=fill(self.asr_prompt),
            phrases={k: fill(v) for k, v in self.phrases.items()},
            examples=[{k: fill(v) for k, v in ex.items()} for ex in self.examples],
        )

    def with_format(self, fmt: str) -> Prompts:
        if fmt not in FORMATS:
            raise ConfigError(f"prompt_format {fmt!r} in the model manifest is not one of {', '.join(FORMATS)}")
        return dataclasses.replace(self, format=fmt)

    @property
    def context_open(self) -> str:
        """What comes between the prefix and "Context: <passage>"."""
        return f"{_IM_START}user\n" if self.format == "chatml" else ""

    @property
    def answer_open(self) -> str:
        """What ends the prompt, after the question line: the model writes the answer next."""
        return f"{_IM_END}\n{_IM_START}assistant\n" if self.format == "chatml" else "\nAnswer:"

    @property
    def stop(self) -> list[str]:
        """Where an answer ends: its line (and a chat model's end of turn)."""
        base = ["\n", "Question:", "Context:", "Answer:"]
        return base + [_IM_END, _IM_START] if self.format == "chatml" else base

    def prefix(self) -> str:
        """The fixed start of every prompt (kept identical so llama.cpp reuses its KV cache)."""
        if self.format == "chatml":
            system = (self.chat_instructions or self.instructions).strip()
            parts = [f"{_IM_START}system\n{system}{_IM_END}\n"]
            for ex in self.examples:
                parts.append(
                    f"{_IM_START}user\nContext: {one_line(ex.get('context', ''))}\n"
                    f"Question: {quote_caller(ex.get('question', ''))}{_IM_END}\n"
                    f"{_IM_START}assistant\n{one_line(ex.get('answer', ''))}{_IM_END}\n"
                )
            return "".join(parts)
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
    text = text.replace("<|", "< |").replace("|>", "| >")  # no chat-template markers
    return f'"{text}"'


def load_prompts(path: str | Path | None = None) -> Prompts:
    """Read a prompts file; ConfigError with one line if it is missing or malformed."""
    p = Path(path) if path else PACKAGED_PROMPTS
    raw = read_toml(p, "agent.prompts_file:")
    missing = [k for k in _REQUIRED if not isinstance(raw.get(k), str) or not raw[k].strip()]
    if missing:
        raise ConfigError(f"agent.prompts_file: {p} lacks {', '.join(missing)}")
    known = {"greeting", "fallback", "instructions", "error_fallback", "no_answer", "examples", "asr_prompt",
             "chat_instructions", "repair", "phrases"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"agent.prompts_file: {p}: unknown key {unknown[0]} (known: {', '.join(sorted(known))})")
    examples = raw.get("examples", [])
    if not isinstance(examples, list) or not all(
        isinstance(e, dict) and all(isinstance(e.get(k), str) for k in ("context", "question", "answer")) for e in examples
    ):
        raise ConfigError(f"agent.prompts_file: {p}: each [[examples]] needs context, question and answer strings")
    phrases = raw.get("phrases", {})
    if not isinstance(phrases, dict) or not all(isinstance(v, str) for v in phrases.values()):
        raise ConfigError(f"agent.prompts_file: {p}: [phrases] holds strings (farewell = \"...\")")
    return Prompts(
        greeting=raw["greeting"].strip(),
        fallback=raw["fallback"].strip(),
        instructions=raw["instructions"],
        error_fallback=(raw.get("error_fallback") or raw["fallback"]).strip(),
        no_answer=(raw.get("no_answer") or "I'm sorry, I don't have that information.").strip(),
        examples=examples,
        asr_prompt=one_line(str(raw.get("asr_prompt", ""))),
        chat_instructions=str(raw.get("chat_instructions", "")),
        repair=one_line(str(raw.get("repair", "Let me be exact:"))),
        phrases={k: one_line(v) for k, v in phrases.items()},
    )
