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
from civicgrid.portal.selectors import find_for_resident, grid_outlines, resident_view
from civicgrid.portal.services import resident_rate, resident_sms_opt_out, resident_submit
from civicgrid.tickets.models import Ticket

NOT_FOUND = "未找到对应的工单,请核对工单编号和手机号后四位。"
RECEIPT_KEY = "portal_receipt"
# Service error keys → the form field that shows them.
FIELD_OF = {"file": "photos", "lat": "lat", "lon": "lon", "requester_phone": "requester_phone"}


def _limited(request, limit):
    return render(request, "portal/limited.html", {"per_hour": limit.per_hour}, status=429)


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
    if ratelimit.exhausted(request, ratelimit.SUBMIT):
        return _limited(request, ratelimit.SUBMIT)
    form = SubmitForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
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
            ratelimit.spend(request, ratelimit.SUBMIT)
            request.session[RECEIPT_KEY] = {"number": ticket.number, "tail": data["requester_phone"][-4:]}
            return redirect("portal:receipt")
    return render(request, "portal/submit.html", {"form": form})


@never_cache
def receipt(request):
    shown = request.session.get(RECEIPT_KEY)
    if not shown:
        return redirect("portal:home")
    return render(request, "portal/receipt.html", {"number": shown["number"], "tail": shown["tail"]})


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
    if ratelimit.exhausted(request, ratelimit.LOOKUP):
        return _limited(request, ratelimit.LOOKUP)
    ratelimit.spend(request, ratelimit.LOOKUP)
    form = TrackForm(request.POST)
    if form.is_valid():
        ticket = find_for_resident(form.cleaned_data["number"], form.cleaned_data["last4"])
        if ticket is not None:
            return render(
                request,
                "portal/track_result.html",
                {
                    "view": resident_view(ticket),
                    "rate_form": RateForm(initial=form.cleaned_data),
                },
            )
        form.add_error(None, NOT_FOUND)
    return render(request, "portal/track.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def rate(request):
    if request.method == "GET":
        form = RateForm(initial={"number": request.GET.get("number", "")[:30]})
        return render(request, "portal/rate.html", {"form": form})
    if ratelimit.exhausted(request, ratelimit.LOOKUP):
        return _limited(request, ratelimit.LOOKUP)
    ratelimit.spend(request, ratelimit.LOOKUP)
    form = RateForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        ticket = find_for_resident(data["number"], data["last4"])
        if ticket is None:
            form.add_error(None, NOT_FOUND)
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
