"""The residents' portal: what 12345 is, submit a request, track it, rate the outcome. No login."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import cache_page, never_cache
from django.views.decorators.http import require_GET, require_http_methods

from civicgrid.core.refusal import Refusal
from civicgrid.portal import ratelimit
from civicgrid.portal.forms import RateForm, SubmitForm, TrackForm
from civicgrid.portal.selectors import grid_outlines, proves_ownership, resident_view, ticket_by_number
from civicgrid.portal.services import resident_rate, resident_sms_opt_out, resident_submit
from civicgrid.tickets.models import Ticket

NOT_FOUND = "未找到对应的工单，请核对工单编号和查询码（或完整的手机号码）。"
LOCKED = (
    "该工单输错查询码的次数过多，查询已暂时锁定，请 {wait}后再试；"
    "也可以在「我的诉求」用手机验证码查看，或拨打 12345 热线查询。"
)
RECEIPT_KEY = "portal_receipt"
# Service error keys → the form field that shows them.
FIELD_OF = {"file": "photos", "lat": "lat", "lon": "lon", "requester_phone": "requester_phone"}


def _open_ticket(number: str, secret: str):
    """The ticket these credentials open, else the error to show: every wrong guess for an existing
    ticket spends one of its failures (shared by all addresses), and a locked ticket opens for nobody."""
    ticket = ticket_by_number(number)
    if ticket is None:
        return None, NOT_FOUND
    failures = ratelimit.LOOKUP_FAILURES_PER_TICKET
    if not ratelimit.take(failures, ticket.pk):
        return None, LOCKED.format(wait=ratelimit.duration_text(failures.seconds))
    if proves_ownership(ticket, secret):
        ratelimit.give_back(failures, ticket.pk)
        return ticket, ""
    return None, NOT_FOUND


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for key, messages in error.message_dict.items():
            field = FIELD_OF.get(key, key if key in form.fields else None)
            for message in messages:
                form.add_error(field, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def home(request):
    return render(request, "portal/home.html")


@never_cache
@require_http_methods(["GET", "POST"])
def submit(request):
    if request.method == "GET":
        return render(request, "portal/submit.html", {"form": SubmitForm()})
    budget = ratelimit.Budget()
    if not budget.take(ratelimit.SUBMIT, ratelimit.client_address(request)):
        return ratelimit.refused(request, ratelimit.SUBMIT)
    form = SubmitForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        if not budget.take(ratelimit.SUBMIT_PER_PHONE, data["requester_phone"]):
            budget.give_back()
            return ratelimit.refused(request, ratelimit.SUBMIT_PER_PHONE)
        try:
            ticket = resident_submit(
                request_type=data["request_type"],
                category=data["category"],
                content=data["content"],
                address=data["address"],
                lat=data["lat"],
                lon=data["lon"],
                requester_name=data["requester_name"],
                requester_phone=data["requester_phone"],
                is_anonymous=data["is_anonymous"],
                is_confidential=data["is_confidential"],
                photos=data["photos"],
                opt_out_of_sms=data["sms_opt_out"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        except Refusal as refusal:
            form.add_error(None, refusal.message)
        else:
            budget.keep()
            request.session[RECEIPT_KEY] = {"number": ticket.number, "code": ticket.query_code}
            return redirect("portal:receipt")
    budget.give_back()
    return render(request, "portal/submit.html", {"form": form})


@never_cache
def receipt(request):
    shown = request.session.get(RECEIPT_KEY)
    if not shown:
        return redirect("portal:home")
    return render(request, "portal/receipt.html", {"number": shown["number"], "code": shown.get("code", "")})


@never_cache
@require_http_methods(["POST"])
def receipt_sms_opt_out(request):
    """退订 from the receipt: only for the ticket this browser has just submitted."""
    shown = request.session.get(RECEIPT_KEY)
    ticket = Ticket.objects.filter(number=shown["number"]).first() if shown else None
    if ticket is None:
        return redirect("portal:home")
    resident_sms_opt_out(ticket=ticket)
    messages.success(request, "已为您退订，今后不再发送办理进度短信。")
    return redirect("portal:receipt")


@never_cache
@require_http_methods(["GET", "POST"])
def track(request):
    if request.method == "GET":
        form = TrackForm(initial={"number": request.GET.get("number", "")[:30]})
        return render(request, "portal/track.html", {"form": form})
    if not ratelimit.take(ratelimit.LOOKUP, ratelimit.client_address(request)):
        return ratelimit.refused(request, ratelimit.LOOKUP)
    form = TrackForm(request.POST)
    if form.is_valid():
        ticket, error = _open_ticket(form.cleaned_data["number"], form.cleaned_data["code"])
        if ticket is not None:
            return render(
                request,
                "portal/track_result.html",
                {
                    "view": resident_view(ticket),
                    "rate_form": RateForm(initial=form.cleaned_data),
                },
            )
        form.add_error(None, error)
    return render(request, "portal/track.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def rate(request):
    if request.method == "GET":
        form = RateForm(initial={"number": request.GET.get("number", "")[:30]})
        return render(request, "portal/rate.html", {"form": form})
    if not ratelimit.take(ratelimit.LOOKUP, ratelimit.client_address(request)):
        return ratelimit.refused(request, ratelimit.LOOKUP)
    form = RateForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        ticket, error = _open_ticket(data["number"], data["code"])
        if ticket is None:
            form.add_error(None, error)
        else:
            try:
                resident_rate(
                    ticket=ticket,
                    solved=data["solved"],
                    satisfaction=data["satisfaction"],
                    comment=data["comment"],
                )
            except Refusal as error:
                form.add_error(None, error.message)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                return render(request, "portal/rated.html", {"number": ticket.number})
    return render(request, "portal/rate.html", {"form": form})


@require_GET
@cache_page(300)
def grids(request):
    """Grid outlines for the optional map picker on the submit page (public registers, no figures)."""
    return JsonResponse(grid_outlines(), json_dumps_params={"ensure_ascii": False})
