"""Importing the party register from a table (.xlsx, or .csv in UTF-8 or GBK): organisations, then members.

All or nothing: every bad row is listed (its line in the file and the reasons, in Chinese) and nothing is
written, unless `skip_invalid` (bad rows listed and left out, the good ones written). `dry_run` validates and
counts without writing. A re-import matches organisations by 组织代码 and members by the keyed hash of the ID
number, writes only what changed and leaves the rest alone.

Audit (decided for speed, in the same transaction): one summary row per import that changed something
(`party.import_orgs` / `party.import_members`: counts and file name); one row per organisation created or
updated (cheap: organisations are few); for members one row per batch of 2,000 created (`party.import_members`,
with the new members' ids) and one row per member updated (`party.member_update`, naming the changed fields).
No row ever holds an ID number; unchanged rows and no-op imports write nothing.

Speed: lookups (areas, grids, units, organisations, existing members) are loaded once per import in chunks,
organisations are written with bulk_create / bulk_update, members with raw executemany in batches; only new
members are encrypted (an update matches on the hash and keeps the stored token).
"""

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import connection, transaction
from django.utils import timezone

from civicgrid.core import idnumbers
from civicgrid.core.documents import TableData
from civicgrid.core.models import AuditEvent
from civicgrid.core.refusal import Refusal
from civicgrid.party.models import (
    MemberRule,
    PartyGrid,
    PartyMember,
    PartyOrg,
    add_months,
    mask_person_name,
    rebuild_paths,
)
from civicgrid.registry.models import AdminArea, Grid, Unit

__all__ = [
    "MEMBER_COLUMNS",
    "ORG_COLUMNS",
    "ImportFileError",
    "ImportReport",
    "Problem",
    "import_members",
    "import_orgs",
]

ORG_COLUMNS = (
    "组织代码",
    "组织名称",
    "组织类别",
    "上级组织代码",
    "所在区划代码",
    "设置方式",
    "临时",
    "成立日期",
    "关联网格",
    "党建网格",
)
ORG_OPTIONAL = ("临时任务", "批准组织代码", "结束日期")
MEMBER_COLUMNS = (
    "姓名",
    "身份证号",
    "性别",
    "出生日期",
    "类别",
    "入党日期",
    "转正日期",
    "组织代码",
    "工作单位",
    "居住网格",
    "标记",
)
MEMBER_OPTIONAL = ("手机号",)

KIND_BY_LABEL = {str(label): value for value, label in PartyOrg.Kind.choices} | {
    "工委": PartyOrg.Kind.WORKING_COMMITTEE
}
SETUP_BY_LABEL = {str(label): value for value, label in PartyOrg.Setup.choices}
CATEGORY_BY_LABEL = {
    "正式": PartyMember.Category.FULL,
    "正式党员": PartyMember.Category.FULL,
    "预备": PartyMember.Category.PROBATIONARY,
    "预备党员": PartyMember.Category.PROBATIONARY,
}
SEX_BY_LABEL = {"男": idnumbers.MALE, "女": idnumbers.FEMALE}
FLAG_FIELD = {
    "在职": "in_service",
    "离退休": "retired",
    "流动": "flowing",
    "候鸟": "seasonal",
    "失联": "lost_contact",
}
YES_NO = {"是": True, "否": False, "": False}

BATCH = 2000
LOOKUP_CHUNK = 900  # under SQLite's older 999-parameter limit
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SEPARATORS = re.compile(r"[;；]")
_PHONE = re.compile(r"^1[3-9]\d{9}$")

Progress = Callable[[str, int, int], None]


class ImportFileError(Refusal):
    """The file as a whole cannot be imported (missing columns); nothing is written."""


@dataclass
class Problem:
    row: int  # the line in the file (the header is line 1 unless title lines stand above it)
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "message": self.message}


@dataclass
class ImportReport:
    what: str  # "orgs" or "members"
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    dry_run: bool = False
    refused: bool = False  # bad rows without skip_invalid: nothing written (and nothing counted)

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "total": self.total,
            "dry_run": self.dry_run,
            "refused": self.refused,
            "errors": [p.as_dict() for p in self.errors],
            "warnings": [p.as_dict() for p in self.warnings],
        }


# ------------------------------------------------------------------------------------------------ helpers


class _Row:
    """Reasons collected while reading one row; a row with any reason is bad."""

    __slots__ = ("line", "cells", "reasons")

    def __init__(self, line: int, cells: dict[str, str]):
        self.line, self.cells, self.reasons = line, cells, []

    def text(self, column: str) -> str:
        return self.cells.get(column, "").strip()

    def bad(self, message: str) -> None:
        self.reasons.append(message)

    def date(self, column: str, *, required: bool) -> date | None:
        text = self.text(column)
        if not text:
            if required:
                self.bad(f"{column}不能为空")
            return None
        if not _DATE.match(text):
            self.bad(f"{column}「{text}」格式不正确，应为 YYYY-MM-DD")
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.bad(f"{column}「{text}」不是有效日期")
            return None


