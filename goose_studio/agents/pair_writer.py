"""The brain pass of PREPARE: a model writes natural questions and answers from chunks of the repository's
code and documentation, and every answer is checked against the repository before it is kept.

Chunks: each documented public function, method or class (its signature, docstring and first lines) and
each documentation section (README, ``docs/``), chosen in a stable order, at most ``max_chunks``. The
model is asked for a few question/answer pairs per chunk, as JSON. An answer that names a file, symbol
or value the repository does not have (:class:`~goose_studio.tools.pairs.grounding.Vocabulary`) is
dropped and counted; the rest are written as JSON Lines for ``generate_pairs`` (``brain_pairs_file``),
which de-duplicates, splits and caps them with the generated pairs.

No brain configured (the rules) means no pass: :func:`write_brain_pairs` returns None. A brain that does
not answer, or answers with something else than the JSON asked for, costs its chunk only.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, Field

from ..tools.index_models import INDEX_FILENAME, load_index
from ..tools.pairs import GeneratePairsArgs
from ..tools.pairs.docs import doc_files, doc_texts
from ..tools.pairs.grounding import Vocabulary
from ..tools.pairs.repo import Repo
from ..tools.pairs.text import stable_hash
from ..tools.registry import ToolContext
from ..workspace import write_atomic
from .brain import Brain, ask, brain_from_env

MAX_CHUNKS = 24
PAIRS_PER_CHUNK = 3
_CHUNK_CHARS = 1800
_SYSTEM = (
    "You write training data about one software project. From the excerpt you are given, write {n} questions a "
    "user of the project would really ask (what something does, its defaults, why something fails, how to do "
    "something), each with a short, correct answer in plain sentences. Use only facts in the excerpt; name only "
    "files, functions, options and values that appear in it. Reply with JSON only: "
    '{{"pairs": [{{"question": "...", "answer": "..."}}]}}'
)


class BrainPair(BaseModel):
    question: str = Field(min_length=3, max_length=600)
    answer: str = Field(min_length=1, max_length=2000)


class BrainReply(BaseModel):
    pairs: list[BrainPair] = Field(default_factory=list, max_length=12)


class Chunk(BaseModel):
    kind: str  # "code" | "docs"
    source: str  # path:lines
    group: str  # the file, the split key
    title: str
    text: str


class BrainPassReport(BaseModel):
    brain: str
    path: str
    chunks: int = 0
    answered: int = Field(0, description="Chunks the brain answered with usable JSON.")
    kept: int = 0
    dropped: int = Field(0, description="Answers naming a file, symbol or value the repository does not have.")
    dropped_examples: list[dict[str, object]] = Field(default_factory=list)


def chunks_of(repo: Repo, max_chunks: int = MAX_CHUNKS) -> list[Chunk]:
    """Code and documentation chunks, in a stable order: documentation sections and documented public
    symbols alternate, each list ordered by a hash of its source."""
    code: list[Chunk] = []
    for f, s in repo.code_symbols():
        if f.index.is_test or s.name.startswith("_") or not s.docstring.strip():
            continue
        lines = repo.span(f, s.start_line, min(s.end_line, s.start_line + 40)) or []
        text = "\n".join(lines)[:_CHUNK_CHARS]
        code.append(Chunk(kind="code", source=repo.source(f, s), group=f.path, title=s.qualname, text=text))
    docs: list[Chunk] = []
    for d in doc_files(repo)[0]:
        for sec in d.sections:
            body = "\n".join(b.text or "\n".join(b.items or b.lines or [" | ".join(r) for r in b.rows])
                             for b in sec.blocks)
            if len(body.strip()) >= 40:
                docs.append(Chunk(kind="docs", source=f"{d.path}:{sec.start}-{sec.end}", group=d.path,
                                  title=sec.title or d.title, text=body[:_CHUNK_CHARS]))
    code.sort(key=lambda c: stable_hash("brain", c.source))
    docs.sort(key=lambda c: stable_hash("brain", c.source))
    mixed: list[Chunk] = []
    for i in range(max(len(code), len(docs))):
        mixed += [x[i] for x in (docs, code) if i < len(x)]
    return mixed[:max_chunks]


def write_brain_pairs(args: GeneratePairsArgs, out: Path, ctx: ToolContext | None = None, brain: Brain | None = None,
                      max_chunks: int = MAX_CHUNKS) -> BrainPassReport | None:
    """Ask the brain for pairs about the repository's chunks, keep the grounded ones in ``out`` (JSON Lines).

    Returns None when no brain is configured; otherwise the report (also when nothing was kept).
    """
    brain = brain or brain_from_env()
    if brain.name == "rules":
        return None
    root = Path(args.repo_path).expanduser()
    index = load_index(Path(args.index_path).expanduser() if args.index_path else root / INDEX_FILENAME)
    repo = Repo(index, root, (args.repo_name or "").strip() or root.resolve().name, args.max_answer_chars,
                args.max_code_lines)
    vocabulary = Vocabulary(repo, doc_texts(doc_files(repo)[0]))
    chunks = chunks_of(repo, max_chunks)
    report = BrainPassReport(brain=brain.name, path=str(out), chunks=len(chunks))
    rows: list[str] = []
    for n, chunk in enumerate(chunks, 1):
        prompt = f"Project: {repo.name}\nExcerpt ({chunk.kind}, {chunk.source}, {chunk.title}):\n\n{chunk.text}"
        reply = ask(brain, prompt, BrainReply, system=_SYSTEM.format(n=PAIRS_PER_CHUNK), max_tokens=700)
        if ctx is not None:
            ctx.progress(stage="brain", done=n, total=len(chunks))
        if reply is None:
            continue
        report.answered += 1
        for pair in reply.pairs[: 2 * PAIRS_PER_CHUNK]:
            unknown = vocabulary.unknown(pair.answer, pair.question)
            if unknown:
                report.dropped += 1
                if len(report.dropped_examples) < 10:
                    report.dropped_examples.append({"source": chunk.source, "unknown": unknown[:5]})
                continue
            report.kept += 1
            answer = pair.answer.strip()
            if f"(see {chunk.source})" not in answer:
                answer = f"{answer} (see {chunk.source})"
            rows.append(json.dumps({"instruction": pair.question.strip(), "output": answer,
                                    "category": "behaviour" if chunk.kind == "code" else "docs",
                                    "source": chunk.source, "group": chunk.group}, ensure_ascii=False,
                                   sort_keys=True))
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, "".join(r + "\n" for r in rows))
    return report
