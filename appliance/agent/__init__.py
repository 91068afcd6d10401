"""The agent: a caller's question in, speakable grounded sentences out.

``create_agent(settings, manifest, store)`` loads the LLM named by the manifest and the
prompts file (agent.prompts_file, else the packaged ``prompts.toml``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from appliance.agent.base import Agent, AnswerStream, Turn

if TYPE_CHECKING:
    from appliance.agent.llama_agent import LlamaAgent
    from appliance.config.settings import Settings
    from appliance.knowledge.base import KnowledgeStore

__all__ = ["Agent", "AnswerStream", "Turn", "create_agent"]


def create_agent(settings: Settings, manifest: Any = None, store: KnowledgeStore | None = None, model: Any = None) -> LlamaAgent:
    """The configured LlamaAgent (pass ``model``, a LlamaModel, to share one across agents)."""
    from appliance.agent.llama_agent import LlamaAgent, LlamaModel
    from appliance.agent.prompts import load_prompts
    from appliance.knowledge import create_knowledge_store, model_path

    prompts = load_prompts(settings.resolve(settings.agent.prompts_file) if settings.agent.prompts_file else None)
    if store is None:
        store = create_knowledge_store(settings, manifest)
    if model is None:
        model = LlamaModel(
            model_path(settings, manifest, "llm"),
            n_ctx=settings.llm.context,
            n_threads=settings.llm.threads,
            cpu_repack=getattr(settings.llm, "cpu_repack", False),
            prompt_cache_mb=settings.llm.prompt_cache_mb,
            parallel=settings.llm.parallel,
        )
    k = settings.knowledge
    return LlamaAgent(
        model,
        store,
        prompts,
        top_k=k.top_k,
        min_score=k.min_score,
        max_tokens=settings.llm.max_tokens,
        temperature=settings.llm.temperature,
        time_budget_s=settings.llm.time_budget_s,
        history_turns=settings.agent.history_turns,
        lead_words=settings.agent.lead_words,
    )
