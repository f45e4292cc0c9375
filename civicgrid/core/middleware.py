"""How every interface answers a refusal and input no database can store, in one place.

A Refusal (or a service's ValidationError) that a view lets escape becomes the refusal's Chinese message:
after a POST, back to the page the form came from with the message on top; otherwise a page with the
message and a way back (status 400). htmx panels get the message in place of the panel.
"""

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.html import format_html

from civicgrid.core.inputs import MAX_ID
from civicgrid.core.redirects import safe_next
from civicgrid.core.refusal import refusal_message

NUL_REFUSED = "输入内容中含有空字符（NUL），无法保存或查询，请删除后重新填写。"


def safe_back(request) -> str:
    """Where "back" goes: the form's `next`, else the page the request came from, if on this site."""
    return safe_next(request, referer=True)


def refused_page(request, text: str, status: int = 400):
    if getattr(request, "htmx", False):
        # htmx swaps only successful responses: the message replaces the panel that asked.
        return HttpResponse(format_html('<div class="alert alert-danger mb-2">{}</div>', text))
    messages.error(request, text)  # the page lists the request's messages, as every page does
    return render(request, "refused.html", {"back": safe_back(request)}, status=status)


class RefusalMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # A row id past what the database holds names no row (and would overflow the query).
        if any(isinstance(value, int) and not 0 <= value <= MAX_ID for value in view_kwargs.values()):
            raise Http404("没有这个编号的记录")
        if _has_nul(request.GET) or (request.method == "POST" and _has_nul(request.POST)):
            return refused_page(request, NUL_REFUSED)
        return None

    def process_exception(self, request, exception):
        text = refusal_message(exception)
        if text is None:
            return None
        if request.method == "POST" and not getattr(request, "htmx", False):
            back = safe_back(request)
            if back:
                messages.error(request, text)
                return HttpResponseRedirect(back)
        return refused_page(request, text)


def _has_nul(query) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in query.lists())


class RequestSizeMiddleware:
    """Refuse a request whose declared body is over CIVICGRID_MAX_REQUEST_MB before any of it is read (the
    upload checks run only after the body is in; the reverse proxy's own limit stops undeclared bodies)."""

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        self.limit = settings.CIVICGRID_MAX_REQUEST_MB * 1024 * 1024

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > self.limit:
            text = (
                f"提交的内容过大（超过 {self.limit // (1024 * 1024)} MB），未被接收。请压缩附件或分次提交。"
            )
            return HttpResponse(text, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
