"""Judging a candidate value and the name it is assigned to.

A value is a *placeholder* when it is a stand-in people write in docs and examples (``your-api-key``,
``xxxx``, ``changeme``, ``<token>``, ``${TOKEN}``, ``AKIAIOSFODNN7EXAMPLE``), a *reference* when it names
something else (``os.environ``, ``settings.API_KEY``, ``get_token()``, a path, an environment variable's
name) and *random-looking* when it mixes letter cases and digits with a high entropy, frequent changes of
character class and few words, as generated keys do and identifiers do not. A name is *secret-like* when
one of its words is ``password``, ``secret``, ``token``… (or a pair such as ``api key``), unless a word says
it holds something about the secret rather than the secret (``token_url``, ``password_field``,
``secret_name``, ``public_key``, ``bos_token``).
"""

from __future__ import annotations

import base64
import binascii
import functools
import math
import re
import string

PLACEHOLDER_HINTS = (
    "your", "example", "changeme", "change_me", "change-me", "placeholder", "dummy", "redacted", "xxxx",
    "***", "...", "…", "<", ">", "${", "{{", "%(", "insert", "replace", "sample", "deadbeef",
)
PLACEHOLDER_WORDS = frozenset({
    "password", "passwd", "pass", "pwd", "secret", "token", "test", "admin", "root", "guest", "demo", "user",
    "username", "postgres", "mysql", "none", "null", "nil", "true", "false", "undefined", "empty",
})
SECRET_WORDS = frozenset({
    "password", "passwd", "passphrase", "pwd", "pass", "secret", "token", "apikey", "credential",
    "credentials", "privatekey", "secretkey", "accesskey", "authtoken", "accesstoken", "clientsecret",
})
SECRET_PAIRS = frozenset({
    ("api", "key"), ("access", "key"), ("secret", "key"), ("private", "key"), ("auth", "key"),
    ("signing", "key"), ("encryption", "key"), ("master", "key"), ("account", "key"), ("session", "key"),
    ("client", "secret"), ("app", "secret"), ("shared", "key"), ("license", "key"),
})
NOT_SECRET_LAST_WORDS = frozenset({
    "name", "names", "header", "field", "param", "env", "var", "variable", "path", "file", "filename", "dir",
    "url", "uri", "endpoint", "type", "kind", "id", "ids", "prefix", "suffix", "label", "format", "pattern",
    "regex", "re", "len", "length", "count", "size", "min", "max", "limit", "hint", "help", "message", "msg",
    "description", "desc", "doc", "title", "placeholder", "error", "errors", "mode", "scope", "method",
    "attr", "column", "query", "scheme", "host", "port", "user", "username", "login", "email", "provider",
    "source", "option", "options", "policy", "required", "enabled", "expires", "expiry", "ttl", "timeout",
    "hash", "hashed", "digest", "index", "location", "store", "storage", "manager", "handler", "class",
    "cls", "factory", "fn", "func", "callback", "service", "version", "rule", "rules", "validator", "cache",
    "lookup", "counter", "budget", "usage", "tokens", "ref", "set", "list", "map", "dict", "verifier",
    "provider", "generator", "getter", "loader", "parser", "encoder", "decoder", "model", "repo",
    "repository", "slug", "revision", "branch", "tag", "image",
})
NOT_SECRET_WORDS = frozenset({"public", "publishable", "pub", "tokenizer", "sha", "sha1", "sha256", "sha512",
                              "md5", "checksum", "integrity", "fingerprint", "uuid", "guid", "commit", "etag",
                              "header", "headers", "bos", "eos", "unk", "pad", "cls", "sep", "mask",
                              "special", "think", "img", "vision", "audio", "video", "eot", "eod"})
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*(?:(?:\.|::|->)[A-Za-z_$][\w$]*)*")
_WORDLIKE = re.compile(r"[A-Za-z]+(?:[-_ ][A-Za-z]+)*")
_HEADER_NAME = re.compile(r"[A-Z][a-z]*(?:-[A-Z][A-Za-z]*)+")
_CAMEL_WORDS = re.compile(r"(?:[A-Z]?[a-z]+|[A-Z]+(?![a-z]))+")
_LONG_WORDS = re.compile(r"[A-Z][a-z]{2,}|[a-z]{4,}")
_PRINTABLE = re.compile(rb"[ -~\t\r\n]*")
_HEX = re.compile(r"[0-9a-fA-F]+")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_NUMBERISH = re.compile(r"[\d.,:_+-]+[a-zA-Z]{0,3}")
_FILE_END = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,5}\Z")
_SEQUENCES = (
    string.ascii_uppercase * 2 + string.digits + "+/",
    string.digits + string.ascii_uppercase * 2 + "+/",
    (string.digits + string.ascii_uppercase) * 2,
    string.digits * 3,
    (string.hexdigits.upper()[:16]) * 2,
    string.ascii_uppercase + "=/",
)


def entropy(text: str) -> float:
    """Shannon entropy of ``text`` in bits per character."""
    if not text:
        return 0.0
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in (text.count(ch) for ch in set(text)))


def name_words(name: str) -> list[str]:
    """The lower-cased words of an identifier (``dbPassword``: db, password; ``API_KEY``: api, key)."""
    return [w.lower() for w in _WORDS.findall(name)]


