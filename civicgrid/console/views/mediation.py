"""人民调解 in the console: committees and their rolls (with the 3-9 members and woman-member warnings), mediators,
cases (list, register, the case page with its actions, the agreement as .docx), 「转人民调解」 from a ticket, and the
figures. Reads go through mediation.selectors (scope: a mediator his committee only, staff their areas; parties
masked, reveals audited); changes through mediation.services.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from civicgrid.console.access import staff_view
from civicgrid.console.exporting import export_list, wants_xlsx
from civicgrid.core.audit import record_event
from civicgrid.core.documents import DATE, INTEGER, Column, Sheet, docx_response, workbook, xlsx_response
from civicgrid.core.inputs import parse_day, parse_id
from civicgrid.core.models import AuditEvent
from civicgrid.core.refusal import Refusal
from civicgrid.mediation import selectors, services
from civicgrid.mediation.checks import committee_members, committee_warnings, minority_members
from civicgrid.mediation.documents import agreement_docx
from civicgrid.mediation.models import Case, FollowUp, Mediator, Party
from civicgrid.mediation.services import TRANSITIONS
from civicgrid.mediation.stats import KEYS, LABELS, mediation_stats, shown
from civicgrid.party.selectors import staff_area_ids
from civicgrid.registry.models import AdminArea
from civicgrid.registry.models import Role as R
from civicgrid.tickets.selectors import ticket_for
from civicgrid.tickets.services.pauses import may_pause

PAGE_SIZE = 25
ROLES = (
    R.GRID_WORKER,
    R.GRID_LEADER,
    R.UNIT_HANDLER,
    R.ORGANISATION_STAFF,
    R.PARTY_SECRETARY,
    R.LEADER,
    R.ADMINISTRATOR,
)
REFER_ROLES = (R.DISPATCHER, R.UNIT_HANDLER, R.GRID_WORKER, R.GRID_LEADER, R.ADMINISTRATOR)
EXPORT_CAP = 50_000


def _query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _committee(user, value):
    committee = selectors.committees_for(user).filter(pk=parse_id(value) or 0).first()
    if committee is None:
        raise Refusal("请选择您负责的人民调解委员会")
    return committee


def _in_scope(queryset, pk, what: str):
    """The row if this user's scope holds it; else 403 as for tickets (a page outside one's scope is refused)."""
    row = queryset.filter(pk=pk).first()
    if row is None:
        raise PermissionDenied(f"{what}不存在或不在您的负责范围内")
    return row


def _case(request, pk) -> Case:
    return _in_scope(selectors.cases_for(request.user), pk, "调解案件")


# ------------------------------------------------------------------------------------------------- committees


@staff_view(*ROLES)
def committees(request):
    today = timezone.localdate()
    rows = [
        (c, committee_members(c, today).count(), committee_warnings(c, today))
        for c in selectors.committees_for(request.user).select_related("area")[:500]
    ]
    if wants_xlsx(request):
        return export_list(
            request,
            title="人民调解委员会",
            columns=[
                Column("名称", lambda r: r[0].name, width=30),
                Column("所在区划", lambda r: r[0].area.name, width=18),
                Column("成立日期", lambda r: r[0].established_on, number_format=DATE),
                Column("委员人数", 1, number_format=INTEGER),
                Column("提示", lambda r: "；".join(r[2]) or "符合要求", width=40),
            ],
            rows=rows,
            scope="本人负责的区域",
            period=f"截至 {today:%Y-%m-%d}",
            action="export.mediation_committees",
        )
    return render(
        request,
        "console/mediation/committees.html",
        {"rows": rows, "areas": _committee_areas(request.user)[:500]},
    )


def _committee_areas(user):
    """Villages, communities and towns where this user may set up a committee (a mediator sets up none)."""
    qs = AdminArea.objects.filter(level__in=services.COMMITTEE_LEVELS).order_by("code")
    if selectors.sees_everything(user):
        return qs
    if selectors.is_mediator(user):
        return qs.none()
    return qs.filter(pk__in=selectors.area_ids_for(user))


@staff_view(*ROLES)
def committee_new(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    p = request.POST
    area = _committee_areas(request.user).filter(pk=parse_id(p.get("area")) or 0).first()
    if area is None:
        raise Refusal("请选择您负责的村（社区）或乡镇")
    committee = services.committee_create(
        actor=request.user,
        area=area,
        name=p.get("name", "")[:100],
        established_on=parse_day(p.get("established_on"), "成立日期"),
        phone=p.get("phone", "").strip()[:20],
        address=p.get("address", "")[:200],
    )
    messages.success(request, f"已设立{committee.name}，请登记委员和调解员")
    return redirect("console:med_committee", pk=committee.pk)


@staff_view(*ROLES)
def committee_page(request, pk):
    committee = _in_scope(selectors.committees_for(request.user).select_related("area"), pk, "调解委员会")
    today = timezone.localdate()
    if wants_xlsx(request):
        return _committee_export(request, committee, today)
    return render(
        request,
        "console/mediation/committee.html",
        {
            "c": committee,
            "roll": Mediator.objects.on_roll(today).filter(committee=committee),
            "former": Mediator.objects.filter(committee=committee, left_on__lte=today),
            "warnings": committee_warnings(committee, today),
            "minority": minority_members(committee, today),
            "kinds": Mediator.Kind.choices,
            "posts": Mediator.Post.choices,
            "today": today,
        },
    )


def _committee_export(request, committee, today):
    """The committee page's people: those on the roll (the first sheet) and those who left, masked as there."""
    scope = f"{committee.area.name}；成立日期 {committee.established_on:%Y-%m-%d}"
    former = Sheet(
        "已离任",
        [
            Column("姓名", "masked_name", width=12),
            Column("职务", lambda m: m.get_post_display(), width=12),
            Column("离任日期", "left_on", number_format=DATE),
        ],
        Mediator.objects.filter(committee=committee, left_on__lte=today).order_by("-left_on", "pk"),
        scope=scope,
    )
    return export_list(
        request,
        title=f"{committee.name}人员名单",
        sheet_name="在册人员",
        columns=[
            Column("姓名", "masked_name", width=12),
            Column("职务", lambda m: m.get_post_display(), width=12),
            Column("类别", lambda m: m.get_kind_display(), width=12),
            Column("性别", lambda m: m.get_gender_display(), width=8),
            Column("少数民族", lambda m: "是" if m.is_minority else "", width=10),
            Column("联系电话", "masked_phone", width=16),
            Column("聘任日期", "joined_on", number_format=DATE),
        ],
        rows=Mediator.objects.on_roll(today).filter(committee=committee),
        scope=scope,
        period=f"截至 {today:%Y-%m-%d}",
        note=f"委员中少数民族成员 {minority_members(committee, today)} 人。",
        action="export.mediation_committee",
        target=committee,
        more_sheets=[former],
    )


