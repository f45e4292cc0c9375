"""Per-address limits on the portal's forms, counted in Django's cache over fixed one-hour windows.

Submissions are limited to stop flooding; lookups (track and rate) to stop guessing the last four
digits of a phone number. Behind a reverse proxy every client shares the proxy's address: name the
header that carries the real one in CIVICGRID_PORTAL_CLIENT_IP_HEADER (e.g. "HTTP_X_REAL_IP").
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 3600


@dataclass(frozen=True)
class Limit:
    bucket: str
    setting: str
    default: int

    @property
    def per_hour(self) -> int:
        return getattr(settings, self.setting, self.default)


SUBMIT = Limit("submit", "CIVICGRID_PORTAL_SUBMITS_PER_HOUR", 5)
LOOKUP = Limit("lookup", "CIVICGRID_PORTAL_LOOKUPS_PER_HOUR", 20)


def client_address(request) -> str:
    header = getattr(settings, "CIVICGRID_PORTAL_CLIENT_IP_HEADER", "")
    forwarded = request.META.get(header, "") if header else ""
    return forwarded.split(",")[0].strip() or request.META.get("REMOTE_ADDR", "") or "unknown"


def _key(request, limit: Limit) -> str:
    window = int(time.time() // WINDOW_SECONDS)
    return f"civicgrid:portal:{limit.bucket}:{client_address(request)}:{window}"


def exhausted(request, limit: Limit) -> bool:
    """Whether this address has used up the limit in the current window."""
    return (cache.get(_key(request, limit)) or 0) >= limit.per_hour


def spend(request, limit: Limit) -> None:
    key = _key(request, limit)
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS)
