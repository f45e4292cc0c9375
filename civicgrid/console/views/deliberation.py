"""协商议事 pages for community workers, party secretaries and town staff, each scoped to their areas: the topic
list (search, filters, Excel), a new topic, a topic's page (participants and attendance, votes, resolution, the
四议两公开 checklist with its quorum, the actions its state allows, linked tickets), a ticket sent to deliberation
from the ticket page, and the figures.

Reads through deliberation.selectors (scope, masking); changes through deliberation.services, whose refusals the
RefusalMiddleware shows on the page the form came from.
"""

from decimal import Decimal, InvalidOperation
from functools import wraps

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
from civicgrid.core.documents import DATE, INTEGER, Column, Sheet, xlsx_response
from civicgrid.core.inputs import parse_count, parse_day
from civicgrid.core.refusal import Refusal
from civicgrid.deliberation import selectors, services
from civicgrid.deliberation.exports import topics_workbook
from civicgrid.deliberation.models import FourTwoStep, Participant, Topic
from civicgrid.deliberation.scope import WORKER_ROLES, area_ids_for
from civicgrid.deliberation.services import rule_for
from civicgrid.deliberation.stats import HELP, KEYS, LABELS, deliberation_stats
from civicgrid.engagement.selectors import visits_in_scope
from civicgrid.ledgers import scope as ledger_scope
from civicgrid.party.models import PartyOrg
from civicgrid.registry.models import AdminArea
from civicgrid.registry.selectors import unit_by_code_or_name
from civicgrid.tickets.selectors import ticket_for

PAGE_SIZE = 25
Step = FourTwoStep.Step
S = Topic.State


def _topic_post(view):
    """POST only, but the topic's scope is checked first: out of scope is 403 whatever the method."""

    @wraps(view)
    def wrapper(request, pk):
        topic = selectors.topic_for(request.user, pk)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        return view(request, topic)

    return wrapper


def _communities(user):
    areas = area_ids_for(user)
    qs = AdminArea.objects.filter(level=AdminArea.Level.VILLAGE).order_by("code")
    return qs if areas is None else qs.filter(pk__in=areas)


def _areas(user):
    """Areas the stats page may show: the user's own and below (everything for administrators)."""
    areas = area_ids_for(user)
    qs = AdminArea.objects.exclude(level=AdminArea.Level.PROVINCE).order_by("code")
    return qs if areas is None else qs.filter(pk__in=areas)


def _filters(request):
    g = request.GET
    return {
        "q": g.get("q", "").strip()[:100],
        "state": g.get("state", ""),
        "form": g.get("form", ""),
        "level": g.get("level", ""),
        "source": g.get("source", ""),
    }


@staff_view(*WORKER_ROLES)
def topics(request):
    filters = _filters(request)
    rows = selectors.topics_for(request.user, **filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "console/deliberation/topics.html",
        {
            "page": page,
            "query": query.urlencode(),
            "f": filters,
            "states": Topic.State.choices,
            "forms": Topic.Form.choices,
            "levels": Topic.Level.choices,
            "sources": Topic.Source.choices,
        },
    )


@staff_view(*WORKER_ROLES)
def topics_export(request):
    rows = list(selectors.topics_for(request.user, **_filters(request))[:50_000])
    record_event(actor=request.user, action="export.deliberation_topics", summary=f"{len(rows)}条")
    return xlsx_response("协商议事议题.xlsx", topics_workbook(rows, scope="本人负责的区域"))


