"""Long-running apps in a real bubblewrap sandbox: the studio reaches their port and nothing else is
reachable from them; waiting for HTTP ends typed; stopping is graceful first."""

from __future__ import annotations

import json
import urllib.request

from sandbox_helpers import app_dir, box, bwrap_ready, workspace, write_app  # noqa: F401

SERVER = """
    import http.server, json, os, socket, sys

    def outbound():
        try:
            socket.create_connection(("1.1.1.1", 80), timeout=3).close()
            return "connected"
        except OSError as exc:
            return "failed: errno %s" % exc.errno

    print("outbound connection " + outbound(), flush=True)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({"path": self.path, "port": os.environ["PORT"]}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            print("served", self.path, flush=True)

    port = int(os.environ["PORT"]) + int(sys.argv[1] if len(sys.argv) > 1 else 0)
    http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
"""


def test_the_studio_reaches_the_app_while_the_app_reaches_nothing(box, app_dir, tmp_path):
    cmd = write_app(app_dir, "server.py", SERVER)
    service = box.start(cmd, app_dir, log_path=tmp_path / "app.log")
    try:
        check = service.wait_http("/", timeout_s=20)
        assert check.ready and check.status == 200, (check, service.logs())
        with urllib.request.urlopen(service.url + "/hello", timeout=10) as resp:
            answer = json.loads(resp.read())
        assert answer == {"path": "/hello", "port": str(service.port)}
        assert service.url == f"http://127.0.0.1:{service.port}"
        assert "outbound connection failed: errno 101" in service.logs()
    finally:
        result = service.stop()
    assert result.probe.outbound == "blocked"
    assert result.killed and result.signal == 15
    assert "served /hello" in (tmp_path / "app.log").read_text()


def test_a_fixed_port_is_passed_to_the_app(box, app_dir):
    cmd = write_app(app_dir, "server.py", SERVER)
    service = box.start(cmd, app_dir, port=3000)
    try:
        assert service.wait_http("/", timeout_s=20).ready
        with urllib.request.urlopen(service.url + "/", timeout=10) as resp:
            assert json.loads(resp.read())["port"] == "3000"
        assert service.inner_port == 3000
    finally:
        service.stop()


def test_an_app_on_the_wrong_port_times_out_typed(box, app_dir):
    cmd = write_app(app_dir, "server.py", SERVER) + " 1"  # listens on PORT + 1
    service = box.start(cmd, app_dir)
    try:
        check = service.wait_http("/", timeout_s=1.5)
        assert not check.ready and check.timed_out and not check.exited
        assert check.status is None and check.error
        assert service.running()
    finally:
        service.stop()


def test_an_app_that_exits_ends_the_wait(box, app_dir):
    service = box.start("echo cannot start; exit 4", app_dir)
    check = service.wait_http("/", timeout_s=20)
    assert not check.ready and check.exited and not check.timed_out
    assert check.exit_code == 4
    result = service.stop()
    assert result.exit_code == 4 and not result.killed
    assert "cannot start" in result.log_tail


def test_an_app_past_its_runtime_is_stopped(box, app_dir):
    service = box.start("echo up; sleep 60", app_dir, max_runtime_s=0.5)
    check = service.wait_http("/", timeout_s=30)
    assert not check.ready and check.exited
    result = service.stop()
    assert result.timed_out and result.killed
    assert "up" in result.log_tail
