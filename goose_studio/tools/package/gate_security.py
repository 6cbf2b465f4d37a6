"""Gate V2, security: sane paths (no absolute or ``..`` names, links, encrypted members or zip bombs), no
secrets in any text member (:mod:`goose_studio.secrets`), weights as safetensors only (no pickles, no
archives or other binary formats), no executables or scripts, and a signature that verifies.

Checks: ``paths``, ``secrets``, ``weights_format``, ``executables``, ``signature``.
"""

from __future__ import annotations

import json
import re
import stat
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from .format import (
    BINARY_FILES,
    IMAGE_FILES,
    MANIFEST,
    MAX_ENTRIES,
    MAX_TEXT_SCAN_BYTES,
    MAX_TOTAL_UNCOMPRESSED,
    PROVENANCE,
    READ_ERRORS,
    SIGNATURE,
    read_member,
)
from .report import Checks
from .secrets import find_secrets
from .signing import Signer, verify

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_RATIO = 2000  # uncompressed/compressed size beyond which a large member is treated as a zip bomb
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".joblib", ".npy", ".npz", ".h5", ".msgpack")
EXEC_SUFFIXES = (".exe", ".dll", ".so", ".dylib", ".sh", ".bash", ".bat", ".cmd", ".ps1", ".py", ".pyc", ".js",
                 ".jar", ".app")
EXEC_MAGIC = {b"\x7fELF": "an ELF executable", b"MZ": "a Windows executable", b"\xcf\xfa\xed\xfe": "a Mach-O binary",
              b"\xce\xfa\xed\xfe": "a Mach-O binary", b"\xca\xfe\xba\xbe": "a Mach-O/Java binary",
              b"\x00asm": "a WebAssembly module", b"#!": "a script (shebang)"}
SIGN_HINT = ("Rebuild the core from its run (`goose-studio learn ... --resume`, or the package tool) so the "
             "workspace key signs it again; never edit a signed core by hand.")


def unsafe_name(name: str) -> str | None:
    """Why a member name is unsafe to extract, or None if it is fine."""
    if not name:
        return "empty name"
    if "\\" in name:
        return "backslash in path"
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "absolute path"
    if ".." in PurePosixPath(name).parts:
        return "'..' in path"
    if "\x00" in name or any(ord(c) < 32 for c in name):
        return "control character in name"
    return None


def check_paths(zf: zipfile.ZipFile, checks: Checks) -> bool:
    """Names, links, encryption and size bounds; True when the members are safe to read."""
    infos = zf.infolist()
    problems: list[str] = []
    if len(infos) > MAX_ENTRIES:
        problems.append(f"{len(infos)} entries (at most {MAX_ENTRIES})")
    for info in infos:
        why = unsafe_name(info.filename)
        if why:
            problems.append(f"unsafe entry {info.filename!r}: {why}")
        mode = info.external_attr >> 16
        if info.create_system == 3 and stat.S_ISLNK(mode):
            problems.append(f"{info.filename}: a symbolic link")
        if info.flag_bits & 0x1:
            problems.append(f"{info.filename}: encrypted")
        if info.file_size > 64 * 1024**2 and info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
            problems.append(f"{info.filename}: compression ratio {info.file_size // info.compress_size}:1 (zip bomb)")
    total = sum(i.file_size for i in infos)
    if total > MAX_TOTAL_UNCOMPRESSED:
        problems.append(f"uncompressed size {total} bytes exceeds the bound of {MAX_TOTAL_UNCOMPRESSED}")
    if problems:
        checks.set("paths", False, "; ".join(problems[:10]),
                   hint="Do not unpack or use this file: it was not made by the studio. Rebuild the core.")
        return False
    checks.set("paths", True, f"{len(infos)} entries with plain relative names, {total} bytes uncompressed")
    return True


def _head(zf: zipfile.ZipFile, name: str, n: int = 16) -> bytes:
    with zf.open(name) as fh:
        return fh.read(n)


def _safetensors_header(zf: zipfile.ZipFile, name: str) -> str | None:
    """Why a member is not a safetensors file, or None when its header parses."""
    try:
        with zf.open(name) as fh:
            size = int.from_bytes(fh.read(8), "little")
            if size <= 1 or size > 100 * 1024**2:
                return f"header length {size} is not plausible"
            header = json.loads(fh.read(size).decode("utf-8"))
    except (ValueError, UnicodeDecodeError, *READ_ERRORS) as exc:
        return f"header does not parse ({type(exc).__name__})"
    if not isinstance(header, dict) or not all(isinstance(v, dict) and "dtype" in v for k, v in header.items()
                                               if k != "__metadata__"):
        return "header is not a safetensors tensor table"
    return None