@staff_view(*WORKER_ROLES)
def topic_new(request):
    communities = _communities(request.user)
    if request.method == "POST":
        p = request.POST
        area = communities.filter(pk=parse_count(p.get("area"))).first()
        if area is None:
            raise Refusal("请选择您负责的村（社区）")
        source = p.get("source", "")
        org = (
            PartyOrg.objects.filter(code=p.get("party_org", "").strip()).first()
            if p.get("party_org")
            else None
        )
        if p.get("party_org", "").strip() and org is None:
            raise Refusal("没有找到该党组织代码")
        topic = services.topic_propose(
            actor=request.user,
            area=area,
            title=p.get("title", "")[:100],
            description=p.get("description", "")[:5000],
            source=source,
            level=p.get("level", ""),
            form=p.get("form", ""),
            proposer_name=p.get("proposer_name", "")[:50],
            party_org=org,
        )
        messages.success(request, f"已收集议题「{topic.title}」")
        return redirect("console:delib_topic", pk=topic.pk)
    return render(
        request,
        "console/deliberation/new.html",
        {
            "communities": communities,
            "forms": Topic.Form.choices,
            "levels": Topic.Level.choices,
            # residents propose on the portal, hotspots come from tickets, visits from the visit page
            "sources": [(v, lbl) for v, lbl in Topic.Source.choices if v in ("grid_worker", "party_org")],
        },
    )


def _checklist(topic: Topic):
    """The six steps with what was recorded and, for the two meetings, the quorum as configured."""
    if not topic.is_four_two:
        return None, None
    done = {s.step: s for s in topic.four_two_steps.all()}
    rule = rule_for(topic.area, timezone.localdate())
    rows, next_step = [], None
    for value, label in Step.choices:
        row = done.get(value)
        if row is None and next_step is None:
            next_step = value
        quorum = value in FourTwoStep.QUORUM_STEPS
        need = ""
        if row is not None and quorum and row.expected:
            need = f"应到{row.expected}人，实到{row.present}人（{row.present * 100 // row.expected}%），赞成{row.votes_for}票"
        rows.append({"value": value, "label": label, "row": row, "quorum": quorum, "figures": need})
    rule_text = (
        f"到会不少于应到人数的{rule.quorum_numerator}/{rule.quorum_denominator}，"
        f"赞成超过实到人数的{rule.majority_numerator}/{rule.majority_denominator}"
    )
    return {
        "rows": rows,
        "next": next_step,
        "next_label": Step(next_step).label if next_step else "",
        "next_quorum": next_step in FourTwoStep.QUORUM_STEPS,
        "rule": rule_text,
    }, next_step


@staff_view(*WORKER_ROLES)
def topic_page(request, pk):
    topic = selectors.topic_for(request.user, pk)
    if wants_xlsx(request):
        return _topic_export(request, topic)
    return _topic_page(request, topic)


def _topic_export(request, topic):
    """The topic page's lists: participants (the first sheet, as the page lists them), the 四议两公开 steps and
    the linked tickets and ledger items. The proposer is not in the file (masked on the page, revealed only
    with a purpose)."""
    scope = f"{topic.area.name}；{topic.get_state_display()}"
    checklist, _ = _checklist(topic)
    more = []
    if checklist:
        more.append(
            Sheet(
                "四议两公开",
                [
                    Column("步骤", lambda s: f"{s['value']}. {s['label']}", width=28),
                    Column("日期", lambda s: s["row"].on if s["row"] else None, number_format=DATE),
                    Column("到会与表决", "figures", width=40),
                    Column("记录", lambda s: s["row"].note if s["row"] else "", width=30),
                ],
                checklist["rows"],
                scope=scope,
            )
        )
    links = [("提交议事", t.number, t.title, "") for t in topic.tickets.all()]
    for a in topic.actions.select_related("ticket", "ledger_item__campaign"):
        if a.ticket_id:
            links.append(("决议转办", a.ticket.number, a.ticket.title, ""))
        elif a.ledger_item_id:
            item = a.ledger_item
            links.append(("列入台账", item.number, item.campaign.name, item.get_state_display()))
        else:
            links.append(("其他", "", a.note, ""))
    more.append(
        Sheet(
            "关联工单和台账",
            [
                Column("关联", 0, width=10),
                Column("编号", 1, width=18),
                Column("标题", 2, width=36),
                Column("状态", 3, width=10),
            ],
            links,
            scope=scope,
        )
    )
    return export_list(
        request,
        title=f"议题「{topic.title}」",
        sheet_name="参与人",
        columns=[
            Column("类别", lambda p: p.get_kind_display(), width=12),
            Column("姓名/单位", "name", width=24),
            Column(
                "出席",
                lambda p: "出席" if p.attended else ("未出席" if topic.meeting_on else ""),
                width=8,
            ),
        ],
        rows=topic.participants.all(),
        scope=scope,
        action="export.deliberation_topic",
        target=topic,
        more_sheets=more,
    )


