"""The scan's criteria: which organisations meet which criterion on a day, each with a sentence that gives the
figure. Reads only; the candidates are written by `services.scan`.

What each criterion means (the parameters are the Criterion row in force on the day):
- 书记空缺: no 书记 post held on the day, and the post has been vacant for more than `months` months. Vacant since
  the day after the last 书记 left (to_date + 1); with no 书记 ever recorded, since the current term's election, or
  else since the organisation was founded (an undated organisation without a 书记 is not dated, so not counted).
  "More than 3 months" is strict: vacant since 2026-08-01, the day 2026-11-01 is exactly 3 months, not over;
  2026-11-02 is.
- 组织生活不正常: at least `count` rule periods (三会一课, 主题党日, 组织生活会 as `party.compliance` computes them)
  that ended in the last `months` months short of their minimum. The window is from the first day of the month
  `months` months before the scan's month up to the day before the scan.
- 未按期换届: the current term is past its due date (the extension's date when extended) by more than `months`
  months (0: any day past it).
- 三率排名靠后: the unit the organisation answers for is among the last `count` ranked units of its kind (职能部门,
  乡镇/街道, 村/社区 ...) in the three-rate league table over the window (`months` full months before the scan's
  month; 0: the last full calendar year).
- 群众满意率低: that unit's satisfaction rate over the window is below `threshold` % with at least `count` rated
  tickets.

The unit an organisation answers for: its own unit; else the one 乡镇/街道 unit (for a town-level area) or 村/社区
unit (for a village-level area) of its area. Without one the two 12345 criteria do not apply: the organisation's
reasons say so (a note, which on its own does not make a candidate).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q

from civicgrid.assessment.selectors import three_rates
from civicgrid.core.actors import SYSTEM
from civicgrid.party.compliance import compliance_for, light
from civicgrid.party.models import CommitteeTerm, ComplianceRule, PartyOrg, Post, add_months
from civicgrid.registry.models import AdminArea, Unit
from civicgrid.weakorgs.models import Criterion

C = Criterion.Code
NOT_APPLICABLE = "not_applicable"
UNRANKED_KINDS = {Unit.Kind.HOTLINE_CENTRE}


@dataclass
class Reason:
    code: str
    text: str
    flags: bool = True  # False for a note that does not on its own make a candidate

    def as_dict(self) -> dict:
        return {"code": self.code, "text": self.text}


@dataclass
class Finding:
    org: PartyOrg
    reasons: list[Reason] = field(default_factory=list)

    @property
    def flagged(self) -> list[Reason]:
        return [r for r in self.reasons if r.flags]


def criteria_at(day: date) -> dict[str, Criterion]:
    """The criterion rows in force on `day` that are switched on, by code (the latest version of each)."""
    found: dict[str, Criterion] = {}
    for row in Criterion.objects.effective_at(day).order_by("code", "-effective_from", "-pk"):
        found.setdefault(row.code, row)
    return {code: row for code, row in found.items() if row.enabled}


def full_months(since: date, day: date) -> int:
    """Whole months from `since` to `day` (2026-08-01 → 2026-12-02: 4)."""
    months = (day.year - since.year) * 12 + day.month - since.month
    if add_months(since, months) > day:
        months -= 1
    return max(months, 0)


def window(day: date, months: int) -> tuple[date, date]:
    """The 12345 window: `months` full months before the month of `day`; 0 for the last full calendar year."""
    if months <= 0:
        return date(day.year - 1, 1, 1), date(day.year - 1, 12, 31)
    first = day.replace(day=1)
    return add_months(first, -months), first - timedelta(days=1)


def window_label(start: date, end: date) -> str:
    if start.month == 1 and start.day == 1 and end == date(start.year, 12, 31):
        return f"{start.year}年"
    return f"{start:%Y-%m-%d}至{end:%Y-%m-%d}"


def evaluate(orgs, day: date, rules: dict[str, Criterion] | None = None) -> dict[int, Finding]:
    """Every active organisation of `orgs` (a queryset) with its reasons on `day`; organisations meeting no
    criterion are left out."""
    rules = criteria_at(day) if rules is None else rules
    org_list = list(orgs.active_at(day).select_related("area", "unit").order_by("code"))
    findings = {org.pk: Finding(org) for org in org_list}
    if not org_list or not rules:
        return {}
    ids = list(findings)
    if C.SECRETARY_VACANT in rules:
        _secretary_vacant(findings, ids, day, rules[C.SECRETARY_VACANT])
    if C.LIFE_NOT_HELD in rules:
        _life_not_held(findings, ids, day, rules[C.LIFE_NOT_HELD])
    if C.TERM_OVERDUE in rules:
        _term_overdue(findings, ids, day, rules[C.TERM_OVERDUE])
    if C.RANKING_BOTTOM in rules or C.LOW_SATISFACTION in rules:
        _hotline(findings, org_list, day, rules)
    return {pk: f for pk, f in findings.items() if f.flagged}


# ------------------------------------------------------------------------------------------------- criteria


def _secretary_vacant(findings, ids, day: date, rule: Criterion) -> None:
    held, last_left = set(), {}
    posts = Post.objects.filter(term__org_id__in=ids, post=Post.Kind.SECRETARY).values_list(
        "term__org_id", "from_date", "to_date"
    )
    for org_id, from_date, to_date in posts.iterator(chunk_size=5000):
        if (from_date is None or from_date <= day) and (to_date is None or to_date >= day):
            held.add(org_id)
        elif to_date is not None and to_date < day:
            last_left[org_id] = max(last_left.get(org_id, to_date), to_date)
    elected = dict(
        CommitteeTerm.objects.filter(org_id__in=ids, is_current=True).values_list("org_id", "elected_on")
    )
    for pk, finding in findings.items():
        if pk in held:
            continue
        if pk in last_left:
            since = last_left[pk] + timedelta(days=1)
        else:
            since = elected.get(pk) or finding.org.founded_on
        if since is None or since > day or day <= add_months(since, rule.months):
            continue
        finding.reasons.append(
            Reason(C.SECRETARY_VACANT, f"书记空缺 {full_months(since, day)} 个月（自 {since:%Y-%m-%d}）")
        )


def _period_label(period: str, start: date) -> str:
    if period == ComplianceRule.Period.MONTH:
        return f"{start.year}年{start.month}月"
    if period == ComplianceRule.Period.QUARTER:
        return f"{start.year}年第{(start.month - 1) // 3 + 1}季度"
    return f"{start.year}年"


def _life_not_held(findings, ids, day: date, rule: Criterion) -> None:
    months = max(rule.months, 1)
    first = day.replace(day=1)
    since = add_months(first, -months)
    # The periods that ended in the window: for each month of it, the periods before the one containing its
    # first day, as party.compliance computes them (deduplicated: a quarter is seen from three months).
    short: dict[int, dict[tuple, tuple]] = defaultdict(dict)
    for k in range(months):
        anchor = add_months(first, -k)
        for pk, status in compliance_for(ids, anchor, previous=True).items():
            for item in status.items:
                if not (since <= item.end < day):
                    continue
                if light(item.done, item.required, item.end, day) != "red":
                    continue
                short[pk][(item.meeting_kind, item.start)] = item
    for pk, items in short.items():
        if len(items) < max(rule.count, 1):
            continue
        parts = [
            f"{item.meeting_label}{_period_label(item.period, item.start)}应 {item.required} 次实 {item.done} 次"
            for item in sorted(items.values(), key=lambda i: (i.start, i.meeting_kind))
        ]
        findings[pk].reasons.append(
            Reason(
                C.LIFE_NOT_HELD,
                f"近 {months} 个月组织生活未达标 {len(items)} 项（{'；'.join(parts)}）",
            )
        )


def _term_overdue(findings, ids, day: date, rule: Criterion) -> None:
    for term in CommitteeTerm.objects.filter(org_id__in=ids, is_current=True).only(
        "org_id", "due_on", "extended_to", "is_current", "number"
    ):
        due = term.effective_due_on
        if not term.is_overdue(day) or day <= add_months(due, rule.months):
            continue
        months = full_months(due, day)
        late = f"{months} 个月" if months else f"{(day - due).days} 天"
        extended = "（已延期）" if term.extended_to else ""
        findings[term.org_id].reasons.append(
            Reason(C.TERM_OVERDUE, f"未按期换届，逾期 {late}（应于 {due:%Y-%m-%d} 换届{extended}）")
        )


def answering_units(orgs: list[PartyOrg]) -> dict[int, Unit | None]:
    """The unit each organisation answers for in 12345 figures (see the module's note)."""
    need = {o.area_id for o in orgs if o.unit_id is None}
    by_area: dict[int, list[Unit]] = defaultdict(list)
    if need:
        for unit in Unit.objects.filter(
            Q(area_id__in=need, area__level=AdminArea.Level.TOWN, kind=Unit.Kind.TOWN)
            | Q(area_id__in=need, area__level=AdminArea.Level.VILLAGE, kind=Unit.Kind.COMMUNITY)
        ):
            by_area[unit.area_id].append(unit)
    found = {}
    for org in orgs:
        if org.unit_id:
            found[org.pk] = org.unit
        else:
            units = by_area.get(org.area_id, [])
            found[org.pk] = units[0] if len(units) == 1 else None
    return found


def _hotline(findings, org_list, day: date, rules: dict[str, Criterion]) -> None:
    units = answering_units(org_list)
    tables: dict[tuple[date, date], dict] = {}

    def table(months: int):
        bounds = window(day, months)
        if bounds not in tables:
            rows = three_rates(user=SYSTEM, date_from=bounds[0], date_to=bounds[1], by="unit")
            kinds = dict(Unit.objects.filter(pk__in=[r.key for r in rows]).values_list("pk", "kind"))
            by_kind = defaultdict(list)
            for row in rows:
                kind = kinds.get(row.key)
                if row.rank is not None and kind not in UNRANKED_KINDS:
                    by_kind[kind].append(row)
            tables[bounds] = {"rows": {r.key: r for r in rows}, "by_kind": by_kind, "kinds": kinds}
        return bounds, tables[bounds]

    ranking, satisfaction = rules.get(C.RANKING_BOTTOM), rules.get(C.LOW_SATISFACTION)
    for org in org_list:
        unit = units.get(org.pk)
        finding = findings[org.pk]
        if unit is None:
            finding.reasons.append(
                Reason(
                    NOT_APPLICABLE,
                    "未关联承办单位或乡镇、村（社区），12345 三率和满意率条件不适用",
                    flags=False,
                )
            )
            continue
        if ranking is not None:
            bounds, data = table(ranking.months)
            group = data["by_kind"].get(unit.kind, [])
            place = next((i for i, row in enumerate(group) if row.key == unit.pk), None)
            last = max(ranking.count, 1)
            if place is not None and place >= len(group) - last:
                row = group[place]
                from_bottom = len(group) - place
                finding.reasons.append(
                    Reason(
                        C.RANKING_BOTTOM,
                        f"{window_label(*bounds)}三率综合排名倒数第 {from_bottom}"
                        f"（{unit.get_kind_display()} {len(group)} 个中第 {row.rank} 名，"
                        f"综合得分 {row.composite * 100:.1f}）",
                    )
                )
        if satisfaction is not None:
            bounds, data = table(satisfaction.months)
            row = data["rows"].get(unit.pk)
            if (
                row is not None
                and row.rated >= max(satisfaction.count, 1)
                and row.satisfaction_rate is not None
                and row.satisfaction_rate * 100 < float(satisfaction.threshold)
            ):
                finding.reasons.append(
                    Reason(
                        C.LOW_SATISFACTION,
                        f"群众满意率 {row.satisfaction_rate * 100:.1f}%（{window_label(*bounds)}参评 {row.rated} 件，"
                        f"低于 {float(satisfaction.threshold):g}%）",
                    )
                )
