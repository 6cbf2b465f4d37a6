"""The five validation gates: how long they take on a core of the embedded model, and how well V2 blocks
planted secrets.

Usage::

    python benchmarks/gates.py [--repeat N] [--json]

Figures printed:
  (a) time of each gate (V1 schema, V2 security, V3 eval, V4 portable with the load in a fresh process,
      V5 quality) and of the whole validation, on a signed core of the embedded model (SmolLM2-135M with a
      LoRA on q_proj/v_proj), best and worst of ``--repeat`` runs; target: all five in 30 s or less;
  (b) the secrets block rate: every sample of the planted-secrets corpus (``tests/secrets/secrets_helpers``:
      the kinds of keys and tokens in seven syntaxes, and the same credentials in other contexts) written
      into a core's README.md, the core re-hashed and re-signed so that only the secret is wrong; blocked
      when V2 fails on its ``secrets`` check (target: 100%, and at least 20 kinds);
  (c) false positives: the project's own sample data (the example repository's files, README.md,
      ARCHITECTURE.md) planted the same way; a false positive is a core V2 refuses (target: 0).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "secrets"))
sys.path.insert(0, str(ROOT / "tests" / "tools" / "package"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from goose_studio.tools import package as pkg  # noqa: E402
from goose_studio.tools.package.signing import signature_document, workspace_key  # noqa: E402
from package_helpers import embedded_args, embedded_inputs  # noqa: E402
from secrets_helpers import corpus, in_context  # noqa: E402

EXAMPLE = ROOT / "goose_studio" / "examples" / "minitask"


def planted(src: Path, dest: Path, text: str, signer_root: Path) -> Path:
    """``src`` with ``text`` appended to its README.md, re-hashed and re-signed: only the text can fail V2."""
    with zipfile.ZipFile(src) as zf:
        members = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    members[pkg.README] = members[pkg.README] + b"\n\n" + text.encode("utf-8") + b"\n"
    prov = json.loads(members[pkg.PROVENANCE])
    prov["files"] = {n: hashlib.sha256(b).hexdigest() for n, b in members.items()
                     if n not in (pkg.PROVENANCE, pkg.SIGNATURE)}
    members[pkg.PROVENANCE] = json.dumps(prov).encode()
    members[pkg.SIGNATURE] = json.dumps(signature_document(workspace_key(signer_root), members[pkg.MANIFEST],
                                                           members[pkg.PROVENANCE])).encode()
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return dest


def refused_for_secrets(core: Path, signer_root: Path) -> tuple[bool, bool]:
    """(V2 failed, V2 failed on its secrets check) with the load off: the gates a secret can trip."""
    report = pkg.validate_package(core, check_load=False, workspace_root=signer_root)
    gate = report.gate("security")
    return bool(gate and gate.ok is False), report.check("secrets").ok is False


def gate_times(core: Path, e: dict, repeat: int) -> list[dict]:
    runs = []
    for _ in range(repeat):
        report = pkg.validate_package(core, model_cache=e["cache"], workspace_root=e["signing_root"])
        runs.append({"ok": report.ok, "total_s": report.duration_s, "statuses": [g.status for g in report.gates],
                     **{g.id: g.duration_s for g in report.gates}})
    return runs


def sample_texts() -> list[tuple[str, str]]:
    files = [p for p in sorted(EXAMPLE.rglob("*")) if p.is_file() and "__pycache__" not in p.parts]
    files += [ROOT / "README.md", ROOT / "ARCHITECTURE.md"]
    out = []
    for path in files:
        try:
            out.append((str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")))
        except (UnicodeDecodeError, OSError):
            continue
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gates-bench-") as tmp:
        root = Path(tmp)
        t0 = time.monotonic()
        e = embedded_inputs(root)
        e["signing_root"] = root / "ws"
        core = Path(pkg.build_package(embedded_args(e, root / "cores"), workspace_root=e["signing_root"],
                                      model_cache=e["cache"]).path)
        build_s = time.monotonic() - t0
        runs = gate_times(core, e, args.repeat)
        samples = corpus() + in_context()
        blocked, on_secrets, missed, kinds = 0, 0, [], set()
        for i, s in enumerate(samples):
            kinds.add(s.kind)
            failed, secrets = refused_for_secrets(planted(core, root / f"s{i}.gcpkg", s.text, e["signing_root"]),
                                                  e["signing_root"])
            blocked += failed
            on_secrets += secrets
            if not secrets:
                missed.append(f"{s.kind}/{s.syntax}")
        false_pos = []
        texts = sample_texts()
        for i, (name, text) in enumerate(texts):
            failed, _ = refused_for_secrets(planted(core, root / f"n{i}.gcpkg", text, e["signing_root"]),
                                            e["signing_root"])
            if failed:
                false_pos.append(name)
    result = {"build_s": round(build_s, 1), "gate_runs": runs,
              "secrets": {"samples": len(samples), "kinds": len(kinds), "blocked": blocked,
                          "blocked_on_secrets": on_secrets, "rate": on_secrets / len(samples), "missed": missed},
              "false_positives": {"texts": len(texts), "refused": false_pos}}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"core of the embedded model built in {build_s:.1f} s")
    for i, r in enumerate(runs, 1):
        parts = "  ".join(f"{g} {r[g]:.2f}s" for g in ("V1", "V2", "V3", "V4", "V5"))
        print(f"(a) run {i}: five gates {r['total_s']:.1f} s  ({parts})  {'/'.join(r['statuses'])}")
    totals = [r["total_s"] for r in runs]
    print(f"    best {min(totals):.1f} s, worst {max(totals):.1f} s (target <= 30 s)")
    sec = result["secrets"]
    print(f"(b) secrets blocked by V2: {sec['blocked_on_secrets']}/{sec['samples']} samples "
          f"({100 * sec['rate']:.1f}%), {sec['kinds']} kinds" + (f"; missed: {', '.join(missed)}" if missed else ""))
    print(f"(c) false positives on the project's sample data: {len(false_pos)} of {len(texts)} texts"
          + (f" ({', '.join(false_pos)})" if false_pos else ""))


if __name__ == "__main__":
    main()
