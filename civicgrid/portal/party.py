"""党员「我的组织」 in the portal: a member signs in like a resident, with the phone registered on his member record
and a one-time SMS code (portal.otp), and sees his organisation, his meetings and his attendance.

The session holds only the member's id, the verified phone and when it stops counting; every page checks that the
member is still on the register with that phone.
"""

import time

from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from civicgrid.core.refusal import Refusal
from civicgrid.party.mine import members_with_phone, my_organisation
from civicgrid.party.models import PartyMember
from civicgrid.portal import otp, ratelimit
from civicgrid.portal.mine import CodeForm, PhoneForm, session_minutes
from civicgrid.portal.selectors import phone_key

SESSION_KEY = "party_member"


class MemberPhoneForm(PhoneForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].help_text = "填写党组织登记的本人手机号码，我们会发送短信验证码。"


def signed_in_member(request) -> PartyMember | None:
    data = request.session.get(SESSION_KEY)
    if not data:
        return None
    if data.get("until", 0) < time.time():
        request.session.pop(SESSION_KEY, None)
        return None
    member = next((m for m in members_with_phone(phone_key(data["phone"])) if m.pk == data["member"]), None)
    if member is None:  # left the register or changed phone since signing in
        request.session.pop(SESSION_KEY, None)
    return member


def _login_page(request, form=None):
    return render(
        request, "portal/party_login.html", {"form": form or MemberPhoneForm(), "minutes": session_minutes()}
    )


def _verify_page(request, form, phone: str):
    return render(
        request,
        "portal/party_verify.html",
        {"form": form, "phone_tail": phone[-4:], "minutes": otp.CODE_SECONDS // 60},
    )


@never_cache
@require_GET
def party_mine(request):
    member = signed_in_member(request)
    if member is None:
        return _login_page(request)
    return render(
        request,
        "portal/party_mine.html",
        {
            "view": my_organisation(member, timezone.localdate()),
            "phone_tail": member.phone[-4:],
            "minutes": session_minutes(),
        },
    )


@never_cache
@require_POST
def party_code(request):
    form = MemberPhoneForm(request.POST)
    if not form.is_valid():
        return _login_page(request, form)
    phone = form.cleaned_data["phone"]
    budget = ratelimit.Budget()
    if not budget.take(ratelimit.CODE_PER_ADDRESS, ratelimit.client_address(request)):
        return ratelimit.refused(request, ratelimit.CODE_PER_ADDRESS)
    if not budget.take(ratelimit.CODE_PER_PHONE, phone):
        budget.give_back()
        return ratelimit.refused(request, ratelimit.CODE_PER_PHONE)
    # Only a phone on a member record gets an SMS; the page is the same either way, so it does not tell
    # whether a number belongs to a party member.
    if members_with_phone(phone_key(phone)):
        try:
            otp.deliver_code(phone, otp.issue_code(phone))
        except Refusal as refusal:
            budget.give_back()
            form.add_error(None, refusal.message)
            return _login_page(request, form)
    return _verify_page(request, CodeForm(initial={"phone": phone}), phone)


@never_cache
@require_POST
def party_verify(request):
    form = CodeForm(request.POST)
    if not ratelimit.take(ratelimit.SIGN_IN_PER_ADDRESS, ratelimit.client_address(request)):
        return ratelimit.refused(request, ratelimit.SIGN_IN_PER_ADDRESS)
    if form.is_valid():
        phone = form.cleaned_data["phone"]
        members = members_with_phone(phone_key(phone))
        if otp.check_code(phone, form.cleaned_data["code"]) and members:
            request.session.cycle_key()
            request.session[SESSION_KEY] = {
                "member": members[0].pk,
                "phone": phone,
                "until": time.time() + session_minutes() * 60,
            }
            request.session.set_expiry(session_minutes() * 60)
            return redirect("portal:party_mine")
        form.add_error("code", "验证码不正确或已失效，请核对短信，或重新获取验证码")
    return _verify_page(request, form, form.cleaned_data.get("phone") or "")


@never_cache
@require_POST
def party_sign_out(request):
    request.session.pop(SESSION_KEY, None)
    return redirect("portal:party_mine")
