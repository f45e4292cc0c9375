"""The community worker's 社区共建 pages: registering members and organisations with a community, a
registration's page with its commitments, the need list and the community dashboard with the 组织部 board's figures
for the worker's communities and the members behind their yearly quota.

Reads go through engagement.selectors (scope, masking); changes through engagement.services.
"""

from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from civicgrid.console.access import staff_view
from civicgrid.console.exporting import export_list, wants_xlsx
from civicgrid.console.views.engagement import (
    PAGE_SIZE,
    WORKER_ROLES,
    _communities,
    _community,
    _year,
    stats_xlsx,
)
from civicgrid.core.audit import record_event
from civicgrid.core.documents import DATE, INTEGER, Column, xlsx_response
from civicgrid.core.inputs import parse_count
from civicgrid.core.refusal import Refusal
from civicgrid.engagement import selectors, services
from civicgrid.engagement.exports import needs_workbook
from civicgrid.engagement.models import Commitment, NeedItem
from civicgrid.engagement.stats import KEYS, LABELS, engagement_stats, shown
from civicgrid.registry.models import Role as R

COMMUNITY_ROLES = (R.GRID_WORKER, R.GRID_LEADER, R.ORGANISATION_STAFF, R.ADMINISTRATOR)


def _query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# ---------------------------------------------------------------------------------------------- 双报到 register


@staff_view(*WORKER_ROLES)
def registration_new(request):
    """Search the register for an in-service member (or an organisation), then register with a community."""
    q, oq = request.GET.get("q", "").strip()[:50], request.GET.get("oq", "").strip()[:50]
    members = selectors.member_candidates(request.user, q)
    open_ids = set(
        selectors.registrations_for(request.user)
        .filter(member_id__in=[m.pk for m in members], state__in=("registered", "active"))
        .values_list("member_id", flat=True)
    )
    return render(
        request,
        "console/engagement/registration_new.html",
        {
            "q": q,
            "oq": oq,
            "members": [(m, m.pk in open_ids) for m in members],
            "orgs": selectors.org_candidates(request.user, oq),
            "communities": _communities(request.user),
            "grids": selectors.grids_for(request.user)[:500],
        },
    )


@staff_view(*WORKER_ROLES)
@require_POST
def registration_member_new(request):
    p = request.POST
    member = selectors.registrable_members(request.user).filter(pk=parse_count(p.get("member"))).first()
    if member is None:
        raise Refusal("请先查找并选择要报到的在职党员")
    community = _community(request.user, p.get("community"))
    grid = (
        selectors.grids_for(request.user).filter(pk=parse_count(p.get("grid"))).first()
        if p.get("grid")
        else None
    )
    registration = services.register_member(
        actor=request.user,
        member=member,
        community=community,
        skills=p.get("skills", "")[:200],
        service_kinds=p.get("service_kinds", "")[:200],
        grid=grid,
        post=p.get("post", ""),
    )
    messages.success(request, f"{member.masked_name}已向{community.name}报到")
    return redirect("console:eng_registration", pk=registration.pk)


@staff_view(*WORKER_ROLES)
@require_POST
def registration_org_new(request):
    p = request.POST
    org = selectors.registrable_orgs(request.user).filter(pk=parse_count(p.get("org"))).first()
    if org is None:
        raise Refusal("请先查找并选择要报到的党组织")
    community = _community(request.user, p.get("community"))
    registration = services.register_org(
        actor=request.user,
        org=org,
        community=community,
        contact_name=p.get("contact_name", "")[:50],
        contact_phone=p.get("contact_phone", "").strip()[:20],
        service_kinds=p.get("service_kinds", "")[:200],
    )
    messages.success(request, f"{org.name}已向{community.name}报到")
    return redirect("console:eng_registration", pk=registration.pk)


@staff_view(*WORKER_ROLES)
def registration_page(request, pk):
    registration = get_object_or_404(selectors.registrations_for(request.user), pk=pk)
    if wants_xlsx(request):
        who = registration.org.name if registration.org_id else registration.member.masked_name
        return export_list(
            request,
            title=f"{who}承诺践诺",
            sheet_name="承诺践诺",
            columns=[
                Column("年度", "year", number_format=INTEGER, width=8),
                Column("承诺事项", "content", width=40),
                Column("承诺日期", "pledged_on", number_format=DATE),
                Column("状态", lambda c: c.get_state_display(), width=10),
                Column("评定日期", "decided_on", number_format=DATE),
                Column("践诺情况", "evidence", width=40),
            ],
            rows=selectors.commitments_of(registration).order_by("-year", "-pk"),
            scope=f"报到社区：{registration.community.name}；{registration.get_state_display()}",
            action="export.engagement_commitments",
            target=registration,
        )
    return render(
        request,
        "console/engagement/registration.html",
        {
            "r": registration,
            "commitments": selectors.commitments_of(registration),
            "year": timezone.localdate().year,
        },
    )


