"""``index_code``: parse a repository with tree-sitter into a :class:`CodeIndex` (``.studio-index.json``).

Every source file in a supported language is parsed with the grammars bundled in
``tree_sitter_language_pack`` (shipped inside the wheel, so nothing is fetched at run time). For each file
the index keeps its module docstring or leading comment, its imports, and its classes, functions and
methods with signature, docstring / doc comment, decorators, the names called in the body (at most
``MAX_CALLS``), 1-based line spans (decorators included) and test flags. See
:mod:`goose_studio.tools.index_models` for the data model. A ``.h`` file is read as C++ when it holds C++
constructs (or the project has C++ sources and no C ones), as C otherwise.

Walk: sorted, deterministic; hidden files and directories, ``node_modules``, virtual environments (any
directory holding ``pyvenv.cfg``, plus ``venv``/``.venv``), ``__pycache__``, ``dist``, ``build``, ``.tox``
and ``site-packages`` are not entered, and symbolic links are not followed. Extension-less files are
indexed when their shebang names python, node or ruby.

Skipped files: only files that *would* be indexed are reported (``too_large`` over ``max_file_bytes``,
``binary`` when a NUL byte shows up in the first 8 KiB, ``unreadable`` on an OS error). Files in
languages the studio does not read are not listed (they are counted, by extension, for the error raised
when a repository has no supported source at all). The list is capped at ``MAX_SKIPPED_LISTED``
entries; ``skipped_total`` has the full count.

Cache: the index is written atomically to ``<repo>/.studio-index.json``. On the next call a file whose
size and modification time (``mtime_ns``) match its cached entry is reused without being read; otherwise
it is read and hashed, and re-parsed only when its sha256 changed. An mtime within two seconds of the
indexing run is not trusted (stored as 0, so the file is hashed next time) and a same-second edit is
never missed. ``mtime_ns`` is the only field that depends on the checkout rather than the content: once
the mtimes have settled the index is byte-identical from run to run (an unchanged index is not even
rewritten), and consumers must not read ``mtime_ns`` (nor ``repo_root``) when they build anything from
it. A missing, corrupted or outdated cache is rebuilt silently. When the repository cannot be written,
the tool keeps the index in the workspace cache instead.

Speed: files are parsed in worker processes (fork, Linux only) when there are enough of them to pay for
it; the result does not depend on the number of workers.

Modules: :mod:`.languages` (extensions, labels, shebangs, test paths), :mod:`.grammars` (tree-sitter
grammars and queries), :mod:`.text` (text cleaning), :mod:`.extract` (the extractor shared by every
language), :mod:`.walk_python`, :mod:`.walk_js` (JavaScript, TypeScript, TSX), :mod:`.walk_c` (C, C++) and
:mod:`.walk_other` (Go, Rust, Java, Ruby) (one walker per language family), :mod:`.parse` (one file to its
index entry), :mod:`.scan` (walking the repository), :mod:`.cache` (the index on disk),
:mod:`.parallel` (worker processes) and :mod:`.tool` (:func:`build_index` and the tool). Importing this
package registers the tool.
"""

from ..index_models import load_index
from .cache import workspace_index_path
from .extract import EXTRACTOR_VERSION, MAX_SIGNATURE
from .grammars import get_parser
from .languages import is_test_path, language_for
from .parse import extract_file
from .tool import IndexCodeArgs, IndexCodeResult, IndexStats, build_index, index_code

__all__ = [
    "EXTRACTOR_VERSION",
    "MAX_SIGNATURE",
    "IndexCodeArgs",
    "IndexCodeResult",
    "IndexStats",
    "build_index",
    "extract_file",
    "get_parser",
    "index_code",
    "is_test_path",
    "language_for",
    "load_index",
    "workspace_index_path",
]