def check_contents(zf: zipfile.ZipFile, checks: Checks) -> dict[str, str]:
    """Secrets in text members, weights format and executables. Returns the text members read (name -> text)."""
    texts: dict[str, str] = {}
    secret_hits: list[str] = []
    pickles: list[str] = []
    executables: list[str] = []
    unreadable: list[str] = []
    for info in zf.infolist():
        name = info.filename
        if name.endswith("/"):
            continue
        lower = name.lower()
        mode = info.external_attr >> 16
        if info.create_system == 3 and mode & 0o111 and not stat.S_ISDIR(mode):
            executables.append(f"{name} (executable permission bits)")
        try:
            head = _head(zf, name)
        except READ_ERRORS as exc:
            unreadable.append(f"{name} ({exc})")
            continue
        for magic, what in EXEC_MAGIC.items():
            if head.startswith(magic) and (magic != b"MZ" or not lower.endswith((".md", ".json", ".jsonl", ".yaml"))):
                executables.append(f"{name} ({what})")
                break
        if lower.endswith(EXEC_SUFFIXES) and name not in BINARY_FILES:
            executables.append(f"{name} (an executable or script file name)")
        if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
            pickles.append(f"{name} (a Python pickle)")
        elif head.startswith(b"PK\x03\x04"):
            pickles.append(f"{name} (an archive inside the core, as torch .pt/.bin checkpoints are)")
        elif head.startswith(b"\x93NUMPY"):
            pickles.append(f"{name} (a NumPy array file, which may hold pickles)")
        elif lower.endswith(PICKLE_SUFFIXES):
            pickles.append(f"{name} (a pickle-capable weights format)")
        if name in IMAGE_FILES:
            if not head.startswith(PNG_MAGIC):
                pickles.append(f"{name} is not a PNG image")
            continue
        if name in BINARY_FILES or lower.endswith(".safetensors"):
            why = _safetensors_header(zf, name)
            if why:
                pickles.append(f"{name} is not safetensors: {why}")
            continue
        try:
            data = read_member(zf, name, MAX_TEXT_SCAN_BYTES)
        except READ_ERRORS as exc:
            unreadable.append(f"{name} ({exc})")
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pickles.append(f"{name} (binary data where a text file belongs)")
            text = data.decode("utf-8", errors="replace")
        texts[name] = text
        if name == SIGNATURE:
            continue  # a public key and a signature: high entropy by design, checked by check_signature
        for kind, redacted in find_secrets(text, where=name):
            secret_hits.append(f"{name}: {kind} {redacted}")
    if secret_hits:
        hits = list(dict.fromkeys(secret_hits))
        checks.set("secrets", False, "secret-looking strings found: " + "; ".join(hits[:10])
                   + (f"; and {len(hits) - 10} more" if len(hits) > 10 else ""),
                   hint="Remove the secret from the source (and rotate it: treat it as leaked), then learn again; "
                        "a core never ships with a secret in it.")
    elif unreadable:
        checks.set("secrets", False, "could not scan: " + "; ".join(unreadable), hint="Rebuild the core.")
    else:
        checks.set("secrets", True, f"no secret-looking strings in {len(texts)} text members")
    if pickles:
        checks.set("weights_format", False, "; ".join(pickles[:10]),
                   hint="A core carries weights as safetensors only; pickled weights can run code when loaded. "
                        "Re-export the adapter with safe_serialization (PEFT's default) and rebuild the core.")
    else:
        checks.set("weights_format", True, "weights are safetensors; no pickles or other binary formats")
    if executables:
        checks.set("executables", False, "; ".join(executables[:10]),
                   hint="A core holds data only; remove executables and scripts and rebuild it.")
    else:
        checks.set("executables", True, "no executables or scripts")
    return texts


def check_signature(zf: zipfile.ZipFile, checks: Checks, root: Path | None, strict: bool) -> Signer | None:
    """``SIGNATURE.json`` over manifest.json and PROVENANCE.json; returns the signer when the key reads."""
    names = {i.filename for i in zf.infolist()}
    if SIGNATURE not in names:
        checks.set("signature", False, "the core is not signed (no SIGNATURE.json)", hint=SIGN_HINT)
        return None
    try:
        document: Any = json.loads(read_member(zf, SIGNATURE, 64 * 1024).decode("utf-8"))
        manifest = read_member(zf, MANIFEST, MAX_TEXT_SCAN_BYTES) if MANIFEST in names else b""
        provenance = read_member(zf, PROVENANCE, MAX_TEXT_SCAN_BYTES) if PROVENANCE in names else b""
    except (json.JSONDecodeError, UnicodeDecodeError, *READ_ERRORS) as exc:
        checks.set("signature", False, f"SIGNATURE.json does not read ({type(exc).__name__})", hint=SIGN_HINT)
        return None
    ok, detail, signer = verify(document, manifest, provenance, root)
    if ok and strict and signer is not None and not signer.trusted:
        ok, detail = False, detail + "; strict validation needs a trusted signer"
        checks.set("signature", False, detail, hint="Add the signer's public key to the workspace's keys/trusted/ "
                                                      "folder if you trust it.")
        return signer
    checks.set("signature", ok, detail, hint="" if ok else SIGN_HINT)
    return signer


def run_security_gate(zf: zipfile.ZipFile, checks: Checks, root: Path | None, strict: bool
                      ) -> tuple[bool, Signer | None]:
    """All of V2; returns whether the members were safe to read and the signer."""
    safe = check_paths(zf, checks)
    if not safe:
        for name in ("secrets", "weights_format", "executables"):
            checks.set(name, None, "not run: the zip has unsafe or oversized entries")
    else:
        check_contents(zf, checks)
    signer = check_signature(zf, checks, root, strict)
    return safe, signer
