"""社区共建 pages: community workers (双报到 registrations received, needs and micro-wishes with filters and the
publish flow, a 12345 ticket turned into a wish), members (my quota progress, claim a wish), and the 组织部
(figures with Excel export, coverage by employer and community, pairings and visits).

Reads go through engagement.selectors (scope, masking); changes through engagement.services, whose refusals the
RefusalMiddleware shows on the page the form came from.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from civicgrid.console.access import staff_view
from civicgrid.console.exporting import LIST_EXPORT_MAX, export_list, wants_xlsx
from civicgrid.core.audit import record_event
from civicgrid.core.documents import DATE, DATETIME, INTEGER, ONE_DECIMAL, Column, Sheet, xlsx_response
from civicgrid.core.inputs import parse_count
from civicgrid.core.middleware import safe_back
from civicgrid.core.refusal import Refusal
from civicgrid.engagement import selectors, services
from civicgrid.engagement.exports import evaluations_workbook, stats_workbook
from civicgrid.engagement.models import Evaluation, MicroWish, NeedItem, Registration, VisitFinding
from civicgrid.engagement.scope import area_ids_for
from civicgrid.engagement.stats import KEYS, LABELS, engagement_stats, shown
from civicgrid.party.selectors import member_of
from civicgrid.registry.models import AdminArea
from civicgrid.registry.models import Role as R
from civicgrid.tickets.models import Ticket
from civicgrid.tickets.permissions import staff_of

WORKER_ROLES = (R.GRID_WORKER, R.GRID_LEADER, R.ORGANISATION_STAFF, R.ADMINISTRATOR)
ORG_ROLES = (R.ORGANISATION_STAFF, R.ADMINISTRATOR)
PAGE_SIZE = 25


def _year(request) -> int:
    text = (request.POST.get("year") or request.GET.get("year") or "").strip()
    this = timezone.localdate().year
    return parse_count(text) if 2000 <= parse_count(text) <= this + 1 else this


def _communities(user):
    areas = area_ids_for(user)
    qs = AdminArea.objects.filter(level=AdminArea.Level.VILLAGE).order_by("code")
    return qs if areas is None else qs.filter(pk__in=areas)


def _community(user, value) -> AdminArea:
    area = _communities(user).filter(pk=parse_count(value)).first()
    if area is None:
        raise Refusal("请选择您负责的村（社区）")
    return area


# ---------------------------------------------------------------------------------------- community workers


@staff_view(*WORKER_ROLES)
def wishes(request):
    state, source = request.GET.get("state", ""), request.GET.get("source", "")
    community = request.GET.get("community", "")
    rows = selectors.wishes_for(
        request.user,
        state=state if state in MicroWish.State.values else "",
        source=source if source in NeedItem.Source.values else "",
        community_id=parse_count(community) or None,
    )
    if wants_xlsx(request):
        named = next((c.name for c in _communities(request.user) if str(c.pk) == community), "")
        return export_list(
            request,
            title="需求和微心愿",
            columns=[
                Column("心愿", "title", width=36),
                Column("村（社区）", "community.name", width=18),
                Column("来源", lambda w: w.get_source_display()),
                Column("心愿人", "resident_masked", width=10),
                Column("联系电话", "phone_masked", width=14),
                Column("状态", lambda w: w.get_state_display()),
                Column("已认领", "claim_count", number_format=INTEGER),
                Column("可认领", "max_claimers", number_format=INTEGER),
                Column("说明", "end_reason", width=24),
            ],
            rows=rows,
            scope="本人负责的村（社区）",
            filters=[
                f"状态：{MicroWish.State(state).label}" if state in MicroWish.State.values else "",
                f"来源：{NeedItem.Source(source).label}" if source in NeedItem.Source.values else "",
                f"村（社区）：{named}" if named else "",
            ],
            action="export.engagement_wishes",
        )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "console/engagement/wishes.html",
        {
            "page": page,
            "states": MicroWish.State.choices,
            "sources": NeedItem.Source.choices,
            "communities": _communities(request.user),
            "state": state,
            "source": source,
            "community": community,
        },
    )


@staff_view(*WORKER_ROLES)
@require_POST
def wish_new(request):
    p = request.POST
    wish = services.wish_collect(
        actor=request.user,
        community=_community(request.user, p.get("community")),
        source=p.get("source", "grid"),
        title=p.get("title", ""),
        content=p.get("content", ""),
        resident_name=p.get("resident_name", ""),
        resident_phone=p.get("resident_phone", "").strip(),
        max_claimers=parse_count(p.get("max_claimers"), 1),
    )
    messages.success(request, f"已登记微心愿「{wish.title}」")
    return redirect("console:eng_wishes")


def _hours(text: str) -> Decimal | None:
    """Hours of the registered volunteers who claimed the wish (a pending service record each), if given."""
    text = text.strip()
    if not text:
        return None
    try:
        hours = Decimal(text)
    except InvalidOperation as exc:
        raise Refusal("志愿者服务时长应为数字，例如 1.5") from exc
    if not hours.is_finite() or not 0 < hours <= 24:
        raise Refusal("志愿者服务时长应大于 0 且不超过 24 小时")
    return hours


ACTIONS = {
    "verify": lambda user, wish, p: services.wish_verify(actor=user, wish=wish),
    "publish": lambda user, wish, p: services.wish_publish(
        actor=user, wish=wish, expires_on=date.fromisoformat(p["expires_on"]) if p.get("expires_on") else None
    ),
    "close": lambda user, wish, p: services.wish_close(actor=user, wish=wish),
    "cancel": lambda user, wish, p: services.wish_cancel(actor=user, wish=wish, reason=p.get("reason", "")),
    "fulfil": lambda user, wish, p: services.wish_fulfil(
        actor=user, wish=wish, evidence=p.get("evidence", ""), volunteer_hours=_hours(p.get("hours", ""))
    ),
}


@staff_view(*WORKER_ROLES)
@require_POST
def wish_action(request, pk):
    wish = get_object_or_404(selectors.wishes_for(request.user), pk=pk)
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        raise Refusal("操作不正确")
    try:
        ACTIONS[action](request.user, wish, request.POST)
    except ValueError as exc:
        raise Refusal("日期格式不正确") from exc
    messages.success(request, "已保存")
    return redirect(safe_back(request) or "console:eng_wishes")


@staff_view(*WORKER_ROLES)
@require_POST
def ticket_to_wish(request):
    p = request.POST
    ticket = Ticket.objects.filter(number=p.get("number", "").strip()).first()
    if ticket is None:
        raise Refusal("没有这个工单编号")
    wish = services.wish_from_ticket(
        actor=request.user,
        ticket=ticket,
        community=_community(request.user, p.get("community")),
        personal_small_wish=p.get("personal_small_wish") == "1",
    )
    messages.success(request, f"工单{ticket.number}已转为微心愿「{wish.title}」")
    return redirect("console:eng_wishes")


@staff_view(*WORKER_ROLES)
def registrations(request):
    state, kind = request.GET.get("state", ""), request.GET.get("kind", "")
    rows = selectors.registrations_for(
        request.user, state=state if state in Registration.State.values else "", kind=kind
    )
    if wants_xlsx(request):
        return export_list(
            request,
            title="双报到登记",
            columns=[
                Column("报到对象", lambda r: r.org.name if r.org_id else r.member.masked_name, width=28),
                Column("联系人", lambda r: r.contact_name if r.org_id else "", width=10),
                Column("联系电话", lambda r: r.contact_phone_masked if r.org_id else "", width=14),
                Column("社区", "community.name", width=18),
                Column("特长", "skills", width=20),
                Column("服务意向", "service_kinds", width=20),
                Column("岗位", "post", width=14),
                Column("网格", "grid.name", width=16),
                Column("报到日期", "registered_on", number_format=DATE),
                Column("状态", lambda r: r.get_state_display()),
            ],
            rows=rows,
            scope="本人负责的村（社区）",
            filters=[
                f"状态：{Registration.State(state).label}" if state in Registration.State.values else ""
            ],
            action="export.engagement_registrations",
        )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "console/engagement/registrations.html",
        {
            "page": page,
            "states": Registration.State.choices,
            "state": state,
            "kind": kind,
        },
    )


@staff_view(*WORKER_ROLES)
@require_POST
def registration_action(request, pk):
    registration = get_object_or_404(selectors.registrations_for(request.user), pk=pk)
    action = request.POST.get("action", "")
    if action == "activate":
        services.registration_activate(actor=request.user, registration=registration)
    elif action == "post":
        services.registration_assign(
            actor=request.user,
            registration=registration,
            grid=registration.grid,
            post=request.POST.get("post", ""),
        )
    elif action in ("lapsed", "moved", "withdrawn"):
        services.registration_end(
            actor=request.user, registration=registration, state=action, reason=request.POST.get("reason", "")
        )
    elif action == "evaluate":
        services.evaluation_record(
            actor=request.user,
            registration=registration,
            year=parse_count(request.POST.get("year"), timezone.localdate().year),
            grade=request.POST.get("grade", ""),
            comment=request.POST.get("comment", ""),
        )
    else:
        raise Refusal("操作不正确")
    messages.success(request, "已保存")
    return redirect("console:eng_registrations")


@staff_view(*WORKER_ROLES)
def evaluations_export(request):
    year = _year(request)
    areas = area_ids_for(request.user)
    rows = Evaluation.objects.filter(year=year).select_related("member", "org", "registration__community")
    if areas is not None:
        rows = rows.filter(registration__community_id__in=areas)
    record_event(actor=request.user, action="export.engagement_evaluations", summary=f"{year}年度")
    data = evaluations_workbook(list(rows), scope="本人负责的村（社区）", year=year)
    return xlsx_response(f"双报到年度评价-{year}.xlsx", data)


@staff_view(*WORKER_ROLES)
@require_POST
def evaluations_send(request):
    """Year end: the evaluations of the year not yet sent go to each member's own organisation (its secretaries are
    notified; the 民主评议 page shows them)."""
    year = _year(request)
    rows = Evaluation.objects.filter(year=year, sent_at__isnull=True)
    areas = area_ids_for(request.user)
    if areas is not None:
        rows = rows.filter(registration__community_id__in=areas)
    sent = services.evaluations_send(actor=request.user, evaluations=list(rows))
    if sent:
        messages.success(request, f"已将 {year} 年度 {sent} 名党员的评价反馈所在党组织")
    else:
        messages.info(request, f"{year} 年度没有待反馈的评价")
    return redirect("console:eng_registrations")


# ------------------------------------------------------------------------------------------------- members


def _member(request):
    member = member_of(request.user)
    if member is None:
        raise PermissionDenied("您的账号没有关联党员信息")
    return member


@staff_view()
def mine(request):
    """For a member who signs in with a staff account (PartyMember.user); others use the portal's 我的组织."""
    member = _member(request)
    year = timezone.localdate().year
    if wants_xlsx(request):
        return _mine_export(request, member, year)
    return render(
        request,
        "console/engagement/mine.html",
        {
            "member": member,
            "year": year,
            "progress": selectors.my_progress(member, year),
            "registration": selectors.open_registration(member),
            "wishes": selectors.claimable_wishes(member),
            "claims": selectors.my_claims(member)[:20],
            "commitments": selectors.my_commitments(member)[:20],
        },
    )


