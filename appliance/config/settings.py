"""The appliance's one configuration file, as typed dataclasses.

Every setting lives in one TOML file (``appliance.toml``; the documented example is
``appliance/config/appliance.example.toml``).  Each TOML table maps onto one dataclass
below; a value of the wrong type, outside its range, or a key we do not know stops the
service at start with one line naming the key and what is allowed, instead of failing
mid-call.  Field metadata carries the range or choice list so the check lives next to the
setting it guards.
"""

from __future__ import annotations

import dataclasses
import os
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from appliance.config.errors import ConfigError
from appliance.config.tomlfile import read_toml


def _range(lo: float | None = None, hi: float | None = None, **extra: Any) -> dict[str, Any]:
    return {"range": (lo, hi), **extra}


def _choice(*options: str) -> dict[str, Any]:
    return {"choices": options}


@dataclass
class AriSettings:
    """Where Asterisk's REST interface is and who we are to it."""

    url: str = "http://127.0.0.1:8088"
    username: str = "appliance"
    password: str = ""
    #: File holding the ARI password (provisioning writes it 0600); used when password is empty.
    password_file: str = ""
    app: str = "appliance"
    #: Longest wait between reconnect attempts when Asterisk is down.
    reconnect_max_s: float = field(default=10.0, metadata=_range(0.5, 300))

    def resolved_password(self) -> str:
        if self.password:
            return self.password
        if self.password_file:
            try:
                return Path(self.password_file).read_text().strip()
            except OSError as exc:
                raise ConfigError(f"ari.password_file: cannot read {self.password_file}: {exc.strerror}") from exc
        raise ConfigError("ari.password or ari.password_file must be set")


@dataclass
class RtpSettings:
    """Our end of the externalMedia RTP stream."""

    bind_host: str = "127.0.0.1"
    #: Address Asterisk should send RTP to (our address as Asterisk sees it).
    advertise_host: str = "127.0.0.1"
    port_min: int = field(default=20000, metadata=_range(1024, 65535))
    port_max: int = field(default=20999, metadata=_range(1024, 65535))
    codec: str = field(default="ulaw", metadata=_choice("ulaw", "alaw"))


@dataclass
class DialplanSettings:
    """Where a call goes when it leaves the agent for a person."""

    operator_context: str = "appliance-operator"
    operator_extension: str = "100"
    operator_priority: int = field(default=1, metadata=_range(1, 1000))


@dataclass
class VadSettings:
    """Silero VAD thresholds that decide when a caller starts and stops speaking."""

    threshold: float = field(default=0.5, metadata=_range(0.05, 0.95))
    min_speech_ms: int = field(default=160, metadata=_range(20, 5000))
    #: Longest silence that ends a turn. With the turn model on, most finished sentences end
    #: after ``turn_silence_ms`` instead; this only bounds the unsure ones (bench/turn_eval.py:
    #: 285 ms median on finished sentences, and fewer mid-sentence pauses cut than plain 500 ms).
    end_silence_ms: int = field(default=1000, metadata=_range(60, 5000))
    #: End-of-turn model (Smart Turn, manifest role ``turn``), used when on and installed:
    #: after ``turn_silence_ms`` of silence the turn ends if the model's probability that the
    #: caller has finished is at least ``turn_threshold``; otherwise after ``end_silence_ms``.
    turn_model: bool = True
    turn_threshold: float = field(default=0.5, metadata=_range(0.05, 0.99))
    turn_silence_ms: int = field(default=200, metadata=_range(60, 5000))
    #: Silence after which the answer is started early, on the words heard so far, while
    #: the end of the turn is still being decided; kept when the turn ends there, dropped
    #: when the caller goes on. 0 turns it off. (Faster-whisper only: Vosk has no pause.)
    pause_ms: int = field(default=96, metadata=_range(0, 5000))


