"""The dispatcher's decisions on units' requests: extensions 「延期」 and returns 「退单」, as on the console's
dispatch page."""

from django.http import Http404
from ninja import Router

from civicgrid.api.schemas_tickets import DecisionIn, PendingRequestOut, ReturnDecisionIn, TicketOut
from civicgrid.api.ticket_access import DISPATCH, WRITE, allow, expecting, unit_or_422, visible_ticket
from civicgrid.api.tickets import _named, ticket_detail
from civicgrid.tickets import services
from civicgrid.tickets.models import ExtensionRequest, ReturnRequest
from civicgrid.tickets.selectors import pending_extensions_for, pending_returns_for

router = Router(tags=["延期与退单审核"])


def _row(r, kind: str) -> dict:
    return {
        "id": r.pk,
        "kind": kind,
        "assignment": r.assignment_id,
        "unit": _named(r.assignment.unit),
        "requested_at": r.requested_at,
        "reason": r.reason,
        "legal_basis": r.legal_basis,
        "days": getattr(r, "days", None),
        "suggested_unit": _named(getattr(r, "suggested_unit", None)),
    }


@router.get("/extension-requests", response=list[PendingRequestOut], summary="待审核的延期申请")
def extension_requests(request):
    user = allow(request, *DISPATCH)
    return [_row(r, "extension") for r in pending_extensions_for(user).order_by("requested_at")[:500]]


@router.get("/return-requests", response=list[PendingRequestOut], summary="待审核的退单申请")
def return_requests(request):
    user = allow(request, *DISPATCH)
    return [_row(r, "return") for r in pending_returns_for(user).order_by("requested_at")[:500]]


def _request_in_scope(model, user, pk: int):
    found = model.objects.select_related("assignment__unit").filter(pk=pk).first()
    if found is None:
        raise Http404
    visible_ticket(user, found.assignment.ticket_id)  # a request on a ticket out of scope: 404 too
    return found


@router.post("/extension-requests/{int:request_id}/decision", response=TicketOut, summary="审核延期申请")
def extension_decide(request, request_id: int, payload: DecisionIn):
    user = allow(request, *DISPATCH, scope=WRITE)
    extension = _request_in_scope(ExtensionRequest, user, request_id)
    ticket_id = extension.assignment.ticket_id
    with expecting(ticket_id, payload.version):
        services.extension_decide(request=extension, actor=user, approve=payload.approve, note=payload.note)
    return ticket_detail(user, visible_ticket(user, ticket_id))


@router.post("/return-requests/{int:request_id}/decision", response=TicketOut, summary="审核退单申请")
def return_decide(request, request_id: int, payload: ReturnDecisionIn):
    """同意退单时可指定改派单位；不指定则工单回到待派单。"""
    user = allow(request, *DISPATCH, scope=WRITE)
    returned = _request_in_scope(ReturnRequest, user, request_id)
    ticket_id = returned.assignment.ticket_id
    target = unit_or_422(payload.redispatch_to, "redispatch_to") if payload.approve else None
    with expecting(ticket_id, payload.version):
        services.return_decide(
            request=returned, actor=user, approve=payload.approve, note=payload.note, redispatch_to=target
        )
    return ticket_detail(user, visible_ticket(user, ticket_id))
