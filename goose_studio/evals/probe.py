"""The knowledge probe: multiple-choice questions made from held-out facts of the repository.

Questions come from two places, so the probe works whatever the dataset's categories are:

* the code index, for the files held out of training: which file defines a symbol (wrong answers: other
  files of the same language), what a symbol's parameters are (other symbols' parameter lists of the same
  kind), which symbol a docstring sentence describes (other symbols' names of the same kind);
* the held-out pairs themselves: the pair's question, its answer, and as wrong answers the answers of other
  pairs of the same category.

Wrong answers are always the repository's own values of the same kind, so a model cannot tell the right
one by its form. A model picks the choice with the lowest mean per-token loss (:func:`pick`).
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel

from ..tools.index_models import CodeIndex, Symbol

N_CHOICES = 4
MAX_CHOICE_CHARS = 320  # longest answer a question offers (pair answers above it are not used)
MIN_SENTENCE_WORDS = 4


class ProbeQuestion(BaseModel):
    kind: str  # defined_in | parameters | purpose | pair:<category>
    question: str
    choices: list[str]
    answer: int  # index of the right choice
    source: str  # the file (or pair id) the fact comes from


def _rank(seed: int, *parts: str) -> str:
    return hashlib.sha256("\x1f".join((str(seed), *parts)).encode("utf-8")).hexdigest()


def _distractors(right: str, pool: Iterable[str], seed: int, key: str) -> list[str] | None:
    """Three values of ``pool`` other than ``right`` (deterministic), or None when there are too few."""
    seen = {right.strip().lower()}
    others = []
    for value in sorted(set(pool), key=lambda v: _rank(seed, key, v)):
        norm = value.strip().lower()
        if norm and norm not in seen:
            seen.add(norm)
            others.append(value)
        if len(others) == N_CHOICES - 1:
            return others
    return None


def _question(kind: str, text: str, right: str, wrong: list[str], source: str, seed: int) -> ProbeQuestion:
    choices = sorted([right, *wrong], key=lambda v: _rank(seed, "order", text, v))
    return ProbeQuestion(kind=kind, question=text, choices=choices, answer=choices.index(right), source=source)


def _first_sentence(doc: str) -> str:
    text = " ".join(doc.split())
    m = re.match(r"(.+?[.!?])(\s|$)", text)
    return (m.group(1) if m else text)[:200]


def _parameters(sym: Symbol) -> str | None:
    """``(self, sku: str, quantity: int) -> None`` from a definition line, or None."""
    sig = " ".join(sym.signature.split())
    at = sig.find(sym.name + "(")
    if at < 0:
        return None
    tail = sig[at + len(sym.name):].rstrip(":{ ").strip()
    return tail if 2 < len(tail) <= MAX_CHOICE_CHARS and tail.count("(") >= 1 else None


def _public(sym: Symbol) -> bool:
    return not sym.is_test and not sym.name.startswith("_") and sym.kind in ("function", "method", "class")


def index_questions(index: CodeIndex, held_out_files: set[str], repo: str, seed: int) -> list[ProbeQuestion]:
    """Questions about the symbols of ``held_out_files`` (every file when the set is empty)."""
    files = [f for f in index.files if not f.is_test]
    by_lang: dict[str, list[str]] = defaultdict(list)
    defined: dict[str, set[str]] = defaultdict(set)
    names: dict[str, set[str]] = defaultdict(set)
    params: dict[tuple[str, bool], set[str]] = defaultdict(set)
    for f in files:
        by_lang[f.language].append(f.path)
        for s in f.symbols:
            if _public(s):
                defined[s.qualname].add(f.path)
                names[s.kind].add(s.qualname)
                p = _parameters(s)
                if p:
                    params[(s.kind, p.startswith("(self") or p.startswith("(cls"))].add(p)
    out: list[ProbeQuestion] = []
    for f in files:
        if held_out_files and f.path not in held_out_files:
            continue
        for s in f.symbols:
            if not _public(s):
                continue
            label = f"`{s.qualname}`"
            if len(defined[s.qualname]) == 1:
                wrong = _distractors(f.path, by_lang[f.language], seed, s.qualname)
                if wrong:
                    out.append(_question("defined_in", f"In the {repo} repository, which file defines {label}?",
                                         f.path, wrong, f.path, seed))
            p = _parameters(s)
            if p:
                pool = params[(s.kind, p.startswith("(self") or p.startswith("(cls"))]
                wrong = _distractors(p, pool, seed, s.qualname + "()")
                if wrong:
                    out.append(_question("parameters", f"In the {repo} repository, what are the parameters of "
                                         f"{label}?", p, wrong, f.path, seed))
            sentence = _first_sentence(s.docstring) if s.docstring else ""
            if len(sentence.split()) >= MIN_SENTENCE_WORDS and s.name.lower() not in sentence.lower():
                wrong = _distractors(s.qualname, names[s.kind], seed, sentence)
                if wrong:
                    out.append(_question("purpose", f"In the {repo} repository, which {s.kind} does this: "
                                         f"\"{sentence}\"?", s.qualname, wrong, f.path, seed))
    return out


def pair_questions(held_out: list[dict[str, Any]], others: list[dict[str, Any]], seed: int) -> list[ProbeQuestion]:
    """Questions from held-out pairs with short answers; wrong answers from pairs of the same category."""
    pool: dict[str, set[str]] = defaultdict(set)
    for row in [*held_out, *others]:
        answer = str(row.get("output", "")).strip()
        if answer and len(answer) <= MAX_CHOICE_CHARS:
            pool[str(row.get("category") or "pair")].add(answer)
    out = []
    for row in held_out:
        answer, question = str(row.get("output", "")).strip(), str(row.get("instruction", "")).strip()
        category = str(row.get("category") or "pair")
        if not answer or not question or len(answer) > MAX_CHOICE_CHARS:
            continue
        if row.get("input"):
            question += "\n" + str(row["input"])
        wrong = _distractors(answer, pool[category], seed, question)
        if wrong:
            out.append(_question(f"pair:{category}", question, answer, wrong, str(row.get("id") or row.get("group") or ""),
                                 seed))
    return out


def build_probe(held_out: list[dict[str, Any]], train: list[dict[str, Any]], index: CodeIndex | None, repo: str,
                limit: int, seed: int = 0) -> list[ProbeQuestion]:
    """At most ``limit`` questions, taken in turn from each kind of question (deterministic for ``seed``)."""
    held_files = {str(r["group"]) for r in held_out if r.get("group")}
    found = pair_questions(held_out, train, seed)
    if index is not None:
        found += index_questions(index, held_files, repo, seed)
    by_kind: dict[str, list[ProbeQuestion]] = defaultdict(list)
    for q in sorted(found, key=lambda q: _rank(seed, "pick", q.kind, q.question)):
        by_kind[q.kind].append(q)
    chosen: list[ProbeQuestion] = []
    while len(chosen) < limit and any(by_kind.values()):
        for kind in sorted(by_kind):
            if by_kind[kind] and len(chosen) < limit:
                chosen.append(by_kind[kind].pop(0))
    return chosen


def common_suffix(rows: list[list[int]]) -> int:
    """How many trailing ids all rows share (the template's end of turn), never a whole row."""
    n = 0
    shortest = min(len(r) for r in rows)
    while n < shortest - 1 and len({r[-1 - n] for r in rows}) == 1:
        n += 1
    return n


def pick(losses: Callable[[list[int], list[list[int]]], list[float]], encode: Callable[[str, str], tuple[list[int], list[int]]],
         prompt: str, choices: list[str]) -> tuple[int, list[float]]:
    """The choice with the lowest mean per-token loss after ``prompt``, and every choice's loss.

    ``encode(prompt, answer)`` gives (prompt ids, answer ids) in the chat template; the answers' shared end
    of turn is left out of the loss.
    """
    encoded = [encode(prompt, c) for c in choices]
    prompt_ids = encoded[0][0]
    answers = [a for _, a in encoded]
    cut = common_suffix(answers)
    values = losses(prompt_ids, [a[: len(a) - cut] for a in answers])
    return min(range(len(values)), key=lambda i: values[i]), values
