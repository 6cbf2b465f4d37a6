"""Repairs, fallbacks and Guide choices as data: loading, matching, and applying their fixes.

The rules live in ``goose_studio/agents/rules/{repairs,fallbacks,guides}.yaml`` and are validated here with all
problems reported at once. A fix is a closed set of actions on the run's options (set, scale, lower to at
most a value, take from the failure's details, clean a named artifact, go to a tab); applying one is a pure
function of the run's state, so the graph can decide and record it deterministically. Nothing here runs a
shell command.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..errors import Failure, FailureKind, ToolFailure
from ..presets import preset_names

Tab = Literal["source", "build", "prepare", "train", "test", "publish"]
Clean = Literal["train_output", "dataset", "index", "disk"]

# Options a fix may change, with their type and bounds. Anything else is refused (also from an LLM).
OPTION_BOUNDS: dict[str, tuple[type, float | None, float | None]] = {
    "batch_size": (int, 1, 64), "cutoff_len": (int, 64, 8192), "learning_rate": (float, 1e-6, 1e-2),
    "epochs": (float, 0.05, 20), "max_steps": (int, 1, 100_000), "lora_rank": (int, 2, 256),
    "min_pairs": (int, 1, 100_000), "max_pairs": (int, 1, 100_000), "eval_ppl_samples": (int, 0, 10_000),
    "eval_generate_samples": (int, 0, 1_000), "eval_max_new_tokens": (int, 8, 1_024),
    "bf16": (bool, None, None), "use_cpu": (bool, None, None), "use_unsloth": (bool, None, None),
    "check_load": (bool, None, None), "accept_low_quality": (bool, None, None), "build": (bool, None, None),
    "model": (str, None, None), "preset": (str, None, None), "branch": (str, None, None), "source": (str, None, None),
    "columns": (str, None, None), "language": (str, None, None),
    "gradient_checkpointing": (bool, None, None), "stop_on_plateau": (bool, None, None),
    "drop_generic_pairs": (bool, None, None), "eval_probe_questions": (int, 0, 500),
    "eval_general_questions": (int, 0, 500),
}
# Options a person may set with a Guide choice that takes ``options`` (``manual=epochs=3,lora_rank=32``).
MANUAL_OPTIONS = ("epochs", "max_steps", "lora_rank", "learning_rate", "cutoff_len", "batch_size", "max_pairs")


class Fix(BaseModel):
    model_config = ConfigDict(extra="forbid")

    set: dict[str, Any] = Field(default_factory=dict)
    scale: dict[str, float] = Field(default_factory=dict)
    at_most: dict[str, float] = Field(default_factory=dict)  # lowers an option to this value, never raises it
    from_details: dict[str, str] = Field(default_factory=dict)
    clean: list[Clean] = Field(default_factory=list)
    goto: Tab | None = None

    @field_validator("set", "scale", "at_most", "from_details")
    @classmethod
    def _known_options(cls, value: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(value) - set(OPTION_BOUNDS))
        if unknown:
            raise ValueError(f"unknown option(s) {unknown}; a fix may change only {sorted(OPTION_BOUNDS)}")
        return value


class Remedy(BaseModel):
    """One repair rule or fallback."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    tab: Tab | Literal["*"]
    kinds: list[FailureKind] = Field(min_length=1)
    pattern: str | None = None
    requires: dict[str, Any] = Field(default_factory=dict)
    label: str | None = None
    diagnosis: str
    fix: Fix
    max_uses: int = Field(1, ge=1, le=10)

    @field_validator("pattern")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            re.compile(value)
        return value


class Choice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    label: str
    fix: Fix = Field(default_factory=Fix)
    param: Literal["source", "columns", "options"] | None = None  # the choice takes a value: --answer <id>=<value>
    requires: dict[str, Any] = Field(default_factory=dict)  # offered only when the run's options match


class GuideEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tab: Tab | Literal["*"]
    kinds: list[FailureKind] = Field(default_factory=list)
    need: str
    choices: list[Choice] = Field(default_factory=list)


def _load(name: str, model: type[BaseModel]) -> list[Any]:
    text = resources.files("goose_studio.agents.rules").joinpath(name).read_text(encoding="utf-8")
    return parse_rules(text, name, model)


