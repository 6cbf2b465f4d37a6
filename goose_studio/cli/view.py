"""The live view of a run in the terminal: one line per finished step, a progress bar while training, and
what the agents did."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from ..events import TAB_LABELS, AgentEvent, Event


class LiveView:
    """Renders run events: one line per finished step, a progress bar with loss and ETA while training."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.progress: Progress | None = None
        self.task = None
        self.last_stage: str | None = None

    def __call__(self, event: Event) -> None:
        if event.type.startswith("agent."):
            self._agent(AgentEvent(event.type), event.payload)
            return
        if event.step is None:
            return
        (tab, phase), p = event.step, event.payload
        label = TAB_LABELS[tab]
        if phase == "started":
            self.console.print(f"[cyan]▶ {label}[/]")
        elif phase == "progress":
            self._progress(tab, p)
        elif phase in ("complete", "skipped"):
            self._stop_bar()
            mark = "[green]✓[/]" if phase == "complete" else "[yellow]↷[/]"
            self.console.print(f"{mark} {label} {self._describe(tab, p)}")
        elif phase == "failed":
            self._stop_bar()
            self.console.print(f"[red]✗ {label}[/] {p.get('message', '')}")

    def _progress(self, tab: str, p: dict) -> None:
        if tab == "train" and "step" in p and p.get("total"):
            if self.progress is None:
                self.progress = Progress(TextColumn("  training"), BarColumn(), TaskProgressColumn(),
                                         TextColumn("{task.fields[info]}"), TimeElapsedColumn(), console=self.console)
                self.progress.start()
                self.task = self.progress.add_task("train", total=p["total"], info="")
            eta = p.get("eta_sec")
            info = f"loss {p['loss']:.3f}" if isinstance(p.get("loss"), (int, float)) else ""
            if eta is not None:
                info += f"  eta {int(eta) // 60}:{int(eta) % 60:02d}"
            self.progress.update(self.task, completed=p["step"], total=p["total"], info=info)
        elif "stage" in p and "done" not in p and p["stage"] != self.last_stage:
            self.last_stage = p["stage"]
            self.console.print(f"  [dim]{p['stage']}[/]")

    def _agent(self, kind: AgentEvent, p: dict) -> None:
        self._stop_bar()
        label = TAB_LABELS.get(p.get("tab", ""), p.get("tab"))
        changes = ", ".join(f"{k} → {v}" for k, v in (p.get("changes") or {}).items())
        if kind is AgentEvent.retry:
            self.console.print(f"  [yellow]↻ retry[/] {label} (attempt {p.get('attempt')}, after {p.get('wait_s')} s)")
        elif kind in (AgentEvent.repair, AgentEvent.fallback):
            what = "repair" if kind is AgentEvent.repair else "fallback"
            text = p.get("diagnosis") if what == "repair" else p.get("label")
            self.console.print(f"  [yellow]🔧 {what}[/] {label}: {text}" + (f" ({changes})" if changes else ""))
        elif kind is AgentEvent.answered:
            self.console.print(f"  [green]↪ your choice[/] {p.get('id')}" + (f" ({changes})" if changes else ""))

    def _stop_bar(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None

    @staticmethod
    def _describe(tab: str, p: dict) -> str:
        if tab == "source":
            return f"{p.get('repo')} @ {str(p.get('commit'))[:12]} ({p.get('files')} files)"
        if tab == "build":
            skipped = f", {p['skipped_files']} skipped: {', '.join(p.get('skipped_examples', []))}" if p.get("skipped_files") else ""
            return f"{p.get('reason', '')} ({p.get('files_indexed')} files, {p.get('symbols')} symbols{skipped})"
        if tab == "prepare":
            cats = ", ".join(f"{k} {v}" for k, v in (p.get("per_category") or {}).items() if v)
            return (f"{p.get('pairs')} pairs ({p.get('train')} train / {p.get('held_out')} held out; {cats}); "
                    f"avg {p.get('avg_tokens')} tokens, quality {p.get('quality')}/100, "
                    f"est. training {p.get('est_train_minutes')} min")
        if tab == "train":
            loss = p.get("loss")
            return f"{p.get('steps')} steps, final loss {loss:.3f}" if isinstance(loss, (int, float)) else ""
        if tab == "test":
            return (f"perplexity base {p.get('base_perplexity'):.2f} → LoRA {p.get('lora_perplexity'):.2f}, "
                    f"score {p.get('score')}")
        if tab == "publish":
            return f"{p.get('core')}"
        return ""

    def close(self) -> None:
        self._stop_bar()
