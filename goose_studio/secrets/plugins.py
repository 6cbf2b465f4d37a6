"""The regular-expression plugins of ``detect-secrets``, used as a library on in-memory text.

Each plugin class brings its own ``denylist`` of compiled patterns; :data:`PLUGIN_RULES` pairs it with the
studio's kind for what it finds and the needles that gate it (as in :mod:`.tokens`), so the plugin's
patterns run over a whole text at once, and only when the text can hold a match. The line- and
heuristic-based plugins (keywords, high-entropy strings, public IP addresses) are not used: assignments
are judged by :mod:`.assignments`. A match's secret is its last non-empty group, or the whole match less the
delimiters some patterns include; placeholders are dropped. JSON Web Tokens are extended to their last
segment and kept only when ``detect-secrets`` finds them formally valid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator
from urllib.parse import unquote

from detect_secrets.plugins.artifactory import ArtifactoryDetector
from detect_secrets.plugins.aws import AWSKeyDetector
from detect_secrets.plugins.azure_storage_key import AzureStorageKeyDetector
from detect_secrets.plugins.base import RegexBasedDetector
from detect_secrets.plugins.basic_auth import BasicAuthDetector
from detect_secrets.plugins.cloudant import CloudantDetector
from detect_secrets.plugins.discord import DiscordBotTokenDetector
from detect_secrets.plugins.github_token import GitHubTokenDetector
from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
from detect_secrets.plugins.ibm_cloud_iam import IbmCloudIamDetector
from detect_secrets.plugins.ibm_cos_hmac import IbmCosHmacDetector
from detect_secrets.plugins.jwt import JwtTokenDetector
from detect_secrets.plugins.mailchimp import MailchimpDetector
from detect_secrets.plugins.npm import NpmDetector
from detect_secrets.plugins.openai import OpenAIDetector
from detect_secrets.plugins.private_key import PrivateKeyDetector
from detect_secrets.plugins.pypi_token import PypiTokenDetector
from detect_secrets.plugins.sendgrid import SendGridDetector
from detect_secrets.plugins.slack import SlackDetector
from detect_secrets.plugins.softlayer import SoftlayerDetector
from detect_secrets.plugins.square_oauth import SquareOAuthDetector
from detect_secrets.plugins.stripe import StripeDetector
from detect_secrets.plugins.telegram_token import TelegramBotTokenDetector
from detect_secrets.plugins.twilio import TwilioKeyDetector

from .values import is_placeholder, names_a_secret

_DELIMITERS = " \t\r\n=:\"'"
_JWT_CHARS = re.compile(r"[A-Za-z0-9_.+/=-]*")


@dataclass(frozen=True)
class PluginRule:
    """One ``detect-secrets`` plugin: the kind of its findings (one per pattern, or one for all) and needles.

    ``cased`` needles are looked for in the text as written, the others in its lower case; ``gate`` is a
    pattern with a literal start, quick to search for, that every match of a plugin without good needles
    contains.
    """

    plugin: type[RegexBasedDetector]
    kinds: tuple[str, ...]
    needles: tuple[str, ...] = ()
    cased: bool = False
    gate: re.Pattern[str] | None = None

    def kind(self, index: int) -> str:
        return self.kinds[min(index, len(self.kinds) - 1)]

    def wanted(self, text: str, lower: str) -> bool:
        """Whether the text holds a needle and, for a gated plugin, a match of its gate."""
        if self.needles and not any(n in (text if self.cased else lower) for n in self.needles):
            return False
        return self.gate is None or bool(self.gate.search(text))


PLUGIN_RULES: tuple[PluginRule, ...] = (
    PluginRule(AWSKeyDetector, ("aws_access_key_id", "aws_secret_access_key"),
               ("akia", "asia", "abia", "acca", "a3t", "aws")),
    PluginRule(AzureStorageKeyDetector, ("azure_storage_key",), ("accountkey=",)),
    PluginRule(BasicAuthDetector, ("url_credentials",), ("://",)),
    PluginRule(GitHubTokenDetector, ("github_token",), ("ghp_", "gho_", "ghu_", "ghs_", "ghr_")),
    PluginRule(GitLabTokenDetector, ("gitlab_token",),
               ("glpat-", "gldt-", "glft-", "glsoat-", "glrt-", "gr1348941", "glcbt-", "glimt-", "glptt-",
                "glagent-", "gloas-")),
    PluginRule(JwtTokenDetector, ("jwt",), ("eyj",)),
    PluginRule(NpmDetector, ("npm_token",), ("_authtoken",)),
    PluginRule(OpenAIDetector, ("openai_api_key",), ("t3blbkfj",)),
    PluginRule(PrivateKeyDetector, ("private_key",), ("private key", "putty-user-key-file")),
    PluginRule(PypiTokenDetector, ("pypi_token",), ("pypi-ag",)),
    PluginRule(SendGridDetector, ("sendgrid_api_key",), ("sg.",)),
    PluginRule(SlackDetector, ("slack_token", "slack_webhook"), ("xox", "hooks.slack.com")),
    PluginRule(StripeDetector, ("stripe_key",), ("k_live_",)),
    PluginRule(TwilioKeyDetector, ("twilio_key",), ("AC", "SK"), cased=True),
    PluginRule(DiscordBotTokenDetector, ("discord_token",), gate=re.compile(r"\.[a-zA-Z\d_-]{6}\.")),
    PluginRule(TelegramBotTokenDetector, ("telegram_token",), gate=re.compile(r":[0-9A-Za-z_-]{35}")),
    PluginRule(MailchimpDetector, ("mailchimp_key",), ("-us",), gate=re.compile(r"-us\d")),
    PluginRule(SquareOAuthDetector, ("square_secret",), ("sq0csp-",)),
    PluginRule(ArtifactoryDetector, ("artifactory_token",), ("AKC", "AP"), cased=True,
               gate=re.compile(r"AKC[a-zA-Z0-9]{10}|AP[\dA-F][a-zA-Z0-9]{8}")),
    PluginRule(CloudantDetector, ("cloudant_key",), ("cloudant",)),
    PluginRule(IbmCloudIamDetector, ("ibm_cloud_key",), ("ibm", "iam_", "_iam", "iam-", "-iam")),
    PluginRule(IbmCosHmacDetector, ("ibm_cos_key",), ("ibm", "cos_", "cos-", "hmac")),
    PluginRule(SoftlayerDetector, ("softlayer_key",), ("softlayer",)),
)


def _span(m: re.Match[str]) -> tuple[int, int]:
    for i in range(len(m.groups()), 0, -1):
        start, end = m.span(i)
        if start < end:
            return start, end
    start, end = m.span()
    text = m.string
    while start < end and text[start] in _DELIMITERS:
        start += 1
    while end > start and text[end - 1] in _DELIMITERS:
        end -= 1
    return start, end


_NEEDLES: tuple[tuple[str, bool, tuple[int, ...]], ...] = tuple(
    (needle, cased, tuple(i for i, r in enumerate(PLUGIN_RULES) if r.cased == cased and needle in r.needles))
    for needle, cased in dict.fromkeys((n, r.cased) for r in PLUGIN_RULES for n in r.needles)
)
_ALWAYS = tuple(i for i, r in enumerate(PLUGIN_RULES) if not r.needles)


def plugin_spans(text: str, lower: str) -> Iterator[tuple[int, int, str]]:
    """``(start, end, kind)`` for every secret a ``detect-secrets`` plugin finds in ``text``."""
    wanted = {i for needle, cased, rules in _NEEDLES if needle in (text if cased else lower) for i in rules}
    for i in sorted(wanted.union(_ALWAYS)):
        rule = PLUGIN_RULES[i]
        if rule.gate is not None and not rule.gate.search(text):
            continue
        for index, pattern in enumerate(rule.plugin.denylist):
            for m in pattern.finditer(text):
                start, end = _span(m)
                if rule.plugin is JwtTokenDetector:
                    end = _JWT_CHARS.match(text, end).end()  # type: ignore[union-attr]
                    if not JwtTokenDetector.is_formally_valid(text[start:end]):
                        continue
                value = text[start:end]
                if start < end and not is_placeholder(value):
                    if rule.kinds[0] == "url_credentials" and names_a_secret(unquote(value)):
                        continue  # https://user:a%20secret@host in an example
                    yield start, end, rule.kind(index)
