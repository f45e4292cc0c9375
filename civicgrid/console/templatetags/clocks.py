"""The clock-pause box shown on the ticket and assignment pages to those who may pause."""

from django import template

from civicgrid.console.forms.pauses import PauseForm, ResumeForm
from civicgrid.tickets.models import HANDLING_STATUSES
from civicgrid.tickets.services.pauses import may_pause

register = template.Library()


@register.inclusion_tag("console/handling/_pause.html", takes_context=True)
def clock_pause(context, ticket):
    request = context["request"]
    shown = may_pause(request.user, ticket) and (
        ticket.paused_at is not None or ticket.status in HANDLING_STATUSES
    )
    return {
        "shown": shown,
        "ticket": ticket,
        "next": request.get_full_path(),
        "pause_form": PauseForm(auto_id="pause_%s"),
        "resume_form": ResumeForm(auto_id="resume_%s"),
        "csrf_token": context.get("csrf_token"),
    }
