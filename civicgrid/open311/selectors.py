"""What Open311 shows to anyone who asks: the category tree as services, and tickets as service requests.

GeoReport v2 reads are public (no key), so every read here is the public view of a ticket: confidential
tickets never appear, no requester field is ever selected into an answer, and free text (the description,
the reply, event notes) has phone numbers, identity numbers, e-mail addresses and the requester's own name
masked (civicgrid.core.masking), since residents write them into their words."""

import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from civicgrid.core.masking import mask_person_name, mask_phone
from civicgrid.routing.models import Category
from civicgrid.tickets.models import OPEN_STATUSES, Event, Status, Ticket

# The specification's default window and its cap on one answer.
WINDOW = timedelta(days=90)
MAX_RESULTS = 1000

# How a registration through Open311 keeps what the ticket has no field for (open311.services).
MEDIA_MARK = "\n\n图片链接："

# The reply the requester may read, and only once it has been given (as the portal's progress page).
REPLY_SHOWN = (Status.REPLIED, Status.PENDING_CALLBACK, Status.CLOSED, Status.ARCHIVED)

# The request-updates extension's statuses, in FixMyStreet's words (Open311::GetServiceRequestUpdates).
UPDATE_STATUS = {
    Status.RECEIVED: "OPEN",
    Status.PENDING_DISPATCH: "OPEN",
    Status.DISPATCHED: "ACTION_SCHEDULED",
    Status.IN_PROGRESS: "IN_PROGRESS",
    Status.RETURN_REQUESTED: "IN_PROGRESS",
    Status.REPLIED: "IN_PROGRESS",
    Status.PENDING_CALLBACK: "IN_PROGRESS",
    Status.REOPENED: "IN_PROGRESS",
    Status.CLOSED: "CLOSED",
    Status.ARCHIVED: "CLOSED",
    Status.DIRECT_ANSWERED: "CLOSED",
    Status.NOT_ACCEPTED: "NOT_COUNCILS_RESPONSIBILITY",
    Status.TRANSFERRED: "INTERNAL_REFERRAL",
    Status.MERGED: "DUPLICATE",
}
_OPEN = frozenset(OPEN_STATUSES)

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Mobile and landline numbers, identity card numbers: any run of seven digits or more, dashes allowed.
_NUMBER = re.compile(r"\+?\d(?:[\d\- ]{5,}\d|\d{6,})[Xx]?")


def _masked_number(match) -> str:
    return mask_phone(match.group().replace(" ", "").replace("-", ""))


def mask_text(text: str, name: str = "") -> str:
    """Free text as the public may read it."""
    if not text:
        return ""
    if "@" in text:
        text = _EMAIL.sub("***@***", text)
    text = _NUMBER.sub(_masked_number, text)
    name = (name or "").strip()
    if len(name) >= 2:
        text = text.replace(name, mask_person_name(name))
    return text


def category_version() -> str:
    return settings.CIVICGRID_CATEGORY_VERSION


def jurisdiction() -> str:
    """The jurisdiction_id this server answers to ("" accepts any: a server of one jurisdiction)."""
    return settings.CIVICGRID_OPEN311_JURISDICTION


# --- services ---------------------------------------------------------------------------------------------

# The service list changes when someone edits the category tree, and is asked for on every client's start:
# kept per process for a short while, dropped at once in this process when a category is saved.
SERVICES_TTL = 30.0
_services_cache: dict = {}
_services_lock = threading.Lock()


def _forget_services(**kwargs) -> None:
    with _services_lock:
        _services_cache.clear()


post_save.connect(_forget_services, sender=Category, dispatch_uid="open311_services")
post_delete.connect(_forget_services, sender=Category, dispatch_uid="open311_services_delete")


def cached(key, build):
    """build() kept under `key` for SERVICES_TTL seconds (used for the rendered service list)."""
    now = time.monotonic()
    hit = _services_cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = build()
    with _services_lock:
        _services_cache[key] = (now + SERVICES_TTL, value)
    return value


def services() -> list[dict]:
    """Every active category of the version in use, as a GeoReport service: its group is the first-level
    category, its description the full path."""
    rows = list(
        Category.objects.filter(version=category_version(), is_active=True)
        .order_by("code")
        .values_list("code", "name", "keywords")
    )
    names = {code: name for code, name, _ in rows}
    result = []
    for code, name, keywords in rows:
        path = [names[code[:end]] for end in range(2, len(code) + 1, 2) if code[:end] in names]
        result.append(
            {
                "service_code": code,
                "service_name": name,
                "description": " / ".join(path),
                "metadata": False,
                "type": "realtime",
                "keywords": ",".join(k.strip() for k in re.split(r"[,，、]", keywords or "") if k.strip()),
                "group": names.get(code[:2], name),
            }
        )
    return result


