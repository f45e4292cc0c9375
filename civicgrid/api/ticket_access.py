"""What every ticket call checks, in the console's order: the key's scope and the caller's role (403), then the
ticket in the caller's scope (404: another unit learns nothing, not even that the ticket exists). Also the
opaque cursors of the lists and the optional version check of the writes."""

import base64
import binascii
import json
from contextlib import contextmanager
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404

from civicgrid.core.inputs import MAX_ID
from civicgrid.core.refusal import Refusal
from civicgrid.integrations.models import SCOPES
from civicgrid.registry.models import Role, Unit
from civicgrid.tickets.models import Assignment, Ticket
from civicgrid.tickets.permissions import CENTRE_ROLES, has_role, staff_of
from civicgrid.tickets.selectors import assignments_for, tickets_for
from civicgrid.tickets.services.intake import INTAKE_ROLES

READ, WRITE = "tickets:read", "tickets:write"

# The roles of the console page that does the same thing (console/views/*.py, staff_view): the same person
# may do the same through the API, nobody else (tests/api/test_tickets_access.py compares them).
ALL_STAFF = tuple(code for code, _ in Role.SEED)
INTAKE = tuple(INTAKE_ROLES)
DISPATCH = (Role.DISPATCHER, Role.ADMINISTRATOR)
HANDLERS = (Role.UNIT_HANDLER, Role.GRID_WORKER, Role.GRID_LEADER, Role.ADMINISTRATOR)
CALLBACK_DESK = (Role.CALLBACK_AGENT, Role.ADMINISTRATOR)
SUPERVISORS = (Role.SUPERVISOR, Role.LEADER, Role.ADMINISTRATOR)
CENTRE = tuple(sorted(CENTRE_ROLES))
UPLOADERS = tuple(sorted(set(INTAKE) | set(HANDLERS)))


def allow(request, *roles: str, scope: str = READ):
    """The calling account, when its key may use `scope` and it holds one of `roles` (any staff role when
    none is named); else 403 in Chinese."""
    user = request.user
    client = getattr(user, "integration_client", None)
    if client is not None and not client.allows(scope):
        raise PermissionDenied(f"该对接系统未获「{SCOPES[scope]}」授权")
    if not user.is_superuser and staff_of(user) is None:
        raise PermissionDenied("该账号没有工作人员身份，请联系管理员")
    if not has_role(user, *(roles or ALL_STAFF)):
        names = "、".join(dict(Role.SEED)[c] for c in roles)
        raise PermissionDenied(f"此操作仅限{names}使用")
    return user


def visible_ticket(user, pk: int) -> Ticket:
    """The ticket if `user` may see it; a 404 otherwise, whether it exists or not."""
    ticket = tickets_for(user).filter(pk=pk).first()
    if ticket is None:
        raise Http404
    return Ticket.objects.select_related("category", "lead_unit", "grid", "town", "merged_into").get(pk=pk)


def my_assignment(user, pk: int) -> Assignment:
    """An assignment of a unit `user` acts for; a 404 otherwise."""
    found = (
        assignments_for(user)
        .select_related(
            "ticket__category", "ticket__grid", "ticket__lead_unit", "ticket__town", "unit", "policy"
        )
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def unit_or_422(pk: int | None, field: str) -> Unit | None:
    if pk is None:
        return None
    unit = Unit.objects.filter(pk=pk, is_active=True).first()
    if unit is None:
        raise ValidationError({field: f"单位 {pk} 不存在或已停用"})
    return unit


def units_or_422(pks: list[int], field: str) -> list[Unit]:
    units = list(Unit.objects.filter(pk__in=pks, is_active=True))
    if len(units) != len(set(pks)):
        missing = sorted(set(pks) - {u.pk for u in units})
        raise ValidationError({field: f"单位 {'、'.join(map(str, missing))} 不存在或已停用"})
    return units


class Stale(Refusal):
    """The ticket changed since the caller read it."""


@contextmanager
def expecting(ticket_id: int, version: int | None):
    """Run a write only if the ticket is still at `version` (when given): the row is locked first, so the
    check and the service's change see the same committed state."""
    with transaction.atomic():
        if version is not None:
            current = Ticket.objects.select_for_update().values_list("version", flat=True).get(pk=ticket_id)
            if current != version:
                raise Stale(
                    f"工单已被更新（当前第 {current} 版，请求基于第 {version} 版），请重新读取后再操作"
                )
        yield


# --- cursors: (the sort key, the id) of the last row, opaque to the caller ----------------------------


def encode_cursor(at: datetime, pk: int) -> str:
    raw = json.dumps([at.isoformat(), pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, pk = json.loads(raw)
        at, pk = datetime.fromisoformat(at), int(pk)
        if at.tzinfo is None or not 1900 <= at.year <= 2999 or not 0 < pk <= MAX_ID:
            raise ValueError(cursor)
        return at, pk
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise ValidationError({"cursor": "分页游标无效，请从第一页重新读取"}) from None


def keyset_page(rows, *, field: str, cursor: str | None, limit: int):
    """Newest first by `field`, then id: a page after `cursor`, and the next cursor (None on the last page).
    Rows added meanwhile sort before the cursor, so paging on neither repeats nor skips a row."""
    rows = rows.order_by(f"-{field}", "-pk")
    if cursor:
        at, pk = decode_cursor(cursor)
        # "at or before, but not the rows already given at that moment" rather than "before, or at and a lower
        # id": the index on `field` is then walked backwards from the cursor (an OR made PostgreSQL collect
        # and sort every older row: 390 ms half-way through 100,000 tickets).
        rows = rows.filter(**{f"{field}__lte": at}).exclude(**{field: at, "pk__gte": pk})
    page = list(rows[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    following = encode_cursor(getattr(page[-1], field), page[-1].pk) if more else None
    return page, following


def next_link(request, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    query = request.GET.copy()
    query["cursor"] = cursor
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
