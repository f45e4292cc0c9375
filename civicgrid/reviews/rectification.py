"""The one place that says when a rectification item is overdue: still open after its due date."""

from datetime import date

from django.db.models import Q
from django.utils import timezone

from civicgrid.reviews.models import RectificationItem

OPEN = RectificationItem.State.OPEN


def overdue_q(today: date) -> Q:
    return Q(state=OPEN, due_date__lt=today)


def is_overdue(item: RectificationItem, today: date | None = None) -> bool:
    return item.state == OPEN and item.due_date < (today or timezone.localdate())


def state_label(item: RectificationItem, today: date | None = None) -> str:
    return "已超期" if is_overdue(item, today) else item.get_state_display()
