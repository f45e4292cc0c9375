"""A ledger from a table (.xlsx or .csv): columns 编号, 问题, 来源, 揭榜挂帅, 牵头单位, 责任领导, 时限, 进度, 状态.

All or nothing: every bad row is listed (by its line in the file) and nothing is written, the campaign not even
created. A re-import matches items on 编号 and updates them; a 进度 different from the item's latest approved
progress is recorded as a new approved report; 状态 已销号 closes the item, an empty 状态 keeps it open (reopening
one the file no longer shows as 销号).
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from civicgrid.core.actors import SYSTEM
from civicgrid.core.audit import record_event
from civicgrid.core.documents import TableData
from civicgrid.ledgers.errors import LedgerError
from civicgrid.ledgers.models import Campaign, ItemEvent, LedgerItem, ProgressReport
from civicgrid.ledgers.progress import percent_text, with_progress
from civicgrid.ledgers.services import campaign_create, parse_percent
from civicgrid.registry.models import Unit
from civicgrid.registry.selectors import units_by_code_or_name

COLUMNS = ("编号", "问题", "来源", "揭榜挂帅", "牵头单位", "责任领导", "时限", "进度", "状态")
SOURCES = {str(label): value for value, label in LedgerItem.Source.choices}
YES_NO = {"是": True, "否": False}
CLOSED_TEXT = "已销号"
S = LedgerItem.State


class LedgerImportRefused(LedgerError):
    def __init__(self, message: str, problems: list[str]):
        super().__init__(message)
        self.problems = problems


@dataclass
class LedgerImportResult:
    campaign: Campaign | None = None
    campaign_created: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    reports: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass
class _Row:
    line: int
    number: str
    problem: str
    source: str
    on_list: bool
    unit: Unit | None
    leader: str
    deadline: date | None
    percent: Decimal | None
    closed: bool


def _parse(table: TableData) -> tuple[list[_Row], list[str]]:
    missing = [c for c in COLUMNS if c not in table.header]
    if missing:
        raise LedgerImportRefused(
            f"表头缺少列：{'、'.join(missing)}（应为：{'、'.join(COLUMNS)}）",
            [f"缺少列：{c}" for c in missing],
        )
    records = list(table.records())
    units, ambiguous = units_by_code_or_name({r.get("牵头单位", "").strip() for _, r in records} - {""})
    rows, problems, seen = [], [], {}
    for line, raw in records:
        value = {c: (raw.get(c) or "").strip() for c in COLUMNS}
        errors = []
        number = value["编号"]
        if not number:
            errors.append("编号为空")
        elif len(number) > 30:
            errors.append(f"编号「{number[:30]}…」过长（不超过30个字）")
        elif number in seen:
            errors.append(f"编号「{number}」与第 {seen[number]} 行重复")
        else:
            seen[number] = line
        if not value["问题"]:
            errors.append("问题为空")
        source = SOURCES.get(value["来源"])
        if source is None:
            errors.append(f"来源「{value['来源']}」不正确（应为：{'、'.join(SOURCES)}之一）")
        on_list = YES_NO.get(value["揭榜挂帅"])
        if on_list is None:
            errors.append(f"揭榜挂帅「{value['揭榜挂帅']}」不正确（应为：是、否）")
        unit_text, unit = value["牵头单位"], None
        if unit_text in ambiguous:
            errors.append(f"牵头单位「{unit_text}」有重名，请填写单位编码")
        elif unit_text:
            unit = units.get(unit_text)
            if unit is None:
                errors.append(f"牵头单位「{unit_text}」不存在（请填写单位编码或全称）")
        if len(value["责任领导"]) > 100:
            errors.append("责任领导过长（不超过100个字）")
        deadline = None
        if value["时限"]:
            try:
                deadline = date.fromisoformat(value["时限"])
            except ValueError:
                errors.append(f"时限「{value['时限']}」不正确（应为 YYYY-MM-DD，例如 2026-12-31）")
        percent = None
        if value["进度"]:
            try:
                percent = parse_percent(value["进度"])
            except LedgerError as exc:
                errors.append(exc.message.replace("完成进度", "进度"))
        if value["状态"] not in ("", CLOSED_TEXT):
            errors.append(f"状态「{value['状态']}」不正确（应为空或「{CLOSED_TEXT}」）")
        if errors:
            problems.append(f"第 {line} 行：{'；'.join(errors)}")
            continue
        rows.append(
            _Row(
                line=line,
                number=number,
                problem=value["问题"],
                source=source,
                on_list=on_list,
                unit=unit,
                leader=value["责任领导"],
                deadline=deadline,
                percent=percent,
                closed=value["状态"] == CLOSED_TEXT,
            )
        )
    if not records:
        problems.append("文件中没有事项")
    return rows, problems


def _open_state(row: _Row, has_unit: bool) -> str:
    if not has_unit:
        return S.LISTED
    return S.IN_PROGRESS if row.percent else S.TAKEN


def import_ledger(
    table: TableData,
    *,
    campaign_code: str,
    campaign_name: str = "",
    year: int | None = None,
    actor=SYSTEM,
    at: datetime | None = None,
    progress=None,
) -> LedgerImportResult:
    at = at or timezone.now()
    today = timezone.localtime(at).date()
    campaign_code = (campaign_code or "").strip()
    if not campaign_code:
        raise LedgerImportRefused("请指定台账编码（--campaign）", [])
    rows, problems = _parse(table)
    if problems:
        raise LedgerImportRefused(f"导入未执行：{len(problems)} 处问题，未写入任何数据", problems)
    result = LedgerImportResult(rows=len(rows))
    with transaction.atomic():
        campaign = Campaign.objects.filter(code=campaign_code).first()
        if campaign is None:
            year = year or today.year
            campaign = campaign_create(
                actor=actor,
                code=campaign_code,
                name=campaign_name.strip() or f"{year}年问题台账（{campaign_code}）",
                year=year,
                at=at,
            )
            result.campaign_created = True
        result.campaign = campaign
        existing = {item.number: item for item in with_progress(campaign.items.select_for_update())}
        user = actor if getattr(actor, "is_authenticated", False) else None
        new, changed, events, reports = [], [], [], []
        for row in rows:
            item = existing.get(row.number)
            if item is None:
                state = S.CLOSED if row.closed else _open_state(row, row.unit is not None)
                item = LedgerItem(
                    campaign=campaign,
                    number=row.number,
                    problem=row.problem,
                    source=row.source,
                    on_list=row.on_list,
                    lead_unit=row.unit,
                    responsible_leader=row.leader,
                    deadline=row.deadline,
                    state=state,
                    closed_on=today if row.closed else None,
                    created_at=at,
                    created_by=user,
                )
                new.append((item, row))
                continue
            before = item.state
            item.problem, item.source, item.on_list = row.problem, row.source, row.on_list
            item.lead_unit, item.responsible_leader, item.deadline = row.unit, row.leader, row.deadline
            if row.closed and item.state != S.CLOSED:
                item.state, item.closed_on = S.CLOSED, today
            elif not row.closed and item.state == S.CLOSED:
                item.state, item.closed_on = _open_state(row, row.unit is not None), None
            elif row.percent and item.lead_unit_id and item.state in (S.PROPOSED, S.LISTED, S.TAKEN):
                item.state = S.IN_PROGRESS
            changed.append(item)
            note = "导入更新" if before == item.state else f"导入更新：{item.get_state_display()}"
            events.append(
                ItemEvent(
                    item=item,
                    action=ItemEvent.Action.IMPORT,
                    from_state=before if before != item.state else "",
                    to_state=item.state if before != item.state else "",
                    note=note,
                    actor=user,
                    at=at,
                )
            )
            if row.percent is not None and row.percent != item.progress:
                reports.append(_report(item, row.percent, user, at))
            if progress:
                progress()
        LedgerItem.objects.bulk_create([item for item, _ in new], batch_size=2000)
        for item, row in new:
            events.append(
                ItemEvent(
                    item=item,
                    action=ItemEvent.Action.IMPORT,
                    to_state=item.state,
                    note="导入",
                    actor=user,
                    at=at,
                )
            )
            if row.percent is not None:
                reports.append(_report(item, row.percent, user, at))
            if progress:
                progress()
        LedgerItem.objects.bulk_update(
            changed,
            [
                "problem",
                "source",
                "on_list",
                "lead_unit",
                "responsible_leader",
                "deadline",
                "state",
                "closed_on",
            ],
            batch_size=2000,
        )
        ProgressReport.objects.bulk_create(reports, batch_size=2000)
        ItemEvent.objects.bulk_create(events, batch_size=2000)
        result.created, result.updated, result.reports = len(new), len(changed), len(reports)
        record_event(
            actor=actor,
            action="ledgers.import",
            target=campaign,
            summary=f"导入{campaign.name}：新增{result.created}项，更新{result.updated}项，进度{result.reports}条",
        )
    return result


def _report(item: LedgerItem, percent: Decimal, user, at: datetime) -> ProgressReport:
    return ProgressReport(
        item=item,
        percent=percent,
        narrative=f"导入进度{percent_text(percent)}%",
        status=ProgressReport.Status.APPROVED,
        submitted_at=at,
        submitted_by=user,
        decided_at=at,
        approver=user,
        decision_note="台账导入",
    )
