"""Running git for the clone tool: a token kept out of argv and logs, and failures turned into typed ones.

``GITHUB_TOKEN`` (from the environment) reaches git for ``https://github.com`` URLs only as an
``http.extraHeader`` set through git's environment configuration (``GIT_CONFIG_COUNT``/``KEY``/``VALUE``),
never through the command line or the URL. :class:`Secrets` collects the token, its Basic header and any
credentials in the URL, and scrubs them from every text that leaves this package.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

from ...errors import FailureKind, ToolFailure
from ...redact import URL_USERINFO_RE


# ----------------------------------------------------------------------------------------------------------
# secrets


class Secrets:
    """What must never leave this package in clear: a token, its Basic header, passwords in URLs."""

    def __init__(self) -> None:
        self.values: list[str] = []

    def add(self, value: str | None) -> None:
        if value and len(value) >= 4 and value not in self.values:
            self.values.append(value)

    def scrub(self, text: str) -> str:
        for value in sorted(self.values, key=len, reverse=True):
            text = text.replace(value, "***")
        return URL_USERINFO_RE.sub(lambda m: m.group("scheme") + "***@", text)


def _github_token() -> str | None:
    token = os.environ.get("GITHUB_TOKEN", "").strip()
    return token or None


def git_env(url: str, secrets: Secrets) -> dict[str, str]:
    """The environment for a non-interactive ``git clone`` of url; records what must be scrubbed in secrets."""
    env = dict(os.environ)
    env["GIT_TERMINAL_PROMPT"] = "0"
    env["GCM_INTERACTIVE"] = "never"
    env["LC_ALL"] = "C"
    env["LANGUAGE"] = "C"
    env.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes -o ConnectTimeout=30")
    env.pop("GITHUB_TOKEN", None)  # git never needs it; it only gets the header below
    token = _github_token()
    secrets.add(token)
    parts = urlsplit(url) if "://" in url else None
    if parts is not None:
        secrets.add(parts.password)
        if parts.username and parts.password is None:
            secrets.add(parts.username)  # https://TOKEN@host/... carries the token as user name
    if token and parts is not None and parts.scheme == "https" and (parts.hostname or "").lower() == "github.com":
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        secrets.add(basic)
        index = int(env.get("GIT_CONFIG_COUNT", "0") or 0)
        env["GIT_CONFIG_COUNT"] = str(index + 1)
        env[f"GIT_CONFIG_KEY_{index}"] = "http.https://github.com/.extraHeader"
        env[f"GIT_CONFIG_VALUE_{index}"] = f"Authorization: Basic {basic}"
    return env


# ----------------------------------------------------------------------------------------------------------
# running git


def _missing_git() -> ToolFailure:
    return ToolFailure(
        FailureKind.missing_dependency,
        "git is not installed (or not on PATH).",
        hint="Install git (e.g. `apt-get install git`), or pass a local directory instead of a URL.",
    )


def run_git(
    argv: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 30.0
) -> subprocess.CompletedProcess[bytes]:
    """Run git in its own process group so that a timeout also ends its helpers (remote-https, index-pack)."""
    git = shutil.which("git")
    if git is None:
        raise _missing_git()
    try:
        proc = subprocess.Popen(
            [git, *argv], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        )
    except FileNotFoundError:
        raise _missing_git() from None
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            proc.kill()
        out, err = proc.communicate()
        raise subprocess.TimeoutExpired(proc.args, timeout, out, err) from None
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def git_text(argv: list[str], cwd: Path, timeout: float = 30.0) -> str | None:
    """stdout of a quick local git command, or None when it fails."""
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", LC_ALL="C")
    try:
        proc = run_git(argv, cwd=cwd, env=env, timeout=timeout)
    except (ToolFailure, subprocess.TimeoutExpired, OSError):
        return None
    if proc.returncode != 0:
        return None
    return proc.stdout.decode("utf-8", "replace").strip()


def stderr_tail(stderr: str, lines: int = 12) -> list[str]:
    """The last non-empty lines of git's stderr, without the "Cloning into" line."""
    kept = [ln.rstrip() for ln in stderr.splitlines() if ln.strip() and not ln.startswith("Cloning into ")]
    return kept[-lines:]


# ----------------------------------------------------------------------------------------------------------
# failures


_NETWORK_PATTERNS = (
    "could not resolve host", "could not resolve hostname", "name or service not known",
    "temporary failure in name resolution", "network is unreachable", "no route to host",
    "timed out", "connection refused", "failed to connect", "couldn't connect", "could not connect",
    "connection reset", "connection closed", "early eof", "the remote end hung up unexpectedly",
    "rpc failed", "gnutls", "ssl_connect", "ssl connect", "tls connect", "proxy",
)
_AUTH_PATTERNS = (
    "authentication failed", "could not read username", "could not read password",
    "terminal prompts disabled", "permission denied (publickey", "host key verification failed",
    "access denied", "invalid username or password", "http basic: access denied", "bad credentials",
)
_NOT_FOUND_PATTERNS = ("repository not found", "does not appear to be a git repository", "does not exist")


def classify_git_failure(stderr: str, exit_code: int | None, source: str, branch: str | None = None) -> ToolFailure:
    """Turn a failed ``git clone``'s stderr into a typed failure with a hint (stderr must be scrubbed)."""
    low = stderr.lower()
    details = {"exit_code": exit_code, "source": source, "stderr_tail": stderr_tail(stderr)}
    local_hint = "or clone it yourself and pass the local path."
    if "no space left on device" in low or "disk quota exceeded" in low:
        return ToolFailure(
            FailureKind.disk_full,
            f"No space left on the device while cloning {source}.",
            hint="Free some disk space (or point GOOSE_STUDIO_HOME at a larger disk), then try again.",
            details=details,
        )
    if re.search(r"remote branch .* not found", low) or "couldn't find remote ref" in low:
        shown = f"'{branch}' " if branch else ""
        return ToolFailure(
            FailureKind.invalid_input,
            f"The branch {shown}does not exist in {source}.",
            hint="Check the branch name (`git ls-remote --heads <url>` lists them), or leave it out to "
            "clone the default branch.",
            details={**details, "branch": branch},
        )
    if any(p in low for p in _NOT_FOUND_PATTERNS) or re.search(r"\b404\b", low):
        return ToolFailure(
            FailureKind.not_found,
            f"The repository {source} was not found.",
            hint="Check the URL; if the repository is private, set GITHUB_TOKEN to a token with read access.",
            details=details,
        )
    if any(p in low for p in _AUTH_PATTERNS) or re.search(r"\b40[13]\b", low):
        return ToolFailure(
            FailureKind.auth_required,
            f"The git host asked for credentials to clone {source}.",
            hint="Set GITHUB_TOKEN to a token with read access to the repository (for SSH URLs, load a key "
            "into ssh-agent), " + local_hint,
            details=details,
        )
    if any(p in low for p in _NETWORK_PATTERNS):
        return ToolFailure(
            FailureKind.transient,
            f"Could not reach the git host for {source}.",
            hint="Check the network (and any proxy settings) and try again, " + local_hint,
            details=details,
        )
    if "unable to find remote helper" in low or "unsupported protocol" in low or (
        "protocol" in low and "not allowed" in low
    ):
        return ToolFailure(
            FailureKind.invalid_input,
            f"git cannot use the protocol of {source}.",
            hint="Use an https://, ssh:// or file:// URL, " + local_hint,
            details=details,
        )
    return ToolFailure(
        FailureKind.invalid_input,
        f"git could not clone {source} (exit code {exit_code}).",
        hint="Check the URL and the git message in the details, " + local_hint,
        details=details,
    )
