"""The agent: a caller's question in, speakable grounded sentences out.

``create_agent(settings, manifest, store)`` loads the LLM of the manifest's ``llm.role``
table and the prompts file (agent.prompts_file, else the packaged ``prompts.toml``), laid
out in the model's ``prompt_format`` and filled with the company's identity (``[company]``
in the config, else the knowledge base's: appliance.agent.company).
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
    from appliance.config.threads import ThreadPlan
    from appliance.knowledge import create_knowledge_store, model_path

    if store is None:
        store = create_knowledge_store(settings, manifest)
    prompts = agent_prompts(settings, manifest, store)
    if model is None:
        model = LlamaModel(
            model_path(settings, manifest, settings.llm.role),
            n_ctx=settings.llm.context,
            n_threads=ThreadPlan.for_box(settings).llm,
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
        token_gap_s=settings.llm.token_gap_s,
        max_answer_s=settings.llm.max_answer_s,
        history_turns=settings.agent.history_turns,
        lead_words=settings.agent.lead_words,
        figures_from_documents=settings.agent.figures_from_documents,
    )


def prompt_format(settings: Settings, manifest: Any = None) -> str:
    """The chat template of the configured model: its manifest table's ``prompt_format``."""
    from appliance.config.manifest import load_manifest

    if manifest is None and settings.manifest_path.exists():
        manifest = load_manifest(settings.manifest_path)
    if manifest is None:
        return "completion"
    return str(manifest.get(settings.llm.role).extra.get("prompt_format", "completion"))


def agent_prompts(settings: Settings, manifest: Any = None, store: KnowledgeStore | None = None,
                  path: Any = None) -> Any:
    """The prompts file, in the model's format, with the company's identity filled in."""
    from appliance.agent.company import resolve_identity
    from appliance.agent.prompts import load_prompts

    a = settings.agent
    prompts = load_prompts(path or (settings.resolve(a.prompts_file) if a.prompts_file else None))
    identity = resolve_identity(settings.company, store.passages() if store is not None else ())
    return prompts.for_company(identity).with_format(prompt_format(settings, manifest))
