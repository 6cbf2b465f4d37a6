"""Read-only access to an app folder for the detectors: files, JSON/JSONC/TOML/YAML, globs, a Procfile.

Everything here tolerates missing or broken files (a detector asks, gets None, and moves on). Globs skip
dependency and tool folders (``node_modules``, ``.git``, virtual environments) and stop after a fixed number
of files so a huge repository stays fast.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import tomllib
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

SKIP_DIRS = frozenset({"node_modules", ".git", ".hg", ".svn", ".venv", "venv", "__pycache__", ".next",
                       ".nixpacks", ".mypy_cache", ".pytest_cache", ".tox", ".gradle", ".stack-work"})
MAX_FILES = 20_000
MAX_READ = 2 * 1024 * 1024


def strip_jsonc(text: str) -> str:
    """JSON with comments and trailing commas -> JSON (strings are left alone)."""
    out, i, n, in_str = [], 0, len(text), False
    while i < n:
        c = text[i]
        if in_str:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 1
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
            out.append(c)
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            continue
        else:
            out.append(c)
        i += 1
    return re.sub(r",(\s*[}\]])", r"\1", "".join(out))


def parse_procfile(text: str) -> list[tuple[str, str]]:
    """Procfile entries ``(process type, command)`` in file order (comments and blank lines skipped)."""
    entries = []
    for line in text.splitlines():
        line = line.strip()
        m = re.match(r"^([A-Za-z0-9_-]+):\s*(.*)$", line)
        if m and not line.startswith("#"):
            entries.append((m.group(1), m.group(2).strip()))
    return entries


class AppFiles:
    """The files of one app folder, as the detectors see them (paths are relative, '/'-separated)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.name = self.root.resolve().name

    def path(self, rel: str) -> Path:
        return self.root / rel

    def has(self, rel: str) -> bool:
        return (self.root / rel).is_file()

    def has_dir(self, rel: str) -> bool:
        return (self.root / rel).is_dir()

    def any(self, *rels: str) -> str | None:
        """The first of ``rels`` that exists as a file."""
        return next((r for r in rels if self.has(r)), None)

    def read(self, rel: str) -> str | None:
        p = self.root / rel
        try:
            if not p.is_file() or p.stat().st_size > MAX_READ:
                return None
            return p.read_text(encoding="utf-8", errors="replace").lstrip("\ufeff")
        except OSError:
            return None

    def json(self, rel: str, comments: bool = False) -> Any:
        text = self.read(rel)
        if text is None:
            return None
        for candidate in ((text, strip_jsonc(text)) if comments else (text,)):
            try:
                return json.loads(candidate)
            except ValueError:
                continue
        return None

    def obj(self, rel: str, comments: bool = False) -> dict[str, Any]:
        """A JSON object file as a dict ({} when missing, broken or not an object)."""
        data = self.json(rel, comments)
        return data if isinstance(data, dict) else {}

    def toml(self, rel: str) -> dict[str, Any]:
        text = self.read(rel)
        if text is None:
            return {}
        try:
            return tomllib.loads(text)
        except (tomllib.TOMLDecodeError, ValueError):
            return {}

    def yaml(self, rel: str) -> Any:
        text = self.read(rel)
        if text is None:
            return None
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError:
            return None

    def contains(self, rel: str, needle: str, lower: bool = False) -> bool:
        text = self.read(rel)
        if text is None:
            return False
        return needle.lower() in text.lower() if lower else needle in text

    def is_executable(self, rel: str) -> bool:
        return os.access(self.root / rel, os.X_OK)

    @cached_property
    def all_files(self) -> list[str]:
        """Every file (relative path), depth-first, dependency folders skipped, capped at MAX_FILES."""
        found: list[str] = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
            rel_dir = os.path.relpath(dirpath, self.root)
            for f in sorted(filenames):
                found.append(f if rel_dir == "." else f"{rel_dir}/{f}".replace(os.sep, "/"))
                if len(found) >= MAX_FILES:
                    return found
        return found

    def glob(self, pattern: str) -> list[str]:
        """Files matching ``pattern``: '**/' matches any depth (including none); no '/' matches the root only."""
        if pattern.startswith("**/"):
            tail = pattern[3:]
            return [f for f in self.all_files if fnmatch.fnmatch(f.rsplit("/", 1)[-1], tail)
                    or fnmatch.fnmatch(f, tail) or fnmatch.fnmatch(f, pattern)]
        if "/" not in pattern:
            return [f for f in self.all_files if "/" not in f and fnmatch.fnmatch(f, pattern)]
        return [f for f in self.all_files if fnmatch.fnmatch(f, pattern)]

    def dirs(self, rel: str = ".") -> list[str]:
        """Sub-folders of ``rel`` (names), sorted, dependency folders skipped."""
        base = self.root / rel
        try:
            return sorted(p.name for p in base.iterdir() if p.is_dir() and p.name not in SKIP_DIRS)
        except OSError:
            return []

    def procfile(self) -> list[tuple[str, str]]:
        text = self.read("Procfile")
        return parse_procfile(text) if text else []

    def sub(self, rel: str) -> "AppFiles":
        return AppFiles(self.root / rel)
