"""The points work of 社区工作者 — the review queue (review, publicise, post, reject with a reason), a claim on a resident's
behalf, the redemption desk (find by pick-up code, hand over or cancel after a confirmation) and the account list
with its Excel export.

Who: a 承办联络员 of a 村/社区 unit (for that area), 组织部 staff (their areas and below) and administrators; the
scope is `points.selectors.worker_area_ids`. Every change goes through a points service; a refusal comes back as a
message on the page the form came from (RefusalMiddleware).
"""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from civicgrid.console.access import staff_view
from civicgrid.console.exporting import export_list, wants_xlsx
from civicgrid.core.audit import record_event
from civicgrid.core.documents import DATE, DATETIME, INTEGER, ONE_DECIMAL, Column, workbook, xlsx_response
from civicgrid.core.inputs import parse_id
from civicgrid.points import selectors, services
from civicgrid.points.models import PointsEntry, PointsRule, Redemption

ROLES = selectors.WORKER_ROLES
PAGE_SIZE = 30
EXPORT_MAX = 50_000


def _entry(request, pk) -> PointsEntry:
    entry = selectors.review_queue(request.user).filter(pk=pk).first()
    if entry is None:
        raise Http404("没有这条待办的积分记录")
    return entry


@staff_view(*ROLES)
def queue(request):
    entries = selectors.review_queue(request.user)
    state = request.GET.get("state", "")
    if state in PointsEntry.OPEN:
        entries = entries.filter(state=state)
    if wants_xlsx(request):
        return export_list(
            request,
            title="积分审核",
            columns=[
                Column("申报人", "account.masked_name", width=12),
                Column("村（社区）", "account.area.name", width=16),
                Column("事项", lambda e: e.rule.name if e.rule else e.get_kind_display(), width=24),
                Column("数量", "quantity", number_format=ONE_DECIMAL),
                Column("积分", "points", number_format=INTEGER),
                Column("发生日期", "occurred_on", number_format=DATE),
                Column("状态", lambda e: e.get_state_display()),
                Column("公示期至", "publicity_until", number_format=DATETIME),
                Column("凭证", "evidence", width=30),
            ],
            rows=entries,
            scope="本人管理范围",
            filters=[f"状态：{PointsEntry.State(state).label}" if state in PointsEntry.OPEN else ""],
            action="export.points_queue",
        )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = {s: selectors.review_queue(request.user).filter(state=s).count() for s in PointsEntry.OPEN}
    return render(
        request,
        "console/points/queue.html",
        {
            "page": page,
            "state": state,
            "states": [(s, PointsEntry.State(s).label, counts[s]) for s in PointsEntry.OPEN],
            "now": timezone.now(),
            "query": f"state={state}" if state else "",
        },
    )


@require_POST
@staff_view(*ROLES)
def queue_action(request, claim_id: int):
    entry = _entry(request, claim_id)
    action = request.POST.get("action", "")
    if action == "review":
        services.review(entry=entry, actor=request.user)
        messages.success(request, "已审核，请公示")
    elif action == "publicise":
        entry = services.publicise(entry=entry, actor=request.user)
        until = timezone.localtime(entry.publicity_until)
        messages.success(request, f"已公示，公示期至 {until:%Y-%m-%d %H:%M}")
    elif action == "post":
        services.post(entry=entry, actor=request.user)
        messages.success(request, "已入账")
    elif action == "reject":
        services.reject(entry=entry, reason=request.POST.get("reason", ""), actor=request.user)
        messages.success(request, "已驳回")
    else:
        raise Http404("未知的操作")
    return redirect(request.POST.get("next") or "console:points_queue")


