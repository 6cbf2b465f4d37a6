"""Well-known token formats, recognised by their shape alone wherever they appear.

Each :class:`TokenRule` is a kind, a pattern and the *needles* (lower-case literal strings, one of which
every match contains): a rule's pattern runs only on texts holding one of its needles, which keeps a scan of
ordinary text to a few substring searches. A match whose value is a placeholder (``AKIAIOSFODNN7EXAMPLE``,
``ghp_xxxx…``) is not a finding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from .search import is_word_char
from .values import is_placeholder


@dataclass(frozen=True)
class TokenRule:
    """A token format: its kind, pattern (group ``v`` is the secret when present) and needles.

    ``word_start`` rules match only where no letter, digit or ``_`` comes just before (a leading ``\\b``
    checked outside the pattern, which keeps the pattern's literal prefix fast to search for).
    """

    kind: str
    pattern: re.Pattern[str]
    needles: tuple[str, ...]
    word_start: bool = False

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        """The ``(start, end)`` of each secret this rule finds in ``text``."""
        grouped = "v" in self.pattern.groupindex
        for m in self.pattern.finditer(text):
            if self.word_start and m.start() and is_word_char(text[m.start() - 1]):
                continue
            start, end = m.span("v") if grouped else m.span()
            if start < end and not is_placeholder(text[start:end]):
                yield start, end


def _rule(kind: str, pattern: str, *needles: str, flags: int = 0) -> TokenRule:
    word_start = pattern.startswith(r"\b")
    return TokenRule(kind, re.compile(pattern[2:] if word_start else pattern, flags), needles, word_start)


_END = r"(?![A-Za-z0-9_-])"
TOKEN_RULES: tuple[TokenRule, ...] = (
    _rule("aws_access_key_id", r"\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}\b",
          "akia", "asia", "abia", "acca", "a3t"),
    _rule("github_token", r"\bgh[po]_[A-Za-z0-9]{36,255}\b", "ghp_", "gho_"),
    _rule("github_app_token", r"\bgh[usr]_[A-Za-z0-9]{36,255}\b", "ghu_", "ghs_", "ghr_"),
    _rule("github_fine_grained_token", r"\bgithub_pat_[A-Za-z0-9_]{22,255}", "github_pat_"),
    _rule("gitlab_token", r"\b(?:glpat|gldt|glft|glsoat|glrt|glcbt|glimt|glptt|glagent|gloas)-[A-Za-z0-9_-]{20,}"
          + _END, "glpat-", "gldt-", "glft-", "glsoat-", "glrt-", "glcbt-", "glimt-", "glptt-", "glagent-",
          "gloas-"),
    _rule("gitlab_token", r"\bGR1348941[A-Za-z0-9_-]{20,50}" + _END, "gr1348941"),
    _rule("slack_token", r"\bxox[abposre]-[A-Za-z0-9-]{10,}", "xox"),
    _rule("slack_token", r"\bxapp-\d-[A-Za-z0-9-]{10,}", "xapp-"),
    _rule("slack_webhook", r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/]{16,}",
          "hooks.slack.com"),
    _rule("stripe_key", r"\b(?:sk|rk)_(?:live|test)_[0-9a-zA-Z]{16,}", "k_live_", "k_test_"),
    _rule("stripe_webhook_secret", r"\bwhsec_[A-Za-z0-9]{24,}", "whsec_"),
    _rule("google_api_key", r"\bAIza[0-9A-Za-z_-]{35}" + _END, "aiza"),
    _rule("google_oauth_secret", r"\bGOCSPX-[A-Za-z0-9_-]{28}" + _END, "gocspx-"),
    _rule("google_oauth_token", r"\bya29\.[0-9A-Za-z_-]{20,}", "ya29."),
    _rule("azure_storage_key", r"\bAccountKey=(?P<v>[A-Za-z0-9+/]{20,}={0,2})", "accountkey="),
    _rule("azure_shared_access_key", r"\bSharedAccessKey=(?P<v>[A-Za-z0-9+/]{20,}={0,2})", "sharedaccesskey="),
    _rule("azure_sas_token", r"[?&]sig=(?P<v>[A-Za-z0-9%+/]{20,}(?:%3D|=){0,2})", "sig="),
    _rule("sendgrid_api_key", r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}" + _END, "sg."),
    _rule("anthropic_api_key", r"\bsk-ant-(?:api|admin|oat|sid)\d{2}-[A-Za-z0-9_-]{20,}", "sk-ant-"),
    _rule("openai_api_key", r"\bsk-(?!ant-)(?:proj-|svcacct-|admin-)?(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{20,}",
          "sk-"),
    _rule("huggingface_token", r"\bhf_[A-Za-z0-9]{30,}\b", "hf_"),
    _rule("npm_token", r"\bnpm_[A-Za-z0-9]{36}\b", "npm_"),
    _rule("npm_token", r"(?m)(?:^|:)_auth(?:Token)?[ \t]*=[ \t]*(?P<v>[^\s\"'$]{16,})", "_auth"),
    _rule("pypi_token", r"\bpypi-AgE[A-Za-z0-9_-]{50,}", "pypi-"),
    _rule("jwt", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}", "eyj"),
    _rule("shopify_token", r"\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b", "shp"),
    _rule("digitalocean_token", r"\bdo[opr]_v1_[a-f0-9]{64}\b", "_v1_"),
    _rule("databricks_token", r"\bdapi[a-f0-9]{32}(?:-\d)?\b", "dapi"),
    _rule("postman_api_key", r"\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}\b", "pmak-"),
    _rule("age_secret_key", r"\bAGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}\b", "age-secret-key-"),
    _rule("grafana_token", r"\bgl(?:sa|c)_[A-Za-z0-9_=+/-]{32,}", "glsa_", "glc_"),
    _rule("sentry_token", r"\bsntr[ysu]_[A-Za-z0-9_=+/-]{40,}", "sntr"),
    _rule("linear_api_key", r"\blin_api_[A-Za-z0-9]{40}\b", "lin_api_"),
    _rule("atlassian_token", r"\bATATT3[A-Za-z0-9_=-]{100,}", "atatt3"),
    _rule("notion_token", r"\b(?:secret|ntn)_[A-Za-z0-9]{43}\b", "secret_", "ntn_"),
)


_NEEDLES: tuple[tuple[str, tuple[int, ...]], ...] = tuple(
    (needle, tuple(i for i, r in enumerate(TOKEN_RULES) if needle in r.needles))
    for needle in dict.fromkeys(n for r in TOKEN_RULES for n in r.needles)
)


def token_spans(text: str, lower: str) -> Iterator[tuple[int, int, str]]:
    """``(start, end, kind)`` for every token of a known format in ``text`` (``lower`` is its lower case)."""
    wanted = sorted({i for needle, rules in _NEEDLES if needle in lower for i in rules})
    for i in wanted:
        rule = TOKEN_RULES[i]
        for start, end in rule.spans(text):
            yield start, end, rule.kind
