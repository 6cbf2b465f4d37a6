"""The retrieval index of a core: passages of its repository, searched with BM25 (``bm25s``) and, when the
index carries them, sentence embeddings fused with the BM25 scores.

On disk an index is a folder (:data:`RETRIEVAL_DIR` inside a run folder or a core package)::

    index.json              format, counts, settings and the sha256 of each other file
    passages.jsonl          one passage per line (text, path, lines, kind, title)
    embeddings.safetensors  optional: one float16 vector per passage

The BM25 matrix is rebuilt from the passages when the folder is opened (milliseconds for thousands of
passages), so the folder holds only text, JSON and safetensors.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from ..errors import FailureKind, ToolFailure
from .embed import EMBED_MODEL
from .passages import Passage
from .tokens import TOKENIZER_VERSION, terms

RETRIEVAL_DIR = "retrieval"
INDEX_FILE = "index.json"
PASSAGES_FILE = "passages.jsonl"
EMBEDDINGS_FILE = "embeddings.safetensors"
INDEX_FORMAT = 1
BM25_SETTINGS = {"k1": 1.2, "b": 0.75, "method": "lucene"}
DENSE_WEIGHT = 0.5  # share of the embedding similarity in a hybrid score (the rest: BM25, max-normalised)


class IndexInfo(BaseModel):
    """``index.json``: what the folder holds and how it was built."""

    format: int = INDEX_FORMAT
    tokenizer_version: int = TOKENIZER_VERSION
    passages: int
    counts: dict[str, int] = Field(default_factory=dict)
    bm25: dict[str, Any] = Field(default_factory=lambda: dict(BM25_SETTINGS))
    embeddings: str | None = None  # the embedding model's name when the folder holds vectors
    sha256: dict[str, str] = Field(default_factory=dict)  # file name -> digest
    source: dict[str, str] = Field(default_factory=dict)  # repository, commit
    built_s: float = 0.0


class Hit(BaseModel):
    """A passage found for a question, with its score (higher is closer)."""

    text: str
    path: str
    start_line: int
    end_line: int
    kind: str
    title: str
    score: float


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _corrupt(folder: Path, why: str) -> ToolFailure:
    return ToolFailure(FailureKind.corrupted, f"The retrieval index in {folder} is damaged: {why}.",
                       hint="Build it again (run the TEST step again, or learn the repository again).",
                       details={"retrieval_dir": str(folder)})


class RetrievalIndex:
    """Passages with a BM25 index over them (and optionally their embeddings)."""

    def __init__(self, passages: list[Passage], info: IndexInfo, vectors: Any = None) -> None:
        import bm25s

        self.passages = passages
        self.info = info
        self.vectors = vectors
        self.bm25 = bm25s.BM25(k1=info.bm25.get("k1", 1.2), b=info.bm25.get("b", 0.75),
                               method=info.bm25.get("method", "lucene"))
        corpus = [terms(p.title) * 2 + terms(p.path) + terms(p.text) or ["_empty_"] for p in passages]
        if corpus:
            self.bm25.index(corpus, show_progress=False)
        self.vocab = set(self.bm25.vocab_dict) if corpus else set()

    # ---------------------------------------------------------------- building and saving

    @classmethod
    def build(cls, passages: list[Passage], counts: dict[str, int] | None = None, *, embeddings: bool = False,
              source: dict[str, str] | None = None) -> "RetrievalIndex":
        started = time.monotonic()
        vectors = None
        if embeddings and passages:
            from .embed import embed

            vectors = embed([p.text for p in passages])
        info = IndexInfo(passages=len(passages), counts=dict(counts or {}), source=dict(source or {}),
                         embeddings=None if vectors is None else EMBED_MODEL)
        index = cls(passages, info, vectors)
        index.info.built_s = round(time.monotonic() - started, 3)
        return index

    def save(self, folder: Path) -> Path:
        """Write the folder (replacing one that is there); returns it."""
        import shutil

        tmp = folder.with_name(folder.name + f".tmp-{time.time_ns()}")
        tmp.mkdir(parents=True)
        (tmp / PASSAGES_FILE).write_text("".join(p.model_dump_json() + "\n" for p in self.passages), encoding="utf-8")
        sha = {PASSAGES_FILE: _sha256(tmp / PASSAGES_FILE)}
        if self.vectors is not None:
            import torch
            from safetensors.torch import save_file

            save_file({"embeddings": torch.from_numpy(self.vectors).to(torch.float16)}, str(tmp / EMBEDDINGS_FILE))
            sha[EMBEDDINGS_FILE] = _sha256(tmp / EMBEDDINGS_FILE)
        info = self.info.model_copy(update={"sha256": sha})
        (tmp / INDEX_FILE).write_text(info.model_dump_json(indent=2) + "\n", encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder)
        tmp.replace(folder)
        self.info = info
        return folder

    @classmethod
    def load(cls, folder: Path, embeddings: bool = True) -> "RetrievalIndex":
        """Open a saved folder; its files are checked against the digests in ``index.json``.

        Raises ToolFailure: not_found when there is no index there, corrupted when a file is damaged.
        """
        if not (folder / INDEX_FILE).is_file():
            raise ToolFailure(FailureKind.not_found, f"There is no retrieval index in {folder}.",
                              hint="Run the TEST step (it builds the index), or chat without retrieval.",
                              details={"retrieval_dir": str(folder)})
        try:
            info = IndexInfo.model_validate_json((folder / INDEX_FILE).read_bytes())
        except (ValidationError, OSError, ValueError) as exc:
            raise _corrupt(folder, f"{INDEX_FILE} is not valid ({type(exc).__name__})") from None
        if info.format != INDEX_FORMAT:
            raise _corrupt(folder, f"format {info.format}, this studio reads {INDEX_FORMAT}")
        for name, digest in info.sha256.items():
            if not (folder / name).is_file() or _sha256(folder / name) != digest:
                raise _corrupt(folder, f"{name} is missing or does not match its digest")
        if PASSAGES_FILE not in info.sha256:
            raise _corrupt(folder, f"{INDEX_FILE} lists no {PASSAGES_FILE}")
        try:
            passages = [Passage.model_validate_json(line) for line in
                        (folder / PASSAGES_FILE).read_text(encoding="utf-8").splitlines() if line.strip()]
        except (ValidationError, ValueError) as exc:
            raise _corrupt(folder, f"{PASSAGES_FILE} is not valid ({type(exc).__name__})") from None
        if len(passages) != info.passages:
            raise _corrupt(folder, f"{len(passages)} passages where {INDEX_FILE} says {info.passages}")
        vectors = None
        if embeddings and info.embeddings and EMBEDDINGS_FILE in info.sha256:
            from safetensors.numpy import load_file

            vectors = load_file(str(folder / EMBEDDINGS_FILE))["embeddings"].astype("float32")
            if vectors.shape[0] != len(passages):
                raise _corrupt(folder, "the embeddings do not match the passages")
        return cls(passages, info, vectors)

    # ---------------------------------------------------------------- searching

    def scores(self, question: str) -> Any:
        """One score per passage for ``question`` (BM25, fused with embeddings when the index has them)."""
        import numpy as np

        if not self.passages:
            return np.zeros(0, dtype=np.float32)
        query = [t for t in terms(question) if t in self.vocab]
        sparse = np.asarray(self.bm25.get_scores(query), dtype=np.float32) if query else np.zeros(
            len(self.passages), dtype=np.float32)
        if self.vectors is None:
            return sparse
        from .embed import embed

        dense = self.vectors @ embed([question])[0]
        top = float(sparse.max()) if sparse.size else 0.0
        return (1 - DENSE_WEIGHT) * (sparse / top if top > 0 else sparse) + DENSE_WEIGHT * dense

    def search(self, question: str, k: int = 3) -> list[Hit]:
        """The ``k`` best passages for ``question``, best first (passages that score 0 are left out)."""
        import numpy as np

        scored = self.scores(question)
        if not len(scored):
            return []
        order = np.argsort(-scored, kind="stable")[:k]
        return [Hit(text=self.passages[i].text, path=self.passages[i].path, start_line=self.passages[i].start_line,
                    end_line=self.passages[i].end_line, kind=self.passages[i].kind, title=self.passages[i].title,
                    score=round(float(scored[i]), 4)) for i in order if scored[i] > 0]


def read_info(folder: Path) -> dict[str, Any] | None:
    """``index.json`` of a folder as a mapping (None when there is none or it does not parse)."""
    try:
        data = json.loads((folder / INDEX_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
