"""The "registries" network policy: the allowlist read from pip and npm configuration, and a real
install-phase sandbox that reaches an allowlisted host through the studio's proxy and nothing else."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest

from goose_studio.sandbox.bwrap import BubblewrapBackend
from goose_studio.sandbox.registries import PUBLIC_REGISTRIES, RegistryPolicy, registry_policy
from sandbox_helpers import app_dir, bwrap_ready, workspace, write_app  # noqa: F401

REGISTRY_HOST = "127.0.0.2"  # a loopback address of the host that is not in the sandbox's NO_PROXY


@pytest.fixture
def fake_registry():
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = b"package index for " + self.path.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer((REGISTRY_HOST, 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_the_policy_reads_pip_and_npm_configuration(tmp_path):
    local_index = tmp_path / "simple"
    local_index.mkdir()
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    pip_conf = tmp_path / "pip.conf"
    pip_conf.write_text(f"[global]\nindex-url = https://mirror.example.org/simple\n"
                        f"extra-index-url = file://{local_index} http://pkgs.example.net:8080/simple\n"
                        f"find-links = {wheels}\n")
    npmrc = tmp_path / "npmrc"
    npmrc.write_text("registry=https://npm.example.com/\n@corp:registry=https://npm.corp.example/\n")
    policy = registry_policy(extra_hosts=["Extra.Example"], environ={"PIP_INDEX_URL": "https://u:p@idx.example/s"},
                             pip_files=[str(pip_conf)], npm_files=[str(npmrc)])
    assert set(PUBLIC_REGISTRIES) <= policy.hosts
    assert {"mirror.example.org", "pkgs.example.net:8080", "npm.example.com", "npm.corp.example",
            "idx.example", "extra.example"} <= policy.hosts
    assert set(policy.read_only_paths) == {local_index, wheels}
    assert policy.passed_env == {"PIP_INDEX_URL": "https://u:p@idx.example/s"}
    assert policy.allows("mirror.example.org", 443) and policy.allows("pkgs.example.net", 8080)
    assert not policy.allows("mirror.example.org", 22)
    assert not policy.allows("pkgs.example.net", 443)
    assert not policy.allows("example.com", 443)


def test_the_install_environment_points_at_the_proxy_and_the_cache():
    env = RegistryPolicy(hosts=frozenset()).sandbox_env("/cache")
    assert env["HTTPS_PROXY"] == env["npm_config_https_proxy"] == "http://127.0.0.1:3128"
    assert env["PIP_CACHE_DIR"] == "/cache/pip" and env["npm_config_cache"] == "/cache/npm"
    assert "PIP_CACHE_DIR" not in RegistryPolicy(hosts=frozenset()).sandbox_env(None)


FETCH = """
    import socket, sys, urllib.request

    def get(url):
        try:
            with urllib.request.urlopen(url, timeout=10) as resp:
                return "%s %s" % (resp.status, resp.read().decode())
        except Exception as exc:
            return "error %s" % exc

    def tunnel(host, port):
        s = socket.create_connection(("127.0.0.1", 3128), timeout=10)
        s.sendall(("CONNECT %s:%d HTTP/1.1\\r\\nHost: %s\\r\\n\\r\\n" % (host, port, host)).encode())
        head = s.recv(4096).decode().split("\\r\\n")[0]
        if " 200 " not in head + " ":
            return head
        s.sendall(b"GET /tunnelled HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        return data.decode().split("\\r\\n")[0] + " " + data.decode().rsplit("\\n", 1)[-1]

    port = int(sys.argv[1])
    print("allowed:", get("http://%s:%d/simple/six/" % (sys.argv[2], port)))
    print("tunnel:", tunnel(sys.argv[2], port))
    print("other:", get("http://example.invalid/"))
    print("other-tunnel:", tunnel("example.invalid", 443))
"""


def test_an_install_step_reaches_only_allowlisted_registries(bwrap_ready, workspace, app_dir, fake_registry):
    allowed = f"{REGISTRY_HOST}:{fake_registry}"
    backend = BubblewrapBackend([workspace / "repos"], workspace / "cache",
                                registries=RegistryPolicy(hosts=frozenset({allowed})))
    cmd = write_app(app_dir, "fetch.py", FETCH) + f" {fake_registry} {REGISTRY_HOST}"
    result = backend.run(cmd, app_dir, network="registries", timeout_s=60)
    assert result.exit_code == 0, result.log_tail
    lines = {line.split(":", 1)[0]: line.split(":", 1)[1].strip()
             for line in result.log_tail.splitlines() if not line.startswith("[sandbox]")}
    assert lines["allowed"] == "200 package index for /simple/six/"
    assert lines["tunnel"] == "HTTP/1.0 200 OK package index for /tunnelled"
    assert "403" in lines["other"]
    assert "403" in lines["other-tunnel"]
    assert sorted(result.blocked_hosts) == ["example.invalid:443", "example.invalid:80"]
    assert result.network == "registries"
    assert result.probe.outbound == "blocked"  # only the proxy is a way out
    assert "refused a connection to example.invalid" in result.log_tail


def test_without_the_registries_policy_there_is_no_proxy(bwrap_ready, workspace, app_dir, fake_registry):
    backend = BubblewrapBackend([workspace / "repos"], None,
                                registries=RegistryPolicy(hosts=frozenset({f"{REGISTRY_HOST}:{fake_registry}"})))
    cmd = write_app(app_dir, "fetch.py", FETCH) + f" {fake_registry} {REGISTRY_HOST}"
    result = backend.run(cmd, app_dir, network="none", timeout_s=60)
    assert result.exit_code != 0  # the tunnel's connect to 127.0.0.1:3128 is refused
    assert "allowed: error" in result.log_tail
    assert result.blocked_hosts == []


def test_local_index_folders_are_bound_read_only(bwrap_ready, workspace, app_dir, tmp_path):
    index = tmp_path / "local-index"
    index.mkdir()
    (index / "six.html").write_text("index\n")
    backend = BubblewrapBackend([workspace / "repos"], None,
                                registries=RegistryPolicy(hosts=frozenset(), read_only_paths=(index,)))
    result = backend.run(f"cat {index}/six.html; touch {index}/new", app_dir, network="registries")
    assert "index" in result.log_tail.splitlines()
    assert result.write_denied
    assert not (index / "new").exists()
    assert Path(index / "six.html").read_text() == "index\n"
