"""Secrets recognised by what surrounds them: private key blocks, credentials in URLs, HTTP authorization
headers and ``curl -u user:password``.

A private key block runs from its ``-----BEGIN … PRIVATE KEY-----`` line to the matching ``END`` line; a
block cut short (a truncated listing) runs on over the key material that follows (runs of base64 and
header lines, separated by white space or ``\\n`` escapes). A URL credential is the ``user:password`` part
of ``scheme://user:password@host`` (or a random-looking user part alone), unless the password is a
placeholder such as ``password`` or ``${PW}``.
"""

from __future__ import annotations

import re
from typing import Iterator
from urllib.parse import unquote

from .search import anchored
from .values import char_classes, is_placeholder, is_wordlike, looks_random, names_a_secret

KEY_BEGIN = re.compile(r"-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----")
KEY_END = re.compile(r"-----END[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----")
_KEY_MATERIAL = re.compile(r"(?:(?:\s|\\[nr])*(?:[A-Za-z0-9+/=]{16,}|(?:Proc-Type|DEK-Info|Comment):[^\n\\]*))*")
_PUTTY = re.compile(r"PuTTY-User-Key-File-\d:.*?(?:Private-MAC:[^\n]*|\n\s*\n|\Z)", re.S)
_URL_USERINFO = re.compile(
    r"://(?P<info>(?P<user>[^\s:/@'\"`<>()\[\]{},;]*)(?::(?P<pw>[^\s/@'\"`<>\[\]{},;]+))?)@(?=[\w\[.-])"
)
_AUTH_HEADER = re.compile(
    r"(?i)authorization[\"']?\s*[:=,]\s*[\"']?(?:bearer|basic|token|digest)\s+(?P<v>[A-Za-z0-9._~+/-]{8,}=*)"
)
_BEARER = re.compile(r"(?i)bearer\s+(?P<v>[A-Za-z0-9._~+/-]{20,}=*)")
_CURL_USER = re.compile(r"-(?:u|user)[ \t]+[\"']?(?P<v>[^\s:'\"`$]+:[^\s'\"`]*[^\s'\"`.,;)]{4})")


def key_block_spans(text: str) -> Iterator[tuple[int, int]]:
    """The ``(start, end)`` of each private key block (PEM, OpenSSH, PGP, PuTTY)."""
    pos = 0
    while True:
        begin = KEY_BEGIN.search(text, pos)
        if not begin:
            break
        end = KEY_END.search(text, begin.end())
        stop = end.end() if end else _KEY_MATERIAL.match(text, begin.end()).end()  # type: ignore[union-attr]
        yield begin.start(), stop
        pos = stop
    if "PuTTY-User-Key-File-" in text:
        for m in _PUTTY.finditer(text):
            yield m.start(), m.end()


def url_credential_spans(text: str) -> Iterator[tuple[int, int]]:
    """The ``user:password`` part of each URL that carries a real password (or a random-looking user)."""
    for m in _URL_USERINFO.finditer(text):
        if not m.start() or not text[m.start() - 1].isalnum():
            continue  # no scheme before "://"
        pw, user = m.group("pw"), m.group("user") or ""
        if pw is not None:
            plain = unquote(pw)
            if not is_placeholder(plain) and not names_a_secret(plain) and pw != user:
                yield m.span("info")
        elif looks_random(user, 16) and not is_placeholder(user):
            yield m.span("info")


def header_spans(text: str, lower: str) -> Iterator[tuple[int, int, str]]:
    """Credentials in ``Authorization:`` headers, after ``Bearer`` and in ``curl -u user:password``."""
    for m in anchored(_AUTH_HEADER, text, lower, "authorization"):
        value = m.group("v")
        if not is_placeholder(value) and not is_wordlike(value) and (char_classes(value) >= 2 or len(value) >= 20):
            yield m.start("v"), m.end("v"), "authorization_header"
    for m in anchored(_BEARER, text, lower, "bearer"):
        value = m.group("v")
        if not is_placeholder(value) and (looks_random(value, 20) or value.count(".") == 2):
            yield m.start("v"), m.end("v"), "bearer_token"
    for m in anchored(_CURL_USER, text, text, "-u"):  # -u and --user
        if not is_placeholder(m.group("v").split(":", 1)[1]):
            yield m.start("v"), m.end("v"), "basic_auth"
