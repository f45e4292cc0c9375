"""述职评议 pages.

组织部 staff: campaigns (search, filters, pagination, Excel), a campaign (reporters with their data sheets, rater
groups and weights, ballot progress, results, open / close / publish with a confirmation), a reporter (sheet, 点评,
rectification items, paper ballots, Word). Raters: a ballot page made for a phone (one reporter per card, one
button per grade). Reporters: 我的述职 (their sheet, their results once published, their rectification items).

Reads go through reviews.scope; every change through reviews.services, whose refusals the RefusalMiddleware shows
on the page the form came from.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from civicgrid.console.access import staff_view
from civicgrid.console.exporting import export_list, wants_xlsx
from civicgrid.core.documents import DATE, DECIMAL, Column, Sheet, docx_response, xlsx_response
from civicgrid.core.inputs import parse_count, parse_day
from civicgrid.party.selectors import staff_area_ids
from civicgrid.registry.models import AdminArea
from civicgrid.registry.models import Role as R
from civicgrid.registry.selectors import sees_everything, unit_by_code_or_name
from civicgrid.reviews import exports, rectification, scope, services
from civicgrid.reviews.errors import ReviewError
from civicgrid.reviews.models import Ballot, Rater, RaterGroup, RectificationItem, Reporter, ReviewCampaign
from civicgrid.reviews.results import result_of

PAGE_SIZE = 25
MANAGER_ROLES = (R.ORGANISATION_STAFF, R.ADMINISTRATOR)
S = ReviewCampaign.State


def _query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _managed(request, pk) -> ReviewCampaign:
    campaign = ReviewCampaign.objects.filter(pk=pk).select_related("scale", "area", "organiser").first()
    if campaign is None or not scope.manages(request.user, campaign):
        raise PermissionDenied("您无权管理该述职评议")
    return campaign


def _reporter(request, pk) -> Reporter:
    reporter = (
        Reporter.objects.filter(pk=pk).select_related("campaign__scale", "area", "unit", "party_org").first()
    )
    if reporter is None or not scope.sees_reporter(request.user, reporter):
        raise PermissionDenied("您无权查看该述职人")
    return reporter


def _filtered(request):
    rows = scope.managed_campaigns(request.user).select_related("area").annotate(n=Count("reporters"))
    q = request.GET.get("q", "").strip()[:100]
    if q:
        rows = rows.filter(Q(name__icontains=q) | Q(code__icontains=q))
    year = parse_count(request.GET.get("year"))
    if year:
        rows = rows.filter(year=year)
    state = request.GET.get("state", "")
    if state in S.values:
        rows = rows.filter(state=state)
    return rows.order_by("-year", "code"), q, year, state


# ------------------------------------------------------------------------------------------------- campaigns


@staff_view(*MANAGER_ROLES)
def campaigns(request):
    rows, q, year, state = _filtered(request)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    areas = AdminArea.objects.filter(level__in=[AdminArea.Level.CITY, AdminArea.Level.COUNTY]).order_by(
        "code"
    )
    if not sees_everything(request.user):
        areas = areas.filter(pk__in=staff_area_ids(request.user))
    years = sorted(set(scope.managed_campaigns(request.user).values_list("year", flat=True)), reverse=True)
    return render(
        request,
        "console/reviews/campaigns.html",
        {
            "page": page,
            "q": q,
            "year": year,
            "state": state,
            "years": years,
            "states": S.choices,
            "query": _query(request),
            "areas": areas,
            "kinds": ReviewCampaign.ReporterKind.choices,
            "this_year": timezone.localdate().year,
        },
    )


@staff_view(*MANAGER_ROLES)
def campaigns_export(request):
    rows, *_ = _filtered(request)
    data = exports.campaigns_xlsx(
        actor=request.user, campaigns=list(rows[:10_000]), scope_label="本人管理的述职评议"
    )
    return xlsx_response("述职评议清单.xlsx", data)


@staff_view(*MANAGER_ROLES)
@require_POST
def campaign_new(request):
    p = request.POST
    area = AdminArea.objects.filter(pk=parse_count(p.get("area")) or 0).first()
    campaign = services.campaign_create(
        actor=request.user,
        code=p.get("code", "")[:40],
        name=p.get("name", "")[:100],
        year=parse_count(p.get("year")) or 0,
        area=area,
        organiser=unit_by_code_or_name(p.get("organiser", "")[:100]),
        reporter_kinds=p.getlist("kinds"),
    )
    messages.success(request, f"已创建「{campaign.name}」")
    return redirect("console:rv_campaign", pk=campaign.pk)


def _progress(campaign: ReviewCampaign) -> list[dict]:
    reporters = campaign.reporters.count()
    cast = dict(
        Ballot.objects.filter(rater__campaign=campaign)
        .values_list("rater__group_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    rows = []
    for group in campaign.groups.annotate(n_raters=Count("raters")).order_by("order", "pk"):
        expected = group.n_raters * reporters
        rows.append(
            {"group": group, "raters": group.n_raters, "cast": cast.get(group.pk, 0), "expected": expected}
        )
    return rows


@staff_view(*MANAGER_ROLES)
def campaign_page(request, pk):
    campaign = _managed(request, pk)
    reporters = list(campaign.reporters.select_related("area", "unit", "sheet").order_by("order", "pk"))
    results = services.results_of(campaign) if campaign.state != S.DRAFT else None
    for reporter in reporters:
        reporter.result = result_of(results, reporter.pk)
    return render(
        request,
        "console/reviews/campaign.html",
        {
            "campaign": campaign,
            "reporters": reporters,
            "progress": _progress(campaign),
            "weights_problem": services.weights_problem(campaign),
            "kinds": [
                (k, label) for k, label in ReviewCampaign.ReporterKind.choices if k in campaign.reporter_kinds
            ],
            "results": results,
            "S": S,
        },
    )


@staff_view(*MANAGER_ROLES)
@require_POST
def campaign_action(request, pk):
    campaign = _managed(request, pk)
    action = request.POST.get("action", "")
    if action == "open":
        services.campaign_open(actor=request.user, campaign=campaign)
        messages.success(request, "已开始测评，述职数据表已固定")
    elif action == "close":
        services.campaign_close(actor=request.user, campaign=campaign)
        messages.success(request, "已结束测评")
    elif action == "publish":
        if request.POST.get("confirm") != "1":
            raise ReviewError("请勾选确认后再公布结果")
        services.campaign_publish(actor=request.user, campaign=campaign)
        messages.success(request, "已公布结果，述职人可在「我的述职」中查看")
    elif action == "assemble":
        done = services.sheets_assemble(actor=request.user, campaign=campaign)
        messages.success(request, f"已采集{len(done)}份述职数据表")
    elif action == "towns":
        added, skipped = services.reporters_add_towns(actor=request.user, campaign=campaign)
        messages.success(request, f"已添加{len(added)}名乡镇（街道）书记")
        for line in skipped:
            messages.warning(request, line)
    else:
        raise ReviewError("未知的操作")
    return redirect("console:rv_campaign", pk=campaign.pk)


@staff_view(*MANAGER_ROLES)
@require_POST
def reporter_new(request, pk):
    campaign = _managed(request, pk)
    p = request.POST
    area = AdminArea.objects.filter(code=p.get("area", "").strip()[:12]).first() if p.get("area") else None
    if p.get("area") and area is None:
        raise ReviewError("没有找到该区划代码")
    user = None
    if p.get("username", "").strip():
        user = get_user_model().objects.filter(username=p["username"].strip()[:150]).first()
        if user is None:
            raise ReviewError("没有找到该账号")
    reporter = services.reporter_add(
        actor=request.user,
        campaign=campaign,
        kind=p.get("kind", ""),
        name=p.get("name", "")[:50],
        post=p.get("post", "")[:100],
        user=user,
        unit=unit_by_code_or_name(p.get("unit", "")[:100]),
        area=area,
    )
    messages.success(request, f"已添加述职人{reporter.name}")
    return redirect("console:rv_campaign", pk=campaign.pk)


@staff_view(*MANAGER_ROLES)
@require_POST
def group_save(request, pk):
    campaign = _managed(request, pk)
    group = campaign.groups.filter(pk=parse_count(request.POST.get("group")) or 0).first()
    services.group_save(
        actor=request.user,
        campaign=campaign,
        group=group,
        name=request.POST.get("name", "")[:40],
        weight=request.POST.get("weight", "")[:10],
    )
    messages.success(request, "已保存测评组")
    return redirect("console:rv_campaign", pk=campaign.pk)


@staff_view(*MANAGER_ROLES)
@require_POST
def rater_add(request, pk):
    campaign = _managed(request, pk)
    group = campaign.groups.filter(pk=parse_count(request.POST.get("group")) or 0).first()
    if group is None:
        raise ReviewError("请选择测评组")
    names = [x.strip() for x in request.POST.get("usernames", "").replace("，", ",").split(",") if x.strip()][
        :200
    ]
    users = {u.username: u for u in get_user_model().objects.filter(username__in=names)}
    missing = [n for n in names if n not in users]
    if missing:
        raise ReviewError("没有找到账号：" + "、".join(missing)[:100])
    for name in names:
        services.rater_add(actor=request.user, group=group, user=users[name])
    messages.success(request, f"已添加{len(names)}名测评人")
    return redirect("console:rv_campaign", pk=campaign.pk)


def _managed_reporter(request, pk) -> Reporter:
    reporter = Reporter.objects.filter(pk=pk).select_related("campaign", "area", "unit").first()
    if reporter is None or not scope.manages(request.user, reporter.campaign):
        raise PermissionDenied("您无权管理该述职人")
    return reporter


def _confirm(request, *, title: str, lines: list[str], button: str, back: str):
    return render(
        request,
        "console/reviews/confirm.html",
        {"title": title, "lines": lines, "button": button, "back": back},
    )


@staff_view(*MANAGER_ROLES)
def reporter_edit(request, pk):
    reporter = _managed_reporter(request, pk)
    if request.method == "POST":
        p = request.POST
        area = (
            AdminArea.objects.filter(code=p.get("area", "").strip()[:12]).first() if p.get("area") else None
        )
        if p.get("area", "").strip() and area is None:
            raise ReviewError("没有找到该区划代码")
        user = None
        if p.get("username", "").strip():
            user = get_user_model().objects.filter(username=p["username"].strip()[:150]).first()
            if user is None:
                raise ReviewError("没有找到该账号")
        unit = unit_by_code_or_name(p.get("unit", "").strip()[:100]) if p.get("unit", "").strip() else None
        if p.get("unit", "").strip() and unit is None:
            raise ReviewError("没有找到该单位")
        services.reporter_update(
            actor=request.user,
            reporter=reporter,
            name=p.get("name", "")[:50],
            post=p.get("post", "")[:100],
            user=user,
            unit=unit,
            area=area,
        )
        messages.success(request, f"已保存述职人{reporter.name}")
        return redirect("console:rv_campaign", pk=reporter.campaign_id)
    return render(request, "console/reviews/reporter_edit.html", {"reporter": reporter, "S": S})


@staff_view(*MANAGER_ROLES)
def reporter_remove(request, pk):
    reporter = _managed_reporter(request, pk)
    campaign_pk = reporter.campaign_id
    if request.method == "POST":
        services.reporter_remove(actor=request.user, reporter=reporter)
        messages.success(request, f"已删除述职人{reporter.name}")
        return redirect("console:rv_campaign", pk=campaign_pk)
    return _confirm(
        request,
        title=f"删除述职人{reporter.name}",
        lines=[
            f"将从「{reporter.campaign.name}」中删除述职人{reporter.name}及其述职数据表。",
            "删除后不能恢复。",
        ],
        button="确定删除",
        back=reverse("console:rv_campaign", args=[campaign_pk]),
    )


@staff_view(*MANAGER_ROLES)
def group_remove(request, pk):
    group = RaterGroup.objects.filter(pk=pk).select_related("campaign").first()
    if group is None or not scope.manages(request.user, group.campaign):
        raise PermissionDenied("您无权管理该测评组")
    back = reverse("console:rv_campaign", args=[group.campaign_id])
    if request.method == "POST":
        raters = services.group_remove(actor=request.user, group=group)
        messages.success(
            request, f"已删除测评组「{group.name}」" + (f"及其{raters}名测评人" if raters else "")
        )
        return redirect(back)
    raters = group.raters.count()
    lines = [f"将从「{group.campaign.name}」中删除测评组「{group.name}」（权重{group.weight.normalize()}）。"]
    if raters:
        lines.append(f"组内{raters}名测评人将一并移除。")
    lines.append("删除后各组权重之和须重新调整为1。")
    return _confirm(request, title=f"删除测评组「{group.name}」", lines=lines, button="确定删除", back=back)


@staff_view(*MANAGER_ROLES)
def raters(request, pk):
    campaign = _managed(request, pk)
    rows = list(
        campaign.raters.select_related("group", "user").order_by(
            "group__order", "group__pk", "user__username"
        )
    )
    voted = set(Ballot.objects.filter(rater__campaign=campaign).values_list("rater_id", flat=True).distinct())
    for rater in rows:
        rater.voted = rater.pk in voted
    return render(
        request,
        "console/reviews/raters.html",
        {
            "campaign": campaign,
            "raters": rows,
            "groups": list(campaign.groups.order_by("order", "pk")),
            "editable": campaign.state in (S.DRAFT, S.OPEN),
        },
    )


def _managed_rater(request, pk) -> Rater:
    rater = Rater.objects.filter(pk=pk).select_related("campaign", "group", "user").first()
    if rater is None or not scope.manages(request.user, rater.campaign):
        raise PermissionDenied("您无权管理该测评人")
    return rater


@staff_view(*MANAGER_ROLES)
@require_POST
def rater_edit(request, pk):
    rater = _managed_rater(request, pk)
    group = rater.campaign.groups.filter(pk=parse_count(request.POST.get("group")) or 0).first()
    services.rater_move(actor=request.user, rater=rater, group=group)
    messages.success(request, f"已将{rater.user}调整到测评组「{group.name}」")
    return redirect("console:rv_raters", pk=rater.campaign_id)


@staff_view(*MANAGER_ROLES)
def rater_remove(request, pk):
    rater = _managed_rater(request, pk)
    back = reverse("console:rv_raters", args=[rater.campaign_id])
    if request.method == "POST":
        services.rater_remove(actor=request.user, rater=rater)
        messages.success(request, f"已删除测评人{rater.user}")
        return redirect(back)
    return _confirm(
        request,
        title=f"删除测评人{rater.user}",
        lines=[f"将从测评组「{rater.group.name}」中删除测评人{rater.user}，该账号将不能再投票。"],
        button="确定删除",
        back=back,
    )


@staff_view(*MANAGER_ROLES)
def results_export(request, pk):
    campaign = _managed(request, pk)
    data = exports.results_xlsx(actor=request.user, campaign=campaign)
    return xlsx_response(f"{campaign.name}测评结果.xlsx", data)


# ------------------------------------------------------------------------------------------------- reporters


@staff_view()
def reporter_page(request, pk):
    reporter = _reporter(request, pk)
    campaign = reporter.campaign
    manages = scope.manages(request.user, campaign)
    today = timezone.localdate()
    items = list(reporter.rectifications.order_by("due_date", "pk"))
    for item in items:
        item.state_text = rectification.state_label(item, today)
        item.overdue = rectification.is_overdue(item, today)
    result = (
        result_of(services.results_of(campaign), reporter.pk)
        if scope.sees_results(request.user, reporter)
        else None
    )
    if wants_xlsx(request):
        return _reporter_xlsx(request, reporter, items, result)
    return render(
        request,
        "console/reviews/reporter.html",
        {
            "reporter": reporter,
            "campaign": campaign,
            "sheet": getattr(getattr(reporter, "sheet", None), "data", None),
            "taken_at": getattr(getattr(reporter, "sheet", None), "taken_at", None),
            "manages": manages,
            "is_reporter": scope.is_reporter(request.user, reporter),
            "items": items,
            "result": result,
            "results_hidden": not scope.sees_results(request.user, reporter),
            "labels": campaign.scale.labels,
            "groups": campaign.groups.order_by("order", "pk"),
            "S": S,
        },
    )


def _number(value):
    return None if value is None else float(value)


def _result_line(result: dict) -> str:
    score = "—" if result.get("score") is None else f"{float(result['score']):.2f}"
    rank = f"；第{result['rank']}名" if result.get("rank") else ""
    return f"综合得分：{score}；等次：{result.get('grade') or '不评定'}{rank}。"


def _reporter_xlsx(request, reporter, items, result):
    """The reporter page's tables: the data sheet, the result (where the reader may see it), the rectification items."""
    sheet = getattr(getattr(reporter, "sheet", None), "data", None) or {}
    rows = [
        (part.get("title", ""), row.get("label", ""), row.get("display", ""), row.get("definition", ""))
        for part in sheet.get("sections", [])
        for row in part.get("rows", [])
    ]
    campaign = reporter.campaign
    period = (
        f"{sheet['period_from']}至{sheet['period_to']}"
        if sheet.get("period_from")
        else f"{campaign.year}年度"
    )
    more = [
        Sheet(
            "整改事项",
            [
                Column("问题", "problem", width=30),
                Column("整改措施", "measure", width=30),
                Column("责任人", "responsible"),
                Column("整改时限", "due_date", number_format=DATE),
                Column("状态", "state_text"),
            ],
            items,
            scope=reporter.name,
            period=f"{campaign.year}年度",
        )
    ]
    if result:
        more.insert(
            0,
            Sheet(
                "测评结果",
                [
                    Column("测评组", lambda g: g["name"], width=20),
                    Column("权重", lambda g: float(g["weight"]), number_format=DECIMAL),
                    Column("票数", lambda g: g["ballots"]),
                    Column("平均分", lambda g: _number(g["mean"]), number_format=DECIMAL),
                ],
                result["groups"],
                scope=reporter.name,
                period=f"{campaign.year}年度",
                note=_result_line(result),
            ),
        )
    return export_list(
        request,
        title="述职数据",
        columns=[
            Column("部分", 0, width=18),
            Column("指标", 1, width=24),
            Column("数值", 2, width=18),
            Column("口径", 3, width=40),
        ],
        rows=rows,
        scope=f"{campaign.name}：{reporter.name}",
        action="export.review_reporter",
        period=period,
        more_sheets=more,
    )


