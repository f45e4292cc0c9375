"""The one place that says what overdue means for a rectification plan: not yet accepted (摘牌) and past its time
limit (the extension's date when extended) on the day. A plan without a time limit is never overdue."""

from datetime import date

from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from civicgrid.weakorgs.models import PlanItem, RectificationPlan

ACCEPTED = RectificationPlan.State.ACCEPTED


def overdue_q(day: date) -> Q:
    return ~Q(state=ACCEPTED) & Q(_limit__isnull=False, _limit__lt=day)


def with_limit(plans):
    """`plans` annotated with `_limit`, the time limit in force (what overdue_q filters on)."""
    return plans.annotate(_limit=Coalesce(F("extended_to"), F("due_on")))


def overdue(plans, day: date):
    return with_limit(plans).filter(overdue_q(day))


def is_overdue(plan: RectificationPlan, day: date | None = None) -> bool:
    day = day or timezone.localdate()
    limit = plan.effective_due_on
    return plan.state != ACCEPTED and limit is not None and limit < day


def items_done(plan: RectificationPlan) -> tuple[int, int]:
    """(done, total) of the plan's items."""
    states = list(plan.items.values_list("state", flat=True))
    return sum(1 for s in states if s == PlanItem.State.DONE), len(states)
