"""志愿者 and 志愿服务队 for community workers: register a volunteer (the ID number encrypted, a minor only with a
guardian's consent, optionally linked to a party member), the volunteer list (search by name, volunteer number or
phone; filters; Excel export, masked), a volunteer's page (confirmed hours, star level, records, a manual record
of service outside a signed-up activity), and teams with their members.

Reads go through volunteering.selectors (scoped, masked); changes through volunteering.services.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from civicgrid.console.access import staff_view
from civicgrid.console.exporting import export_list, wants_xlsx
from civicgrid.console.forms.volunteering import (
    ManualRecordForm,
    TeamEditForm,
    TeamForm,
    VolunteerForm,
)
from civicgrid.console.views.volunteering import PAGE_SIZE, VOL_ROLES, _areas
from civicgrid.core import idnumbers
from civicgrid.core.audit import record_event
from civicgrid.core.documents import DATE, INTEGER, Column, workbook, xlsx_response
from civicgrid.core.inputs import parse_id
from civicgrid.core.refusal import Refusal
from civicgrid.party.models import PartyMember
from civicgrid.volunteering import selectors
from civicgrid.volunteering.errors import VolunteerRefusal
from civicgrid.volunteering.models import IdType, Project, Team, Volunteer
from civicgrid.volunteering.services import projects, records, teams
from civicgrid.volunteering.services.volunteers import register_volunteer

EXPORT_MAX = 20_000


# ------------------------------------------------------------------------------------------------ the list


def _filtered(request):
    """The scoped volunteers matching the query string, and the filters as shown back."""
    qs = selectors.volunteers_for(request.user)
    q = request.GET.get("q", "").strip()[:50]
    state = request.GET.get("state", "")
    area = request.GET.get("area", "")
    team = request.GET.get("team", "")
    if q:
        digits = "".join(ch for ch in q if ch.isdigit())
        match = Q(name__icontains=q) | Q(number=q)
        if len(digits) >= 4 and digits == q and q.isascii():
            match |= Q(phone__endswith=digits) | Q(number__endswith=digits)
        qs = qs.filter(match)
    state = state if state in Volunteer.State.values else ""
    if state:
        qs = qs.filter(state=state)
    area_id, team_id = parse_id(area), parse_id(team)
    if area_id is not None:
        qs = qs.filter(area_id=area_id)
    if team_id is not None:
        qs = qs.filter(teams__pk=team_id)
    shown = {"q": q, "state": state, "area": str(area_id or ""), "team": str(team_id or "")}
    return qs.order_by("number", "pk"), shown


def _teams(user):
    return Team.objects.filter(pk__in=_teams_for(user).values("pk")).order_by("name")


def _teams_for(user):
    areas = selectors.area_ids_in_scope(user)
    qs = Team.objects.select_related("area", "leader")
    return qs if areas is None else qs.filter(area_id__in=areas)


@staff_view(*VOL_ROLES)
def volunteer_list(request):
    qs, shown = _filtered(request)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = _query(shown)
    return render(
        request,
        "console/volunteering/volunteers.html",
        {
            "page": page,
            "shown": shown,
            "query": query,
            "states": Volunteer.State.choices,
            "areas": _areas(request.user),
            "teams": _teams(request.user),
            "has_filters": bool(query),
        },
    )


def _query(shown: dict) -> str:
    return urlencode({k: v for k, v in shown.items() if v})


VOLUNTEER_COLUMNS = [
    Column("志愿者编号", "number", width=18),
    Column("姓名", "masked_name", width=10),
    Column("手机号码", "masked_phone", width=16),
    Column("证件类型", lambda v: v.get_id_type_display(), width=16),
    Column("证件号码", "id_masked", width=22),
    Column("所在社区（村）", "area.name", width=20),
    Column("技能特长", "skills", width=24),
    Column("状态", lambda v: v.get_state_display(), width=8),
    Column("注册日期", "registered_on", width=12),
]


@require_GET
@staff_view(*VOL_ROLES)
def volunteer_export(request):
    qs, shown = _filtered(request)
    total = qs.count()
    note = f"共 {total} 人；姓名、手机号码和证件号码已脱敏。"
    if total > EXPORT_MAX:
        note = f"共 {total} 人，仅导出前 {EXPORT_MAX} 人；请缩小查询条件后分批导出。姓名、手机号码和证件号码已脱敏。"
    filters = []
    if shown["q"]:
        filters.append(f"关键词「{shown['q']}」")
    if shown["state"]:
        filters.append(f"状态：{Volunteer.State(shown['state']).label}")
    record_event(
        actor=request.user,
        action="export.volunteers",
        summary=f"导出志愿者名单 {min(total, EXPORT_MAX)} 人（已脱敏）",
        rows=min(total, EXPORT_MAX),
    )
    data = workbook(
        "志愿者名单",
        "；".join(filters) or "本人管理范围内的志愿者",
        f"截至 {timezone.localdate():%Y-%m-%d}",
        VOLUNTEER_COLUMNS,
        qs[:EXPORT_MAX].iterator(chunk_size=2000),
        sheet_name="志愿者",
        note=note,
    )
    return xlsx_response(f"志愿者名单_{timezone.localdate():%Y%m%d}", data)


# ------------------------------------------------------------------------------------------------ register


def _party_member_id(form_data) -> int | None:
    """The party member with the same 居民身份证 number (the keyed hash both registers hold)."""
    if form_data["id_type"] != IdType.RESIDENT:
        raise VolunteerRefusal("只有使用居民身份证登记的志愿者才能按证件号码关联党员档案")
    number = idnumbers.parse(form_data["id_number"]).number
    member = PartyMember.objects.filter(id_hash=idnumbers.lookup_hash(number)).first()
    if member is None:
        raise VolunteerRefusal("没有找到证件号码相同的党员档案，请核对或取消“是党员”")
    return member.pk


@staff_view(*VOL_ROLES)
def volunteer_new(request):
    form = VolunteerForm(request.POST or None, areas=_areas(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            volunteer = _register(request.user, form.cleaned_data)
        except Refusal as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, f"已登记志愿者，志愿者编号 {volunteer.number}")
            return redirect("console:vol_volunteer", volunteer_id=volunteer.pk)
    return render(request, "console/volunteering/volunteer_new.html", {"form": form})


def _register(user, c) -> Volunteer:
    member_id = _party_member_id(c) if c["is_party_member"] else None
    return register_volunteer(
        actor=user,
        name=c["name"],
        phone=c["phone"],
        id_type=c["id_type"],
        id_number=c["id_number"],
        area=c["area"],
        birth_date=c["birth_date"],
        skills=c["skills"],
        time_preferences=c["time_preferences"],
        party_member_id=member_id,
        guardian_name=c["guardian_name"],
        guardian_relation=c["guardian_relation"],
        guardian_consent_on=c["guardian_consent_on"],
    )


# ------------------------------------------------------------------------------------------- one volunteer


def _volunteer(user, volunteer_id) -> Volunteer:
    return get_object_or_404(selectors.volunteers_for(user), pk=volunteer_id)


def _record_form(request, data=None):
    scope = selectors.projects_for(request.user).exclude(state=Project.State.DRAFT).order_by("-created_at")
    return ManualRecordForm(data, projects=scope, areas=_areas(request.user))


@staff_view(*VOL_ROLES)
def volunteer_detail(request, volunteer_id: int):
    volunteer = _volunteer(request.user, volunteer_id)
    form = _record_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            record = records.record_manual(
                actor=request.user,
                volunteer=volunteer,
                project=c["project"],
                area=c["area"],
                started_at=c["started_at"],
                ended_at=c["ended_at"],
                travel_minutes=c["travel_minutes"] or 0,
                content=c["content"],
            )
        except Refusal as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, f"已补录服务 {record.hours} 小时（待确认），请在“记录确认”中确认")
            return redirect("console:vol_volunteer", volunteer_id=volunteer.pk)
    today = timezone.localdate()
    hours = selectors.volunteer_hours(volunteer)
    rows = selectors.records_for(request.user).filter(volunteer=volunteer).order_by("-started_at", "-pk")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "console/volunteering/volunteer.html",
        {
            "v": volunteer,
            "hours": hours,
            "star": selectors.star_of(hours, today),
            "next_star": selectors.next_star(hours, today),
            "page": page,
            "teams": volunteer.teams.order_by("name"),
            "minor": volunteer.is_minor_on(today),
            "form": form,
        },
    )


# ------------------------------------------------------------------------------------------------ teams


@staff_view(*VOL_ROLES)
def team_list(request):
    form = TeamForm(request.POST or None, areas=_areas(request.user))
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        team = projects.create_team(
            actor=request.user, name=c["name"], area=c["area"], founded_on=c["founded_on"]
        )
        messages.success(request, f"已新建志愿服务队「{team.name}」，请添加队员")
        return redirect("console:vol_team", team_id=team.pk)
    qs = _teams_for(request.user).annotate(n_members=Count("members")).order_by("name", "pk")
    if wants_xlsx(request):
        return export_list(
            request,
            title="志愿服务队",
            columns=[
                Column("服务队", "name", width=30),
                Column("区域", "area.name", width=16),
                Column("队员人数", "n_members", number_format=INTEGER),
                Column("队长", "leader.masked_name", width=12),
                Column("成立日期", "founded_on", number_format=DATE),
            ],
            rows=qs.select_related("area", "leader"),
            scope="本人管理范围内的志愿服务队",
            action="export.volunteer_teams",
        )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "console/volunteering/teams.html", {"page": page, "form": form})


def _team(user, team_id) -> Team:
    return get_object_or_404(_teams_for(user), pk=team_id)


@staff_view(*VOL_ROLES)
def team_detail(request, team_id: int):
    team = _team(request.user, team_id)
    members = team.members.order_by("number")
    form = TeamEditForm(
        request.POST or None,
        members=members,
        initial={"name": team.name, "leader": team.leader_id, "founded_on": team.founded_on},
    )
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        teams.update_team(
            actor=request.user, team=team, name=c["name"], leader=c["leader"], founded_on=c["founded_on"]
        )
        messages.success(request, "已保存")
        return redirect("console:vol_team", team_id=team.pk)
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "console/volunteering/team.html", {"team": team, "page": page, "form": form})


@require_POST
@staff_view(*VOL_ROLES)
def team_member(request, team_id: int):
    team = _team(request.user, team_id)
    number = request.POST.get("number", "").strip()[:20]
    if request.POST.get("action") == "remove":
        volunteer = get_object_or_404(team.members.all(), number=number) if number else None
        if volunteer is None:
            return HttpResponseBadRequest("请指定队员")
        teams.remove_member(actor=request.user, team=team, volunteer=volunteer)
        messages.success(request, f"已将 {volunteer.masked_name}（{volunteer.number}）移出队伍")
    else:
        if not number:
            raise VolunteerRefusal("请填写志愿者编号")
        volunteer = selectors.volunteers_for(request.user).filter(number=number).first()
        if volunteer is None:
            raise VolunteerRefusal(f"您管理的志愿者中没有编号为 {number} 的志愿者")
        teams.add_member(actor=request.user, team=team, volunteer=volunteer)
        messages.success(request, f"已将 {volunteer.masked_name}（{volunteer.number}）加入队伍")
    return redirect("console:vol_team", team_id=team.pk)


urlpatterns = [
    path("volunteering/volunteers/", volunteer_list, name="vol_volunteers"),
    path("volunteering/volunteers/new/", volunteer_new, name="vol_volunteer_new"),
    path("volunteering/volunteers/export.xlsx", volunteer_export, name="vol_volunteers_export"),
    path("volunteering/volunteers/<int:volunteer_id>/", volunteer_detail, name="vol_volunteer"),
    path("volunteering/teams/", team_list, name="vol_teams"),
    path("volunteering/teams/<int:team_id>/", team_detail, name="vol_team"),
    path("volunteering/teams/<int:team_id>/members/", team_member, name="vol_team_member"),
]
