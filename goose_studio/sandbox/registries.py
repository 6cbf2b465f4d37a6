"""The "registries" network policy: which package registries an install step may reach, and how.

An install step gets no network of its own. It reaches the registries through the studio's proxy
(:mod:`.proxy`), which lets through only the hosts of :class:`RegistryPolicy`: the public registries
(PyPI, npm) plus every registry this machine's own pip and npm configuration names (``index-url``,
``extra-index-url``, ``registry``, from the config files and the ``PIP_*``/``npm_config_*`` variables).
Local indexes named there (``file://`` URLs, ``find-links`` folders, a ``constraint`` file) are bound
read-only into the sandbox at the same path, except a folder that holds the user's home or the studio
workspace. The sandbox environment points pip and npm at the proxy and
at caches inside the sandbox's cache folder.
"""

from __future__ import annotations

import configparser
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping
from urllib.parse import urlsplit

from goose_studio.workspace import default_home

PUBLIC_REGISTRIES: tuple[str, ...] = (
    "pypi.org", "files.pythonhosted.org", "registry.npmjs.org", "registry.yarnpkg.com",
)
PROXY_PORT = 3128
PIP_CONFIG_FILES = ("/etc/pip.conf", "/etc/xdg/pip/pip.conf", "~/.pip/pip.conf", "~/.config/pip/pip.conf")
NPM_CONFIG_FILES = ("/usr/etc/npmrc", "/etc/npmrc", "~/.npmrc")
PIP_URL_KEYS = ("index-url", "extra-index-url", "find-links")
#: Variables passed from the studio's environment into an install step (they say where registries are).
PASSED_VARIABLES = ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_TRUSTED_HOST",
                    "PIP_DEFAULT_TIMEOUT", "PIP_CONSTRAINT", "npm_config_registry", "NPM_CONFIG_REGISTRY")
_NPM_REGISTRY_LINE = re.compile(r"^\s*(?:@[\w.-]+:)?registry\s*=\s*(\S+)\s*$", re.M)


@dataclass(frozen=True)
class RegistryPolicy:
    """Hosts (``name`` or ``name:port``) the proxy lets through and local index paths bound read-only."""

    hosts: frozenset[str]
    read_only_paths: tuple[Path, ...] = ()
    passed_env: Mapping[str, str] = field(default_factory=dict)

    def allows(self, host: str, port: int) -> bool:
        host = host.lower().rstrip(".")
        return host in self.hosts and port in (80, 443) or f"{host}:{port}" in self.hosts

    def sandbox_env(self, cache_dir: str | None = "/cache") -> dict[str, str]:
        """The variables an install step gets: the proxy, the caches and the registries' own settings."""
        proxy = f"http://127.0.0.1:{PROXY_PORT}"
        env = {name: proxy for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")}
        env.update(NO_PROXY="localhost,127.0.0.1,::1", no_proxy="localhost,127.0.0.1,::1",
                   npm_config_proxy=proxy, npm_config_https_proxy=proxy, npm_config_update_notifier="false")
        if cache_dir:
            env.update(PIP_CACHE_DIR=f"{cache_dir}/pip", npm_config_cache=f"{cache_dir}/npm",
                       YARN_CACHE_FOLDER=f"{cache_dir}/yarn")
        env.update(self.passed_env)
        return env


def _url_parts(value: str) -> tuple[set[str], set[Path]]:
    hosts: set[str] = set()
    paths: set[Path] = set()
    for item in value.split():
        parts = urlsplit(item)
        if parts.scheme in ("http", "https") and parts.hostname:
            default = 443 if parts.scheme == "https" else 80
            port = parts.port or default
            hosts.add(parts.hostname.lower() if port == default else f"{parts.hostname.lower()}:{port}")
        elif parts.scheme == "file":
            paths.add(Path(parts.path))
        elif not parts.scheme and item.startswith("/"):
            paths.add(Path(item))
    return hosts, paths


def _pip_config(files: Iterable[str], environ: Mapping[str, str]) -> tuple[set[str], set[Path]]:
    hosts: set[str] = set()
    paths: set[Path] = set()
    names = [*files, *([environ["PIP_CONFIG_FILE"]] if environ.get("PIP_CONFIG_FILE") else [])]
    for name in names:
        parser = configparser.RawConfigParser()
        try:
            parser.read(os.path.expanduser(name), encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError):
            continue
        for section in ("global", "install", "download"):
            if not parser.has_section(section):
                continue
            for key in PIP_URL_KEYS:
                if parser.has_option(section, key):
                    h, p = _url_parts(parser.get(section, key))
                    hosts |= h
                    paths |= p
            if parser.has_option(section, "constraint"):
                paths |= {Path(v) for v in parser.get(section, "constraint").split() if v.startswith("/")}
    for key in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS"):
        h, p = _url_parts(environ.get(key, ""))
        hosts |= h
        paths |= p
    return hosts, paths


def _npm_config(files: Iterable[str], environ: Mapping[str, str]) -> set[str]:
    hosts: set[str] = set()
    for name in files:
        try:
            text = Path(os.path.expanduser(name)).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for url in _NPM_REGISTRY_LINE.findall(text):
            hosts |= _url_parts(url)[0]
    for key in ("npm_config_registry", "NPM_CONFIG_REGISTRY"):
        hosts |= _url_parts(environ.get(key, ""))[0]
    return hosts


def registry_policy(extra_hosts: Iterable[str] = (), environ: Mapping[str, str] | None = None,
                    pip_files: Iterable[str] = PIP_CONFIG_FILES,
                    npm_files: Iterable[str] = NPM_CONFIG_FILES) -> RegistryPolicy:
    """The registries this machine is configured for, plus ``extra_hosts`` (``name`` or ``name:port``)."""
    environ = os.environ if environ is None else environ
    pip_hosts, paths = _pip_config(pip_files, environ)
    hosts = {*PUBLIC_REGISTRIES, *pip_hosts, *_npm_config(npm_files, environ),
             *(h.lower() for h in extra_hosts)}
    system = (Path("/usr"), Path("/etc"))
    private = (Path.home(), default_home())  # a folder holding these would show them to the sandbox
    local = tuple(sorted(p for p in paths if p.exists() and not any(p.is_relative_to(s) for s in system)
                         and not any(h == p or h.is_relative_to(p) for h in private)))
    passed = {k: environ[k] for k in PASSED_VARIABLES if environ.get(k)}
    return RegistryPolicy(hosts=frozenset(hosts), read_only_paths=local, passed_env=passed)