def _mine_export(request, member, year: int):
    """The member's own page as a workbook: the year's progress against the quota (the first sheet), his
    commitments, his claims and the wishes he may claim; nobody else's personal data, as on the page."""
    registration = selectors.open_registration(member)
    progress = selectors.my_progress(member, year)
    quota = progress.quota if progress else None
    scope = (
        f"本人；已向{registration.community.name}报到（{registration.get_state_display()}）"
        if registration
        else "本人；尚未在居住地社区报到"
    )
    rows = []
    if progress is not None:
        rows = [
            ("微心愿（个）", progress.wishes, quota.wishes if quota else None),
            ("志愿活动（次）", progress.activities, quota.activities if quota else None),
            ("服务时长（小时）", progress.hours, quota.hours if quota else None),
        ]
    period = f"{year} 年"

    def sheet(title, columns, items):
        return Sheet(title, columns, items, scope=scope, period=period)

    more = [
        sheet(
            "我的承诺",
            [
                Column("年度", "year", number_format=INTEGER, width=8),
                Column("承诺事项", "content", width=40),
                Column("承诺日期", "pledged_on", number_format=DATE),
                Column("状态", lambda c: c.get_state_display(), width=10),
                Column("践诺情况", "evidence", width=40),
            ],
            selectors.my_commitments(member)[:LIST_EXPORT_MAX],
        ),
        sheet(
            "我认领的",
            [
                Column("微心愿", "wish.title", width=36),
                Column("村（社区）", "wish.community.name", width=18),
                Column("状态", lambda c: c.wish.get_state_display(), width=10),
                Column("认领时间", "claimed_at", number_format=DATETIME),
            ],
            selectors.my_claims(member)[:LIST_EXPORT_MAX],
        ),
        sheet(
            "可认领的微心愿",
            [
                Column("心愿", "title", width=36),
                Column("村（社区）", "community.name", width=18),
                Column("已认领", "claim_count", number_format=INTEGER),
                Column("可认领", "max_claimers", number_format=INTEGER),
            ],
            selectors.claimable_wishes(member)[:LIST_EXPORT_MAX],
        ),
    ]
    done = "已完成本年度任务" if progress is not None and progress.meets else "尚未完成本年度任务"
    return export_list(
        request,
        title="我的双报到任务",
        columns=[
            Column("项目", 0, width=18),
            Column("已完成", 1, number_format=ONE_DECIMAL),
            Column("年度任务", 2, number_format=ONE_DECIMAL),
        ],
        rows=rows,
        scope=scope,
        period=period,
        note=f"{done}。" if quota else "未设置年度任务。",
        action="export.engagement_mine",
        more_sheets=more,
    )


