"""Secrets assigned to a name: ``API_KEY = "…"``, ``"password": "…"``, ``token: …``, ``DB_PASSWORD=…``,
``$secret = '…'``, ``apiKey := "…"``, ``--password=…`` and ``--token …``.

Every ``=``, ``:``, ``:=``, ``=>`` or ``==`` followed by a value of six or more characters is a candidate;
the name is read backwards from the operator (over closing quotes and brackets: ``env["TOKEN"] = …``, and
over a type annotation: ``password: str = …``).

* When the name is secret-like (:func:`~.values.is_secret_name`) the value is a ``credential_assignment``
  (``aws_secret_access_key`` for an AWS secret) unless it is a placeholder, a path or URL, a word or two
  (``"X-API-Key"``) or, unquoted in code, a reference (``os.environ["X"]``, ``settings.TOKEN``). Unquoted
  values are taken literally on lines of settings (``export NAME=value``; ``name: value`` outside code
  files) and in configuration files (``where`` ending in ``.env``, ``.ini``, ``.toml``, ``.yaml``…).
* Any other name (not one about hashes, ids, versions, paths…) gets a ``high_entropy_assignment`` when the
  value looks generated (:func:`~.values.looks_random`) and is not hexadecimal (digests, commit ids).
"""

from __future__ import annotations

import functools
import itertools
import re
from typing import Iterator

from .search import anchored
from .values import (
    NOT_SECRET_LAST_WORDS,
    NOT_SECRET_WORDS,
    is_encoded_text,
    is_hash_like,
    is_path_or_url,
    is_placeholder,
    is_reference,
    is_secret_name,
    is_wordlike,
    looks_random,
    name_words,
    names_a_secret,
)

_OPERATOR = re.compile(r"""(?P<op>[=:][=>]?)[ \t]*(?P<p>[rbuRBUf]{0,2})(?P<q>["'`]?)(?P<v>[^\s"'`:=][^\s"'`]{5,})""")
_FLAG = re.compile(r"""(?i)(?P<name>--[a-z][\w-]*|passw(?:or)?d)[ \t]+(?P<q>["']?)(?P<v>[^\s"'`-][^\s"'`]{5,})""")
_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.$@-")
_CLOSERS = "\"']`"
_TYPE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.[], |")
_TRAILING = ",;)]}>.\\"
_TOKENISH = re.compile(r"[A-Za-z0-9+/=_.~-]+")
_SEPARATORS = re.compile(r"[/\-._~+=:]")
_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")
_AWS_SECRET = re.compile(r"[A-Za-z0-9/+]{40}")
_YAML_PREFIX = re.compile(r"[ \t]*(?:-[ \t]+)?[\"']?\Z")
_ENV_PREFIX = re.compile(r"[ \t]*(?:export[ \t]+|set[ \t]+|ENV[ \t]+|setenv[ \t]+)?\Z")
CODE_SUFFIXES = (".py", ".pyi", ".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".go", ".rs", ".java", ".kt",
                 ".rb", ".php", ".c", ".h", ".cc", ".cpp", ".hpp", ".cs", ".swift", ".scala", ".dart", ".lua")
CONFIG_SUFFIXES = (".env", ".ini", ".cfg", ".conf", ".properties", ".toml", ".yaml", ".yml", ".npmrc",
                   ".pypirc", ".netrc", ".envrc", ".tfvars")
_FLAG_NEEDLES = ("pass", "pwd", "token", "secret", "key", "auth", "credential")


def _name_before(text: str, op: int) -> tuple[str, int]:
    """The name that ends just before the operator at ``op`` (and where it starts)."""
    i = op - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    skipped = 0
    while i >= 0 and skipped < 2 and text[i] in _CLOSERS:
        i -= 1
        skipped += 1
    end = i + 1
    while i >= 0 and text[i] in _NAME_CHARS and end - i <= 80:
        i -= 1
    return text[i + 1:end].lstrip("-.@"), i + 1


def _annotated(text: str, op: int) -> tuple[str, int] | None:
    """For ``name: Type = value`` (a typed parameter or field), the name and where it starts."""
    k = op - 1
    while k >= 0 and op - k <= 60 and text[k] in _TYPE_CHARS:
        k -= 1
    if k > 0 and text[k] == ":" and text[k - 1] != ":" and k < op - 1:
        return _name_before(text, k)
    return None


def _literal_line(text: str, name_start: int, name_end: int, op_start: int, value_end: int, code: bool) -> bool:
    """Whether the assignment is a whole line of settings, nothing after the value but a comment: an
    environment line (``NAME=value`` at the start of its line or after ``export``/``set``/``ENV``, no space
    around ``=``) or, outside code files, a YAML line (``  name: value``, ``- name: value``)."""
    if name_end != op_start or text[op_start] not in "=:":
        return False
    line_start = text.rfind("\n", 0, name_start) + 1
    if text[op_start] == "=":
        prefix = _ENV_PREFIX.match(text, line_start, name_start) if name_start - line_start < 16 else None
        if not prefix or (name_start > line_start and not prefix.group(0).strip()):
            return False  # indented without export/set/ENV: a keyword argument on its own line
    elif code or text[op_start + 1:op_start + 2] not in (" ", "\t") or \
            not _YAML_PREFIX.match(text, line_start, name_start):
        return False
    end = text.find("\n", value_end)
    rest = text[value_end:end if end >= 0 else len(text)].strip()
    return not rest or rest.startswith("#")


