"""A Hugging Face dataset as a source: its rows loaded (:mod:`.hfdata`), read as pairs or as a document
(:mod:`.records`), filtered by length and language, exact repeats removed, and categories balanced
(:mod:`.filters`), with every step counted in the dataset's input result.
"""

from __future__ import annotations

from dataclasses import dataclass

from .filters import balance, by_language, by_length, dedupe
from .hfdata import HubRef, load_rows
from .ingest import DOCS_DIR, Ingest, Unclear
from .records import Decision, as_text, infer, mapping_text, pairs_from_records

SCAN_FACTOR = 4  # rows read per pair wanted, so that filters and balance have room
MAX_SCAN = 200_000


@dataclass
class DatasetFilters:
    max_rows: int = 5000
    min_chars: int = 2
    max_chars: int = 20_000
    language: str | None = None


def add_dataset(ing: Ingest, ref: HubRef, origin: str, filters: DatasetFilters) -> int:
    """Ingest the dataset ``ref`` names; returns the pairs it gave. Raises ``ToolFailure`` when it cannot be read."""
    rows = load_rows(ref, min(MAX_SCAN, filters.max_rows * SCAN_FACTOR))
    shown = ref.shown + (f" ({ref.config})" if ref.config else "") + f" [{ref.split}]"
    if not rows.records:
        ing.note(shown, origin, "dataset", "hf-dataset", "skipped", f"no rows in split '{ref.split}'", fixes=rows.notes)
        return 0
    decision = infer(rows.columns, rows.records, ing.opts.columns)
    fixes = [f"read from {rows.where}", *rows.notes]
    if decision.reading == "unclear":
        if ing.opts.unclear_columns == "ask":
            first = rows.records[0]
            ing.unclear.append(Unclear(shown, rows.columns, decision.guess or "", decision.alternative or "",
                                       decision.reason, {str(k): as_text(v)[:80] for k, v in list(first.items())[:12]}))
            ing.note(shown, origin, "dataset", "hf-dataset", "skipped", f"unclear columns: {decision.reason}", fixes=fixes)
            return 0
        decision = Decision("pairs", decision.mapping, "guess")
        fixes.append(f"columns unclear: guessed {mapping_text(decision.mapping)}")
    if decision.reading == "document":
        return _as_document(ing, rows.records, decision, ref, shown, origin, filters, fixes)
    if decision.reading == "none":
        ing.note(shown, origin, "dataset", "hf-dataset", "skipped", f"no question/answer columns: {decision.reason}",
                 fixes=fixes)
        return 0
    dropped: dict[str, int] = {}
    pairs = list(pairs_from_records(rows.records, decision, shown, dropped))
    fixes += [f"left out {n} row(s) {why}" for why, n in dropped.items()]
    pairs, short = by_length(pairs, filters.min_chars, filters.max_chars)
    pairs, foreign = by_language(pairs, filters.language)
    pairs, repeats = dedupe(pairs)
    pairs, per_category = balance(pairs, filters.max_rows)
    for n, what in ((short, f"outside the length limits ({filters.min_chars}-{filters.max_chars} characters)"),
                    (foreign, f"not in language '{filters.language}'"), (repeats, "exact repeats")):
        if n:
            fixes.append(f"filtered out {n} pair(s) {what}")
    if len(per_category) > 1:
        fixes.append("categories balanced: " + ", ".join(f"{k or '(none)'} {v}" for k, v in sorted(per_category.items())))
    if not pairs:
        ing.note(shown, origin, "dataset", "hf-dataset", "skipped", "no pair left after the filters", fixes=fixes)
        return 0
    ing.pairs.extend(pairs)
    what = "chat messages" if decision.reading == "chat" else mapping_text(decision.mapping)
    ing.note(shown, origin, "dataset", "hf-dataset", "converted", f"columns {what} ({decision.how})",
             pairs=len(pairs), fixes=fixes)
    return len(pairs)


def _as_document(ing: Ingest, records: list[dict], decision: Decision, ref: HubRef, shown: str, origin: str,
                 filters: DatasetFilters, fixes: list[str]) -> int:
    col = decision.mapping["text"]
    texts = [t for t in (as_text(r.get(col)) for r in records[: filters.max_rows]) if len(t) >= filters.min_chars]
    if not texts:
        ing.note(shown, origin, "dataset", "hf-dataset", "skipped", f"the text column '{col}' is empty", fixes=fixes)
        return 0
    name = (ref.local.name if ref.local else ref.repo_id.replace("/", "__")) + ".md"
    target = ing.place(DOCS_DIR, name)
    target.write_text(f"# {ref.local.name if ref.local else ref.repo_id}\n\n" + "\n\n".join(texts) + "\n",
                      encoding="utf-8")
    ing.documents += 1
    ing.note(shown, origin, "dataset", "hf-dataset", "converted",
             f"the text column '{col}' ({len(texts)} rows) placed as a document", placed=ing.rel(target), fixes=fixes)
    return 0
