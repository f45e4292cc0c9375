"""Signing in in tests.

`client.force_login(user)` stands for a finished sign-in, as it always has: for a person who must use
two-step sign-in (or has a device) it also records the code step in the session, the way django_otp.login
does, with a confirmed device of theirs. The rule itself is tested through the real pages
(tests/console/test_two_factor.py); `password_only(client, user)` gives the half-signed-in session. A
browser signs in through the pages, with a backup code made for it (`second_step_code`).
"""

from django.contrib.auth import get_user_model
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

_force_login = Client.force_login


def mark_verified(client, user) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="测试", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def force_login_both_steps(client, user, backend=None):
    from civicgrid.console.twofactor import requires_two_factor
    from civicgrid.core.twofactor import has_device

    _force_login(client, user, backend)
    if requires_two_factor(user) or has_device(user):
        mark_verified(client, user)


def password_only(client, user, backend=None):
    _force_login(client, user, backend)


def second_step_code(username: str) -> str | None:
    """For a browser signing in: a fresh backup code when this person is asked for one, else None."""
    from civicgrid.console.twofactor import requires_two_factor
    from civicgrid.core.twofactor import has_device

    user = get_user_model().objects.get(username=username)
    if not (requires_two_factor(user) or has_device(user)):
        return None
    device, _ = StaticDevice.objects.get_or_create(user=user, name="测试", defaults={"confirmed": True})
    token = StaticToken.random_token()
    StaticToken.objects.create(device=device, token=token)
    return token


def install():
    Client.force_login = force_login_both_steps
