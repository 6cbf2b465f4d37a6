"""The extractor shared by every language: one file's tree to module doc, imports, symbols and error count.

:class:`Extractor` parses the file, runs the language's one query (calls, imports, comments, errors),
and turns the definitions a language's walker collected (:meth:`Extractor.add`) into symbols: one-line
signatures without comments (at most :data:`MAX_SIGNATURE` characters), doc comments found just above a
definition, the file's leading comment, and the names each definition calls (at most :data:`MAX_CALLS`,
attributed to the innermost definition). The walkers live in the ``walk_*`` modules, one subclass per
language family.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any

from ..index_models import Symbol
from .grammars import Grammar, captures
from .text import DIRECTIVE_RE, LICENSE_RE, WS_RE, callee_name, clean_comment, one_line

# Bumped whenever extraction changes, so that a cache written by an older extractor is rebuilt.
EXTRACTOR_VERSION = 1

MAX_CALLS = 30
MAX_SIGNATURE = 1000  # characters; longer signatures are cut and end with "…"

_JAVA_IMPORT_RE = re.compile(r"^import\s+(static\s+)?")


@dataclass
class _Def:
    """One definition a walker found, with the byte offsets its symbol is built from."""

    kind: str
    name: str
    qualname: str
    parent: str | None
    span_start: int  # byte where the symbol's span starts (decorators included)
    start_line: int
    end_byte: int
    end_line: int
    header_start: int  # signature = src[header_start:header_end]
    header_end: int
    header_node: Any  # where comments inside the header are looked for
    decorators: list[str]
    doc: str
    is_test: bool
    sig_prefix: str = ""  # text put before the header (a declaration keyword shared by several declarators)
    calls: list[str] = field(default_factory=list)
    parent_idx: int = -1


def _end_line(node: Any) -> int:
    row, col = node.end_point
    if col == 0 and row > node.start_point[0]:
        return row
    return row + 1


class Extractor:
    """Extracts one file's module doc, imports, symbols and parse-error count.

    A subclass per language family implements :meth:`walk` (and :meth:`module_doc` where the file's
    description is not its leading comment).
    """

    def __init__(self, lang: Grammar, src: bytes, is_test_file: bool) -> None:
        self.lang = lang
        self.name = lang.name
        self.src = src
        self.is_test_file = is_test_file
        self.tree = lang.parser.parse(src)
        self.root = self.tree.root_node
        self.caps = captures(lang.query, self.root)
        self.defs: list[_Def] = []
        self._comment_starts: list[int] = []
        self._comment_ends: list[int] = []
        self._comment_nodes: list[Any] = []
        self._used_doc_comments: set[int] = set()

    # -- small helpers -----------------------------------------------------------------------------------

    def text(self, node: Any) -> str:
        return self.src[node.start_byte:node.end_byte].decode("utf-8", "replace")

    def slice(self, a: int, b: int) -> str:
        return self.src[a:b].decode("utf-8", "replace")

    def add(self, *, kind: str, name: str, qualname: str, parent: str | None, node: Any, span_start_node: Any,
            header_start: int, header_end: int, decorators: list[str], doc: str, is_test: bool,
            header_node: Any = None, sig_prefix: str = "") -> None:
        self.defs.append(_Def(
            kind=kind, name=name, qualname=qualname, parent=parent,
            span_start=span_start_node.start_byte, start_line=span_start_node.start_point[0] + 1,
            end_byte=node.end_byte, end_line=_end_line(node),
            header_start=header_start, header_end=max(header_start, header_end),
            header_node=node if header_node is None else header_node,
            decorators=decorators, doc=doc, is_test=is_test, sig_prefix=sig_prefix,
        ))

    def signature(self, d: _Def) -> str:
        raw = self.src[d.header_start:d.header_end].rstrip()
        markers = (b"#",) if self.name in ("python", "ruby") else (b"//", b"/*")
        if any(m in raw for m in markers):
            cuts: list[tuple[int, int]] = []
            stack = [d.header_node]
            while stack:
                node = stack.pop()
                if node.end_byte <= d.header_start or node.start_byte >= d.header_end:
                    continue
                if "comment" in node.type:
                    cuts.append((max(node.start_byte, d.header_start), min(node.end_byte, d.header_end)))
                    continue
                stack.extend(node.children)
            if cuts:
                pieces, pos = [], d.header_start
                for a, b in sorted(cuts):
                    pieces.append(self.src[pos:a])
                    pos = b
                pieces.append(self.src[pos:d.header_end])
                raw = b"".join(pieces)
        sig = one_line(d.sig_prefix + raw.decode("utf-8", "replace"))
        if self.name != "python":
            sig = sig.rstrip("{;").rstrip()
        if len(sig) > MAX_SIGNATURE:  # e.g. parameters carrying whole documents in annotations
            sig = sig[:MAX_SIGNATURE - 1].rstrip() + "…"
        return sig

    # -- comments ----------------------------------------------------------------------------------------

    def load_comments(self) -> None:
        nodes = self.caps.get("c")
        if not nodes:
            return
        nodes.sort(key=lambda n: n.start_byte)
        self._comment_nodes = nodes
        self._comment_starts = [n.start_byte for n in nodes]
        self._comment_ends = [n.end_byte for n in nodes]

    def _own_line(self, start: int) -> bool:
        line_start = self.src.rfind(b"\n", 0, start) + 1
        return not self.src[line_start:start].strip()

    def _comment_before(self, pos: int) -> int:
        """Index of the comment that ends right before ``pos`` (only whitespace, at most one newline)."""
        i = bisect.bisect_right(self._comment_ends, pos) - 1
        if i < 0:
            return -1
        gap = self.src[self._comment_ends[i]:pos]
        if gap.strip() or gap.count(b"\n") > 1:
            return -1
        if not self._own_line(self._comment_starts[i]):
            return -1
        return i

    def doc_before(self, pos: int, style: str) -> str:
        """The doc comment just above ``pos``. style: jsdoc (``/** */`` only), rust (``///``/``/**``),
        lines (a run of line comments, or one block comment)."""
        i = self._comment_before(pos)
        if i < 0:
            return ""
        first = self.text(self._comment_nodes[i])
        if style == "jsdoc":
            if not first.startswith("/**") or first.startswith("/**/"):
                return ""
            self._used_doc_comments.add(i)
            return clean_comment([first])
        if style == "rust":
            if first.startswith("/**") and not first.startswith("/**/"):
                self._used_doc_comments.add(i)
                return clean_comment([first])
            if not first.startswith("///") or first.startswith("////"):
                return ""
        if first.startswith("/*"):
            self._used_doc_comments.add(i)
            return clean_comment([first])
        parts, idx = [first], [i]
        while True:
            j = self._comment_before(self._comment_starts[idx[-1]])
            if j < 0:
                break
            prev = self.text(self._comment_nodes[j])
            if prev.startswith("/*") or (style == "rust" and (not prev.startswith("///") or prev.startswith("////"))):
                break
            parts.append(prev)
            idx.append(j)
        parts.reverse()
        if all(DIRECTIVE_RE.match(clean_comment([p]) or "") for p in parts):
            return ""
        self._used_doc_comments.update(idx)
        return clean_comment(parts)

    def leading_comment(self) -> str:
        """The file's leading comment block (license headers and tool directives are passed over)."""
        if not self._comment_nodes:
            return ""
        code_start = len(self.src)
        for child in self.root.named_children:
            if "comment" not in child.type and child.type != "hash_bang_line":
                code_start = child.start_byte
                break
        blocks: list[list[int]] = []
        for i, start in enumerate(self._comment_starts):
            if start >= code_start:
                break
            prev_is_line = bool(blocks) and not self.src.startswith(b"/*", self._comment_starts[blocks[-1][-1]])
            if (blocks and prev_is_line and not self.src.startswith(b"/*", start)
                    and self.src[self._comment_ends[blocks[-1][-1]]:start].count(b"\n") <= 1):
                blocks[-1].append(i)
            else:
                blocks.append([i])
        for block in blocks:
            if any(i in self._used_doc_comments for i in block):
                continue
            parts = [self.text(self._comment_nodes[i]) for i in block]
            doc = clean_comment(parts)
            if not doc or LICENSE_RE.search(doc):
                continue
            lines = [ln for ln in doc.splitlines() if ln.strip()]
            if all(DIRECTIVE_RE.match(ln) for ln in lines):
                continue
            return doc
        return ""

    # -- imports, calls, errors --------------------------------------------------------------------------

    def imports(self) -> list[str]:
        nodes = self.caps.get("m", [])
        nodes.sort(key=lambda n: n.start_byte)
        out: list[str] = []
        seen: set[str] = set()
        for node in nodes:
            value = self.text(node)
            if self.name in ("go", "c", "cpp"):
                value = value.strip().strip('"<>`')
            elif self.name == "java":
                value = _JAVA_IMPORT_RE.sub("", value.strip()).removesuffix(";")
                value = WS_RE.sub("", value)
            elif self.name == "rust":
                value = WS_RE.sub("", value).replace(",", ", ")
            else:
                value = value.strip()
            if value and value not in seen:
                seen.add(value)
                out.append(value)
        return out

    def assign_calls(self) -> None:
        defs = [d for d in self.defs]
        if not defs:
            return
        defs.sort(key=lambda d: (d.header_start, -d.end_byte))
        stack: list[int] = []
        for k, d in enumerate(defs):
            while stack and defs[stack[-1]].end_byte <= d.header_start:
                stack.pop()
            d.parent_idx = stack[-1] if stack else -1
            stack.append(k)
        starts = [d.header_start for d in defs]
        caps = self.caps
        lists = []
        for key, suffix in (("callee", ""), ("macro", "!")):
            nodes = caps.get(key)
            if nodes:
                lists.append([(n.start_byte, n.end_byte, suffix) for n in nodes])
        call_nodes = caps.get("call")
        if call_nodes:
            spans = []
            for node in call_nodes:
                end = node.end_byte
                for fname in ("arguments", "block"):
                    sub = node.child_by_field_name(fname)
                    if sub is not None and sub.start_byte < end:
                        end = sub.start_byte
                spans.append((node.start_byte, end, ""))
            lists.append(spans)
        if not lists:
            return
        # captures do not come back in document order when patterns overlap; the order of calls must not vary
        items = sorted(x for lst in lists for x in lst)
        src = self.src
        seen_raw: dict[int, set[bytes]] = {}
        seen_names: dict[int, set[str]] = {}
        bisect_right = bisect.bisect_right
        for pos, end, suffix in items:
            i = bisect_right(starts, pos) - 1
            while i >= 0 and pos >= defs[i].end_byte:
                i = defs[i].parent_idx
            if i < 0:
                continue
            d = defs[i]
            if len(d.calls) >= MAX_CALLS:
                continue
            raw = src[pos:end]
            raws = seen_raw.setdefault(i, set())
            if raw in raws:
                continue
            raws.add(raw)
            name = callee_name(raw.decode("utf-8", "replace"))
            if not name or name in ("import", "require"):
                continue
            name += suffix
            names = seen_names.setdefault(i, set())
            if name not in names:
                names.add(name)
                d.calls.append(name)

    def parse_errors(self) -> int:
        return len(self.caps.get("e", ()))

    # -- the whole file ----------------------------------------------------------------------------------

    def walk(self) -> None:
        """Collect the file's definitions with :meth:`add`; each language family walks its own tree."""
        raise NotImplementedError

    def module_doc(self) -> str:
        """The file's description: its leading comment block, unless the language has something better."""
        return self.leading_comment()

    def run(self) -> tuple[str, list[str], list[Symbol], int]:
        self.load_comments()
        self.walk()
        module_doc = self.module_doc()
        self.assign_calls()
        self.defs.sort(key=lambda d: (d.span_start, d.header_start))
        symbols = [
            Symbol(
                kind=d.kind, name=d.name, qualname=d.qualname, signature=self.signature(d), docstring=d.doc,
                start_line=d.start_line, end_line=max(d.start_line, d.end_line), parent=d.parent,
                decorators=d.decorators, calls=d.calls, is_test=d.is_test,
            )
            for d in self.defs
        ]
        return module_doc, self.imports(), symbols, self.parse_errors()
