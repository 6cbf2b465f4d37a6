"""Facts read from a Python file's syntax tree: module constants, class attributes and dataclass / pydantic
fields with their defaults, enum members, parameter defaults, command-line options (argparse, click,
typer), environment variables read, and the comments that explain a line.

Only the file's own text is used (the lines the :class:`~.repo.Repo` trusts); nothing is imported or run.
A file that does not parse yields no facts. Values are kept as their source text, shortened for answers.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass, field

from .text import inline

_ENUM_BASES = ("Enum", "IntEnum", "StrEnum", "Flag", "IntFlag")
_DATACLASS_DECORATORS = ("dataclass", "dataclasses.dataclass", "attr.s", "attrs.define", "define", "attr.define",
                         "frozen", "attrs.frozen", "pydantic.dataclasses.dataclass")
_MODEL_BASES = ("BaseModel", "BaseSettings", "pydantic.BaseModel", "TypedDict", "NamedTuple")
_FIELD_CALLS = ("field", "dataclasses.field", "Field", "pydantic.Field", "attr.ib", "attrib", "attrs.field")
_SKIP_COMMENT = re.compile(r"^(noqa|type:|pragma|pylint|fmt:|isort|mypy|ruff|coding[:=]|-\*-|!|nosec|pyright)",
                           re.I)
VALUE_CHARS = 90


@dataclass
class Assigned:
    """A module constant, a class attribute or a dataclass / pydantic field."""

    kind: str  # "constant" | "attribute" | "field"
    owner: str  # "" for the module, else the class's qualified name
    name: str
    value: str  # the default's source text ("" for a field without default)
    line: int
    end: int
    annotation: str = ""
    comment: str = ""
    description: str = ""  # pydantic Field(description=...) or a docstring right after the assignment
    items: list[tuple[str, str]] = field(default_factory=list)  # (key, value) for a dict literal
    members: list[str] = field(default_factory=list)  # the items of a tuple / list / set literal
    factory: str = ""  # default_factory=... of a field


@dataclass
class EnumMember:
    owner: str
    name: str
    value: str
    line: int


@dataclass
class ParamDefault:
    func: str  # the function's qualified name
    name: str
    default: str
    annotation: str
    line: int
    end: int
    keyword_only: bool = False


@dataclass
class CliOption:
    command: str  # "" for the top-level parser
    flags: list[str]
    default: str | None
    help: str
    choices: str
    action: str
    line: int


@dataclass
class CliCommand:
    name: str
    help: str
    line: int


@dataclass
class EnvRead:
    var: str
    default: str
    func: str
    line: int


@dataclass
class Comment:
    text: str
    line: int  # the line the comment explains
    code: str  # that line's code, stripped


@dataclass
class PyFacts:
    assigned: list[Assigned] = field(default_factory=list)
    enums: dict[str, list[EnumMember]] = field(default_factory=dict)
    params: list[ParamDefault] = field(default_factory=list)
    prog: str = ""
    commands: list[CliCommand] = field(default_factory=list)
    options: list[CliOption] = field(default_factory=list)
    env: list[EnvRead] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else node.attr
    if isinstance(node, ast.Call):
        return _dotted(node.func)
    if isinstance(node, ast.Subscript):
        return _dotted(node.value)
    return ""


class _Reader:
    def __init__(self, source: str) -> None:
        self.lines = [line.encode("utf-8") for line in source.split("\n")]
        self.strings: dict[str, str] = {}  # module-level NAME = "text", to resolve env var and prog names

    def segment(self, node: ast.AST) -> str:
        """The node's source text (``ast.get_source_segment`` without splitting the file on every call)."""
        try:
            first, last = node.lineno - 1, node.end_lineno - 1  # type: ignore[attr-defined,operator]
            start, end = node.col_offset, node.end_col_offset  # type: ignore[attr-defined]
        except AttributeError:
            return ""
        if first is None or last is None or end is None or not 0 <= first <= last < len(self.lines):
            return ""
        if first == last:
            return self.lines[first][start:end].decode("utf-8", errors="replace")
        parts = [self.lines[first][start:], *self.lines[first + 1 : last], self.lines[last][:end]]
        return b"\n".join(parts).decode("utf-8", errors="replace")

    def text(self, node: ast.AST | None, limit: int = VALUE_CHARS) -> str:
        if node is None:
            return ""
        return inline(self.segment(node), limit)

    def string(self, node: ast.AST | None) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            return self.strings.get(node.id)
        if isinstance(node, ast.JoinedStr):  # f"...": module strings filled in, other placeholders as written
            out = []
            for v in node.values:
                if isinstance(v, ast.Constant):
                    out.append(str(v.value))
                elif isinstance(v, ast.FormattedValue) and isinstance(v.value, ast.Name) and v.value.id in self.strings:
                    out.append(self.strings[v.value.id])
                else:
                    out.append("{" + self.text(getattr(v, "value", v), 40) + "}")
            return "".join(out)
        return None