@staff_view(*WORKER_ROLES)
@_topic_post
def topic_reveal(request, topic):
    try:
        shown = selectors.reveal_proposer(
            user=request.user, topic=topic, purpose=request.POST.get("purpose", "")
        )
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect("console:delib_topic", pk=topic.pk)
    # Shown in this response only, never in a message (the cookie is not encrypted).
    response = _topic_page(request, topic, revealed=shown)
    response["Cache-Control"] = "no-store"
    return response


def _topic_page(request, topic, *, revealed=None):
    checklist, _ = _checklist(topic)
    allowed = services.TRANSITIONS[topic.state]
    return render(
        request,
        "console/deliberation/topic.html",
        {
            "topic": topic,
            "participants": topic.participants.all(),
            "kinds": Participant.Kind.choices,
            "checklist": checklist,
            "allowed": {str(s) for s in allowed},
            "tickets": topic.tickets.all(),
            "actions": topic.actions.select_related("ticket", "ledger_item__campaign"),
            "campaigns": ledger_scope.proposable_campaigns(request.user)
            if topic.state in services.ACTION_STATES
            else [],
            "can_act": topic.state in services.ACTION_STATES,
            "today": timezone.localdate(),
            "events": _events(topic),
            "revealed": revealed,
        },
    )


def _events(topic):
    from civicgrid.core.models import AuditEvent

    return (
        AuditEvent.objects.filter(target_type="deliberation.topic", target_id=str(topic.pk))
        .select_related("actor")
        .order_by("pk")
    )


def _money(text: str) -> Decimal | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise Refusal("资金金额应为数字（元）") from exc
    if not value.is_finite() or value > Decimal("9999999999"):
        raise Refusal("资金金额不正确")
    return value.quantize(Decimal("0.01"))


@staff_view(*WORKER_ROLES)
@_topic_post
def topic_act(request, topic):
    pk = topic.pk
    p, user = request.POST, request.user
    action = p.get("action", "")
    if action == "accept":
        services.topic_accept(actor=user, topic=topic)
    elif action == "decline":
        services.topic_decline(actor=user, topic=topic, reason=p.get("reason", "")[:300])
    elif action == "notify":
        services.topic_notify(
            actor=user,
            topic=topic,
            meeting_on=parse_day(p.get("meeting_on"), "协商日期"),
            place=p.get("place", "")[:100],
        )
    elif action == "deliberate":
        owner = unit_by_code_or_name(p.get("owner_unit", ""))
        services.topic_deliberate(
            actor=user,
            topic=topic,
            resolution=p.get("resolution", "")[:5000],
            votes_for=parse_count(p.get("votes_for")),
            votes_against=parse_count(p.get("votes_against")),
            votes_abstain=parse_count(p.get("votes_abstain")),
            owner_unit=owner,
            owner_name=p.get("owner_name", "")[:50],
            deadline=parse_day(p.get("deadline"), "落实时限", required=False),
            funding_amount=_money(p.get("funding_amount")),
            funding_source=p.get("funding_source", "")[:100],
        )
    elif action == "publicise":
        services.topic_publicise(actor=user, topic=topic)
    elif action == "implement":
        services.topic_implement(actor=user, topic=topic)
    elif action == "done":
        services.topic_done(actor=user, topic=topic)
    elif action == "feed_back":
        services.topic_feed_back(actor=user, topic=topic, feedback=p.get("feedback", "")[:5000])
    else:
        raise Refusal("操作不正确")
    topic.refresh_from_db()
    messages.success(request, f"议题状态：{topic.get_state_display()}")
    return redirect("console:delib_topic", pk=pk)


