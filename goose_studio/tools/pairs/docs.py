"""The ``docs`` category: the repository's documentation (README, ``docs/``, other prose files, see
:mod:`.docsource`) and its module docstrings, turned into question/answer pairs section by section.

Per section: the questions its heading answers ("Install" -> "How do I install minitask?") with the
section's text; per sentence, the questions it settles (:mod:`.sentences`); per table row, what a key
means and which key has a meaning; per definition item, what a term is; per example, what a command
prints or how the library is used. Answers cite the file and lines.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

from .docsource import Block, DocFile, Section, clean_inline, read_doc_files
from .docstrings import parse_docstring
from .phrasing import family, lower_first, plural_noun, sentence, singular, with_cite
from .repo import Pair, Repo
from .sentences import questions_for, split_sentences
from .text import Code

CATEGORY = "docs"
_MAX_SECTION = 620
_HEADINGS: dict[tuple[str, ...], list[str]] = {
    ("install", "installation", "installing", "setup", "set up"): [
        "How do I install {r}?", "How is {r} installed?", "What do I need to do to install {r}?"],
    ("usage", "use", "using", "how to use", "basic usage"): [
        "How do I use {r}?", "How is {r} used?", "Show me how to use {r}."],
    ("getting started", "quickstart", "quick start", "tutorial", "introduction", "overview"): [
        "How do I get started with {r}?", "What is {r} and how do I start using it?", "Give me an overview of {r}."],
    ("license", "licence", "licensing"): ["What is the license of {r}?", "Under which license is {r} released?"],
    ("configuration", "config", "settings", "configuring", "options"): [
        "How do I configure {r}?", "Which settings does {r} have?", "How is {r} configured?"],
    ("contributing", "development", "developing", "hacking"): [
        "How do I work on {r} itself?", "How do I set up {r} for development?", "How can I contribute to {r}?"],
    ("testing", "tests", "running tests", "running the tests"): [
        "How do I run the tests of {r}?", "How is {r} tested?"],
    ("requirements", "dependencies", "prerequisites", "compatibility"): [
        "What does {r} need to run?", "What are the requirements of {r}?", "Which dependencies does {r} have?"],
    ("features", "highlights"): ["What are the features of {r}?", "What can {r} do?"],
    ("examples", "example"): ["Show an example of using {r}.", "What does {r} code look like in practice?"],
    ("errors", "error handling", "troubleshooting", "exceptions"): [
        "How does {r} report errors?", "What happens when something goes wrong in {r}?",
        "How do I troubleshoot errors in {r}?"],
    ("library", "api", "python api", "library usage", "programmatic usage"): [
        "How do I use {r} as a library?", "How do I call {r} from Python code?", "What does {r}'s API look like?"],
    ("faq", "frequently asked questions"): ["What are common questions about {r}?"],
    ("changelog", "changes", "history", "release notes"): ["What changed in recent versions of {r}?"],
}
_MEANING = ("meaning", "description", "purpose", "effect", "explanation", "details", "notes", "what it does",
            "definition", "comment", "info", "summary")


def doc_files(repo: Repo) -> tuple[list[DocFile], list[tuple[str, str]]]:
    """The repository's documentation files (read once) and the files skipped with their reasons."""
    found = repo.cache.get("docs")
    if found is None:
        found = read_doc_files(repo.root)
        repo.cache["docs"] = found
    return found  # type: ignore[return-value]


def doc_texts(docs: list[DocFile]) -> dict[str, str]:
    """Each documentation file's plain text (its blocks), for checking answers against the repository."""
    out: dict[str, str] = {}
    for d in docs:
        parts: list[str] = []
        for sec in d.sections:
            parts.append(sec.title)
            for b in sec.blocks:
                parts += [b.text, *b.items, *(" ".join(r) for r in b.rows), *b.lines]
        out[d.path] = "\n".join(parts)
    return out


def pairs(repo: Repo, categories: set[str]) -> Iterable[Pair]:
    docs, _ = doc_files(repo)
    for d in docs:
        for sec in d.sections:
            yield from _section(repo, d.path, d.title, sec, d.path)
    for f in repo.files.values():
        if f.index.is_test or not f.index.module_docstring.strip():
            continue
        yield from _module_doc(repo, f.path, f.index.module_docstring)


