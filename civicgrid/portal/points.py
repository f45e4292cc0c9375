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
from django.views.decorators.http import require_GET

from civicgrid.points import selectors, services
from civicgrid.points.models import RewardItem
from civicgrid.portal import signin
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
    today = timezone.localdate()
    scheme, rules = selectors.rules_in_force(account.area_id, today)
    return render(
        request,
        "portal/points_mine.html",
        {
            "accounts": accounts,
            "account": account,
            "balance": selectors.balance_of(account),
            "entries": selectors.account_entries(account, limit=50),
            "scheme": scheme,
            "rules": rules,
            "items": selectors.catalogue(account.area_id),
            "redemptions": account.redemptions.select_related("item").order_by("-requested_at")[:20],
            "phone_tail": phone[-4:],
            "minutes": session_minutes(),
        },
    )


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
