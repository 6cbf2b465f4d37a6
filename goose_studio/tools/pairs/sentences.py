"""Questions people would ask that a sentence of documentation answers, found by a few English patterns.

:func:`split_sentences` cuts prose into sentences (code spans, abbreviations and version numbers kept
whole). :func:`questions_for` turns one sentence into the questions it answers:

* passive voice — "Tasks are stored in X" -> "Where are tasks stored?"; "... unless Y" -> "When ...?";
* imperative with a purpose — "Use X to choose another file" -> "How do I choose another file?";
* copula — "Due-date expressions are X" -> "What are due-date expressions?";
* a subject and a verb — "minitask uses only the standard library" -> "What does minitask use?";
* "Return X if Y" in a docstring -> "When does `f` return X?".

Every rule is conservative: a subject of at most seven words, no question when the sentence is itself a
question, a heading or a list fragment. No rule fires for most sentences; they are asked about through
their section instead.
"""

from __future__ import annotations

import re

_ABBREV = ("e.g.", "i.e.", "etc.", "vs.", "cf.", "approx.", "no.", "Mr.", "Dr.", "St.")
_WHERE_PREPS = ("in", "at", "under", "into", "inside", "on", "to", "from", "below", "above", "next")
_IMPERATIVE = frozenset({
    "use", "pass", "set", "run", "add", "call", "install", "prefix", "put", "give", "import", "create", "define",
    "write", "type", "choose", "specify", "provide", "enable", "disable", "configure", "start", "open", "edit",
    "register", "subscribe", "append", "wrap", "export", "load", "save", "change", "replace", "remove", "delete",
    "mark", "select", "filter", "list", "sort", "combine", "override", "subclass", "extend", "implement", "raise",
    "catch", "return", "point", "tell", "enter", "press", "click", "follow", "copy", "move", "build", "deploy",
})
_DETERMINERS = ("a ", "an ", "the ", "each ", "every ", "no ", "any ", "all ", "this ", "that ", "its ", "your ")
_PRONOUN_RE = re.compile(r"\b(it|them|this|these)\b")
_CODE_RE = re.compile(r"`[^`]+`")
_PARTICIPLES = frozenset({
    "read", "made", "kept", "set", "put", "found", "shown", "given", "written", "sent", "built", "run", "held",
    "left", "told", "thrown", "known", "done", "seen", "taken", "chosen", "hidden", "split", "cut", "bound",
    "stored", "used", "ignored", "skipped", "kept", "spent", "sold", "shut", "hit", "quit", "brought", "caught",
})
_PREPOSITIONS = ("with", "at", "on", "in", "to", "from", "for", "by", "after", "before", "when", "if", "into",
                 "without", "unless", "until", "as", "through", "over", "under")
_NOT_VERBS = frozenset({"not", "also", "only", "never", "always", "can", "may", "must", "should", "will", "would",
                        "could", "might", "does", "do", "did", "and", "or", "but", "of", "the", "a", "an"})
_BE = {"is": "is", "are": "are", "was": "was", "were": "were", "gets": "does", "get": "do"}


