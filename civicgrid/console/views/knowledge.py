"""Console pages of the knowledge app: search and read (all staff), add, revise and retire (administrators, and a
unit's handlers for the entries their unit owns), and the suggestion panel the intake page includes.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from civicgrid.console.access import staff_view
from civicgrid.console.exporting import export_list, wants_xlsx
from civicgrid.console.forms.dispatching import category_choices
from civicgrid.console.forms.knowledge import EntryForm, RetireForm
from civicgrid.console.views.common import PAGE_SIZE
from civicgrid.core.documents import DATE, INTEGER, Column
from civicgrid.core.inputs import parse_id
from civicgrid.knowledge import selectors, services
from civicgrid.knowledge.models import Entry
from civicgrid.registry.models import Role
from civicgrid.routing.models import Category
from civicgrid.tickets.permissions import units_of

EDIT_ROLES = (Role.ADMINISTRATOR, Role.UNIT_HANDLER)
SEARCH_LIMIT = 200  # hits paginated on the page; a query that needs more is too vague


# --- pages --------------------------------------------------------------------------------------------


KB_COLUMNS = [
    Column("问题", "question", width=40),
    Column("答案", "answer", width=60),
    Column("业务分类", "category.name", width=16),
    Column("维护单位", "unit.name", width=18),
    Column("关键词", "keywords", width=20),
    Column("生效日期", "valid_from", number_format=DATE),
    Column("失效日期", "valid_to", number_format=DATE),
    Column("状态", lambda e: e.get_status_display()),
    Column("版本", "version", number_format=INTEGER, width=8),
]


@require_GET
@staff_view()
def kb(request):
    q = request.GET.get("q", "").strip()
    include_retired = request.GET.get("all") == "1"
    category_id = parse_id(request.GET.get("category"))
    category = Category.objects.filter(pk=category_id).first() if category_id else None
    if q:
        rows = selectors.search(q, category=category, include_retired=include_retired, limit=SEARCH_LIMIT)
    else:
        rows = [
            selectors.Hit(
                entry=entry,
                score=0,
                question_html=selectors.highlight(entry.question, None),
                snippet=selectors.snippet(entry.answer, None),
            )
            for entry in selectors.entries(category=category, include_retired=include_retired)[:SEARCH_LIMIT]
        ]
    if wants_xlsx(request):
        return export_list(
            request,
            title="知识库",
            columns=KB_COLUMNS,
            rows=[hit.entry for hit in rows],
            scope="全部知识（含已失效）" if include_retired else "现行知识",
            filters=[f"关键词「{q}」" if q else "", f"业务分类：{category.name}" if category else ""],
            action="export.knowledge",
            note=f"检索结果最多 {SEARCH_LIMIT} 条。" if len(rows) >= SEARCH_LIMIT else "",
        )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "console/knowledge/list.html",
        {
            "page": page,
            "q": q,
            "category": category,
            "categories": category_choices(leaves_only=False)[1:],  # the template adds its own blank
            "include_retired": include_retired,
            "query": query.urlencode(),
            "today": timezone.localdate(),
            "can_add": selectors.may_add_entries(request.user),
            "capped": len(rows) >= SEARCH_LIMIT,
        },
    )


@require_GET
@staff_view()
def kb_entry(request, entry_id):
    entry = get_object_or_404(Entry.objects.select_related("category", "unit", "created_by"), pk=entry_id)
    maintainer = selectors.can_maintain(request.user, entry.unit)
    today = timezone.localdate()
    return render(
        request,
        "console/knowledge/entry.html",
        {
            "entry": entry,
            "history": entry.history().select_related("created_by"),
            "latest": entry.history().first(),
            "today": today,
            "valid_today": entry.is_valid_on(today),
            "can_edit": maintainer and entry.status == Entry.Status.ACTIVE,
        },
    )


def _form_values(data) -> dict:
    return {
        name: data[name]
        for name in ("question", "answer", "keywords", "category", "unit", "valid_from", "valid_to")
    }


@staff_view(*EDIT_ROLES)
def kb_create(request):
    if not selectors.may_add_entries(request.user):
        raise PermissionDenied("您不属于任何单位，不能新增知识")
    form = EntryForm(
        request.POST or None,
        user=request.user,
        revising=False,
        initial={
            "valid_from": timezone.localdate(),
            "unit": next(iter(sorted(units_of(request.user))), None),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.entry_create(actor=request.user, **_form_values(form.cleaned_data))
        except ValidationError as exc:
            form.add_service_error(exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "知识条目已新增")
            return redirect("console:kb_entry", entry_id=entry.pk)
    return render(request, "console/knowledge/form.html", {"form": form, "entry": None})


def _maintained_entry(request, entry_id) -> Entry:
    entry = get_object_or_404(Entry.objects.select_related("category", "unit"), pk=entry_id)
    if not selectors.can_maintain(request.user, entry.unit):
        owner = entry.unit.name if entry.unit else "系统管理员"
        raise PermissionDenied(f"此条知识由「{owner}」维护，您不能修改")
    return entry


@staff_view(*EDIT_ROLES)
def kb_revise(request, entry_id):
    entry = _maintained_entry(request, entry_id)
    if entry.status != Entry.Status.ACTIVE:
        messages.error(request, f"此条知识{entry.get_status_display()}，只能修订现行版本")
        return redirect("console:kb_entry", entry_id=entry.pk)
    initial = {
        "question": entry.question,
        "answer": entry.answer,
        "keywords": entry.keywords,
        "category": entry.category_id,
        "unit": entry.unit_id,
        "valid_from": timezone.localdate(),
        "valid_to": entry.valid_to,
    }
    form = EntryForm(request.POST or None, user=request.user, revising=True, initial=initial)
    # The entry may sit in a category of an earlier version, or with a unit no longer offered: keep both.
    form.offer("category", entry.category, entry.category.path_display if entry.category else "")
    form.offer("unit", entry.unit, entry.unit.name if entry.unit else "")
    if request.method == "POST" and form.is_valid():
        try:
            revised = services.entry_revise(
                entry=entry,
                actor=request.user,
                change_note=form.cleaned_data["change_note"],
                **_form_values(form.cleaned_data),
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已保存为第 {revised.version} 版")
            return redirect("console:kb_entry", entry_id=revised.pk)
    return render(request, "console/knowledge/form.html", {"form": form, "entry": entry})


@staff_view(*EDIT_ROLES)
def kb_retire(request, entry_id):
    entry = _maintained_entry(request, entry_id)
    if entry.status != Entry.Status.ACTIVE:
        messages.error(request, f"此条知识{entry.get_status_display()}，不能再停用")
        return redirect("console:kb_entry", entry_id=entry.pk)
    form = RetireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.entry_retire(entry=entry, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, "知识条目已停用，不再出现在检索和受理推荐中")
            return redirect("console:kb_entry", entry_id=entry.pk)
    return render(request, "console/knowledge/retire.html", {"form": form, "entry": entry})


@require_GET
@staff_view()
def kb_suggest(request):
    """htmx partial: answers for what is typed at intake. `q`, or `title` + `content`; `category` lifts."""
    text = request.GET.get("q") or f"{request.GET.get('title', '')} {request.GET.get('content', '')}"
    category_id = parse_id(request.GET.get("category"))
    category = Category.objects.filter(pk=category_id).first() if category_id else None
    hits = selectors.suggest_for_intake(text, category=category)
    return render(
        request,
        "console/knowledge/_suggest.html",
        {"hits": hits, "searched": len(text.strip()) >= selectors.MIN_MEANINGFUL_CHARS},
    )


urlpatterns = [
    path("kb/", kb, name="kb"),
    path("kb/new/", kb_create, name="kb_create"),
    path("kb/suggest/", kb_suggest, name="kb_suggest"),
    path("kb/<int:entry_id>/", kb_entry, name="kb_entry"),
    path("kb/<int:entry_id>/revise/", kb_revise, name="kb_revise"),
    path("kb/<int:entry_id>/retire/", kb_retire, name="kb_retire"),
]
