"""One ticket per filled-in form: a resident whose answer was lost (a dropped connection, a double tap) and who
sends the same form again gets the receipt of the ticket the first send made, not a second ticket.

The form carries a random token (`attempt`). The ticket it made is remembered in the shared cache for a day;
a second send that arrives while the first is still being registered waits for it briefly. The cache keeps
only the ticket's number and query code, which that browser was about to be shown anyway.
"""

import re
import secrets
import time

from django.core.cache import cache

TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
REMEMBER_SECONDS = 24 * 3600
CLAIM_SECONDS = 120  # longer than a registration with photos can take
WAIT_SECONDS = 8.0


def new_token() -> str:
    return secrets.token_urlsafe(16)


def valid(token: str | None) -> bool:
    return bool(token) and bool(TOKEN.match(token))


def _key(kind: str, token: str) -> str:
    return f"portal-attempt:{kind}:{token}"


def done(token: str) -> dict | None:
    """The receipt of the ticket this form already made, if any."""
    return cache.get(_key("done", token))


def claim(token: str) -> bool:
    """True for the one send that may register this form; False while another send holds it."""
    return cache.add(_key("claim", token), 1, timeout=CLAIM_SECONDS)


def release(token: str) -> None:
    """The send did not make a ticket (refused, invalid): the form may be sent again."""
    cache.delete(_key("claim", token))


def remember(token: str, receipt: dict) -> None:
    cache.set(_key("done", token), receipt, timeout=REMEMBER_SECONDS)


def wait_for(token: str) -> dict | None:
    """Another send of this form is registering it: its receipt once ready, None if not within WAIT_SECONDS."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if (receipt := done(token)) is not None:
            return receipt
        time.sleep(0.2)
    return done(token)
