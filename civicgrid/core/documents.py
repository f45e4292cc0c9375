"""The one place that writes Excel and Word files and reads uploaded tables, in the house style.

Excel: a title row (方正小标宋简体) merged across the columns, a line with scope, period and 生成时间, a frozen
bold header, a number format per column. Rows are streamed (openpyxl write-only mode), so 100,000 rows
fit in little memory. Word: an A4 page with GB/T 9704 margins, the title in 方正小标宋简体 and the body in
仿宋_GB2312, named as East Asian fonts (w:eastAsia) so Word does not fall back to a Latin font.
Reading: .xlsx or .csv (UTF-8 with or without BOM, GBK/GB18030, UTF-16), cells trimmed, dates as
YYYY-MM-DD; anything unreadable is an `UnreadableFile` refusal with a message for people.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from civicgrid.core.refusal import Refusal

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"  # GB/T 9704: 一级标题黑体, 二级标题楷体_GB2312
SUBHEADING_FONT = "楷体_GB2312"
SHEET_FONT = "宋体"  # the header row: a screen font every Chinese Office has

# Number formats for `Column.number_format`.
TEXT = "@"
INTEGER = "0"
THOUSANDS = "#,##0"
DECIMAL = "0.00"
ONE_DECIMAL = "0.0"
PERCENT = "0.0%"
DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm"
GENERAL = "General"

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXCEL_MAX_ROWS = 1_048_576
HEADER_ROW = 3  # title, subtitle, header

_DEFAULT_WIDTHS = {
    INTEGER: 10,
    THOUSANDS: 12,
    DECIMAL: 12,
    ONE_DECIMAL: 10,
    PERCENT: 10,
    DATE: 12,
    DATETIME: 17,
}
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


class UnreadableFile(Refusal):
    """An uploaded table that cannot be read; the message says what to do instead."""


# ---------------------------------------------------------------------------------------------- Excel


@dataclass(frozen=True)
class Column:
    """One column: its Chinese header, where its value comes from, its width (in Excel's character
    units, a Chinese character counting two) and number format."""

    title: str
    # A dict key or attribute path ("lead_unit.name"), an index into a tuple row, or a getter.
    key: str | int | Callable[[Any], Any]
    width: float | None = None
    number_format: str = GENERAL

    def value(self, row) -> Any:
        if callable(self.key):
            return self.key(row)
        if isinstance(self.key, int):
            return row[self.key]
        value = row
        for part in self.key.split("."):
            if value is None:
                return None
            value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
        return value

    @property
    def excel_width(self) -> float:
        if self.width:
            return self.width
        return max(display_width(self.title) + 4, _DEFAULT_WIDTHS.get(self.number_format, 12))


@dataclass
class Sheet:
    """One worksheet of a workbook: the title row, scope and period line, header and rows."""

    title: str
    columns: Sequence[Column]
    rows: Iterable[Any]
    scope: str = ""
    period: str = ""
    name: str = ""  # the tab; defaults to the title
    note: str = ""  # one more line under the table, e.g. that the export was capped


def display_width(text: str) -> int:
    """How many Latin-character widths `text` takes: East Asian characters count two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in str(text))


def workbook(
    title: str,
    scope: str,
    period: str,
    columns: Sequence[Column],
    rows: Iterable[Any],
    *,
    sheet_name: str = "",
    note: str = "",
    more_sheets: Sequence[Sheet] = (),
    now: datetime | None = None,
) -> bytes:
    """One .xlsx file with one sheet (plus `more_sheets`), as bytes."""
    first = Sheet(title, columns, rows, scope=scope, period=period, name=sheet_name, note=note)
    return workbook_of([first, *more_sheets], now=now)


def workbook_of(sheets: Sequence[Sheet], *, now: datetime | None = None) -> bytes:
    """An .xlsx file with several sheets, as bytes."""
    from openpyxl import Workbook

    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    stamp = _local_naive(now or timezone.now())
    book = Workbook(write_only=True)
    used: set[str] = set()
    for sheet in sheets:
        _write_sheet(book, sheet, _sheet_name(sheet.name or sheet.title, used), stamp)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_name(name: str, used: set[str]) -> str:
    base = _SHEET_NAME_BAD.sub("_", name).strip("'") or "Sheet"
    base = base[:31]
    candidate, n = base, 2
    while candidate.lower() in used:
        suffix = f"({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate.lower())
    return candidate


