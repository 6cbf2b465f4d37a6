"""The human-readable members of a core: ``data/dataset_card.md`` and ``README.md`` (with its evaluation
table)."""

from __future__ import annotations

from typing import Any

from .format import PACKAGE_SUFFIX, Manifest, package_filename


def _flatten_numbers(data: Any, prefix: str = "", depth: int = 0) -> list[tuple[str, float]]:
    rows: list[tuple[str, float]] = []
    if isinstance(data, dict) and depth < 4:
        for key in sorted(data, key=str):
            value = data[key]
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, bool):
                continue
            if isinstance(value, (int, float)):
                rows.append((name, float(value)))
            else:
                rows.extend(_flatten_numbers(value, name, depth + 1))
    return rows


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


_COLUMN_ORDER = ("base", "lora", "adapter", "tuned", "delta")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def eval_table(evals: Any) -> str:
    """Markdown for the evaluation numbers: a metric-by-model table when the results compare models."""
    if isinstance(evals, dict):
        columns = [k for k in evals
                   if isinstance(evals[k], dict) and evals[k]
                   and all(_is_number(v) or v is None for v in evals[k].values())
                   and any(_is_number(v) for v in evals[k].values())]
        if len(columns) >= 2:
            columns.sort(key=lambda c: (_COLUMN_ORDER.index(c) if c in _COLUMN_ORDER else len(_COLUMN_ORDER), str(c)))
            metrics = sorted({m for c in columns for m in evals[c]}, key=str)
            lines = ["| metric | " + " | ".join(map(str, columns)) + " |", "|---" * (len(columns) + 1) + "|"]
            for m in metrics[:50]:
                cells = [_fmt(evals[c].get(m)) if _is_number(evals[c].get(m)) else "–" for c in columns]
                lines.append(f"| {m} | " + " | ".join(cells) + " |")
            rest = [(str(k), v) for k, v in sorted(evals.items(), key=lambda kv: str(kv[0])) if _is_number(v)]
            if rest:
                lines += ["", "| | |", "|---|---|"] + [f"| {k} | {_fmt(v)} |" for k, v in rest[:30]]
            return "\n".join(lines)
    rows = _flatten_numbers(evals)
    if not rows:
        return "_No numeric evaluation results were recorded._"
    lines = ["| metric | value |", "|---|---|"]
    lines += [f"| {k} | {_fmt(v)} |" for k, v in rows[:50]]
    if len(rows) > 50:
        lines.append(f"| … | {len(rows) - 50} more in training/eval_results.json |")
    return "\n".join(lines)


def dataset_card(name: str, source: str, commit: str, data: dict[str, Any]) -> str:
    """``data/dataset_card.md`` from :func:`.inputs.scan_dataset`'s result: pairs, split, categories, stats."""
    totals = data["totals"]
    total = sum(totals.values())
    lines = [
        f"# Dataset card: {name}",
        "",
        "This core was trained on instruction/response pairs generated from a source repository. The data "
        "itself is not part of the package; `sample_pairs.jsonl` holds up to ten examples.",
        "",
        f"- **Source:** {source or 'unknown'}",
        f"- **Commit:** {commit or 'unknown'}",
        f"- **Pairs:** {total} (train {totals.get('train', 0)} / eval {totals.get('eval', 0)})",
    ]
    if total:
        train_share, eval_share = totals.get("train", 0) / total, totals.get("eval", 0) / total
        lines.append(f"- **Split:** {train_share:.0%} train / {eval_share:.0%} eval")
    if data["unparsable"]:
        lines.append(f"- **Unparsable lines skipped:** {data['unparsable']}")
    lines += ["", "## Pairs per category", "", "| category | train | eval |", "|---|---|---|"]
    for cat in sorted(data["counts"]):
        c = data["counts"][cat]
        lines.append(f"| {cat} | {c['train']} | {c['eval']} |")
    scalars = {k: v for k, v in data["stats"].items()
               if isinstance(v, (int, float, str, bool)) and len(str(v)) <= 200}
    if scalars:
        lines += ["", "## Generation statistics", "", "| statistic | value |", "|---|---|"]
        lines += [f"| {k} | {_fmt(v)} |" for k, v in sorted(scalars.items())]
    return "\n".join(lines) + "\n"


def readme(*, name: str, description: str, source: str, commit: str, slug: str, version: int,
           manifest: Manifest, recipe: dict[str, Any], evals: Any, facts: dict[str, Any],
           totals: dict[str, int]) -> str:
    """``README.md``: what the core is, how to load it with PEFT or LLaMA-Factory, its evaluation and training."""
    stem = package_filename(slug, version)[: -len(PACKAGE_SUFFIX)]
    template = recipe.get("template") or "default"
    score = "not scored" if manifest.quality_score is None else f"{_fmt(manifest.quality_score)} / 100"
    vram = "unknown" if manifest.compatible_vram_min_gb is None else f"{manifest.compatible_vram_min_gb} GB"
    target = manifest.adapter.target_modules
    target_text = ", ".join(target) if isinstance(target, list) else str(target)
    lines = [
        f"# {name}",
        "",
        description or "An Intelligence Core: a LoRA adapter trained on a code repository.",
        "",
        "| | |",
        "|---|---|",
        f"| Version | {manifest.version} |",
        f"| Base model | `{manifest.base_model}` |",
        f"| Method | {manifest.method} (rank {manifest.adapter.rank}, alpha {_fmt(manifest.adapter.alpha)}) |",
        f"| Target modules | {target_text} |",
        f"| Quality score | {score} |",
        f"| Source | {source or 'unknown'} @ {commit or 'unknown'} |",
        f"| Trained on | {manifest.hardware.trained_on} |",
        f"| Minimum VRAM | {vram} |",
        f"| Created | {manifest.created} |",
        "",
        "## Usage",
        "",
        f"Unpack the core first: `unzip {stem}.gcpkg -d {stem}`. The adapter is in `{stem}/adapter/`.",
        "",
        "### PEFT / transformers",
        "",
        "```python",
        "from peft import PeftModel",
        "from transformers import AutoModelForCausalLM, AutoTokenizer",
        "",
        f'base = AutoModelForCausalLM.from_pretrained("{manifest.base_model}")',
        f'tokenizer = AutoTokenizer.from_pretrained("{manifest.base_model}")',
        f'model = PeftModel.from_pretrained(base, "{stem}/adapter")',
        "```",
        "",
        "### LLaMA-Factory",
        "",
        "```bash",
        f"llamafactory-cli chat --model_name_or_path {manifest.base_model} \\",
        f"    --adapter_name_or_path {stem}/adapter --template {template} --finetuning_type lora",
        "```",
        "",
        "## Evaluation",
        "",
        eval_table(evals),
        "",
        "## Training",
        "",
        f"- Pairs: {sum(totals.values())} (train {totals.get('train', 0)} / eval {totals.get('eval', 0)})",
        f"- Epochs: {_fmt(facts.get('epochs')) if facts.get('epochs') is not None else 'unknown'}",
        f"- Final loss: {_fmt(facts.get('final_loss')) if facts.get('final_loss') is not None else 'unknown'}",
        f"- Duration: {_fmt(facts.get('duration_sec')) + ' s' if facts.get('duration_sec') is not None else 'unknown'}",
        "",
        "The exact recipe is in `training/recipe.yaml`, the loss curve in `training/training_log.jsonl`, what "
        "data was used in `data/dataset_card.md`, and checksums and tool versions in `PROVENANCE.json`.",
    ]
    return "\n".join(lines) + "\n"
