"""The client's address, one rule for every limit (portal rate limits, staff sign-in lockout).

Behind a reverse proxy every client shares the proxy's address: settings.CIVICGRID_PORTAL_CLIENT_IP_HEADER
names the header that carries the real one (e.g. "HTTP_X_REAL_IP"), which the proxy must overwrite.
"""

from django.conf import settings


def client_address(request) -> str:
    header = getattr(settings, "CIVICGRID_PORTAL_CLIENT_IP_HEADER", "")
    forwarded = request.META.get(header, "") if header else ""
    return forwarded.split(",")[0].strip() or request.META.get("REMOTE_ADDR", "") or "unknown"