@dataclass
class AsrSettings:
    """Speech recognition engine choice and its tuning."""

    engine: str = field(default="faster-whisper", metadata=_choice("faster-whisper", "vosk"))
    #: The manifest role of the recogniser's model; empty: the engine's default role ("asr" for
    #: faster-whisper, "asr_vosk" for Vosk).  The language pack sets it ("asr_ru").
    role: str = ""
    beam_size: int = field(default=1, metadata=_range(1, 10))
    #: CTranslate2 threads per transcription.
    threads: int = field(default=1, metadata=_range(1, 64))
    #: Transcriptions that run at once across calls; 0: one per ``threads`` cores
    #: (appliance/config/threads.py).
    workers: int = field(default=0, metadata=_range(0, 64))
    #: Run Whisper's encoder on the utterance's length (>= 10 s) rather than a padded 30 s:
    #: about 4x faster per turn, same transcripts on our tests.
    short_context: bool = True
    #: Words to bias recognition towards (product names...). Empty: taken from the knowledge base.
    vocabulary: str = ""


@dataclass
class TtsSettings:
    """Speech synthesis: Piper (a manifest voice) or Festival (a system voice)."""

    #: "piper": the manifest's ``role`` voice (.onnx); "festival": the Debian festival voice
    #: ``voice`` (the Russian pack's default, msu_ru_nsh_clunits from festvox-ru).
    engine: str = field(default="piper", metadata=_choice("piper", "festival"))
    #: Piper's manifest role ("tts"; a Russian Piper voice put in the manifest as "tts_ru").
    role: str = "tts"
    #: Festival's voice (without the "voice_" prefix).
    voice: str = "msu_ru_nsh_clunits"
    length_scale: float = field(default=1.0, metadata=_range(0.3, 3.0))
    #: Output level the synthesised speech is normalised to, in dBFS (RMS).
    target_dbfs: float = field(default=-20.0, metadata=_range(-40.0, -6.0))
    #: Silence between sentences of one answer.
    sentence_pause_ms: int = field(default=150, metadata=_range(0, 2000))
    #: A long first sentence (5 words or more) is synthesised in two pieces, its opening
    #: phrase of about this many words first, so the caller hears it while the rest is
    #: synthesised (appliance/speech_out/phrases.py); 0: every sentence is synthesised whole.
    #: Piper only: festival starts a process per piece, which costs more than it saves.
    first_phrase_words: int = field(default=4, metadata=_range(0, 12))


@dataclass
class LlmSettings:
    """Which language model answers, and its llama.cpp generation budget."""

    #: The model manifest's role (table) the agent loads: "llm" (the default model), or an
    #: alternative the manifest lists, e.g. "llm_qwen_1_5b" (install it first:
    #: `appliance models install llm_qwen_1_5b`).  The role's prompt_format says its template.
    role: str = "llm"
    #: llama.cpp's decode threads; 0: every core this process may use (appliance/config/threads.py).
    threads: int = field(default=0, metadata=_range(0, 64))
    context: int = field(default=2048, metadata=_range(256, 131072))
    max_tokens: int = field(default=96, metadata=_range(8, 4096))
    temperature: float = field(default=0.0, metadata=_range(0.0, 2.0))
    #: The model's time for one answer, counted from when it starts on it (not from the
    #: question: waiting for a free sequence on a busy box does not count); past it with
    #: nothing said, the caller hears the error fallback.
    time_budget_s: float = field(default=8.0, metadata=_range(0.5, 120))
    #: Past ``time_budget_s``, an answer goes on while its tokens keep coming, each within
    #: this many seconds of the last: a busy box answers late rather than giving up.
    token_gap_s: float = field(default=2.0, metadata=_range(0.0, 60))
    #: The hard ceiling from the question to the end of the answer, waiting included.
    max_answer_s: float = field(default=30.0, metadata=_range(0.5, 600))
    #: llama.cpp CPU weight repacking (AMX/extra buffers); off: some VMs advertise AMX but fault on it.
    cpu_repack: bool = False
    #: Memory for saved prompt states, one per knowledge-base passage (~7 MB each with the
    #: default model): an answer from a saved passage skips ~0.3 s of prompt evaluation.
    #: 0: none saved (every answer evaluates its passage).
    prompt_cache_mb: int = field(default=512, metadata=_range(0, 65536))
    #: Answers the model writes at once (one llama.cpp sequence each, decoded in one batch);
    #: more simultaneous questions wait for a free one.  Each holds ``context`` tokens of KV cache.
    parallel: int = field(default=4, metadata=_range(1, 64))


