"""Pausing and resuming a ticket's clocks, from the ticket page (dispatcher) or the work page (lead unit)."""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from civicgrid.console.access import staff_view
from civicgrid.console.forms.pauses import PauseForm, ResumeForm
from civicgrid.core.refusal import Refusal
from civicgrid.registry.models import Role
from civicgrid.tickets.selectors import ticket_for
from civicgrid.tickets.services.pauses import ticket_pause, ticket_resume

ROLES = (Role.DISPATCHER, Role.UNIT_HANDLER, Role.GRID_WORKER, Role.GRID_LEADER, Role.ADMINISTRATOR)


def _back(request, ticket):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(reverse("console:ticket", args=[ticket.pk]))


def _run(request, form, service, success: str, **kwargs) -> None:
    if not form.is_valid():
        messages.error(request, form.error_text())
        return
    try:
        service(actor=request.user, **kwargs, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, ";".join(exc.messages))
    except Refusal as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)


def _for_ticket(view):
    """Resolve the ticket in the user's scope first: someone else's is a 403, whatever the method."""

    @wraps(view)
    def wrapper(request, pk):
        return view(request, ticket_for(request.user, pk))

    return wrapper


@staff_view(*ROLES)
@_for_ticket
@require_POST
def pause(request, ticket):
    _run(request, PauseForm(request.POST), ticket_pause, f"工单 {ticket.number} 已暂停计时", ticket=ticket)
    return _back(request, ticket)


@staff_view(*ROLES)
@_for_ticket
@require_POST
def resume(request, ticket):
    _run(
        request,
        ResumeForm(request.POST),
        ticket_resume,
        f"工单 {ticket.number} 已恢复计时,各项时限已顺延",
        ticket=ticket,
    )
    return _back(request, ticket)


urlpatterns = [
    path("tickets/<int:pk>/pause/", pause, name="ticket_pause"),
    path("tickets/<int:pk>/resume/", resume, name="ticket_resume"),
]