@staff_view()
def reporter_docx(request, pk):
    reporter = _reporter(request, pk)
    data = exports.reporter_docx(actor=request.user, reporter=reporter)
    return docx_response(f"{reporter.campaign.year}年度述职评议材料（{reporter.name}）.docx", data)


@staff_view(*MANAGER_ROLES)
@require_POST
def reporter_comment(request, pk):
    reporter = _reporter(request, pk)
    services.reporter_comment(
        actor=request.user, reporter=reporter, text=request.POST.get("comment", "")[:4000]
    )
    messages.success(request, "已保存点评")
    return redirect("console:rv_reporter", pk=reporter.pk)


@staff_view(*MANAGER_ROLES)
@require_POST
def paper_enter(request, pk):
    reporter = _reporter(request, pk)
    group = reporter.campaign.groups.filter(pk=parse_count(request.POST.get("group")) or 0).first()
    if group is None:
        raise ReviewError("请选择测评组")
    counts = {
        label: request.POST.get(f"n-{i}", "0").strip() or "0"
        for i, label in enumerate(reporter.campaign.scale.labels)
    }
    services.paper_enter(actor=request.user, group=group, reporter=reporter, counts=counts)
    messages.success(request, f"已录入「{group.name}」的纸质票")
    return redirect("console:rv_reporter", pk=reporter.pk)


