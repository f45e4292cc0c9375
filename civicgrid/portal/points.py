"""我的积分 in the portal: a resident signs in with the phone on her points account and a one-time SMS code (as in
我的诉求; a resident already signed in to 我的诉求 is signed in here too), sees her balance and entries, the rules
and the catalogue, and redeems an item after a confirmation; the monthly ranking is public where the scheme says so.

The session holds only the verified phone and when it stops counting; every page looks the accounts up again.
"""

import time
from datetime import date

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from civicgrid.core.refusal import Refusal
from civicgrid.points import selectors, services
from civicgrid.points.models import RewardItem
from civicgrid.portal import otp, ratelimit
from civicgrid.portal.mine import CodeForm, PhoneForm, session_minutes, signed_in_phone
from civicgrid.portal.selectors import phone_key
from civicgrid.registry.models import AdminArea

SESSION_KEY = "points"


class PointsPhoneForm(PhoneForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].help_text = "填写在村（社区）登记积分账户的手机号码，我们会发送短信验证码。"


def _phone(request) -> str | None:
    data = request.session.get(SESSION_KEY)
    if data and data.get("until", 0) >= time.time():
        return data["phone"]
    request.session.pop(SESSION_KEY, None)
    return signed_in_phone(request)


def _accounts(request):
    phone = _phone(request)
    return selectors.accounts_of_phone(phone_key(phone)) if phone else []


def _login_page(request, form=None):
    return render(
        request, "portal/points_login.html", {"form": form or PointsPhoneForm(), "minutes": session_minutes()}
    )


def _pick(request, accounts):
    chosen = request.GET.get("account") or request.POST.get("account")
    return next((a for a in accounts if str(a.pk) == chosen), accounts[0])


@never_cache
@require_GET
def points_mine(request):
    phone = _phone(request)
    if phone is None:
        return _login_page(request)
    accounts = _accounts(request)
    if not accounts:
        return render(request, "portal/points_mine.html", {"accounts": [], "phone_tail": phone[-4:]})
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


@never_cache
@require_POST
def points_code(request):
    form = PointsPhoneForm(request.POST)
    if not form.is_valid():
        return _login_page(request, form)
    phone = form.cleaned_data["phone"]
    budget = ratelimit.Budget()
    if not budget.take(ratelimit.CODE_PER_ADDRESS, ratelimit.client_address(request)):
        return ratelimit.refused(request, ratelimit.CODE_PER_ADDRESS)
    if not budget.take(ratelimit.CODE_PER_PHONE, phone):
        budget.give_back()
        return ratelimit.refused(request, ratelimit.CODE_PER_PHONE)
    # The same page either way: it does not tell whether a number has an account.
    if selectors.accounts_of_phone(phone_key(phone)):
        try:
            otp.deliver_code(phone, otp.issue_code(phone))
        except Refusal as refusal:
            budget.give_back()
            form.add_error(None, refusal.message)
            return _login_page(request, form)
    return render(
        request,
        "portal/points_verify.html",
        {"form": CodeForm(initial={"phone": phone}), "phone_tail": phone[-4:], "minutes": otp.CODE_SECONDS // 60},
    )


@never_cache
@require_POST
def points_verify(request):
    form = CodeForm(request.POST)
    if not ratelimit.take(ratelimit.SIGN_IN_PER_ADDRESS, ratelimit.client_address(request)):
        return ratelimit.refused(request, ratelimit.SIGN_IN_PER_ADDRESS)
    if form.is_valid():
        phone = form.cleaned_data["phone"]
        if otp.check_code(phone, form.cleaned_data["code"]) and selectors.accounts_of_phone(phone_key(phone)):
            request.session.cycle_key()
            request.session[SESSION_KEY] = {"phone": phone, "until": time.time() + session_minutes() * 60}
            request.session.set_expiry(session_minutes() * 60)
            return redirect("portal:points_mine")
        form.add_error("code", "验证码不正确或已失效，请核对短信，或重新获取验证码")
    phone = form.cleaned_data.get("phone") or ""
    return render(
        request,
        "portal/points_verify.html",
        {"form": form, "phone_tail": phone[-4:], "minutes": otp.CODE_SECONDS // 60},
    )


@never_cache
@require_POST
def points_sign_out(request):
    request.session.pop(SESSION_KEY, None)
    return redirect("portal:points_mine")


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
        month = date.fromisoformat(f"{request.GET.get('month', '')}-01") if request.GET.get("month") else today
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
