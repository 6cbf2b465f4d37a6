"""A stand-in for the Hugging Face Hub on a loopback port: the model listing (``/api/models``) and file
downloads (``/<repo>/resolve/<revision>/<file>``), enough for the real ``huggingface_hub`` client."""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

COMMIT = "0123456789abcdef0123456789abcdef01234567"

QWEN3_4B_CONFIG = {  # shaped like Qwen/Qwen3-4B's config.json
    "architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "hidden_size": 2560, "intermediate_size": 9728,
    "num_hidden_layers": 36, "num_attention_heads": 32, "num_key_value_heads": 8, "head_dim": 128,
    "vocab_size": 151936, "tie_word_embeddings": True, "max_position_embeddings": 40960,
}
TINY_MOE_CONFIG = {  # a small Qwen3-MoE
    "architectures": ["Qwen3MoeForCausalLM"], "model_type": "qwen3_moe", "hidden_size": 1024,
    "intermediate_size": 3072, "num_hidden_layers": 8, "num_attention_heads": 16, "num_key_value_heads": 4,
    "head_dim": 64, "vocab_size": 32000, "num_experts": 16, "num_experts_per_tok": 2,
    "moe_intermediate_size": 512, "max_position_embeddings": 8192,
}

HUB_MODELS = [
    {"id": "acme/Qwen3-4B-Chat", "downloads": 5000, "gated": False, "pipeline_tag": "text-generation",
     "tags": ["transformers", "text-generation"], "cardData": {"license": "apache-2.0"},
     "safetensors": {"parameters": {"BF16": 4022468096}, "total": 4022468096}, "config": QWEN3_4B_CONFIG},
    {"id": "acme/Tiny-MoE-Coder", "downloads": 900, "gated": False, "pipeline_tag": "text-generation",
     "tags": ["text-generation", "code"], "cardData": {"license": "mit"}, "config": TINY_MOE_CONFIG},
    {"id": "acme/Gated-70B", "downloads": 300, "gated": "manual", "pipeline_tag": "text-generation",
     "tags": ["text-generation"], "cardData": {"license": "other"},
     "safetensors": {"parameters": {"BF16": 70553706496}, "total": 70553706496}},  # config behind the gate
    {"id": "acme/Qwen-Embedder", "downloads": 99999, "pipeline_tag": "feature-extraction",
     "tags": ["sentence-similarity"]},
]


class HubStandIn:
    """A real HTTP server speaking the parts of the Hub API the model search uses; records requests."""

    def __init__(self, models: list[dict] | None = None) -> None:
        self.models = models if models is not None else HUB_MODELS
        self.requests: list[tuple[str, str, dict]] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_HEAD(self) -> None:
                self.answer(head=True)

            def do_GET(self) -> None:
                self.answer(head=False)

            def answer(self, head: bool) -> None:
                url = urlparse(self.path)
                query = parse_qs(url.query)
                stand_in.requests.append((self.command, url.path, query))
                if url.path == "/api/models":
                    self.send(200, json.dumps(stand_in.listing(query)).encode(), head)
                    return
                parts = url.path.strip("/").split("/")
                if len(parts) >= 5 and parts[2] == "resolve":
                    repo, name = "/".join(parts[:2]), "/".join(parts[4:])
                    model = next((m for m in stand_in.models if m["id"] == repo), None)
                    if model is None:
                        self.send(404, b'{"error": "Repository not found"}', head, {"X-Error-Code": "RepoNotFound"})
                    elif model.get("gated"):
                        self.send(401, b'{"error": "Access to this model is restricted."}', head,
                                  {"X-Error-Code": "GatedRepo"})
                    elif name == "config.json" and "config" in model:
                        body = json.dumps(model["config"]).encode()
                        self.send(200, body, head, {"X-Repo-Commit": COMMIT,
                                                    "ETag": '"' + hashlib.sha1(body).hexdigest() + '"'})
                    else:
                        self.send(404, b'{"error": "Entry not found"}', head, {"X-Error-Code": "EntryNotFound"})
                    return
                self.send(404, b"{}", head)

            def send(self, status: int, body: bytes, head: bool, headers: dict | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                if not head:
                    self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def listing(self, query: dict) -> list[dict]:
        text = " ".join(query.get("search", [])).lower()
        tags = set(query.get("filter", []))
        found = [m for m in self.models if text in m["id"].lower()
                 and (not tags or tags <= set(m.get("tags", [])) | {m.get("pipeline_tag")})]
        found.sort(key=lambda m: -m.get("downloads", 0))
        limit = int(query.get("limit", ["1000"])[0])
        expand = set(query.get("expand", []))
        return [{"id": m["id"], **{k: v for k, v in m.items() if k in expand}} for m in found[:limit]]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