@staff_view(*MANAGER_ROLES)
@require_POST
def rectification_new(request, pk):
    reporter = _reporter(request, pk)
    p = request.POST
    services.rectification_add(
        actor=request.user,
        reporter=reporter,
        problem=p.get("problem", "")[:2000],
        measure=p.get("measure", "")[:2000],
        responsible=p.get("responsible", "")[:100],
        due_date=parse_day(p.get("due_date", ""), "整改时限"),
    )
    messages.success(request, "已登记整改事项")
    return redirect("console:rv_reporter", pk=reporter.pk)


@staff_view()
def rectification_done(request, pk):
    item = RectificationItem.objects.filter(pk=pk).select_related("reporter__campaign").first()
    if item is None or not scope.sees_reporter(request.user, item.reporter):
        raise PermissionDenied("您无权处理该整改事项")
    if request.method != "POST":  # scope first: someone else's item is refused, whatever the method
        return HttpResponseNotAllowed(["POST"])
    services.rectification_complete(
        actor=request.user, item=item, evidence=request.POST.get("evidence", "")[:2000]
    )
    messages.success(request, "已标记完成")
    target = request.POST.get("next", "")
    if target == "mine":
        return redirect("console:rv_mine")
    return redirect("console:rv_reporter", pk=item.reporter_id)


