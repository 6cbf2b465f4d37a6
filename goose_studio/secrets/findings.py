"""What the detector reports: a :class:`Finding` per secret (its kind, where it is, a preview that does not
reveal it) and a :class:`Redacted` text with the findings that were replaced."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Finding:
    """One secret in a text: its kind, 1-based line, character offsets ``[start, end)`` and a preview.

    The preview shows at most a quarter of the value (never more than four characters) and its length,
    so a report can say what was found without carrying the secret itself.
    """

    kind: str
    line: int
    start: int
    end: int
    preview: str
    where: str = ""

    def as_dict(self) -> dict[str, object]:
        """The finding as JSON-ready fields (no value)."""
        return {"kind": self.kind, "line": self.line, "start": self.start, "end": self.end,
                "preview": self.preview, "where": self.where}


@dataclass(frozen=True)
class Redacted:
    """A text with every secret replaced by a placeholder, and the findings that were replaced."""

    text: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.findings)


def preview(value: str) -> str:
    """A stand-in for ``value`` in reports: its first characters (at most a quarter, at most four) and length."""
    shown = value[: min(4, len(value) // 4)]
    return f"{shown}…({len(value)} chars)"


def placeholder(kind: str) -> str:
    """The text that replaces a secret of ``kind`` in redacted output."""
    return f"<REDACTED:{kind}>"
