"""The lm-evaluation-harness side of TEST (``lm-eval`` 0.4): per-run task files, the standard tasks' status,
and an optional run of the harness itself.

Every evaluation writes a folder of local lm-eval tasks next to its results: the held-out pairs
(``generate_until``, BLEU), the knowledge probe and the general questions (``multiple_choice``, accuracy),
each reading a JSONL file of the folder, so ``lm_eval --include_path DIR --tasks ...`` runs them offline.
The spec's standard tasks (HumanEval, MMLU, GSM8K, IFEval) are listed with their status: runnable when
their data set is in the local Hugging Face cache (or the Hub can be reached) and their extra needs are met,
otherwise skipped with the reason.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field

from ...evals.probe import ProbeQuestion

LM_EVAL_PIN = "lm-eval==0.4.13"
STANDARD_TASKS: dict[str, dict[str, Any]] = {
    "humaneval": {"dataset": "openai/openai_humaneval", "needs_env": "HF_ALLOW_CODE_EVAL",
                  "why_env": "it runs generated code; set HF_ALLOW_CODE_EVAL=1 to allow it"},
    "mmlu": {"dataset": "cais/mmlu"},
    "gsm8k": {"dataset": "openai/gsm8k"},
    "ifeval": {"dataset": "google/IFEval", "modules": ["langdetect", "immutabledict", "nltk"]},
}


class TaskStatus(BaseModel):
    task: str
    runnable: bool
    reason: str | None = Field(None, description="Why it is skipped.")
    results: dict[str, float] | None = None


class HarnessReport(BaseModel):
    tasks_dir: str
    tasks: list[str] = Field(description="The per-run tasks written (lm-eval task names).")
    standard: list[TaskStatus]
    ran: bool = False
    results: dict[str, dict[str, dict[str, float]]] = Field(default_factory=dict,
                                                             description="model -> task -> metric -> value")
    skipped_reason: str | None = None
    duration_s: float = 0.0


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:40] or "run"


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def _task(name: str, data: Path, output_type: str, **fields: Any) -> dict[str, Any]:
    return {"task": name, "dataset_path": "json", "dataset_kwargs": {"data_files": {"test": str(data)}},
            "test_split": "test", "output_type": output_type, **fields}


def write_tasks(out_dir: Path, run: str, held_out: list[dict[str, str]], probe: list[ProbeQuestion],
                general: list[ProbeQuestion], max_new_tokens: int) -> list[str]:
    """Write the per-run task files into ``out_dir``; returns the task names."""
    out_dir.mkdir(parents=True, exist_ok=True)
    tag = _slug(run)
    tasks: list[tuple[str, dict[str, Any]]] = []
    if held_out:
        _write_jsonl(out_dir / "heldout.jsonl", held_out)
        tasks.append((f"gs_{tag}_heldout", _task(
            f"gs_{tag}_heldout", out_dir / "heldout.jsonl", "generate_until", doc_to_text="{{prompt}}",
            doc_to_target="{{answer}}", generation_kwargs={"until": ["<|im_end|>", "</s>"], "do_sample": False,
                                                          "max_gen_toks": max_new_tokens},
            metric_list=[{"metric": "bleu", "aggregation": "bleu", "higher_is_better": True}])))
    for name, questions in ((f"gs_{tag}_probe", probe), ("gs_general", general)):
        if questions:
            data = out_dir / f"{name}.jsonl"
            _write_jsonl(data, [q.model_dump() for q in questions])
            tasks.append((name, _task(name, data, "multiple_choice", doc_to_text="{{question}}\nAnswer:",
                                      doc_to_choice="{{choices}}", doc_to_target="{{answer}}",
                                      metric_list=[{"metric": "acc", "aggregation": "mean", "higher_is_better": True}])))
    for name, task in tasks:
        (out_dir / f"{name}.yaml").write_text(yaml.safe_dump(task, sort_keys=False), encoding="utf-8")
    return [name for name, _ in tasks]


def _cached(dataset: str) -> bool:
    """Whether a Hugging Face data set is in the local hub or datasets cache."""
    from huggingface_hub import constants

    owner_name = dataset.replace("/", "--")
    hub = Path(constants.HF_HUB_CACHE) / f"datasets--{owner_name}"
    datasets_cache = Path(os.environ.get("HF_DATASETS_CACHE") or Path(constants.HF_HOME) / "datasets")
    return hub.is_dir() or any(datasets_cache.glob(dataset.replace("/", "___") + "*"))


def standard_status(env: dict[str, str] | None = None) -> list[TaskStatus]:
    """Whether each standard task can run here, and why not."""
    from importlib.util import find_spec

    env = dict(os.environ if env is None else env)
    offline = env.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes")
    out = []
    for task, need in STANDARD_TASKS.items():
        reason = None
        if find_spec("lm_eval") is None:
            reason = f"lm-eval is not installed (pip install '{LM_EVAL_PIN}')"
        elif not _cached(need["dataset"]) and offline:
            reason = f"its data set {need['dataset']} is not in the local Hugging Face cache and the Hub is offline"
        elif any(find_spec(m) is None for m in need.get("modules", [])):
            missing = [m for m in need.get("modules", []) if find_spec(m) is None]
            reason = f"it needs {', '.join(missing)} (pip install 'lm-eval[{task}]')"
        elif need.get("needs_env") and env.get(need["needs_env"]) != "1":
            reason = need["why_env"]
        out.append(TaskStatus(task=task, runnable=reason is None, reason=reason))
    return out


def _metrics(results: dict[str, Any]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for task, values in (results.get("results") or {}).items():
        out[task] = {k.split(",")[0]: round(float(v), 4) for k, v in values.items()
                     if isinstance(v, (int, float)) and not k.startswith("alias") and "stderr" not in k}
    return out


def run_harness(tasks_dir: Path, tasks: list[str], model_path: str, adapter_dir: str, limit: int | None,
                timeout_s: float = 900.0) -> dict[str, dict[str, dict[str, float]]]:
    """Run lm-eval on ``tasks`` for the base model and the core (``peft=``), offline, on the CPU.

    Returns model -> task -> metric -> value. Raises RuntimeError with the tail of its output when lm-eval fails.
    """
    results = {}
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    for model, extra in (("base", ""), ("core", f",peft={adapter_dir}")):
        out = tasks_dir / f"results-{model}"
        cmd = [sys.executable, "-m", "lm_eval", "--model", "hf", "--model_args",
               f"pretrained={model_path}{extra},dtype=float32", "--tasks", ",".join(tasks), "--include_path",
               str(tasks_dir), "--device", "cpu", "--batch_size", "4", "--output_path", str(out)]
        if limit:
            cmd += ["--limit", str(limit)]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout_s)
        if done.returncode != 0:
            raise RuntimeError((done.stdout + done.stderr)[-1500:])
        files = sorted(out.rglob("results_*.json"), key=lambda p: p.stat().st_mtime)
        results[model] = _metrics(json.loads(files[-1].read_text())) if files else {}
    return results


def harness(tasks_dir: Path, run: str, held_out: list[dict[str, str]], probe: list[ProbeQuestion],
            general: list[ProbeQuestion], max_new_tokens: int, *, run_it: bool, model_path: str, adapter_dir: str,
            limit: int | None) -> HarnessReport:
    """Write the task files; run them (and say so) only when ``run_it``."""
    started = time.monotonic()
    tasks = write_tasks(tasks_dir, run, held_out, probe, general, max_new_tokens)
    report = HarnessReport(tasks_dir=str(tasks_dir), tasks=tasks, standard=standard_status())
    if not run_it:
        report.skipped_reason = "not asked for (run option eval_harness); the task files are written"
    else:
        from importlib.util import find_spec

        if find_spec("lm_eval") is None:
            report.skipped_reason = f"lm-eval is not installed (pip install '{LM_EVAL_PIN}')"
        else:
            try:
                names = tasks + [s.task for s in report.standard if s.runnable]
                report.results = run_harness(tasks_dir, names, model_path, adapter_dir, limit)
                report.ran = True
            except (RuntimeError, subprocess.TimeoutExpired, OSError) as exc:
                report.skipped_reason = f"lm-eval failed: {str(exc)[-400:]}"
    report.duration_s = round(time.monotonic() - started, 2)
    return report
