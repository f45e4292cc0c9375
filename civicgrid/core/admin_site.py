"""The admin site: open only to a session that passed two-step verification, signed in on the one login page."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse


class AdminSite(admin.AdminSite):
    def has_permission(self, request):
        verified = getattr(request.user, "is_verified", None)
        return super().has_permission(request) and verified is not None and verified()

    def login(self, request, extra_context=None):
        # One sign-in for everyone (lockout, two-step code): the admin's own form is never shown.
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"), settings.LOGIN_URL)