def split_sentences(text: str) -> list[str]:
    """The sentences of a paragraph, code spans and abbreviations kept whole."""
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return []
    protected: list[str] = []

    def hold(m: re.Match[str]) -> str:
        protected.append(m.group(0))
        return f"\x00{len(protected) - 1}\x00"

    work = _CODE_RE.sub(hold, text)
    for ab in _ABBREV:
        work = work.replace(ab, ab.replace(".", "\x01"))
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z`\x00(\"'])", work)
    out = []
    for part in parts:
        part = re.sub(r"\x00(\d+)\x00", lambda m: protected[int(m.group(1))], part.replace("\x01", "."))
        if part.strip():
            out.append(part.strip())
    return out


def _subject_ok(subj: str) -> bool:
    words = subj.split()
    if not 1 <= len(words) <= 7 or subj.endswith((",", ":")):
        return False
    return not re.search(r"\b(if|when|because|which|that|who|where|and then)\b", subj.lower())


def _lower_subject(subj: str) -> str:
    """"A task" -> "a task", "Closed tasks" -> "closed tasks"; names ("Python", "JsonStore") kept."""
    parts = subj.split()
    first = parts[0]
    capital_word = first[:1].isupper() and (first[1:] == "" or first[1:].islower())
    if capital_word and (first.lower() in {d.strip() for d in _DETERMINERS} or first.endswith("s") or
                         (len(parts) > 1 and parts[1][:1].islower())):
        return subj[0].lower() + subj[1:]
    return subj


def _strip_end(text: str) -> str:
    return text.strip().rstrip(".:;,!").strip()


def _base_verb(verb: str) -> str:
    v = verb.lower()
    if v in ("does", "goes"):
        return v[:-2]
    if v.endswith("ies") and len(v) > 4:
        return v[:-3] + "y"
    if v.endswith(("ches", "shes", "sses", "xes", "zes")):
        return v[:-2]
    if v.endswith("s") and not v.endswith("ss"):
        return v[:-1]
    return v


def questions_for(sentence: str, subject_hint: str = "", names: frozenset[str] = frozenset()) -> list[str]:
    """The questions the sentence answers (possibly none), most specific first.

    ``subject_hint`` names what a subject-less docstring sentence is about (``"`Task.is_overdue`"``);
    ``names`` are words that may stand alone as a subject (the project's and its symbols' names).
    """
    s = _strip_end(sentence)
    if not s or s.endswith("?") or len(s.split()) < 4 or len(s) > 300 or s.startswith(("$", ">>>", "|", "-", "*")):
        return []
    out: list[str] = []
    clauses = [c.strip() for c in re.split(r";\s+|:\s+", s) if c.strip()]
    for clause in clauses:
        out += _clause_questions(clause, subject_hint, names)
    seen: list[str] = []
    for q in out:
        if q not in seen:
            seen.append(q)
    return seen[:3]


def _clause_questions(c: str, hint: str, names: frozenset[str]) -> list[str]:
    out: list[str] = []
    low = c.lower()
    # "Return X if Y" / "Returns X when Y" (docstrings)
    m = re.match(r"^(?:returns?|yields?)\s+(.+?)\s+(if|when|unless|once)\s+(.+)$", c, re.I)
    if m and hint:
        what = m.group(1)
        out.append(f"When does {hint} return {what}?")
        out.append(f"What does {hint} return?")
        return out
    m = re.match(r"^(?:returns?|yields?)\s+(.+)$", c, re.I)
    if m and hint:
        return [f"What does {hint} return?"]
    # imperative with a purpose: "Use X to do Y"
    first = low.split()[0]
    if first in _IMPERATIVE:
        m = re.match(r"^(\w+)\s+(.+?)\s+(?:in order )?to\s+(\w.+)$", c)
        if m and len(m.group(3).split()) <= 12:
            obj = re.split(r"\s+(?:with|by|in|on|as|from|into|or)\s+", m.group(2))[0]
            purpose = _PRONOUN_RE.sub(obj if len(obj.split()) <= 5 else "it", m.group(3), count=1)
            out.append(f"How do I {purpose}?")
        return out
    # passive: "X is/are stored in Y", "X are hidden from Y unless Z"
    m = re.match(r"^(.+?)\s+(is|are|was|were|gets|get)\s+(?:(?:only|always|never|also|usually|then|not)\s+)?"
                 r"(\w+)\b\s*(.*)$", c)
    if m and _subject_ok(m.group(1)) and (
            m.group(3).lower() in _PARTICIPLES or re.fullmatch(r"\w+(?:ed|en|wn)", m.group(3).lower())):
        subj, be, verb, rest = _lower_subject(m.group(1)), _BE[m.group(2)], m.group(3), m.group(4)
        prep = rest.split()[0].lower() if rest else ""
        cond = re.search(r"\b(unless|only if|if|when|once|until|before|after)\b", rest)
        if cond:
            before = rest[: cond.start()].strip().rstrip(",")
            out.append(f"When {be} {subj} {verb}{' ' + before if before else ''}?")
        if prep in _WHERE_PREPS:
            out.append(f"Where {be} {subj} {verb}?")
        elif prep in ("by", "with", "using", "through", "via", "as"):
            out.append(f"How {be} {subj} {verb}?")
        elif not cond:
            out.append(f"What happens to {subj}?")
        return out
    # copula: "X is Y"
    m = re.match(r"^(.+?)\s+(is|are)\s+(?!not\b)(.+)$", c)
    if m and _subject_ok(m.group(1)) and len(m.group(3).split()) >= 1:
        subj = _lower_subject(m.group(1))
        if not subj.lower().startswith(("it ", "this ", "there", "that ", "these ", "they ")) and subj.lower() not in (
                "it", "this", "there", "that", "these", "they"):
            out.append(f"What {m.group(2)} {subj}?")
        return out
    # subject + verb: "A malformed query stops with exit code 2", "minitask uses the standard library"
    words = c.split()
    for i in range(1, min(8, len(words) - 1)):
        subj, verb, rest = " ".join(words[:i]), words[i], words[i + 1 :]
        if not _subject_ok(subj) or not re.fullmatch(r"[a-z]+", verb):
            continue
        low_subj = subj.lower()
        if low_subj in ("it", "this", "that", "there", "they", "you", "we", "i") or verb in _NOT_VERBS:
            break
        determined = low_subj.startswith(_DETERMINERS)
        named = i == 1 and (subj.strip("`") in names or "`" in subj or re.search(r"[a-z][A-Z]|_|\d", subj))
        prep = rest[0].lower() if rest[0].lower() in _PREPOSITIONS[:9] else ""
        if (determined or named) and verb.endswith("s") and not verb.endswith("ss") and verb not in ("is", "was", "has"):
            subj = _lower_subject(subj)
            return [f"What does {subj} {_base_verb(verb)}{' ' + prep if prep else ''}?"]
        if words[i - 1].lower().endswith("s") and not verb.endswith("s") and i <= 4 and verb not in ("are", "were"):
            subj = _lower_subject(subj)
            return [f"How do {subj} {verb}?" if prep else f"What do {subj} {verb}?"]
    return out
