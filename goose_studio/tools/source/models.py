"""What SOURCE hands the later steps: the source folder, the user's own pairs, and what became of each input.

:class:`SourceResult` keeps every field of :class:`~goose_studio.tools.source.tool.CloneResult` (it is one),
so BUILD reads ``repo_path`` and PUBLISH ``source``/``commit`` as before, and adds what a source of any kind
brings.

The pairs contract (read by PREPARE)
------------------------------------
``pairs_file`` is ``None`` or the path of one UTF-8 JSON Lines file in the alpaca layout LLaMA-Factory reads,
one pair per line::

    {"instruction": str, "input": str, "output": str,          # always present; input may be ""
     "system": str, "history": [[str, str], ...],              # only when the source had them
     "category": str,                                          # only when the source had a category
     "origin": str}                                            # the input it came from (file, dataset)

- ``instruction`` and ``output`` are non-empty; exact duplicates are already removed; the length, language
  and balance filters asked for have been applied (to datasets only: a person's own files are used whole).
- ``pairs`` is the number of lines; ``preview`` holds the first few.
- These are the user's pairs: PREPARE trains on every one of them. Its balancing and capping apply to the
  pairs it generates, never to these (a cap smaller than ``pairs`` still keeps all of them). With
  ``pairs_only`` true (asked for, or the source has no code and no documents), PREPARE uses them alone.
- ``repo_path`` is the folder of everything PREPARE generates from (code, and documents converted to
  Markdown, e.g. under ``docs/``). It may be empty when the source is pairs only: then ``index_optional``
  is true, and BUILD indexes it with ``allow_empty`` instead of failing.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from .tool import CloneResult

InputStatus = Literal["used", "converted", "skipped"]
InputKind = Literal["pairs", "document", "code", "data", "archive", "dataset", "repository", "other"]


class InputResult(BaseModel):
    """What became of one input (a file, a dataset, a repository)."""

    path: str = Field(description="The file as given, or its path inside its source.")
    origin: str = Field(description="The source it belongs to, as given.")
    kind: InputKind
    format: str = Field(description="What it was read as: jsonl, csv, pdf, docx, python, zip, hf-dataset, ...")
    status: InputStatus = Field(description="used (as it is), converted (to text or pairs), skipped (see reason).")
    reason: str | None = Field(None, description="Why it was skipped, or what was noteworthy.")
    pairs: int = Field(0, description="Question/answer pairs taken from it.")
    placed: str | None = Field(None, description="Where it lies in the source folder (relative), if it does.")
    fixes: list[str] = Field(default_factory=list, description="Format problems found and fixed (or worked around).")


class SourcePart(BaseModel):
    """One of the sources given, and how it went."""

    source: str = Field(description="The source as given (credentials removed).")
    kind: Literal["git", "local", "local-git", "file", "hf-dataset", "recipe"]
    status: Literal["used", "skipped"]
    folder: str | None = Field(None, description="Its sub-folder of the source folder ('' for the folder itself).")
    commit: str | None = None
    files: int = 0
    pairs: int = 0
    failure: dict[str, Any] | None = Field(None, description="Why it was skipped: kind, message, hint.")


class SourceResult(CloneResult):
    """The run's source: a folder for BUILD and PREPARE, the user's pairs, and a result per input."""

    source_type: Literal["git", "local", "local-git", "files", "hf-dataset", "mixed"] = Field(  # type: ignore[assignment]
        description="'git', 'local-git' or 'local' for one repository or folder (as clone says); 'files' for "
        "uploaded files or archives, 'hf-dataset' for a Hugging Face dataset, 'mixed' for several sources.")
    pairs_file: str | None = Field(None, description="The user's pairs, alpaca JSON Lines (see the module doc).")
    pairs: int = Field(0, description="Pairs in pairs_file.")
    documents: int = Field(0, description="Documents placed in the source folder as text (converted or as given).")
    code_files: int = Field(0, description="Code files in the source folder.")
    index_optional: bool = Field(False, description="BUILD may find no code: the source has pairs or documents.")
    pairs_only: bool = Field(False, description="PREPARE uses the user's pairs alone.")
    parts: list[SourcePart] = Field(default_factory=list)
    inputs: list[InputResult] = Field(default_factory=list, description="Per input, at most MAX_INPUTS_LISTED.")
    inputs_total: int = 0
    counts: dict[str, int] = Field(default_factory=dict, description="Inputs per status (used/converted/skipped).")
    languages: dict[str, int] = Field(default_factory=dict, description="Pairs per detected language.")
    preview: list[dict[str, Any]] = Field(default_factory=list, description="The first few pairs.")
    secrets_redacted: int = Field(0, description="Secrets in the pairs replaced by placeholders.")
    notes: list[str] = Field(default_factory=list, description="What was done to the whole (repeats removed, ...).")


MAX_INPUTS_LISTED = 2000
