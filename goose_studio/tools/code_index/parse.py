"""One file to its index entry: which extractor reads which language, :func:`extract_file` and
:func:`index_file`."""

from __future__ import annotations

from ..index_models import FileIndex, Symbol
from .extract import Extractor
from .grammars import grammar
from .walk_c import CExtractor
from .walk_js import JsExtractor
from .walk_other import GoExtractor, JavaExtractor, RubyExtractor, RustExtractor
from .walk_python import PythonExtractor

EXTRACTORS: dict[str, type[Extractor]] = {
    "python": PythonExtractor, "javascript": JsExtractor, "typescript": JsExtractor, "tsx": JsExtractor,
    "go": GoExtractor, "rust": RustExtractor, "java": JavaExtractor, "ruby": RubyExtractor,
    "c": CExtractor, "cpp": CExtractor,
}

# (path, language, is_test, bytes, sha256, mtime_ns): one file to parse
Job = tuple[str, str, bool, bytes, str, int]


def extract_file(language: str, src: bytes, is_test_file: bool = False) -> tuple[str, list[str], list[Symbol], int]:
    """Parse ``src`` and return (module doc, imports, symbols, parse-error count)."""
    lang = grammar(language)
    return EXTRACTORS[language](lang, src, is_test_file).run()


def index_file(job: Job) -> FileIndex:
    """The index entry of one file, from its bytes."""
    rel, language, is_test, data, sha, mtime_ns = job
    module_doc, imports, symbols, errors = extract_file(language, data, is_test)
    lines = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    return FileIndex(
        path=rel,
        language=language,
        sha256=sha,
        size=len(data),
        lines=lines,
        module_docstring=module_doc,
        imports=imports,
        symbols=symbols,
        is_test=is_test,
        parse_errors=errors,
        mtime_ns=mtime_ns,
    )