def _kw(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _collection(reader: _Reader, node: ast.AST) -> tuple[list[tuple[str, str]], list[str]]:
    """(key, value) items of a dict literal and members of a tuple / list / set literal (or frozenset(...))."""
    if isinstance(node, ast.Call) and _dotted(node.func) in ("frozenset", "set", "tuple", "dict") and node.args:
        node = node.args[0]
    if isinstance(node, ast.Dict) and 0 < len(node.keys) <= 60:
        return [(reader.text(k, 50), reader.text(v, 70)) for k, v in zip(node.keys, node.values) if k is not None], []
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and 0 < len(node.elts) <= 60:
        return [], [reader.text(e, 50) for e in node.elts]
    return [], []


def _assigned(reader: _Reader, stmt: ast.stmt, owner: str, kind: str, lines: list[str],
              next_stmt: ast.stmt | None) -> Assigned | None:
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
        name, value, annotation = stmt.targets[0].id, stmt.value, None
    elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        name, value, annotation = stmt.target.id, stmt.value, stmt.annotation
    else:
        return None
    if name.startswith("__") and name != "__version__":
        return None
    if isinstance(value, (ast.Lambda, ast.Subscript)) or _empty(value) or (
            isinstance(value, ast.Call) and _dotted(value.func) in ("TypeVar", "NewType", "ParamSpec")):
        return None  # functions, type aliases, empty registries: not facts people ask about
    out = Assigned(kind, owner, name, "", stmt.lineno, stmt.end_lineno or stmt.lineno,
                   annotation=reader.text(annotation, 60))
    if isinstance(value, ast.Call) and _dotted(value.func) in _FIELD_CALLS:
        default = _kw(value, "default")
        if default is None and value.args and _dotted(value.func).endswith("Field"):
            default = value.args[0]
        if default is not None and not (isinstance(default, ast.Constant) and default.value is Ellipsis):
            out.value = reader.text(default)
        factory = _kw(value, "default_factory") or _kw(value, "factory")
        out.factory = reader.text(factory, 60)
        out.description = reader.string(_kw(value, "description")) or ""
    elif value is not None:
        out.value = reader.text(value)
        out.items, out.members = _collection(reader, value)
    code = lines[stmt.lineno - 1] if stmt.lineno <= len(lines) else ""
    if "#" in code:
        out.comment = _trailing_comment(code)
    if (isinstance(next_stmt, ast.Expr) and isinstance(next_stmt.value, ast.Constant)
            and isinstance(next_stmt.value.value, str) and not out.description):
        out.description = " ".join(next_stmt.value.value.split())
    return out


def _empty(value: ast.expr | None) -> bool:
    if isinstance(value, (ast.Dict, ast.List, ast.Tuple, ast.Set)):
        return not (value.keys if isinstance(value, ast.Dict) else value.elts)
    return isinstance(value, ast.Call) and _dotted(value.func) in ("dict", "list", "set", "tuple") and not (
        value.args or value.keywords)


def _trailing_comment(code: str) -> str:
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code + "\n").readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return ""
    for tok in tokens:
        if tok.type == tokenize.COMMENT:
            text = tok.string.lstrip("#").strip()
            return "" if _SKIP_COMMENT.match(text) else text
    return ""


def _is_enum(cls: ast.ClassDef) -> bool:
    return any(_dotted(b).rsplit(".", 1)[-1] in _ENUM_BASES for b in cls.bases)


def _is_record(cls: ast.ClassDef) -> bool:
    decos = {_dotted(d) for d in cls.decorator_list}
    return bool(decos & set(_DATACLASS_DECORATORS)) or any(_dotted(b) in _MODEL_BASES for b in cls.bases)


def _params(reader: _Reader, fn: ast.FunctionDef | ast.AsyncFunctionDef, qual: str) -> list[ParamDefault]:
    a = fn.args
    out = []
    positional = a.posonlyargs + a.args
    for arg, default in zip(positional[len(positional) - len(a.defaults):], a.defaults):
        out.append(ParamDefault(qual, arg.arg, reader.text(default), reader.text(arg.annotation, 60), fn.lineno,
                                fn.end_lineno or fn.lineno))
    for arg, default in zip(a.kwonlyargs, a.kw_defaults):
        if default is not None:
            out.append(ParamDefault(qual, arg.arg, reader.text(default), reader.text(arg.annotation, 60), fn.lineno,
                                    fn.end_lineno or fn.lineno, keyword_only=True))
    return out


