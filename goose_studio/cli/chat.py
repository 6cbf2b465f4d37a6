"""Chat commands: ``chat`` (talk to a core, its answer streamed as it is generated, multi-turn, optionally side
by side with its base model) and ``retrieve`` (the passages a core looks up for a question)."""

from __future__ import annotations

import sys
from typing import Any, Optional

import typer
from rich.columns import Columns
from rich.markup import escape
from rich.panel import Panel

from ..errors import FailureKind, ToolFailure
from ..retrieval import DEFAULT_K
from ..tools.registry import ToolContext, call_tool
from .common import (EXIT_FAILED, EXIT_USAGE, app, command_failures, console, err, fail, print_json, show_failure,
                     workspace)

EXIT_WORDS = {"/exit", "/quit", "exit", "quit"}


def _open(core: Optional[str], run_id: Optional[str], base_model_path: Optional[str], retrieval: bool, k: int) -> Any:
    from ..evals.answer import CoreChat
    from ..tools.cores import opened_with_index

    if bool(core) == bool(run_id):
        raise ToolFailure(FailureKind.invalid_input, "Give a core (its name or .gcpkg path) or --run-id, not both.",
                          hint="goose-studio cores lists the cores.")
    opened, _, index = opened_with_index(workspace(), core, run_id, base_model_path)
    try:
        return CoreChat(opened.base, opened.adapter, opened.template, retrieval=index if retrieval else None, k=k)
    except ImportError as exc:
        raise ToolFailure(FailureKind.missing_dependency, f"A package chat needs is missing: {exc}.",
                          hint="Run `bash scripts/setup.sh`.") from None


def _stream(pieces: Any, label: str) -> str:
    """Write the pieces to the terminal as they come; returns the whole text."""
    console.print(f"[bold]{label}:[/] ", end="")
    text = ""
    for piece in pieces:
        text += piece
        sys.stdout.write(piece)
        sys.stdout.flush()
    sys.stdout.write("\n")
    return text.strip()


def _turn(chat: Any, question: str, histories: dict[str, list[dict[str, str]]], compare: bool, max_tokens: int,
          show_passages: bool) -> None:
    hits = chat.passages(question)
    if hits and show_passages:
        err.print("[dim]looked up: " + ", ".join(f"{h.path}:{h.start_line}-{h.end_line}" for h in hits) + "[/]")
    answers = {}
    for who, on in (("core", True), *((("base", False),) if compare else ())):
        turns = [*histories[who], {"role": "user", "content": question}]
        text = _stream(chat.stream(turns, max_tokens=max_tokens, hits=hits if on else [], core=on),
                       "core" if on else "base model")
        histories[who] = [*turns, {"role": "assistant", "content": text}]
        answers[who] = text
    if compare:
        console.print(Columns([Panel(escape(answers["base"] or "(no answer)"), title="Base model (no LoRA)"),
                               Panel(escape(answers["core"] or "(no answer)"), title="Your core")], equal=True,
                              expand=True))


@app.command()
def chat(
    core: Optional[str] = typer.Argument(None, help="A core's name (see `goose-studio cores`) or a .gcpkg path."),
    run_id: Optional[str] = typer.Option(None, "--run-id", help="Chat with the adapter a run trained instead."),
    prompt: Optional[str] = typer.Option(None, "--prompt", "-p", help="Ask this one question and exit."),
    compare: bool = typer.Option(False, "--compare", help="Answer with the base model too, side by side."),
    no_retrieval: bool = typer.Option(False, "--no-retrieval", help="Answer without the core's retrieval index."),
    k: int = typer.Option(DEFAULT_K, "--k", min=1, max=8, help="Passages put before each question."),
    max_tokens: int = typer.Option(256, "--max-tokens", min=1, max=2048, help="Most tokens per answer."),
    base_model_path: Optional[str] = typer.Option(None, "--base-model-path", help="Local base model folder."),
    show_passages: bool = typer.Option(False, "--show-passages", help="Say which passages were looked up."),
    as_json: bool = typer.Option(False, "--json", help="With --prompt: the answer (and the base's) as JSON."),
) -> None:
    """Talk to a core: answers stream as they are generated, the conversation is kept (/reset, /exit)."""
    if as_json:
        if not prompt:
            raise fail(ToolFailure(FailureKind.invalid_input, "--json answers one question: give it with --prompt.",
                                   hint="goose-studio chat CORE --prompt 'How do I ...?' --json"), True, EXIT_USAGE)
        with command_failures(True, core=core):
            result = call_tool("chat_with_core", {"core": core, "run_id": run_id, "prompt": prompt,
                                                  "compare": compare, "retrieval": not no_retrieval, "k": k,
                                                  "max_new_tokens": min(max_tokens, 512),
                                                  "base_model_path": base_model_path},
                               ToolContext(workspace=workspace()))
        print_json(result.model_dump(mode="json"))
        return
    try:
        session = _open(core, run_id, base_model_path, not no_retrieval, k)
    except ToolFailure as failure:
        show_failure(failure)
        raise typer.Exit(EXIT_USAGE if failure.kind is FailureKind.invalid_input else EXIT_FAILED)
    histories: dict[str, list[dict[str, str]]] = {"core": [], "base": []}
    if prompt:
        _turn(session, prompt, histories, compare, max_tokens, show_passages)
        return
    where = "with retrieval" if session.retrieval is not None else "closed-book"
    err.print(f"Chatting with [bold]{core or run_id}[/] ({where}). /reset starts over, /exit (or Ctrl-D) ends.")
    while True:
        try:
            line = input("you: ").strip()
        except EOFError:
            break
        if not line:
            continue
        if line in EXIT_WORDS:
            break
        if line == "/reset":
            histories = {"core": [], "base": []}
            continue
        _turn(session, line, histories, compare, max_tokens, show_passages)


@app.command()
def retrieve(
    core: str = typer.Argument(..., help="A core's name or a .gcpkg path."),
    question: str = typer.Argument(..., help="The question to look up."),
    k: int = typer.Option(DEFAULT_K, "--k", min=1, max=50, help="Passages to show."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Show the passages of a core's repository that chat would put before QUESTION."""
    with command_failures(as_json, core=core):
        result = call_tool("retrieve", {"core": core, "question": question, "k": k},
                           ToolContext(workspace=workspace()))
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    for n, hit in enumerate(result.passages, 1):
        console.print(Panel(escape(hit.text), title=f"[{n}] {hit.path}:{hit.start_line}-{hit.end_line}",
                            subtitle=f"score {hit.score:.2f}", expand=False))
    if not result.passages:
        err.print("Nothing in the index matches that question.")
