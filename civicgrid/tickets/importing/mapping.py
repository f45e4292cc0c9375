"""The import mapping (a TOML file): which column holds which field and how source values translate.

Value tables match after trimming, case-insensitively. A table's targets are checked against the database
before any row is read, so a typo in the mapping is one refusal, not ten thousand bad rows.
"""

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings

from civicgrid.core.refusal import Refusal
from civicgrid.registry.models import Unit
from civicgrid.routing.models import Category
from civicgrid.routing.vocabulary import RequestType
from civicgrid.tickets.models import Channel

# Logical fields a [columns] entry may name, with their Chinese names for messages.
FIELDS = {
    "external_id": "外部编号",
    "received_at": "受理时间",
    "title": "事件概述",
    "content": "诉求内容",
    "address": "事发地址",
    "latitude": "纬度",
    "longitude": "经度",
    "category": "业务分类",
    "request_type": "诉求类型",
    "channel": "来源渠道",
    "status": "状态",
    "due_at": "办理时限",
    "closed_at": "办结时间",
    "unit": "主办单位",
    "reply": "答复内容",
    "requester_name": "诉求人姓名",
    "requester_phone": "联系电话",
}
DATE_FIELDS = ("received_at", "due_at", "closed_at")
TABLES = ("categories", "request_types", "channels", "statuses", "units")
ENCODINGS = ("utf-8", "gbk", "auto")
STATUSES = ("open", "closed")
IMPORT_ROOT = "导入分类"

# Tried in order when the mapping gives none; ISO 8601 (with or without an offset) is always tried last.
DEFAULT_DATE_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
    "%Y.%m.%d %H:%M:%S",
    "%Y.%m.%d",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
]

_COLUMN_NUMBER = re.compile(r"^@(\d+)$")


class MappingError(Refusal):
    """A mapping file that cannot be used; the message lists every problem."""


def key(value) -> str:
    """How table keys and cell values are compared: trimmed, case-folded."""
    return str(value).strip().casefold()


@dataclass
class Mapping:
    path: Path
    source: str
    encoding: str
    date_formats: list[str]
    timezone: ZoneInfo
    columns: dict[str, str]  # field → header or "@N"
    tables: dict[str, dict[str, str]]  # table → {casefolded source value: target as written}
    defaults: dict[str, str] = field(default_factory=dict)  # table → its `default`, as written
    raw_tables: dict[str, dict[str, str]] = field(default_factory=dict)  # as written, for export

    @property
    def timezone_name(self) -> str:
        return self.timezone.key


def _problems_message(path: Path, problems: list[str]) -> str:
    lines = "\n".join(f"  {p}" for p in problems)
    return f"映射文件「{path.name}」有 {len(problems)} 处问题：\n{lines}"


