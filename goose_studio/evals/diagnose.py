"""Why a core scores low: underfitting, overfitting, generic data, format problems — each from numbers the
run already has (the evaluation, the trainer's final loss, the training pairs), each with its evidence.

The issues come in the order their fixes should be tried: a format problem or generic data spoils any
amount of training, so they come before over- and underfitting.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from ..tools.index_models import CodeIndex

IssueName = Literal["format", "generic_data", "overfitting", "underfitting"]

UNDERFIT_PPL_RATIO = 0.85  # the core's held-out perplexity above 85% of the base's: it learned little
UNDERFIT_TRAIN_LOSS = 0.8
OVERFIT_TRAIN_LOSS = 0.5
OVERFIT_GAP = 1.0  # held-out loss above the final training loss by this much (nats per token)
GENERIC_SHARE = 0.30  # training answers that name nothing of the repository
RUNAWAY_SHARE = 0.5  # answers that run on past a short reference
FORM_SHARE = 0.5  # answers with a code block where the reference has none, or the other way round
CUT_SHARE = 0.3  # training pairs longer than the cutoff (their answers' ends never trained)
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]{3,}")


class Issue(BaseModel):
    name: IssueName
    evidence: str
    value: float


def repository_names(index: CodeIndex | None, repo: str) -> set[str]:
    """Names that make an answer specific to the repository: symbols, file stems, the repository's name."""
    names = {repo.lower()} if len(repo) >= 4 else set()
    for f in (index.files if index is not None else []):
        stem = f.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        if len(stem) >= 4 and stem != "__init__":
            names.add(stem.lower())
        for s in f.symbols:
            if len(s.name) >= 4:
                names.add(s.name.lower())
    return names


def is_generic(row: dict[str, Any], names: set[str]) -> bool:
    """A pair whose answer names no symbol, file or the repository itself (and cites no path)."""
    text = str(row.get("output", ""))
    if "/" in text and re.search(r"\w+\.\w{1,5}\b", text):
        return False  # cites a file
    return not any(word.lower() in names for word in _IDENT.findall(text))


def generic_share(rows: list[dict[str, Any]], names: set[str]) -> float | None:
    if not rows or not names:
        return None
    return round(sum(is_generic(r, names) for r in rows) / len(rows), 4)


def cut_share(rows: list[dict[str, Any]], cutoff_len: int | None) -> float | None:
    """Share of pairs whose text (about 4 characters a token) is longer than the training cutoff."""
    if not rows or not cutoff_len:
        return None
    long = sum((len(r.get("instruction", "")) + len(r.get("input", "")) + len(r.get("output", ""))) / 4 > cutoff_len
               for r in rows)
    return round(long / len(rows), 4)


def diagnose(*, base_ppl: float, core_ppl: float, final_loss: float | None, runaway: float | None,
             form_match: float | None, generic: float | None, cut: float | None) -> list[Issue]:
    """The issues these numbers show, fixes first-to-try first."""
    issues: list[Issue] = []
    if runaway is not None and runaway > RUNAWAY_SHARE:
        issues.append(Issue(name="format", value=runaway, evidence=f"{runaway:.0%} of the core's answers run on "
                            "past where a short reference ends (the end of an answer was not learned)"))
    elif cut is not None and cut > CUT_SHARE:
        issues.append(Issue(name="format", value=cut, evidence=f"{cut:.0%} of the training pairs are longer than "
                            "the cutoff, so their answers' endings were never trained"))
    elif form_match is not None and form_match < FORM_SHARE:
        issues.append(Issue(name="format", value=form_match, evidence=f"only {form_match:.0%} of the answers have "
                            "the reference's form (code block or prose)"))
    if generic is not None and generic > GENERIC_SHARE:
        issues.append(Issue(name="generic_data", value=generic, evidence=f"{generic:.0%} of the training answers "
                            "name nothing of the repository (generic examples)"))
    ratio = core_ppl / base_ppl if base_ppl > 0 else 1.0
    held_loss = math.log(core_ppl) if core_ppl > 0 else 0.0
    if final_loss is not None and final_loss < OVERFIT_TRAIN_LOSS and held_loss - final_loss > OVERFIT_GAP:
        issues.append(Issue(name="overfitting", value=round(held_loss - final_loss, 3),
                            evidence=f"training loss {final_loss:.2f} but held-out loss {held_loss:.2f}: the core "
                            "memorised its training pairs"))
    elif ratio > UNDERFIT_PPL_RATIO and (final_loss is None or final_loss > UNDERFIT_TRAIN_LOSS):
        issues.append(Issue(name="underfitting", value=round(ratio, 4),
                            evidence=f"held-out perplexity {core_ppl:.2f} vs the base's {base_ppl:.2f} "
                            f"({1 - ratio:.0%} lower): too little training"))
    return issues


def drop_generic(train_file: Path, index_path: str | None, repo: str) -> tuple[int, int]:
    """Rewrite the training file without its generic pairs (all kept when every pair is generic).

    Returns (pairs kept, pairs left out).
    """
    from ..tools.index_models import load_index

    lines = [line for line in train_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [json.loads(line) for line in lines]
    index = load_index(index_path) if index_path and Path(index_path).is_file() else None
    names = repository_names(index, repo)
    keep = [line for line, row in zip(lines, rows) if not is_generic(row, names)]
    if not keep or not names:
        return len(lines), 0
    train_file.write_text("".join(line + "\n" for line in keep), encoding="utf-8")
    return len(keep), len(lines) - len(keep)
