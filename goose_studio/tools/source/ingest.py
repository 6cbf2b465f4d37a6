"""Ingesting a person's files: each one used, converted or skipped with its reason, never the others lost.

:class:`Ingest` builds one source folder (``root``) and one list of pairs from any number of inputs:

- a file given on its own (:meth:`Ingest.add_file`): pairs files (JSON, JSON Lines, CSV, TSV, Parquet,
  chat exports) become pairs; documents go to ``docs/`` as text (PDF, DOCX and HTML converted to Markdown);
  code goes to ``files/``; a ZIP archive is unpacked safely (:mod:`.archives`) and its contents ingested as
  an upload folder;
- a folder already copied into ``root`` (:meth:`Ingest.process_tree`): for an *upload* (a plain folder, an
  archive) every file is handled in place as above (a pairs file taken out of the folder, a document
  converted next to where it was, code and project files left as they are, files that hold credentials
  removed); for a *repository* (a git working tree or clone) only PDF, DOCX and HTML files are converted
  and nothing else is touched.

A table whose columns do not say which holds the questions and which the answers is recorded in
``unclear`` (the caller asks the user), or read with the best guess when ``unclear_columns`` is "guess".
Every problem with one file ends as that file's reason; nothing here raises for a bad file.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Literal

from .archives import ZipLimits, unpack
from .documents import convert, text_document
from .formats import (FileType, NotRecords, Unreadable, classify, is_secret_file, looks_binary, read_head,
                      refused_by_name)
from .models import InputKind, InputResult, InputStatus
from .records import Decision, Pair, as_text, infer, mapping_text, pairs_from_messages, pairs_from_records
from .tables import Table, read_table

DOCS_DIR = "docs"
FILES_DIR = "files"
TEXT_FORMATS = frozenset({"text", "markdown", "rst", "asciidoc", "org"})


@dataclass
class IngestOptions:
    columns: list[dict[str, str]] = field(default_factory=list)  # user mappings, tried in order
    unclear_columns: Literal["ask", "guess"] = "ask"
    max_file_bytes: int = 256 * 1024**2
    max_rows: int = 200_000  # per file
    zip_limits: ZipLimits = field(default_factory=ZipLimits)


@dataclass
class Unclear:
    """A table whose reading the user must choose."""

    path: str
    columns: list[str]
    guess: str
    alternative: str
    reason: str
    sample: dict[str, str]


class Ingest:
    def __init__(self, root: Path, opts: IngestOptions, progress: Callable[[int], None] | None = None) -> None:
        self.root = root
        self.opts = opts
        self.progress = progress
        self.pairs: list[Pair] = []
        self.inputs: list[InputResult] = []
        self.unclear: list[Unclear] = []
        self.documents = 0
        self.code_files = 0
        self.seen = 0

    # ------------------------------------------------------------------------------------------- bookkeeping

    def note(self, path: str, origin: str, kind: InputKind, fmt: str, status: InputStatus, reason: str | None = None,
             pairs: int = 0, placed: str | None = None, fixes: list[str] | None = None) -> None:
        self.inputs.append(InputResult(path=path, origin=origin, kind=kind, format=fmt, status=status, reason=reason,
                                       pairs=pairs, placed=placed, fixes=list(fixes or [])))

    def _tick(self) -> None:
        self.seen += 1
        if self.progress is not None and self.seen % 100 == 0:
            self.progress(self.seen)

    def place(self, folder: str, name: str) -> Path:
        """A free path ``root/folder/name`` (``name-2.ext``, ... when taken)."""
        base = self.root / folder
        base.mkdir(parents=True, exist_ok=True)
        target = base / name
        stem, suffix, n = target.stem, target.suffix, 2
        while target.exists():
            target = base / f"{stem}-{n}{suffix}"
            n += 1
        return target

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    # ------------------------------------------------------------------------------------------- entry points

    def add_file(self, path: Path, origin: str, shown: str | None = None, single: bool = False) -> None:
        """Ingest one file given on its own (``single``: the only source, so an archive fills the root)."""
        shown = shown or str(path)
        self._tick()
        try:
            ftype = classify(path) if is_secret_file(path.as_posix()) else classify(path, read_head(path))
            self._dispatch(path, ftype, shown, origin, in_place=False, depth=0, single=single)
        except Unreadable as exc:
            self.note(shown, origin, "other", path.suffix.lstrip(".") or "file", "skipped", str(exc))
        except OSError as exc:
            self.note(shown, origin, "other", path.suffix.lstrip(".") or "file", "skipped",
                      f"cannot be read ({exc.strerror or exc})")

    def process_tree(self, folder: Path, origin: str, upload: bool, depth: int = 0, prefix: str = "") -> None:
        """Handle every file of a folder inside ``root`` in place (see the module doc)."""
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = sorted(d for d in dirnames if d != ".git")
            for name in sorted(filenames):
                full = Path(dirpath, name)
                shown = prefix + full.relative_to(folder).as_posix()
                if not upload:
                    self._repository_file(full, shown, origin)
                    continue
                self._tick()
                fmt = full.suffix.lstrip(".") or "file"
                try:
                    if full.is_symlink():
                        self.note(shown, origin, "other", "link", "skipped", "a symbolic link (never followed)")
                        full.unlink()
                        continue
                    rel = full.relative_to(folder).as_posix()
                    if is_secret_file(rel):  # removed unread
                        full.unlink()
                        self.note(shown, origin, "other", "secret", "skipped", refused_by_name(rel))
                        continue
                    ftype = classify(full, read_head(full))
                    self._dispatch(full, ftype, shown, origin, in_place=True, depth=depth, single=False)
                except Unreadable as exc:
                    self.note(shown, origin, "other", fmt, "skipped", str(exc))
                except OSError as exc:
                    self.note(shown, origin, "other", fmt, "skipped", f"cannot be read ({exc.strerror or exc})")

    # ------------------------------------------------------------------------------------------- per kind

    def _repository_file(self, full: Path, shown: str, origin: str) -> None:
        """In a repository: count code and documents, convert PDF/DOCX/HTML; leave everything else."""
        if full.is_symlink():
            return
        ftype = classify(full)
        if ftype.family == "code":
            self.code_files += 1
        elif ftype.family == "document" and ftype.format in TEXT_FORMATS:
            self.documents += 1
        elif ftype.family == "document":
            self._tick()
            try:
                self._document(full, ftype.format, shown, origin, in_place=True)
            except (Unreadable, OSError) as exc:
                reason = str(exc) if isinstance(exc, Unreadable) else f"cannot be read ({exc})"
                self.note(shown, origin, "document", ftype.format, "skipped", reason)

    def _dispatch(self, path: Path, ftype: FileType, shown: str, origin: str, in_place: bool, depth: int,
                  single: bool) -> None:
        if ftype.family == "table":
            self._table(path, ftype.format, shown, origin, in_place)
        elif ftype.family == "document":
            self._document(path, ftype.format, shown, origin, in_place)
        elif ftype.family == "code":
            self._code(path, ftype.format, shown, origin, in_place)
        elif ftype.family == "archive":
            self._archive(path, shown, origin, in_place, depth, single)
        else:
            self.note(shown, origin, "other", ftype.format, "skipped", ftype.reason)

    def _code(self, path: Path, fmt: str, shown: str, origin: str, in_place: bool) -> None:
        if looks_binary(read_head(path)):
            raise Unreadable("binary content in a source file")
        if path.stat().st_size > self.opts.max_file_bytes:
            raise Unreadable(f"too large ({path.stat().st_size} bytes)")
        target = path if in_place else self.place(FILES_DIR, path.name)
        if not in_place:
            shutil.copyfile(path, target)
        self.code_files += 1
        self.note(shown, origin, "code", fmt, "used", placed=self.rel(target))

    def _document(self, path: Path, fmt: str, shown: str, origin: str, in_place: bool) -> None:
        if fmt in TEXT_FORMATS:
            text, fixes = text_document(path, self.opts.max_file_bytes)
            if in_place:
                target = path
                if fixes:
                    target.write_text(text, encoding="utf-8")
            else:
                target = self.place(DOCS_DIR, path.name)
                target.write_text(text, encoding="utf-8")
            self.documents += 1
            self.note(shown, origin, "document", fmt, "used", placed=self.rel(target), fixes=fixes)
            return
        markdown, notes = convert(path, fmt, path.stem.replace("_", " ").strip() or path.name, self.opts.max_file_bytes)
        if in_place:
            target = path.with_suffix(".md")
            if target.exists():
                target = path.with_name(path.name + ".md")
            target.write_text(markdown, encoding="utf-8")
            path.unlink()
        else:
            target = self.place(DOCS_DIR, path.stem + ".md")
            target.write_text(markdown, encoding="utf-8")
        self.documents += 1
        self.note(shown, origin, "document", fmt, "converted", f"converted to Markdown ({len(markdown)} characters)",
                  placed=self.rel(target), fixes=notes)

    def _archive(self, path: Path, shown: str, origin: str, in_place: bool, depth: int, single: bool) -> None:
        if depth > 0:
            raise Unreadable("an archive inside an archive (unpack it and upload its files)")
        if single and not in_place:
            dest = self.root
        else:
            dest = self.place("", path.stem) if not in_place else path.with_name(path.stem + "-unpacked")
            n = 2
            while dest.exists():
                dest = dest.with_name(f"{path.stem}-unpacked-{n}")
                n += 1
        dest.mkdir(parents=True, exist_ok=True)

        try:
            unpacked = unpack(path, dest, self.opts.zip_limits, refused_by_name)
        except Unreadable:
            if dest != self.root:
                shutil.rmtree(dest, ignore_errors=True)
            raise
        if in_place:
            path.unlink()
        self.note(shown, origin, "archive", "zip", "converted", f"unpacked {len(unpacked.files)} file(s)",
                  placed=self.rel(dest) if dest != self.root else "")
        for name, reason in unpacked.skipped:
            self.note(f"{shown}!{name}", origin, "other", Path(name).suffix.lstrip(".") or "file", "skipped", reason)
        inner = f"{shown}!{unpacked.top}/" if unpacked.top else f"{shown}!"  # entries named as in the archive
        self.process_tree(dest, origin, upload=True, depth=depth + 1, prefix=inner)

    # ------------------------------------------------------------------------------------------- tables

    def _table(self, path: Path, fmt: str, shown: str, origin: str, in_place: bool) -> None:
        try:
            table = read_table(path, fmt, self.opts.max_file_bytes, self.opts.max_rows)
        except NotRecords as exc:
            if not in_place:
                raise
            self.note(shown, origin, "data", fmt, "used", f"not question/answer pairs ({exc}): left as a project file",
                      placed=self.rel(path))
            return
        if table.conversations:
            pairs = [p for conv in table.conversations for p in pairs_from_messages(conv, shown)]
            if not pairs:
                raise Unreadable(f"a chat export ({table.format}) without an answered question")
            self.pairs.extend(pairs)
            if in_place:
                path.unlink()
            self.note(shown, origin, "pairs", table.format, "converted",
                      f"{len(table.conversations)} conversation(s) read as pairs", pairs=len(pairs), fixes=table.fixes)
            return
        decision = infer(table.columns, table.records, self.opts.columns)
        if decision.reading == "unclear":
            if self.opts.unclear_columns == "ask":
                self.unclear.append(Unclear(shown, table.columns, decision.guess or "", decision.alternative or "",
                                            decision.reason, _sample(table)))
                self.note(shown, origin, "pairs", table.format, "skipped",
                          f"unclear columns: {decision.reason}; the studio guesses {decision.guess}",
                          fixes=table.fixes)
                return
            decision = Decision("pairs", decision.mapping, "guess")
            table.fixes.append(f"columns unclear ({decision.reason or 'no names'}): guessed {mapping_text(decision.mapping)}")
        if decision.reading in ("pairs", "chat"):
            self._pairs(path, table, decision, shown, origin, in_place)
        elif decision.reading == "document":
            self._rows_document(path, table, decision, shown, origin, in_place)
        elif in_place:
            self.note(shown, origin, "data", table.format, "used",
                      f"not question/answer pairs ({decision.reason}): left as a project file", placed=self.rel(path))
        else:
            raise Unreadable(f"no question/answer pairs in it: {decision.reason}")

    def _pairs(self, path: Path, table: Table, decision: Decision, shown: str, origin: str, in_place: bool) -> None:
        dropped: dict[str, int] = {}
        pairs = list(pairs_from_records(table.records, decision, shown, dropped))
        fixes = table.fixes + [f"left out {n} record(s) {why}" for why, n in dropped.items()]
        if not pairs:
            raise Unreadable("no record with both a question and an answer" + (f" ({'; '.join(fixes)})" if fixes else ""))
        self.pairs.extend(pairs)
        if in_place:
            path.unlink()
        how = {"names": "by their names", "given": "as you mapped them", "content": "inferred from their content",
               "guess": "guessed"}.get(decision.how, decision.how)
        what = "chat messages" if decision.reading == "chat" else mapping_text(decision.mapping)
        status: InputStatus = "used" if table.format in ("jsonl", "json") and decision.how == "names" else "converted"
        self.note(shown, origin, "pairs", table.format, status, f"columns {what}, {how}", pairs=len(pairs), fixes=fixes)

    def _rows_document(self, path: Path, table: Table, decision: Decision, shown: str, origin: str,
                       in_place: bool) -> None:
        col = decision.mapping["text"]
        texts = [t for t in (as_text(r.get(col)) for r in table.records) if t]
        if not texts:
            raise Unreadable(f"the text column '{col}' is empty")
        body = f"# {path.stem}\n\n" + "\n\n".join(texts) + "\n"
        if in_place:
            target = path.with_suffix(".md")
            if target.exists():
                target = path.with_name(path.name + ".md")
            path.unlink()
        else:
            target = self.place(DOCS_DIR, path.stem + ".md")
        target.write_text(body, encoding="utf-8")
        self.documents += 1
        self.note(shown, origin, "document", table.format, "converted",
                  f"the text column '{col}' ({len(texts)} rows) placed as a document", placed=self.rel(target),
                  fixes=table.fixes)


def _sample(table: Table) -> dict[str, str]:
    first = table.records[0] if table.records else {}
    return {str(k): as_text(v)[:80] for k, v in list(first.items())[:12]}
