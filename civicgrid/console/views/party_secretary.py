"""党组织书记: my organisation (members, committee and term, compliance lights, warnings, sub-organisations),
meeting entry with attendance, pioneer posts / shock teams / deployments, 民主评议; and 「我的组织」 for a member
with a staff account.

Scope: an organisation (or anything hanging off one) outside `managed_orgs(user)` — the subtree of the
organisations he leads — is a 404, whatever the method; the services refuse again on their own.
"""

from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from civicgrid.console.access import staff_view
from civicgrid.console.exporting import LIST_EXPORT_MAX, export_list, wants_xlsx
from civicgrid.console.forms.party_secretary import (
    AppraisalForm,
    AttachmentForm,
    DeploymentForm,
    EndForm,
    MeetingFilterForm,
    MeetingForm,
    PioneerPostForm,
    ProposalForm,
    ShockTeamForm,
)
from civicgrid.core.documents import DATE, INTEGER, ONE_DECIMAL, Column, Sheet
from civicgrid.core.refusal import REFUSAL_TYPES, refusal_message
from civicgrid.engagement.selectors import evaluations_for_appraisal
from civicgrid.party.compliance import compliance_for, org_compliance
from civicgrid.party.mine import my_organisation
from civicgrid.party.models import (
    Appraisal,
    Deployment,
    Meeting,
    MeetingAttachment,
    MemberRule,
    OrgProposal,
    PartyMember,
    PartyOrg,
    PioneerPost,
    ShockTeam,
)
from civicgrid.party.selectors import (
    MemberFilters,
    area_subtree_ids,
    managed_orgs,
    member_of,
    member_rows,
    members_in_scope,
    secretary_org_ids,
)
from civicgrid.party.services import activities
from civicgrid.party.services.meetings import (
    appraisal_record,
    expected_for,
    meeting_attachment_add,
    meeting_record,
)
from civicgrid.party.services.proposals import proposal_submit
from civicgrid.party.warnings import org_warnings
from civicgrid.registry.models import AdminArea, Role

SECRETARY_ROLES = (Role.PARTY_SECRETARY, Role.ADMINISTRATOR)
MEMBERS_PER_PAGE = 50
MEETINGS_PER_PAGE = 20
PARENT_KINDS = (PartyOrg.Kind.COMMITTEE, PartyOrg.Kind.GENERAL_BRANCH, PartyOrg.Kind.WORKING_COMMITTEE)
PERIOD_ORDER = ("month", "quarter", "year")
NOT_FOUND = "党组织不存在或不在您的管理范围内"


def _org(request, org_id: int) -> PartyOrg:
    org = managed_orgs(request.user).select_related("parent").filter(pk=org_id).first()
    if org is None:
        raise Http404(NOT_FOUND)
    return org


def _in_scope(request, model, pk: int, **related):
    """A row of `model` whose organisation the user manages; 404 otherwise."""
    row = model.objects.select_related(*related.get("select", ("org",))).filter(pk=pk).first()
    org = row and (row.meeting.org if model is MeetingAttachment else row.org)
    if org is None or not managed_orgs(request.user).filter(pk=org.pk).exists():
        raise Http404("记录不存在或不在您的管理范围内")
    return row


def _refused(request, exc) -> None:
    messages.error(request, refusal_message(exc))


def attendance_members(org: PartyOrg, group=None):
    """Who may be on the attendance list: the organisation's members on the register and the flowing members
    who take part here (流入); only the 党小组's members for a group."""
    rows = PartyMember.objects.filter(status=PartyMember.Status.ACTIVE).filter(
        Q(org=org) | Q(flowing=True, flow_host_org=org)
    )
    if group is not None:
        rows = rows.filter(group=group)
    return rows.select_related("group").order_by("group__name", "name", "pk")


# ---------------------------------------------------------------------------------------------------- my org


@staff_view(*SECRETARY_ROLES)
def sec_home(request):
    """The organisations he leads; straight to the one when there is one."""
    led = PartyOrg.objects.filter(pk__in=secretary_org_ids(request.user)).order_by("code")
    if not led.exists():
        led = managed_orgs(request.user).filter(parent__isnull=True).order_by("code")
    orgs = list(led[:100])
    if len(orgs) == 1:
        return redirect("console:party_sec_org", org_id=orgs[0].pk)
    return render(request, "console/party/sec_home.html", {"orgs": orgs})


