"""The models a running service shares across calls, loaded and warmed once at start.

Loading is where a bad model file must fail: ``Engines.load`` verifies the manifest and
loads every engine before the first call is taken, so a wrong file stops the service with
one clear line instead of failing mid-call.  Per-call state (VAD, recogniser) is cheap and
made fresh for each call from the shared models.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from appliance.agent.base import Agent
from appliance.config.manifest import Manifest, load_manifest
from appliance.config.settings import Settings
from appliance.config.threads import ThreadPlan, lower_thread_priority
from appliance.knowledge.base import KnowledgeStore
from appliance.knowledge.vocabulary import code_index, vocabulary_from_folder
from appliance.logs import log_event
from appliance.speech_in.base import SpeechRecognizer, VoiceActivityDetector
from appliance.speech_out.base import SpeechSynthesizer

log = logging.getLogger(__name__)

#: Enough for ~30 concurrent calls' replies plus fixed-phrase work.
MAX_MODEL_THREADS = 64


@dataclass
class Phrases:
    """Fixed things the agent says, synthesised once and cached.

    The defaults name no company; the prompts file's greeting and ``[phrases]`` (templates
    filled with the company's identity, appliance.agent.company) replace them.
    """

    greeting: str
    fallback: str
    reprompt: str = "Are you still there? How can I help you?"
    goodbye_silence: str = "I haven't heard anything, so I'll end the call now. Goodbye."
    farewell: str = "Thank you for calling. Goodbye!"
    transfer: str = "Of course. I'm putting you through to a colleague now. Please hold."
    apology: str = "Sorry, I didn't catch that. Could you say it again?"
    hold_on: str = "One moment, please."
    time_limit: str = "I'm sorry, we have reached the time limit for this call. Goodbye."
    lead_name: str = "I'd be glad to arrange that. May I have your name, please?"
    lead_contact: str = "Thank you. What phone number or e-mail address can our sales team reach you at?"
    lead_confirm: str = "Thank you, {name}. We will contact you at {contact}. Is that correct?"
    lead_retry: str = "Sorry about that. Please tell me the phone number or e-mail address again."
    lead_done: str = "Thank you. Our sales team will be in touch shortly. Is there anything else I can help with?"
    #: Every line is taken (``call.max_calls``): said to the extra caller, who is then hung up on.
    busy: str = "All our lines are busy at the moment. Please call again in a few minutes. Goodbye."


@dataclass
class Engines:
    """Shared models plus the worker threads that run them."""

    settings: Settings
    manifest: Manifest
    synthesizer: SpeechSynthesizer
    agent: Agent
    store: KnowledgeStore
    phrases: Phrases
    #: Domain words the recogniser is biased towards (from the knowledge base).
    vocabulary: str = ""
    #: The knowledge base's product codes by their spelling-free key (vocabulary.code_index):
    #: a lead lists the products discussed in the documents' spelling however they were heard.
    known_codes: dict[str, str] = field(default_factory=dict)
    #: Generation and synthesis run here, never on the event loop.  A streaming reply holds
    #: two threads for its whole length (one generating, one synthesising), mostly waiting on
    #: the model or on each other, so the pool is sized by calls, not by cores: a pool of
    #: 2 x cores made the third concurrent reply queue for a thread (bench: p50 13.7 s at
    #: 8 calls).  CPU parallelism is bounded by the model's engine and the cores, not by this.
    workers: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(
        max_workers=MAX_MODEL_THREADS, thread_name_prefix="model", initializer=lower_thread_priority))

    @staticmethod
    def phrases_from(prompts: Any) -> Phrases:
        """The call's fixed phrases from the (company-filled) prompts."""
        extra = {k: v for k, v in getattr(prompts, "phrases", {}).items() if k in Phrases.__dataclass_fields__}
        return Phrases(**{**extra, "greeting": prompts.greeting, "fallback": prompts.fallback})

    @classmethod
    def load(cls, settings: Settings) -> Engines:
        from appliance.agent import create_agent
        from appliance.config.errors import InputError
        from appliance.knowledge import create_knowledge_store, knowledge_source
        from appliance.speech_in.factory import create_recognizer
        from appliance.speech_out.factory import create_synthesizer

        t0 = time.monotonic()
        source = knowledge_source(settings)  # a missing folder stops the service now, with the key
        manifest = load_manifest(settings.manifest_path)
        manifest.verify_all(full=False)
        synthesizer = create_synthesizer(settings, manifest)
        store = create_knowledge_store(settings, manifest)
        if store.count() == 0:
            # A fresh box: ingest the configured knowledge base once, so calls can be answered.
            try:
                report = store.ingest(source)
                log_event(log, "knowledge.ingested", folder=str(source), documents=len(report.added),
                          chunks=report.chunks)
            except InputError as exc:  # an empty folder: documents come from the console
                log_event(log, "knowledge.empty", level=logging.WARNING, folder=str(source), reason=str(exc))
        agent = create_agent(settings, manifest, store)
        prompts = agent.prompts  # in the model's format, with the company's name filled in
        vocabulary = vocabulary_from_folder(source, lead=prompts.asr_prompt)
        create_recognizer(settings, manifest)  # loads and checks the shared ASR model now
        engines = cls(settings, manifest, synthesizer, agent, store, cls.phrases_from(prompts), vocabulary=vocabulary)
        log_event(log, "engines.company", greeting=prompts.greeting)
        engines.knowledge_changed()  # every passage's prompt state, before the first call (~0.2 s each)
        engines.warm()
        log_event(log, "engines.loaded", took_s=round(time.monotonic() - t0, 2), asr=settings.asr.engine,
                  **{f"threads_{k}": v for k, v in ThreadPlan.for_box(settings).fields().items()})
        return engines

    def warm(self) -> None:
        """Synthesise the fixed phrases into the cache and run each model once."""
        cached = getattr(self.synthesizer, "cached", None)
        for text in (self.phrases.greeting, self.phrases.fallback, self.phrases.reprompt, self.phrases.farewell,
                     self.phrases.transfer, self.phrases.apology, self.phrases.hold_on, self.phrases.goodbye_silence,
                     self.phrases.lead_name, self.phrases.lead_contact, self.phrases.lead_retry, self.phrases.lead_done,
                     self.phrases.busy):
            if cached is not None:
                cached(text)
        recognizer = self.new_recognizer()
        recognizer.feed(np.zeros(1600, dtype=np.int16))
        recognizer.finish()

    def reload_prompts(self, path: str | Path | None = None) -> None:
        """Re-read the prompts file (admin console); calls that start afterwards use it."""
        from appliance.agent import agent_prompts

        a = self.settings.agent
        self._use_prompts(agent_prompts(self.settings, self.manifest, self.store, path))
        self.knowledge_changed(identity=False)
        self.warm()
        log_event(log, "engines.prompts_reloaded", path=str(path or a.prompts_file or "packaged"))

    def _use_prompts(self, prompts: Any) -> bool:
        """Phrases and the agent's prompt from ``prompts``; True if the prompt's prefix changed
        (the model re-evaluates it and the saved passage states are dropped)."""
        self.phrases = self.phrases_from(prompts)
        use_prompts = getattr(self.agent, "use_prompts", None)
        if use_prompts is None or not use_prompts(prompts):
            return False
        model = getattr(self.agent, "model", None)
        if model is not None and hasattr(model, "warm"):
            model.warm(self.agent.prefix)  # type: ignore[attr-defined]
        return True

    def knowledge_changed(self, identity: bool = True) -> None:
        """The knowledge base was re-ingested (admin console): save the new passages' prompt
        states and drop those of removed ones, so answers from new documents are as quick.
        With ``identity``, the company's name is looked up again (a new company page renames
        the greeting when the config does not set one)."""
        if identity and hasattr(self.agent, "prompts"):
            from appliance.agent import agent_prompts

            greeting = self.phrases.greeting
            self._use_prompts(agent_prompts(self.settings, self.manifest, self.store))
            if self.phrases.greeting != greeting:
                log_event(log, "engines.company", greeting=self.phrases.greeting)
                self.warm()
        self.known_codes = code_index(f"{p.title}\n{p.text}" for p in self.store.passages())
        prime = getattr(self.agent, "prime", None)
        if prime is not None:
            prime()

    def phrase_audio(self, text: str) -> np.ndarray:
        cached = getattr(self.synthesizer, "cached", None)
        return cached(text) if cached is not None else self.synthesizer.synthesize(text)

    def new_recognizer(self, vad: VoiceActivityDetector | None = None) -> SpeechRecognizer:
        from appliance.speech_in.factory import create_recognizer

        return create_recognizer(self.settings, self.manifest, vocabulary=self.vocabulary, vad=vad)

    def new_vad(self) -> VoiceActivityDetector:
        """Speech start/end for turn-taking: Silero, with the turn model deciding early ends."""
        from appliance.speech_in.turn import create_turn_detector

        return create_turn_detector(self.settings, self.manifest)

    def close(self) -> None:
        self.workers.shutdown(wait=False, cancel_futures=True)
        close = getattr(self.store, "close", None)
        if close is not None:
            close()


def load_engines_yielding(settings: Settings) -> Engines:
    """``Engines.load`` on a worker thread that yields to the event loop first, so the pools the
    libraries start while loading (onnxruntime, CTranslate2) inherit its lower priority."""
    lower_thread_priority()
    return Engines.load(settings)
