"""志愿服务 for community workers: projects (state, insurance), activities with their sign-ups, the check-in desk
showing the activity's rotating QR code, the record confirmation queue (confirm, dispute, correct, void),
certificates (notice, issue, .docx) and the national CSV export.

Reads go through volunteering.selectors (a worker sees his community's projects, and every area below his
units'); changes through volunteering.services, whose refusals the RefusalMiddleware shows on the page.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from civicgrid.console.access import staff_view
from civicgrid.console.exporting import export_list, wants_xlsx, yes
from civicgrid.console.forms.volunteering import (
    ActivityForm,
    CorrectForm,
    InsuranceForm,
    NoticeForm,
    ProjectForm,
)
from civicgrid.core.audit import record_event
from civicgrid.core.documents import DATE, DATETIME, DECIMAL, INTEGER, Column, docx_response
from civicgrid.registry.models import AdminArea, Role
from civicgrid.volunteering import export, qr, selectors
from civicgrid.volunteering.models import Certificate, Project, ServiceRecord, SignUp
from civicgrid.volunteering.services import certificates, projects, records, signups
from civicgrid.volunteering.services.projects import NEXT

VOL_ROLES = (
    Role.GRID_WORKER,
    Role.GRID_LEADER,
    Role.ORGANISATION_STAFF,
    Role.PARTY_SECRETARY,
    Role.ADMINISTRATOR,
)
PAGE_SIZE = 25
QUEUE_STATES = (ServiceRecord.State.PENDING, ServiceRecord.State.DISPUTED, ServiceRecord.State.CORRECTED)


def _areas(user):
    """The communities (and towns) a worker may create projects in."""
    scope = selectors.area_ids_in_scope(user)
    qs = AdminArea.objects.filter(level__in=[AdminArea.Level.VILLAGE, AdminArea.Level.TOWN])
    return (qs if scope is None else qs.filter(pk__in=scope)).order_by("code")


def _scope(user) -> str:
    """The areas of the worker's lists in words, for an export's title row."""
    if selectors.area_ids_in_scope(user) is None:
        return "全部区域"
    areas = list(_areas(user)[:7])
    names = "、".join(area.name for area in areas[:6]) + ("等" if len(areas) > 6 else "")
    return names or "（未关联区域）"


def _project(user, project_id) -> Project:
    return get_object_or_404(selectors.projects_for(user), pk=project_id)


def _activity(user, activity_id):
    return get_object_or_404(selectors.activities_for(user), pk=activity_id)


def _back(request, default: str):
    return redirect(request.POST.get("next") or default)


# ------------------------------------------------------------------------------------------------ projects


@staff_view(*VOL_ROLES)
def home(request):
    user = request.user
    form = ProjectForm(request.POST or None, areas=_areas(user))
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        project = projects.create_project(
            actor=user,
            name=c["name"],
            area=c["area"],
            description=c["description"],
            is_risky=c["is_risky"],
            insurer=c["insurer"],
            insurance_policy=c["insurance_policy"],
        )
        messages.success(request, f"已新建项目「{project.name}」")
        return redirect("console:vol_project", project_id=project.pk)
    qs = (
        selectors.projects_for(user).annotate(n_activities=Count("activities")).order_by("-created_at", "-pk")
    )
    state = request.GET.get("state", "")
    if state in Project.State.values:
        qs = qs.filter(state=state)
    if wants_xlsx(request):
        return export_list(
            request,
            title="志愿服务项目",
            columns=[
                Column("项目", "name", width=30),
                Column("区域", "area.name", width=16),
                Column("状态", lambda p: p.get_state_display()),
                Column("活动场次", "n_activities", number_format=INTEGER),
                Column("有风险", lambda p: yes(p.is_risky), width=8),
                Column("已投保", lambda p: yes(p.has_insurance) if p.is_risky else "", width=8),
            ],
            rows=qs.select_related("area"),
            scope=_scope(user),
            filters=[f"状态：{Project.State(state).label}" if state in Project.State.values else ""],
            action="export.volunteer_projects",
        )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    queue = selectors.records_for(user).filter(state__in=QUEUE_STATES).count()
    waiting = (
        selectors.certificates_for(user)
        .filter(state__in=[Certificate.State.REQUESTED, Certificate.State.NOTICED])
        .count()
    )
    return render(
        request,
        "console/volunteering/home.html",
        {
            "page": page,
            "form": form,
            "states": Project.State.choices,
            "state": state,
            "queue": queue,
            "waiting": waiting,
            "year": timezone.localdate().year,
        },
    )


@staff_view(*VOL_ROLES)
def project_detail(request, project_id: int):
    user = request.user
    project = _project(user, project_id)
    form = ActivityForm(request.POST or None) if request.POST.get("form") == "activity" else ActivityForm()
    insurance = (
        InsuranceForm(request.POST or None) if request.POST.get("form") == "insurance" else InsuranceForm()
    )
    if request.method == "POST":
        if request.POST.get("form") == "activity" and form.is_valid():
            c = form.cleaned_data
            activity = projects.create_activity(
                actor=user,
                project=project,
                title=c["title"],
                place=c["place"],
                starts_at=c["starts_at"],
                ends_at=c["ends_at"],
                capacity=c["capacity"],
                organiser=user,
                content=c["content"],
            )
            messages.success(request, f"已安排活动「{activity.title}」")
            return redirect("console:vol_activity", activity_id=activity.pk)
        if request.POST.get("form") == "insurance" and insurance.is_valid():
            c = insurance.cleaned_data
            projects.record_insurance(
                actor=user,
                project=project,
                insurer=c["insurer"],
                policy=c["policy"],
                insured_until=c["insured_until"],
            )
            messages.success(request, "已登记意外保险")
            return redirect("console:vol_project", project_id=project.pk)
    return render(
        request,
        "console/volunteering/project.html",
        {
            "project": project,
            "activities": project.activities.annotate(
                taken=Count("signups", filter=Q(signups__state__in=SignUp.HOLDING))
            ).order_by("-starts_at"),
            "next_states": [(s, Project.State(s).label) for s in sorted(NEXT[project.state])],
            "form": form,
            "insurance": insurance,
        },
    )


@require_POST
@staff_view(*VOL_ROLES)
def project_move(request, project_id: int):
    project = _project(request.user, project_id)
    project = projects.move_project(actor=request.user, project=project, to=request.POST.get("to", ""))
    messages.success(request, f"项目「{project.name}」已改为{project.get_state_display()}")
    return redirect("console:vol_project", project_id=project.pk)


# ------------------------------------------------------------------------------------------------ activities


@staff_view(*VOL_ROLES)
def activity_detail(request, activity_id: int):
    activity = _activity(request.user, activity_id)
    rows = list(selectors.signups_of_activity(request.user, activity))
    counts = {state: sum(1 for s in rows if s.state == state) for state in SignUp.State.values}
    return render(
        request,
        "console/volunteering/activity.html",
        {"activity": activity, "signups": rows, "counts": counts, "S": SignUp.State},
    )


@require_POST
@staff_view(*VOL_ROLES)
def signup_action(request, signup_id: int):
    signup = get_object_or_404(SignUp.objects.select_related("activity__project"), pk=signup_id)
    if not selectors.can_manage_area(request.user, signup.activity.project.area_id):
        raise PermissionDenied("该活动不在您的管理范围内")
    action = request.POST.get("action")
    if action == "approve":
        signups.approve(actor=request.user, signup=signup)
    elif action == "reject":
        signups.reject(actor=request.user, signup=signup, reason=request.POST.get("reason", ""))
    elif action in ("in", "out"):
        signups.staff_check(actor=request.user, signup=signup, out=action == "out")
    elif action == "record":
        records.record_signup(actor=request.user, signup=signup)
    else:
        messages.error(request, "未知的操作")
    return redirect("console:vol_activity", activity_id=signup.activity_id)


@require_POST
@staff_view(*VOL_ROLES)
def activity_record(request, activity_id: int):
    activity = _activity(request.user, activity_id)
    made = records.record_activity(actor=request.user, activity=activity)
    messages.success(request, f"已为 {made} 名已签退的志愿者生成服务记录，请在“记录确认”中确认")
    return redirect("console:vol_activity", activity_id=activity.pk)


@never_cache
@staff_view(*VOL_ROLES)
def desk(request, activity_id: int):
    """The check-in desk on the organiser's phone: the activity's rotating QR code, refreshed by the page."""
    activity = _activity(request.user, activity_id)
    mode = qr.CHECK_OUT if request.GET.get("mode") == qr.CHECK_OUT else qr.CHECK_IN
    return render(
        request,
        "console/volunteering/desk.html",
        {"activity": activity, **_qr_context(request, activity, mode)},
    )


@never_cache
@require_GET
@staff_view(*VOL_ROLES)
def desk_code(request, activity_id: int):
    """The QR fragment the desk page fetches every few seconds (htmx)."""
    activity = _activity(request.user, activity_id)
    mode = qr.CHECK_OUT if request.GET.get("mode") == qr.CHECK_OUT else qr.CHECK_IN
    return render(
        request,
        "console/volunteering/_desk_code.html",
        {"activity": activity, **_qr_context(request, activity, mode)},
    )


def _qr_context(request, activity, mode: str) -> dict:
    now = timezone.now()
    url = request.build_absolute_uri(
        reverse("portal:volunteer_scan", args=[qr.make_token(activity.pk, mode, now)])
    )
    states = activity.signups.values_list("state", flat=True)
    return {
        "mode": mode,
        "mode_label": qr.MODES[mode],
        "svg": qr.svg(url),
        "url": url,
        "seconds": qr.seconds_left(now),
        "slot_seconds": qr.slot_seconds(now),
        "checked_in": sum(1 for s in states if s == SignUp.State.CHECKED_IN),
        "checked_out": sum(1 for s in states if s in (SignUp.State.CHECKED_OUT, SignUp.State.RECORDED)),
        "approved": sum(1 for s in states if s == SignUp.State.APPROVED),
    }


# ------------------------------------------------------------------------------------------------ records


@staff_view(*VOL_ROLES)
def record_queue(request):
    qs = selectors.records_for(request.user).filter(state__in=QUEUE_STATES).order_by("started_at", "pk")
    if wants_xlsx(request):
        return export_list(
            request,
            title="待确认服务记录",
            columns=[
                Column("志愿者", "volunteer.masked_name", width=12),
                Column("志愿者编号", "volunteer.number", width=18),
                Column("服务内容", "title", width=30),
                Column("服务开始", "started_at", number_format=DATETIME),
                Column("服务结束", "ended_at", number_format=DATETIME),
                Column("时长（小时）", "hours", number_format=DECIMAL),
                Column("扣除路途（分钟）", "travel_minutes", number_format=INTEGER),
                Column("状态", lambda r: r.get_state_display()),
                Column("异议", "dispute_reason", width=24),
            ],
            rows=qs.select_related("volunteer", "activity", "project"),
            scope=_scope(request.user),
            action="export.volunteer_queue",
        )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "console/volunteering/records.html", {"page": page, "year": timezone.localdate().year}
    )


@require_POST
@staff_view(*VOL_ROLES)
def record_action(request, record_id: int):
    record = get_object_or_404(selectors.records_for(request.user), pk=record_id)
    action = request.POST.get("action")
    if action == "confirm":
        records.confirm(actor=request.user, record=record)
        messages.success(request, f"已确认 {record.volunteer.number} 服务 {record.hours} 小时")
    elif action == "dispute":
        records.dispute(actor=request.user, record=record, reason=request.POST.get("reason", ""))
        messages.success(request, "已标记为有异议")
    elif action == "void":
        records.void(actor=request.user, record=record, note=request.POST.get("note", ""))
        messages.success(request, "已作废")
    elif action == "correct":
        form = CorrectForm(request.POST)
        if not form.is_valid():
            messages.error(request, form.error_text())
        else:
            c = form.cleaned_data
            records.correct(
                actor=request.user,
                record=record,
                started_at=c["started_at"],
                ended_at=c["ended_at"],
                travel_minutes=c["travel_minutes"],
                note=c["note"],
            )
            messages.success(request, "已更正，请再次确认")
    return redirect("console:vol_records")


def _year(text: str) -> int | None:
    """A year from the query, or None ("²".isdigit() is true, hence isascii)."""
    return int(text) if text.isascii() and text.isdigit() and 2000 <= int(text) <= 2100 else None


@require_GET
@staff_view(*VOL_ROLES)
def record_export(request):
    qs = selectors.records_for(request.user)
    year = _year(request.GET.get("year", ""))
    if year:
        qs = selectors.confirmed_records(year=year).filter(pk__in=qs.values("pk"))
    data = export.national_csv(actor=request.user, records=qs)
    response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="volunteer-records-{year or "all"}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@staff_view(*VOL_ROLES)
def record_export_xlsx(request):
    """The confirmed records in the national system's columns (volunteering.export), as .xlsx; the .csv
    stays at its old address for the upload itself."""
    qs = selectors.records_for(request.user)
    year = _year(request.GET.get("year", ""))
    if year:
        qs = selectors.confirmed_records(year=year).filter(pk__in=qs.values("pk"))
    qs = qs.filter(state=ServiceRecord.State.CONFIRMED)
    return export_list(
        request,
        title="志愿服务记录",
        columns=[
            Column(name, index, width=20 if index in (3, 4, 5, 9) else None)
            for index, name in enumerate(export.COLUMNS)
        ],
        rows=export.rows(qs),
        scope=_scope(request.user),
        period=f"{year}年" if year else "全部",
        action="export.volunteer_records",
        note="全国志愿服务信息系统格式；证件号码为上传所需的完整号码，请妥善保管。",
    )


# ------------------------------------------------------------------------------------------------ certificates


@staff_view(*VOL_ROLES)
def certificate_list(request):
    qs = selectors.certificates_for(request.user).order_by("-requested_at", "-pk")
    if wants_xlsx(request):
        return export_list(
            request,
            title="志愿服务记录证明",
            columns=[
                Column("志愿者", "volunteer.masked_name", width=12),
                Column("志愿者编号", "volunteer.number", width=18),
                Column("证件号码", "volunteer.id_masked", width=22),
                Column("状态", lambda c: c.get_state_display()),
                Column("申请日期", lambda c: timezone.localtime(c.requested_at).date(), number_format=DATE),
                Column("用途", "purpose", width=20),
                Column("服务时长（小时）", "hours", number_format=DECIMAL),
                Column("公示开始", "notice_from", number_format=DATE),
                Column("公示截止", "notice_until", number_format=DATE),
                Column("证明编号", "number", width=18),
                Column("开具日期", "issued_on", number_format=DATE),
            ],
            rows=qs.select_related("volunteer"),
            scope=_scope(request.user),
            action="export.volunteer_certificates",
        )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "console/volunteering/certificates.html",
        {"page": page, "form": NoticeForm(), "today": timezone.localdate()},
    )


@require_POST
@staff_view(*VOL_ROLES)
def certificate_action(request, cert_id: int):
    cert = get_object_or_404(selectors.certificates_for(request.user), pk=cert_id)
    action = request.POST.get("action")
    if action == "notice":
        form = NoticeForm(request.POST)
        if not form.is_valid():
            messages.error(request, form.error_text())
        else:
            cert = certificates.start_notice(actor=request.user, cert=cert, **form.cleaned_data)
            messages.success(request, f"已开始公示，至 {cert.notice_until:%Y-%m-%d}")
    elif action == "issue":
        cert = certificates.issue(actor=request.user, cert=cert)
        messages.success(request, f"已开具证明 {cert.number}")
    elif action == "refuse":
        certificates.refuse(actor=request.user, cert=cert, reason=request.POST.get("reason", ""))
        messages.success(request, "已不予开具")
    return redirect("console:vol_certificates")


@require_GET
@staff_view(*VOL_ROLES)
def certificate_download(request, cert_id: int):
    cert = get_object_or_404(selectors.certificates_for(request.user), pk=cert_id)
    data = certificates.certificate_docx(cert)
    record_event(
        actor=request.user, action="volunteer.cert_download", target=cert, summary=f"下载证明 {cert.number}"
    )
    return docx_response(f"志愿服务记录证明-{cert.number}.docx", data)


urlpatterns = [
    path("volunteering/", home, name="vol_home"),
    path("volunteering/projects/<int:project_id>/", project_detail, name="vol_project"),
    path("volunteering/projects/<int:project_id>/move/", project_move, name="vol_project_move"),
    path("volunteering/activities/<int:activity_id>/", activity_detail, name="vol_activity"),
    path("volunteering/activities/<int:activity_id>/record/", activity_record, name="vol_activity_record"),
    path("volunteering/activities/<int:activity_id>/desk/", desk, name="vol_desk"),
    path("volunteering/activities/<int:activity_id>/desk/code/", desk_code, name="vol_desk_code"),
    path("volunteering/signups/<int:signup_id>/", signup_action, name="vol_signup"),
    path("volunteering/records/", record_queue, name="vol_records"),
    path("volunteering/records/<int:record_id>/", record_action, name="vol_record"),
    path("volunteering/records/export.csv", record_export, name="vol_export"),
    path("volunteering/records/export.xlsx", record_export_xlsx, name="vol_records_xlsx"),
    path("volunteering/certificates/", certificate_list, name="vol_certificates"),
    path("volunteering/certificates/<int:cert_id>/", certificate_action, name="vol_certificate"),
    path("volunteering/certificates/<int:cert_id>/docx/", certificate_download, name="vol_certificate_docx"),
]

# Volunteers and teams live in their own module; their routes join these.
from civicgrid.console.views import volunteers as _volunteers  # noqa: E402

urlpatterns += _volunteers.urlpatterns