def _module_doc(repo: Repo, path: str, docstring: str) -> Iterable[Pair]:
    doc = parse_docstring(docstring)
    module = Path(path).stem if Path(path).stem != "__init__" else Path(path).parent.name
    title = f"the {module} module"
    n_lines = docstring.count("\n") + 2
    sec = Section(title, 1, 1, n_lines, [])
    for para in doc.description:
        sec.blocks.append(Block("text", 1, n_lines, text=clean_inline(para)))
    for label, items in doc.sections.items():
        rows = [[singular(label), "meaning"]] + [[k, v] for k, v in items]
        sec.blocks.append(Block("table", 1, n_lines, rows=rows))
    if doc.examples:
        sec.blocks.append(Block("code", 1, n_lines, lines=doc.examples, lang="python"))
    if sec.blocks:
        yield from _section(repo, path, title, sec, path, module_doc=True)


def heading_questions(title: str, r: str, context: str) -> list[str]:
    """The questions a section heading answers, in people's words."""
    t = re.sub(r"^\d+(\.\d+)*\.?\s+", "", title).strip().rstrip(":")
    low = t.lower()
    if low == r.lower() or low.startswith(r.lower() + ":"):
        return [f"What is {r}?", f"What does {r} do?", f"Give me an overview of {r}.", f"What is {r} for?"]
    for keys, templates in _HEADINGS.items():
        if low in keys:
            return [x.format(r=r) for x in templates]
    if low.endswith("?"):
        return [t]
    m = re.match(r"^how (?:to|do i|can i)\s+(.+)$", low)
    if m:
        return [f"How do I {m.group(1)}?", f"How can I {m.group(1)} with {r}?"]
    first, _, rest = low.partition(" ")
    if first.endswith("ing") and len(first) > 5 and rest:
        base = first[:-3]
        if len(base) > 2 and base[-1] == base[-2] and base[-1] not in "lsz":
            base = base[:-1]
        elif len(base) > 2 and base[-1] not in "aeiouwxy" and base[-2] in "aeiou" and base[-3] not in "aeiou":
            base += "e"
        return [f"How do I {base} {rest} in {r}?", f"How does {r} handle {low}?",
                f"What does the {r} documentation say about {low}?"]
    where = f" ({context})" if context and context.lower() not in (r.lower(), low) else ""
    be = "are" if plural_noun(low) else "is"
    return [f"What {be} the {low} of {r}{where}?" if len(low.split()) <= 4 else f"What about {low} in {r}?",
            f"What does the {r} documentation say about {low}{where}?", f"Tell me about {low} in {r}{where}.",
            f"Explain {low} in {r}{where}."]


def _span(path: str, a: int, b: int) -> str:
    return f"{path}:{a}" if a >= b else f"{path}:{a}-{b}"


def _section(repo: Repo, path: str, doc_title: str, sec: Section, group: str,
             module_doc: bool = False) -> Iterable[Pair]:
    r, n = repo.name, repo.phrasings
    title = sec.title or doc_title
    context = sec.trail[-1] if sec.trail else ""
    src = _span(path, sec.start, sec.end)
    key = f"{path}:{sec.start}"
    prose: list[str] = []
    for b in sec.blocks:
        if b.kind == "text":
            prose.append(b.text)
        elif b.kind == "list":
            prose.append("; ".join(b.items) + ".")
        elif b.kind == "code" and len(b.lines) <= 6 and not module_doc:
            prose.append(" ".join(f"`{x.strip()}`" for x in b.lines if x.strip()))
    text = " ".join(p for p in prose if p)
    if len(text) > _MAX_SECTION:
        text = text[:_MAX_SECTION].rsplit(". ", 1)[0].rstrip(".") + "."
    if text and not module_doc or (module_doc and text):
        questions = heading_questions(title, r, context) if not module_doc else [
            f"What is {title} of {r} about?", f"What does {title} in {r} do?",
            f"What does the documentation of {title} say?"]
        yield from family(CATEGORY, key, questions, [with_cite(text, src)], src, group, n, origin="docs")
    for b in sec.blocks:
        bsrc = _span(path, b.start, b.end)
        if b.kind == "text":
            yield from _sentences(repo, b, bsrc, group)
        elif b.kind == "table" and len(b.rows) >= 2:
            yield from _table(repo, title, b, bsrc, group)
        elif b.kind == "list":
            yield from _definitions(repo, b, bsrc, group)
        elif b.kind == "code":
            yield from _code(repo, title, b, bsrc, group)


def _sentences(repo: Repo, b: Block, src: str, group: str) -> Iterable[Pair]:
    from .behaviour import repo_names

    for sent in split_sentences(b.text)[:10]:
        asked = questions_for(sent, names=repo_names(repo))
        if not asked:
            continue
        answer = sentence(sent)
        yield from family(CATEGORY, f"{src}:{answer[:50]}", asked, [
            with_cite(answer, src), with_cite(sentence(b.text[:_MAX_SECTION]), src)], src, group, repo.phrasings,
            origin="docs")