def _require_columns(table: TableData, required: Iterable[str], what: str) -> None:
    present = set(table.header)
    missing = [c for c in required if c not in present]
    if missing:
        raise ImportFileError(
            f"{what}文件缺少列：{'、'.join(missing)}。请使用模板中的中文表头（第一行为表头）后重新导入"
        )


def _split(text: str) -> list[str]:
    seen, items = set(), []
    for part in _SEPARATORS.split(text or ""):
        part = part.strip()
        if part and part not in seen:
            seen.add(part)
            items.append(part)
    return items


def _chunks(values: list, size: int = LOOKUP_CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _lookup(queryset, field_name: str, values: Iterable[str], *columns: str) -> dict:
    """{value: row tuple} for the rows whose `field_name` is among `values`, loaded in chunks."""
    wanted = sorted({v for v in values if v})
    found = {}
    for chunk in _chunks(wanted):
        for row in queryset.filter(**{f"{field_name}__in": chunk}).values_list(field_name, *columns):
            found[row[0]] = row[1:] if len(columns) > 1 else row[1]
    return found


def _finish(report: ImportReport, rows: list[_Row], skip_invalid: bool) -> list[_Row]:
    """Record the bad rows; the good ones (all of them, or none when the import is refused)."""
    good = []
    for row in rows:
        if row.reasons:
            report.errors.append(Problem(row.line, "；".join(row.reasons)))
        else:
            good.append(row)
    report.errors.sort(key=lambda p: p.row)
    if report.errors:
        if skip_invalid:
            report.skipped = len(report.errors)
        else:
            report.refused = True
    return good


def _tick(progress: Progress | None, stage: str, done: int, total: int) -> None:
    if progress is not None:
        progress(stage, done, total)


def _audit_rows(actor, rows: list[AuditEvent]) -> None:
    user = actor if getattr(actor, "is_authenticated", False) else None
    for row in rows:
        row.actor = user
    AuditEvent.objects.bulk_create(rows, batch_size=BATCH)


def _summary_event(actor, action: str, summary: str, report: ImportReport, label: str) -> AuditEvent:
    return AuditEvent(
        action=action,
        summary=summary[:300],
        payload={
            "file": label,
            "total": report.total,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "skipped": report.skipped,
        },
    )


# ------------------------------------------------------------------------------------------ organisations


@dataclass
class _OrgData:
    row: _Row
    code: str
    name: str
    kind: str
    parent_code: str
    area_id: int | None
    setup: str
    is_temporary: bool
    founded_on: date | None
    grid_ids: frozenset
    party_grid: str
    temp_task: str = ""
    approver_code: str = ""
    end_date: date | None = None


def import_orgs(
    table: TableData,
    *,
    actor=None,
    skip_invalid: bool = False,
    dry_run: bool = False,
    label: str = "",
    progress: Progress | None = None,
    today: date | None = None,
) -> ImportReport:
    """Import organisations (columns ORG_COLUMNS, optional 临时任务/批准组织代码/结束日期) by 组织代码."""
    _require_columns(table, ORG_COLUMNS, "党组织")
    today = today or timezone.localdate()
    optional = all(c in table.header for c in ORG_OPTIONAL)
    if any(c in table.header for c in ORG_OPTIONAL) and not optional:
        raise ImportFileError(f"可选列{'、'.join(ORG_OPTIONAL)}应同时提供或都不提供")
    report = ImportReport(what="orgs", dry_run=dry_run)
    records = list(table.records())
    report.total = len(records)

    areas = _lookup(AdminArea.objects, "code", (c.get("所在区划代码", "").strip() for _, c in records), "pk")
    grid_codes = [g for _, c in records for g in _split(c.get("关联网格", ""))]
    grids = _lookup(Grid.objects, "code", grid_codes, "pk")
    existing = {
        r[0]: r
        for r in PartyOrg.objects.values_list(
            "code",
            "pk",
            "name",
            "kind",
            "parent_id",
            "area_id",
            "setup",
            "is_temporary",
            "founded_on",
            "temp_task",
            "approved_by_id",
            "end_date",
            "dissolved_on",
        )
    }
    code_of_pk = {r[1]: code for code, r in existing.items()}

    # 1. Each row on its own.
    rows: list[_Row] = []
    data: dict[int, _OrgData] = {}  # by line
    first_line_of: dict[str, int] = {}
    for done, (line, cells) in enumerate(records, start=1):
        row = _Row(line, cells)
        rows.append(row)
        code = row.text("组织代码")
        if not code:
            row.bad("组织代码不能为空")
        elif len(code) > 40:
            row.bad("组织代码不能超过 40 个字符")
        elif code in first_line_of:
            row.bad(f"组织代码「{code}」与第 {first_line_of[code]} 行重复")
        else:
            first_line_of[code] = line
        name = row.text("组织名称")
        if not name:
            row.bad("组织名称不能为空")
        elif len(name) > 120:
            row.bad("组织名称不能超过 120 个字")
        kind_text = row.text("组织类别")
        kind = KIND_BY_LABEL.get(kind_text, "")
        if not kind:
            row.bad(f"组织类别「{kind_text}」无效，应为党委、党总支、党支部或党工委")
        area_code = row.text("所在区划代码")
        area_id = areas.get(area_code)
        if not area_code:
            row.bad("所在区划代码不能为空")
        elif area_id is None:
            row.bad(f"所在区划代码「{area_code}」不存在")
        setup_text = row.text("设置方式")
        setup = SETUP_BY_LABEL.get(setup_text, "")
        if not setup:
            row.bad(f"设置方式「{setup_text}」无效，应为{'、'.join(SETUP_BY_LABEL)}之一")
        temporary_text = row.text("临时")
        if temporary_text not in YES_NO:
            row.bad(f"临时「{temporary_text}」无效，应为是或否")
        is_temporary = YES_NO.get(temporary_text, False)
        founded_on = row.date("成立日期", required=False)
        if founded_on and founded_on > today:
            row.bad("成立日期不能晚于今天")
        grid_ids = []
        for grid_code in _split(row.text("关联网格")):
            if grid_code not in grids:
                row.bad(f"关联网格「{grid_code}」不存在")
            else:
                grid_ids.append(grids[grid_code])
        party_grid = row.text("党建网格")
        if len(party_grid) > 100:
            row.bad("党建网格名称不能超过 100 个字")
        item = _OrgData(
            row=row,
            code=code,
            name=name,
            kind=kind,
            parent_code=row.text("上级组织代码"),
            area_id=area_id,
            setup=setup,
            is_temporary=is_temporary,
            founded_on=founded_on,
            grid_ids=frozenset(grid_ids),
            party_grid=party_grid,
        )
        if optional:
            item.temp_task = row.text("临时任务")
            if len(item.temp_task) > 200:
                row.bad("临时任务不能超过 200 个字")
            item.approver_code = row.text("批准组织代码")
            item.end_date = row.date("结束日期", required=False)
            if item.end_date and founded_on and item.end_date < founded_on:
                row.bad("结束日期不能早于成立日期")
        if item.parent_code and item.parent_code == code:
            row.bad("上级组织不能是本组织")
        data[line] = item
        if done % BATCH == 0:
            _tick(progress, "校验", done, report.total)

    # 2. Rows against each other and the register, until no more rows turn bad (a child of a bad row is bad).
    in_file = {d.code: d for d in data.values() if d.code and first_line_of.get(d.code) == d.row.line}
    max_orgs = MemberRule.at(today).party_grid_max_orgs
    party_grids = defaultdict(list)  # name -> [(pk, area_id)]
    for pk, pg_name, area_id in PartyGrid.objects.values_list("pk", "name", "area_id"):
        party_grids[pg_name].append((pk, area_id))
    serving = defaultdict(set)  # party grid pk -> org codes serving it now
    for pg_pk, org_pk in PartyGrid.orgs.through.objects.values_list("partygrid_id", "partyorg_id"):
        serving[pg_pk].add(code_of_pk.get(org_pk))
    _check_org_tree(data, in_file, existing, code_of_pk)
    _check_party_grids(data, in_file, party_grids, serving, max_orgs)
    _check_org_tree(data, in_file, existing, code_of_pk)
    for item in data.values():
        if not item.row.reasons and item.is_temporary and optional:
            missing = [
                label
                for label, value in (
                    ("临时任务", item.temp_task),
                    ("批准组织代码", item.approver_code),
                    ("结束日期", item.end_date),
                )
                if not value
            ]
            if missing:
                report.warnings.append(Problem(item.row.line, f"临时党组织未填写{'、'.join(missing)}"))
        elif not item.row.reasons and item.is_temporary:
            report.warnings.append(Problem(item.row.line, "临时党组织未填写临时任务、批准组织代码、结束日期"))
        if not item.row.reasons and item.is_temporary and item.end_date and item.end_date < today:
            report.warnings.append(Problem(item.row.line, f"临时党组织已过结束日期 {item.end_date:%Y-%m-%d}"))

    good = _finish(report, rows, skip_invalid)
    good_items = [data[row.line] for row in good]
    _tick(progress, "校验", report.total, report.total)
    if report.refused:
        return report
    plan = _plan_orgs(good_items, existing, party_grids, optional)
    report.created, report.updated = len(plan.new), len(plan.changed)
    report.unchanged = len(good_items) - report.created - report.updated
    if dry_run or not (plan.new or plan.changed):
        return report
    with transaction.atomic():
        _write_orgs(plan, existing, optional, actor=actor, report=report, label=label, progress=progress)
    return report


def _check_org_tree(data, in_file, existing, code_of_pk) -> None:
    """Parents and approvers exist (in the file, on a good row, or in the register), no branch has
    sub-organisations, no cycle; repeated until stable, since a bad row makes its children bad."""
    while True:
        good = {code: d for code, d in in_file.items() if not d.row.reasons}
        final_parent = {code: code_of_pk.get(r[4]) for code, r in existing.items()}
        final_kind = {code: r[3] for code, r in existing.items()}
        for code, d in good.items():
            final_parent[code] = d.parent_code or None
            final_kind[code] = d.kind
        # Children staying where they are in the register; a child in the file is checked on its own row.
        has_children = {p for c, p in final_parent.items() if p and c not in good}
        turned = False
        for d in data.values():
            if d.row.reasons:
                continue
            reason = _tree_reason(d, good, in_file, existing, final_parent, final_kind, has_children)
            if reason:
                d.row.bad(reason)
                turned = True
        if not turned:
            return


def _tree_reason(d, good, in_file, existing, final_parent, final_kind, has_children) -> str:
    for code, what in ((d.parent_code, "上级组织代码"), (d.approver_code, "批准组织代码")):
        if not code or code in good:
            continue
        if code in in_file:
            return f"{what}「{code}」所在的第 {in_file[code].row.line} 行有误"
        if code not in existing:
            return f"{what}「{code}」不存在"
    if d.parent_code:
        if final_kind.get(d.parent_code) == PartyOrg.Kind.BRANCH:
            return f"上级组织「{d.parent_code}」是党支部，党支部下不能设立下级党组织（可设党小组）"
        if d.parent_code not in good and existing[d.parent_code][12] is not None:
            return f"上级组织「{d.parent_code}」已撤销"
        seen, node = {d.code}, d.parent_code
        while node:
            if node in seen:
                return "上级组织形成循环（本组织不能是其上级组织的下级）"
            seen.add(node)
            node = final_parent.get(node)
    if d.kind == PartyOrg.Kind.BRANCH and d.code in has_children:
        return "党支部下不能设立下级党组织，该组织已有下级组织，不能改为党支部"
    return ""


def _check_party_grids(data, in_file, party_grids, serving, max_orgs) -> None:
    """Each named party grid resolves to one (or a new one) and keeps at most `max_orgs` serving organisations."""
    good_codes = {code for code, d in in_file.items() if not d.row.reasons}
    claims = defaultdict(list)  # party grid key -> [_OrgData] in file order
    for d in data.values():
        if d.row.reasons or not d.party_grid:
            continue
        candidates = party_grids.get(d.party_grid, [])
        if len(candidates) > 1:
            here = [pk for pk, area_id in candidates if area_id == d.area_id]
            if len(here) != 1:
                d.row.bad(f"党建网格「{d.party_grid}」在多个区划下重名，无法确定是哪一个，请在系统中处理")
                continue
            key = here[0]
        else:
            key = candidates[0][0] if candidates else ("new", d.party_grid)
        claims[key].append(d)
    for key, claimants in claims.items():
        outside = (
            {c for c in serving.get(key, set()) if c not in good_codes} if isinstance(key, int) else set()
        )
        room = max_orgs - len(outside)
        for d in claimants[max(room, 0) :]:
            d.row.bad(f"党建网格「{d.party_grid}」的服务党组织将超过 {max_orgs} 个")


@dataclass
class _OrgPlan:
    new: list = field(default_factory=list)  # _OrgData
    changed: list = field(default_factory=list)  # (_OrgData, [field names])
    party_grid_keys: dict = field(default_factory=dict)  # code -> pk or ("new", name)
    new_party_grids: dict = field(default_factory=dict)  # name -> area_id
    grids_now: dict = field(default_factory=dict)  # org pk -> set of grid pks
    party_grids_now: dict = field(default_factory=dict)  # org pk -> set of party grid pks


def _plan_orgs(items: list[_OrgData], existing, party_grids, optional: bool) -> _OrgPlan:
    plan = _OrgPlan()
    pks = [existing[d.code][1] for d in items if d.code in existing]
    code_of_pk = {r[1]: code for code, r in existing.items()}
    through = PartyOrg.grids.through.objects
    for chunk in _chunks(pks):
        for org_pk, grid_pk in through.filter(partyorg_id__in=chunk).values_list("partyorg_id", "grid_id"):
            plan.grids_now.setdefault(org_pk, set()).add(grid_pk)
    pg_through = PartyGrid.orgs.through.objects
    for chunk in _chunks(pks):
        for org_pk, pg_pk in pg_through.filter(partyorg_id__in=chunk).values_list(
            "partyorg_id", "partygrid_id"
        ):
            plan.party_grids_now.setdefault(org_pk, set()).add(pg_pk)
    for d in items:
        key = None
        if d.party_grid:
            candidates = party_grids.get(d.party_grid, [])
            if len(candidates) > 1:
                key = next(pk for pk, area_id in candidates if area_id == d.area_id)
            elif candidates:
                key = candidates[0][0]
            else:
                key = ("new", d.party_grid)
                plan.new_party_grids.setdefault(d.party_grid, d.area_id)
        plan.party_grid_keys[d.code] = key
        if d.code not in existing:
            plan.new.append(d)
            continue
        r = existing[d.code]
        now = {
            "name": r[2],
            "kind": r[3],
            "parent": code_of_pk.get(r[4]) or "",
            "area": r[5],
            "setup": r[6],
            "is_temporary": r[7],
            "founded_on": r[8],
        }
        wanted = {
            "name": d.name,
            "kind": d.kind,
            "parent": d.parent_code,
            "area": d.area_id,
            "setup": d.setup,
            "is_temporary": d.is_temporary,
            "founded_on": d.founded_on,
        }
        if optional:
            now |= {"temp_task": r[9], "approved_by": code_of_pk.get(r[10]) or "", "end_date": r[11]}
            wanted |= {"temp_task": d.temp_task, "approved_by": d.approver_code, "end_date": d.end_date}
        names = [name for name in wanted if wanted[name] != now[name]]
        if set(d.grid_ids) != plan.grids_now.get(r[1], set()):
            names.append("grids")
        wanted_pg = {key} if key is not None else set()
        if wanted_pg != plan.party_grids_now.get(r[1], set()):
            names.append("party_grids")
        if names:
            plan.changed.append((d, names))
    return plan


def _write_orgs(plan: _OrgPlan, existing, optional: bool, *, actor, report, label, progress) -> None:
    pk_of = {code: r[1] for code, r in existing.items()}
    now = timezone.now()
    total = len(plan.new) + len(plan.changed)
    # New organisations level by level, so a parent later in the file is created before its children.
    pending, done = list(plan.new), 0
    while pending:
        ready = [d for d in pending if not d.parent_code or d.parent_code in pk_of]
        waiting = [d for d in pending if d.parent_code and d.parent_code not in pk_of]
        if not ready:  # cannot happen after _check_org_tree; guard against looping for ever
            raise ImportFileError("上级组织形成循环，未导入")
        objs = [
            PartyOrg(
                code=d.code,
                name=d.name,
                kind=d.kind,
                parent_id=pk_of.get(d.parent_code) if d.parent_code else None,
                area_id=d.area_id,
                setup=d.setup,
                is_temporary=d.is_temporary,
                founded_on=d.founded_on,
                temp_task=d.temp_task,
                end_date=d.end_date,
                path="",
            )
            for d in ready
        ]
        for start in range(0, len(objs), BATCH):
            PartyOrg.objects.bulk_create(objs[start : start + BATCH])
            done += len(objs[start : start + BATCH])
            _tick(progress, "写入", done, total)
        for d, obj in zip(ready, objs, strict=True):
            pk_of[d.code] = obj.pk
        pending = waiting
    approvals = [
        PartyOrg(pk=pk_of[d.code], approved_by_id=pk_of[d.approver_code]) for d in plan.new if d.approver_code
    ]
    PartyOrg.objects.bulk_update(approvals, ["approved_by_id"], batch_size=BATCH)

    updates, fields = [], set()
    for d, names in plan.changed:
        obj = PartyOrg(
            pk=pk_of[d.code],
            name=d.name,
            kind=d.kind,
            parent_id=pk_of.get(d.parent_code) if d.parent_code else None,
            area_id=d.area_id,
            setup=d.setup,
            is_temporary=d.is_temporary,
            founded_on=d.founded_on,
            temp_task=d.temp_task,
            approved_by_id=pk_of.get(d.approver_code) if d.approver_code else None,
            end_date=d.end_date,
            updated_at=now,
        )
        updates.append(obj)
        fields.update(
            {"parent": "parent_id", "area": "area_id", "approved_by": "approved_by_id"}.get(n, n)
            for n in names
            if n not in ("grids", "party_grids")
        )
    if fields:
        PartyOrg.objects.bulk_update(updates, sorted(fields | {"updated_at"}), batch_size=BATCH)
    done += len(plan.changed)
    _tick(progress, "写入", done, total)
    if plan.new or "parent_id" in fields:
        rebuild_paths()

    # Linked grids and party grids: the file is the truth for the organisations in it.
    grid_through = PartyOrg.grids.through
    touched = [d for d in plan.new] + [d for d, names in plan.changed if "grids" in names]
    stale = [pk_of[d.code] for d in touched if d.code in existing]
    for chunk in _chunks(stale):
        grid_through.objects.filter(partyorg_id__in=chunk).delete()
    grid_through.objects.bulk_create(
        [grid_through(partyorg_id=pk_of[d.code], grid_id=g) for d in touched for g in sorted(d.grid_ids)],
        batch_size=BATCH,
    )
    new_pgs = [PartyGrid(name=name, area_id=area_id) for name, area_id in plan.new_party_grids.items()]
    PartyGrid.objects.bulk_create(new_pgs, batch_size=BATCH)
    pg_pk = {("new", pg.name): pg.pk for pg in new_pgs}
    pg_through = PartyGrid.orgs.through
    touched = [d for d in plan.new] + [d for d, names in plan.changed if "party_grids" in names]
    stale = [pk_of[d.code] for d in touched if d.code in existing]
    for chunk in _chunks(stale):
        pg_through.objects.filter(partyorg_id__in=chunk).delete()
    links = []
    for d in touched:
        key = plan.party_grid_keys.get(d.code)
        if key is not None:
            links.append(pg_through(partyorg_id=pk_of[d.code], partygrid_id=pg_pk.get(key, key)))
    pg_through.objects.bulk_create(links, batch_size=BATCH)

    events = [
        AuditEvent(
            action="party.org_create",
            target_type="party.partyorg",
            target_id=str(pk_of[d.code]),
            summary=f"导入新建{PartyOrg.Kind(d.kind).label}「{d.name}」"[:300],
            payload={"code": d.code, "temporary": d.is_temporary, "file": label},
        )
        for d in plan.new
    ]
    events += [
        AuditEvent(
            action="party.org_update",
            target_type="party.partyorg",
            target_id=str(pk_of[d.code]),
            summary=f"导入修改党组织「{d.name}」"[:300],
            payload={"fields": sorted(names), "file": label},
        )
        for d, names in plan.changed
    ]
    events += [
        AuditEvent(
            action="party.grid_save",
            target_type="party.partygrid",
            target_id=str(pg.pk),
            summary=f"导入新建党建网格「{pg.name}」"[:300],
            payload={"fields": ["name", "orgs"], "file": label},
        )
        for pg in new_pgs
    ]
    events.append(
        _summary_event(
            actor,
            "party.import_orgs",
            f"导入党组织：新增 {report.created} 个，更新 {report.updated} 个，未变化 {report.unchanged} 个"
            + (f"（{label}）" if label else ""),
            report,
            label,
        )
    )
    _audit_rows(actor, events)


# ------------------------------------------------------------------------------------------------ members

# The member fields an import sets (the rest, such as status, group or flow details, stay as they are).
MEMBER_FIELDS = (
    "name",
    "sex",
    "birth_date",
    "category",
    "joined_on",
    "full_on",
    "org_id",
    "employer_id",
    "employer_name",
    "residence_grid_id",
    "in_service",
    "retired",
    "flowing",
    "seasonal",
    "lost_contact",
)


class _Rules:
    """MemberRule rows in force on a day, loaded once (a rule per joining date would be a query per row)."""

    def __init__(self):
        self.rows = list(MemberRule.objects.filter(is_active=True).order_by("-effective_from", "-pk"))
        self.default = MemberRule()
        self.cache: dict[date, MemberRule] = {}

    def at(self, day: date) -> MemberRule:
        rule = self.cache.get(day)
        if rule is None:
            rule = next(
                (
                    r
                    for r in self.rows
                    if r.effective_from <= day and (r.effective_to is None or r.effective_to >= day)
                ),
                self.default,
            )
            self.cache[day] = rule
        return rule


def import_members(
    table: TableData,
    *,
    actor=None,
    skip_invalid: bool = False,
    dry_run: bool = False,
    label: str = "",
    progress: Progress | None = None,
    today: date | None = None,
) -> ImportReport:
    """Import members (columns MEMBER_COLUMNS, optional 手机号) matched by ID number; organisations first."""
    _require_columns(table, MEMBER_COLUMNS, "党员")
    today = today or timezone.localdate()
    with_phone = "手机号" in table.header
    report = ImportReport(what="members", dry_run=dry_run)
    records = list(table.records())
    report.total = len(records)

    orgs = {
        r[0]: r[1:]
        for r in PartyOrg.objects.values_list("code", "pk", "name", "is_temporary", "dissolved_on")
    }
    grids = _lookup(Grid.objects, "code", (c.get("居住网格", "").strip() for _, c in records), "pk")
    units_by_name = defaultdict(list)
    for unit_name, pk in _lookup_many(
        Unit.objects, "name", (c.get("工作单位", "").strip() for _, c in records)
    ):
        units_by_name[unit_name].append(pk)
    rules = _Rules()
    lookup_hash = idnumbers.lookup_hasher()

    rows: list[_Row] = []
    parsed: dict[int, tuple] = {}  # line -> (number, hash, values dict, phone)
    first_line_of: dict[str, int] = {}
    for done, (line, cells) in enumerate(records, start=1):
        row = _Row(line, cells)
        rows.append(row)
        name = row.text("姓名")
        if not name:
            row.bad("姓名不能为空")
        elif len(name) > 50:
            row.bad("姓名不能超过 50 个字")
        number, digest = "", ""
        try:
            identity = idnumbers.parse(row.text("身份证号"), today=today)
        except idnumbers.IdNumberError as error:
            if "e+" in row.text("身份证号").lower():
                row.bad("身份证号被存成了数字（科学计数法），请将该列设为文本格式后重新填写")
            else:
                row.bad(error.message)
            identity = None
        else:
            number = identity.number
            digest = lookup_hash(number)
            if digest in first_line_of:
                row.bad(f"身份证号与第 {first_line_of[digest]} 行重复")
            else:
                first_line_of[digest] = line
        sex_text = row.text("性别")
        sex = SEX_BY_LABEL.get(sex_text)
        if sex is None:
            row.bad(f"性别「{sex_text}」无效，应为男或女")
        elif identity and sex != identity.sex:
            row.bad(f"性别与身份证号不符（身份证号显示为{identity.sex_label}）")
        birth = row.date("出生日期", required=True)
        if birth and identity and birth != identity.birth_date:
            row.bad(f"出生日期与身份证号不符（身份证号显示为 {identity.birth_date:%Y-%m-%d}）")
        category_text = row.text("类别")
        category = CATEGORY_BY_LABEL.get(category_text)
        if category is None:
            row.bad(f"类别「{category_text}」无效，应为正式或预备")
        joined = row.date("入党日期", required=True)
        full = row.date("转正日期", required=False)
        if joined:
            if joined > today:
                row.bad("入党日期不能晚于今天")
            elif birth and joined <= birth:
                row.bad("入党日期应晚于出生日期")
            elif birth and joined < add_months(birth, 18 * 12):
                report.warnings.append(Problem(line, "入党时未满 18 周岁，请核对"))
        if category == PartyMember.Category.PROBATIONARY and row.text("转正日期"):
            row.bad("预备党员不应填写转正日期")
        elif category == PartyMember.Category.FULL and not row.text("转正日期"):
            row.bad("正式党员须填写转正日期")
        elif category == PartyMember.Category.FULL and full and joined:
            months = rules.at(joined).probation_months
            earliest = add_months(joined, months)
            if full < earliest:
                row.bad(f"转正日期应在入党日期满 {months} 个月之后（不早于 {earliest:%Y-%m-%d}）")
            elif full > today:
                row.bad("转正日期不能晚于今天")
        org_code = row.text("组织代码")
        org = orgs.get(org_code)
        if not org_code:
            # A member without an organisation is a fact the register must show (members_without_org), not a bad row.
            report.warnings.append(Problem(line, "未填写组织代码：该党员暂无所在党组织，请尽快编入支部"))
        elif org is None:
            row.bad(f"组织代码「{org_code}」不存在，请先导入党组织")
        elif org[3] is not None and org[3] <= today:
            row.bad(f"「{org[1]}」已撤销，不能接收党员")
        elif org[2] and category == PartyMember.Category.PROBATIONARY:
            row.bad(f"「{org[1]}」是临时党组织，不能发展党员或接收预备党员")
        elif org[2]:
            report.warnings.append(Problem(line, f"党员编入临时党组织「{org[1]}」，请同时保留其原组织关系"))
        employer_name = row.text("工作单位")
        if len(employer_name) > 120:
            row.bad("工作单位不能超过 120 个字")
        unit_pks = units_by_name.get(employer_name, [])
        grid_code = row.text("居住网格")
        grid_id = grids.get(grid_code)
        if grid_code and grid_id is None:
            row.bad(f"居住网格「{grid_code}」不存在")
        flags = dict.fromkeys(FLAG_FIELD.values(), False)
        for flag in _split(row.text("标记")):
            if flag not in FLAG_FIELD:
                row.bad(f"标记「{flag}」无效，应为在职、离退休、流动、候鸟、失联（用分号分隔）")
            else:
                flags[FLAG_FIELD[flag]] = True
        if flags["in_service"] and flags["retired"]:
            report.warnings.append(Problem(line, "同时标记了在职和离退休，请核对"))
        phone = row.text("手机号") if with_phone else None
        if phone and not _PHONE.match(phone):
            row.bad(f"手机号「{phone}」格式不正确，应为 11 位手机号码")
        if not row.reasons:
            values = {
                "name": name,
                "sex": sex,
                "birth_date": birth,
                "category": category,
                "joined_on": joined,
                "full_on": full if category == PartyMember.Category.FULL else None,
                "org_id": org[0] if org else None,
                "employer_id": unit_pks[0] if len(unit_pks) == 1 else None,
                "employer_name": employer_name,
                "residence_grid_id": grid_id,
                **flags,
            }
            parsed[line] = (number, digest, values, phone)
        if done % BATCH == 0:
            _tick(progress, "校验", done, report.total)
    _tick(progress, "校验", report.total, report.total)

    good = _finish(report, rows, skip_invalid)
    bad_lines = {p.row for p in report.errors}
    report.warnings = [p for p in report.warnings if p.row not in bad_lines]
    if report.refused:
        return report
    current = {}
    hashes = [parsed[row.line][1] for row in good]
    columns = ("id_hash", "pk", *MEMBER_FIELDS, "lost_since", "flow_direction", "group_id", "phone")
    for chunk in _chunks(hashes):
        for r in PartyMember.objects.filter(id_hash__in=chunk).values_list(*columns):
            current[r[0]] = dict(zip(columns[1:], r[1:], strict=True))
    new, changed = [], []
    for row in good:
        number, digest, values, phone = parsed[row.line]
        if phone is not None:
            values["phone"] = phone
        now = current.get(digest)
        if now is None:
            new.append((row, number, digest, values))
            if values["flowing"]:
                report.warnings.append(Problem(row.line, "流动党员未注明流入或流出，请在系统中补充"))
            continue
        names = [name for name, value in values.items() if now[name] != value]
        if names:
            changed.append((row, now, values, names))
            if values["flowing"] and not now["flow_direction"]:
                report.warnings.append(Problem(row.line, "流动党员未注明流入或流出，请在系统中补充"))
    report.warnings.sort(key=lambda p: p.row)
    report.created, report.updated = len(new), len(changed)
    report.unchanged = len(good) - report.created - report.updated
    if dry_run or not (new or changed):
        return report
    with transaction.atomic():
        _write_members(new, changed, today, actor=actor, report=report, label=label, progress=progress)
    return report


def _lookup_many(queryset, field_name: str, values: Iterable[str]) -> list[tuple]:
    wanted = sorted({v for v in values if v})
    found = []
    for chunk in _chunks(wanted):
        found.extend(queryset.filter(**{f"{field_name}__in": chunk}).values_list(field_name, "pk"))
    return found


DATE_COLUMNS = ("birth_date", "joined_on", "full_on", "lost_since")


def _member_columns() -> tuple[list[str], dict]:
    """The columns of a new member row (the primary key aside) and their defaults."""
    fields = [f for f in PartyMember._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}
    return [f.attname for f in fields], defaults


def _adapt(value):
    """What a raw cursor takes for a value (dates as the backend wants them, as Django's fields would)."""
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    return value


def _write_members(new, changed, today: date, *, actor, report, label, progress) -> None:
    # Raw executemany rather than bulk_create / bulk_update: the ORM's per-field preparation of
    # 100,000 rows x 40 columns took most of the time; the values here are already checked and typed.
    stamp = timezone.now()
    total, done = len(new) + len(changed), 0
    encrypt = idnumbers.encrypter()
    columns, defaults = _member_columns()
    adapt_date = connection.ops.adapt_datefield_value
    db_stamp, lost_since = _adapt(stamp), today  # lost_since is adapted with the other dates
    table = connection.ops.quote_name(PartyMember._meta.db_table)
    insert = "INSERT INTO {} ({}) VALUES ({})".format(
        table, ", ".join(connection.ops.quote_name(c) for c in columns), ", ".join(["%s"] * len(columns))
    )
    events = []
    with connection.cursor() as cursor:
        for number_in_batch, start in enumerate(range(0, len(new), BATCH), start=1):
            batch = new[start : start + BATCH]
            rows = []
            for _row, number, digest, values in batch:
                record = defaults | values
                record.update(
                    id_encrypted=encrypt(number),
                    id_hash=digest,
                    id_masked=idnumbers.mask(number),
                    lost_since=lost_since if values["lost_contact"] else None,
                    created_at=db_stamp,
                    updated_at=db_stamp,
                )
                for name in DATE_COLUMNS:
                    if record[name] is not None:
                        record[name] = adapt_date(record[name])
                rows.append([record[c] for c in columns])
            cursor.executemany(insert, rows)  # psycopg pipelines it; multi-row VALUES measured slower
            pks = [pk for chunk in _chunks([d for _r, _n, d, _v in batch]) for pk in _pks_of(chunk)]
            events.append(
                AuditEvent(
                    action="party.import_members",
                    summary=f"导入登记党员 {len(batch)} 名（第 {number_in_batch} 批）"
                    + (f"（{label}）" if label else ""),
                    payload={"file": label, "batch": number_in_batch, "created_ids": sorted(pks)},
                )
            )
            done += len(batch)
            _tick(progress, "写入", done, total)

        names = [*MEMBER_FIELDS, "phone", "lost_since", "group_id", "updated_at"]
        update = "UPDATE {} SET {} WHERE {} = %s".format(
            table,
            ", ".join(f"{connection.ops.quote_name(n)} = %s" for n in names),
            connection.ops.quote_name(PartyMember._meta.pk.column),
        )
        for start in range(0, len(changed), BATCH):
            batch = changed[start : start + BATCH]
            rows = []
            for _row, now, values, fields in batch:
                record = now | values | {"updated_at": stamp}
                if values["lost_contact"] and not now["lost_contact"]:
                    record["lost_since"] = today
                elif not values["lost_contact"]:
                    record["lost_since"] = None
                if "org_id" in fields:
                    record["group_id"] = None  # a party group belongs to the old organisation
                rows.append([*(_adapt(record[n]) for n in names), now["pk"]])
                events.append(
                    AuditEvent(
                        action="party.member_update",
                        target_type="party.partymember",
                        target_id=str(now["pk"]),
                        summary=f"导入修改党员 {mask_person_name(values['name'])} 的信息",
                        payload={"file": label, "fields": sorted(n.removesuffix("_id") for n in fields)},
                    )
                )
            cursor.executemany(update, rows)
            done += len(batch)
            _tick(progress, "写入", done, total)
    events.append(
        _summary_event(
            actor,
            "party.import_members",
            f"导入党员：新增 {report.created} 名，更新 {report.updated} 名，未变化 {report.unchanged} 名"
            + (f"（{label}）" if label else ""),
            report,
            label,
        )
    )
    _audit_rows(actor, events)


def _pks_of(hashes: list[str]) -> list[int]:
    return list(PartyMember.objects.filter(id_hash__in=hashes).values_list("pk", flat=True))
