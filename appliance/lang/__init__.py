"""Language packs: one config value (``agent.language``) chooses everything language-bound.

A pack is a TOML file in this folder (``en.toml``, ``ru.toml``) or any path to one.  It
names, for its language:

- the models, as manifest roles: the recogniser (``asr``) and the language Whisper is told,
  the embedding model (``embeddings``) and its Qdrant collection, the language model (``llm``);
- the voice: the synthesis engine (``piper`` with a manifest role, or ``festival`` with a
  voice name) and its sample rate;
- the prompts file (greeting, fallbacks, transfer, lead form, read-back, reprompts, goodbye,
  the model's instructions and worked examples);
- the words of the call's intents (a person, goodbye, a quote, yes, no, back-channels), read
  by appliance.call.intents.

The pack only supplies defaults: keys the config file sets to other values than their
defaults (``[llm] role``, ``[tts] engine`` and ``role``, ``[agent] prompts_file``...) are the
file's, so an integrator can take the Russian pack
and swap one model.  Switching language is a config change, never a code change.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from appliance.config.errors import ConfigError
from appliance.config.tomlfile import read_toml

PACKS_DIR = Path(__file__).parent
DEFAULT_PACK = "en"


@dataclass(frozen=True)
class LanguagePack:
    """One language's models, voice, prompts and intent words (see the module docstring)."""

    name: str
    #: ISO 639-1 code: Whisper's language, num2words' and the text normaliser's.
    code: str
    path: Path
    #: The config defaults this pack sets, as (table, key) -> value.
    defaults: dict[tuple[str, str], Any] = field(default_factory=dict)
    #: Intent name -> phrases (regular expressions over lower-case text, word-bounded).
    intents: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Words that are only a back-channel ("угу", "ага"), never a turn.
    fillers: frozenset[str] = frozenset()
    #: Spoken digits -> "0".."9".
    digit_words: dict[str, str] = field(default_factory=dict)
    #: Words heard for a digit ("for" for "four"), a digit only where another follows.
    digit_homophones: dict[str, str] = field(default_factory=dict)
    #: Phrases before a caller's name ("меня зовут"), regular expressions.
    name_intro: tuple[str, ...] = ()


#: The config keys a pack may set, in groups that go together: (table, keys).
_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("asr", ("role", "engine")),
    ("tts", ("engine", "role", "voice")),  # a voice is an engine and its voice name or role
    ("llm", ("role",)),
    ("knowledge", ("embeddings_role", "collection")),  # a model's vectors need their own collection
    ("knowledge", ("min_score",)),  # each embedding model has its own scale of similarities
    ("agent", ("prompts_file",)),
)
_SETTABLE: dict[str, tuple[str, ...]] = {}
for _table, _keys in _GROUPS:
    _SETTABLE[_table] = _SETTABLE.get(_table, ()) + _keys


def pack_path(name: str) -> Path:
    """The pack file for a name ("ru") or a path to a ``.toml`` file."""
    if name.endswith(".toml") or "/" in name:
        return Path(name).expanduser().resolve()
    return PACKS_DIR / f"{name}.toml"


def available_packs() -> list[str]:
    """The packaged packs' names."""
    return sorted(p.stem for p in PACKS_DIR.glob("*.toml") if not p.stem.startswith("prompts"))


@functools.lru_cache(maxsize=16)
def load_pack(name: str = DEFAULT_PACK) -> LanguagePack:
    """Read and check a pack; ConfigError with one line naming what is wrong."""
    path = pack_path(name)
    if not path.is_file():
        raise ConfigError(f"agent.language: no language pack {name!r} (packaged: {', '.join(available_packs())}; "
                          "or a path to a .toml pack)")
    raw = read_toml(path, "language pack")
    code = raw.get("code")
    if not isinstance(code, str) or not code:
        raise ConfigError(f"{path}: missing code (the ISO language code, e.g. \"ru\")")
    defaults: dict[tuple[str, str], Any] = {}
    for table, keys in _SETTABLE.items():
        section = raw.get(table, {})
        if not isinstance(section, dict):
            raise ConfigError(f"{path}: [{table}] must be a table")
        for key, value in section.items():
            if key not in keys:
                raise ConfigError(f"{path}: [{table}] {key}: a pack may set only {', '.join(keys)} here")
            if table == "agent" and key == "prompts_file" and value:
                value = str((path.parent / value).resolve())
            defaults[(table, key)] = value
    words = raw.get("intents", {})
    if not isinstance(words, dict):
        raise ConfigError(f"{path}: [intents] must be a table")
    intents = {k: tuple(str(x) for x in v) for k, v in words.items() if k not in ("fillers", "digits", "digit_homophones", "name_intro")}
    digits = words.get("digits", {})
    return LanguagePack(
        name=path.stem,
        code=code,
        path=path,
        defaults=defaults,
        intents=intents,
        fillers=frozenset(str(w) for w in words.get("fillers", [])),
        digit_words={str(k): str(v) for k, v in digits.items()},
        digit_homophones={str(k): str(v) for k, v in words.get("digit_homophones", {}).items()},
        name_intro=tuple(str(x) for x in words.get("name_intro", [])),
    )


def all_packs() -> list[LanguagePack]:
    """Every packaged pack (the intents listen for all their words: a caller who says
    "оператор" on an English line still reaches a person)."""
    return [load_pack(n) for n in available_packs()]


def apply_pack(settings: Any, raw: dict[str, Any]) -> None:
    """Fill the settings the config file leaves at their defaults from the pack ``agent.language``
    names.  Keys go in groups (_GROUPS): where the file sets one key of a group to another
    value than its default, the pack leaves the whole group alone: `[tts] engine = "piper"`,
    `role = "tts_ru"` is a Piper voice, not Piper with Festival's voice name.  (``raw``: the
    file's own table, unused: a value equal to the default is the default.)"""
    import dataclasses

    pack = load_pack(settings.agent.language)
    for table, keys in _GROUPS:
        section = getattr(settings, table)
        fields = {f.name: f for f in dataclasses.fields(section)}
        if any(getattr(section, key) != fields[key].default for key in keys):
            continue  # the config file's own choice (the group's keys go together)
        for key in keys:
            if (table, key) in pack.defaults:
                setattr(section, key, pack.defaults[(table, key)])


def language_code(language: str) -> str:
    """The ISO code of a pack name (what the normaliser and num2words take)."""
    try:
        return load_pack(language).code
    except ConfigError:
        return language[:2]


def roles_in_use(settings: Any) -> list[str]:
    """The manifest roles the configured language pack and settings load (``models verify``
    checks these even when they belong to an on-request group such as "ru")."""
    asr_default = {"faster-whisper": "asr", "vosk": "asr_vosk"}.get(settings.asr.engine, "asr")
    roles = [settings.asr.role or asr_default, settings.knowledge.embeddings_role, settings.llm.role]
    if settings.tts.engine == "piper":
        roles.append(settings.tts.role)
    return roles
