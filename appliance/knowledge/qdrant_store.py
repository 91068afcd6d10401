"""The knowledge store on Qdrant: embedded on disk by default, a Qdrant server when configured.

Every chunk is one point; its payload carries the document it came from (``doc_id``, the
absolute path), the folder it was ingested from (``root``), a content hash of the document
(``doc_hash``: file bytes + tag + chunking settings + embedding model), its tag (group), the
document title and heading path, and the chunk text.  Re-ingesting a folder compares hashes:
unchanged documents are skipped without being read, changed ones have their points replaced,
and documents of that folder that are gone are deleted.

Each point has two vectors: ``dense`` (the sentence embedding of heading path + text) and
``lexical`` (BM25 term weights of the same text, :mod:`appliance.knowledge.lexical`).
A search runs both and fuses them in Qdrant (reciprocal rank fusion); the fused candidates
are then reranked and judged relevant or not by :mod:`appliance.knowledge.rerank`.  A store
written by an older release (one unnamed dense vector) is rebuilt on opening, re-reading the
folders it was ingested from.

Embedded Qdrant allows one client per folder at a time; the process that owns the store
(the service) keeps it open, and a second one gets :class:`StoreBusyError` with one line.

Documents are read and chunked in a child process (:mod:`appliance.knowledge.parsing`) and
embedded outside the store's lock, in batches that give way to callers' queries; the lock
is held only while a document's new points are written and its stale ones deleted, so a
caller's search never waits for an ingest.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from appliance.config.errors import ApplianceError, ConfigError, InputError
from appliance.knowledge.base import IngestReport, KnowledgeStore, Passage
from appliance.knowledge.embedder import SentenceEmbedder
from appliance.knowledge.lexical import TermStats, document_vector, query_vector
from appliance.knowledge.loaders import SUPPORTED_SUFFIXES, DocumentError, _looks_binary, normalise_tag
from appliance.knowledge.parsing import DocumentParser, ParseLimits
from appliance.knowledge.rerank import Candidate, Question, rerank
from appliance.logs import log_event

log = logging.getLogger(__name__)

DEFAULT_TAG = "general"
#: The named vectors of a point: the passage's embedding and its BM25 terms (knowledge.lexical).
DENSE = "dense"
LEXICAL = "lexical"
#: Part of every document's hash: a new chunker or index layout re-reads every document.
INDEX_VERSION = "hybrid-5"  # -5: chunks keep their kind ("row") from the parsing process; a table with products in its columns gives each product a row; -4: a silent "e" stemmed off ("freeze" as "freezing"); -2: Russian reflexive verbs stemmed (knowledge.russian); -3: decimal codes ("ГБ-1,2")
#: Candidates each retriever gives to the fusion, and the fusion to the reranker.
CANDIDATES = 32


class StoreBusyError(ApplianceError):
    """The embedded store's folder is locked by another process."""


class StoreUnavailableError(ApplianceError):
    """The Qdrant server cannot be reached."""


@dataclass
class PreparedDocument:
    """A document read and embedded, not yet in the store: :meth:`QdrantKnowledgeStore.commit` swaps it in."""

    doc_id: str
    doc_hash: str
    tag: str
    points: list[Any]


