"""Files that hold credentials by their nature, told by their path alone, so they need never be read.

:func:`is_secret_file` says whether a repository-relative path names one: environment files (``.env``,
``.env.production``, ``prod.env``, ``.envrc``; not ``.env.example``, ``.env.sample`` or ``.env.template``),
keys and keystores (``*.pem``, ``*.key``, ``*.p12``, ``*.pfx``, ``*.jks``, ``*.keystore``, ``*.ppk``,
``id_rsa*`` and the other SSH key names), credential stores (``.pypirc``, ``.netrc``, ``.git-credentials``,
``.pgpass``, ``.htpasswd``, ``.aws/credentials``, ``.docker/config.json``), cloud key files
(``credentials.json``, ``client_secret*.json``, ``*service-account*.json``), secrets files
(``secrets.yaml``, ``.streamlit/secrets.toml``…) and Terraform state. ``.npmrc`` is one only when it holds
a token (:func:`npmrc_has_token` reads it, and nothing else is read).
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

_ENV_EXAMPLES = ("example", "sample", "template")
_KEY_SUFFIXES = (".pem", ".key", ".p12", ".pfx", ".jks", ".keystore", ".ppk", ".tfstate", ".tfstate.backup")
_SSH_KEYS = ("id_rsa", "id_dsa", "id_ecdsa", "id_ed25519")
_NAMES = frozenset({
    ".pypirc", ".netrc", "_netrc", ".git-credentials", ".pgpass", ".htpasswd", ".envrc", "credentials.json",
    "secrets.yaml", "secrets.yml", "secrets.json", "secrets.toml", ".dockercfg",
})
_IN_FOLDER = frozenset({(".aws", "credentials"), (".docker", "config.json"), (".kube", "config")})
_CLOUD_KEY = re.compile(r"(?:client_secret.*|.*service[-_]?account.*|.*-credentials)\.json")
_NPM_TOKEN = re.compile(rb"(?m)^\s*(?://[^\s]*:)?_(?:auth|authToken|password)\s*=")
NPMRC_MAX_BYTES = 64 * 1024


def _is_env_file(name: str) -> bool:
    if name == ".env" or name == ".envrc":
        return True
    if name.startswith(".env."):
        rest = name[len(".env."):]
    elif name.endswith(".env") and len(name) > 4:
        rest = name[:-len(".env")]
    else:
        return False
    return not any(word in rest for word in _ENV_EXAMPLES)


def is_secret_file(rel: str) -> bool:
    """Whether the file at ``rel`` (a path relative to the repository root) holds credentials by its kind."""
    path = PurePosixPath(rel.replace("\\", "/"))
    name = path.name.lower()
    if _is_env_file(name) or name in _NAMES or name.endswith(_KEY_SUFFIXES) or name.startswith(_SSH_KEYS):
        return True
    if _CLOUD_KEY.fullmatch(name):
        return True
    parent = path.parent.name.lower()
    return (parent, name) in _IN_FOLDER


def npmrc_has_token(path: Path) -> bool:
    """Whether an ``.npmrc`` file sets an auth token or password (only its first 64 KiB are read)."""
    try:
        with open(path, "rb") as fh:
            return bool(_NPM_TOKEN.search(fh.read(NPMRC_MAX_BYTES)))
    except OSError:
        return True  # unreadable: treated as holding one


def holds_secrets(rel: str, full: Path) -> bool:
    """:func:`is_secret_file`, plus an ``.npmrc`` that holds a token (``full`` is where the file is; a
    symbolic link called ``.npmrc`` counts as one that does, since it is never followed)."""
    if is_secret_file(rel):
        return True
    if PurePosixPath(rel).name.lower() != ".npmrc":
        return False
    return full.is_symlink() or npmrc_has_token(full)
