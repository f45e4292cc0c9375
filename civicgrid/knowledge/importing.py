"""Reading knowledge-base import files; the header tells the format.

- ours: `question,answer[,category][,unit][,valid_from][,valid_to][,keywords]` (or the Chinese headers
  问题,答案,分类,单位,生效日期,失效日期,关键词); category by code or name in the category version in use,
  unit by code, name or short name;
- replies: a hotline's published replies, `留言编号,留言用户,留言主题,留言时间,留言详情,答复意见,答复时间`:
  the subject is the question, the reply the answer, valid from the day of the reply. The resident's
  own text (留言详情) is left out: it is one person's account, not knowledge.

Rows are numbered as a spreadsheet shows them (the header is row 1), whatever line breaks cells hold.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.conf import settings

from civicgrid.core.refusal import Refusal
from civicgrid.knowledge.models import Entry
from civicgrid.knowledge.services import KEYWORDS_MAX, QUESTION_MAX, ImportRow
from civicgrid.registry.models import Unit
from civicgrid.routing.models import Category

FORMAT_OURS = "ours"
FORMAT_REPLIES = "replies"
FORMAT_NAMES = {FORMAT_OURS: "知识条目格式", FORMAT_REPLIES: "留言答复格式"}

COLUMNS = {
    "question": ("question", "问题"),
    "answer": ("answer", "答案"),
    "category": ("category", "分类", "业务分类"),
    "unit": ("unit", "单位", "维护单位"),
    "valid_from": ("valid_from", "生效日期"),
    "valid_to": ("valid_to", "失效日期"),
    "keywords": ("keywords", "关键词"),
}
REPLIES_COLUMNS = ("留言编号", "留言主题", "答复意见")
REPLIES_DATE = "答复时间"

_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")

# Answers run to several thousand characters; the csv module's default cap is 128 KB a field.
csv.field_size_limit(max(csv.field_size_limit(), 16 * 1024 * 1024))


class ImportFileError(Refusal, ValueError):
    """The file as a whole cannot be read (encoding, header, unknown defaults)."""


@dataclass
class ParsedFile:
    format: str
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    total: int = 0


def parse_date(text: str) -> date | None:
    """2026-05-01, 2026/5/1, 2026年5月1日, with or without a time after it; None if not a date."""
    match = _DATE.match(text or "")
    if not match:
        return None
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def clean_answer(text: str) -> str:
    """Strip the indentation published replies carry: lines trimmed, blank lines dropped."""
    return "\n".join(line.strip() for line in (text or "").splitlines() if line.strip())


class Lookup:
    """Categories (of the version in use) and units, found by code or by an unambiguous name."""

    def __init__(self, category_version: str | None = None):
        version = category_version or settings.CIVICGRID_CATEGORY_VERSION
        self.version = version
        self.categories: dict[str, list[Category]] = {}
        for category in Category.objects.filter(version=version, is_active=True):
            for key in {category.code, category.name}:
                self.categories.setdefault(key, []).append(category)
        self.units: dict[str, list[Unit]] = {}
        for unit in Unit.objects.filter(is_active=True):
            for key in {unit.code, unit.name, unit.short_name} - {""}:
                self.units.setdefault(key, []).append(unit)

    def category(self, text: str) -> tuple[Category | None, str]:
        found = self.categories.get(text.strip(), [])
        if len(found) == 1:
            return found[0], ""
        if not found:
            return None, f"业务分类「{text}」不存在（分类版本 {self.version}，可填写编码或名称）"
        return (
            None,
            f"业务分类名称「{text}」对应多个分类，请改填分类编码（{'、'.join(c.code for c in found)}）",
        )

    def unit(self, text: str) -> tuple[Unit | None, str]:
        found = list({u.pk: u for u in self.units.get(text.strip(), [])}.values())
        if len(found) == 1:
            return found[0], ""
        if not found:
            return None, f"单位「{text}」不存在或已停用（可填写单位编码、名称或简称）"
        return None, f"单位名称「{text}」对应多个单位，请改填单位编码（{'、'.join(u.code for u in found)}）"


def _decode(raw: bytes, encoding: str) -> str:
    codec = "gb18030" if encoding.lower().replace("-", "") in ("gbk", "gb2312", "gb18030") else encoding
    try:
        return raw.decode(codec)
    except LookupError:
        raise ImportFileError(f"不支持的编码：{encoding}") from None
    except UnicodeDecodeError:
        raise ImportFileError(
            f"无法按 {encoding} 编码读取文件，请用 --encoding 指定正确的编码（例如 utf-8-sig 或 gbk）"
        ) from None


def read_import_file(
    path: str | Path,
    *,
    encoding: str = "utf-8-sig",
    default_category: str = "",
    default_unit: str = "",
    category_version: str | None = None,
) -> ParsedFile:
    """Every row checked; valid rows in `rows`, each problem in `errors` as "第 N 行:…"."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ImportFileError(f"无法读取文件 {path}：{exc.strerror}") from None
    text = _decode(raw, encoding).lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    lookup = Lookup(category_version)
    defaults = {}
    for name, value, find in (
        ("category", default_category, lookup.category),
        ("unit", default_unit, lookup.unit),
    ):
        if value:
            found, problem = find(value)
            if problem:
                raise ImportFileError(f"默认{problem}")
            defaults[name] = found

    if all(c in header for c in REPLIES_COLUMNS):
        parsed = ParsedFile(format=FORMAT_REPLIES)
        index = {name: header.index(name) for name in (*REPLIES_COLUMNS, REPLIES_DATE) if name in header}
        read_row = _replies_row
    else:
        index = {}
        for name, aliases in COLUMNS.items():
            for alias in aliases:
                if alias in header:
                    index[name] = header.index(alias)
                    break
        if "question" not in index or "answer" not in index:
            raise ImportFileError(
                "无法识别文件格式：需要列 question,answer（或 问题，答案），或留言答复格式的列 "
                f"{','.join(REPLIES_COLUMNS)}(文件中的列：{'、'.join(header) or '无'})"
            )
        parsed = ParsedFile(format=FORMAT_OURS)
        read_row = _our_row

    for line, record in enumerate(reader, start=2):
        if not any(cell.strip() for cell in record):
            continue
        parsed.total += 1
        values = {name: (record[i] if i < len(record) else "") for name, i in index.items()}
        row, problems = read_row(line, values, lookup, defaults)
        if problems:
            parsed.errors.append(f"第 {line} 行：{';'.join(problems)}")
        else:
            parsed.rows.append(row)
    return parsed


