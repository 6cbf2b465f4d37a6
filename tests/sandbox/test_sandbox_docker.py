"""The Docker backend without an engine: the exact container it would create (through a stand-in client
with the SDK's method names), its run and timeout paths, and detection degrading with a reason."""

from __future__ import annotations

import json

import docker
import pytest
import requests

from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.sandbox import Sandbox, detect
from goose_studio.sandbox.docker_backend import LABEL, DockerBackend, container_config, probe_docker
from goose_studio.sandbox.models import Limits
from goose_studio.sandbox.paths import sandbox_identity
from sandbox_helpers import FAKE_GITHUB_TOKEN, app_dir, bwrap_ready, workspace  # noqa: F401


class FakeContainer:
    def __init__(self, output: list[bytes], exit_code: int, hangs: bool) -> None:
        self.output, self.exit_code, self.hangs = output, exit_code, hangs
        self.status = "created"
        self.calls: list[str] = []

    def start(self):
        self.calls.append("start")
        self.status = "running"

    def logs(self, **kwargs):
        assert kwargs["stream"] and kwargs["follow"]
        return iter(self.output)

    def wait(self, timeout=None):
        self.calls.append("wait")
        if self.hangs and "stop" not in self.calls:
            raise requests.exceptions.ReadTimeout("read timed out")
        self.status = "exited"
        return {"StatusCode": 143 if "stop" in self.calls else self.exit_code}

    def stop(self, timeout=None):
        self.calls.append("stop")

    def reload(self):
        pass

    def remove(self, force=False):
        self.calls.append("remove")


class FakeContainers:
    def __init__(self, client):
        self.client = client

    def create(self, image, command=None, **kwargs):
        self.client.created.append({"image": image, "command": command, **kwargs})
        if self.client.missing_image:
            raise type("ImageNotFound", (Exception,), {})(f"No such image: {image}")
        self.client.container = FakeContainer(self.client.output, self.client.exit_code, self.client.hangs)
        return self.client.container


class FakeClient:
    def __init__(self, output=(), exit_code=0, hangs=False, missing_image=False, answers=True):
        self.output, self.exit_code, self.hangs = list(output), exit_code, hangs
        self.missing_image, self.answers = missing_image, answers
        self.created: list[dict] = []
        self.containers = FakeContainers(self)
        self.container: FakeContainer | None = None

    def ping(self):
        if not self.answers:
            raise ConnectionError("engine gone")
        return True


def test_the_container_config(workspace, app_dir, tmp_path):
    cfg = container_config(image="node:20-bookworm", command=["npm", "ci"], app_dir=app_dir, uid=1234, gid=1234,
                           env={"A": "1"}, limits=Limits(memory_mb=512, cpu_s=60, pids=64, file_mb=100),
                           network="none", cache_dir=tmp_path / "cache")
    assert cfg["cap_drop"] == ["ALL"]
    assert cfg["security_opt"] == ["no-new-privileges"]
    assert cfg["read_only"] is True and cfg["init"] is True
    assert cfg["network_mode"] == "none"
    assert cfg["user"] == "1234:1234"
    assert cfg["mem_limit"] == cfg["memswap_limit"] == "512m"
    assert cfg["pids_limit"] == 64
    assert cfg["volumes"] == {str(app_dir): {"bind": "/app", "mode": "rw"},
                              str(tmp_path / "cache"): {"bind": "/cache", "mode": "rw"}}
    assert cfg["working_dir"] == "/app"
    assert set(cfg["tmpfs"]) == {"/tmp", "/var/tmp"}
    assert {u["Name"]: u["Hard"] for u in cfg["ulimits"]} == {"cpu": 60, "fsize": 100 * 1024 * 1024,
                                                              "nofile": 4096}
    assert cfg["labels"] == {LABEL: "1"}
    assert container_config(image="x", command=["true"], app_dir=app_dir, uid=1, gid=1, env={}, limits=Limits(),
                            network="registries")["network_mode"] == "bridge"


