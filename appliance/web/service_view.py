"""What the admin console uses of the running service, as typed views (``typing.Protocol``).

The console runs in the service's process and event loop (``appliance serve``) and is handed
its live parts: the shared engines, the Stasis app (live calls), the knowledge store and the
lead delivery worker.  Each view here lists exactly what the console reads or calls on one of
them, nothing more, so the console can be given the real parts or small fakes (the tests),
and mypy says when either stops fitting.  Each part is optional: in echo mode
``appliance serve`` has no engines, a test leaves out what it does not exercise.

Which real class each view stands for (checked by mypy at the end of this module):

=====================  ============================================================
``EnginesView``        ``appliance.call.engines.Engines``
``StasisView``         ``appliance.telephony.stasis_app.StasisApp``
``KnowledgeStoreView`` ``appliance.knowledge.qdrant_store.QdrantKnowledgeStore``
``LeadWorkerView``     ``appliance.leads.worker.DeliveryWorker``
=====================  ============================================================
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence, Sized
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from appliance.knowledge.base import IngestReport, Passage
    from appliance.knowledge.qdrant_store import PreparedDocument


class EventView(Protocol):
    """A flag (``asyncio.Event`` or ``threading.Event``) the console only reads."""

    def is_set(self) -> bool: ...


# -- the Stasis app: live calls --------------------------------------------------------------


class CallerView(Protocol):
    """The caller's channel of a live call (``appliance.telephony.ari.Channel``)."""

    @property
    def caller_number(self) -> str: ...

    @property
    def caller_name(self) -> str: ...


class CallLegView(Protocol):
    """One live call (``appliance.telephony.stasis_app.CallLeg``): who, and whether it is ending."""

    @property
    def caller(self) -> CallerView: ...

    @property
    def ended(self) -> EventView: ...


class AriView(Protocol):
    """The ARI client (``appliance.telephony.ari.AriClient``): is its event socket up."""

    @property
    def connected(self) -> EventView: ...


class StasisView(Protocol):
    """The Stasis app: its live calls by id (the dashboard, the active-calls gauge) and its ARI
    connection (the health page)."""

    @property
    def calls(self) -> Mapping[str, CallLegView]: ...

    @property
    def ari(self) -> AriView: ...


# -- the knowledge store ---------------------------------------------------------------------


class PreparedView(Protocol):
    """A document read and embedded by ``prepare_file``, not yet committed."""

    @property
    def points(self) -> Sized: ...


class KnowledgeStoreView(Protocol):
    """The one embedded knowledge store: listed, searched and changed by the knowledge-base
    page (appliance/web/kb.py) and counted by the health page."""

    @property
    def location(self) -> str: ...

    def count(self) -> int: ...

    def documents(self) -> list[dict[str, Any]]: ...

    def search(self, query: str, top_k: int = ...) -> list[Passage]: ...

    def ingest(self, folder: Path, *, file_tags: Mapping[str, str] | None = ...,
               progress: Callable[[float], None] | None = ...) -> IngestReport: ...

    def prepare_file(self, path: Path, *, doc_path: Path, root: Path, tag: str = ...,
                     progress: Callable[[float], None] | None = ...) -> PreparedDocument: ...

    def commit(self, prepared: PreparedDocument) -> None: ...

    def delete_document(self, doc_id: str) -> None: ...


# -- the engines -----------------------------------------------------------------------------


class ModelEntryView(Protocol):
    """One model of the manifest (``appliance.config.manifest.ModelEntry``)."""

    @property
    def role(self) -> str: ...


class ManifestView(Protocol):
    """The models manifest (``appliance.config.manifest.Manifest``), checked by the health page."""

    def verify_all(self, full: bool = ...) -> Sequence[ModelEntryView]: ...


class EnginesView(Protocol):
    """The shared engines: their manifest (health), their store (when none is given on its
    own), and the two hooks the console pulls after a change: new prompts, new knowledge."""

    @property
    def manifest(self) -> ManifestView: ...

    @property
    def store(self) -> KnowledgeStoreView: ...

    def reload_prompts(self, path: Path) -> None:
        """Re-read the prompts file; calls that start afterwards use it."""

    def knowledge_changed(self) -> None:
        """The knowledge base changed (a job's thread calls it): the agent re-primes."""


# -- the lead delivery worker ----------------------------------------------------------------


class LeadWorkerView(Protocol):
    """The lead delivery worker: woken by "retry now" on the leads page."""

    def notify(self) -> None: ...


if TYPE_CHECKING:
    from appliance.call.engines import Engines
    from appliance.knowledge.qdrant_store import QdrantKnowledgeStore
    from appliance.leads.worker import DeliveryWorker
    from appliance.telephony.stasis_app import StasisApp

    def _the_service_fits(engines: Engines, stasis: StasisApp, store: QdrantKnowledgeStore,
                          worker: DeliveryWorker) -> None:
        """Never called: mypy checks here that the real service's parts fit these views."""
        _stasis: StasisView = stasis
        _store: KnowledgeStoreView = store
        _worker: LeadWorkerView = worker
        # Engines member by member: ``Engines.store`` is declared as the KnowledgeStore ABC,
        # which has none of what the console needs beyond search(); what it holds is the
        # QdrantKnowledgeStore from create_knowledge_store (checked just above).
        _manifest: ManifestView = engines.manifest
        _reload: Callable[[Path], None] = engines.reload_prompts
        _changed: Callable[[], None] = engines.knowledge_changed
        _engines_store: KnowledgeStoreView = engines.store  # type: ignore[assignment]
