"""The knowledge interface: documents in, relevant passages out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Passage:
    """One chunk of a document, as retrieval returns it."""

    text: str
    source: str
    #: The dense (cosine) similarity of question and passage.
    score: float
    title: str = ""
    tags: tuple[str, ...] = ()
    #: Whether the store judged the passage to bear on the question (see knowledge.rerank);
    #: None when the store does not judge, and ``score`` against a threshold decides.
    relevant: bool | None = None


@dataclass
class IngestReport:
    """What an ingest did, so the CLI and the admin page can say it."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # file -> reason
    chunks: int = 0


class KnowledgeStore(ABC):
    """A searchable store of document chunks."""

    @abstractmethod
    def ingest(self, folder: Path) -> IngestReport:
        """Read every supported document under folder; replace only what changed."""

    @abstractmethod
    def search(self, query: str, top_k: int = 3, tags: tuple[str, ...] | None = None,
               context: str = "") -> list[Passage]:
        """The best passages for the query, best first, with scores and sources.  ``context``
        is the question before it, for a follow-up ("And how much is it?")."""

    def passages(self) -> list[Passage]:
        """Every stored passage, for work done ahead of questions (the agent's prompt states).
        A store that cannot list them returns none, and that work is done as questions come."""
        return []

    def known_codes(self) -> dict[str, str]:
        """The knowledge base's product codes by their spelling-free key ("qr1600" ->
        "QR-1600", see ``vocabulary.code_index``): what a caller's "the sixteen-hundred" may name."""
        from appliance.knowledge.vocabulary import code_index

        return code_index(f"{p.title}\n{p.text}" for p in self.passages())
