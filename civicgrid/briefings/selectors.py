"""Reads of the briefing register."""

from django.db.models import QuerySet

from civicgrid.briefings.models import Briefing
from civicgrid.briefings.services import may_issue


def register_for(user) -> QuerySet:
    """The issues `user` may see: the whole register for those who may issue briefings, nothing for others."""
    if not may_issue(user):
        return Briefing.objects.none()
    return Briefing.objects.select_related("area", "generated_by__staff").order_by("-generated_at", "-pk")
