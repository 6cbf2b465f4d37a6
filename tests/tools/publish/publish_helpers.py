"""Shared fixtures of the shipping tools' tests: the cores of the package tests (a tiny real model's core, and
a core of the embedded model), a workspace whose key signed them, and calling a tool as a client does.

The package tests' helpers are imported from their folder; fixtures imported here are picked up by pytest.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "package"))

from package_helpers import (  # noqa: E402,F401  (fixtures and helpers re-exported)
    build,
    built,
    embedded,
    inputs,
    make_args,
    offline_env,
    rewrite,
    signing_root,
)

from goose_studio.tools.registry import ToolContext, call_tool  # noqa: E402
from goose_studio.workspace import Workspace  # noqa: E402


@pytest.fixture
def ws(signing_root) -> Workspace:
    """The workspace whose key signed the module's cores (so their signer is this workspace)."""
    workspace = Workspace(signing_root)
    workspace.ensure()
    for old in workspace.cores.glob("*.gcpkg"):
        old.unlink()
    shutil.rmtree(workspace.root / "marketplace", ignore_errors=True)
    return workspace


def tool(name: str, raw: dict, ws: Workspace):
    return call_tool(name, raw, ToolContext(workspace=ws))