def is_code_path(where: str) -> bool:
    """Whether ``where`` (a path, maybe with ``:lines``) names a source file of a programming language."""
    name = where.rsplit("/", 1)[-1].split(":", 1)[0].lower()
    return name.endswith(CODE_SUFFIXES)


def is_config_path(where: str) -> bool:
    """Whether ``where`` (a path, maybe with ``:lines``) names a configuration or environment file."""
    name = where.rsplit("/", 1)[-1].split(":", 1)[0].lower()
    return name.startswith(".env") or name.endswith(CONFIG_SUFFIXES)


def _trim(value: str, quoted: bool) -> str:
    return value if quoted else value.rstrip(_TRAILING)


def named_value_is_secret(value: str, quoted: bool, literal: bool) -> bool:
    """Whether ``value``, assigned to a secret-like name, is a real secret (see the module docstring)."""
    if len(value) < 6 or is_placeholder(value) or is_path_or_url(value) or is_wordlike(value):
        return False
    if names_a_secret(value):
        return False
    if not quoted and not literal:  # code or prose: only what cannot be a name, an expression or words
        return not is_reference(value) and "*" not in value and any(c.isdigit() for c in value)
    if not quoted and any(c in value for c in "()[]{}"):
        return False  # Optional[str], get_token()
    if quoted and "." in value and is_reference(value) and not any(c.isdigit() for c in value):
        return False  # "settings.SECRET_KEY", "config.api_token"
    return True


@functools.lru_cache(maxsize=4096)
def _says_not_secret(name: str) -> bool:
    words = name_words(name)
    return bool(words) and (words[-1] in NOT_SECRET_LAST_WORDS or bool(NOT_SECRET_WORDS.intersection(words)))


def random_value_is_secret(value: str, name: str) -> bool:
    """Whether ``value``, assigned to a name that says nothing, is a generated secret."""
    if not 20 <= len(value) <= 256 or not _TOKENISH.fullmatch(value) or _says_not_secret(name):
        return False
    longest = max(_SEPARATORS.split(value), key=len)  # "owner/Model-7B-v0.1" has no long random run
    return (looks_random(longest, 16) and not is_hash_like(longest) and not is_placeholder(value)
            and not is_path_or_url(value) and not is_encoded_text(value))


def _kind(name: str, value: str) -> str:
    words = name_words(name)
    if "aws" in words and ("secret" in words or "access" in words) and _AWS_SECRET.fullmatch(value):
        return "aws_secret_access_key"
    return "credential_assignment"


def assignment_spans(text: str, lower: str, where: str = "") -> Iterator[tuple[int, int, str]]:
    """``(start, end, kind)`` for every secret assigned to a name in ``text``."""
    config, code = is_config_path(where), is_code_path(where)
    for m in _OPERATOR.finditer(text):
        op = m.start("op")
        name, name_start = _name_before(text, op)
        if m.group("op") == "=" and (typed := _annotated(text, op)) and is_secret_name(typed[0]):
            name, name_start = typed  # password: str = "…"
        if not name:
            continue
        quote = m.group("q")
        raw = m.group("v")
        if quote and text[m.end("v"):m.end("v") + 1] != quote:
            continue  # a quoted phrase with spaces, not a token
        quoted = quote in ("'", '"')  # `code` in backticks is judged as code
        value = _trim(raw, bool(quote))
        start = m.start("v")
        if is_secret_name(name):
            literal = config or _literal_line(text, name_start, name_start + len(name), op, m.end("v"), code)
            if m.group("op") == "==" and not looks_random(value, 16):
                continue  # a comparison with a literal: only a generated-looking one is a secret
            if named_value_is_secret(value, quoted, literal):
                yield start, start + len(value), _kind(name, value)
        elif (quote or config or _literal_line(text, name_start, name_start + len(name), op, m.end("v"), code)
              or not _IDENTIFIER.fullmatch(value)) and random_value_is_secret(value, name):
            yield start, start + len(value), "high_entropy_assignment"  # an unquoted name in code is a name
    flags = anchored(_FLAG, text, text, "--") if any(n in lower for n in _FLAG_NEEDLES) else iter(())
    for m in itertools.chain(flags, anchored(_FLAG, text, lower, "passw")):
            name = m.group("name").lstrip("-")
            quoted = bool(m.group("q"))
            value = _trim(m.group("v"), quoted)
            if (is_secret_name(name) and named_value_is_secret(value, quoted, True) and not value.isalpha()
                    and not any(c in value for c in "()[]{}") and not value.endswith(":")):
                yield m.start("v"), m.start("v") + len(value), "credential_assignment"
