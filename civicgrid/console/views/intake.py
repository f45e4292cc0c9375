"""Smart intake in the console: the category suggestion panel at intake, and how well suggestions do."""

from datetime import timedelta

from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from civicgrid.console.access import staff_view
from civicgrid.console.forms.dispatching import DuplicateQueryForm
from civicgrid.console.forms.intake import PeriodForm
from civicgrid.intake import classifier, monitor, runtime, selectors
from civicgrid.registry.models import Role
from civicgrid.tickets.callers import caller_history
from civicgrid.tickets.duplicates import probable_grid
from civicgrid.tickets.services.intake import INTAKE_ROLES

ACCURACY_ROLES = (Role.DISPATCHER, Role.LEADER, Role.ADMINISTRATOR)


@require_GET
@staff_view(*INTAKE_ROLES)
def intake_suggest(request):
    """The htmx panel beside the intake form: top categories, confidence, and the unit each would go to."""
    query = DuplicateQueryForm(request.GET)
    proposal, error = None, ""
    if query.is_valid():
        data = query.cleaned_data
        text = f"{data['title']}\n{data['content']}".strip()
        grid = probable_grid(lat=data["lat"], lon=data["lon"], address=data["address"])
        try:
            proposal = selectors.propose(text, grid=grid)
        except classifier.ModelFileError as exc:
            error = f"分类模型无法加载：{exc}"
    context = {
        "proposal": proposal,
        "error": error,
        "has_model": runtime.active_model() is not None,
    }
    return render(request, "console/intake/_suggest.html", context)


@require_GET
@staff_view(*INTAKE_ROLES)
def intake_caller(request):
    """来电历史 beside the phone field: the caller's earlier tickets and the repeat-caller flag."""
    phone = request.GET.get("requester_phone", "")[:40]
    return render(request, "console/intake/_caller.html", {"caller": caller_history(request.user, phone)})


@require_GET
@staff_view(*ACCURACY_ROLES)
def intake_accuracy(request):
    """How often people kept what the model suggested: the production accuracy of smart intake, the
    threshold with its cross-validated promise, and how the promise holds over the monitor's window."""
    today = timezone.localdate()
    initial = {"date_from": today - timedelta(days=29), "date_to": today}
    form = PeriodForm(request.GET or None, initial=initial)
    filters = dict(initial)
    if form.is_bound and form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    active = runtime.active_model()
    return render(
        request,
        "console/intake/accuracy.html",
        {
            "form": form,
            "filters": filters,
            "active": active,
            "stats": selectors.accuracy(request.user, **filters),
            "by_category": selectors.accuracy_by_category(request.user, **filters),
            "changes": selectors.recent_changes(request.user, **filters),
            "trained": (active.metrics or {}) if active else {},
            "monitored": monitor.verdict(active) if active else None,
        },
    )


urlpatterns = [
    path("intake/suggest/", intake_suggest, name="intake_suggest"),
    path("intake/caller/", intake_caller, name="intake_caller"),
    path("intake/accuracy/", intake_accuracy, name="intake_accuracy"),
]
