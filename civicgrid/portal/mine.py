"""我的诉求: a resident signs in with her phone and a one-time SMS code, sees every request made with
that phone, follows each, adds information and photos to an open one and rates an answered one.

The session holds only the verified phone and when it stops counting (settings.CIVICGRID_MINE_SESSION_MINUTES).
"""

import time

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from civicgrid.core.refusal import Refusal
from civicgrid.notify import sms
from civicgrid.portal import otp, ratelimit
from civicgrid.portal.forms import PhotosField, RateForm, StyledForm
from civicgrid.portal.selectors import (
    own_supplements,
    phone_key,
    resident_view,
    shared_progress,
    ticket_of_phone,
    tickets_of_phone,
)
from civicgrid.portal.services import resident_rate
from civicgrid.tickets.services import resident_supplement
from civicgrid.tickets.services.supplements import MAX_TEXT, SUPPLEMENTABLE

SESSION_KEY = "mine"


class PhoneForm(StyledForm):
    phone = forms.CharField(
        label="手机号码",
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text="填写您反映诉求时留下的手机号码，我们会发送短信验证码。",
        error_messages={"required": "请填写手机号码", "max_length": "手机号码格式不正确"},
    )

    def clean_phone(self) -> str:
        phone = sms.normalize_phone(self.cleaned_data["phone"])
        if not 7 <= len(phone_key(phone)) <= 15:
            raise forms.ValidationError("请填写正确的手机号码")
        return phone


class CodeForm(PhoneForm):
    code = forms.CharField(
        label="短信验证码",
        max_length=10,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}"}
        ),
        error_messages={"required": "请填写短信里的 6 位验证码", "max_length": "验证码为 6 位数字"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget = forms.HiddenInput()


class SupplementForm(StyledForm):
    text = forms.CharField(
        label="补充说明",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "如：问题又出现了、具体位置、方便联系的时间"}),
        error_messages={"max_length": f"补充说明最多 {MAX_TEXT} 字"},
    )
    photos = PhotosField(
        label="补充照片",
        required=False,
        error_messages={"empty": "照片文件是空的，请重新选择", "invalid": "照片上传失败，请重新选择"},
    )


class MineRateForm(RateForm):
    """The portal's rating form without the tracker's credentials: signing in proved whose ticket it is."""

    number = None
    code = None


def session_minutes() -> int:
    return getattr(settings, "CIVICGRID_MINE_SESSION_MINUTES", 30)


def signed_in_phone(request) -> str | None:
    data = request.session.get(SESSION_KEY)
    if not data:
        return None
    if data.get("until", 0) < time.time():
        request.session.pop(SESSION_KEY, None)
        return None
    return data["phone"]


def _sign_in(request, phone: str) -> None:
    request.session.cycle_key()  # a new session id for the signed-in resident
    request.session[SESSION_KEY] = {"phone": phone, "until": time.time() + session_minutes() * 60}
    request.session.set_expiry(session_minutes() * 60)


def _login_page(request, form=None, status=200):
    return render(
        request,
        "portal/mine_login.html",
        {"form": form or PhoneForm(), "minutes": session_minutes()},
        status=status,
    )


@never_cache
@require_GET
def mine(request):
    phone = signed_in_phone(request)
    if phone is None:
        return _login_page(request)
    return render(
        request,
        "portal/mine_list.html",
        {"tickets": tickets_of_phone(phone), "phone_tail": phone[-4:], "minutes": session_minutes()},
    )


@never_cache
@require_POST
def send_code(request):
    form = PhoneForm(request.POST)
    if not form.is_valid():
        return _login_page(request, form)
    phone = form.cleaned_data["phone"]
    budget = ratelimit.Budget()
    if not budget.take(ratelimit.CODE_PER_ADDRESS, ratelimit.client_address(request)):
        return ratelimit.refused(request, ratelimit.CODE_PER_ADDRESS)
    if not budget.take(ratelimit.CODE_PER_PHONE, phone):
        budget.give_back()
        return ratelimit.refused(request, ratelimit.CODE_PER_PHONE)
    # A number that never made a request gets no SMS (nobody is texted by strangers), and the
    # page is the same, so it does not tell whether a number made one.
    if tickets_of_phone(phone):
        try:
            otp.deliver_code(phone, otp.issue_code(phone))
        except Refusal as refusal:
            budget.give_back()
            form.add_error(None, refusal.message)
            return _login_page(request, form)
    return render(
        request,
        "portal/mine_verify.html",
        {
            "form": CodeForm(initial={"phone": phone}),
            "phone_tail": phone[-4:],
            "minutes": otp.CODE_SECONDS // 60,
        },
    )


