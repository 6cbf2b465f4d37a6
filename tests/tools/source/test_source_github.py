"""search_repositories against a stand-in for the GitHub API on the loopback address: the query and token it
sends, the hits it returns, and a typed failure for every way it can go wrong (no token, no network, a bad
token, a bad query)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.tools.registry import call_tool
from ingest_helpers import ctx, isolated_env  # noqa: F401
from source_helpers import FAKE_TOKEN

REPO = {"full_name": "octo/tasks", "html_url": "https://github.com/octo/tasks", "description": "A task tool",
        "stargazers_count": 42, "language": "Python", "private": False, "default_branch": "main",
        "updated_at": "2026-01-01T00:00:00Z", "size": 120}


@pytest.fixture
def api(monkeypatch):
    seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the handler's name
            parts = urlsplit(self.path)
            seen.append({"path": parts.path, "query": parse_qs(parts.query), "auth": self.headers.get("Authorization")})
            q = parse_qs(parts.query).get("q", [""])[0]
            if "bad token" in q:
                code, body = 401, {"message": "Bad credentials"}
            elif "limited" in q:
                code, body = 403, {"message": "API rate limit exceeded"}
            elif "::" in q:
                code, body = 422, {"message": "Validation Failed"}
            elif parts.path == "/user/repos":
                code, body = 200, [REPO, {**REPO, "full_name": "me/private", "private": True, "language": "Go"}]
            else:
                code, body = 200, {"total_count": 1234, "items": [REPO]}
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    monkeypatch.setenv("GOOSE_STUDIO_GITHUB_API", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("GITHUB_TOKEN", FAKE_TOKEN)
    yield seen
    server.shutdown()
    server.server_close()


def search(ctx, **args):
    return call_tool("search_repositories", args, ctx)


def test_search_sends_the_query_and_token_and_returns_hits(api, ctx):
    result = search(ctx, query="task tracker", language="python", sort="stars", limit=5)
    assert result.total == 1234 and [r.full_name for r in result.repositories] == ["octo/tasks"]
    hit = result.repositories[0]
    assert (hit.url, hit.stars, hit.language) == ("https://github.com/octo/tasks", 42, "Python")
    sent = api[0]
    assert sent["path"] == "/search/repositories" and sent["query"]["q"] == ["task tracker language:python"]
    assert sent["query"]["sort"] == ["stars"] and sent["query"]["per_page"] == ["5"]
    assert sent["auth"] == f"Bearer {FAKE_TOKEN}"


def test_mine_lists_the_token_owners_repositories_filtered(api, ctx):
    result = search(ctx, mine=True, language="go")
    assert [r.full_name for r in result.repositories] == ["me/private"] and result.repositories[0].private
    assert api[0]["path"] == "/user/repos"


@pytest.mark.parametrize("query, kind", [("bad token", FailureKind.auth_required),
                                         ("limited", FailureKind.transient), ("a :: b", FailureKind.invalid_input)])
def test_what_github_refuses_is_typed_and_the_token_never_shown(api, ctx, query, kind):
    with pytest.raises(ToolFailure) as info:
        search(ctx, query=query)
    assert info.value.kind is kind and info.value.hint
    assert FAKE_TOKEN not in json.dumps(info.value.to_dict())


def test_without_a_token_or_a_network_the_message_says_so(ctx, monkeypatch):
    with pytest.raises(ToolFailure) as no_token:
        search(ctx, query="anything")
    assert no_token.value.kind is FailureKind.auth_required and "GITHUB_TOKEN" in no_token.value.message
    monkeypatch.setenv("GITHUB_TOKEN", FAKE_TOKEN)
    monkeypatch.setenv("GOOSE_STUDIO_GITHUB_API", "http://127.0.0.1:9")  # nothing listens on the discard port
    with pytest.raises(ToolFailure) as offline:
        search(ctx, query="anything")
    assert offline.value.kind is FailureKind.transient and FAKE_TOKEN not in json.dumps(offline.value.to_dict())
    with pytest.raises(ToolFailure) as empty:
        search(ctx, query="  ")
    assert empty.value.kind is FailureKind.invalid_input