def _term_view(org: PartyOrg, day: date, user):
    term = org.terms.filter(is_current=True).first()
    if term is None:
        return None
    posts = [p for p in term.posts.select_related("member").order_by("post", "pk") if p.is_held_at(day)]
    visible = {row.pk: row.name for row in member_rows(user, [p.member for p in posts if p.member_id])}
    return {
        "term": term,
        "due": term.effective_due_on,
        "days": (term.effective_due_on - day).days,
        "overdue": max(0, (day - term.effective_due_on).days),
        "posts": [
            (
                p.get_post_display(),
                visible.get(p.member_id) if p.member_id else p.person_name,
                p.get_source_display(),
            )
            for p in posts
        ],
    }


def _lights(org: PartyOrg, day: date):
    items = org_compliance(org, day).items
    return [
        (label, [item for item in items if item.period == period])
        for period, label in zip(PERIOD_ORDER, ("本月", "本季度", "本年度"), strict=True)
    ]


def _members_export(request, org, members):
    """The register of one organisation as the page shows it: names and phones masked where it masks them."""
    members = list(members[:LIST_EXPORT_MAX])
    groups = {m.pk: (m.group.name if m.group_id else "") for m in members}
    rows = [(row, groups[row.pk]) for row in member_rows(request.user, members)]
    return export_list(
        request,
        title="党员名单",
        columns=[
            Column("姓名", lambda r: r[0].name, width=12),
            Column("性别", lambda r: r[0].sex, width=8),
            Column("类别", lambda r: r[0].category, width=12),
            Column("党小组", 1, width=16),
            Column("状态", lambda r: r[0].status, width=10),
            Column("标记", lambda r: "、".join(r[0].flags), width=20),
            Column("联系电话", lambda r: r[0].phone, width=16),
        ],
        rows=rows,
        scope=org.name,
        action="export.party_org_members",
    )