@dataclass
class KnowledgeSettings:
    """The knowledge base: where it comes from and how it is searched."""

    #: Folder of documents ingested at provisioning (relative to the config file).  It must
    #: exist (the service stops at start otherwise; see knowledge_source); empty is fine.
    source_dir: str = "kb/sample"
    #: Empty: embedded on-disk Qdrant in the data dir. Set: a Qdrant server or cluster.
    qdrant_url: str = ""
    collection: str = "knowledge"
    #: The manifest role of the embedding model: "embeddings" (MiniLM, English) or
    #: "embeddings_ru" (multilingual USE v3, the Russian pack's).  Another model needs another
    #: ``collection`` (its vectors differ).
    embeddings_role: str = "embeddings"
    top_k: int = field(default=3, metadata=_range(1, 20))
    #: The cosine similarity a passage needs to be relevant when it has none of the question's
    #: rare words; the more of them it has, the less it needs (knowledge.rerank).  A product
    #: code asked about that the passage lacks (or no document names) makes it irrelevant.
    #: With no relevant passage the agent says the fallback phrase.
    min_score: float = field(default=0.30, metadata=_range(0.0, 1.0))
    chunk_chars: int = field(default=800, metadata=_range(100, 8000))
    separator: str = "<<->>"
    #: Every document is read in a child process under these limits (an upload that passes
    #: one is refused, and the uploader told which): wall-clock and CPU seconds, memory...
    parse_timeout_s: float = field(default=60.0, metadata=_range(1, 3600))
    parse_memory_mb: int = field(default=1024, metadata=_range(256, 65536))
    #: ...characters of text one document may hold...
    max_document_chars: int = field(default=2_000_000, metadata=_range(1000, 100_000_000))
    #: ...and what a .docx's XML may unpack to (its zip's declared sizes, checked before unpacking).
    max_unpacked_mb: float = field(default=16.0, metadata=_range(1, 4096))


@dataclass
class AgentSettings:
    """What the agent says and remembers."""

    #: Editable prompts (system prompt, greeting, fallbacks), relative to the config file.
    prompts_file: str = ""
    history_turns: int = field(default=4, metadata=_range(0, 50))
    #: The language pack (appliance/lang/<name>.toml, or a path to one): "en" or "ru".  It
    #: chooses the recogniser, voice, embedding and language models, the prompts and phrases,
    #: the number reading and the intent words; a key this file sets itself wins over the pack's.
    language: str = "en"
    #: The first sentence's opening words are spoken once this many are written and checked,
    #: while the model writes the rest (0: whole sentences only).
    lead_words: int = field(default=3, metadata=_range(0, 20))
    #: A question for a figure (a price, a weight, an address) that a sentence or table row of
    #: the knowledge base states for what was asked is answered with that sentence, cut to
    #: the figure asked, without the model: it is the figure itself, said at once.  False:
    #: the model words every answer, and that sentence is its fallback.
    figures_from_documents: bool = True


@dataclass
class CompanySettings:
    """Who the appliance answers for.  Empty: taken from the knowledge base (the title of its
    company page, the name its documents introduce), so a new knowledge base brings its own."""

    #: The company's name as callers should hear it ("Acme Bakery").
    name: str = ""
    #: What it is, said after the name in the greeting ("a family bakery in Leeds").
    trade: str = ""
    #: The whole greeting ({company} and {trade} are filled in); empty: the prompts file's.
    greeting: str = ""


