"""Tree-sitter grammars: loading them from ``tree_sitter_language_pack`` and the per-language queries.

Each language gets one parser and one compiled query (loaded once per process, on first use) that
captures callee expressions, imported modules, comments and parse errors in a single walk of the tree.
"""

from __future__ import annotations

from typing import Any

from ...errors import FailureKind, ToolFailure
from .languages import LANGUAGE_LABELS

# Tree-sitter queries, per language: callee expressions ("callee": the text is the called name; "call": the
# text up to the arguments is), imported modules ("m"), and comments ("c").
_CALLS = {
    "python": "(call function: (_) @callee)",
    "javascript": "(call_expression function: (_) @callee) (new_expression constructor: (_) @callee)",
    "go": "(call_expression function: (_) @callee)",
    "rust": "(call_expression function: (_) @callee) (macro_invocation macro: (_) @macro)",
    "java": "(method_invocation) @call (object_creation_expression type: (_) @callee)",
    "ruby": "(call) @call",
    "c": "(call_expression function: (_) @callee)",
    "cpp": "(call_expression function: (_) @callee) (new_expression type: (_) @callee)",
}
_CALLS["typescript"] = _CALLS["tsx"] = _CALLS["javascript"]

_JS_IMPORTS = """
(import_statement source: (string (string_fragment) @m))
(export_statement source: (string (string_fragment) @m))
(call_expression function: (identifier) @f arguments: (arguments . (string (string_fragment) @m))
  (#eq? @f "require"))
(call_expression function: (import) arguments: (arguments . (string (string_fragment) @m)))
"""
_IMPORTS = {
    "python": """
(import_statement name: (dotted_name) @m)
(import_statement name: (aliased_import name: (dotted_name) @m))
(import_from_statement module_name: (_) @m)
""",
    "javascript": _JS_IMPORTS,
    "typescript": _JS_IMPORTS,
    "tsx": _JS_IMPORTS,
    "go": "(import_spec path: (_) @m)",
    "rust": "(use_declaration argument: (_) @m) (extern_crate_declaration name: (_) @m)",
    "java": "(import_declaration) @m",
    "ruby": """
(call method: (identifier) @f arguments: (argument_list . (string (string_content) @m))
  (#match? @f "^(require|require_relative|load)$"))
""",
    "c": "(preproc_include path: (_) @m)",
    "cpp": "(preproc_include path: (_) @m)",
}
_COMMENTS = {
    "javascript": "(comment) @c", "typescript": "(comment) @c", "tsx": "(comment) @c", "go": "(comment) @c",
    "rust": "[(line_comment) (block_comment)] @c", "java": "[(line_comment) (block_comment)] @c",
    "ruby": "(comment) @c", "c": "(comment) @c", "cpp": "(comment) @c",
}


class Grammar:
    """A loaded grammar with its parser and compiled queries."""

    def __init__(self, name: str) -> None:
        try:
            from tree_sitter import Parser, Query
            from tree_sitter_language_pack import get_language
        except ImportError as exc:  # pragma: no cover - the dependency is declared
            raise ToolFailure(
                FailureKind.missing_dependency,
                f"The tree-sitter packages are not installed ({exc}).",
                hint="Install the studio's dependencies: pip install 'tree-sitter-language-pack==0.13.0'.",
            ) from exc
        try:
            self.language = get_language(name)  # type: ignore[arg-type]
        except (LookupError, OSError) as exc:
            raise ToolFailure(
                FailureKind.missing_dependency,
                f"The tree-sitter grammar for {LANGUAGE_LABELS.get(name, name)} could not be loaded ({exc}).",
                hint="Reinstall tree-sitter-language-pack==0.13.0; its grammars ship inside the wheel.",
                details={"language": name},
            ) from exc
        self.name = name
        self.parser = Parser(self.language)
        # One query for everything: running a query costs a walk of the whole tree, whatever it matches.
        self.query = Query(self.language, "\n".join((_CALLS[name], _IMPORTS[name], _COMMENTS.get(name, ""),
                                                      "(ERROR) @e")))


_LANGS: dict[str, Grammar] = {}


def grammar(name: str) -> Grammar:
    """The (cached) grammar of ``name``, loaded on first use."""
    lang = _LANGS.get(name)
    if lang is None:
        lang = _LANGS[name] = Grammar(name)
    return lang


def get_parser(language: str) -> Any:
    """The (cached) tree-sitter parser the indexer uses for ``language``."""
    return grammar(language).parser


def captures(query: Any, node: Any) -> dict[str, list[Any]]:
    """The nodes ``query`` captures under ``node``, by capture name."""
    from tree_sitter import QueryCursor

    return QueryCursor(query).captures(node)
