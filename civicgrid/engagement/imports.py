"""Pairings from a table: columns 年度, 方式, 单位 (code or name), 村居代码. All or nothing: every bad row is
listed and nothing is written; rows already registered are left as they are (a re-import changes nothing)."""

from dataclasses import dataclass, field

from django.db import transaction

from civicgrid.core.audit import record_event
from civicgrid.core.documents import TableData
from civicgrid.engagement.errors import EngagementError
from civicgrid.engagement.models import Pairing
from civicgrid.registry.models import AdminArea
from civicgrid.registry.selectors import units_by_code_or_name

COLUMNS = ("年度", "方式", "单位", "村居代码")
SCHEMES = {str(label): value for value, label in Pairing.Scheme.choices}
ALIASES = {"领导挂钩联系": Pairing.Scheme.GUAGOU}


class PairingImportRefused(EngagementError):
    def __init__(self, message: str, problems: list[str]):
        super().__init__(message)
        self.problems = problems


@dataclass
class PairingImportResult:
    rows: int = 0
    created: int = 0
    existing: int = 0
    problems: list[str] = field(default_factory=list)


def import_pairings(table: TableData, *, actor=None) -> PairingImportResult:
    missing = [c for c in COLUMNS if c not in table.header]
    if missing:
        raise PairingImportRefused(
            f"表头缺少列：{'、'.join(missing)}（应为：{'、'.join(COLUMNS)}）",
            [f"缺少列：{c}" for c in missing],
        )
    records = list(table.records())
    units, ambiguous = units_by_code_or_name({r.get("单位", "").strip() for _, r in records} - {""})
    areas = AdminArea.objects.in_bulk(
        {r.get("村居代码", "").strip() for _, r in records} - {""}, field_name="code"
    )
    problems: list[str] = []
    wanted: dict[tuple, int] = {}
    for line, row in records:
        errors = []
        year_text, scheme_text = row.get("年度", "").strip(), row.get("方式", "").strip()
        unit_text, code = row.get("单位", "").strip(), row.get("村居代码", "").strip()
        year = int(year_text) if year_text.isdigit() and 2000 <= int(year_text) <= 2100 else None
        if year is None:
            errors.append(f"年度「{year_text}」不正确（应为四位年份）")
        scheme = SCHEMES.get(scheme_text) or ALIASES.get(scheme_text)
        if scheme is None:
            errors.append(f"方式「{scheme_text}」不正确（应为：{'、'.join(SCHEMES)}）")
        unit = units.get(unit_text)
        if not unit_text:
            errors.append("单位为空")
        elif unit_text in ambiguous:
            errors.append(f"单位「{unit_text}」有重名，请填写单位编码")
        elif unit is None:
            errors.append(f"单位「{unit_text}」不存在")
        area = areas.get(code)
        if not code:
            errors.append("村居代码为空")
        elif area is None:
            errors.append(f"村居代码「{code}」不存在")
        elif area.level != AdminArea.Level.VILLAGE:
            errors.append(f"「{code}」（{area.name}）不是村（社区）")
        if errors:
            problems.append(f"第 {line} 行：{'；'.join(errors)}")
        else:
            wanted.setdefault((year, scheme, unit.pk, area.pk), line)
    if problems:
        raise PairingImportRefused(f"导入未执行：{len(problems)} 行有问题，未写入任何数据", problems)
    result = PairingImportResult(rows=len(records))
    with transaction.atomic():
        existing = set(
            Pairing.objects.filter(
                year__in={k[0] for k in wanted}, unit_id__in={k[2] for k in wanted}
            ).values_list("year", "scheme", "unit_id", "area_id")
        )
        new = [
            Pairing(year=y, scheme=s, unit_id=u, area_id=a)
            for (y, s, u, a) in wanted
            if (y, s, u, a) not in existing
        ]
        Pairing.objects.bulk_create(new, batch_size=2000)
        result.created, result.existing = len(new), len(wanted) - len(new)
        if new:
            record_event(actor=actor, action="engagement.import_pairings", summary=f"导入结对{len(new)}条")
    return result