class ClaimForm(forms.Form):
    account = forms.IntegerField(label="账户编号", widget=forms.NumberInput(attrs={"class": "form-control"}))
    rule = forms.ModelChoiceField(
        label="积分项目",
        queryset=PointsRule.objects.none(),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    quantity = forms.DecimalField(
        label="数量",
        min_value=0.5,
        max_digits=7,
        decimal_places=1,
        initial=1,
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.5"}),
    )
    occurred_on = forms.DateField(
        label="发生日期", widget=forms.DateInput(attrs={"type": "date", "class": "form-control"})
    )
    evidence = forms.CharField(
        label="凭证说明",
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    def __init__(self, *args, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        if account is not None:
            scheme, rules = selectors.rules_in_force(account.area_id, timezone.localdate())
            self.fields["rule"].queryset = PointsRule.objects.filter(pk__in=[r.pk for r in rules])


@staff_view(*ROLES)
def claim(request):
    """代为申报: a worker records a claim for a resident (then it is reviewed and publicised like any other)."""
    account_id = parse_id(request.POST.get("account") or request.GET.get("account"))
    account = selectors.accounts_in_scope(request.user).filter(pk=account_id).first() if account_id else None
    if account is None:
        raise Http404("没有这个积分账户，或不在您的范围内")
    form = ClaimForm(
        request.POST or None,
        account=account,
        initial={"account": account.pk, "occurred_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.claim(
            account=account,
            rule=data["rule"],
            quantity=data["quantity"],
            occurred_on=data["occurred_on"],
            evidence=data["evidence"],
            actor=request.user,
        )
        messages.success(request, "已申报，请在待办中审核")
        return redirect("console:points_queue")
    return render(request, "console/points/claim.html", {"form": form, "account": account})


class DeskForm(forms.Form):
    code = forms.CharField(
        label="领取码",
        max_length=12,
        widget=forms.TextInput(
            attrs={"class": "form-control", "inputmode": "numeric", "autocomplete": "off"}
        ),
    )


@staff_view(*ROLES)
def desk(request):
    """兑换台: find a redemption by its pick-up code."""
    form = DeskForm(request.GET or None)
    redemption = None
    if form.is_valid():
        redemption = selectors.redemption_by_code(request.user, form.cleaned_data["code"])
        if redemption is None:
            form.add_error("code", "没有这个领取码，或不在您的范围内")
    return render(request, "console/points/desk.html", {"form": form, "redemption": redemption})


@staff_view(*ROLES)
def desk_fulfil(request, redemption_id: int):
    return _desk_confirm(request, redemption_id, "fulfil")


@staff_view(*ROLES)
def desk_cancel(request, redemption_id: int):
    return _desk_confirm(request, redemption_id, "cancel")


def _desk_confirm(request, pk: int, action: str):
    """Hand over or cancel, after a confirmation page."""
    areas = selectors.worker_area_ids(request.user)
    redemptions = Redemption.objects.filter(pk=pk).select_related("item", "account", "account__area")
    if areas is not None:
        redemptions = redemptions.filter(account__area_id__in=areas)
    redemption = redemptions.first()
    if redemption is None or action not in ("fulfil", "cancel"):
        raise Http404("没有这条兑换记录")
    if request.method == "POST" and request.POST.get("confirmed") == "1":
        if action == "fulfil":
            services.fulfil(redemption=redemption, actor=request.user)
            messages.success(request, f"已领取：{redemption.item.name} × {redemption.quantity}")
        else:
            services.cancel_redemption(
                redemption=redemption, reason=request.POST.get("reason", ""), actor=request.user
            )
            messages.success(request, f"已取消，{redemption.points} 分已退回")
        return redirect("console:points_desk")
    return render(request, "console/points/desk_confirm.html", {"r": redemption, "action": action})


class AccountFilter(forms.Form):
    q = forms.CharField(
        label="查找",
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "姓名、户编号或手机尾号"}),
    )


@staff_view(*ROLES)
def accounts(request):
    form = AccountFilter(request.GET or None)
    q = form.cleaned_data.get("q", "") if form.is_valid() else ""
    page = Paginator(selectors.accounts_in_scope(request.user, q), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    sums = selectors.balances([a.pk for a in page])
    for account in page:
        account.points_balance = sums[account.pk]
    return render(
        request, "console/points/accounts.html", {"form": form, "page": page, "query": f"q={q}" if q else ""}
    )


@staff_view(*ROLES)
def accounts_export(request):
    form = AccountFilter(request.GET or None)
    q = form.cleaned_data.get("q", "") if form.is_valid() else ""
    rows = list(selectors.accounts_in_scope(request.user, q)[:EXPORT_MAX])
    sums = selectors.balances([a.pk for a in rows])
    for account in rows:
        account.points_balance = sums[account.pk]
    columns = [
        Column("账户编号", "pk", number_format=INTEGER),
        Column("村（社区）", "area.name", width=20),
        Column("积分对象", lambda a: a.get_holder_kind_display()),
        Column("姓名/户主", "masked_name"),
        Column("手机号码", "masked_phone", width=14),
        Column("户编号", "household_code"),
        Column("开户日期", "opened_on", number_format=DATE),
        Column("余额", "points_balance", number_format=INTEGER),
    ]
    now = timezone.now()
    data = workbook(
        "积分账户", "本人管理范围" + (f"，查找「{q}」" if q else ""), f"截至 {now:%Y-%m-%d}", columns, rows
    )
    record_event(
        actor=request.user, action="export.points_accounts", summary=f"导出积分账户（{q or '全部'}）"
    )
    return xlsx_response(f"积分账户-{timezone.localdate():%Y%m%d}.xlsx", data)


urlpatterns = [
    path("points/", queue, name="points_queue"),
    path("points/entries/<int:claim_id>/", queue_action, name="points_queue_action"),
    path("points/claim/", claim, name="points_claim"),
    path("points/desk/", desk, name="points_desk"),
    path("points/desk/<int:redemption_id>/fulfil/", desk_fulfil, name="points_desk_fulfil"),
    path("points/desk/<int:redemption_id>/cancel/", desk_cancel, name="points_desk_cancel"),
    path("points/accounts/", accounts, name="points_accounts"),
    path("points/accounts/export/", accounts_export, name="points_accounts_export"),
]