@staff_view(*ROLES)
def mediator_new(request, pk):
    committee = _in_scope(selectors.committees_for(request.user), pk, "调解委员会")
    if request.method != "POST":  # scope first: a row outside it is refused whatever the method
        return HttpResponseNotAllowed(["POST"])
    p = request.POST
    mediator = services.mediator_add(
        actor=request.user,
        committee=committee,
        name=p.get("name", "")[:50],
        gender=p.get("gender", ""),
        kind=p.get("kind", ""),
        post=p.get("post", ""),
        phone=p.get("phone", "").strip()[:20],
        is_minority=p.get("is_minority") == "1",
        joined_on=parse_day(p.get("joined_on"), "聘任日期"),
    )
    messages.success(request, f"已登记调解员{mediator.masked_name}")
    return redirect("console:med_committee", pk=committee.pk)


@staff_view(*ROLES)
def mediator_leave(request, pk):
    mediator = _in_scope(selectors.mediators_for(request.user), pk, "调解员")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.mediator_leave(
        actor=request.user, mediator=mediator, left_on=parse_day(request.POST.get("left_on"), "离任日期")
    )
    messages.success(request, f"{mediator.masked_name}已离任")
    return redirect("console:med_committee", pk=mediator.committee_id)


# -------------------------------------------------------------------------------------------------- mediators