def service_category(code: str) -> Category | None:
    return Category.objects.filter(version=category_version(), code=code, is_active=True).first()


def service_definition(category: Category) -> dict:
    """No category carries fields of its own yet, so every definition has no attributes (metadata false)."""
    return {"service_code": category.code, "attributes": []}


# --- service requests -------------------------------------------------------------------------------------

_REQUEST_FIELDS = (
    "id",
    "number",
    "status",
    "category_code",
    "category__name",
    "content",
    "address",
    "lat",
    "lon",
    "received_at",
    "updated_at",
    "reply_text",
    "direct_answer",
    "lead_unit__name",
    # Read only to mask the requester's name where she wrote it into her own words; never answered.
    "requester_name",
)


def public_tickets():
    return Ticket.objects.filter(is_confidential=False)


def split_media(content: str) -> tuple[str, str]:
    text, mark, url = (content or "").partition(MEDIA_MARK)
    return text, url.strip() if mark else ""


def _request(row: dict) -> dict:
    name = row["requester_name"]
    description, media_url = split_media(row["content"])
    status = row["status"]
    notes = ""
    if status in REPLY_SHOWN and row["reply_text"]:
        notes = row["reply_text"]
    elif status == Status.DIRECT_ANSWERED:
        notes = row["direct_answer"]
    return {
        "service_request_id": row["number"],
        "status": "open" if status in _OPEN else "closed",
        "status_notes": mask_text(notes, name),
        "service_name": row["category__name"] or "",
        "service_code": row["category_code"],
        "description": mask_text(description, name),
        "agency_responsible": row["lead_unit__name"] or "",
        "service_notice": "",
        "requested_datetime": _w3c(row["received_at"]),
        "updated_datetime": _w3c(row["updated_at"]),
        "expected_datetime": None,
        "address": row["address"],
        "address_id": "",
        "zipcode": "",
        "lat": row["lat"],
        "long": row["lon"],
        "media_url": media_url,
    }


_TZ = None


def _w3c(moment: datetime | None) -> str | None:
    global _TZ
    if moment is None:
        return None
    if _TZ is None:
        _TZ = timezone.get_default_timezone()
    return moment.astimezone(_TZ).isoformat(timespec="seconds")


@dataclass(frozen=True)
class RequestQuery:
    ids: list[str]
    service_codes: list[str]
    start: datetime
    end: datetime
    statuses: list[str]  # "open" / "closed"
    page: int = 1
    page_size: int = MAX_RESULTS


def service_requests(query: RequestQuery) -> list[dict]:
    """GET requests: by ids (which override every other filter), else in the window, newest first."""
    rows = public_tickets()
    if query.ids:
        rows = rows.filter(number__in=query.ids[:MAX_RESULTS])
    else:
        rows = rows.filter(received_at__gte=query.start, received_at__lte=query.end)
        if query.service_codes:
            rows = rows.filter(category_code__in=query.service_codes)
        if set(query.statuses) == {"open"}:
            rows = rows.filter(status__in=OPEN_STATUSES)
        elif set(query.statuses) == {"closed"}:
            rows = rows.exclude(status__in=OPEN_STATUSES)
    offset = (query.page - 1) * query.page_size
    rows = rows.order_by("-received_at", "-id").values(*_REQUEST_FIELDS)[offset : offset + query.page_size]
    return [_request(row) for row in rows]


def service_request(number: str) -> dict | None:
    row = public_tickets().filter(number=number).values(*_REQUEST_FIELDS).first()
    return _request(row) if row else None


# --- request updates (FixMyStreet's servicerequestupdates) ------------------------------------------------


def request_updates(start: datetime, end: datetime, *, page: int = 1, page_size: int = MAX_RESULTS):
    """The public events of public tickets between `start` and `end`, oldest first: each one the ticket's
    status after it and the words the requester herself reads on her progress page."""
    offset = (page - 1) * page_size
    rows = (
        Event.objects.filter(is_public=True, at__gte=start, at__lte=end, ticket__is_confidential=False)
        .order_by("at", "id")
        .values("id", "at", "to_status", "note", "payload", "ticket__number", "ticket__requester_name")[
            offset : offset + page_size
        ]
    )
    return [
        {
            "update_id": str(row["id"]),
            "service_request_id": row["ticket__number"],
            "status": UPDATE_STATUS.get(row["to_status"], "OPEN"),
            "updated_datetime": _w3c(row["at"]),
            "description": mask_text(
                (row["payload"] or {}).get("public_note") or row["note"], row["ticket__requester_name"]
            ),
            "media_url": "",
            "external_status_code": row["to_status"],
        }
        for row in rows
    ]
