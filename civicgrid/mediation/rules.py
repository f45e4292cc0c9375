"""The configured limits in force on a day, and the dates they give."""

import calendar
from datetime import date, timedelta

from civicgrid.mediation.models import MediationRule

DEFAULT = MediationRule(
    version="默认",
    effective_from=date(2010, 1, 1),
    time_limit_months=1,
    judicial_window_days=30,
    retention_years=10,
    reminder_lead_days=5,
    followup_days=30,
)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has no such day (31 January → 28 February)."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def rule_on(day: date) -> MediationRule:
    """The newest active row in force on `day`; the built-in defaults when someone deleted them all."""
    return MediationRule.objects.effective_at(day).order_by("-effective_from", "-pk").first() or DEFAULT


def mediation_deadline(accepted_on: date, rule: MediationRule | None = None) -> date:
    """A natural-month limit (not working days): 31 January + one month is 28 (or 29) February, and a case
    accepted on 15 December is due on 15 January of the next year."""
    rule = rule or rule_on(accepted_on)
    return add_months(accepted_on, rule.time_limit_months)


def judicial_due(signed_on: date, rule: MediationRule | None = None) -> date:
    rule = rule or rule_on(signed_on)
    return signed_on + timedelta(days=rule.judicial_window_days)


def retention_until(closed_on: date, rule: MediationRule | None = None) -> date:
    rule = rule or rule_on(closed_on)
    return add_months(closed_on, 12 * rule.retention_years)
