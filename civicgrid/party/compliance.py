"""Organisational-life compliance: for each organisation and rule (meeting kind × period × minimum), done against
required in the period, as a traffic light. `light` is the one place a colour is decided.

A rule applies to an organisation of its kind (or any kind), active on the day; 支委会 rules only where there is a
current committee, 党小组会 rules only where there are party groups.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Q

from civicgrid.party.models import CommitteeTerm, ComplianceRule, Meeting, PartyGroup, PartyOrg

GREEN, AMBER, RED = "green", "amber", "red"
LIGHT_LABELS = {GREEN: "达标", AMBER: "待完成", RED: "未达标"}
_ORDER = {GREEN: 0, AMBER: 1, RED: 2}


def light(done: int, required: int, period_end: date, day: date) -> str:
    """Green when done; amber while the period runs and it is not yet done; red when the period ended short."""
    if done >= required:
        return GREEN
    return RED if day > period_end else AMBER


def period_bounds(period: str, day: date) -> tuple[date, date]:
    """The calendar month, quarter or year containing `day` (inclusive)."""
    if period == ComplianceRule.Period.MONTH:
        start = day.replace(day=1)
    elif period == ComplianceRule.Period.QUARTER:
        start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    else:
        start = date(day.year, 1, 1)
    months = {ComplianceRule.Period.MONTH: 1, ComplianceRule.Period.QUARTER: 3}.get(period, 12)
    year, month0 = divmod(start.month - 1 + months, 12)
    return start, date(start.year + year, month0 + 1, 1) - timedelta(days=1)


def previous_period_day(period: str, day: date) -> date:
    """A day in the period before the one containing `day`."""
    return period_bounds(period, day)[0] - timedelta(days=1)


@dataclass
class RuleStatus:
    meeting_kind: str
    meeting_label: str
    period: str
    period_label: str
    start: date
    end: date
    required: int
    done: int
    light: str

    @property
    def light_label(self) -> str:
        return LIGHT_LABELS[self.light]


@dataclass
class OrgCompliance:
    org_id: int
    items: list[RuleStatus] = field(default_factory=list)

    @property
    def light(self) -> str:
        """The worst of the rules' lights; green when no rule applies."""
        return max((item.light for item in self.items), key=_ORDER.get, default=GREEN)

    @property
    def behind(self) -> list[RuleStatus]:
        return [item for item in self.items if item.light == RED]


def compliance_for(orgs, day: date, *, previous: bool = False) -> dict[int, OrgCompliance]:
    """Each organisation's compliance for the periods containing `day` (with `previous`, the periods before them,
    all ended: what the 组织部 lists as behind). One query for the rules, three for the organisations."""
    rules = list(ComplianceRule.objects.effective_at(day))
    org_rows = list(PartyOrg.objects.filter(pk__in=_ids(orgs)).active_at(day).values_list("pk", "kind"))
    if not rules or not org_rows:
        return {pk: OrgCompliance(pk) for pk, _ in org_rows}
    windows, labels = [], {}
    for index, rule in enumerate(rules):
        anchor = previous_period_day(rule.period, day) if previous else day
        windows.append((index, rule, *period_bounds(rule.period, anchor)))
        # Once per rule, not per organisation: get_*_display goes through gettext on lazy choices, which on
        # thousands of organisations cost far more than the queries.
        labels[index] = (rule.get_meeting_kind_display(), rule.get_period_display())
    ids = [pk for pk, _ in org_rows]
    counts = {
        row["org_id"]: row
        for row in Meeting.objects.filter(org_id__in=ids)
        .values("org_id")
        .annotate(
            **{
                f"r{index}": Count("pk", filter=Q(kind=rule.meeting_kind, held_on__range=(start, end)))
                for index, rule, start, end in windows
            }
        )
    }
    with_committee = set(
        CommitteeTerm.objects.filter(org_id__in=ids, is_current=True).values_list("org_id", flat=True)
    )
    with_groups = set(PartyGroup.objects.filter(org_id__in=ids).values_list("org_id", flat=True))
    result = {}
    for pk, kind in org_rows:
        status = OrgCompliance(pk)
        for index, rule, start, end in windows:
            if rule.org_kind and rule.org_kind != kind:
                continue
            if rule.meeting_kind == Meeting.Kind.COMMITTEE and pk not in with_committee:
                continue
            if rule.meeting_kind == Meeting.Kind.GROUP and pk not in with_groups:
                continue
            done = counts.get(pk, {}).get(f"r{index}", 0)
            status.items.append(
                RuleStatus(
                    meeting_kind=rule.meeting_kind,
                    meeting_label=labels[index][0],
                    period=rule.period,
                    period_label=labels[index][1],
                    start=start,
                    end=end,
                    required=rule.minimum,
                    done=done,
                    light=light(done, rule.minimum, end, day),
                )
            )
        result[pk] = status
    return result


def org_compliance(org: PartyOrg, day: date, *, previous: bool = False) -> OrgCompliance:
    return compliance_for([org.pk], day, previous=previous).get(org.pk, OrgCompliance(org.pk))


def orgs_behind(orgs, day: date) -> list[int]:
    """Organisations short of a rule in the last ended period of that rule."""
    return [pk for pk, status in compliance_for(orgs, day, previous=True).items() if status.light == RED]


def _ids(orgs) -> list[int]:
    if hasattr(orgs, "values_list"):
        return list(orgs.values_list("pk", flat=True))
    return [getattr(o, "pk", o) for o in orgs]
