"""The residents' portal: what 12345 is, submit a request, track it, rate the outcome. No login."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import cache_page, never_cache
from django.views.decorators.http import require_GET, require_http_methods

from civicgrid.core.client import client_address
from civicgrid.core.refusal import Refusal
from civicgrid.portal import attempts, ratelimit
from civicgrid.portal.forms import RateForm, SubmitForm, TrackForm
from civicgrid.portal.selectors import (
    evidence_photo,
    grid_outlines,
    proves_ownership,
    resident_view,
    ticket_by_number,
)
from civicgrid.portal.services import (
    MAX_PHOTOS,
    pending_discard,
    pending_files,
    pending_find,
    pending_keep,
    resident_rate,
    resident_sms_opt_out,
    resident_submit,
)
from civicgrid.portal.signin import safe_next
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


ELDER_COOKIE = "portal_elder"


@require_http_methods(["POST"])
def elder(request):
    """适老化: larger text and buttons, fewer choices; a preference remembered in a cookie, no JavaScript."""
    response = HttpResponseRedirect(safe_next(request, request.POST.get("next"), "portal:home"))
    if request.POST.get("on") == "1":
        response.set_cookie(ELDER_COOKIE, "1", max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    else:
        response.delete_cookie(ELDER_COOKIE, samesite="Lax")
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def submit(request):
    if request.method == "GET":
        return render(
            request, "portal/submit.html", {"form": SubmitForm(initial={"attempt": attempts.new_token()})}
        )
    token = request.POST.get("attempt", "")
    token = token if attempts.valid(token) else ""
    if token and (earlier_receipt := attempts.done(token)) is not None:
        return _show_receipt(request, earlier_receipt)  # sent again: the ticket the first send made
    budget = ratelimit.Budget()
    if not budget.take(ratelimit.SUBMIT, client_address(request)):
        return ratelimit.refused(request, ratelimit.SUBMIT)
    # Photos chosen on an earlier try that was sent back for correction (no need to choose them again).
    kept = pending_find(request.POST.getlist("pending"))
    form = SubmitForm(request.POST, request.FILES, kept=len(kept))
    if form.is_valid():
        data = form.cleaned_data
        if not budget.take(ratelimit.SUBMIT_PER_PHONE, data["requester_phone"]):
            budget.give_back()
            return ratelimit.refused(request, ratelimit.SUBMIT_PER_PHONE)
        if token and not attempts.claim(token):
            budget.give_back()
            if (receipt := attempts.wait_for(token)) is not None:
                return _show_receipt(request, receipt)
            form.add_error(None, "这份诉求正在提交，请勿重复点击；稍后可在「我的诉求」中凭手机号码查看。")
            return render(request, "portal/submit.html", {"form": form, "kept": kept})
        earlier = pending_files(kept)
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
                photos=[*earlier, *data["photos"]],
                opt_out_of_sms=data["sms_opt_out"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        except Refusal as refusal:
            form.add_error(None, refusal.message)
        else:
            for file in earlier:
                file.close()
            pending_discard(kept)
            budget.keep()
            receipt = {"number": ticket.number, "code": ticket.query_code}
            if token:
                attempts.remember(token, receipt)
            return _show_receipt(request, receipt)
        for file in earlier:
            file.close()
        if token:
            attempts.release(token)
    budget.give_back()
    if "photos" not in form.errors:  # a refused photo means choosing the photos again
        chosen = getattr(form, "cleaned_data", {}).get("photos") or []
        kept += pending_keep(chosen[: max(0, MAX_PHOTOS - len(kept))])
    return render(request, "portal/submit.html", {"form": form, "kept": kept})


def _show_receipt(request, receipt: dict):
    request.session[RECEIPT_KEY] = {**receipt, "at": timezone.now().timestamp()}
    return redirect("portal:receipt")


@never_cache
def receipt(request):
    shown = request.session.get(RECEIPT_KEY)
    # On a shared or kiosk browser the next user must not find the tracker's credentials.
    if shown and timezone.now().timestamp() - shown.get("at", 0) > settings.CIVICGRID_PORTAL_RECEIPT_SECONDS:
        del request.session[RECEIPT_KEY]
        shown = None
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
    if not ratelimit.take(ratelimit.LOOKUP, client_address(request)):
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
    if not ratelimit.take(ratelimit.LOOKUP, client_address(request)):
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
def photo(request, token):
    """A unit's evidence photo, through the expiring link on the requester's status page."""
    attachment = evidence_photo(token)
    if attachment is None:
        raise Http404
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    response["Cache-Control"] = "private, max-age=600"
    return response


@require_GET
@cache_page(300)
def grids(request):
    """Grid outlines for the optional map picker on the submit page (public registers, no figures)."""
    return JsonResponse(grid_outlines(), json_dumps_params={"ensure_ascii": False})