def _write_sheet(book, sheet: Sheet, name: str, stamp: datetime) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    ws = book.create_sheet(title=name)
    columns = list(sheet.columns)
    width = max(len(columns), 1)
    last = get_column_letter(width)
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.excel_width
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.orientation = "landscape" if width > 6 else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True

    title = WriteOnlyCell(ws, _text(sheet.title))
    title.font = Font(name=TITLE_FONT, size=16, charset=134)
    title.alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 30
    ws.append([title])
    parts = [
        f"范围：{sheet.scope}" if sheet.scope else "",
        f"统计区间：{sheet.period}" if sheet.period else "",
    ]
    parts.append(f"生成时间：{stamp:%Y-%m-%d %H:%M}")
    subtitle = WriteOnlyCell(ws, "　".join(p for p in parts if p))
    subtitle.font = Font(name=SHEET_FONT, size=10, color="595959", charset=134)
    subtitle.alignment = Alignment(horizontal="center", vertical="center")
    ws.append([subtitle])
    if width > 1:
        ws.merged_cells.add(f"A1:{last}1")
        ws.merged_cells.add(f"A2:{last}2")

    thin = Side(style="thin", color="808080")
    header_font = Font(name=SHEET_FONT, size=11, bold=True, charset=134)
    header_fill = PatternFill("solid", fgColor="D9E1F2")
    header_alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(ws, _text(column.title))
        cell.font, cell.fill, cell.alignment = header_font, header_fill, header_alignment
        cell.border = Border(bottom=thin, top=thin, left=thin, right=thin)
        header.append(cell)
    ws.append(header)

    # One styled template per formatted column; each value cell borrows its style array (cheap to share:
    # nothing mutates it after the value is set).
    templates = []
    for column in columns:
        if column.number_format == GENERAL:
            templates.append(None)
        else:
            template = WriteOnlyCell(ws)
            template.number_format = column.number_format
            templates.append(template._style)
    getters = [column.value for column in columns]
    count = 0
    for row in sheet.rows:
        if count >= EXCEL_MAX_ROWS - HEADER_ROW - 2:
            break
        values = []
        for getter, style in zip(getters, templates, strict=True):
            value = _cell_value(getter(row))
            if value is None:
                values.append(None)
            elif style is None and not (isinstance(value, str) and value.startswith("=")):
                values.append(value)
            else:
                cell = WriteOnlyCell(ws, value)
                if isinstance(value, str):
                    cell.data_type = "s"  # text that starts with "=" stays text, never a formula
                if style is not None:
                    cell._style = style
                values.append(cell)
        ws.append(values)
        count += 1
    if sheet.note:
        ws.append([])
        ws.append([_text(sheet.note)])


def _local_naive(value: datetime) -> datetime:
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(tzinfo=None)


def _text(value: str) -> str:
    return _ILLEGAL.sub("", str(value))