@functools.lru_cache(maxsize=4096)
def is_secret_name(name: str) -> bool:
    """Whether a variable, key or option called ``name`` holds a secret (``DB_PASSWORD``, ``apiKey``…)."""
    words = name_words(name)
    if not words or words[-1] in NOT_SECRET_LAST_WORDS or NOT_SECRET_WORDS.intersection(words):
        return False
    if SECRET_WORDS.intersection(words) or any(p in SECRET_PAIRS for p in zip(words, words[1:])):
        return True
    joined = "".join(words)
    return any(w in joined for w in ("password", "passwd", "apikey", "secretkey", "accesskey", "privatekey",
                                     "authtoken", "accesstoken", "clientsecret"))


def is_sequential(value: str) -> bool:
    """Whether ``value`` is a run of a well-known sequence (``ABCDEF…``, ``0123456789``)."""
    upper = value.upper()
    return any(upper in seq for seq in _SEQUENCES)


def is_placeholder(value: str) -> bool:
    """Whether ``value`` is a stand-in rather than a real secret (``your-key``, ``<token>``, ``$VAR``, ``xxxx``…)."""
    low = value.lower()
    if any(h in low for h in PLACEHOLDER_HINTS) or low.strip("_-.") in PLACEHOLDER_WORDS:
        return True
    if value[:1] in "<{$%[" or value.endswith("}") or "{" in value and "}" in value or len(set(value)) <= 2:
        return True
    return len(value) >= 6 and is_sequential(value)


def is_reference(value: str) -> bool:
    """Whether an unquoted ``value`` names something else: a variable, attribute, call, type or literal."""
    if any(c in value for c in "()[]{}"):
        return True
    if _IDENTIFIER.fullmatch(value):
        return not looks_random(value)
    return bool(_NUMBERISH.fullmatch(value))


def is_path_or_url(value: str) -> bool:
    """Whether ``value`` is a file path, a file name or a URL."""
    if "://" in value or value[:1] in "/~\\" or value.startswith(("./", "../")) or value[1:3] == ":\\":
        return True
    return bool(_FILE_END.search(value)) and not looks_random(value.rsplit(".", 1)[0])


def is_wordlike(value: str) -> bool:
    """Whether ``value`` is a word, a short phrase of words or an HTTP header's name (``secret``,
    ``api_token``, ``X-Xet-Access-Token``, ``__start__``)."""
    value = value.strip("_<>[]|")
    if not _WORDLIKE.fullmatch(value):
        return False
    return (len(value) <= 12 or value.islower() and "_" in value or value.isupper()
            or bool(_HEADER_NAME.fullmatch(value)) or bool(_CAMEL_WORDS.fullmatch(value)))


def word_share(value: str) -> float:
    """The share of ``value`` made of word-like runs: a capital and two or more small letters, or four or
    more small letters (``LangGraphDeprecatedSinceV10``: 0.9, a random key: about 0.2)."""
    return sum(len(w) for w in _LONG_WORDS.findall(value)) / len(value) if value else 0.0


def is_encoded_text(value: str) -> bool:
    """Whether ``value`` is base64 of ordinary text (``VGhpcyBpcyB0aGUgd2F5``), not of random bytes."""
    try:
        data = base64.b64decode(value + "=" * (-len(value) % 4), altchars=b"-_" if "-" in value or "_" in value
                                else None, validate=True)
    except (binascii.Error, ValueError):
        return False
    return len(data) >= 8 and bool(_PRINTABLE.fullmatch(data)) and b" " in data


def names_a_secret(value: str) -> bool:
    """Whether ``value`` itself says what it stands for (``my-client-secret``, ``fal-ai-api-key``)."""
    words = name_words(value)
    return bool(SECRET_WORDS.intersection(words)) or any(p in SECRET_PAIRS for p in zip(words, words[1:]))


def is_hash_like(value: str) -> bool:
    """Whether ``value`` is hexadecimal (a digest, a commit id) or a UUID."""
    return bool(_HEX.fullmatch(value) or _UUID.fullmatch(value))


def class_changes(value: str) -> float:
    """The share of neighbouring letters and digits that differ in class (lower case, upper case, digit).

    Other characters are left out, so words joined by ``-`` or ``/`` count as the words they are.
    """
    classes = [0 if ch.islower() else 1 if ch.isupper() else 2 for ch in value if ch.isalnum()]
    if len(classes) < 2:
        return 0.0
    return sum(a != b for a, b in zip(classes, classes[1:])) / (len(classes) - 1)


def char_classes(value: str) -> int:
    """How many of lower case, upper case and digits ``value`` holds."""
    return (any(c.islower() for c in value) + any(c.isupper() for c in value)
            + any(c.isdigit() for c in value))


def looks_random(value: str, min_len: int = 20) -> bool:
    """Whether ``value`` looks generated: long, lower and upper case and digits, high entropy, no words."""
    if len(value) < min_len or " " in value:
        return False
    if not (any(c.islower() for c in value) and any(c.isupper() for c in value)
            and any(c.isdigit() for c in value)):
        return False
    return (entropy(value) >= min(3.6, math.log2(len(value)) - 0.7) and class_changes(value) >= 0.3
            and word_share(value) < 0.6)