def _common_checks(
    question: str, answer: str, problems: list[str], *, question_label: str, answer_label: str
):
    if not question:
        problems.append(f"{question_label}为空")
    elif len(question) > QUESTION_MAX:
        problems.append(f"{question_label}超过 {QUESTION_MAX} 个字")
    if not answer:
        problems.append(f"{answer_label}为空")


def _our_row(line, values, lookup: Lookup, defaults) -> tuple[ImportRow | None, list[str]]:
    problems: list[str] = []
    question = " ".join(values["question"].split())
    answer = values["answer"].strip()
    _common_checks(question, answer, problems, question_label="问题", answer_label="答案")
    category, unit = defaults.get("category"), defaults.get("unit")
    if text := values.get("category", "").strip():
        category, problem = lookup.category(text)
        problems.extend([problem] if problem else [])
    if text := values.get("unit", "").strip():
        unit, problem = lookup.unit(text)
        problems.extend([problem] if problem else [])
    dates = {}
    for name, label in (("valid_from", "生效日期"), ("valid_to", "失效日期")):
        text = values.get(name, "").strip()
        dates[name] = parse_date(text) if text else None
        if text and dates[name] is None:
            problems.append(f"{label}「{text}」无法识别，请写成 2026-05-01")
    if dates["valid_from"] and dates["valid_to"] and dates["valid_to"] < dates["valid_from"]:
        problems.append("失效日期早于生效日期")
    keywords = values.get("keywords", "").strip()
    if len(keywords) > KEYWORDS_MAX:
        problems.append(f"关键词超过 {KEYWORDS_MAX} 个字")
    if problems:
        return None, problems
    return (
        ImportRow(
            line=line,
            question=question,
            answer=answer,
            keywords=keywords,
            category=category,
            unit=unit,
            source=Entry.Source.IMPORT,
            **dates,
        ),
        [],
    )


def _replies_row(line, values, lookup: Lookup, defaults) -> tuple[ImportRow | None, list[str]]:
    problems: list[str] = []
    question = " ".join(values["留言主题"].split())
    answer = clean_answer(values["答复意见"])
    _common_checks(question, answer, problems, question_label="留言主题", answer_label="答复意见")
    if problems:
        return None, problems
    return (
        ImportRow(
            line=line,
            question=question,
            answer=answer,
            category=defaults.get("category"),
            unit=defaults.get("unit"),
            valid_from=parse_date(values.get(REPLIES_DATE, "")),
            source=Entry.Source.REPLIES,
            source_ref=values["留言编号"].strip()[:64],
        ),
        [],
    )
