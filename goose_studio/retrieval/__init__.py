"""Retrieval: a core answers from its repository.

:mod:`.passages` cuts the repository into passages (code by symbol from the code index, documents by
section), :mod:`.tokens` makes search terms of code and prose, :mod:`.store` is the index (BM25 with
``bm25s``, optionally fused with sentence embeddings from :mod:`.embed`), :mod:`.prompt` puts found
passages before a question, :mod:`.files` builds an index folder and finds the one of a core.
"""

from .embed import EMBED_MODEL, embed, embedder_available, load_embedder
from .files import build_index_folder, extract_from_core, open_index
from .passages import Passage, build_passages
from .prompt import DEFAULT_K, with_passages
from .store import (EMBEDDINGS_FILE, INDEX_FILE, PASSAGES_FILE, RETRIEVAL_DIR, Hit, IndexInfo, RetrievalIndex,
                    read_info)
from .tokens import terms

__all__ = ["DEFAULT_K", "EMBEDDINGS_FILE", "EMBED_MODEL", "INDEX_FILE", "PASSAGES_FILE", "RETRIEVAL_DIR", "Hit",
           "IndexInfo", "Passage", "RetrievalIndex", "build_index_folder", "build_passages", "embed",
           "embedder_available", "extract_from_core", "load_embedder", "open_index", "read_info", "terms", "with_passages"]
