"""Version helpers: semver ranges, .nvmrc aliases, mise.toml / .tool-versions, version strings in files."""

from __future__ import annotations

import re
from typing import Any

from .files import AppFiles

NVM_LTS = {"lts/*": "22", "lts/jod": "22", "lts/argon": "4", "lts/boron": "6", "lts/carbon": "8",
           "lts/dubnium": "10", "lts/erbium": "12", "lts/fermium": "14", "lts/gallium": "16",
           "lts/hydrogen": "18", "lts/iron": "20"}

# asdf / mise tool names that differ from the runtime names used here
TOOL_ALIASES = {"nodejs": "node", "golang": "go", "python3": "python", "java": "java", "dotnet-core": "dotnet"}

_VERSION = re.compile(r"^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?")


def _parts(text: str) -> tuple[int | None, int | None, int | None] | None:
    m = _VERSION.match(text.strip())
    if not m:
        return None
    vals = []
    for g in m.groups():
        vals.append(None if g is None or g in "xX*" else int(g))
    return vals[0], vals[1], vals[2]


def _bounds(op: str, text: str) -> list[tuple[str, tuple[int, int, int]]] | None:
    """One comparator as a list of (op, version) with wildcards expanded into a lower/upper bound pair."""
    parts = _parts(text)
    if parts is None:
        return None
    major, minor, patch = parts
    if major is None:
        return []
    lo = (major, minor or 0, patch or 0)
    if minor is None:
        hi = (major + 1, 0, 0)
    elif patch is None:
        hi = (major, minor + 1, 0)
    else:
        hi = None
    if op in ("", "="):
        return [(">=", lo), ("<", hi)] if hi else [("=", lo)]
    if op == "^":
        if major > 0 or minor is None:
            return [(">=", lo), ("<", (major + 1, 0, 0))]
        return [(">=", lo), ("<", (0, minor + 1, 0))]
    if op == "~":
        return [(">=", lo), ("<", (major, (minor or 0) + 1, 0) if minor is not None else (major + 1, 0, 0))]
    if op == ">" and hi:
        return [(">=", hi)]
    if op == "<=" and hi:
        return [("<", hi)]
    return [(op, lo)]


def parse_range(text: str) -> list[list[tuple[str, tuple[int, int, int]]]] | None:
    """A node-semver style range as alternatives of comparator sets; None when it cannot be read."""
    alternatives = []
    for alt in text.split("||"):
        alt = re.sub(r"\s*-\s+", " - ", alt.strip())
        if " - " in alt:  # hyphen range
            a, b = alt.split(" - ", 1)
            lo, hi = _bounds(">=", a), _bounds("<=", b)
            if lo is None or hi is None:
                return None
            alternatives.append(lo + hi)
            continue
        comps: list[tuple[str, tuple[int, int, int]]] = []
        for tok in re.findall(r"(>=|<=|>|<|=|\^|~)?\s*(v?[\dxX*][\w.*-]*)", alt):
            bounds = _bounds(tok[0], tok[1])
            if bounds is None:
                return None
            comps.extend(bounds)
        if not comps and alt not in ("", "*", "x", "latest"):
            return None
        alternatives.append(comps)
    return alternatives


def _satisfies(v: tuple[int, int, int], comps: list[tuple[str, tuple[int, int, int]]]) -> bool:
    checks = {">=": v.__ge__, "<=": v.__le__, ">": v.__gt__, "<": v.__lt__, "=": v.__eq__}
    return all(checks[op](target) for op, target in comps)


def range_allows_major(text: str, major: int) -> bool:
    """Whether some version N.x.y with N == major satisfies the range."""
    parsed = parse_range(text)
    if parsed is None:
        return False
    for comps in parsed:
        candidates = {(major, 0, 0), (major, 999, 999)}
        for _, (a, b, c) in comps:
            if a == major:
                candidates.update({(a, b, c), (a, b, c + 1), (a, b + 1, 0)})
        if any(_satisfies(v, comps) for v in candidates):
            return True
    return False


def newest_major(text: str, majors: list[int]) -> int | None:
    """The newest of ``majors`` the range allows, or None."""
    return next((m for m in sorted(majors, reverse=True) if range_allows_major(text, m)), None)


def nvmrc_version(text: str) -> str:
    """An .nvmrc value: LTS aliases to their major, a leading 'v' dropped."""
    value = text.strip()
    return NVM_LTS.get(value.lower(), value[1:] if value.startswith("v") else value)


def extract_semver(text: str) -> str:
    """The first 'x', 'x.y' or 'x.y.z' version in ``text`` ('python-3.11.4' -> '3.11.4'), or the text."""
    m = re.search(r"\d+(?:\.\d+){0,2}", text)
    return m.group(0) if m else text.strip()


def major_minor(text: str) -> tuple[str, str]:
    """('3', '11') for '3.11.4'; '_' for a missing part (the rule both tools' Python/Elixir regexes use)."""
    m = re.match(r"""^(?:[\sa-zA-Z"'-]*)(\d*)(?:\.*)(\d*)(?:\.*\d*)(?:["']?)$""", text.strip())
    if not m:
        return "", ""
    return m.group(1) or "_", m.group(2) or "_"


def tool_versions(files: AppFiles) -> dict[str, str]:
    """Versions from .tool-versions (asdf)."""
    found: dict[str, str] = {}
    for line in (files.read(".tool-versions") or "").splitlines():
        parts = line.split("#", 1)[0].split()
        if len(parts) >= 2:
            found[TOOL_ALIASES.get(parts[0], parts[0])] = parts[1]
    return found


def mise_tools(files: AppFiles) -> dict[str, str]:
    """Versions from mise.toml / .mise.toml ``[tools]``."""
    found: dict[str, str] = {}
    for name in ("mise.toml", ".mise.toml", "mise/config.toml", ".config/mise.toml"):
        tools: Any = files.toml(name).get("tools") if files.has(name) else None
        if not isinstance(tools, dict):
            continue
        for tool, value in tools.items():
            if isinstance(value, list) and value:
                value = value[0]
            if isinstance(value, dict):
                value = value.get("version")
            if isinstance(value, (str, int, float)):
                found.setdefault(TOOL_ALIASES.get(str(tool), str(tool)), str(value))
    return found


def mise_version(files: AppFiles, tool: str) -> tuple[str, str] | None:
    """(version, source file) for ``tool`` from mise.toml or .tool-versions."""
    mise = mise_tools(files)
    if tool in mise:
        return mise[tool], "mise.toml"
    asdf = tool_versions(files)
    if tool in asdf:
        return asdf[tool], ".tool-versions"
    return None