def _cell_value(value):
    """What openpyxl can store: aware datetimes in local time without the zone, text without control
    characters, labels for choices and Decimal as float."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return _ILLEGAL.sub("", value) if _ILLEGAL.search(value) else value
    if isinstance(value, datetime):
        return _local_naive(value)
    if isinstance(value, date | time):
        return value
    if isinstance(value, Decimal):
        return float(value)
    return _text(value)


def xlsx_response(filename: str, data: bytes) -> HttpResponse:
    """A download of `data` as `filename` (Chinese names kept, RFC 5987 `filename*`); never cached."""
    return _download(filename, data, XLSX_TYPE, ".xlsx")


def _download(filename: str, data: bytes, content_type: str, suffix: str) -> HttpResponse:
    if not filename.lower().endswith(suffix):
        filename += suffix
    response = HttpResponse(data, content_type=content_type)
    # An ASCII name for old clients, then the Chinese one (RFC 6266 / RFC 5987 `filename*`).
    fallback = "".join(ch for ch in filename if ch.isascii() and (ch.isalnum() or ch in "-_.")).lstrip(".")
    if not fallback or fallback.lower() == suffix:
        fallback = "export" + suffix
    disposition = content_disposition_header(True, filename)
    if "filename*=" in disposition:
        disposition = disposition.replace("attachment; ", f'attachment; filename="{fallback}"; ', 1)
    response["Content-Disposition"] = disposition
    response["Content-Length"] = str(len(data))
    response["Cache-Control"] = "no-store"  # exports may hold personal data: no copy in a shared cache
    return response


# ----------------------------------------------------------------------------------------------- Word


@dataclass
class Table:
    """A table in a Word document: a header and rows of values (dates shown as YYYY-MM-DD)."""

    header: Sequence[str]
    rows: Iterable[Sequence[Any]]
    widths_cm: Sequence[float] = ()


@dataclass
class Section:
    """A heading (level 1 or 2; empty for none) and its blocks in order: paragraphs (str) and tables."""

    heading: str = ""
    blocks: Sequence[str | Table] = field(default_factory=tuple)
    level: int = 1


def document(
    title: str, subtitle: str = "", sections: Sequence[Section] = (), *, now: datetime | None = None
) -> bytes:
    """A .docx file in the house style, as bytes."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    doc = Document()
    page = doc.sections[0]
    page.orientation = WD_ORIENT.PORTRAIT
    page.page_width, page.page_height = Cm(21), Cm(29.7)
    page.top_margin, page.bottom_margin = Cm(3.7), Cm(3.5)
    page.left_margin, page.right_margin = Cm(2.8), Cm(2.6)
    _page_number_footer(page)

    normal = doc.styles["Normal"]
    _style_font(normal, BODY_FONT, 16)
    normal.paragraph_format.line_spacing = Pt(28)
    normal.paragraph_format.space_before = normal.paragraph_format.space_after = Pt(0)
    for level, (font, size) in {1: (HEADING_FONT, 16), 2: (SUBHEADING_FONT, 16)}.items():
        style = doc.styles[f"Heading {level}"]
        _style_font(style, font, size, bold=False)
        style.paragraph_format.space_before = style.paragraph_format.space_after = Pt(0)
        style.paragraph_format.line_spacing = Pt(28)
        style.paragraph_format.first_line_indent = Pt(32)

    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    heading.paragraph_format.line_spacing = Pt(36)
    heading.paragraph_format.space_after = Pt(12)
    _font(heading.add_run(_text(title)), TITLE_FONT, 22)
    if subtitle:
        line = doc.add_paragraph()
        line.alignment = WD_ALIGN_PARAGRAPH.CENTER
        line.paragraph_format.space_after = Pt(12)
        _font(line.add_run(_text(subtitle)), SUBHEADING_FONT, 16)

    for section in sections:
        if section.heading:
            level = 2 if section.level >= 2 else 1
            para = doc.add_paragraph(style=f"Heading {level}")
            _font(para.add_run(_text(section.heading)), HEADING_FONT if level == 1 else SUBHEADING_FONT, 16)
        for block in section.blocks:
            if isinstance(block, Table):
                _table(doc, block, WD_TABLE_ALIGNMENT.CENTER, Cm, Pt)
            else:
                para = doc.add_paragraph()
                para.paragraph_format.first_line_indent = Pt(32)  # two characters of 三号
                _font(para.add_run(_text(block)), BODY_FONT, 16)

    stamp = _local_naive(now or timezone.now())
    doc.core_properties.title = title
    doc.core_properties.created = stamp
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _table(doc, block: Table, centre, Cm, Pt) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    header = [_text(h) for h in block.header]
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = centre
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        para = cell.paragraphs[0]
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        para.paragraph_format.first_line_indent = Pt(0)
        para.paragraph_format.line_spacing = 1.0
        _font(para.add_run(text), HEADING_FONT, 12)
    _repeat_header(table.rows[0])
    for values in block.rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=False):
            para = cell.paragraphs[0]
            para.paragraph_format.first_line_indent = Pt(0)
            para.paragraph_format.line_spacing = 1.0
            if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
                para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _font(para.add_run(_word_text(value)), BODY_FONT, 12)
    if block.widths_cm:
        for row in table.rows:
            for cell, width in zip(row.cells, block.widths_cm, strict=False):
                cell.width = Cm(width)
    doc.add_paragraph()


