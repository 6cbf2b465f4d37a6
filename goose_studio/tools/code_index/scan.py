"""Walking a repository for the files to index, and telling their language where the name does not.

The walk is sorted and deterministic; hidden files and directories, :data:`SKIP_DIRS` and virtual
environments (any directory holding ``pyvenv.cfg``) are not entered, and symbolic links are not followed.
An extension-less file is a candidate when its shebang names python, node or ruby; a ``.h`` file is C++
when the project has C++ sources and no C ones, or when it holds C++ constructs, C otherwise. Only files
that would be indexed are reported as skipped here (``too_large``, ``unreadable``); files in other
languages are counted by extension, for the failure raised when a repository has no readable source.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import FailureKind, ToolFailure
from ..index_models import SkippedFile
from .languages import CPP_EXTS, EXTENSIONS, LANGUAGE_LABELS, SHEBANG_LANGUAGES, SHEBANG_RE, is_test_path

SKIP_DIRS = frozenset({
    "node_modules", "__pycache__", "dist", "build", "site-packages", "venv", "bower_components",
})


@dataclass
class Candidate:
    """A file to index, as found by the walk (nothing read yet)."""

    rel: str
    path: str  # absolute
    language: str
    size: int
    mtime_ns: int
    is_test: bool
    header: bool = False  # a .h file: C or C++, told apart by its content


@dataclass
class Scan:
    """What the walk found: the candidates (sorted by path), skipped files and the other files' extensions."""

    candidates: list[Candidate] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    other_extensions: Counter = field(default_factory=Counter)
    tests_excluded: int = 0
    cpp_project: bool = False  # C++ sources and no C ones: headers are C++ whatever they hold


def check_repo(repo_path: str | os.PathLike[str]) -> Path:
    """The repository's resolved root; ``not_found`` when it does not exist, ``invalid_input`` for a file."""
    repo = Path(repo_path).expanduser()
    if not repo.exists():
        raise ToolFailure(
            FailureKind.not_found,
            f"The path {repo} does not exist.",
            hint="Pass the directory of a local repository (or fetch one first with the source tool).",
            details={"repo_path": str(repo)},
        )
    if not repo.is_dir():
        raise ToolFailure(
            FailureKind.invalid_input,
            f"{repo} is a file, not a directory.",
            hint="Pass the repository's root directory, not a single file in it.",
            details={"repo_path": str(repo)},
        )
    return repo.resolve()


def _is_venv(path: str) -> bool:
    return os.path.exists(os.path.join(path, "pyvenv.cfg"))


def scan_repo(repo: Path, max_file_bytes: int, include_tests: bool) -> Scan:
    """Walk ``repo`` for the files to index (see the module docstring for what is left out)."""
    scan = Scan()
    root = str(repo)
    stack: list[tuple[str, str]] = [(root, "")]
    has_cpp = has_c = False
    while stack:
        dir_path, rel_dir = stack.pop()
        try:
            with os.scandir(dir_path) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            if rel_dir:
                scan.skipped.append(SkippedFile(path=rel_dir, reason="unreadable"))
            continue
        subdirs: list[tuple[str, str]] = []
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            rel = f"{rel_dir}/{name}" if rel_dir else name
            try:
                if entry.is_symlink():
                    continue
                if entry.is_dir(follow_symlinks=False):
                    if name in SKIP_DIRS or _is_venv(entry.path):
                        continue
                    subdirs.append((entry.path, rel))
                    continue
                if not entry.is_file(follow_symlinks=False):
                    continue
                st = entry.stat(follow_symlinks=False)
            except OSError:
                scan.skipped.append(SkippedFile(path=rel, reason="unreadable"))
                continue
            dot = name.rfind(".")
            ext = name[dot:].lower() if dot > 0 else ""
            language = EXTENSIONS.get(ext)
            if language is None and not ext and 0 < st.st_size <= max_file_bytes:
                language = _shebang_language(entry.path)
            if language is None:
                scan.other_extensions[ext or "(no extension)"] += 1
                continue
            if st.st_size > max_file_bytes:
                scan.skipped.append(SkippedFile(path=rel, reason="too_large", size=st.st_size))
                continue
            is_test = is_test_path(rel)
            if is_test and not include_tests:
                scan.tests_excluded += 1
                continue
            scan.candidates.append(Candidate(rel, entry.path, language, st.st_size, st.st_mtime_ns, is_test,
                                             header=ext == ".h"))
            if ext in CPP_EXTS:
                has_cpp = True
            elif ext == ".c":
                has_c = True
        stack.extend(reversed(subdirs))
    scan.cpp_project = has_cpp and not has_c
    scan.candidates.sort(key=lambda c: c.rel)
    scan.skipped.sort(key=lambda s: s.path)
    return scan


# C++-only constructs that tell a C++ header from a C one (looked for in its first 64 KiB).
_CPP_HEADER_RE = re.compile(
    rb"^[ \t]*(?:namespace\s+\w|class\s+\w+[^;\n]*[{:]|template\s*<|(?:public|private|protected)\s*:"
    rb"|using\s+namespace\b|extern\s+\"C\+\+\")|\bstd::",
    re.M,
)


def header_language(data: bytes, cpp_project: bool) -> str:
    """C or C++ for a .h file: C++ in a C++-only project or when C++ constructs show up."""
    if cpp_project or _CPP_HEADER_RE.search(data, 0, 65536):
        return "cpp"
    return "c"


def _shebang_language(path: str) -> str | None:
    """The language named by the file's shebang line (None when there is none the studio reads)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(128)
    except OSError:
        return None
    m = SHEBANG_RE.match(head)
    if not m:
        return None
    return SHEBANG_LANGUAGES.get(m.group(1), "python")


def no_source_failure(repo: Path, scan: Scan, include_tests: bool) -> ToolFailure:
    """``insufficient_data``: nothing in ``repo`` could be indexed; the hint says what the repository holds."""
    readable = ", ".join(LANGUAGE_LABELS.values())
    seen = scan.other_extensions.most_common(12)
    has = ", ".join(f"{ext} x{n}" for ext, n in seen) if seen else "no files at all"
    hint = f"Goose Studio reads {readable} sources; this repository has only: {has}."
    skipped = Counter(s.reason for s in scan.skipped)
    if skipped.get("too_large"):
        hint += f" {skipped['too_large']} source file(s) are larger than max_file_bytes; raise it to include them."
    if scan.tests_excluded and not include_tests:
        hint += f" {scan.tests_excluded} test file(s) were left out because include_tests is false."
    return ToolFailure(
        FailureKind.insufficient_data,
        f"No source files the studio can read were found in {repo}.",
        hint=hint,
        details={
            "repo_path": str(repo),
            "extensions": dict(seen),
            "skipped": dict(skipped),
            "tests_excluded": scan.tests_excluded,
            "supported_extensions": sorted(EXTENSIONS),
        },
    )
