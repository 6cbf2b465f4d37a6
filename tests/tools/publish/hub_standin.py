"""A local stand-in for the Hugging Face Hub's HTTP API, enough for ``huggingface_hub``'s ``whoami``,
``create_repo`` and ``upload_folder`` (the model card's metadata check, preupload answering "regular" for
every file, then one ndjson commit).

It keeps the repositories it was asked to create and the files committed to them (decoded), and the
requests it saw; a token other than the one it was given is answered 401, as the Hub does.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

USER = "alice"


class HubStandIn:
    def __init__(self, token: str) -> None:
        self.token = token
        self.repos: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str]] = []
        self.commits: list[dict[str, Any]] = []
        self.cards: list[str] = []  # README.md contents the client asked to validate
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> "HubStandIn":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def _send(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _authorized(self) -> bool:
                if self.headers.get("Authorization") == f"Bearer {hub.token}":
                    return True
                self._send(401, {"error": "Invalid credentials in Authorization header"})
                return False

            def do_GET(self) -> None:
                hub.requests.append(("GET", self.path))
                if not self._authorized():
                    return
                if self.path.startswith("/api/whoami-v2"):
                    self._send(200, {"type": "user", "name": USER, "fullname": "Alice", "orgs": [],
                                     "auth": {"type": "access_token", "accessToken": {"role": "write"}}})
                else:
                    self._send(404, {"error": f"no route {self.path}"})

            def do_POST(self) -> None:
                hub.requests.append(("POST", self.path))
                body = self._body()
                if not self._authorized():
                    return
                if self.path == "/api/validate-yaml":
                    req = json.loads(body)
                    hub.cards.append(req["content"])
                    self._send(200, {"errors": [], "warnings": []})
                    return
                if self.path == "/api/repos/create":
                    req = json.loads(body)
                    repo_id = f"{req.get('organization') or USER}/{req['name']}"
                    if repo_id in hub.repos:
                        self._send(409, {"error": "You already created this model repo", "url": f"{hub.url}/{repo_id}"})
                        return
                    private = req["private"] if "private" in req else req.get("visibility") == "private"
                    hub.repos[repo_id] = {"private": private, "type": req.get("type", "model"), "files": {}}
                    self._send(200, {"url": f"{hub.url}/{repo_id}", "name": repo_id, "id": repo_id})
                    return
                m = re.match(r"^/api/models/([^/]+/[^/]+)/(preupload|commit)/([^/?]+)", self.path)
                if not m or m.group(1) not in hub.repos:
                    self._send(404, {"error": f"no route {self.path}"})
                    return
                repo_id, action = m.group(1), m.group(2)
                if action == "preupload":
                    files = json.loads(body)["files"]
                    self._send(200, {"files": [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False}
                                               for f in files]})
                    return
                lines = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
                header = next(x["value"] for x in lines if x["key"] == "header")
                files = {}
                for x in lines:
                    if x["key"] == "file":
                        v = x["value"]
                        files[v["path"]] = base64.b64decode(v["content"]) if v.get("encoding") == "base64" \
                            else v["content"].encode()
                hub.repos[repo_id]["files"].update(files)
                oid = hashlib.sha1(body).hexdigest()
                hub.commits.append({"repo_id": repo_id, "summary": header.get("summary"), "files": sorted(files),
                                    "oid": oid})
                self._send(200, {"commitUrl": f"{hub.url}/{repo_id}/commit/{oid}", "commitOid": oid,
                                 "pullRequestUrl": None})

        return Handler