class _CliScan:
    """argparse parsers and subcommands (by variable), click / typer commands and options."""

    def __init__(self, reader: _Reader, facts: PyFacts, decorators: bool) -> None:
        self.r = reader
        self.facts = facts
        self.decorators = decorators  # the file imports click or typer: their decorators are commands

    def scope(self, body: list[ast.stmt]) -> None:
        owner: dict[str, str] = {}  # variable -> its command ("" for the main parser)
        for node in _in_order(body):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                var, value = node.targets[0].id, node.value
                if isinstance(value, ast.Call):
                    self._assign(var, value, owner)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                if node.func.attr == "add_argument":
                    self._argument(node, owner.get(_dotted(node.func.value), ""))

    def _assign(self, var: str, call: ast.Call, owner: dict[str, str]) -> None:
        fn = _dotted(call.func)
        if fn.endswith("ArgumentParser"):
            owner[var] = ""
            prog = self.r.string(_kw(call, "prog"))
            if prog and not self.facts.prog:
                self.facts.prog = prog
        elif isinstance(call.func, ast.Attribute) and call.func.attr == "add_parser" and call.args:
            name = self.r.string(call.args[0]) or ""
            owner[var] = name
            help_text = self.r.string(_kw(call, "help")) or self.r.string(_kw(call, "description")) or ""
            self.facts.commands.append(CliCommand(name, help_text, call.lineno))
        elif isinstance(call.func, ast.Attribute) and call.func.attr in (
                "add_argument_group", "add_mutually_exclusive_group", "add_subparsers"):
            owner[var] = owner.get(_dotted(call.func.value), "")
        elif isinstance(call.func, ast.Attribute) and call.func.attr == "add_argument":
            self._argument(call, owner.get(_dotted(call.func.value), ""))

    def _argument(self, call: ast.Call, command: str) -> None:
        flags = [s for s in (self.r.string(a) for a in call.args) if s]
        if not flags:
            return
        default = _kw(call, "default")
        self.facts.options.append(CliOption(
            command, flags, None if default is None else self.r.text(default, 60),
            self.r.string(_kw(call, "help")) or "", self.r.text(_kw(call, "choices"), 60),
            self.r.string(_kw(call, "action")) or "", call.lineno))

    def decorated(self, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        """click / typer: ``@x.command(...)`` with ``@click.option(...)`` decorators and typer.Option defaults."""
        command = None
        if not self.decorators:
            return
        for deco in fn.decorator_list:
            if isinstance(deco, ast.Call) and _dotted(deco.func).rsplit(".", 1)[-1] in ("command", "group"):
                named = self.r.string(deco.args[0]) if deco.args else self.r.string(_kw(deco, "name"))
                command = named or fn.name.replace("_", "-")
                doc = ast.get_docstring(fn) or ""
                help_text = self.r.string(_kw(deco, "help")) or (doc.strip().split("\n")[0] if doc else "")
                self.facts.commands.append(CliCommand(command, help_text, fn.lineno))
        if command is None:
            return
        for deco in fn.decorator_list:
            if isinstance(deco, ast.Call) and _dotted(deco.func).rsplit(".", 1)[-1] == "option":
                self._argument(deco, command)
        a = fn.args
        for arg, default in zip(a.args[len(a.args) - len(a.defaults):], a.defaults):
            if isinstance(default, ast.Call) and _dotted(default.func).rsplit(".", 1)[-1] == "Option":
                flags = [s for s in (self.r.string(x) for x in default.args[1:]) if s] or \
                    ["--" + arg.arg.replace("_", "-")]
                first = default.args[0] if default.args else _kw(default, "default")
                self.facts.options.append(CliOption(
                    command, flags, None if first is None else self.r.text(first, 60),
                    self.r.string(_kw(default, "help")) or "", "", "", default.lineno))


def _in_order(body: list[ast.stmt]):
    """The nodes of a block in source order, nested functions and classes left out."""
    stack = list(reversed(body))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        yield node
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


def _env_reads(reader: _Reader, fn: ast.AST, qual: str) -> list[EnvRead]:
    out = []
    for node in ast.walk(fn):
        key: ast.expr | None = None
        default: ast.expr | None = None
        if isinstance(node, ast.Call):
            name = _dotted(node.func)
            if name.endswith(("environ.get", "getenv", "environ.setdefault")) and node.args:
                key = node.args[0]
                default = node.args[1] if len(node.args) > 1 else None
        elif isinstance(node, ast.Subscript) and _dotted(node.value).endswith("environ"):
            key = node.slice
        var = reader.string(key) if key is not None else None
        if var and re.fullmatch(r"[A-Z][A-Z0-9_]{2,}", var):
            out.append(EnvRead(var, reader.text(default, 60), qual, node.lineno))
    return out


def _comments(source: str, lines: list[str]) -> list[Comment]:
    """Comments of four words or more, each tied to the code line it explains (its own, or the next one)."""
    out: list[Comment] = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return out
    block: list[str] = []
    block_end = 0
    for tok in tokens:
        if tok.type != tokenize.COMMENT:
            continue
        row = tok.start[0]
        text = tok.string.lstrip("#").strip()
        own_line = not lines[row - 1][: tok.start[1]].strip()
        if not text or _SKIP_COMMENT.match(text) or _looks_like_code(text):
            block, block_end = ([], 0) if own_line else (block, block_end)
            continue
        if not own_line:
            if len(text.split()) >= 4:
                out.append(Comment(text, row, lines[row - 1][: tok.start[1]].strip()))
            continue
        if block and row != block_end + 1:
            _flush(block, block_end, lines, out)
            block = []
        block.append(text)
        block_end = row
    if block:
        _flush(block, block_end, lines, out)
    return out


def _flush(block: list[str], end: int, lines: list[str], out: list[Comment]) -> None:
    text = " ".join(block)
    if len(text.split()) < 4:
        return
    nxt = end
    while nxt < len(lines) and not lines[nxt].strip():
        nxt += 1
    if nxt < len(lines) and not lines[nxt].lstrip().startswith("#"):
        out.append(Comment(text, nxt + 1, lines[nxt].strip()))


def _looks_like_code(text: str) -> bool:
    if not re.search(r"[=()\[\]:]", text) or len(text.split()) > 12:
        return False
    try:
        ast.parse(text)
    except SyntaxError:
        return False
    return True


def _imports_any(tree: ast.Module, modules: tuple[str, ...]) -> bool:
    for node in tree.body:
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] in modules for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in modules:
            return True
    return False