def _mediators(request):
    return selectors.mediator_list(
        request.user,
        q=request.GET.get("q", "").strip()[:50],
        kind=request.GET.get("kind", ""),
        committee_id=parse_id(request.GET.get("committee")),
        current=request.GET.get("all") != "1",
    )


@staff_view(*ROLES)
def mediators(request):
    page = Paginator(_mediators(request), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "console/mediation/mediators.html",
        {
            "page": page,
            "query": _query(request),
            "kinds": Mediator.Kind.choices,
            "committees": selectors.committees_for(request.user)[:500],
            "q": request.GET.get("q", "")[:50],
            "kind": request.GET.get("kind", ""),
            "committee": request.GET.get("committee", ""),
            "all": request.GET.get("all") == "1",
        },
    )


@staff_view(*ROLES)
def mediators_export(request):
    rows = list(_mediators(request)[:EXPORT_CAP])
    record_event(actor=request.user, action="export.mediation_mediators", summary=f"{len(rows)}人")
    data = workbook(
        "人民调解员名册",
        "本人负责的人民调解委员会",
        f"截至{timezone.localdate():%Y年%m月%d日}",
        [
            Column("调解委员会", "committee.name", width=28),
            Column("姓名", "masked_name"),
            Column("联系电话", "masked_phone", width=16),
            Column("性别", lambda m: m.get_gender_display()),
            Column("少数民族", lambda m: "是" if m.is_minority else "否"),
            Column("类别", lambda m: m.get_kind_display()),
            Column("职务", lambda m: m.get_post_display()),
            Column("聘任日期", "joined_on"),
            Column("离任日期", "left_on"),
        ],
        rows,
    )
    return xlsx_response("人民调解员名册.xlsx", data)


# ------------------------------------------------------------------------------------------------------ cases


def _cases(request):
    return selectors.case_list(
        request.user,
        q=request.GET.get("q", "").strip()[:50],
        state=request.GET.get("state", ""),
        dispute_type=request.GET.get("type", ""),
        source=request.GET.get("source", ""),
        committee_id=parse_id(request.GET.get("committee")),
        overdue=request.GET.get("overdue") == "1",
    )


