"""Go, Rust, Java and Ruby definitions, one extractor each.

Go: functions, methods (by receiver type) and struct/interface types, with ``//`` doc comments; Rust:
functions, structs, enums, unions and traits, methods of ``impl`` blocks and traits, modules, with
``///`` doc comments and ``#[...]`` attributes; Java: classes, interfaces, enums, records and their
methods and constructors, with Javadoc and annotations; Ruby: modules, classes and methods, with ``#``
comments. Test flags follow each language's test frameworks.
"""

from __future__ import annotations

import re
from typing import Any

from .extract import Extractor
from .text import WS_RE, one_line


class GoExtractor(Extractor):
    """Walks the top level of a Go file."""

    def walk(self) -> None:
        for node in self.root.named_children:
            t = node.type
            if t in ("function_declaration", "method_declaration"):
                name_node = node.child_by_field_name("name")
                body = node.child_by_field_name("body")
                if name_node is None:
                    continue
                name = self.text(name_node)
                parent = None
                if t == "method_declaration":
                    receiver = node.child_by_field_name("receiver")
                    rtype = None
                    if receiver is not None:
                        for p in receiver.named_children:
                            if p.type == "parameter_declaration":
                                rtype = p.child_by_field_name("type")
                                break
                    if rtype is not None:
                        parent = re.sub(r"\[.*$", "", self.text(rtype)).lstrip("*").strip() or None
                is_test = self.is_test_file and bool(re.match(r"^(Test|Benchmark|Example|Fuzz)", name))
                self.add(kind="method" if parent else "function", name=name,
                         qualname=f"{parent}.{name}" if parent else name, parent=parent, node=node,
                         span_start_node=node, header_start=node.start_byte,
                         header_end=body.start_byte if body is not None else node.end_byte, decorators=[],
                         doc=self.doc_before(node.start_byte, "lines"), is_test=is_test)
            elif t == "type_declaration":
                specs = [c for c in node.named_children if c.type == "type_spec"]
                for spec in specs:
                    tnode = spec.child_by_field_name("type")
                    name_node = spec.child_by_field_name("name")
                    if tnode is None or name_node is None or tnode.type not in ("struct_type", "interface_type"):
                        continue
                    single = len(specs) == 1
                    outer = node if single else spec
                    brace = tnode.end_byte
                    for c in tnode.children:
                        if c.type in ("field_declaration_list", "{"):
                            brace = c.start_byte
                            break
                    name = self.text(name_node)
                    self.add(kind="class", name=name, qualname=name, parent=None, node=outer, span_start_node=outer,
                             header_start=outer.start_byte, header_end=brace, decorators=[],
                             doc=self.doc_before(outer.start_byte, "lines"), is_test=False)


class RustExtractor(Extractor):
    """Walks a Rust file's items (and those of its inline modules, impls and traits)."""

    def walk(self) -> None:
        self._rust_items(self.root, "", None)

    def _rust_type_name(self, node: Any) -> str:
        if node.type == "generic_type":
            inner = node.child_by_field_name("type")
            if inner is not None:
                node = inner
        return WS_RE.sub("", self.text(node))

    def _rust_items(self, container: Any, prefix: str, parent: str | None) -> None:
        pending: list[Any] = []
        for item in container.named_children:
            t = item.type
            if t == "attribute_item":
                pending.append(item)
                continue
            if t in ("line_comment", "block_comment"):
                continue
            attrs, pending = pending, []
            span = attrs[0] if attrs else item
            decos = [one_line(self.text(a))[2:-1].strip() for a in attrs]
            name_node = item.child_by_field_name("name")
            body = item.child_by_field_name("body")
            if t == "function_item" and name_node is not None:
                name = self.text(name_node)
                is_test = any(re.match(r"^(\w+::)*test\b", d) for d in decos)
                self.add(kind="method" if parent else "function", name=name,
                         qualname=f"{prefix}{parent}.{name}" if parent else prefix + name, parent=parent,
                         node=item, span_start_node=span, header_start=item.start_byte,
                         header_end=body.start_byte if body is not None else item.end_byte, decorators=decos,
                         doc=self.doc_before(span.start_byte, "rust"), is_test=is_test)
            elif t in ("struct_item", "enum_item", "union_item", "trait_item") and name_node is not None:
                name = self.text(name_node)
                self.add(kind="class", name=name, qualname=prefix + name, parent=None, node=item,
                         span_start_node=span, header_start=item.start_byte,
                         header_end=body.start_byte if body is not None else item.end_byte, decorators=decos,
                         doc=self.doc_before(span.start_byte, "rust"), is_test=False)
                if t == "trait_item" and body is not None:
                    self._rust_items(body, prefix, name)
            elif t == "impl_item" and body is not None:
                tnode = item.child_by_field_name("type")
                if tnode is not None:
                    self._rust_items(body, prefix, self._rust_type_name(tnode))
            elif t == "mod_item" and body is not None and name_node is not None:
                self._rust_items(body, prefix + self.text(name_node) + ".", None)


