"""Reading the table family (CSV, TSV, Parquet, JSON, JSON Lines) as records, fixing what can be fixed and
saying so.

:func:`read_table` reads any of them: records (one dict per row or object) and their columns, or, for a
chat export, its conversations (:mod:`.chats`). CSV: the encoding is found (:func:`.formats.decode_text`), the separator sniffed (``,`` ``;`` tab ``|``),
empty or repeated header names replaced, rows with too few or too many fields padded or cut to the
header. Parquet is read in batches with pyarrow. Both stop at ``max_rows`` rows (said in the fixes).
"""

from __future__ import annotations

import csv
import io
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .chats import Shape
from .formats import NotRecords, Unreadable, decode_text, read_limited
from .jsonio import load_json_file

SNIFF_BYTES = 65536  # how much of a CSV file decides its separator


@dataclass
class Table:
    columns: list[str]
    records: list[dict[str, Any]]
    fixes: list[str] = field(default_factory=list)
    conversations: list[list[dict[str, Any]]] = field(default_factory=list)
    format: str = ""


def _header(names: list[str], fixes: list[str]) -> list[str]:
    out: list[str] = []
    renamed = 0
    for i, raw in enumerate(names):
        name = raw.strip().strip("\ufeff") or f"column_{i + 1}"
        base, n = name, 2
        while name in out:
            name = f"{base}_{n}"
            n += 1
        renamed += name != raw
        out.append(name)
    if renamed:
        fixes.append(f"cleaned {renamed} column name(s) (blank, repeated or padded)")
    return out


def _delimiter(text: str, fmt: str, fixes: list[str]) -> str:
    if fmt == "tsv":
        return "\t"
    sample = text[:SNIFF_BYTES]
    if len(sample) == SNIFF_BYTES and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    best, best_score = ",", 0.0
    for cand in ",;\t|":  # the separator that splits the header most and the rows like the header
        try:
            rows = [r for r in csv.reader(io.StringIO(sample), delimiter=cand) if r][:50]
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        same = sum(1 for r in rows if len(r) == len(rows[0])) / len(rows)
        score = same * len(rows[0])
        if score > best_score + 1e-9:
            best, best_score = cand, score
    found = best
    if found != ",":
        fixes.append(f"fields separated by {'a tab' if found == chr(9) else repr(found)}, not commas")
    return found


def read_csv(path: Path, fmt: str, max_bytes: int, max_rows: int) -> Table:
    text, fixes = decode_text(read_limited(path, max_bytes))
    if not text.strip():
        raise Unreadable("empty file")
    csv.field_size_limit(min(sys.maxsize, 1 << 28))
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text, fmt, fixes))
    try:
        first = next(reader, None)
        if first is None:
            raise Unreadable("empty file")
        columns = _header(first, fixes)
        records: list[dict[str, Any]] = []
        uneven = 0
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(columns):
                uneven += 1
                row = (row + [""] * len(columns))[: len(columns)]
            records.append(dict(zip(columns, row)))
            if len(records) >= max_rows:
                fixes.append(f"read the first {max_rows} rows only")
                break
    except csv.Error as exc:
        raise Unreadable(f"not a readable CSV file ({exc})") from None
    if uneven:
        fixes.append(f"{uneven} row(s) had a different number of fields than the header: padded or cut")
    if not records:
        raise Unreadable("a header but no rows")
    return Table(columns, records, fixes)


def read_parquet(path: Path, max_rows: int) -> Table:
    try:
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(path)
        columns = list(pf.schema_arrow.names)
        records: list[dict[str, Any]] = []
        fixes: list[str] = []
        for batch in pf.iter_batches(batch_size=2048):
            records.extend(batch.to_pylist())
            if len(records) >= max_rows:
                records = records[:max_rows]
                fixes.append(f"read the first {max_rows} rows only")
                break
    except ImportError:
        raise Unreadable("Parquet needs pyarrow, which is not installed") from None
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ... for a damaged file
        raise Unreadable(f"not a readable Parquet file ({type(exc).__name__}: {str(exc)[:160]})") from None
    if not records:
        raise Unreadable("a Parquet file without rows")
    return Table(columns, records, fixes)


def columns_of(records: list[Any], sample: int = 200) -> list[str]:
    """The keys of the first ``sample`` records, in the order they first appear."""
    seen: dict[str, None] = {}
    for rec in records[:sample]:
        if isinstance(rec, dict):
            for key in rec:
                seen.setdefault(str(key), None)
    return list(seen)


def read_table(path: Path, fmt: str, max_bytes: int, max_rows: int) -> Table:
    """Records (or conversations) of a CSV, TSV, Parquet, JSON or JSON Lines file; :class:`Unreadable` if none."""
    if fmt in ("csv", "tsv"):
        table = read_csv(path, fmt, max_bytes, max_rows)
    elif fmt == "parquet":
        table = read_parquet(path, max_rows)
    else:
        loaded = load_json_file(path, fmt, max_bytes)
        shape: Shape = loaded.shape
        if shape.conversations:
            return Table([], [], loaded.fixes, shape.conversations, shape.format)
        if shape.records is None:
            raise NotRecords(f"neither records nor a conversation: {shape.note}")
        records = [r for r in shape.records if isinstance(r, dict)]
        if len(records) < len(shape.records):
            loaded.fixes.append(f"left out {len(shape.records) - len(records)} item(s) that are not objects")
        if not records:
            raise NotRecords("no objects in it")
        if len(records) > max_rows:
            records = records[:max_rows]
            loaded.fixes.append(f"read the first {max_rows} records only")
        table = Table(columns_of(records), records, loaded.fixes, format=shape.format)
    table.format = table.format or fmt
    return table