@dataclass
class CallSettings:
    """Turn-taking and the call's limits."""

    #: "conversation": the agent answers; "echo": greeting then echo (telephony smoke test);
    #: "baseline": record-then-answer, the benchmark's comparison pipeline (appliance/bench).
    mode: str = field(default="conversation", metadata=_choice("conversation", "echo", "baseline"))
    barge_in_guard_ms: int = field(default=400, metadata=_range(0, 5000))
    #: Caller speech must last this long to interrupt us: back-channels ("uh-huh", "yes",
    #: 0.2-0.5 s voiced with the default voice) don't; a question does.
    barge_in_min_speech_ms: int = field(default=600, metadata=_range(0, 5000))
    reprompt_after_s: float = field(default=8.0, metadata=_range(1, 120))
    max_reprompts: int = field(default=2, metadata=_range(0, 10))
    max_call_s: float = field(default=600.0, metadata=_range(10, 86400))
    max_unanswered_turns: int = field(default=2, metadata=_range(1, 20))
    #: Longest silence the caller hears while we think; past it we say "one moment, please".
    max_dead_air_s: float = field(default=2.5, metadata=_range(0.5, 30))
    record_audio: bool = False
    #: Calls the agent answers at once; 0: no limit.  Past it the box would answer every
    #: caller late and with gaps, so the extra caller waits or is told (``when_full``).  Size it
    #: from ``make bench`` (its ``capacity``: the most calls answered at p95 <= 1.5 s with no
    #: late frames; bench/README.md, "Sizing").
    max_calls: int = field(default=2, metadata=_range(0, 1000))
    #: "wait": the extra caller hears ringing until a line frees (up to ``queue_wait_s``), then
    #: the agent answers; "busy": answered at once with the short ``busy`` phrase, then hung up.
    when_full: str = field(default="wait", metadata=_choice("wait", "busy"))
    #: Longest a caller rings in the queue before hearing the ``busy`` phrase.
    queue_wait_s: float = field(default=30.0, metadata=_range(0, 3600))


@dataclass
class WebSettings:
    """The admin console."""

    host: str = "127.0.0.1"
    port: int = field(default=8080, metadata=_range(0, 65535))
    #: scrypt hash of the admin password (``appliance web passwd`` prints one); empty: no sign-in.
    password_hash: str = ""
    #: /metrics without sign-in (Prometheus scrapers); off: a session or the bearer token below.
    metrics_public: bool = True
    #: Bearer token a scraper may send for /metrics when metrics_public is off (empty: none).
    metrics_token: str = ""
    #: Largest knowledge-base document the console accepts.
    max_upload_mb: float = field(default=10.0, metadata=_range(0.1, 1024))


@dataclass
class WebhookSettings:
    """The sales team's HTTP endpoint (an on-prem CRM): each lead POSTed as signed JSON."""

    #: Empty: no webhook.  http:// or https://.
    url: str = ""
    #: File holding the shared HMAC-SHA256 secret (mode 0600; the service refuses to start otherwise).
    secret_file: str = ""
    timeout_s: float = field(default=10.0, metadata=_range(0.5, 300))
    #: CA bundle for an https URL signed by an in-house CA (empty: the system's).
    ca_file: str = ""


@dataclass
class MailSettings:
    """The site's mail relay: one plain-text message per lead, in the agent's language."""

    #: Empty: no mail.
    smtp_host: str = ""
    smtp_port: int = field(default=25, metadata=_range(1, 65535))
    starttls: bool = False
    #: File with the relay's user name on the first line and password on the second (mode
    #: 0600); empty: no AUTH.
    credentials_file: str = ""
    #: CA bundle for the relay's STARTTLS certificate (empty: the system's).
    ca_file: str = ""
    from_addr: str = ""
    #: Recipients (the sales team's mailbox or list).
    to: list[str] = field(default_factory=list)
    timeout_s: float = field(default=20.0, metadata=_range(0.5, 300))


