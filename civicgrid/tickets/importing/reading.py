"""Reading the file to import: CSV (UTF-8 with or without BOM, or GBK) or .xlsx, into numbered records.

Cells may hold line breaks; headers may be blank or repeated (a mapping then names the column by "@N").
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from civicgrid.core.refusal import Refusal

XLSX_MAGIC = b"PK\x03\x04"


class UnreadableSource(Refusal):
    """A file that cannot be read as a table."""


@dataclass(frozen=True)
class Record:
    row: int  # the row as a spreadsheet numbers it: the header is row 1 (blank rows counted)
    line: int  # the file's line where the record starts (differs from `row` after multi-line cells)
    cells: list[str]

    def where(self) -> str:
        if self.line and self.line != self.row:
            return f"第 {self.row} 行（文件第 {self.line} 行起）"
        return f"第 {self.row} 行"


@dataclass
class SourceTable:
    header: list[str]
    header_row: int
    records: Iterator[Record]
    encoding: str


def decode(data: bytes, encoding: str) -> tuple[str, str]:
    """The text and the encoding used: "utf-8" reads a BOM too; "gbk" reads GB18030, its superset."""
    if encoding in ("utf-8", "auto"):
        try:
            return data.decode("utf-8-sig"), "UTF-8"
        except UnicodeDecodeError as error:
            if encoding == "utf-8":
                line = data[: error.start].count(b"\n") + 1
                raise UnreadableSource(
                    f"文件不是 UTF-8 编码（第 {line} 行有无法识别的字节），"
                    '请在映射中改为 encoding = "gbk" 或 "auto"'
                ) from None
    try:
        return data.decode("gb18030"), "GBK"
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        if encoding == "gbk":
            raise UnreadableSource(
                f'文件不是 GBK 编码（第 {line} 行有无法识别的字节），请在映射中改为 encoding = "utf-8" 或 "auto"'
            ) from None
        raise UnreadableSource(
            f"无法识别文件编码（第 {line} 行），请另存为 UTF-8 或 GBK 编码的 CSV"
        ) from None


def read_source(path, encoding: str = "auto") -> SourceTable:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError:
        raise UnreadableSource(f"无法打开文件「{path}」") from None
    if not data.strip():
        raise UnreadableSource(f"文件「{path.name}」是空的")
    if data[:4] == XLSX_MAGIC:
        rows = _xlsx_rows(data)
        used = "xlsx"
    else:
        text, used = decode(data, encoding)
        if "\x00" in text:
            raise UnreadableSource(f"「{path.name}」不是 CSV 或 .xlsx 文件")
        rows = _csv_rows(text)
    for record in rows:
        if any(cell.strip() for cell in record.cells):
            header = [cell.strip() for cell in record.cells]
            return SourceTable(header=header, header_row=record.row, records=_data(rows), encoding=used)
    raise UnreadableSource(f"文件「{path.name}」中没有表头和数据")


def _data(rows: Iterator[Record]) -> Iterator[Record]:
    for record in rows:
        if any(cell.strip() for cell in record.cells):
            yield record


def _csv_rows(text: str) -> Iterator[Record]:
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", "\t", ";"), key=first.count)
    if first.count(delimiter) == 0:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    row, last_line = 0, 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise UnreadableSource(
                f"CSV 文件第 {last_line + 1} 行起格式有误（如引号未闭合），请检查后重试"
            ) from None
        row += 1
        yield Record(row=row, line=last_line + 1, cells=cells)
        last_line = reader.line_num


def _xlsx_rows(data: bytes) -> Iterator[Record]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
    except Exception:  # a bad zip or part: openpyxl's error types vary
        raise UnreadableSource("无法读取该 Excel 文件，可能已损坏或加密，请另存为 .xlsx 后重试") from None
    try:
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield Record(row=number, line=0, cells=[_cell(v) for v in values])
    finally:
        book.close()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def column_index(header: list[str], spec: str) -> int | str:
    """The 0-based column for a header or "@N", or the reason (Chinese) it cannot be used."""
    if spec.startswith("@") and spec[1:].isdigit():
        n = int(spec[1:])
        if n > len(header):
            return f"列号「{spec}」超出了表头的 {len(header)} 列"
        return n - 1
    exact = [i for i, h in enumerate(header) if h == spec]
    found = exact or [i for i, h in enumerate(header) if h.casefold() == spec.casefold()]
    if not found:
        return f"表头中没有「{spec}」"
    if len(found) > 1:
        where = "、".join(f"@{i + 1}" for i in found)
        return f'表头「{spec}」出现了 {len(found)} 次（{where}），请改用列号，如 "@{found[0] + 1}"'
    return found[0]
