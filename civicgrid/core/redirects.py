"""Where a form may send a person back to: only a page of this site (never another host, nor http from https)."""

from django.utils.http import url_has_allowed_host_and_scheme


def on_this_site(request, target: str) -> bool:
    return bool(target) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def safe_next(request, fallback: str = "", *, referer: bool = False) -> str:
    """The form's or link's `next` (POST first), else with `referer` the page the request came from, when on this
    site; else `fallback`."""
    candidates = [
        request.POST.get("next", "") if request.method == "POST" else "",
        request.GET.get("next", ""),
    ]
    if referer:
        candidates.append(request.headers.get("referer", ""))
    return next((target for target in candidates if on_this_site(request, target)), fallback)
