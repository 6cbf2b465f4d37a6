"""What a request to the web UI may touch on disk.

Tool arguments that name a place on disk must lie inside the workspace or inside a source the user chose
(a source given to a run of this workspace, or the upload folder); the arguments that *choose* a source
(``source``, ``sources`` and ``model`` — a local model folder is a choice too) are the user's choice and are
left as they are. A run's screenshots and training samples are found through the run's own records by
number, never by a path taken from the request; so are its loss-curve PNGs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import FailureKind, ToolFailure
from ..runstore import RunStore
from ..workspace import Workspace

#: Arguments that choose what to learn (or which model to start from): the user's own choice of path.
CHOICE_FIELDS = frozenset({"source", "sources", "model"})
#: Where uploads go, under the workspace.
UPLOADS_DIR = "uploads"
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp"}


def _local(value: str) -> Path | None:
    """The path ``value`` names on this machine, or None when it names no local place (a URL, a hub id)."""
    text = value.strip()
    if text.startswith("file://"):
        text = text[len("file://"):]
    if text[:3].lower() == "hf:":
        text = text[3:]
    if not text or "://" in text or "\0" in text:
        return None
    path = Path(text).expanduser()
    try:
        exists = path.exists()
    except (OSError, ValueError):
        exists = False
    return path if text.startswith(("/", "~", ".")) or exists else None


def _within(path: Path, roots: list[Path]) -> bool:
    try:
        real = path.resolve()
    except (OSError, RuntimeError):
        return False
    return any(real == root or real.is_relative_to(root) for root in roots)


def chosen_roots(ws: Workspace) -> list[Path]:
    """The workspace and every local source the workspace's runs were given."""
    roots = [ws.root.resolve()]
    for run in RunStore(ws).list():
        given = [run.source, *((run.options or {}).get("sources") or [])]
        for value in given:
            path = _local(str(value)) if value else None
            if path is not None and path.is_absolute() and path.exists():
                roots.append(path.resolve())
    return list(dict.fromkeys(roots))


def _values(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, str)]
    return []


def confine(args: dict[str, Any], ws: Workspace) -> None:
    """Refuse arguments that name a place outside the workspace and the chosen sources (``invalid_input``)."""
    roots: list[Path] | None = None
    outside = []
    for name, value in args.items():
        if name in CHOICE_FIELDS:
            continue
        for text in _values(value):
            path = _local(text)
            if path is None:
                continue
            if roots is None:
                roots = chosen_roots(ws)
            if not _within(path, roots):
                outside.append(name)
    if outside:
        raise ToolFailure(FailureKind.invalid_input,
                          "The web UI reaches only the workspace and the sources you chose; "
                          f"{', '.join(sorted(set(outside)))} names a place outside them.",
                          hint="Learn that folder first (it becomes one of your sources), or use the CLI.",
                          details={"arguments": sorted(set(outside)), "workspace": str(ws.root)})


def _build_report(ws: Workspace, run_id: str) -> dict[str, Any]:
    paths = RunStore(ws).paths(run_id)
    RunStore(ws).read(run_id)  # not_found for an unknown run
    report = paths.run_dir / "build-report.json"
    try:
        return json.loads(report.read_text(encoding="utf-8")) if report.is_file() else {}
    except (OSError, ValueError):
        return {}


def _shot_path(ws: Workspace, report: dict[str, Any], name: str | None) -> Path | None:
    if not name:
        return None
    path = Path(name)
    if not path.is_absolute():
        base = (report.get("exploration") or {}).get("report_path")
        if not base:
            return None
        path = Path(base).parent / path
    if path.suffix.lower() not in IMAGE_TYPES or not _within(path, [ws.root.resolve()]) or not path.is_file():
        return None
    return path


def run_pages(ws: Workspace, run_id: str) -> list[dict[str, Any]]:
    """The pages the explorer visited during a run's BUILD: number, path, title, status, has a screenshot."""
    report = _build_report(ws, run_id)
    pages = (report.get("exploration") or {}).get("pages") or []
    return [{"n": n, "path": p.get("path"), "title": p.get("title") or "", "status": p.get("status"),
             "screenshot": _shot_path(ws, report, p.get("screenshot")) is not None} for n, p in enumerate(pages)]


def screenshot_file(ws: Workspace, run_id: str, n: int) -> tuple[Path, str]:
    """The screenshot of page ``n`` of a run's exploration and its media type (``not_found`` when none)."""
    report = _build_report(ws, run_id)
    pages = (report.get("exploration") or {}).get("pages") or []
    path = _shot_path(ws, report, pages[n].get("screenshot")) if 0 <= n < len(pages) else None
    if path is None:
        raise ToolFailure(FailureKind.not_found, f"Run '{run_id}' has no screenshot {n}.",
                          hint="The screenshots are listed at /api/runs/<run>/screenshots.",
                          details={"run_id": run_id, "n": n})
    return path, IMAGE_TYPES[path.suffix.lower()]


def samples(ws: Workspace, run_id: str, n: int) -> list[dict[str, Any]]:
    """The first ``n`` training pairs of a run (instruction, input, output, category), spread over the file."""
    RunStore(ws).read(run_id)
    path = ws.run_paths(run_id).dataset_dir / "train.jsonl"
    if not path.is_file():
        return []
    rows = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            try:
                row = json.loads(line)
            except ValueError:
                continue
            rows.append({k: row.get(k) for k in ("instruction", "input", "output", "category", "source")})
            if len(rows) >= 2000:
                break
    step = max(1, len(rows) // max(1, n))
    return rows[::step][:n]


def loss_curves(ws: Workspace, run_id: str) -> list[Path]:
    """A run's loss-curve PNGs: its own copy first, then those its trainings drew in its output folder."""
    RunStore(ws).read(run_id)
    paths = ws.run_paths(run_id)
    found = [paths.run_dir / "loss_curve.png", *sorted(paths.output_dir.glob("**/loss_curve.png"))]
    root = [ws.root.resolve()]
    return [p for p in dict.fromkeys(found) if p.is_file() and _within(p, root)]


def loss_curve_file(ws: Workspace, run_id: str, n: int) -> Path:
    """Loss curve ``n`` of a run (``not_found`` when it has none by that number)."""
    curves = loss_curves(ws, run_id)
    if not 0 <= n < len(curves):
        raise ToolFailure(FailureKind.not_found, f"Run '{run_id}' has no loss curve {n}.",
                          hint="A run has one once its training logged a loss.",
                          details={"run_id": run_id, "n": n, "curves": len(curves)})
    return curves[n]