# ------------------------------------------------------------------------------------------------- raters


@staff_view()
def ballot_page(request, pk):
    campaign = ReviewCampaign.objects.filter(pk=pk).select_related("scale").first()
    rater = scope.my_rater(request.user, campaign) if campaign else None
    if rater is None:
        raise PermissionDenied("您不是该述职评议的测评人")
    if request.method == "POST":
        reporter = campaign.reporters.filter(pk=parse_count(request.POST.get("reporter")) or 0).first()
        if reporter is None:
            raise ReviewError("该述职人不在本次述职评议中")
        services.ballot_cast(actor=request.user, reporter=reporter, grade=request.POST.get("grade", ""))
        messages.success(request, f"已为{reporter.name}投票")
        return redirect(f"{request.path}#r-{reporter.pk}")
    mine = dict(Ballot.objects.filter(rater=rater).values_list("reporter_id", "grade"))
    reporters = list(campaign.reporters.select_related("member").order_by("order", "pk"))
    for reporter in reporters:
        reporter.my_grade = mine.get(reporter.pk, "")
        reporter.is_me = reporter.user_id == request.user.pk or (
            reporter.member_id is not None and reporter.member.user_id == request.user.pk
        )
    return render(
        request,
        "console/reviews/ballot.html",
        {
            "campaign": campaign,
            "rater": rater,
            "reporters": reporters,
            "labels": campaign.scale.labels,
            "open": campaign.state == S.OPEN,
            "cast": len(mine),
        },
    )