@dataclass
class LeadSettings:
    """Where leads go once stored: a webhook, mail, both or neither (the console always lists them)."""

    #: First retry after this long; each failure doubles the wait up to ``retry_max_s``.
    retry_initial_s: float = field(default=30.0, metadata=_range(0.01, 86400))
    retry_max_s: float = field(default=3600.0, metadata=_range(0.01, 7 * 86400))
    #: Give up (state "failed", shown in the console, retried by hand) after this many
    #: attempts; 0: keep retrying.
    max_attempts: int = field(default=0, metadata=_range(0, 100000))
    #: The console's address as the sales team reaches it (https://pbx.example/): mail and
    #: webhook carry a link to the call.  Empty: no link.
    console_url: str = ""
    webhook: WebhookSettings = field(default_factory=WebhookSettings)
    mail: MailSettings = field(default_factory=MailSettings)

    def channels(self) -> tuple[str, ...]:
        """The delivery channels configured, in the order they are tried."""
        return tuple(name for name, on in (("webhook", bool(self.webhook.url)), ("mail", bool(self.mail.smtp_host))) if on)


@dataclass
class Settings:
    """The whole configuration; ``load_settings`` builds and validates it."""

    data_dir: str = "data"
    models_manifest: str = "models/manifest.toml"
    log_level: str = field(default="info", metadata=_choice("debug", "info", "warning", "error"))
    ari: AriSettings = field(default_factory=AriSettings)
    rtp: RtpSettings = field(default_factory=RtpSettings)
    dialplan: DialplanSettings = field(default_factory=DialplanSettings)
    vad: VadSettings = field(default_factory=VadSettings)
    asr: AsrSettings = field(default_factory=AsrSettings)
    tts: TtsSettings = field(default_factory=TtsSettings)
    llm: LlmSettings = field(default_factory=LlmSettings)
    knowledge: KnowledgeSettings = field(default_factory=KnowledgeSettings)
    agent: AgentSettings = field(default_factory=AgentSettings)
    company: CompanySettings = field(default_factory=CompanySettings)
    call: CallSettings = field(default_factory=CallSettings)
    web: WebSettings = field(default_factory=WebSettings)
    leads: LeadSettings = field(default_factory=LeadSettings)
    #: Folder of the config file; relative paths in it are resolved against this.
    base_dir: Path = field(default_factory=Path.cwd, metadata={"internal": True})

    def resolve(self, path: str) -> Path:
        """A path from the config, absolute, relative to the config file's folder."""
        p = Path(os.path.expanduser(path))
        return p if p.is_absolute() else (self.base_dir / p).resolve()

    @property
    def data_path(self) -> Path:
        """The one folder for the store, caches and call records (APPLIANCE_DATA_DIR wins)."""
        env = os.environ.get("APPLIANCE_DATA_DIR")
        return Path(env).resolve() if env else self.resolve(self.data_dir)

    @property
    def manifest_path(self) -> Path:
        return self.resolve(self.models_manifest)


def _check_value(where: str, value: Any, f: dataclasses.Field[Any], hint: Any) -> Any:
    """Coerce ints to floats where a float is wanted; reject anything else off-type or off-range."""
    origin = typing.get_origin(hint)
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    expected = hint if origin is None else origin
    if expected is types.UnionType:
        expected = tuple(a for a in typing.get_args(hint))
    if hint is int and isinstance(value, bool) or not isinstance(value, expected):
        name = getattr(hint, "__name__", str(hint))
        raise ConfigError(f"{where}: expected {name}, got {type(value).__name__} {value!r}")
    lo, hi = f.metadata.get("range", (None, None))
    if lo is not None and value < lo or hi is not None and value > hi:
        raise ConfigError(f"{where}: {value!r} is outside {lo}..{hi}")
    choices = f.metadata.get("choices")
    if choices and value not in choices:
        raise ConfigError(f"{where}: {value!r} is not one of {', '.join(choices)}")
    return value