@staff_view(*WORKER_ROLES)
@_topic_post
def participant_new(request, topic):
    pk = topic.pk
    row = services.participant_add(
        actor=request.user,
        topic=topic,
        kind=request.POST.get("kind", ""),
        name=request.POST.get("name", "")[:50],
    )
    messages.success(request, f"已登记参与人：{row}")
    return redirect("console:delib_topic", pk=pk)


@staff_view(*WORKER_ROLES)
@_topic_post
def attendance(request, topic):
    pk = topic.pk
    ids = [parse_count(v) for v in request.POST.getlist("attended")[:1000]]
    present = services.attendance_record(actor=request.user, topic=topic, attended_ids=ids)
    messages.success(request, f"已登记出席{present}人")
    return redirect("console:delib_topic", pk=pk)


@staff_view(*WORKER_ROLES)
@_topic_post
def step_new(request, topic):
    pk = topic.pk
    p = request.POST
    row = services.step_record(
        actor=request.user,
        topic=topic,
        step=parse_count(p.get("step")),
        on=parse_day(p.get("on"), "日期"),
        expected=parse_count(p.get("expected")),
        present=parse_count(p.get("present")),
        votes_for=parse_count(p.get("votes_for")),
        votes_against=parse_count(p.get("votes_against")),
        note=p.get("note", "")[:300],
    )
    messages.success(request, f"已登记「{row.get_step_display()}」")
    return redirect("console:delib_topic", pk=pk)


@staff_view(*WORKER_ROLES)
@_topic_post
def resolution_ticket(request, topic):
    pk = topic.pk
    p = request.POST
    action = services.resolution_to_ticket(
        actor=request.user,
        topic=topic,
        title=p.get("title", "")[:100],
        content=p.get("content", "")[:2000],
        phone=p.get("phone", "")[:30],
        name=p.get("name", "")[:50],
    )
    messages.success(request, f"已转为工单{action.ticket.number}")
    return redirect("console:delib_topic", pk=pk)


@staff_view(*WORKER_ROLES)
@_topic_post
def resolution_ledger(request, topic):
    p = request.POST
    campaign = next(
        (
            c
            for c in ledger_scope.proposable_campaigns(request.user)
            if c.pk == parse_count(p.get("campaign"))
        ),
        None,
    )
    if campaign is None:
        raise Refusal("请选择您可以提出问题的台账")
    action = services.resolution_to_ledger(
        actor=request.user,
        topic=topic,
        campaign=campaign,
        problem=p.get("problem", "")[:1000],
        on_list=p.get("on_list") == "1",
    )
    messages.success(request, f"已列入「{campaign.name}」，编号{action.ledger_item.number}")
    return redirect("console:delib_topic", pk=topic.pk)


@staff_view(*WORKER_ROLES)
def from_visit(request, visit_pk):
    """提交协商议事 from a pairing visit's page: a problem found on the visit becomes a topic of the visited village."""
    visit = visits_in_scope(request.user).select_related("pairing__area").filter(pk=visit_pk).first()
    if visit is None:
        raise PermissionDenied
    finding = visit.finding_items.filter(pk=parse_count(request.GET.get("finding"))).first()
    if request.method == "POST":
        p = request.POST
        topic = services.topic_propose(
            actor=request.user,
            area=visit.pairing.area,
            title=p.get("title", "")[:100],
            description=p.get("description", "")[:2000],
            source=Topic.Source.VISIT,
            form=p.get("form", Topic.Form.COUNCIL),
            level=p.get("level", Topic.Level.COMMUNITY),
            visit=visit,
        )
        messages.success(request, f"走访发现的问题已提交协商议事「{topic.title}」")
        return redirect("console:delib_topic", pk=topic.pk)
    return render(
        request,
        "console/deliberation/from_visit.html",
        {
            "visit": visit,
            "title": finding.text[:100] if finding else "",
            "forms": Topic.Form.choices,
            "levels": Topic.Level.choices,
        },
    )


