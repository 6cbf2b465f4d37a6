"""Shared samples, fixtures and helpers for the index_code tests: a small repository in Python, JavaScript,
TypeScript and TSX written into a temp folder.

Test modules import what they use from here (``from code_index_helpers import ...``); pytest picks up the
imported fixtures.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from goose_studio.events import EventBus
from goose_studio.tools.index_models import CodeIndex, FileIndex, Symbol
from goose_studio.tools.registry import ToolContext
from goose_studio.workspace import Workspace

OLD_MTIME = 1_600_000_000  # 2020: well outside the window where an mtime is not trusted

CORE_PY = '''\
"""Core parsing utilities.

Longer description.
"""
import os
import json as j
from typing import Any
from .util import helper


def parse(text: str) -> dict:
    """Parse text.

    Details:
        indented more.
    """
    data = j.loads(text)
    return helper(data)


class Parser(Base):
    """A parser."""

    @staticmethod
    def make(
        a: int,
        b: str = "x",
    ) -> "Parser":
        return Parser()

    @property
    def name(self) -> str:
        return self._name.upper()

    async def run(self, text):
        # not a docstring
        await self.step(text)
        self.step(text)
        os.path.join("a", "b")
'''

UTIL_PY = '''\
def helper(x):
    return x
'''

TEST_CORE_PY = '''\
from pkg.core import parse


def test_parse():
    assert parse("{}") == {}


class TestParser:
    def test_make(self):
        pass


def make_fixture():
    return 1
'''

APP_JS = '''\
// Application entry point.
const express = require('express');
import { thing } from './thing.js';

/**
 * Start the server.
 * @param {number} port the port
 */
function start(port) {
  const app = express();
  app.listen(port);
}

const stop = async (server) => {
  await server.close();
};

class Server extends Base {
  /** Handle a request. */
  handle(req, res) {
    res.send(render(req));
  }
}

module.exports = { start, stop };
'''

TYPES_TS = '''\
import type { Config } from "./config";
import * as path from "path";

/** Load the config. */
export async function loadConfig(file: string): Promise<Config> {
  return readConfig(path.resolve(file));
}

export const double = (n: number): number => n * 2;

export class Store<T> {
  private items: T[] = [];

  /** Add an item. */
  add(item: T): void {
    this.items.push(item);
  }
}
'''

BUTTON_TSX = '''\
import React from "react";

interface Props { label: string }

/** A button. */
export function Button({ label }: Props) {
  return <button onClick={() => track(label)}>{label}</button>;
}

export default function App() {
  return <Button label="hi" />;
}
'''

APP_TEST_JS = '''\
describe("app", () => {
  it("works", () => { expect(1).toBe(1); });
});
'''

REPO_FILES = {
    "pkg/__init__.py": '"""The demo package."""\n',
    "pkg/core.py": CORE_PY,
    "pkg/util.py": UTIL_PY,
    "tests/test_core.py": TEST_CORE_PY,
    "web/app.js": APP_JS,
    "web/types.ts": TYPES_TS,
    "web/Button.tsx": BUTTON_TSX,
    "web/app.test.js": APP_TEST_JS,
    "README.md": "# Demo\n",
}
INDEXED = sorted(p for p in REPO_FILES if not p.endswith(".md"))


def write_repo(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = write_repo(tmp_path / "repo", REPO_FILES)
    (root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    return root


@pytest.fixture
def ctx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ToolContext:
    monkeypatch.setenv("GOOSE_STUDIO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    ws = Workspace(tmp_path / "home")
    ws.ensure()
    bus = EventBus("test-run", ws.runs / "test-run" / "events.jsonl")
    return ToolContext(workspace=ws, run_id="test-run", events=bus, tab="build")


def line_of(source: str, needle: str) -> int:
    """1-based line of the first line containing ``needle``."""
    for n, line in enumerate(source.splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError(f"{needle!r} not in source")


def by_path(index: CodeIndex) -> dict[str, FileIndex]:
    return {f.path: f for f in index.files}


def by_qualname(file: FileIndex) -> dict[str, Symbol]:
    return {s.qualname: s for s in file.symbols}


def age(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, (OLD_MTIME, OLD_MTIME))