def _build(cls: type, raw: dict[str, Any], prefix: str) -> Any:
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls) if not f.metadata.get("internal")}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        where = f"{prefix}{unknown[0]}"
        raise ConfigError(f"{where}: unknown setting (known here: {', '.join(sorted(known))})")
    kwargs: dict[str, Any] = {}
    for name, value in raw.items():
        f, hint = known[name], hints[name]
        where = f"{prefix}{name}"
        if dataclasses.is_dataclass(hint):
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: expected a [{where}] table")
            kwargs[name] = _build(hint, value, f"{where}.")
        else:
            kwargs[name] = _check_value(where, value, f, hint)
    return cls(**kwargs)


_SCRYPT_HASH = re.compile(r"scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/]+={0,2}\$[A-Za-z0-9+/]+={0,2}")


def _cross_checks(s: Settings) -> None:
    if s.rtp.port_min > s.rtp.port_max:
        raise ConfigError(f"rtp.port_min {s.rtp.port_min} is above rtp.port_max {s.rtp.port_max}")
    if not s.ari.url.startswith(("http://", "https://")):
        raise ConfigError(f"ari.url: {s.ari.url!r} must start with http:// or https://")
    if s.knowledge.qdrant_url and not s.knowledge.qdrant_url.startswith(("http://", "https://")):
        raise ConfigError(f"knowledge.qdrant_url: {s.knowledge.qdrant_url!r} must be an http(s) URL or empty")
    if s.web.password_hash and not _SCRYPT_HASH.fullmatch(s.web.password_hash):
        # A mangled hash (e.g. "$" eaten by a shell or a template) would refuse every sign-in.
        raise ConfigError("web.password_hash: not a hash printed by `appliance web passwd` "
                          "(scrypt$<n>$<r>$<p>$<salt>$<hash>)")
    _lead_checks(s.leads)


def _lead_checks(leads: LeadSettings) -> None:
    """The shape of the delivery settings; the secret files are checked when the service starts."""
    w, m = leads.webhook, leads.mail
    if leads.retry_initial_s > leads.retry_max_s:
        raise ConfigError(f"leads.retry_initial_s {leads.retry_initial_s} is above leads.retry_max_s {leads.retry_max_s}")
    if leads.console_url and not leads.console_url.startswith(("http://", "https://")):
        raise ConfigError(f"leads.console_url: {leads.console_url!r} must be an http(s) URL or empty")
    if w.url:
        if not w.url.startswith(("http://", "https://")):
            raise ConfigError(f"leads.webhook.url: {w.url!r} must be an http(s) URL or empty")
        if not w.secret_file:
            raise ConfigError("leads.webhook.secret_file must be set when leads.webhook.url is (a 0600 file with the "
                              "HMAC secret)")
    if m.smtp_host:
        if not m.from_addr or "@" not in m.from_addr:
            raise ConfigError(f"leads.mail.from_addr: {m.from_addr!r} must be an e-mail address when "
                              "leads.mail.smtp_host is set")
        if not m.to:
            raise ConfigError("leads.mail.to must list at least one address when leads.mail.smtp_host is set")
        for i, addr in enumerate(m.to):
            if not isinstance(addr, str) or "@" not in addr:
                raise ConfigError(f"leads.mail.to[{i}]: {addr!r} is not an e-mail address")


def settings_from_dict(raw: dict[str, Any], base_dir: Path | None = None) -> Settings:
    """Build settings from an already-parsed table (tests and tools use this)."""
    from appliance.lang import apply_pack

    s = _build(Settings, raw, "")
    s.base_dir = (base_dir or Path.cwd()).resolve()
    apply_pack(s, raw)
    _cross_checks(s)
    return s


def load_settings(path: str | Path | None = None) -> Settings:
    """Read and validate the config file; with no file, the defaults (relative to cwd).

    The path may also come from APPLIANCE_CONFIG.  Raises ConfigError with one clear line.
    """
    path = path or os.environ.get("APPLIANCE_CONFIG")
    if not path:
        return settings_from_dict({}, Path.cwd())
    p = Path(path)
    raw = read_toml(p, "config file")
    try:
        return settings_from_dict(raw, p.parent)
    except ConfigError as exc:
        raise ConfigError(f"{p}: {exc}") from None
