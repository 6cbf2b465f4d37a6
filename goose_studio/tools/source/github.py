"""The ``search_repositories`` tool (tab "source"): find GitHub repositories to learn, through the GitHub API.

It needs a network and ``GITHUB_TOKEN`` (a token also lists private repositories the token can read, and
``mine`` lists the token owner's own). Without a token the answer is ``auth_required`` saying so; without
a network, ``transient``. The token is sent only in the ``Authorization`` header and scrubbed from every
message. ``GOOSE_STUDIO_GITHUB_API`` points it at another API root (GitHub Enterprise: ``https://HOST/api/v3``).
"""

from __future__ import annotations

import json
import os
import socket
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Literal

from pydantic import BaseModel, Field

from ...errors import FailureKind, ToolFailure
from ..registry import ToolContext, tool
from .git import Secrets

API_ENV = "GOOSE_STUDIO_GITHUB_API"
DEFAULT_API = "https://api.github.com"
TIMEOUT_S = 20.0


class SearchRepositoriesArgs(BaseModel):
    query: str = Field("", max_length=256, description="What to look for (GitHub search syntax: words, "
                                                       "language:python, stars:>100, user:NAME, ...).")
    limit: int = Field(10, ge=1, le=100, description="Most repositories to return.")
    language: str | None = Field(None, max_length=40, description="Only repositories in this language.")
    sort: Literal["best-match", "stars", "updated"] = Field("best-match", description="Order of the results.")
    mine: bool = Field(False, description="List the token owner's own repositories (the query filters them).")


class RepositoryHit(BaseModel):
    full_name: str
    url: str = Field(description="The repository's page; `learn` takes it as a source.")
    description: str | None = None
    stars: int = 0
    language: str | None = None
    private: bool = False
    default_branch: str | None = None
    updated: str | None = None
    size_kb: int = 0


class SearchRepositoriesResult(BaseModel):
    query: str
    total: int = Field(description="Matches GitHub counted (more than those returned, often).")
    repositories: list[RepositoryHit]


def _request(url: str, token: str, secrets: Secrets) -> Any:
    req = urllib.request.Request(url, headers={
        "Accept": "application/vnd.github+json", "Authorization": f"Bearer {token}",
        "X-GitHub-Api-Version": "2022-11-28", "User-Agent": "goose-studio"})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp:  # noqa: S310 - an https API root
            return json.loads(resp.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        body = secrets.scrub(exc.read().decode("utf-8", "replace")[:300])
        details = {"status": exc.code, "response": body}
        if exc.code == 401:
            raise ToolFailure(FailureKind.auth_required, "GitHub refused the token in GITHUB_TOKEN.",
                              hint="Set GITHUB_TOKEN to a valid token (a fine-grained token with read access).",
                              details=details) from None
        if exc.code in (403, 429):
            raise ToolFailure(FailureKind.transient, "GitHub's rate limit for searches is used up for now.",
                              hint="Wait a minute and search again.", details=details) from None
        if exc.code == 422:
            raise ToolFailure(FailureKind.invalid_input, "GitHub could not read the search query.",
                              hint="Check the query's syntax (e.g. 'web framework language:python').",
                              details=details) from None
        raise ToolFailure(FailureKind.transient, f"GitHub answered HTTP {exc.code}.", hint="Try again later.",
                          details=details) from None
    except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError) as exc:
        reason = secrets.scrub(str(getattr(exc, "reason", exc)))
        raise ToolFailure(FailureKind.transient, "GitHub cannot be reached from this machine (no network?).",
                          hint="Search again once online, or give a repository's URL or a local folder to learn.",
                          details={"error": reason[:200]}) from None
    except ValueError:
        raise ToolFailure(FailureKind.transient, "GitHub's answer was not JSON.", hint="Try again later.") from None


def _hit(repo: dict[str, Any]) -> RepositoryHit:
    return RepositoryHit(full_name=str(repo.get("full_name", "")), url=str(repo.get("html_url", "")),
                         description=repo.get("description"), stars=int(repo.get("stargazers_count") or 0),
                         language=repo.get("language"), private=bool(repo.get("private")),
                         default_branch=repo.get("default_branch"), updated=repo.get("updated_at"),
                         size_kb=int(repo.get("size") or 0))


@tool("search_repositories", tab="source", read_only=True, idempotent=True, open_world=True)
def search_repositories(args: SearchRepositoriesArgs, ctx: ToolContext) -> SearchRepositoriesResult:
    """Search GitHub for repositories to learn (needs a network and GITHUB_TOKEN); mine=true lists your own."""
    token = os.environ.get("GITHUB_TOKEN", "").strip()
    if not token:
        raise ToolFailure(FailureKind.auth_required, "Searching GitHub needs a token: GITHUB_TOKEN is not set.",
                          hint="Create a token on GitHub (Settings > Developer settings) and set GITHUB_TOKEN, or "
                               "give a repository's URL to learn directly.")
    if not args.query.strip() and not args.mine:
        raise ToolFailure(FailureKind.invalid_input, "The search query is empty.",
                          hint="Give words to look for, or mine=true to list your own repositories.")
    secrets = Secrets()
    secrets.add(token)
    api = os.environ.get(API_ENV, DEFAULT_API).rstrip("/")
    if args.mine:
        data = _request(f"{api}/user/repos?sort=updated&per_page=100", token, secrets)
        words = args.query.lower().split()
        repos = [r for r in data if isinstance(r, dict) and all(
            w in f"{r.get('full_name', '')} {r.get('description') or ''}".lower() for w in words)
            and (not args.language or (r.get("language") or "").lower() == args.language.lower())]
        return SearchRepositoriesResult(query=args.query, total=len(repos),
                                        repositories=[_hit(r) for r in repos[: args.limit]])
    q = args.query.strip() + (f" language:{args.language}" if args.language else "")
    params = {"q": q, "per_page": str(args.limit)}
    if args.sort != "best-match":
        params["sort"] = args.sort
    data = _request(f"{api}/search/repositories?{urllib.parse.urlencode(params)}", token, secrets)
    items = data.get("items", []) if isinstance(data, dict) else []
    return SearchRepositoriesResult(query=q, total=int(data.get("total_count", len(items)) if isinstance(data, dict)
                                                       else len(items)),
                                    repositories=[_hit(r) for r in items if isinstance(r, dict)][: args.limit])