@staff_view(*SECRETARY_ROLES)
def sec_org(request, org_id):
    org = _org(request, org_id)
    today = timezone.localdate()
    members = members_in_scope(request.user, MemberFilters(org=org, subtree=False)).select_related(
        "org", "group"
    )
    if wants_xlsx(request):
        return _members_export(request, org, members.order_by("group__name", "name", "pk"))
    page = Paginator(members.order_by("group__name", "name", "pk"), MEMBERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    groups = {m.pk: (m.group.name if m.group_id else "") for m in page.object_list}
    rows = [(row, groups[row.pk]) for row in member_rows(request.user, page.object_list)]
    children = []
    if org.kind in PARENT_KINDS:
        kids = list(
            managed_orgs(request.user)
            .filter(parent=org)
            .active_at(today)
            .annotate(n=Count("members", filter=Q(members__status=PartyMember.Status.ACTIVE)))
            .order_by("code")
        )
        lights = compliance_for([k.pk for k in kids], today)
        children = [(k, lights.get(k.pk)) for k in kids]
    return render(
        request,
        "console/party/sec_org.html",
        {
            "org": org,
            "today": today,
            "page": page,
            "rows": rows,
            "term": _term_view(org, today, request.user),
            "lights": _lights(org, today),
            "warnings": org_warnings(org, today),
            "children": children,
            "is_parent": org.kind in PARENT_KINDS,
            "counts": org.members.filter(status=PartyMember.Status.ACTIVE).aggregate(
                total=Count("pk"), full=Count("pk", filter=Q(category=PartyMember.Category.FULL))
            ),
        },
    )


# ------------------------------------------------------------------------------------------------- meetings


def _quorum_hints(org: PartyOrg, day: date):
    """应到 and how many make a quorum, per kind that needs one (the service's own counting)."""
    hints = []
    for kind in Meeting.QUORUM_KINDS:
        expected = expected_for(org, kind, day)
        hints.append((Meeting.Kind(kind).label, expected, expected // 2 + 1 if expected else None))
    return hints


@staff_view(*SECRETARY_ROLES)
def sec_meeting_new(request, org_id):
    org = _org(request, org_id)
    today = timezone.localdate()
    groups = org.groups.order_by("name")
    source = request.POST if request.method == "POST" else request.GET
    group = (
        groups.filter(pk=source.get("group") or 0).first() if str(source.get("group", "")).isdigit() else None
    )
    members = attendance_members(org, group)
    form_kwargs = {"org": org, "members": members, "groups": groups}
    if request.method == "POST":
        form = MeetingForm(request.POST, request.FILES, **form_kwargs)
        if form.is_valid():
            data = form.cleaned_data
            attendance = form.attendance()
            try:
                with transaction.atomic():
                    meeting = meeting_record(
                        actor=request.user,
                        org=org,
                        kind=data["kind"],
                        held_on=data["held_on"],
                        topic=data["topic"],
                        host=data["host"],
                        place=data["place"],
                        group=data["group"],
                        expected=data["expected"],
                        present=None if attendance is not None else data["present"],
                        attendance=attendance,
                        minutes=data["minutes"],
                        resolutions=data["resolutions"],
                    )
                    for upload in data["attachments"]:
                        meeting_attachment_add(
                            actor=request.user, meeting=meeting, upload=upload, name=upload.name
                        )
            except REFUSAL_TYPES as exc:
                form.add_error(None, refusal_message(exc))
            else:
                messages.success(request, f"已录入{meeting.get_kind_display()}「{meeting.topic}」")
                return redirect("console:party_sec_meeting", meeting_id=meeting.pk)
    else:
        form = MeetingForm(initial={"held_on": today, "group": group}, **form_kwargs)
    form.fields["held_on"].widget.attrs["max"] = today.isoformat()
    return render(
        request,
        "console/party/sec_meeting_form.html",
        {"org": org, "form": form, "group": group, "groups": groups, "hints": _quorum_hints(org, today)},
    )


MEETING_COLUMNS = [
    Column("日期", "held_on", number_format=DATE),
    Column("会议类型", lambda m: m.get_kind_display(), width=14),
    Column("主题", "topic", width=40),
    Column("党小组", "group.name", width=16),
    Column("主持人/授课人", "host", width=14),
    Column("地点", "place", width=20),
    Column("应到人数", "expected", number_format=INTEGER),
    Column("实到人数", "present", number_format=INTEGER),
    Column("附件", "files", number_format=INTEGER, width=8),
]


@staff_view(*SECRETARY_ROLES)
def sec_meetings(request, org_id):
    org = _org(request, org_id)
    form = MeetingFilterForm(request.GET or None)
    meetings = org.meetings.select_related("group").annotate(files=Count("attachments"))
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["kind"]:
            meetings = meetings.filter(kind=data["kind"])
        if data["date_from"]:
            meetings = meetings.filter(held_on__gte=data["date_from"])
        if data["date_to"]:
            meetings = meetings.filter(held_on__lte=data["date_to"])
        if data["q"].strip():
            meetings = meetings.filter(topic__contains=data["q"].strip())
    if wants_xlsx(request):
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        return export_list(
            request,
            title="会议记录",
            columns=MEETING_COLUMNS,
            rows=meetings.order_by("-held_on", "-pk"),
            scope=org.name,
            filters=[
                f"会议类型：{Meeting.Kind(data['kind']).label}" if data.get("kind") else "",
                f"起始日期：{data['date_from']:%Y-%m-%d}" if data.get("date_from") else "",
                f"截止日期：{data['date_to']:%Y-%m-%d}" if data.get("date_to") else "",
                f"主题含「{data['q'].strip()}」" if (data.get("q") or "").strip() else "",
            ],
            action="export.party_meetings",
        )
    page = Paginator(meetings.order_by("-held_on", "-pk"), MEETINGS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "console/party/sec_meetings.html",
        {"org": org, "form": form, "page": page, "query": query.urlencode()},
    )


@staff_view(*SECRETARY_ROLES)
def sec_meeting(request, meeting_id):
    meeting = _in_scope(request, Meeting, meeting_id, select=("org", "group"))
    form = AttachmentForm()
    if request.method == "POST":
        form = AttachmentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                with transaction.atomic():
                    for upload in form.cleaned_data["attachments"]:
                        meeting_attachment_add(
                            actor=request.user, meeting=meeting, upload=upload, name=upload.name
                        )
            except REFUSAL_TYPES as exc:
                form.add_error(None, refusal_message(exc))
            else:
                messages.success(request, "附件已上传")
                return redirect("console:party_sec_meeting", meeting_id=meeting.pk)
    attendances = list(meeting.attendances.select_related("member").order_by("status", "member__name"))
    names = {row.pk: row.name for row in member_rows(request.user, [a.member for a in attendances])}
    return render(
        request,
        "console/party/sec_meeting.html",
        {
            "org": meeting.org,
            "meeting": meeting,
            "attendances": [(names[a.member_id], a) for a in attendances],
            "attachments": meeting.attachments.all(),
            "form": form,
        },
    )


@staff_view(*SECRETARY_ROLES)
def sec_attachment(request, attachment_id):
    attachment = _in_scope(request, MeetingAttachment, attachment_id, select=("meeting__org",))
    return FileResponse(
        attachment.file.open("rb"), content_type=attachment.content_type, filename=attachment.name
    )


# ----------------------------------------------------------------------------- pioneer posts, teams, deployments


@staff_view(*SECRETARY_ROLES)
def sec_activities(request, org_id):
    org = _org(request, org_id)
    today = timezone.localdate()
    members = attendance_members(org).filter(org=org)
    forms = {
        "pioneer": PioneerPostForm(members=members, prefix="pioneer", initial={"from_date": today}),
        "team": ShockTeamForm(members=members, prefix="team", initial={"from_date": today}),
        "deployment": DeploymentForm(members=members, prefix="deployment", initial={"from_date": today}),
    }
    if request.method == "POST":
        which = request.POST.get("form", "")
        if which in forms:
            form_class = type(forms[which])
            form = form_class(request.POST, members=members, prefix=which)
            forms[which] = form
            if form.is_valid():
                data = form.cleaned_data
                try:
                    if which == "pioneer":
                        activities.pioneer_post_save(actor=request.user, org=org, to_date=None, **data)
                        done = f"已设立党员先锋岗「{data['name']}」"
                    elif which == "team":
                        activities.shock_team_save(actor=request.user, org=org, to_date=None, **data)
                        done = f"已组建党员突击队「{data['name']}」"
                    else:
                        activities.deployment_save(actor=request.user, org=org, **data)
                        done = f"已登记党员下沉（{data['days']} 天）"
                except REFUSAL_TYPES as exc:
                    form.add_error(None, refusal_message(exc))
                else:
                    messages.success(request, done)
                    return redirect("console:party_sec_activities", org_id=org.pk)
    deployments = org.deployments.select_related("member")
    if wants_xlsx(request):
        return _activities_export(request, org, deployments)
    return render(
        request,
        "console/party/sec_activities.html",
        {
            "org": org,
            "today": today,
            "posts": org.pioneer_posts.select_related("holder").order_by("-to_date", "name"),
            "teams": org.shock_teams.prefetch_related("members").order_by("-to_date", "name"),
            "deployments": deployments.order_by("-from_date", "-pk")[:50],
            "person_times": deployments.aggregate(n=Sum("days"))["n"] or 0,
            "deployment_count": deployments.count(),
            "forms": forms,
            "end_form": EndForm(initial={"to_date": today}),
        },
    )


def _activities_export(request, org, deployments):
    """The page's three lists: pioneer posts, shock teams (the first sheet) and deployments, as shown."""
    posts = Sheet(
        "党员先锋岗",
        [
            Column("先锋岗", "name", width=24),
            Column("党员", lambda p: p.holder.name if p.holder_id else "未指定党员", width=12),
            Column("地点", "place", width=20),
            Column("起始日期", "from_date", number_format=DATE),
            Column("结束日期", "to_date", number_format=DATE),
        ],
        org.pioneer_posts.select_related("holder").order_by("-to_date", "name"),
        scope=org.name,
    )
    people = Sheet(
        "党员下沉",
        [
            Column("党员", lambda d: d.member.name if d.member_id else d.person_name, width=12),
            Column("任务", "task", width=30),
            Column("起始日期", "from_date", number_format=DATE),
            Column("天数", "days", number_format=INTEGER),
            Column("地点", "place", width=20),
        ],
        deployments.order_by("-from_date", "-pk")[:LIST_EXPORT_MAX],
        scope=org.name,
    )
    return export_list(
        request,
        title="党员突击队",
        columns=[
            Column("突击队", "name", width=24),
            Column("队员人数", lambda t: len(t.members.all()), number_format=INTEGER),
            Column("队员", lambda t: "、".join(m.name for m in t.members.all()), width=40),
            Column("起始日期", "from_date", number_format=DATE),
            Column("结束日期", "to_date", number_format=DATE),
        ],
        rows=org.shock_teams.prefetch_related("members").order_by("-to_date", "name"),
        scope=org.name,
        action="export.party_activities",
        more_sheets=[posts, people],
    )


@require_POST
@staff_view(*SECRETARY_ROLES)
def sec_pioneer_end(request, post_id):
    post = _in_scope(request, PioneerPost, post_id)
    form = EndForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.error_text())
    else:
        try:
            activities.pioneer_post_save(
                actor=request.user,
                org=post.org,
                name=post.name,
                holder=post.holder,
                place=post.place,
                from_date=post.from_date,
                to_date=form.cleaned_data["to_date"],
                note=post.note,
                post=post,
            )
        except REFUSAL_TYPES as exc:
            _refused(request, exc)
        else:
            messages.success(request, f"党员先锋岗「{post.name}」已撤岗")
    return redirect("console:party_sec_activities", org_id=post.org_id)


@require_POST
@staff_view(*SECRETARY_ROLES)
def sec_team_end(request, team_id):
    team = _in_scope(request, ShockTeam, team_id)
    form = EndForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.error_text())
    else:
        try:
            activities.shock_team_save(
                actor=request.user,
                org=team.org,
                name=team.name,
                task=team.task,
                from_date=team.from_date,
                to_date=form.cleaned_data["to_date"],
                note=team.note,
                team=team,
            )
        except REFUSAL_TYPES as exc:
            _refused(request, exc)
        else:
            messages.success(request, f"党员突击队「{team.name}」已结束")
    return redirect("console:party_sec_activities", org_id=team.org_id)


@require_POST
@staff_view(*SECRETARY_ROLES)
def sec_deployment_delete(request, deployment_id):
    deployment = _in_scope(request, Deployment, deployment_id)
    org_id = deployment.org_id
    try:
        activities.deployment_delete(actor=request.user, deployment=deployment)
    except REFUSAL_TYPES as exc:
        _refused(request, exc)
    else:
        messages.success(request, "已删除下沉记录")
    return redirect("console:party_sec_activities", org_id=org_id)


# ------------------------------------------------------------------------------------------------- appraisal


def appraisal_check(grades, rule: MemberRule) -> dict:
    """The 优秀 ≤ 1/3 check over the grades about to be saved (the same sum the service makes after saving)."""
    appraised = len(grades)
    excellent = sum(grade == Appraisal.Grade.EXCELLENT for _, grade in grades)
    limit = rule.excellent_limit(appraised)
    return {
        "appraised": appraised,
        "excellent": excellent,
        "limit": limit,
        "over": excellent > limit,
        "refuse": rule.excellent_over_limit == MemberRule.OverLimit.REFUSE,
        "ratio": f"{rule.excellent_numerator}/{rule.excellent_denominator}",
    }


@staff_view(*SECRETARY_ROLES)
def sec_appraisal(request, org_id):
    org = _org(request, org_id)
    today = timezone.localdate()
    years = list(range(today.year, today.year - 5, -1))
    source = request.POST if request.method == "POST" else request.GET
    text = str(source.get("year", ""))
    year = int(text) if text.isascii() and text.isdigit() and len(text) <= 4 else today.year
    if year not in years:
        year = today.year
    members = list(
        PartyMember.objects.filter(org=org, status=PartyMember.Status.ACTIVE)
        .select_related("group")
        .order_by("group__name", "name", "pk")
    )
    existing = dict(Appraisal.objects.filter(org=org, year=year).values_list("member_id", "grade"))
    community = evaluations_for_appraisal([org.pk], year)  # what the community said of each member in 双报到
    for member in members:
        member.community_evaluation = community.get(member.pk)
    rule = MemberRule.at(today)
    if request.method != "POST" and wants_xlsx(request):
        return _appraisal_export(request, org, year, members, existing)
    check = None
    if request.method == "POST":
        form = AppraisalForm(request.POST, members=members)
        if form.is_valid():
            grades = form.grades()
            check = appraisal_check(grades, rule)
            confirmed = request.POST.get("action") == "save" and (
                not check["over"] or request.POST.get("confirm")
            )
            if not grades:
                form.add_error(None, "请至少为一名党员选择评议等次")
            elif confirmed and not (check["over"] and check["refuse"]):
                try:
                    result = appraisal_record(actor=request.user, org=org, year=year, grades=grades)
                except REFUSAL_TYPES as exc:
                    form.add_error(None, refusal_message(exc))
                else:
                    for text in result.warnings:
                        messages.warning(request, text)
                    messages.success(request, f"已保存 {year} 年度民主评议结果（{len(result.rows)} 名）")
                    return redirect(f"{reverse('console:party_sec_appraisal', args=[org.pk])}?year={year}")
    else:
        form = AppraisalForm(
            members=members, initial={f"grade_{pk}": grade for pk, grade in existing.items()}
        )
    return render(
        request,
        "console/party/sec_appraisal.html",
        {
            "org": org,
            "form": form,
            "year": year,
            "years": years,
            "check": check,
            "rule_ratio": f"{rule.excellent_numerator}/{rule.excellent_denominator}",
            "recorded": len(existing),
        },
    )


def _appraisal_export(request, org, year, members, existing):
    """The year's 民主评议 as the page lists it: each member on the register, the grade recorded (or none yet)
    and the community's evaluation beside it; names as member_rows shows them to this user."""
    names = {row.pk: row.name for row in member_rows(request.user, members)}
    grades = dict(Appraisal.Grade.choices)

    def community(member, getter):
        ev = member.community_evaluation
        return getter(ev) if ev is not None else None

    return export_list(
        request,
        title="民主评议党员",
        columns=[
            Column("姓名", lambda m: names.get(m.pk, m.masked_name), width=12),
            Column("党小组", lambda m: m.group.name if m.group_id else "", width=16),
            Column("评议等次", lambda m: grades.get(existing.get(m.pk), "未评议"), width=12),
            Column("社区评价", lambda m: community(m, lambda e: e.get_grade_display()), width=12),
            Column("报到社区", lambda m: community(m, lambda e: e.registration.community.name), width=18),
            Column("服务时长（小时）", lambda m: community(m, lambda e: e.hours), number_format=ONE_DECIMAL),
            Column("志愿活动（次）", lambda m: community(m, lambda e: e.activities), number_format=INTEGER),
            Column("微心愿（个）", lambda m: community(m, lambda e: e.wishes), number_format=INTEGER),
            Column(
                "年度任务",
                lambda m: community(m, lambda e: "完成" if e.meets_quota else "未完成"),
                width=10,
            ),
        ],
        rows=members,
        scope=org.name,
        period=f"{year} 年度",
        note=f"已录入评议 {len(existing)} 名。",
        action="export.party_appraisal",
    )


# ------------------------------------------------------------------------------------------------- proposals


PROPOSAL_COLUMNS = [
    Column("拟建组织", "name", width=30),
    Column("类别", lambda p: "临时党组织" if p.is_temporary else p.get_kind_display(), width=14),
    Column("临时任务", "temp_task", width=24),
    Column("结束日期", "end_date", number_format=DATE),
    Column("状态", lambda p: p.get_state_display(), width=10),
    Column("提交日期", lambda p: timezone.localtime(p.created_at).date(), number_format=DATE),
    Column(
        "审批日期",
        lambda p: timezone.localtime(p.decided_at).date() if p.decided_at else None,
        number_format=DATE,
    ),
    Column("组织代码", "created_org.code", width=18),
    Column("审批意见", "decision_note", width=30),
]


@staff_view(*SECRETARY_ROLES)
def sec_proposals(request, org_id):
    """Propose a sub-organisation or a temporary organisation under this one (组织部 approves it), and see the
    proposals made under it with their states."""
    org = _org(request, org_id)
    can_propose = org.kind in PARENT_KINDS and org.dissolved_on is None
    areas = AdminArea.objects.filter(pk__in=area_subtree_ids([org.area_id])).order_by("code")
    form = ProposalForm(request.POST or None, areas=areas, initial={"area": org.area_id, "setup": org.setup})
    if request.method == "POST" and can_propose and form.is_valid():
        data = form.cleaned_data
        try:
            proposal = proposal_submit(request.user, org, **data)
        except REFUSAL_TYPES as exc:
            form.add_error(None, refusal_message(exc))
        else:
            messages.success(request, f"已提交「{proposal.name}」的新建申请，待组织部审批")
            return redirect("console:party_sec_proposals", org_id=org.pk)
    proposals = OrgProposal.objects.filter(parent=org).select_related("created_org").order_by("-created_at")
    if request.method != "POST" and wants_xlsx(request):
        return export_list(
            request,
            title="新建党组织申请",
            columns=PROPOSAL_COLUMNS,
            rows=proposals[:100],
            scope=org.name,
            action="export.party_proposals",
        )
    return render(
        request,
        "console/party/sec_proposal.html",
        {"org": org, "form": form, "can_propose": can_propose, "proposals": proposals[:100]},
    )


# ------------------------------------------------------------------------------------- a member's own page


@staff_view()
def party_mine(request):
    """「我的组织」 for a member who signs in with a staff account (PartyMember.user)."""
    member = member_of(request.user)
    view = my_organisation(member, timezone.localdate()) if member is not None else None
    if wants_xlsx(request):
        if view is None:
            raise Http404("您的账号还没有关联党员信息")
        return _mine_export(request, view)
    return render(request, "console/party/sec_member_mine.html", {"view": view})


def _mine_export(request, view):
    """His meetings with his own attendance (the first sheet), the committee as the page names it (others
    masked) and his attendance counts; nothing about other members that the page does not show."""
    scope = f"{view.org.name if view.org else '（无在册的所在党组织）'}；本人：{view.member_name}（{view.category}）"
    posts = Sheet(
        "委员会",
        [Column("职务", 0, width=16), Column("姓名", 1, width=12)],
        view.posts,
        scope=scope,
    )
    counts = Sheet(
        "参加情况统计",
        [Column("参加情况", 0, width=12), Column("次数", 1, number_format=INTEGER)],
        list(view.counts.items()),
        scope=scope,
    )
    return export_list(
        request,
        title="我的组织生活",
        columns=[
            Column("日期", "held_on", number_format=DATE),
            Column("会议类型", "kind", width=14),
            Column("主题", "topic", width=40),
            Column("主持人/授课人", "host", width=14),
            Column("地点", "place", width=20),
            Column("本人参加情况", "status_label", width=12),
        ],
        rows=view.meetings,
        scope=scope,
        note="仅列出最近的会议。" if view.more else "",
        action="export.party_mine",
        more_sheets=[posts, counts],
    )


urlpatterns = [
    path("party/sec/", sec_home, name="party_sec"),
    path("party/sec/org/<int:org_id>/", sec_org, name="party_sec_org"),
    path("party/sec/org/<int:org_id>/meetings/", sec_meetings, name="party_sec_meetings"),
    path("party/sec/org/<int:org_id>/meetings/new/", sec_meeting_new, name="party_sec_meeting_new"),
    path("party/sec/org/<int:org_id>/activities/", sec_activities, name="party_sec_activities"),
    path("party/sec/org/<int:org_id>/appraisal/", sec_appraisal, name="party_sec_appraisal"),
    path("party/sec/org/<int:org_id>/proposals/", sec_proposals, name="party_sec_proposals"),
    path("party/sec/meetings/<int:meeting_id>/", sec_meeting, name="party_sec_meeting"),
    path("party/sec/attachments/<int:attachment_id>/", sec_attachment, name="party_sec_attachment"),
    path("party/sec/pioneer/<int:post_id>/end/", sec_pioneer_end, name="party_sec_pioneer_end"),
    path("party/sec/teams/<int:team_id>/end/", sec_team_end, name="party_sec_team_end"),
    path(
        "party/sec/deployments/<int:deployment_id>/delete/",
        sec_deployment_delete,
        name="party_sec_deployment_delete",
    ),
    path("party/mine/", party_mine, name="party_mine"),
]