@staff_view()
def mine(request):
    reporters = list(
        scope.my_reporters(request.user)
        .select_related("campaign__scale", "sheet")
        .order_by("-campaign__year")
    )
    today = timezone.localdate()
    for reporter in reporters:
        reporter.result = (
            result_of(reporter.campaign.results, reporter.pk)
            if reporter.campaign.state == S.PUBLISHED
            else None
        )
        reporter.items = list(reporter.rectifications.order_by("due_date", "pk"))
        for item in reporter.items:
            item.state_text = rectification.state_label(item, today)
            item.overdue = rectification.is_overdue(item, today)
    ballots = list(scope.rated_campaigns(request.user).filter(state__in=[S.OPEN]).order_by("-year"))
    return render(request, "console/reviews/mine.html", {"reporters": reporters, "ballots": ballots, "S": S})


urlpatterns = [
    path("reviews/", campaigns, name="rv_campaigns"),
    path("reviews/export/", campaigns_export, name="rv_campaigns_export"),
    path("reviews/new/", campaign_new, name="rv_campaign_new"),
    path("reviews/mine/", mine, name="rv_mine"),
    path("reviews/<int:pk>/", campaign_page, name="rv_campaign"),
    path("reviews/<int:pk>/action/", campaign_action, name="rv_campaign_action"),
    path("reviews/<int:pk>/reporters/new/", reporter_new, name="rv_reporter_new"),
    path("reviews/<int:pk>/groups/", group_save, name="rv_group_save"),
    path("reviews/<int:pk>/raters/", rater_add, name="rv_rater_add"),
    path("reviews/<int:pk>/raters/list/", raters, name="rv_raters"),
    path("reviews/raters/<int:pk>/group/", rater_edit, name="rv_rater_edit"),
    path("reviews/raters/<int:pk>/remove/", rater_remove, name="rv_rater_remove"),
    path("reviews/groups/<int:pk>/remove/", group_remove, name="rv_group_remove"),
    path("reviews/reporters/<int:pk>/edit/", reporter_edit, name="rv_reporter_edit"),
    path("reviews/reporters/<int:pk>/remove/", reporter_remove, name="rv_reporter_remove"),
    path("reviews/<int:pk>/results/", results_export, name="rv_results_export"),
    path("reviews/<int:pk>/ballot/", ballot_page, name="rv_ballot"),
    path("reviews/reporters/<int:pk>/", reporter_page, name="rv_reporter"),
    path("reviews/reporters/<int:pk>/word/", reporter_docx, name="rv_reporter_docx"),
    path("reviews/reporters/<int:pk>/comment/", reporter_comment, name="rv_reporter_comment"),
    path("reviews/reporters/<int:pk>/paper/", paper_enter, name="rv_paper_enter"),
    path("reviews/reporters/<int:pk>/rectification/", rectification_new, name="rv_rectification_new"),
    path("reviews/rectification/<int:pk>/done/", rectification_done, name="rv_rectification_done"),
]