@staff_view(*WORKER_ROLES)
def from_ticket(request, ticket_pk):
    """提交协商议事 from the ticket page: a new topic, or the ticket joins an open topic of the same area."""
    ticket = ticket_for(request.user, ticket_pk)
    communities = _communities(request.user)
    if request.method == "POST":
        p = request.POST
        existing = None
        if p.get("topic"):
            existing = selectors.topics_in_scope(request.user).filter(pk=parse_count(p.get("topic"))).first()
            if existing is None:
                raise Refusal("请选择您负责的议题")
        area = None
        if existing is None:
            area = communities.filter(pk=parse_count(p.get("area"))).first()
            if area is None:
                raise Refusal("请选择您负责的村（社区）")
        topic = services.ticket_to_topic(
            actor=request.user,
            ticket=ticket,
            topic=existing,
            area=area,
            title=p.get("title", "")[:100],
            form=p.get("form", Topic.Form.COUNCIL),
            level=p.get("level", Topic.Level.COMMUNITY),
        )
        messages.success(request, f"工单{ticket.number}已提交协商议事「{topic.title}」")
        return redirect("console:delib_topic", pk=topic.pk)
    open_topics = selectors.topics_in_scope(request.user).filter(
        state__in=[S.COLLECTED, S.ACCEPTED, S.NOTIFIED]
    )
    if ticket.community_id:
        open_topics = open_topics.filter(area_id=ticket.community_id)
    return render(
        request,
        "console/deliberation/from_ticket.html",
        {
            "ticket": ticket,
            "communities": communities,
            "default_area": ticket.community_id,
            "open_topics": open_topics[:50],
            "forms": Topic.Form.choices,
            "levels": Topic.Level.choices,
        },
    )


@staff_view(*WORKER_ROLES)
def stats(request):
    areas = _areas(request.user)
    code = request.GET.get("area", "").strip()
    area = areas.filter(code=code).first() if code else areas.first()
    this = timezone.localdate().year
    year = parse_count(request.GET.get("year"), this)
    if not 2000 <= year <= this + 1:
        year = this
    figures = deliberation_stats(area, year) if area is not None else dict.fromkeys(KEYS, 0)
    if wants_xlsx(request):
        return export_list(
            request,
            title="协商议事统计",
            columns=[
                Column("指标", 0, width=28),
                Column("数值", 1, number_format=INTEGER),
                Column("说明", 2, width=50),
            ],
            rows=[(LABELS[k], figures[k], HELP[k]) for k in KEYS],
            scope=area.name if area is not None else "（未关联区域）",
            period=f"{year}年",
            action="export.deliberation_stats",
        )
    return render(
        request,
        "console/deliberation/stats.html",
        {
            "areas": areas[:500],
            "area": area,
            "year": year,
            "rows": [(LABELS[k], figures[k], HELP[k]) for k in KEYS],
        },
    )


urlpatterns = [
    path("deliberation/", topics, name="delib_topics"),
    path("deliberation/export/", topics_export, name="delib_topics_export"),
    path("deliberation/new/", topic_new, name="delib_topic_new"),
    path("deliberation/stats/", stats, name="delib_stats"),
    path("deliberation/<int:pk>/", topic_page, name="delib_topic"),
    path("deliberation/<int:pk>/act/", topic_act, name="delib_topic_act"),
    path("deliberation/<int:pk>/reveal/", topic_reveal, name="delib_topic_reveal"),
    path("deliberation/<int:pk>/participants/", participant_new, name="delib_participant_new"),
    path("deliberation/<int:pk>/attendance/", attendance, name="delib_attendance"),
    path("deliberation/<int:pk>/steps/", step_new, name="delib_step_new"),
    path("deliberation/<int:pk>/ticket/", resolution_ticket, name="delib_resolution_ticket"),
    path("deliberation/<int:pk>/ledger/", resolution_ledger, name="delib_resolution_ledger"),
    path("deliberation/from-ticket/<int:ticket_pk>/", from_ticket, name="delib_from_ticket"),
    path("deliberation/from-visit/<int:visit_pk>/", from_visit, name="delib_from_visit"),
]
