"""What TEST reads: the held-out (and training) pairs, the general questions shipped with the studio, and
the run's retrieval index and code index when they are there."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from ...errors import FailureKind, ToolFailure
from ...evals.probe import ProbeQuestion

GENERAL_FILE = "general.jsonl"


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The alpaca rows of a JSONL file (instruction/input/output, with category, group and id when present)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ToolFailure(FailureKind.not_found, f"Cannot read the held-out pairs at {path}: {exc.strerror}.",
                          hint="Run generate_pairs first.") from None
    rows = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict) or not isinstance(row["instruction"], str) or not isinstance(row["output"], str):
                raise TypeError
        except (json.JSONDecodeError, KeyError, TypeError):
            raise ToolFailure(FailureKind.corrupted, f"Line {n} of {path} is not an alpaca pair.",
                              hint="Regenerate the dataset with generate_pairs.") from None
        rows.append(row)
    return rows


def prompt_of(row: dict[str, Any]) -> str:
    return row["instruction"] + ("\n" + row["input"] if row.get("input") else "")


def load_pairs(path: Path) -> list[dict[str, str]]:
    """Held-out pairs as {"prompt", "answer"}; insufficient_data when there are none."""
    pairs = [{"prompt": prompt_of(r), "answer": r["output"]} for r in read_rows(path)]
    if not pairs:
        raise ToolFailure(FailureKind.insufficient_data, f"{path} holds no held-out pairs.",
                          hint="Generate more pairs (more source files) so that a held-out split exists.")
    return pairs


def optional_rows(path: str | None) -> list[dict[str, Any]]:
    """The rows of an optional file; [] when it is not given, missing or unreadable."""
    if not path or not Path(path).is_file():
        return []
    try:
        return read_rows(Path(path))
    except ToolFailure:
        return []


def general_questions(limit: int) -> list[ProbeQuestion]:
    """The general-knowledge questions shipped with the studio (the regression check), at most ``limit``."""
    text = resources.files("goose_studio.evals").joinpath("data", GENERAL_FILE).read_text(encoding="utf-8")
    out = []
    for line in text.splitlines():
        if line.strip():
            row = json.loads(line)
            out.append(ProbeQuestion(kind="general", question=row["question"], choices=row["choices"],
                                     answer=int(row["answer"]), source=GENERAL_FILE))
    return out[:limit]
