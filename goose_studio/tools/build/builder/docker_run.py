"""Using the Dockerfile where a Docker engine answers: build the image, run it in the sandbox's container.

The image is built with the Docker SDK from the build folder. It then runs through the sandbox's Docker
backend (all capabilities dropped, no-new-privileges, read-only root, no network; the studio reaches its
port through the run folder's socket), started with the generated Dockerfile's start command in
``/srv/app``, or with the entrypoint, command and working directory of the app's own image.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ....sandbox.docker_backend import DockerBackend, docker_client
from ....workspace import slugify
from .commands import SandboxPlan
from .dockerfile import build_image, image_start_command
from .execution import Execution, free_port
from .repairs import Repairer
from .report import DockerfileReport
from .workdir import builds_root

if TYPE_CHECKING:
    from .pipeline import Build


def image_command(client: Any, tag: str, report: DockerfileReport, steps: SandboxPlan) -> str | None:
    """The command that starts the app in image ``tag``."""
    if report.origin == "generated":
        return image_start_command(report, steps)
    try:
        config = client.images.get(tag).attrs.get("Config") or {}
    except Exception:  # the SDK raises its own errors by engine state
        return None
    argv = [*(config.get("Entrypoint") or []), *(config.get("Cmd") or [])]
    if not argv:
        return None
    workdir = config.get("WorkingDir") or "/"
    return f"cd {shlex.quote(workdir)} && exec {shlex.join(argv)}"


def run_image(build: "Build", report: DockerfileReport, steps: SandboxPlan, app: Path,
              execution: Execution | None) -> bool:
    """Build and run the image; whether the app answered HTTP (the report says why not)."""
    try:
        client = (build.docker_factory or docker_client)()
        tag = f"goose-studio-build/{slugify(app.parent.name, 'app')}:latest"
        build.progress(stage="docker", message=f"docker build -f {Path(report.path).name} ({tag})")
        build_image(client, app, Path(report.path).name, tag)
    except Exception as exc:  # the SDK raises BuildError, APIError or requests' errors
        report.reason = f"{report.reason}; docker build failed ({type(exc).__name__}: {str(exc)[:200]})"
        return False
    command = image_command(client, tag, report, steps)
    if not command:
        report.reason = f"{report.reason}; the image has no start command"
        return False
    backend = DockerBackend([builds_root(build.ws)], build.ws.cache / "sandbox", client=client, image=tag)
    log_dir = build.log_dir or app.parent / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    repairer = execution.repairer if execution else Repairer(app, steps, build.run_env, package_manager=None,
                                                              shim_dir="", emit=build.record)
    runner = Execution(backend, app, steps, build.run_env, repairer, log_dir=log_dir, progress=build.progress,
                       install_timeout_s=build.opts.install_timeout_s, start_timeout_s=build.opts.start_timeout_s,
                       max_repairs=0)
    port = steps.port if steps.port and steps.port >= 1024 else free_port()
    service, ended = runner.start(command, port)
    build.report.start = runner.start_run
    if service is None:
        report.reason = f"{report.reason}; the container did not answer HTTP ({ended.reason if ended else ''})"
        return False
    report.used = True
    report.reason = f"{report.reason}; built and run with Docker"
    build.report.sandbox = "docker"
    try:
        build.explore_running(service.url)
    finally:
        runner.stop(service)
    build.network(runner)
    return True
