"""Evaluation mode on a file: read a CSV of requests (no import, no database) into engine records."""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from civicgrid.core.refusal import Refusal
from civicgrid.hotspots.engine import Record

_TIME_PATTERNS = [
    # YYYY-MM-DD or YYYY/MM/DD (one-digit months and days too), optional H:MM[:SS]
    (
        re.compile(
            r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ tT]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?$"
        ),
        (1, 2, 3),
    ),
    # MM/DD/YYYY, optional time
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$"), (3, 1, 2)),
    # YYYY年M月D日, optional time
    (
        re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日(?:\s*(\d{1,2})[:：时](\d{2})(?:[:：分](\d{2})秒?)?)?$"),
        (1, 2, 3),
    ),
]


def parse_time(text: str) -> datetime | None:
    """The formats a 12345 export uses; None when the text is none of them (or not a real date)."""
    text = (text or "").strip()
    for pattern, (y, m, d) in _TIME_PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        groups = match.groups()
        try:
            return datetime(
                int(groups[y - 1]),
                int(groups[m - 1]),
                int(groups[d - 1]),
                int(groups[3] or 0),
                int(groups[4] or 0),
                int(groups[5] or 0),
            )
        except ValueError:
            return None
    return None


def decode(data: bytes) -> str:
    """UTF-8 with or without BOM, else GB18030 (a superset of GBK)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030")


class ColumnRefused(Refusal):
    pass


def column_index(spec: str, header: list[str]) -> int:
    """A header name or `@N` (1-based) to a 0-based column index."""
    spec = (spec or "").strip()
    if re.fullmatch(r"@\d+", spec):
        n = int(spec[1:])
        if not 1 <= n <= len(header):
            raise ColumnRefused(f"列「{spec}」超出范围：文件共 {len(header)} 列")
        return n - 1
    names = [h.strip().lstrip("\ufeff") for h in header]
    if spec in names:
        return names.index(spec)
    raise ColumnRefused(f"文件中没有名为「{spec}」的列（现有：{'、'.join(names)}）")


@dataclass
class FileRecords:
    records: list[Record]
    rows: int
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (record index, why)


def read_records(path, *, text_cols: list[str], time_col: str, place_col: str | None = None) -> FileRecords:
    """Every data record of the file, in order; a record whose time cannot be read is left out (its index kept)."""
    text = decode(Path(path).read_bytes())
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return FileRecords([], 0)
    text_idx = [column_index(c, header) for c in text_cols]
    time_idx = column_index(time_col, header)
    place_idx = column_index(place_col, header) if place_col else None
    out = FileRecords([], 0)
    for index, row in enumerate(reader):
        out.rows += 1
        if not any(cell.strip() for cell in row):
            out.skipped.append((index, "空行"))
            continue

        def cell(i, row=row):
            return row[i] if i is not None and i < len(row) else ""

        when = parse_time(cell(time_idx))
        if when is None:
            out.skipped.append((index, f"时间「{cell(time_idx).strip()[:30]}」无法识别"))
            continue
        body = "。".join(cell(i).strip() for i in text_idx if cell(i).strip())
        out.records.append(
            Record(
                ref=index,
                text=body,
                time=when,
                place=cell(place_idx).strip(),
                title=cell(text_idx[0]).strip()[:60],
            )
        )
    return out