def _table(repo: Repo, title: str, b: Block, src: str, group: str) -> Iterable[Pair]:
    head = [h.strip("` ").lower() for h in b.rows[0]]
    if len(head) < 2:
        return
    k = head[0]
    stem = singular(title.lower())
    for row in b.rows[1:40]:
        if not row or not row[0].strip():
            continue
        key = row[0].strip()
        bare = key.strip("`")
        if stem.endswith(k):
            phrase = f"{stem} {bare}"
        elif len(k.split()) >= 2 or re.fullmatch(r"\d+", bare):
            phrase = f"{k} {bare}"
        else:
            phrase = key if key.startswith("`") else f"`{bare}`" if re.search(r"[^\w ]", bare) else bare
        for j in range(1, min(len(row), len(head))):
            value, h = row[j].strip(), head[j]
            if not value:
                continue
            if h.endswith("s") and not h.endswith("ss") and " " not in h:
                verb, base = h, h[:-2] if h.endswith(("ches", "shes", "sses")) else h[:-1]
                forward = [f"What does {phrase} {base} in {repo.name}?", f"In {repo.name}, what does {phrase} {base}?"]
                reverse = f"Which {k} {base}es {value}?" if base.endswith(("ch", "sh")) else f"Which {k} {base}s {value}?"
            elif h in _MEANING:
                verb = "means"
                forward = [f"What does {phrase} mean in {repo.name}?", f"In {repo.name}, what is {phrase}?",
                           f"What is the meaning of {phrase} in {repo.name}?"]
                reverse = f"Which {k} means {lower_first(value)} in {repo.name}?"
            else:
                verb = f"has the {h}"
                forward = [f"What is the {h} of {phrase} in {repo.name}?", f"Which {h} does {phrase} have?"]
                reverse = f"Which {k} has the {h} {value}?"
            answer = with_cite(sentence(f"In {repo.name}, {phrase} {verb}: {value}"), src)
            questions = forward + ([reverse] if len(value) <= 90 else [])
            yield from family(CATEGORY, f"{src}:{bare}:{h}", questions, [answer], src, group, repo.phrasings,
                              origin="docs")


def _definitions(repo: Repo, b: Block, src: str, group: str) -> Iterable[Pair]:
    for item in b.items[:30]:
        m = re.match(r"^`?([\w./:@<>=!+-][\w ./:@<>=!+-]{0,40}?)`?\s*(?::|—|–| - )\s+(.{8,})$", item)
        if not m:
            continue
        term, meaning = m.group(1).strip(), m.group(2).strip()
        yield from family(CATEGORY, f"{src}:{term}", [
            f"What is `{term}` in {repo.name}?", f"What does `{term}` mean in {repo.name}?",
            f"What does the {repo.name} documentation say about `{term}`?",
        ], [with_cite(sentence(f"`{term}`: {meaning}"), src)], src, group, repo.phrasings, origin="docs")


def _code(repo: Repo, title: str, b: Block, src: str, group: str) -> Iterable[Pair]:
    lines = [x for x in b.lines if x.strip()]
    if not lines:
        return
    commands = [i for i, x in enumerate(lines) if x.lstrip().startswith(("$ ", "> ", "% "))]
    if commands:
        for pos, i in enumerate(commands[:12]):
            cmd = lines[i].lstrip()[2:].strip()
            end = commands[pos + 1] if pos + 1 < len(commands) else len(lines)
            output = lines[i + 1 : end][:6]
            shown = f" It prints:\n" + "\n".join(output) if output else ""
            words = cmd.split()
            what = " ".join(words[:2]) if len(words) > 1 else cmd
            questions = [f"What does `{cmd}` do?", f"Show an example of `{what}`.",
                         f"What is printed by `{cmd}`?" if output else f"How do I run `{what}`?"]
            yield from family(CATEGORY, f"{src}:{cmd[:60]}", questions, [
                with_cite(f"Running `{cmd}` ({lower_first(title)} in the {repo.name} docs).{shown}", src)],
                src, group, repo.phrasings, origin="docs")
        return
    answer = repo.compose([f"From the {repo.name} documentation ({title}):\n", Code(lines[:16], b.lang or ""),
                           f"\n(see {src})"])
    yield from family(CATEGORY, f"{src}:example", [
        f"Show an example of {lower_first(title)} in {repo.name}.", f"Give me example code for {lower_first(title)} "
        f"with {repo.name}.", f"What does {lower_first(title)} look like in {repo.name} code?",
    ], [answer], src, group, repo.phrasings, origin="docs")