class JavaExtractor(Extractor):
    """Walks a Java file's types and their members."""

    _JAVA_TYPES = frozenset({"class_declaration", "interface_declaration", "enum_declaration", "record_declaration",
                             "annotation_type_declaration"})
    _JAVA_METHODS = frozenset({"method_declaration", "constructor_declaration", "compact_constructor_declaration"})

    def walk(self) -> None:
        self._java_body(self.root, "", None, False)

    def _java_header(self, node: Any) -> tuple[int, list[str]]:
        """Where the header starts once annotations are passed over, and the annotations' text."""
        mods = next((c for c in node.children if c.type == "modifiers"), None)
        if mods is None:
            return node.start_byte, []
        kinds = ("marker_annotation", "annotation")
        annotations = [c for c in mods.children if c.type in kinds]
        rest = [c for c in mods.children if c.type not in kinds and "comment" not in c.type]
        if rest:
            start = rest[0].start_byte
        else:
            nxt = mods.next_sibling
            start = nxt.start_byte if nxt is not None else node.start_byte
        return start, [one_line(self.text(a).lstrip("@")) for a in annotations]

    def _java_body(self, body: Any, prefix: str, cls: str | None, in_test: bool) -> None:
        for node in body.named_children:
            t = node.type
            if t == "enum_body_declarations":
                self._java_body(node, prefix, cls, in_test)
                continue
            if t not in self._JAVA_TYPES and not (t in self._JAVA_METHODS and cls is not None):
                continue
            name_node = node.child_by_field_name("name")
            if name_node is None:
                continue
            name = self.text(name_node)
            header_start, decos = self._java_header(node)
            sub = node.child_by_field_name("body")
            if t in self._JAVA_TYPES:
                qual = prefix + name
                is_test = in_test or bool(re.search(r"(Test|Tests|TestCase|IT)$", name))
                self.add(kind="class", name=name, qualname=qual, parent=cls, node=node, span_start_node=node,
                         header_start=header_start, header_end=sub.start_byte if sub is not None else node.end_byte,
                         decorators=decos, doc=self.doc_before(node.start_byte, "jsdoc"), is_test=is_test)
                if sub is not None:
                    self._java_body(sub, qual + ".", qual, is_test)
            else:
                is_test = any(re.match(r"^(\w+\.)*(Test|ParameterizedTest|RepeatedTest|TestFactory|TestTemplate)\b", d)
                              for d in decos)
                self.add(kind="method", name=name, qualname=f"{cls}.{name}", parent=cls, node=node,
                         span_start_node=node, header_start=header_start,
                         header_end=sub.start_byte if sub is not None else node.end_byte, decorators=decos,
                         doc=self.doc_before(node.start_byte, "jsdoc"), is_test=is_test)


class RubyExtractor(Extractor):
    """Walks a Ruby file's modules, classes and methods."""

    def walk(self) -> None:
        self._ruby_body(self.root, "", None, False)

    def _ruby_body(self, body: Any, prefix: str, cls: str | None, in_test: bool) -> None:
        for node in body.named_children:
            t = node.type
            if t in ("class", "module"):
                name_node = node.child_by_field_name("name")
                if name_node is None:
                    continue
                name = WS_RE.sub("", self.text(name_node))
                qual = prefix + name
                is_test = in_test or bool(re.search(r"(Test|Spec)$", name))
                inner = node.child_by_field_name("body")
                header_end = name_node.end_byte
                superclass = node.child_by_field_name("superclass")
                if superclass is not None:
                    header_end = superclass.end_byte
                self.add(kind="class", name=name.split("::")[-1], qualname=qual, parent=cls, node=node,
                         span_start_node=node, header_start=node.start_byte, header_end=header_end, decorators=[],
                         doc=self.doc_before(node.start_byte, "lines"), is_test=is_test)
                if inner is not None:
                    self._ruby_body(inner, qual + ".", qual, is_test)
            elif t == "singleton_class":
                inner = node.child_by_field_name("body")
                if inner is not None:
                    self._ruby_body(inner, prefix, cls, in_test)
            elif t in ("method", "singleton_method"):
                name_node = node.child_by_field_name("name")
                if name_node is None:
                    continue
                name = self.text(name_node)
                params = node.child_by_field_name("parameters")
                header_end = params.end_byte if params is not None else name_node.end_byte
                self.add(kind="method" if cls else "function", name=name,
                         qualname=f"{cls}.{name}" if cls else prefix + name, parent=cls, node=node,
                         span_start_node=node, header_start=node.start_byte, header_end=header_end, decorators=[],
                         doc=self.doc_before(node.start_byte, "lines"),
                         is_test=name.startswith("test_") or (in_test and name.startswith("test")))
