"""One record of the file → a clean row to import, or the reason (Chinese) it cannot be imported."""

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from civicgrid.routing.models import Category
from civicgrid.routing.vocabulary import RequestType
from civicgrid.tickets.importing.mapping import (
    DATE_FIELDS,
    FIELDS,
    IMPORT_ROOT,
    Categories,
    Mapping,
    MappingError,
    Units,
    channel_code,
    key,
    request_type_code,
    status_code,
)
from civicgrid.tickets.importing.reading import Record, SourceTable, column_index
from civicgrid.tickets.models import Channel

# Cells that mean "nothing here" in real exports, for dates and coordinates.
EMPTY_MARKERS = {"", "na", "n/a", "null", "none", "nan", "-", "--", "—", "无"}
TITLE_LENGTH, ADDRESS_LENGTH, NAME_LENGTH, PHONE_LENGTH, EXTERNAL_ID_LENGTH = 100, 200, 50, 20, 100


def _iso(length: int, separator: str = ""):
    """A C-speed reader for one zero-padded ISO-like format (strptime is ~10 times slower); None when the
    text has another shape, and strptime decides."""

    def parse(text: str) -> datetime | None:
        if len(text) != length or text[4] != "-" or text[7] != "-" or (separator and text[10] != separator):
            return None
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            return None

    return parse


def _us(text: str) -> datetime | None:
    """%m/%d/%Y %I:%M:%S %p, zero-padded (as US 311 exports write it)."""
    if len(text) != 22 or text[2] != "/" or text[5] != "/" or text[10] != " " or text[-3] != " ":
        return None
    try:
        hour = int(text[11:13])
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if text[-2:].upper() == "PM" else 0)
        if text[-2:].upper() not in ("AM", "PM"):
            return None
        return datetime(
            int(text[6:10]), int(text[0:2]), int(text[3:5]), hour, int(text[14:16]), int(text[17:19])
        )
    except ValueError:
        return None


_FAST_FORMATS = {
    "%Y-%m-%d %H:%M:%S": _iso(19, " "),
    "%Y-%m-%dT%H:%M:%S": _iso(19, "T"),
    "%Y-%m-%d %H:%M": _iso(16, " "),
    "%Y-%m-%d": _iso(10),
    "%m/%d/%Y %I:%M:%S %p": _us,
}


@dataclass
class ImportRow:
    row: int
    line: int
    external_id: str
    received_at: datetime
    title: str
    content: str
    address: str = ""
    lat: float | None = None
    lon: float | None = None
    category: Category | None = None
    new_category: str = ""  # to be created under 「导入分类」
    request_type: str = RequestType.HELP
    channel: str = Channel.OTHER
    status: str = "open"
    due_at: datetime | None = None
    closed_at: datetime | None = None
    unit_id: int | None = None
    reply: str = ""
    requester_name: str = ""
    requester_phone: str = ""


@dataclass
class Problem:
    row: int
    line: int
    where: str
    reason: str
    cells: list[str]

    @property
    def message(self) -> str:
        return f"{self.where}：{self.reason}"


@dataclass
class Notes:
    """What the report tells besides the counts: values no table matched, and kept oddities."""

    unmatched: dict[str, Counter] = field(default_factory=lambda: {t: Counter() for t in TABLE_NAMES})
    closed_before_received: int = 0
    half_coordinates: int = 0
    cut: Counter = field(default_factory=Counter)


TABLE_NAMES = {
    "categories": "业务分类",
    "request_types": "诉求类型",
    "channels": "来源渠道",
    "statuses": "状态",
    "units": "主办单位",
}