def _word_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{_local_naive(value):%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    return _text(value)


def _rfonts(rpr, name: str) -> None:
    from docx.oxml.ns import qn

    fonts = rpr.get_or_add_rFonts()
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)  # a theme font would win over the named one
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def _font(run, name: str, size: float, *, bold: bool | None = None) -> None:
    from docx.shared import Pt

    run.font.size = Pt(size)
    if bold is not None:
        run.font.bold = bold
    _rfonts(run._element.get_or_add_rPr(), name)


def _style_font(style, name: str, size: float, *, bold: bool | None = None) -> None:
    from docx.shared import Pt, RGBColor

    style.font.size = Pt(size)
    style.font.color.rgb = RGBColor(0, 0, 0)
    if bold is not None:
        style.font.bold = bold
    _rfonts(style.element.get_or_add_rPr(), name)


def _repeat_header(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    trpr = row._tr.get_or_add_trPr()
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    trpr.append(marker)


def _page_number_footer(page) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    para = page.footer.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(para.add_run("— "), "宋体", 14)
    field_run = para.add_run()
    _font(field_run, "宋体", 14)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        field_run._r.append(element)
    _font(para.add_run(" —"), "宋体", 14)


def docx_response(filename: str, data: bytes) -> HttpResponse:
    """A download of `data` as `filename` (Chinese names kept, RFC 5987 `filename*`); never cached."""
    return _download(filename, data, DOCX_TYPE, ".docx")


# -------------------------------------------------------------------------------------------- Reading


@dataclass
class TableData:
    """An uploaded table: the header and the data rows as trimmed text, with their line numbers in
    the file (for messages such as 「第 5 行：……」)."""

    header: list[str]
    rows: list[list[str]]
    lines: list[int]

    def records(self) -> Iterator[tuple[int, dict[str, str]]]:
        """(line number, {header: value}) for each row; cells past the header are dropped."""
        for line, row in zip(self.lines, self.rows, strict=True):
            yield line, dict(zip(self.header, row, strict=False))


MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_READ_ROWS = 200_000
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def read_table(
    source, *, sheet: str | None = None, max_rows: int = MAX_READ_ROWS, max_bytes: int = MAX_UPLOAD_BYTES
) -> TableData:
    """Read an uploaded file, a path or bytes holding .xlsx or .csv: the header is the first row with
    two or more filled cells (so a title row above it, as in our own exports, is skipped)."""
    name, data = _load(source, max_bytes)
    if data[:4] == b"PK\x03\x04":
        raw = _xlsx_rows(data, sheet, max_rows)
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UnreadableFile("暂不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV 后再上传")
    elif name.lower().endswith((".xlsx", ".xlsm", ".xls", ".docx", ".pdf")):
        raise UnreadableFile(f"「{name}」不是有效的 Excel 文件，可能已损坏，请重新保存后再上传")
    else:
        raw = _csv_rows(data, max_rows)
    return _table_of(raw, max_rows)


def _load(source, max_bytes: int) -> tuple[str, bytes]:
    if isinstance(source, bytes | bytearray):
        name, data = "", bytes(source)
    elif isinstance(source, str | Path):
        path = Path(source)
        try:
            if path.stat().st_size > max_bytes:
                raise UnreadableFile(_too_big(max_bytes))
            name, data = path.name, path.read_bytes()
        except OSError:
            raise UnreadableFile(f"无法打开文件「{path.name}」") from None
    else:  # an uploaded file or any binary file object
        name = Path(getattr(source, "name", "") or "").name
        size = getattr(source, "size", None)
        if size is not None and size > max_bytes:
            raise UnreadableFile(_too_big(max_bytes))
        if hasattr(source, "seek"):
            source.seek(0)
        data = source.read(max_bytes + 1)
        if isinstance(data, str):
            data = data.encode("utf-8")
    if len(data) > max_bytes:
        raise UnreadableFile(_too_big(max_bytes))
    if not data.strip():
        raise UnreadableFile("文件是空的，请检查后重新上传")
    return name, data


def _too_big(max_bytes: int) -> str:
    return f"文件超过 {max_bytes // (1024 * 1024)} MB，请拆分后分批上传"


def _xlsx_rows(data: bytes, sheet: str | None, max_rows: int) -> Iterator[Sequence[Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # a bad zip or a malformed part inside it: the parsers' error types vary
        raise UnreadableFile("无法读取该 Excel 文件，可能已损坏或加密，请另存为 .xlsx 后再上传") from None
    try:
        if sheet is not None:
            if sheet not in book.sheetnames:
                raise UnreadableFile(f"文件中没有名为「{sheet}」的工作表")
            ws = book[sheet]
        else:
            ws = book.worksheets[0]
        rows = []
        for row in ws.iter_rows(values_only=True):
            rows.append(row)
            if len(rows) > max_rows + 20:
                break
        return iter(rows)
    except UnreadableFile:
        raise
    except Exception:
        raise UnreadableFile("Excel 文件内容无法识别，请另存为 .xlsx 后再上传") from None
    finally:
        book.close()


def _decode(data: bytes) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("无法识别文件编码，请将 CSV 另存为「UTF-8」或「GBK」编码后再上传")


def _csv_rows(data: bytes, max_rows: int) -> Iterator[Sequence[Any]]:
    text = _decode(data)
    if "\x00" in text:
        raise UnreadableFile("文件内容无法识别，请上传 .xlsx 或 CSV 文件")
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", "\t", ";"), key=first.count) if first else ","
    if first.count(delimiter) == 0:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows = []
    try:
        for row in reader:
            rows.append(row)
            if len(rows) > max_rows + 20:
                break
    except csv.Error:
        raise UnreadableFile(
            f"CSV 文件第 {reader.line_num} 行格式有误（如引号未闭合），请检查后重新上传"
        ) from None
    return iter(rows)


def _table_of(raw: Iterable[Sequence[Any]], max_rows: int) -> TableData:
    filled: list[tuple[int, list[str]]] = []
    for line, values in enumerate(raw, start=1):
        cells = [cell_text(v) for v in values]
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            filled.append((line, cells))
    if not filled:
        raise UnreadableFile("文件中没有数据，请检查后重新上传")
    # A title line or two (one filled cell each, as in our own exports) may stand above the header.
    start = next((i for i, (_, cells) in enumerate(filled[:10]) if sum(1 for c in cells if c) >= 2), 0)
    header = filled[start][1]
    named = [h for h in header if h]
    if len(set(named)) < len(named):
        twice = next(h for h in named if named.count(h) > 1)
        raise UnreadableFile(f"表头「{twice}」重复，请修改后重新上传")
    body = filled[start + 1 :]
    if len(body) > max_rows:
        raise UnreadableFile(f"文件超过 {max_rows} 行，请拆分后分批上传")
    rows = [cells + [""] * (len(header) - len(cells)) for _, cells in body]
    return TableData(header=header, rows=rows, lines=[line for line, _ in body])


def cell_text(value) -> str:
    """A cell as trimmed text: dates as YYYY-MM-DD (with the time when it is not midnight), whole numbers
    without ".0", full dates written as 2024/1/5, 2024.1.5 or 2024年1月5日 as 2024-01-05."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return f"{value:%Y-%m-%d %H:%M}" if value.second == 0 else f"{value:%Y-%m-%d %H:%M:%S}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    text = str(value).replace("\u3000", " ").replace("\ufeff", "").strip()
    match = _DATE_TEXT.match(text)
    if match:
        try:
            return date(*map(int, match.groups())).isoformat()
        except ValueError:
            return text
    return text
