"""Smart intake in the console: the category suggestion panel at intake, and how well suggestions do."""

from datetime import timedelta

from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from civicgrid.console.access import staff_view
from civicgrid.console.exporting import export_list, ticket_scope, wants_xlsx
from civicgrid.console.forms.dispatching import DuplicateQueryForm
from civicgrid.console.forms.intake import PeriodForm
from civicgrid.core.documents import DATETIME, INTEGER, PERCENT, Column, Sheet
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
    if wants_xlsx(request):
        return _accuracy_export(request, filters)
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


def _accuracy_export(request, filters):
    """The page's three tables: by suggested category, the overall figures, the latest overridden ones."""
    user = request.user
    start, end = filters.get("date_from"), filters.get("date_to")
    period = f"{start or '不限'} 至 {end or '不限'}"
    model = filters.get("model")
    stats = selectors.accuracy(user, **filters)
    overall = Sheet(
        "总体情况",
        [Column("指标", 0, width=20), Column("数值", 1, width=12)],
        [
            ("建议工单", stats["made"]),
            ("已定类", stats["settled"]),
            ("首选采纳率", stats["top1"]),
            ("前三命中率", stats["top3"]),
            ("高置信准确率", stats["confident_precision"]),
            ("高置信占比", stats["confident_share"]),
            ("自动派单", stats["auto"]),
            ("承办单位一致率", stats["unit_agreement"]),
        ],
        period=period,
    )
    changes = Sheet(
        "最近被改动的建议",
        [
            Column("工单编号", "ticket.number", width=18),
            Column("事件概述", "ticket.title", width=36),
            Column("建议分类", "category.name", width=18),
            Column("置信度", "confidence", number_format=PERCENT),
            Column("实际分类", "final_category.name", width=18),
            Column("改动时间", "decided_at", number_format=DATETIME),
        ],
        selectors.recent_changes(user, **filters),
        period=period,
    )
    return export_list(
        request,
        title="智能分类效果",
        columns=[
            Column("建议分类", "category", width=24),
            Column("工单", "n", number_format=INTEGER),
            Column("采纳", "kept", number_format=INTEGER),
            Column("采纳率", "rate", number_format=PERCENT),
        ],
        rows=selectors.accuracy_by_category(user, **filters),
        scope=ticket_scope(user),
        period=period,
        filters=[f"模型：{model.name}" if model else ""],
        action="export.intake_accuracy",
        more_sheets=[overall, changes],
    )


urlpatterns = [
    path("intake/suggest/", intake_suggest, name="intake_suggest"),
    path("intake/caller/", intake_caller, name="intake_caller"),
    path("intake/accuracy/", intake_accuracy, name="intake_accuracy"),
]