@never_cache
@require_POST
def verify(request):
    form = CodeForm(request.POST)
    if not ratelimit.take(ratelimit.SIGN_IN_PER_ADDRESS, ratelimit.client_address(request)):
        return ratelimit.refused(request, ratelimit.SIGN_IN_PER_ADDRESS)
    if form.is_valid():
        phone = form.cleaned_data["phone"]
        if otp.check_code(phone, form.cleaned_data["code"]):
            _sign_in(request, phone)
            return redirect("portal:mine")
        form.add_error("code", "验证码不正确或已失效，请核对短信，或重新获取验证码")
    phone = form.cleaned_data.get("phone") or ""
    return render(
        request,
        "portal/mine_verify.html",
        {"form": form, "phone_tail": phone[-4:], "minutes": otp.CODE_SECONDS // 60},
    )


@never_cache
@require_POST
def sign_out(request):
    request.session.pop(SESSION_KEY, None)
    return redirect("portal:mine")


def _own_ticket(request, number):
    """Her ticket with this number; None when she is not signed in; 404 for anyone else's."""
    phone = signed_in_phone(request)
    if phone is None:
        return None
    ticket = ticket_of_phone(phone, number)
    if ticket is None:
        raise Http404("没有这件诉求")
    return ticket


def _ticket_page(request, ticket, supplement_form=None, rate_form=None, status=200):
    return render(
        request,
        "portal/mine_ticket.html",
        {
            "view": resident_view(ticket),
            "shared": shared_progress(ticket.merged_into) if ticket.merged_into_id else None,
            "supplements": own_supplements(ticket),
            "can_supplement": ticket.status in SUPPLEMENTABLE,
            "supplement_form": supplement_form or SupplementForm(),
            "rate_form": rate_form or MineRateForm(),
        },
        status=status,
    )


@never_cache
@require_GET
def mine_ticket(request, number):
    ticket = _own_ticket(request, number)
    if ticket is None:
        return redirect("portal:mine")
    return _ticket_page(request, ticket)


@never_cache
@require_POST
def supplement(request, number):
    ticket = _own_ticket(request, number)
    if ticket is None:
        return redirect("portal:mine")
    form = SupplementForm(request.POST, request.FILES)
    if form.is_valid():
        if not ratelimit.take(ratelimit.SUPPLEMENT_PER_TICKET, ticket.pk):
            return ratelimit.refused(request, ratelimit.SUPPLEMENT_PER_TICKET)
        try:
            resident_supplement(
                ticket=ticket, text=form.cleaned_data["text"], uploads=form.cleaned_data["photos"]
            )
        except ValidationError as error:
            ratelimit.give_back(ratelimit.SUPPLEMENT_PER_TICKET, ticket.pk)
            for key, texts in error.message_dict.items():
                for message in texts:
                    form.add_error({"file": "photos"}.get(key, key if key in form.fields else None), message)
        except Refusal as refusal:
            ratelimit.give_back(ratelimit.SUPPLEMENT_PER_TICKET, ticket.pk)
            messages.error(request, refusal.message)
            return redirect("portal:mine_ticket", number=ticket.number)
        else:
            messages.success(request, "补充说明已提交，承办单位会看到。")
            return redirect("portal:mine_ticket", number=ticket.number)
    return _ticket_page(request, ticket, supplement_form=form)


@never_cache
@require_POST
def rate(request, number):
    ticket = _own_ticket(request, number)
    if ticket is None:
        return redirect("portal:mine")
    form = MineRateForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            resident_rate(
                ticket=ticket,
                solved=data["solved"],
                satisfaction=data["satisfaction"],
                comment=data["comment"],
            )
        except ValidationError as error:
            for key, texts in error.message_dict.items():
                for message in texts:
                    form.add_error(key if key in form.fields else None, message)
        except Refusal as refusal:
            form.add_error(None, refusal.message)
        else:
            return render(request, "portal/rated.html", {"number": ticket.number, "back_to_mine": True})
    return _ticket_page(request, ticket, rate_form=form)