@staff_view()
@require_POST
def mine_claim(request):
    member = _member(request)
    wish = get_object_or_404(selectors.claimable_wishes(member), pk=parse_count(request.POST.get("wish")))
    services.wish_claim(actor=request.user, wish=wish, member=member)
    messages.success(request, f"已认领「{wish.title}」")
    return redirect("console:eng_mine")


# ------------------------------------------------------------------------------------------------- 组织部


def _stats_area(request):
    code = (request.GET.get("area") or "").strip()
    areas = area_ids_for(request.user)
    qs = AdminArea.objects.all() if areas is None else AdminArea.objects.filter(pk__in=areas)
    if code:
        return qs.filter(code=code).first()
    return (
        qs.order_by("code").first()
        if areas is not None
        else qs.filter(parent__isnull=True).order_by("code").first()
    )


@staff_view(*ORG_ROLES)
def org_board(request):
    year = _year(request)
    area = _stats_area(request)
    figures = engagement_stats(area, year) if area else None
    by_employer, by_community = selectors.coverage(request.user, year)
    return render(
        request,
        "console/engagement/org.html",
        {
            "year": year,
            "area": area,
            "figures": [(LABELS[k], shown(k, figures[k])) for k in KEYS] if figures else [],
            "by_employer": by_employer[:50],
            "by_community": by_community[:50],
            "pairings": selectors.pairings_for(request.user, year)[:100],
            "visits": selectors.visits_for(request.user, year)[:50],
        },
    )


