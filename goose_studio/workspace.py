"""The studio's workspace on disk: ``~/.goose-studio`` (or ``$GOOSE_STUDIO_HOME``).

Layout: ``repos/ runs/ data/ output/ cores/ cache/``. Every run is a folder ``runs/<run-id>/`` holding its
plan, ``run.json`` (written only by :class:`~goose_studio.runstore.RunStore`), ``events.jsonl``, logs,
checkpoints and artifacts (:class:`RunPaths`). Nothing outside the workspace is written.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import FailureKind, ToolFailure, disk_full_from_oserror

SUBDIRS = ("repos", "runs", "data", "output", "cores", "cache")
_RUN_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{2,80}$")


def default_home() -> Path:
    env = os.environ.get("GOOSE_STUDIO_HOME")
    return Path(env).expanduser() if env else Path.home() / ".goose-studio"


def slugify(text: str, fallback: str = "core") -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:60] or fallback


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write a file so that readers see either the old content or the whole new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode) as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        failure = disk_full_from_oserror(exc, str(path))
        if failure:
            raise failure from exc
        raise


def write_json(path: Path, data: Any) -> None:
    write_atomic(path, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


@dataclass(frozen=True)
class Workspace:
    root: Path

    @classmethod
    def from_env(cls) -> "Workspace":
        ws = cls(default_home())
        ws.ensure()
        return ws

    def ensure(self) -> None:
        for sub in SUBDIRS:
            (self.root / sub).mkdir(parents=True, exist_ok=True)

    @property
    def repos(self) -> Path:
        return self.root / "repos"

    @property
    def runs(self) -> Path:
        return self.root / "runs"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def output(self) -> Path:
        return self.root / "output"

    @property
    def cores(self) -> Path:
        return self.root / "cores"

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    def new_run_id(self, name: str) -> str:
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
        return f"{slugify(name)[:40]}-{stamp}-{secrets.token_hex(2)}"

    def run_dir(self, run_id: str) -> Path:
        if not _RUN_ID_RE.match(run_id):
            raise ToolFailure(
                FailureKind.invalid_input,
                f"'{run_id}' is not a valid run id.",
                hint="List runs with `goose-studio runs` and pass one of the ids shown.",
            )
        return self.runs / run_id

    def run_paths(self, run_id: str) -> "RunPaths":
        return RunPaths(self, run_id)


class RunPaths:
    """Where a run's files go: its folder under runs/, its dataset under data/, its adapter under output/."""

    def __init__(self, ws: Workspace, run_id: str) -> None:
        self.run_id = run_id
        self.run_dir = ws.run_dir(run_id)
        self.run_json = self.run_dir / "run.json"
        self.plan = self.run_dir / "plan.json"
        self.logs = self.run_dir / "logs"
        self.events = self.run_dir / "events.jsonl"
        self.checkpoints = self.run_dir / "checkpoints.sqlite"
        self.faults = self.run_dir / "faults.json"
        self.recipe = self.run_dir / "recipe.yaml"
        self.eval_results = self.run_dir / "eval_results.json"
        self.dataset_dir = ws.data / "generated" / run_id
        self.output_dir = ws.output / run_id