@staff_view(*WORKER_ROLES)
@require_POST
def registration_commitment(request, pk):
    """Pledge a commitment for the registered member or organisation, or decide one (fulfilled or not)."""
    registration = get_object_or_404(selectors.registrations_for(request.user), pk=pk)
    p = request.POST
    action = p.get("action", "")
    if action == "pledge":
        services.commitment_pledge(
            actor=request.user,
            year=timezone.localdate().year,
            content=p.get("content", "")[:300],
            member=registration.member if registration.member_id else None,
            org=registration.org if registration.org_id else None,
        )
        messages.success(request, "已登记承诺")
    elif action in ("fulfilled", "not_fulfilled"):
        commitment = get_object_or_404(
            selectors.commitments_of(registration), pk=parse_count(p.get("commitment"))
        )
        services.commitment_decide(
            actor=request.user,
            commitment=commitment,
            fulfilled=action == "fulfilled",
            evidence=p.get("evidence", ""),
        )
        messages.success(request, f"已评定为「{Commitment.State(action).label}」")
    else:
        raise Refusal("操作不正确")
    return redirect("console:eng_registration", pk=registration.pk)


# -------------------------------------------------------------------------------------------------- 需求清单


def _needs(request):
    source, state = request.GET.get("source", ""), request.GET.get("state", "")
    return selectors.needs_for(
        request.user,
        community_id=parse_count(request.GET.get("community")) or None,
        source=source if source in NeedItem.Source.values else "",
        state=state if state in dict(selectors.NEED_STATES) else "",
    )


@staff_view(*COMMUNITY_ROLES)
def needs(request):
    page = Paginator(_needs(request), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "console/engagement/needs.html",
        {
            "page": page,
            "query": _query(request),
            "sources": NeedItem.Source.choices,
            "need_states": selectors.NEED_STATES,
            "communities": _communities(request.user),
            "source": request.GET.get("source", ""),
            "state": request.GET.get("state", ""),
            "community": request.GET.get("community", ""),
        },
    )


@staff_view(*COMMUNITY_ROLES)
def needs_export(request):
    rows = list(_needs(request)[:50_000])
    record_event(actor=request.user, action="export.engagement_needs", summary=f"{len(rows)}条")
    return xlsx_response("需求清单.xlsx", needs_workbook(rows, scope="本人负责的村（社区）"))


@staff_view(*COMMUNITY_ROLES)
@require_POST
def need_new(request):
    p = request.POST
    need = services.need_add(
        actor=request.user,
        community=_community(request.user, p.get("community")),
        source=p.get("source", ""),
        title=p.get("title", ""),
        content=p.get("content", "")[:2000],
        person_name=p.get("person_name", "")[:50],
        person_phone=p.get("person_phone", "").strip()[:20],
    )
    messages.success(request, f"已登记需求「{need.title}」")
    return redirect("console:eng_needs")


@staff_view(*COMMUNITY_ROLES)
@require_POST
def need_wish(request, pk):
    need = get_object_or_404(selectors.needs_for(request.user), pk=pk)
    wish = services.need_to_wish(
        actor=request.user,
        need=need,
        max_claimers=max(1, min(parse_count(request.POST.get("max_claimers"), 1), 99)),
    )
    messages.success(request, f"已转为微心愿「{wish.title}」，请在微心愿中核实、发布")
    return redirect("console:eng_needs")


# ------------------------------------------------------------------------------------------- community board


def _board_community(request):
    communities = _communities(request.user)
    chosen = parse_count(request.GET.get("community"))
    return communities, (communities.filter(pk=chosen).first() if chosen else None) or communities.first()


@staff_view(*COMMUNITY_ROLES)
def community_board(request):
    year = _year(request)
    communities, community = _board_community(request)
    figures = engagement_stats(community, year) if community else None
    day = min(date(year, 12, 31), timezone.localdate())
    behind = request.GET.get("all") != "1"
    rows = selectors.quota_rows(community, year, day, behind_only=behind) if community else []
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "console/engagement/community.html",
        {
            "year": year,
            "community": community,
            "communities": communities,
            "figures": [(LABELS[k], shown(k, figures[k])) for k in KEYS] if figures else [],
            "page": page,
            "behind": behind,
            "query": _query(request),
        },
    )


@staff_view(*COMMUNITY_ROLES)
def community_export(request):
    _communities_qs, community = _board_community(request)
    if community is None:
        raise Refusal("请选择您负责的村（社区）")
    return stats_xlsx(request, community, _year(request))


urlpatterns = [
    path("engagement/registrations/new/", registration_new, name="eng_registration_new"),
    path("engagement/registrations/new/member/", registration_member_new, name="eng_registration_member"),
    path("engagement/registrations/new/org/", registration_org_new, name="eng_registration_org"),
    path("engagement/registrations/<int:pk>/page/", registration_page, name="eng_registration"),
    path(
        "engagement/registrations/<int:pk>/commitments/",
        registration_commitment,
        name="eng_registration_commitment",
    ),
    path("engagement/needs/", needs, name="eng_needs"),
    path("engagement/needs/export/", needs_export, name="eng_needs_export"),
    path("engagement/needs/new/", need_new, name="eng_need_new"),
    path("engagement/needs/<int:pk>/wish/", need_wish, name="eng_need_wish"),
    path("engagement/community/", community_board, name="eng_community"),
    path("engagement/community/export/", community_export, name="eng_community_export"),
]