class QdrantKnowledgeStore(KnowledgeStore):
    """KnowledgeStore on qdrant-client; one instance per process (it holds the on-disk lock)."""

    def __init__(
        self,
        embedder: SentenceEmbedder,
        *,
        path: str | Path | None = None,
        url: str = "",
        collection: str = "knowledge",
        chunk_chars: int = 800,
        separator: str = "<<->>",
        min_score: float = 0.30,
        parse_limits: ParseLimits | None = None,
    ) -> None:
        from qdrant_client import QdrantClient

        self.embedder = embedder
        self.collection = collection
        self.chunk_chars = chunk_chars
        self.separator = separator
        #: The cosine a passage with none of the question's rare words needs to be relevant.
        self.min_score = min_score
        self._lock = threading.RLock()  # held only for a read or a write, never for a whole ingest
        self._ingest_lock = threading.Lock()  # one ingest at a time; searches never take it
        self.parse_limits = parse_limits or ParseLimits()
        self._stats: TermStats | None = None  # document frequencies, rebuilt after writes
        self._codes: dict[str, str] | None = None  # the product codes stored, read again after writes
        self._stats_at = 0.0
        self.location = url or str(path)
        self._remote = bool(url)
        if url:
            try:
                self.client = _Writes(QdrantClient(url=url, timeout=10), self._forget_stats)
                self.client.get_collections()
            except Exception as exc:
                raise StoreUnavailableError(f"Qdrant server {url} is not reachable: {_first_line(exc)}") from None
        else:
            if path is None:
                raise ConfigError("knowledge store: a data folder or knowledge.qdrant_url is needed")
            Path(path).mkdir(parents=True, exist_ok=True)
            try:
                self.client = _Writes(QdrantClient(path=str(path)), self._forget_stats)
            except RuntimeError as exc:
                if "already accessed" in str(exc):
                    raise StoreBusyError(
                        f"knowledge store {path} is in use by another process (is the service running?); "
                        "stop it, or use a Qdrant server (knowledge.qdrant_url)"
                    ) from None
                raise
        self._ensure_collection()

    # -- housekeeping -------------------------------------------------------------------

    def _ensure_collection(self) -> None:
        from qdrant_client import models

        rebuild: list[str] = []
        if self.client.collection_exists(self.collection):
            params = self.client.get_collection(self.collection).config.params
            vectors, sparse = params.vectors, params.sparse_vectors or {}
            if isinstance(vectors, dict) and DENSE in vectors and LEXICAL in sparse:
                size = vectors[DENSE].size
                if size != self.embedder.dimension:
                    raise ConfigError(
                        f"knowledge collection {self.collection!r} holds {size}-dim vectors but the embedding model "
                        f"gives {self.embedder.dimension}; choose another knowledge.collection or delete the store"
                    )
                return
            # An older layout (one unnamed dense vector, no lexical one): rebuild it, then
            # re-read the folders its documents came from.
            rebuild = sorted({pl.get("root", "") for pl in self._payloads(["root"])} - {""})
            self.client.delete_collection(self.collection)
            log_event(log, "kb.rebuilding", collection=self.collection, folders=len(rebuild))
        self.client.create_collection(
            self.collection,
            vectors_config={DENSE: models.VectorParams(size=self.embedder.dimension, distance=models.Distance.COSINE)},
            sparse_vectors_config={LEXICAL: models.SparseVectorParams()},
        )
        if self._remote:  # embedded Qdrant ignores payload indexes (and warns)
            for field_name in ("doc_id", "root", "tag"):
                try:
                    self.client.create_payload_index(self.collection, field_name, models.PayloadSchemaType.KEYWORD)
                except Exception:  # pragma: no cover - older servers
                    pass
        for root in rebuild:
            try:
                self.ingest(Path(root))
            except (InputError, OSError) as exc:
                log_event(log, "kb.rebuild_skipped", level=logging.WARNING, folder=root, error=str(exc)[:200])

    def close(self) -> None:
        try:
            self.client.close()
        except Exception:  # pragma: no cover
            pass

    def __enter__(self) -> QdrantKnowledgeStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _documents(self) -> dict[str, dict[str, Any]]:
        """doc_id -> {doc_hash, root, source, tag, chunks} of everything stored."""
        docs: dict[str, dict[str, Any]] = {}
        for pl in self._payloads(["doc_id", "doc_hash", "root", "source", "tag"]):
            d = docs.setdefault(pl.get("doc_id", ""), {**pl, "chunks": 0})
            d["chunks"] += 1
        return docs

    def _payloads(self, fields: list[str] | bool) -> Iterator[dict[str, Any]]:
        """The payload (these fields, or all: True) of every stored chunk."""
        offset = None
        while True:
            points, offset = self.client.scroll(
                self.collection, limit=512, offset=offset, with_payload=fields, with_vectors=False)
            for p in points:
                yield p.payload or {}
            if offset is None:
                return

    def count(self) -> int:
        return int(self.client.count(self.collection, exact=True).count)

    def documents(self) -> list[dict[str, Any]]:
        """What is stored, one row per document (source, tag, chunks, root)."""
        with self._lock:
            return sorted(self._documents().values(), key=lambda d: (d.get("root", ""), d.get("source", "")))

    def passages(self) -> list[Passage]:
        """Every stored chunk (score 0), in document order: what the agent primes at start."""
        with self._lock:
            out = [(pl.get("source", ""), int(pl.get("chunk", 0) or 0), _passage(pl, 0.0)) for pl in self._payloads(True)]
        out.sort(key=lambda x: (x[0], x[1]))
        return [p for *_, p in out]

    def delete_document(self, doc_id: str) -> None:
        """Remove one document's chunks (the console's delete); the lock is held for that write only."""
        with self._lock:
            self._delete_doc(doc_id)

    def _delete_doc(self, doc_id: str) -> None:
        from qdrant_client import models

        self.client.delete(
            self.collection,
            points_selector=models.FilterSelector(
                filter=models.Filter(must=[models.FieldCondition(key="doc_id", match=models.MatchValue(value=doc_id))])
            ),
        )

    # -- ingest ------------------------------------------------------------------------

    def _doc_hash(self, path: Path, tag: str) -> str:
        h = hashlib.sha256()
        with path.open("rb") as fh:
            while block := fh.read(1 << 20):
                h.update(block)
        h.update(f"|tag={tag}|chunk={self.chunk_chars}|sep={self.separator}|model={self.embedder.model_id}"
                 f"|index={INDEX_VERSION}".encode())
        return h.hexdigest()

    @staticmethod
    def _files(folder: Path) -> list[Path]:
        files = []
        for p in sorted(folder.rglob("*")):
            rel = p.relative_to(folder)
            if any(part.startswith(".") for part in rel.parts):
                continue  # hidden files and folders (.git, .DS_Store)
            if p.is_file():
                files.append(p)
        return files

    def _parser(self) -> DocumentParser:
        return DocumentParser(self.parse_limits, chunk_chars=self.chunk_chars, separator=self.separator)

    def ingest(
        self,
        folder: Path,
        tag: str | None = None,
        *,
        file_tags: Mapping[str, str] | None = None,
        progress: Callable[[float], None] | None = None,
    ) -> IngestReport:
        """Ingest every supported document under folder.

        The tag (group) of a document is ``file_tags[its path relative to folder]`` or ``tag``
        when given, else its front matter's ``tag:``, else the name of its top-level
        sub-folder, else "general".  ``progress`` is told the fraction done (files, and
        batches within a file) from this thread, outside every lock.
        """
        folder = Path(folder).expanduser()
        if not folder.exists():
            raise InputError(f"knowledge folder {folder} does not exist")
        if not folder.is_dir():
            raise InputError(f"{folder} is not a folder")
        folder = folder.resolve()
        files = self._files(folder)
        if not files:
            raise InputError(f"knowledge folder {folder} is empty (put .md, .txt, .pdf or .docx files in it)")
        report = IngestReport()
        root = str(folder)
        t0 = time.monotonic()
        with self._ingest_lock, self._parser() as parser:
            with self._lock:
                existing = self._documents()
            seen: set[str] = set()
            readable = 0
            for n, path in enumerate(files):
                rel = str(path.relative_to(folder))
                step = (lambda f, n=n: progress((n + f) / len(files))) if progress else None  # type: ignore[misc]
                if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                    try:
                        head = path.open("rb").read(4096)
                    except OSError:
                        head = b""
                    kind = "binary file" if _looks_binary(head) else "unsupported file type"
                    report.skipped[rel] = f"{kind} {path.suffix or '(no extension)'} (use .md, .txt, .pdf, .docx)"
                    continue
                doc_id = str(path)
                sub = path.relative_to(folder).parts
                folder_tag = normalise_tag(sub[0]) if len(sub) > 1 else ""
                forced = normalise_tag((file_tags or {}).get(rel) or tag or "")
                # The tag decides the hash, but the front matter is only known after reading:
                # hash with the forced/folder tag, and let the front matter override inside.
                try:
                    doc_hash = self._doc_hash(path, forced or folder_tag)
                except OSError as exc:
                    report.skipped[rel] = f"cannot read: {exc.strerror}"
                    continue
                old = existing.get(doc_id)
                if old and old.get("doc_hash") == doc_hash:
                    seen.add(doc_id)
                    readable += 1
                    report.unchanged.append(rel)
                    continue
                try:
                    prepared = self._prepare(parser, path, doc_id, root, rel, doc_hash, forced, folder_tag, step)
                except DocumentError as exc:
                    report.skipped[rel] = str(exc)
                    if old:  # a new version that cannot be read does not take the old one with it
                        seen.add(doc_id)
                        report.skipped[rel] += "; the indexed version is kept"
                    continue
                readable += 1
                seen.add(doc_id)
                self.commit(prepared)
                report.chunks += len(prepared.points)
                (report.updated if old else report.added).append(rel)
                if step:
                    step(1.0)
            if readable == 0:
                reasons = "; ".join(f"{k}: {v}" for k, v in list(report.skipped.items())[:5])
                raise InputError(f"no readable documents in {folder} ({reasons})")
            with self._lock:
                for doc_id, info in existing.items():
                    if info.get("root") == root and doc_id not in seen:
                        self._delete_doc(doc_id)
                        report.removed.append(info.get("source", doc_id))
        log_event(
            log,
            "kb.ingested",
            folder=root,
            added=len(report.added),
            updated=len(report.updated),
            unchanged=len(report.unchanged),
            removed=len(report.removed),
            skipped=len(report.skipped),
            chunks=report.chunks,
            seconds=round(time.monotonic() - t0, 2),
        )
        return report

    @staticmethod
    def _context(title: str, heading: str) -> str:
        """The heading path with the document title in front (once)."""
        if not heading:
            return title
        return heading if heading.lower().startswith(title.lower()) else f"{title} > {heading}"

    def prepare_file(
        self, path: Path, *, doc_path: Path, root: Path, tag: str = "", progress: Callable[[float], None] | None = None
    ) -> PreparedDocument:
        """Read (in the parsing child) and embed ``path`` as the document ``doc_path`` of folder
        ``root``, without touching the store; DocumentError if it cannot be used.  An upload
        is prepared from its staging copy, then its file and its points replace the old ones."""
        root = Path(root).resolve()
        doc_path = Path(doc_path)
        rel = str(doc_path.relative_to(root))
        forced = normalise_tag(tag or "")
        sub = doc_path.relative_to(root).parts
        folder_tag = normalise_tag(sub[0]) if len(sub) > 1 else ""
        try:
            doc_hash = self._doc_hash(Path(path), forced or folder_tag)
        except OSError as exc:
            raise DocumentError(f"cannot read: {exc.strerror}") from None
        with self._parser() as parser:
            return self._prepare(parser, Path(path), str(doc_path), str(root), rel, doc_hash, forced, folder_tag,
                                 progress)

    def _prepare(self, parser: DocumentParser, path: Path, doc_id: str, root: str, rel: str, doc_hash: str,
                 forced: str, folder_tag: str, progress: Callable[[float], None] | None) -> PreparedDocument:
        doc = parser.parse(path)
        if not doc.chunks:
            raise DocumentError("no text")
        doc_tag = forced or normalise_tag(doc.tag) or folder_tag or DEFAULT_TAG
        title = doc.title or Path(rel).stem.replace("_", " ").replace("-", " ")
        points = self._points(doc_id, root, rel, doc_hash, doc_tag, title, doc.chunks, progress)
        return PreparedDocument(doc_id, doc_hash, doc_tag, points)

    def commit(self, prepared: PreparedDocument) -> None:
        """Swap a prepared document's points in for its old ones: the only step under the lock."""
        self._swap(prepared.doc_id, prepared.doc_hash, prepared.points)

    def _points(self, doc_id: str, root: str, source: str, doc_hash: str, tag: str, title: str, chunks: list,
                progress: Callable[[float], None] | None = None) -> list[Any]:
        """The document's points, embedded here, outside the lock, a batch at a time: between
        batches the embedder serves any caller's query first."""
        from qdrant_client import models

        # Title and heading path go with every chunk into both vectors: "Specifications"
        # alone does not say which product it is about.
        headings = [self._context(title, c.heading) for c in chunks]
        texts = [f"{h}\n{c.text}" for h, c in zip(headings, chunks)]
        vectors: list[list[float]] = []
        for i in range(0, len(texts), 16):
            vectors += self.embedder.embed(texts[i : i + 16], background=True)
            if progress:
                progress(0.99 * len(vectors) / len(texts))
        points = []
        for i, (c, heading, text, vec) in enumerate(zip(chunks, headings, texts, vectors)):
            sparse = document_vector(text)
            points.append(
                models.PointStruct(
                    id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"{doc_id}#{i}")),
                    vector={DENSE: vec, LEXICAL: models.SparseVector(indices=sparse.indices, values=sparse.values)},
                    payload={
                        "doc_id": doc_id,
                        "root": root,
                        "source": source,
                        "doc_hash": doc_hash,
                        "tag": tag,
                        "title": title,
                        "heading": heading,
                        "chunk": i,
                        "kind": getattr(c, "kind", "text"),
                        "text": c.text,
                    },
                )
            )
        return points

    def _swap(self, doc_id: str, doc_hash: str, points: list[Any]) -> None:
        """New points first (same ids as the old ones where they overlap), then the old
        version's leftovers: at no moment is the document missing from a search."""
        from qdrant_client import models

        with self._lock:
            self.client.upsert(self.collection, points=points)
            self.client.delete(
                self.collection,
                points_selector=models.FilterSelector(filter=models.Filter(
                    must=[models.FieldCondition(key="doc_id", match=models.MatchValue(value=doc_id))],
                    must_not=[models.FieldCondition(key="doc_hash", match=models.MatchValue(value=doc_hash))],
                )),
            )

    def _forget_stats(self) -> None:
        self._stats = None
        self._codes = None

    def known_codes(self) -> dict[str, str]:
        """The stored passages' product codes (see ``KnowledgeStore.known_codes``), read again
        after every write, like the term statistics."""
        codes = self._codes
        if codes is None or self._remote and time.monotonic() - self._stats_at > 60:
            codes = self._codes = super().known_codes()
        return codes

    def _term_stats(self) -> TermStats:
        """Document frequencies of every stored passage's terms (for IDF), counted from the
        stored lexical vectors after each change (this process's writes; on a Qdrant server,
        which other processes may write to, also once a minute)."""
        if self._remote and time.monotonic() - self._stats_at > 60:
            self._stats = None
        if self._stats is None:
            self._stats_at = time.monotonic()
            stats = TermStats()
            offset = None
            while True:
                points, offset = self.client.scroll(
                    self.collection, limit=512, offset=offset, with_payload=False, with_vectors=[LEXICAL])
                for p in points:
                    vec = (p.vector or {}).get(LEXICAL) if isinstance(p.vector, dict) else None
                    stats.add(vec.indices if vec is not None else ())
                if offset is None:
                    break
            self._stats = stats
        return self._stats

    # -- search ------------------------------------------------------------------------

    def search(
        self,
        query: str,
        top_k: int = 3,
        tags: tuple[str, ...] | None = None,
        prefer_tags: Sequence[str] = (),
        tag_boost: float = 0.05,
        method: str = "hybrid",
        context: str = "",
    ) -> list[Passage]:
        """Best passages first.  ``tags`` filters; ``prefer_tags`` ranks those tags higher.

        Dense and lexical (BM25) candidates are fused by Qdrant (reciprocal rank fusion),
        then reranked by what names the answer: the product code asked about, the question's
        rare words, the kind of figure asked for, the section heading (knowledge.rerank).
        Each Passage's ``score`` is the plain cosine similarity; ``relevant`` says whether it
        bears on the question, judged from all of that evidence.

        ``context`` is the question before, for a follow-up ("And what does it cost?"): its
        words and product codes help find the passage, but the kind of figure asked for is
        the new question's.

        ``method`` is for measuring what each stage brings: "dense" (embedding only),
        "fused" (dense + BM25 fused, not reranked) or "hybrid" (all of it, the default).
        """
        from qdrant_client import models

        query = (query or "").strip()
        if not query:
            return []
        context = (context or "").strip()
        whole = f"{context} {query}" if context else query
        dense = self.embedder.embed_one(whole)
        flt = None
        if tags:
            wanted = [normalise_tag(t) for t in tags]
            flt = models.Filter(must=[models.FieldCondition(key="tag", match=models.MatchAny(any=wanted))])
        with self._lock:
            stats = self._term_stats()
            sparse = query_vector(whole, stats)
            prefetch = [models.Prefetch(query=dense, using=DENSE, filter=flt, limit=CANDIDATES)]
            if sparse.indices and method != "dense":
                prefetch.append(models.Prefetch(
                    query=models.SparseVector(indices=sparse.indices, values=sparse.values),
                    using=LEXICAL, filter=flt, limit=CANDIDATES))
            hits = self.client.query_points(
                self.collection, prefetch=prefetch, query=models.FusionQuery(fusion=models.Fusion.RRF),
                limit=CANDIDATES, with_payload=True, with_vectors=True,
            ).points
        candidates = []
        for h in hits:
            pl = h.payload or {}
            vec = h.vector if isinstance(h.vector, dict) else {}
            lex = vec.get(LEXICAL)
            cosine = _dot(dense, vec.get(DENSE) or [])
            candidates.append(Candidate(text=pl.get("text", ""), heading=pl.get("heading", ""), cosine=cosine,
                                        terms=frozenset(lex.indices if lex is not None else ()), payload=pl))
        judged = rerank(Question.parse(query, stats, context), candidates, self.min_score)
        if method != "hybrid":  # the fused (or dense) order, each still judged
            order = {id(c): k for k, c in enumerate(candidates)}
            judged.sort(key=lambda j: order[id(j.candidate)])
        prefer = {normalise_tag(t) for t in prefer_tags}
        if prefer:
            judged.sort(key=lambda j: -(j.score + (tag_boost if j.candidate.payload.get("tag") in prefer else 0.0)))
        return [_passage(j.candidate.payload, j.candidate.cosine, j.relevant) for j in judged[:top_k]]


