"""What validating a core reports: each check (:class:`CheckResult`), the five gates they roll up into
(:class:`GateResult`), and the whole :class:`ValidateReport`; :class:`Checks` collects results as the gates
run, so no check ever raises.

A gate fails when one of its checks fails; it is skipped when none failed and none ran (ok=None); its fix
is the hint of its first failed check.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from .format import CHECK_NAMES, GATE_CHECKS, GATES
from .signing import Signer


class CheckResult(BaseModel):
    name: str
    ok: bool | None  # None: skipped, not a failure
    detail: str = ""
    hint: str = ""
    gate: str = Field("", description="The gate the check belongs to (schema, security, eval, portable, quality).")


class GateResult(BaseModel):
    """One of the five gates: V1 schema, V2 security, V3 eval, V4 portable, V5 quality."""

    id: str = Field(description="V1 to V5.")
    name: str
    title: str = Field(description="What passing the gate means.")
    ok: bool | None = Field(description="True passed, False failed, None not run (skipped).")
    status: str = Field(description="passed, failed or skipped.")
    detail: str = ""
    fix: str = Field("", description="What to do about a failed gate.")
    checks: list[str] = Field(default_factory=list, description="The gate's checks, in order.")
    duration_s: float = 0.0


class ValidateReport(BaseModel):
    ok: bool
    path: str
    checks: list[CheckResult] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)
    gates: list[GateResult] = Field(default_factory=list, description="The five gates, V1 to V5.")
    signer: Signer | None = Field(None, description="Who signed the core (public key and fingerprint).")
    duration_s: float = 0.0

    def check(self, name: str) -> CheckResult | None:
        return next((c for c in self.checks if c.name == name), None)

    def gate(self, name_or_id: str) -> GateResult | None:
        return next((g for g in self.gates if name_or_id in (g.name, g.id)), None)

    def failed_gates(self) -> list[str]:
        return [g.name for g in self.gates if g.ok is False]


_GATE_OF = {check: gate for gate, checks in GATE_CHECKS.items() for check in checks}


class Checks:
    """The results recorded so far, by check name; a later result for the same name replaces the earlier."""

    def __init__(self) -> None:
        self.results: dict[str, CheckResult] = {}
        self.durations: dict[str, float] = {}

    def set(self, name: str, ok: bool | None, detail: str = "", hint: str = "") -> None:
        self.results[name] = CheckResult(name=name, ok=ok, detail=detail, hint=hint, gate=_GATE_OF.get(name, ""))

    def ok(self, name: str) -> bool | None:
        result = self.results.get(name)
        return None if result is None else result.ok

    def skip_rest(self, reason: str) -> None:
        """Mark every check of :data:`CHECK_NAMES` that has no result yet as not run, for ``reason``."""
        for name in CHECK_NAMES:
            if name not in self.results:
                self.set(name, None, f"not run: {reason}")

    def gates(self) -> list[GateResult]:
        """The five gates from the checks recorded."""
        out = []
        for gate_id, name, title in GATES:
            results = [self.results[c] for c in GATE_CHECKS[name] if c in self.results]
            failed = [r for r in results if r.ok is False]
            ran = [r for r in results if r.ok is True]
            if failed:
                ok, status = False, "failed"
                detail = "; ".join(f"{r.name}: {r.detail}" for r in failed)
                fix = next((r.hint for r in failed if r.hint), "")
            elif ran:
                ok, status = True, "passed"
                detail = "; ".join(r.detail for r in ran if r.detail)
                skipped = [r.name for r in results if r.ok is None]
                if skipped:
                    detail += f" (not run: {', '.join(skipped)})"
                fix = ""
            else:
                ok, status = None, "skipped"
                detail = "; ".join(r.detail for r in results if r.detail) or "not run"
                fix = next((r.hint for r in results if r.hint), "")
            out.append(GateResult(id=gate_id, name=name, title=title, ok=ok, status=status, detail=detail, fix=fix,
                                  checks=list(GATE_CHECKS[name]),
                                  duration_s=round(self.durations.get(name, 0.0), 3)))
        return out
