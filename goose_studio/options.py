"""A run's options: what the user asked for (``learn``'s arguments) and what repairs, fallbacks and answers
changed since (``overrides``, which win).

:class:`RunOptions` is the whole set a run reads. The ``learn`` tool's arguments are a user-facing subset of
it; a field named differently there says which option it sets with :class:`Option` in its annotation.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .presets import DEFAULT_PRESET, parse_hyperparameters


class Option:
    """Annotation marker: the run option an argument field sets, when the names differ."""

    def __init__(self, name: str) -> None:
        self.name = name


def option_name(field_name: str, metadata: list[Any]) -> str:
    marker = next((m for m in metadata if isinstance(m, Option)), None)
    return marker.name if marker is not None else field_name


class RunOptions(BaseModel):
    """Everything a run reads. ``None`` means: the preset's (or the machine's) default."""

    model_config = ConfigDict(extra="ignore")  # a run folder from another version may carry other keys

    source: str
    sources: list[str] | None = None  # several sources: all of them, ``source`` first
    columns: str | None = None  # tables: instruction=COL,output=COL[;...]
    language: str | None = None  # keep pairs in this language only ("all": every language)
    max_rows: int = 5000  # most pairs from each dataset
    pairs_only: bool = False  # train on the user's own pairs alone
    branch: str | None = None
    name: str | None = None
    model: str = "embedded"
    template: str | None = None
    preset: str = DEFAULT_PRESET
    max_steps: int | None = None
    epochs: float | None = None
    cutoff_len: int | None = None
    learning_rate: float | None = None
    batch_size: int | None = None
    lora_rank: int | None = None
    bf16: bool | None = None
    use_cpu: bool | None = None
    use_unsloth: bool | None = None
    recipe: str | None = None  # the quick recipe the run was started from
    method: str | None = None  # qlora-4bit | lora | full (None: the best that runs here)
    hyperparameters: dict[str, Any] = Field(default_factory=dict)  # custom LLaMA-Factory keys, checked
    gradient_checkpointing: bool | None = None
    stop_on_plateau: bool = False
    train_memory_mb: int | None = None  # a cap on the trainer's memory
    substitutions: list[dict[str, Any]] = Field(default_factory=list)  # what a recipe could not have here, and why
    min_pairs: int = 40
    max_pairs: int = 240
    phrasings: int = 3  # questions asked per fact in PREPARE (1-8)
    brain_pass: bool = True  # PREPARE asks the brain for more pairs when one is configured
    seed: int = 0
    eval_ppl_samples: int = 64
    eval_generate_samples: int = 12
    eval_max_new_tokens: int = 64
    check_load: bool = True
    accept_low_quality: bool = False
    build: bool = True
    # TEST
    eval_probe_questions: int = 24  # knowledge probe questions (0: none)
    eval_general_questions: int = 32  # regression-check questions (0: none)
    regression_margin: float = 0.10  # largest accuracy drop on the general questions
    eval_harness: bool = False  # also run lm-eval on the run's task files
    min_quality: int | None = None  # the quality bar; None: 70 (0 for a proof preset such as smoke)
    retrieval: bool = True  # build the core's retrieval index
    retrieval_embeddings: bool = False  # store sentence embeddings in it (hybrid search)
    drop_generic_pairs: bool = False  # leave out training pairs that name nothing of the repository

    @field_validator("hyperparameters", mode="before")
    @classmethod
    def _hyperparameters(cls, value: Any) -> dict[str, Any]:
        return parse_hyperparameters(value)

    def merged(self, overrides: dict[str, Any] | None) -> "RunOptions":
        """These options with ``overrides`` on top (a change back to ``None`` restores the default)."""
        if not overrides:
            return self
        return RunOptions.model_validate({**self.model_dump(), **overrides})


def default(name: str) -> Any:
    """The default value of run option ``name``."""
    return RunOptions.model_fields[name].default


__all__ = ["Option", "RunOptions", "default", "option_name"]