def read_facts(lines: list[str]) -> PyFacts:
    """Every fact of one Python file (its lines, as the index counts them)."""
    source = "\n".join(lines)
    facts = PyFacts()
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return facts
    reader = _Reader(source)
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            if isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
                reader.strings[stmt.targets[0].id] = stmt.value.value
    cli = _CliScan(reader, facts, _imports_any(tree, ("click", "typer", "rich_click", "cloup", "asyncclick")))
    _module_level(reader, tree.body, lines, facts)
    cli.scope(tree.body)
    _walk_defs(reader, tree.body, "", lines, facts, cli)
    facts.comments = _comments(source, lines)
    return facts


def _module_level(reader: _Reader, body: list[ast.stmt], lines: list[str], facts: PyFacts) -> None:
    for i, stmt in enumerate(body):
        got = _assigned(reader, stmt, "", "constant", lines, body[i + 1] if i + 1 < len(body) else None)
        if got and (got.value or got.items or got.members):
            facts.assigned.append(got)


def _walk_defs(reader: _Reader, body: list[ast.stmt], prefix: str, lines: list[str], facts: PyFacts,
               cli: _CliScan) -> None:
    for stmt in body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            qual = prefix + stmt.name
            facts.params += _params(reader, stmt, qual)
            facts.env += _env_reads(reader, stmt, qual)
            cli.decorated(stmt)
            cli.scope(stmt.body)
        elif isinstance(stmt, ast.ClassDef):
            qual = prefix + stmt.name
            if _is_enum(stmt):
                members = []
                for s in stmt.body:
                    if (isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name)
                            and not s.targets[0].id.startswith("_")):
                        members.append(EnumMember(qual, s.targets[0].id, reader.text(s.value, 60), s.lineno))
                if members:
                    facts.enums[qual] = members
            else:
                kind = "field" if _is_record(stmt) else "attribute"
                for i, s in enumerate(stmt.body):
                    got = _assigned(reader, s, qual, kind, lines, stmt.body[i + 1] if i + 1 < len(stmt.body) else None)
                    if got and (got.value or got.factory or kind == "field"):
                        facts.assigned.append(got)
            _walk_defs(reader, stmt.body, qual + ".", lines, facts, cli)