def test_a_run_creates_that_container_and_collects_its_end(workspace, app_dir, tmp_path):
    client = FakeClient(output=[b"installing\nleaked ", FAKE_GITHUB_TOKEN.encode() + b"\n", b"done"], exit_code=0)
    backend = DockerBackend([workspace / "repos"], workspace / "cache", client=client, image="node:20-bookworm")
    result = backend.run("npm ci", app_dir, env={"CI": "1"}, memory_mb=512, pids=64, log_path=tmp_path / "d.log")
    assert result.backend == "docker" and result.exit_code == 0 and result.ok
    created = client.created[0]
    assert created["command"] == ["/bin/sh", "-c", "npm ci"]
    assert created["image"] == "node:20-bookworm"
    assert created["network_mode"] == "none" and created["pids_limit"] == 64
    assert created["environment"]["CI"] == "1"
    uid, gid = sandbox_identity(app_dir.resolve())
    assert created["user"] == f"{uid}:{gid}"
    assert client.container.calls == ["start", "wait", "remove"]
    text = (tmp_path / "d.log").read_text()
    assert "installing" in text and "done" in text and FAKE_GITHUB_TOKEN not in text


def test_a_run_past_its_timeout_is_stopped(workspace, app_dir):
    client = FakeClient(output=[b"working\n"], hangs=True)
    backend = DockerBackend([workspace / "repos"], None, client=client)
    result = backend.run(["sleep", "600"], app_dir, timeout_s=1)
    assert result.timed_out and result.killed
    assert result.exit_code == 143 and result.signal == 15
    assert client.container.calls == ["start", "wait", "stop", "wait", "remove"]


def test_a_started_app_has_no_network_and_runs_the_launcher(workspace, app_dir):
    client = FakeClient()
    backend = DockerBackend([workspace / "repos"], None, client=client)
    service = backend.start("npm start", app_dir, port=3000)
    try:
        created = client.created[0]
        assert created["network_mode"] == "none"
        assert "ports" not in created
        assert created["command"][:4] == ["python3", "-I", "-S", "/.sandbox/launcher.py"]
        cfg = json.loads(created["command"][4])
        assert cfg["cmd"] == ["/bin/sh", "-c", "npm start"]
        assert cfg["serve"] == {"socket": "/.sandbox/run/app.sock", "port": 3000}
        assert created["environment"]["PORT"] == "3000"
        binds = {v["bind"]: v["mode"] for v in created["volumes"].values()}
        assert binds == {"/app": "rw", "/.sandbox/run": "rw", "/.sandbox/launcher.py": "ro"}
    finally:
        service.stop()


def test_a_missing_image_is_a_missing_dependency(workspace, app_dir):
    backend = DockerBackend([workspace / "repos"], None, client=FakeClient(missing_image=True))
    with pytest.raises(ToolFailure) as err:
        backend.run("true", app_dir)
    assert err.value.kind == FailureKind.missing_dependency


def test_the_docker_probe_says_why_it_fails():
    assert probe_docker(lambda: FakeClient()) is None
    why = probe_docker(lambda: FakeClient(answers=False))
    assert why is not None and "ConnectionError" in why

    def no_engine():
        raise docker.errors.DockerException("Error while fetching server API version")

    assert "DockerException" in (probe_docker(no_engine) or "")


def test_detection_prefers_docker_then_bubblewrap_then_none(bwrap_ready):
    assert detect(docker_factory=lambda: FakeClient(), refresh=True).backend == "docker"
    gone = detect(docker_factory=lambda: FakeClient(answers=False), refresh=True)
    assert gone.backend == "bubblewrap", gone.reason
    assert gone.checks["docker"].startswith("no Docker engine answers")
    neither = detect(docker_factory=lambda: FakeClient(answers=False), bwrap="no-such-bwrap", refresh=True)
    assert neither.backend is None and not neither.available
    assert set(neither.checks) == {"docker", "bubblewrap"}
    assert "not installed" in neither.checks["bubblewrap"]


def test_without_a_backend_opening_a_sandbox_is_a_missing_dependency(monkeypatch):
    with pytest.raises(ToolFailure) as err:
        Sandbox.open(docker_factory=lambda: FakeClient(answers=False), bwrap="no-such-bwrap")
    assert err.value.kind == FailureKind.missing_dependency
    assert set(err.value.details["checks"]) == {"docker", "bubblewrap"}
    monkeypatch.setenv("GOOSE_STUDIO_SANDBOX", "none")
    off = detect()
    assert off.backend is None and "GOOSE_STUDIO_SANDBOX" in off.reason


def test_a_named_backend_is_the_only_one_tried(bwrap_ready, workspace):
    found = detect(prefer="bubblewrap", docker_factory=lambda: FakeClient(), refresh=True)
    assert found.backend == "bubblewrap" and list(found.checks) == ["bubblewrap"]
    box = Sandbox.open(prefer="docker", docker_factory=lambda: FakeClient())
    assert box.name == "docker"
