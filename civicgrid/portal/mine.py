"""我的诉求: a resident signed in with her phone (portal.signin) sees every request made with that phone, follows
each, adds information and photos to an open one and rates an answered one.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from civicgrid.core.refusal import Refusal
from civicgrid.portal import ratelimit, signin
from civicgrid.portal.forms import PhotosField, RateForm, StyledForm
from civicgrid.portal.selectors import (
    own_supplements,
    resident_view,
    shared_progress,
    ticket_of_phone,
    tickets_of_phone,
)
from civicgrid.portal.services import resident_rate
from civicgrid.portal.signin import session_minutes, signed_in_phone
from civicgrid.tickets.services import resident_supplement
from civicgrid.tickets.services.supplements import MAX_TEXT, SUPPLEMENTABLE


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


@never_cache
@require_GET
def mine(request):
    phone = signed_in_phone(request)
    if phone is None:
        return signin.page(
            request,
            next_url=reverse("portal:mine"),
            title="我的诉求",
            intro="用反映诉求时留下的手机号码登录，即可查看您的全部诉求、补充说明和照片、评价办理结果。",
        )
    return render(
        request,
        "portal/mine_list.html",
        {"tickets": tickets_of_phone(phone), "phone_tail": phone[-4:], "minutes": session_minutes()},
    )


# The URLs each section had before the sign-in was shared: the same sign-in, going on to 我的诉求.
send_code = signin.code_view("portal:mine")
verify = signin.verify_view("portal:mine")
sign_out = signin.sign_out_view("portal:mine")


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
