"""The repair cascade, each case a small app broken on purpose and built for real in the sandbox: a missing
.env, a missing variable, a port taken inside, a runtime version this machine lacks, a missing system
library (named, then the Dockerfile fallback), a failing build (Dockerfile, then code-only), and missing
dependencies (installed from the registries)."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder_helpers import build, bwrap_ready, ctx, no_real_planners, server_app, write_app, ws  # noqa: F401
from goose_studio.tools.build.builder.syslibs import SHARED_OBJECTS, present

NEEDS_SECRET = """
import os
key = os.environ.get("SECRET_KEY") or dict(
    l.strip().split("=", 1) for l in open(".env") if "=" in l and not l.startswith("#")).get("SECRET_KEY")
if not key:
    raise SystemExit("SECRET_KEY is required")
"""


def repairs(report, rid: str):
    return [r for r in report.repairs if r.id == rid]


def test_a_missing_env_file_is_written_from_the_example_with_placeholders(bwrap_ready, ctx, tmp_path):
    src = server_app(tmp_path / "needs-env", before=NEEDS_SECRET,
                     extra={".env.example": "SECRET_KEY=change-me\nDEBUG=true\n"})
    report = build(ctx, src)
    assert report.status == "ran", report.reason
    env = repairs(report, "env-file")
    assert len(env) == 1 and env[0].details["variables"] == ["DEBUG", "SECRET_KEY"]
    written = (Path(report.build_dir) / ".env").read_text()
    assert "SECRET_KEY=goose-studio-placeholder" in written and "DEBUG=true" in written
    assert not (src / ".env").exists()  # the user's folder is never written
    assert any(e.get("stage") == "repair" and e["repair"]["id"] == "env-file" for e in ctx.events)


def test_a_variable_the_app_asks_for_gets_a_placeholder_and_the_app_is_started_again(bwrap_ready, ctx, tmp_path):
    src = server_app(tmp_path / "keyerror", before="import os\nprint('token', os.environ['API_TOKEN'][:5])")
    report = build(ctx, src)
    assert report.status == "ran", report.reason
    [env] = repairs(report, "env-file")
    assert env.details == {"variable": "API_TOKEN"} and env.stage == "start"


def test_a_port_taken_inside_the_sandbox_is_remapped(bwrap_ready, ctx, tmp_path):
    src = server_app(tmp_path / "taken", procfile="web: python3 main.py --port ${PORT:-5055}", before="""
        import socket
        metrics = socket.socket(); metrics.bind(("127.0.0.1", 5055)); metrics.listen(1)
    """)
    report = build(ctx, src)
    assert report.status == "ran", report.reason
    [port] = repairs(report, "port")
    assert port.details["asked"] == 5055 and port.details["used"] != 5055
    assert report.start.port == port.details["used"]


def test_a_runtime_version_that_is_not_here_is_replaced_by_the_one_that_is(bwrap_ready, ctx, tmp_path):
    src = server_app(tmp_path / "py399", extra={".python-version": "3.99\n", "requirements.txt": ""})
    report = build(ctx, src)
    assert report.status == "ran", report.reason
    [version] = repairs(report, "runtime-version")
    assert version.details["asked"] == "3.99" and version.details["source"] == ".python-version"
    assert version.details["used"].startswith("3.")


def test_a_node_engine_this_machine_lacks_is_built_with_engine_strict_off(bwrap_ready, ctx, tmp_path):
    src = write_app(tmp_path / "node99", {
        "package.json": '{"name": "n99", "version": "1.0.0", "engines": {"node": ">=99"}, '
                        '"scripts": {"start": "node index.js"}}',
        ".npmrc": "engine-strict=true\n",
        "index.js": "require('http').createServer((q, s) => s.end('<title>n</title>ok'))"
                    ".listen(process.env.PORT)\n"})
    report = build(ctx, src)
    assert report.status == "ran", report.reason
    [version] = repairs(report, "runtime-version")
    assert version.details["runtime"] == "node" and version.details["asked"] == ">=99"


def test_a_missing_system_library_is_named_and_a_dockerfile_is_written_for_it(bwrap_ready, ctx, tmp_path):
    stem = next(s for s in ("libGL", "libgdal", "libtesseract", "libvips") if not present(f"{s}.so.1"))
    src = server_app(tmp_path / "needs-lib", before=f"import ctypes\nctypes.CDLL('{stem}.so.1')")
    report = build(ctx, src)
    assert report.status == "built"
    [lib] = repairs(report, "system-library")
    assert lib.outcome == "not-applied" and lib.details["package"] == SHARED_OBJECTS[stem]
    assert lib.hint == f"apt-get install {SHARED_OBJECTS[stem]}"
    [docker] = repairs(report, "dockerfile")
    assert docker.outcome == "not-applied" and report.dockerfile.origin == "generated"
    assert SHARED_OBJECTS[stem] in Path(report.dockerfile.path).read_text()


def test_a_build_that_fails_with_no_repair_ends_code_only_after_the_dockerfile(bwrap_ready, ctx, tmp_path):
    src = server_app(tmp_path / "broken", extra={
        "nixpacks.toml": '[phases.build]\ncmds = ["echo the compiler broke; exit 3"]\n'})
    report = build(ctx, src)
    assert report.status == "code-only" and report.failure_kind == "build_failed"
    assert report.phases[-1].exit_code == 3 and "no repair applies" in report.reason
    assert [r.id for r in report.repairs] == ["dockerfile"]
    assert Path(report.dockerfile.path).exists()


@pytest.mark.e2e
def test_missing_dependencies_are_installed_from_the_registries(bwrap_ready, ctx, tmp_path):
    py = server_app(tmp_path / "needs-six", before="import six\nprint('six', six.__version__)",
                    extra={"requirements.txt": "\n"})
    report = build(ctx, py)
    assert report.status == "ran", report.reason
    [dep] = repairs(report, "missing-dependency")
    assert dep.details["package"] == "six" and "six" in (Path(report.build_dir) / "requirements.txt").read_text()
    node = write_app(tmp_path / "needs-ms", {
        "package.json": '{"name": "needs-ms", "version": "1.0.0", "scripts": {"start": "node index.js"}}',
        "index.js": "const ms = require('ms');\nrequire('http').createServer((q, s) => s.end(String(ms(60000))))"
                    ".listen(process.env.PORT)\n"})
    report = build(ctx, node)
    assert report.status == "ran", report.reason
    [dep] = repairs(report, "missing-dependency")
    assert dep.details["package"] == "ms"