def parse_rules(text: str, name: str, model: type[BaseModel]) -> list[Any]:
    """Validate a rules file's entries; every problem in it is reported at once, in one failure."""
    try:
        raw = yaml.safe_load(text) or []
    except yaml.YAMLError as exc:
        raise ToolFailure(FailureKind.internal, f"The studio's {name} is not valid YAML: {exc}") from None
    if not isinstance(raw, list):
        raise ToolFailure(FailureKind.internal, f"The studio's {name} must be a list of entries.")
    items, problems = [], []
    for i, entry in enumerate(raw):
        try:
            items.append(model.model_validate(entry))
        except ValidationError as exc:
            ident = entry.get("id", f"#{i + 1}") if isinstance(entry, dict) else f"#{i + 1}"
            problems += [f"{name} {ident}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
    ids = [entry.get("id") for entry in raw if isinstance(entry, dict)]
    problems += [f"{name}: id '{d}' appears twice" for d in {i for i in ids if i and ids.count(i) > 1}]
    if problems:
        raise ToolFailure(FailureKind.internal, f"The studio's {name} is invalid: " + "; ".join(problems),
                          hint="Fix the file in goose_studio/agents/rules/.", details={"problems": problems})
    return items


@lru_cache(maxsize=None)
def repairs() -> tuple[Remedy, ...]:
    return tuple(_load("repairs.yaml", Remedy))


@lru_cache(maxsize=None)
def fallbacks() -> tuple[Remedy, ...]:
    return tuple(_load("fallbacks.yaml", Remedy))


@lru_cache(maxsize=None)
def guides() -> tuple[GuideEntry, ...]:
    return tuple(_load("guides.yaml", GuideEntry))


# ------------------------------------------------------------------------------------------ matching


def _requirement_holds(actual: Any, want: Any) -> bool:
    if want == "set":
        return actual is not None
    if want == "unset":
        return actual is None
    if isinstance(want, str) and want.startswith(">="):
        return isinstance(actual, (int, float)) and actual >= float(want[2:])
    if isinstance(want, str) and want.startswith("!"):
        return str(actual).lower() != want[1:].lower()
    return actual == want


def requirements_hold(requires: dict[str, Any], options: dict[str, Any], failure: Failure | None) -> bool:
    for key, want in requires.items():
        details = failure.details if failure is not None else {}
        actual = details.get(key[8:]) if key.startswith("details.") else options.get(key)
        if not _requirement_holds(actual, want):
            return False
    return True


def matches(remedy: Remedy, failure: Failure, options: dict[str, Any]) -> bool:
    if remedy.tab not in ("*", failure.tab) or failure.kind not in remedy.kinds:
        return False
    if remedy.pattern:
        text = f"{failure.message} {failure.details}"
        if not re.search(remedy.pattern, text, re.IGNORECASE):
            return False
    return requirements_hold(remedy.requires, options, failure)


# ------------------------------------------------------------------------------------------ fixes


def _coerce(key: str, value: Any) -> Any:
    """A value for option ``key`` inside its bounds; raises ValueError when it cannot be one."""
    if value is None:
        if key in ("source", "model", "preset"):
            raise ValueError(f"{key} cannot be empty")
        return None
    typ, lo, hi = OPTION_BOUNDS[key]
    if typ is bool:
        if not isinstance(value, bool):
            raise ValueError(f"{key} must be true or false")
        return value
    if typ is str:
        value = str(value).strip()
        if not value:
            raise ValueError(f"{key} cannot be empty")
        if key == "preset" and value not in preset_names():
            raise ValueError(f"preset must be one of {preset_names()}")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{key} must be a number")
    value = max(lo, min(hi, value)) if lo is not None else value
    return int(round(value)) if typ is int else float(value)


def parse_option_values(text: str) -> dict[str, Any]:
    """``epochs=3,lora_rank=32`` as option values (only :data:`MANUAL_OPTIONS`, each inside its bounds).

    Raises ValueError naming the first problem.
    """
    values: dict[str, Any] = {}
    for item in (part.strip() for part in text.split(",")):
        key, sep, raw = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or key not in MANUAL_OPTIONS:
            raise ValueError(f"'{item}' is not OPTION=VALUE for one of {', '.join(MANUAL_OPTIONS)}")
        try:
            number = float(raw)
        except ValueError:
            raise ValueError(f"{key} must be a number, not '{raw.strip()}'") from None
        values[key] = _coerce(key, number)
    return values


def apply_fix(fix: Fix, options: dict[str, Any], current: dict[str, Any], failure: Failure | None,
              value: str | None = None, param: str | None = None) -> dict[str, Any]:
    """The option changes ``fix`` makes; ``current`` holds effective values of options left unset.

    Returns only the options whose value changes. A ``scale`` of an option with no value anywhere (e.g.
    ``max_steps`` for a run trained by epochs) changes nothing.
    """
    changes: dict[str, Any] = {}
    for key, raw in fix.set.items():
        changes[key] = _coerce(key, raw)
    for key, factor in fix.scale.items():
        base = options.get(key)
        base = current.get(key) if base is None else base
        if base is not None:
            changes[key] = _coerce(key, base * factor)
    for key, cap in fix.at_most.items():
        base = options.get(key)
        base = current.get(key) if base is None else base
        if base is None or base > cap:
            changes[key] = _coerce(key, cap)
    for key, detail in fix.from_details.items():
        got = failure.details.get(detail) if failure is not None else None
        if got is not None:
            changes[key] = _coerce(key, got)
    if param == "options" and value is not None:
        changes.update(parse_option_values(value))
    elif param is not None and value is not None:
        changes[param] = _coerce(param, value)
    def changed(key: str, value: Any) -> bool:
        if value is None:  # back to the default: a change only where the option was set
            return options.get(key) is not None
        now = options.get(key)
        return (current.get(key) if now is None else now) != value

    return {k: v for k, v in changes.items() if changed(k, v)}


def fix_does_something(fix: Fix, options: dict[str, Any], current: dict[str, Any], failure: Failure | None) -> bool:
    """False for a fix whose only effect would be option changes that change nothing."""
    if fix.set or fix.scale or fix.at_most or fix.from_details:
        return bool(apply_fix(fix, options, current, failure))
    return True  # a pure clean / restart / goto