def load_mapping(path) -> Mapping:
    """Read and check a mapping file (the syntax and every table's targets); MappingError lists all problems."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except OSError:
        raise MappingError(f"无法打开映射文件「{path}」") from None
    except UnicodeDecodeError:
        raise MappingError(f"映射文件「{path.name}」不是 UTF-8 编码，请另存为 UTF-8 后重试") from None
    except tomllib.TOMLDecodeError as error:
        raise MappingError(f"映射文件「{path.name}」不是有效的 TOML：{error}") from None
    problems: list[str] = []
    for name in data:
        if name not in ("source", "columns", *TABLES):
            problems.append(
                f"不认识的表「[{name}]」（可用：[source]、[columns]、{'、'.join(f'[{t}]' for t in TABLES)}）"
            )

    source = data.get("source", {})
    if not isinstance(source, dict):
        source, problems = {}, [*problems, "[source] 应为一个表"]
    for name in source:
        if name not in ("name", "encoding", "date_formats", "timezone"):
            problems.append(
                f"[source] 中不认识的项「{name}」（可用：name、encoding、date_formats、timezone）"
            )
    source_name = str(source.get("name") or path.stem).strip()
    if len(source_name) > 60:
        problems.append(f"[source] name「{source_name}」超过 60 个字符")
    encoding = str(source.get("encoding", "auto")).strip().lower().replace("utf8", "utf-8")
    if encoding not in ENCODINGS:
        problems.append(f"[source] encoding「{encoding}」不正确，应为 utf-8、gbk 或 auto")
    formats = source.get("date_formats", DEFAULT_DATE_FORMATS)
    if isinstance(formats, str):
        formats = [formats]
    if (
        not isinstance(formats, list)
        or not formats
        or not all(isinstance(f, str) and "%" in f for f in formats)
    ):
        problems.append('[source] date_formats 应为日期格式的列表，如 ["%Y-%m-%d %H:%M:%S", "%m/%d/%Y"]')
        formats = DEFAULT_DATE_FORMATS
    tz_name = str(source.get("timezone") or settings.TIME_ZONE)
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"[source] timezone「{tz_name}」不是有效的时区名（如 Asia/Shanghai）")
        tz = ZoneInfo(settings.TIME_ZONE)

    columns: dict[str, str] = {}
    raw_columns = data.get("columns", {})
    if not isinstance(raw_columns, dict) or not raw_columns:
        problems.append('缺少 [columns] 表：请写明每个字段对应的表头或列号（如 received_at = "open_dt"）')
        raw_columns = {}
    for name, value in raw_columns.items():
        if name not in FIELDS:
            problems.append(f"[columns] 中不认识的字段「{name}」（可用：{'、'.join(FIELDS)}）")
            continue
        if not isinstance(value, str) or not value.strip():
            problems.append(f"[columns] {name} 应为表头文字或「@列号」")
            continue
        match = _COLUMN_NUMBER.match(value.strip())
        if match and int(match.group(1)) < 1:
            problems.append(f"[columns] {name} 的列号「{value}」不正确，列号从 @1 开始")
            continue
        columns[name] = value.strip()
    if raw_columns and "received_at" not in columns:
        problems.append("[columns] 缺少 received_at（受理时间）：这是必填字段")
    if raw_columns and not ({"title", "content"} & set(columns)):
        problems.append("[columns] 至少要有 title（事件概述）或 content（诉求内容）之一")

    tables: dict[str, dict[str, str]] = {}
    defaults: dict[str, str] = {}
    raw_tables: dict[str, dict[str, str]] = {}
    for table in TABLES:
        entries = data.get(table, {})
        if not isinstance(entries, dict):
            problems.append(f"[{table}] 应为「源值 = 目标值」的表")
            entries = {}
        tables[table], raw_tables[table] = {}, {}
        for source_value, target in entries.items():
            if not isinstance(target, str):
                problems.append(f"[{table}] 「{source_value}」的目标值应为文字")
                continue
            if source_value == "default":
                defaults[table] = target.strip()
                continue
            if key(source_value) in tables[table]:
                problems.append(f"[{table}] 源值「{source_value}」重复（不区分大小写和首尾空格）")
            tables[table][key(source_value)] = target.strip()
            raw_tables[table][source_value.strip()] = target.strip()
    mapping = Mapping(path, source_name, encoding, list(formats), tz, columns, tables, defaults, raw_tables)
    problems += _check_targets(mapping)
    if problems:
        raise MappingError(_problems_message(path, problems))
    return mapping


# --- targets -----------------------------------------------------------------------------------------


def request_type_code(target: str) -> str | None:
    value = key(target)
    for code, label in RequestType.choices:
        if value in (key(code), key(label)):
            return code
    return None


def channel_code(target: str) -> str | None:
    value = key(target)
    for code, label in Channel.choices:
        if value in (key(code), key(label)):
            return code
    return None


def status_code(target: str) -> str | None:
    value = key(target)
    return value if value in STATUSES else None


class Categories:
    """The current category tree, found by code or full path (一级/二级/...)."""

    def __init__(self):
        self.version = settings.CIVICGRID_CATEGORY_VERSION
        rows = list(Category.objects.filter(version=self.version).select_related("parent"))
        by_id = {c.pk: c for c in rows}
        self.by_code = {c.code: c for c in rows}
        self.by_path: dict[str, Category] = {}
        for c in rows:
            names, node = [], c
            while node is not None:
                names.append(node.name)
                node = by_id.get(node.parent_id)
            self.by_path.setdefault(key("/".join(reversed(names))), c)
        self.by_id = by_id

    def find(self, target: str) -> Category | None:
        target = target.strip()
        if target in self.by_code:
            return self.by_code[target]
        path = "/".join(part.strip() for part in re.split(r"[/／]", target))
        return self.by_path.get(key(path))

    def path(self, category: Category) -> str:
        names, node = [], category
        while node is not None:
            names.append(node.name)
            node = self.by_id.get(node.parent_id)
        return "/".join(reversed(names))


class Units:
    """Units by code or name (an active unit first when two share a name)."""

    def __init__(self):
        self.by_key: dict[str, Unit] = {}
        for unit in Unit.objects.order_by("-is_active", "pk").only("pk", "code", "name", "is_active"):
            self.by_key.setdefault(key(unit.code), unit)
            self.by_key.setdefault(key(unit.name), unit)

    def find(self, target: str) -> Unit | None:
        return self.by_key.get(key(target))


def _check_targets(mapping: Mapping) -> list[str]:
    problems = []
    checks = {
        "request_types": (request_type_code, "诉求类型应为 咨询、求助、投诉、举报、建议、表扬 之一"),
        "channels": (channel_code, f"来源渠道应为 {'、'.join(Channel.values)} 之一"),
        "statuses": (status_code, "状态应为 open 或 closed"),
    }
    for table, (find, hint) in checks.items():
        targets = [*mapping.raw_tables[table].items()]
        if table in mapping.defaults:
            targets.append(("default", mapping.defaults[table]))
        for source_value, target in targets:
            if find(target) is None:
                problems.append(f"[{table}] 「{source_value}」→「{target}」：{hint}")
    categories = Categories()
    for source_value, target in [
        *mapping.raw_tables["categories"].items(),
        ("default", mapping.defaults.get("categories")),
    ]:
        if target is not None and categories.find(target) is None:
            problems.append(
                f"[categories] 「{source_value}」→「{target}」：找不到该分类（{categories.version} 版），"
                "请写分类编码或完整路径（一级/二级/…）"
            )
    units = Units()
    for source_value, target in [
        *mapping.raw_tables["units"].items(),
        ("default", mapping.defaults.get("units")),
    ]:
        if target is not None and units.find(target) is None:
            problems.append(f"[units] 「{source_value}」→「{target}」：找不到该单位，请写单位编码或名称")
    return problems
