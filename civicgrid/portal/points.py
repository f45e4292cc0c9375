"""我的积分 in the portal: a resident signed in with her phone (portal.signin) sees the balance and entries of the
points accounts on that phone, the rules and the catalogue, and redeems an item after a confirmation; the monthly
ranking is public where the scheme says so. Every page looks the accounts up again.
"""

from datetime import date

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from civicgrid.core.audit import record_event
from civicgrid.core.client import client_address
from civicgrid.points import selectors, services
from civicgrid.points.models import RewardItem
from civicgrid.portal import ratelimit, signin
from civicgrid.portal.selectors import phone_key
from civicgrid.portal.signin import session_minutes, signed_in_phone
from civicgrid.registry.models import AdminArea


def _accounts(request):
    phone = signed_in_phone(request)
    return selectors.accounts_of_phone(phone_key(phone)) if phone else []


def _pick(request, accounts):
    chosen = request.GET.get("account") or request.POST.get("account")
    return next((a for a in accounts if str(a.pk) == chosen), accounts[0])


@never_cache
@require_GET
def points_mine(request):
    phone = signed_in_phone(request)
    if phone is None:
        return signin.page(
            request,
            next_url=reverse("portal:points_mine"),
            title="我的积分",
            intro="用在村（社区）登记积分账户的手机号码登录，查看积分余额和明细、积分规则和积分超市，并可兑换物品。",
        )
    accounts = _accounts(request)
    if not accounts:
        return render(
            request,
            "portal/points_mine.html",
            {"accounts": [], "phone_tail": phone[-4:], "minutes": session_minutes()},
        )
    account = _pick(request, accounts)
    return render(
        request,
        "portal/points_mine.html",
        {
            "accounts": accounts,
            **_account_context(account),
            "phone_tail": phone[-4:],
            "minutes": session_minutes(),
        },
    )


def _account_context(account) -> dict:
    scheme, rules = selectors.rules_in_force(account.area_id, timezone.localdate())
    return {
        "account": account,
        "balance": selectors.balance_of(account),
        "entries": selectors.account_entries(account, limit=50),
        "scheme": scheme,
        "rules": rules,
        "items": selectors.catalogue(account.area_id),
        "redemptions": account.redemptions.select_related("item").order_by("-requested_at")[:20],
    }


@never_cache
@require_http_methods(["GET", "POST"])
def points_card(request):
    """A household without a phone on its account looks its points up by the card: village, 户编号 and 户主 (read
    only: no redemption and no pick-up codes here; five wrong tries lock the address for an hour)."""
    villages = AdminArea.objects.filter(level=AdminArea.Level.VILLAGE).order_by("code")
    context = {"villages": villages, "form": request.POST if request.method == "POST" else {}}
    if request.method == "GET":
        return render(request, "portal/points_card.html", context)
    address = client_address(request)
    if ratelimit.exhausted(ratelimit.POINTS_CARD_FAILURES, address):
        return ratelimit.refused(request, ratelimit.POINTS_CARD_FAILURES)
    p = request.POST
    account = selectors.household_account(
        p.get("village", ""), p.get("household", "")[:40], p.get("holder", "")[:50]
    )
    if account is None:
        ratelimit.take(ratelimit.POINTS_CARD_FAILURES, address)
        context["error"] = "村（社区）、户编号或户主姓名不正确，请对照积分卡核对"
        return render(request, "portal/points_card.html", context)
    record_event(actor=None, action="points.card_view", target=account, summary="凭积分卡查询")
    return render(request, "portal/points_card.html", {**context, **_account_context(account)})


# The URLs each section had before the sign-in was shared: the same sign-in, going on to 我的积分.
points_code = signin.code_view("portal:points_mine")
points_verify = signin.verify_view("portal:points_mine")
points_sign_out = signin.sign_out_view("portal:points_mine")


@never_cache
def points_redeem(request, item_id: int):
    """兑换: a confirmation page, then the redemption and its pick-up code."""
    accounts = _accounts(request)
    if not accounts:
        return redirect("portal:points_mine")
    account = _pick(request, accounts)
    item = get_object_or_404(RewardItem, pk=item_id, area_id=account.area_id, is_active=True)
    if request.method == "POST" and request.POST.get("confirmed") == "1":
        redemption = services.redeem(account=account, item=item, quantity=1)
        return render(request, "portal/points_redeemed.html", {"r": redemption, "account": account})
    return render(
        request,
        "portal/points_redeem.html",
        {"item": item, "account": account, "balance": selectors.balance_of(account)},
    )


@require_GET
def points_ranking(request, code: str):
    """积分月度排行, public where the scheme says so; names masked."""
    area = get_object_or_404(AdminArea, code=code, level=AdminArea.Level.VILLAGE)
    today = timezone.localdate()
    try:
        month = (
            date.fromisoformat(f"{request.GET.get('month', '')}-01") if request.GET.get("month") else today
        )
    except ValueError:
        month = today
    if not date(2000, 1, 1) <= month <= today:
        month = today
    rows = selectors.monthly_ranking(area.pk, month.year, month.month)
    if rows is None:
        raise Http404("本村（社区）未公开积分排行")
    return render(
        request, "portal/points_ranking.html", {"area": area, "rows": rows, "month": month, "today": today}
    )