class _Writes:
    """The Qdrant client, telling the store of every write: the term statistics (IDF) are
    counted from what is stored, and whatever writes (an ingest, an upload swapped in, a
    delete) must make them stale, however the write is reached."""

    _WRITES = frozenset({"upsert", "delete", "delete_collection", "create_collection", "recreate_collection",
                         "overwrite_payload", "set_payload", "update_vectors", "batch_update_points"})

    def __init__(self, client: Any, on_write: Any) -> None:
        self._client = client
        self._on_write = on_write

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if name not in self._WRITES:
            return attr

        def write(*args: Any, **kwargs: Any) -> Any:
            try:
                return attr(*args, **kwargs)
            finally:
                self._on_write()

        return write


def _dot(a: Sequence[float], b: Sequence[float]) -> float:
    """The cosine of two unit vectors (the embedder's and Qdrant's are normalised)."""
    import numpy as np

    return float(np.dot(np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32))) if len(b) else 0.0


def _passage(pl: dict[str, Any], score: float, relevant: bool | None = None) -> Passage:
    return Passage(
        text=pl.get("text", ""),
        source=pl.get("source", ""),
        score=round(score, 4),
        title=pl.get("heading", "") or pl.get("title", ""),
        tags=(pl.get("tag", ""),),
        relevant=relevant,
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__