@staff_view(*ORG_ROLES)
def org_stats_export(request):
    year = _year(request)
    area = _stats_area(request)
    if area is None:
        raise Refusal("请选择区划")
    # The board's two coverage tables go with the figures, scoped like the page (the reader's areas).
    return stats_xlsx(request, area, year, coverage=selectors.coverage(request.user, year))


def _areas_text(user) -> str:
    ids = area_ids_for(user)
    if ids is None:
        return "全部区划"
    names = list(AdminArea.objects.filter(pk__in=ids).order_by("code").values_list("name", flat=True)[:6])
    return "、".join(names) + ("等" if len(ids) > len(names) else "") or "（未关联区划）"


def stats_xlsx(request, area: AdminArea, year: int, coverage=None):
    """The figures of an area as Excel: the 组织部 board's export and the community dashboard's."""
    record_event(actor=request.user, action="export.engagement_stats", target=area, summary=f"{year}年度")
    data = stats_workbook(
        engagement_stats(area, year),
        scope=area.name,
        year=year,
        coverage=coverage,
        coverage_scope=_areas_text(request.user) if coverage is not None else "",
    )
    return xlsx_response(f"社区共建统计-{area.name}-{year}.xlsx", data)


@staff_view(*WORKER_ROLES)
@require_POST
def finding_convert(request, pk):
    findings = VisitFinding.objects.all()
    areas = area_ids_for(request.user)
    if areas is not None:
        findings = findings.filter(visit__pairing__area_id__in=areas)
    finding = get_object_or_404(findings, pk=pk)
    to = request.POST.get("to", "")
    if to == "ticket":
        staff = staff_of(request.user)
        ticket = services.finding_to_ticket(
            actor=request.user,
            finding=finding,
            phone=getattr(staff, "phone", ""),
            name=getattr(staff, "name", ""),
        )
        messages.success(request, f"已转为工单{ticket.number}")
    elif to == "need":
        services.finding_to_need(actor=request.user, finding=finding)
        messages.success(request, "已转为需求")
    elif to == "wish":
        services.finding_to_wish(actor=request.user, finding=finding)
        messages.success(request, "已转为微心愿")
    else:
        raise Refusal("操作不正确")
    return redirect(safe_back(request) or "console:eng_board")


urlpatterns = [
    path("engagement/findings/<int:pk>/", finding_convert, name="eng_finding"),
    path("engagement/wishes/", wishes, name="eng_wishes"),
    path("engagement/wishes/new/", wish_new, name="eng_wish_new"),
    path("engagement/wishes/<int:pk>/", wish_action, name="eng_wish_action"),
    path("engagement/wishes/from-ticket/", ticket_to_wish, name="eng_ticket_to_wish"),
    path("engagement/registrations/", registrations, name="eng_registrations"),
    path("engagement/registrations/<int:pk>/", registration_action, name="eng_registration_action"),
    path("engagement/evaluations/export/", evaluations_export, name="eng_evaluations_export"),
    path("engagement/evaluations/send/", evaluations_send, name="eng_evaluations_send"),
    path("engagement/mine/", mine, name="eng_mine"),
    path("engagement/mine/claim/", mine_claim, name="eng_mine_claim"),
    path("engagement/board/", org_board, name="eng_board"),
    path("engagement/board/export/", org_stats_export, name="eng_board_export"),
]
