"""Pausing and resuming a ticket's clocks, from the ticket page (dispatcher) or the work page (lead unit).

A refusal escapes to core.middleware, which shows its message back on the page the form came from.
"""

from functools import wraps

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from civicgrid.console.access import staff_view
from civicgrid.console.forms.pauses import PauseForm, ResumeForm
from civicgrid.core.middleware import safe_back
from civicgrid.registry.models import Role
from civicgrid.tickets.selectors import ticket_for
from civicgrid.tickets.services.pauses import ticket_pause, ticket_resume

ROLES = (Role.DISPATCHER, Role.UNIT_HANDLER, Role.GRID_WORKER, Role.GRID_LEADER, Role.ADMINISTRATOR)


def _for_ticket(view):
    """Resolve the ticket in the user's scope first: someone else's is a 403, whatever the method."""

    @wraps(view)
    def wrapper(request, pk):
        return view(request, ticket_for(request.user, pk))

    return wrapper


def _back(request, ticket):
    # A path, never reversed as a view name (`next` is typed by the client).
    return HttpResponseRedirect(safe_back(request) or reverse("console:ticket", args=[ticket.pk]))


@staff_view(*ROLES)
@_for_ticket
@require_POST
def pause(request, ticket):
    form = PauseForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.error_text())
        return _back(request, ticket)
    ticket_pause(ticket=ticket, actor=request.user, **form.cleaned_data)
    messages.success(request, f"工单 {ticket.number} 已暂停计时")
    return _back(request, ticket)


@staff_view(*ROLES)
@_for_ticket
@require_POST
def resume(request, ticket):
    form = ResumeForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.error_text())
        return _back(request, ticket)
    ticket_resume(ticket=ticket, actor=request.user, **form.cleaned_data)
    messages.success(request, f"工单 {ticket.number} 已恢复计时，各项时限已顺延")
    return _back(request, ticket)


urlpatterns = [
    path("tickets/<int:pk>/pause/", pause, name="ticket_pause"),
    path("tickets/<int:pk>/resume/", resume, name="ticket_resume"),
]