@staff_view(*ROLES)
def cases(request):
    page = Paginator(_cases(request), PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    return render(
        request,
        "console/mediation/cases.html",
        {
            "page": page,
            "rows": [
                (c, c.is_overdue(today), [selectors.masked_party(p) for p in c.parties.all()]) for c in page
            ],
            "query": _query(request),
            "states": Case.State.choices,
            "types": Case.DisputeType.choices,
            "sources": Case.Source.choices,
            "committees": selectors.committees_for(request.user)[:500],
            "f": {
                k: request.GET.get(k, "")[:50]
                for k in ("q", "state", "type", "source", "committee", "overdue")
            },
        },
    )


@staff_view(*ROLES)
def cases_export(request):
    rows = list(_cases(request)[:EXPORT_CAP])
    record_event(actor=request.user, action="export.mediation_cases", summary=f"{len(rows)}件")
    parties = {c.pk: "、".join(p.masked_name for p in c.parties.all()) for c in rows}
    data = workbook(
        "人民调解案件清单",
        "本人负责的人民调解委员会",
        f"截至{timezone.localdate():%Y年%m月%d日}",
        [
            Column("案件编号", "number", width=16),
            Column("调解委员会", "committee.name", width=28),
            Column("纠纷概述", "title", width=30),
            Column("当事人", lambda c: parties[c.pk], width=24),
            Column("纠纷类型", lambda c: c.get_dispute_type_display(), width=20),
            Column("来源", lambda c: c.get_source_display()),
            Column("状态", lambda c: c.get_state_display()),
            Column("受理日期", "accepted_on"),
            Column("调解期限", "deadline"),
            Column("有激化风险", lambda c: "是" if c.at_risk else "否"),
        ],
        rows,
    )
    return xlsx_response("人民调解案件清单.xlsx", data)


def _parties_from(post) -> list[dict]:
    rows = []
    for i in (1, 2, 3):
        name = post.get(f"p{i}_name", "").strip()
        if name:
            rows.append(
                {
                    "side": Party.Side.APPLICANT if i == 1 else Party.Side.RESPONDENT,
                    "name": name[:100],
                    "phone": post.get(f"p{i}_phone", "").strip()[:20],
                    "id_number": post.get(f"p{i}_id", "").strip()[:30],
                    "address": post.get(f"p{i}_address", "").strip()[:200],
                }
            )
    return rows


@staff_view(*ROLES)
def case_new(request):
    if request.method == "POST":
        p = request.POST
        case = services.case_register(
            actor=request.user,
            committee=_committee(request.user, p.get("committee")),
            source=p.get("source", ""),
            dispute_type=p.get("dispute_type", ""),
            title=p.get("title", "")[:100],
            facts=p.get("facts", "")[:5000],
            matters=p.get("matters", "")[:2000],
            parties=_parties_from(p),
        )
        messages.success(request, f"已登记调解案件 {case.number}")
        return redirect("console:med_case", pk=case.pk)
    staff_sources = [(v, lbl) for v, lbl in Case.Source.choices if v not in ("ticket", "application")]
    return render(
        request,
        "console/mediation/case_new.html",
        {
            "committees": selectors.committees_for(request.user)[:500],
            "types": Case.DisputeType.choices,
            "sources": staff_sources,
        },
    )


def _case_context(request, case, revealed=None):
    today = timezone.localdate()
    allowed = sorted(step for step, (sources, _) in TRANSITIONS.items() if case.state in sources)
    return {
        "c": case,
        "parties": revealed or [selectors.masked_party(p) for p in case.parties.all()],
        "revealed": bool(revealed),
        "sessions": case.sessions.all(),
        "agreement": case.agreements.filter(is_void=False).first(),
        "void_agreements": case.agreements.filter(is_void=True),
        "followups": case.followups.all(),
        "mediators": case.mediators.all(),
        "roll": Mediator.objects.on_roll(today).filter(committee=case.committee),
        "steps": allowed,
        "overdue": case.is_overdue(today),
        "ways": FollowUp.Way.choices,
        "today": today,
        "raised": case.raised_tickets.all(),
        "events": AuditEvent.objects.filter(target_type="mediation.case", target_id=str(case.pk)).order_by(
            "at", "pk"
        ),
    }


@staff_view(*ROLES)
def case_page(request, pk):
    case = _case(request, pk)
    return render(request, "console/mediation/case.html", _case_context(request, case))


@staff_view(*ROLES)
def case_reveal(request, pk):
    case = _case(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    revealed = selectors.reveal_parties(
        user=request.user, case=case, purpose=request.POST.get("purpose", "")[:200]
    )
    return render(request, "console/mediation/case.html", _case_context(request, case, revealed))


@staff_view(*ROLES)
def case_action(request, pk):
    case = _case(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    p, user = request.POST, request.user
    action = p.get("action", "")
    if action == "accept":
        services.case_accept(actor=user, case=case)
    elif action == "decline":
        services.case_decline(actor=user, case=case, reason=p.get("reason", "")[:300])
    elif action == "assign":
        ids = [i for i in (parse_id(v) for v in p.getlist("mediators")) if i]
        chosen = list(Mediator.objects.filter(pk__in=ids))
        services.assign_mediators(actor=user, case=case, mediators=chosen)
    elif action == "start":
        services.case_start(actor=user, case=case)
    elif action == "session":
        services.session_record(
            actor=user,
            case=case,
            held_on=parse_day(p.get("held_on"), "调解日期"),
            place=p.get("place", "")[:200],
            attendees=p.get("attendees", "")[:300],
            notes=p.get("notes", "")[:20000],
        )
    elif action == "extend":
        services.case_extend(
            actor=user,
            case=case,
            until=parse_day(p.get("until"), "新的调解期限"),
            consent=p.get("consent", "")[:300],
        )
    elif action == "agree":
        services.case_agree(
            actor=user,
            case=case,
            content=p.get("content", "")[:10000],
            responsibilities=p.get("responsibilities", "")[:5000],
            performance_manner=p.get("performance_manner", "")[:300],
            performance_deadline=parse_day(p.get("performance_deadline"), "履行期限"),
            signed_on=parse_day(p.get("signed_on"), "签订日期"),
        )
    elif action == "fail":
        services.case_fail(
            actor=user, case=case, reason=p.get("reason", "")[:300], at_risk=p.get("at_risk") == "1"
        )
    elif action == "risk":
        services.mark_at_risk(
            actor=user, case=case, at_risk=p.get("at_risk") == "1", note=p.get("note", "")[:300]
        )
    elif action == "perform":
        services.case_perform(actor=user, case=case)
    elif action == "judicial":
        services.judicial_applied(actor=user, case=case, on=parse_day(p.get("on"), "申请日期"))
    elif action == "follow_up":
        services.follow_up(
            actor=user,
            case=case,
            on=parse_day(p.get("on"), "回访日期"),
            way=p.get("way", ""),
            performed=p.get("performed") == "1",
            notes=p.get("notes", "")[:2000],
        )
    elif action == "close":
        services.case_close(actor=user, case=case)
    elif action == "remediate":
        services.case_remediate(actor=user, case=case, reason=p.get("reason", "")[:300])
    elif action == "raise_ticket":
        ticket = services.raise_ticket(
            actor=user,
            case=case,
            title=p.get("title", "")[:100],
            content=p.get("content", "")[:2000],
            phone=p.get("phone", "").strip()[:20],
        )
        messages.success(request, f"已转为工单 {ticket.number}")
        return redirect("console:med_case", pk=case.pk)
    else:
        raise Refusal("操作不正确")
    messages.success(request, "已保存")
    return redirect("console:med_case", pk=case.pk)


@staff_view(*ROLES)
def case_docx(request, pk):
    case = _case(request, pk)
    agreement = case.agreements.filter(is_void=False).first()
    if agreement is None:
        raise Refusal("该案件没有有效的调解协议")
    record_event(actor=request.user, action="pii.view", target=case, summary=f"下载调解协议书 {case.number}")
    return docx_response(f"人民调解协议书{case.number}.docx", agreement_docx(agreement))


# ------------------------------------------------------------------------------------------ from a ticket page


@staff_view(*REFER_ROLES)
def ticket_refer(request, pk):
    """「转人民调解」: choose the committee (that of the ticket's community first) and the dispute type."""
    ticket = ticket_for(request.user, pk)
    if not may_pause(request.user, ticket):
        raise Refusal("仅限主办单位的办理人员和 12345 派单员将工单转人民调解")
    if request.method == "POST":
        p = request.POST
        committee = selectors.Committee.objects.filter(pk=parse_id(p.get("committee")) or 0).first()
        if committee is None:
            raise Refusal("请选择人民调解委员会")
        case = services.refer_ticket(
            actor=request.user,
            ticket=ticket,
            committee=committee,
            dispute_type=p.get("dispute_type", ""),
            note=p.get("note", "")[:200],
        )
        messages.success(request, f"已转{committee.name}调解（案件 {case.number}），工单暂停计时")
        return redirect("console:ticket", pk=ticket.pk)
    near = [a for a in (ticket.community_id, ticket.town_id) if a]
    committees = selectors.Committee.objects.filter(dissolved_on__isnull=True).select_related("area")
    local_first = sorted(committees.filter(area_id__in=near), key=lambda c: c.area.level != "village")
    return render(
        request,
        "console/mediation/refer.html",
        {
            "ticket": ticket,
            "local": local_first,
            "others": committees.exclude(area_id__in=near)[:300],
            "types": Case.DisputeType.choices,
            "is_dispute": services.is_dispute_ticket(ticket),
        },
    )


# ------------------------------------------------------------------------------------------------------ figures


def _stats_areas(user):
    qs = AdminArea.objects.exclude(level=AdminArea.Level.VILLAGE).order_by("code")
    if selectors.sees_everything(user):
        return qs
    return qs.filter(pk__in=staff_area_ids(user)) | AdminArea.objects.filter(
        pk__in=selectors.committees_for(user).values("area_id")
    )


def _stats_choice(request):
    areas = _stats_areas(request.user)
    chosen = areas.filter(pk=parse_id(request.GET.get("area")) or 0).first() or areas.first()
    year_text = request.GET.get("year", "")
    year = (
        int(year_text)
        if year_text.isascii() and year_text.isdigit() and 2000 <= int(year_text) <= 2099
        else None
    )
    return areas, chosen, year or timezone.localdate().year


@staff_view(*ROLES)
def stats(request):
    areas, area, year = _stats_choice(request)
    figures = mediation_stats(area, year) if area else None
    return render(
        request,
        "console/mediation/stats.html",
        {
            "areas": areas.distinct()[:300],
            "area": area,
            "year": year,
            "figures": [(LABELS[k], shown(k, figures[k])) for k in KEYS] if figures else [],
            "query": _query(request),
        },
    )


@staff_view(*ROLES)
def stats_export(request):
    _areas, area, year = _stats_choice(request)
    if area is None:
        raise Refusal("请选择区划")
    figures = mediation_stats(area, year)
    record_event(actor=request.user, action="export.mediation_stats", summary=f"{area.name}{year}年")
    data = workbook(
        "人民调解统计",
        f"{area.name}（含下级区划）",
        f"{year}年",
        [Column("指标", 0, width=24), Column("数值", 1, width=14)],
        [(LABELS[k], shown(k, figures[k])) for k in KEYS],
    )
    return xlsx_response(f"人民调解统计{year}.xlsx", data)


urlpatterns = [
    path("mediation/committees/", committees, name="med_committees"),
    path("mediation/committees/new/", committee_new, name="med_committee_new"),
    path("mediation/committees/<int:pk>/", committee_page, name="med_committee"),
    path("mediation/committees/<int:pk>/mediators/new/", mediator_new, name="med_mediator_new"),
    path("mediation/mediators/", mediators, name="med_mediators"),
    path("mediation/mediators/export/", mediators_export, name="med_mediators_export"),
    path("mediation/mediators/<int:pk>/leave/", mediator_leave, name="med_mediator_leave"),
    path("mediation/cases/", cases, name="med_cases"),
    path("mediation/cases/export/", cases_export, name="med_cases_export"),
    path("mediation/cases/new/", case_new, name="med_case_new"),
    path("mediation/cases/<int:pk>/", case_page, name="med_case"),
    path("mediation/cases/<int:pk>/reveal/", case_reveal, name="med_case_reveal"),
    path("mediation/cases/<int:pk>/action/", case_action, name="med_case_action"),
    path("mediation/cases/<int:pk>/agreement.docx", case_docx, name="med_case_docx"),
    path("mediation/tickets/<int:pk>/refer/", ticket_refer, name="med_ticket_refer"),
    path("mediation/stats/", stats, name="med_stats"),
    path("mediation/stats/export/", stats_export, name="med_stats_export"),
]