class RowReader:
    """Reads records against a mapping; refuses up front (MappingError) when a mapped column is missing."""

    def __init__(self, mapping: Mapping, table: SourceTable):
        self.mapping = mapping
        self.columns: dict[str, int] = {}
        problems = []
        for name, spec in mapping.columns.items():
            found = column_index(table.header, spec)
            if isinstance(found, str):
                problems.append(f"[columns] {name}（{FIELDS[name]}）：{found}")
            else:
                self.columns[name] = found
        if problems:
            lines = "\n".join(f"  {p}" for p in problems)
            raise MappingError(f"映射与文件的表头对不上（表头在第 {table.header_row} 行）：\n{lines}")
        self.categories = Categories()
        self.units = Units()
        self.imported_names = self._imported_categories()
        self.formats = list(mapping.date_formats)
        self.notes = Notes()
        self._table_cache: dict[tuple[str, str], object] = {}

    def _imported_categories(self) -> dict[str, Category]:
        roots = [
            c
            for c in self.categories.by_code.values()
            if c.parent_id is None and c.name.startswith(IMPORT_ROOT)
        ]
        root_ids = {c.pk for c in roots}
        return {
            key(c.name): c
            for c in sorted(self.categories.by_code.values(), key=lambda c: c.code)
            if c.parent_id in root_ids
        }

    # -------------------------------------------------------------------------------------------- cells

    def cell(self, record: Record, name: str) -> str:
        index = self.columns.get(name)
        if index is None or index >= len(record.cells):
            return ""
        return record.cells[index].strip()

    def parse_date(self, text: str) -> datetime | None:
        """A datetime in the mapping's timezone; None when empty; ValueError when no format fits."""
        if key(text) in EMPTY_MARKERS:
            return None
        text = " ".join(text.split())
        for i, fmt in enumerate(self.formats):
            fast = _FAST_FORMATS.get(fmt)
            value = fast(text) if fast is not None else None
            if value is None:
                try:
                    value = datetime.strptime(text, fmt)
                except ValueError:
                    continue
            if i:  # the format that fitted is tried first next time: a file mostly uses one
                self.formats.insert(0, self.formats.pop(i))
            return value.replace(tzinfo=self.mapping.timezone)
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(text) from None
        return value if value.tzinfo else value.replace(tzinfo=self.mapping.timezone)

    @staticmethod
    def parse_number(text: str) -> float | None:
        if key(text) in EMPTY_MARKERS:
            return None
        value = float(text.replace("，", ".").replace(" ", ""))
        if not math.isfinite(value):
            raise ValueError(text)
        return value

    # ------------------------------------------------------------------------------------------- values

    def _lookup(self, table: str, raw: str, direct):
        """A table's target for `raw`: the table's entry, else `raw` itself when `direct` knows it, else
        the table's default, else None (the caller's fallback). Unmatched values are counted for the report."""
        cache_key = (table, raw)
        cached = self._table_cache.get(cache_key)
        if cached is None:
            found, matched = None, False
            target = self.mapping.tables[table].get(key(raw)) if raw else None
            if target is not None:
                found = direct(target)
            elif raw:
                found = direct(raw)
            matched = found is not None
            if found is None and table in self.mapping.defaults:
                found = direct(self.mapping.defaults[table])
            cached = self._table_cache[cache_key] = (found, matched)
        found, matched = cached
        if raw and not matched:
            self.notes.unmatched[table][raw] += 1
        return found

    def category(self, raw: str) -> tuple[Category | None, str]:
        found = self._lookup("categories", raw, self.categories.find)
        if found is not None or not raw or "categories" in self.mapping.defaults:
            return found, ""
        existing = self.imported_names.get(key(raw))
        if existing is not None:
            return existing, ""
        return None, raw[:60]

    def unit(self, raw: str) -> int | None:
        found = self._lookup("units", raw, self.units.find)
        return found.pk if found is not None else None

    # -------------------------------------------------------------------------------------------- a row

    def read(self, record: Record) -> ImportRow | Problem:
        reasons: list[str] = []
        cells, width = record.cells, len(record.cells)
        values = {name: cells[i].strip() if i < width else "" for name, i in self.columns.items()}
        cell = lambda name: values.get(name, "")  # noqa: E731

        if "external_id" in self.columns:
            external_id = cell("external_id")
            if not external_id:
                reasons.append("外部编号为空")
            elif len(external_id) > EXTERNAL_ID_LENGTH:
                reasons.append(f"外部编号超过 {EXTERNAL_ID_LENGTH} 个字符")
        else:
            external_id = str(record.row)

        dates: dict[str, datetime | None] = {}
        for name in DATE_FIELDS:
            text = cell(name)
            try:
                dates[name] = self.parse_date(text)
            except ValueError:
                reasons.append(
                    f"{FIELDS[name]}「{text[:40]}」无法识别（可用格式：{'、'.join(self.mapping.date_formats[:4])}）"
                )
                dates[name] = None
        if dates["received_at"] is None and not any(FIELDS["received_at"] in r for r in reasons):
            reasons.append("受理时间为空")

        title, content = cell("title"), cell("content")
        if not title and not content:
            reasons.append("事件概述和诉求内容都为空")
        if not title:
            title = content.splitlines()[0].strip() if content else ""
            if len(title) > 50:
                title = title[:49] + "…"
        if not content:
            content = title
        if len(title) > TITLE_LENGTH:
            title = title[: TITLE_LENGTH - 1] + "…"
            self.notes.cut[FIELDS["title"]] += 1

        coordinates = {}
        for name in ("latitude", "longitude"):
            text = cell(name)
            try:
                coordinates[name] = self.parse_number(text)
            except ValueError:
                reasons.append(f"{FIELDS[name]}「{text[:40]}」不是数字")
                coordinates[name] = None
        lat, lon = coordinates["latitude"], coordinates["longitude"]
        if lat is not None and not -90 <= lat <= 90:
            reasons.append(f"纬度 {lat} 超出范围（-90～90）")
        if lon is not None and not -180 <= lon <= 180:
            reasons.append(f"经度 {lon} 超出范围（-180～180）")
        if (lat is None) != (lon is None):
            self.notes.half_coordinates += 1

        phone = cell("requester_phone")
        if len(phone) > PHONE_LENGTH:
            reasons.append(f"联系电话「{phone[:30]}」超过 {PHONE_LENGTH} 个字符")

        if reasons:
            return Problem(record.row, record.line, record.where(), "；".join(reasons), record.cells)

        address, name = cell("address"), cell("requester_name")
        if len(address) > ADDRESS_LENGTH:
            address = address[:ADDRESS_LENGTH]
            self.notes.cut[FIELDS["address"]] += 1
        if len(name) > NAME_LENGTH:
            name = name[:NAME_LENGTH]
            self.notes.cut[FIELDS["requester_name"]] += 1
        category, new_category = self.category(cell("category"))
        reply = cell("reply")
        closed_at = dates["closed_at"]
        status = self._lookup("statuses", cell("status"), status_code)
        status = status or ("closed" if closed_at is not None or reply else "open")
        if closed_at is not None and closed_at < dates["received_at"]:
            self.notes.closed_before_received += 1
        return ImportRow(
            row=record.row,
            line=record.line,
            external_id=external_id,
            received_at=dates["received_at"],
            title=title,
            content=content,
            address=address,
            lat=lat,
            lon=lon,
            category=category,
            new_category=new_category,
            request_type=self._lookup("request_types", cell("request_type"), request_type_code)
            or RequestType.HELP,
            channel=self._lookup("channels", cell("channel"), channel_code) or Channel.OTHER,
            status=status,
            due_at=dates["due_at"],
            closed_at=closed_at,
            unit_id=self.unit(cell("unit")),
            reply=reply,
            requester_name=name,
            requester_phone=phone,
        )
