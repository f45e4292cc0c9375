from django import template
from django.utils import timezone

from civicgrid.workcal.reminders import calendar_reminder as reminder_for

register = template.Library()


@register.simple_tag
def calendar_reminder():
    """Next year's Reminder while it is due (see workcal.reminders), else None."""
    return reminder_for(timezone.localdate())
