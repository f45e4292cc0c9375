"""Who must use two-step sign-in, and the gate that holds a half-signed-in session to the code page.

After the password, a person with a confirmed device gives a code before any other page; an administrator
(superuser, admin-site access, or the 系统管理员 role) without one sets it up first. Everyone else may turn
it on from 「两步验证」.
"""

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from civicgrid.core import twofactor
from civicgrid.registry.models import Role
from civicgrid.registry.selectors import role_codes


def requires_two_factor(user) -> bool:
    return user.is_superuser or user.is_staff or Role.ADMINISTRATOR in role_codes(user)


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified() and not _always_open(request.path):
            verify, setup = reverse("console:two_factor_verify"), reverse("console:two_factor")
            if twofactor.has_device(user):
                if request.path != verify:
                    return redirect(f"{verify}?{urlencode({'next': request.get_full_path()})}")
            elif requires_two_factor(user) and request.path != setup:
                return redirect(f"{setup}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


def _always_open(path: str) -> bool:
    # The service worker script is fetched by the page itself; a browser refuses one behind a redirect.
    return path.startswith(("/static/", "/healthz")) or path in (
        reverse("logout"),
        reverse("console:service_worker"),
    )
