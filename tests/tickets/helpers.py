from civicgrid.routing.vocabulary import RequestType
from civicgrid.tickets import services
from civicgrid.tickets.models import Assignment, Event, Ticket

INSIDE_GRID1 = (19.205, 110.405)


def register(world, at, *, category="neighbour", request_type=RequestType.COMPLAINT, **extra) -> Ticket:
    fields = dict(
        actor=world.user("operator"),
        channel="phone",
        request_type=request_type,
        title="楼上漏水",
        content="楼上住户卫生间漏水到我家,多次沟通无果。",
        requester_name="张三",
        requester_phone="13812345678",
        lat=INSIDE_GRID1[0],
        lon=INSIDE_GRID1[1],
        at=at,
    )
    fields.update(extra)
    ticket = services.ticket_register(**fields)
    if category:
        services.ticket_accept(
            ticket=ticket, actor=world.user("operator"), category=world.categories[category], at=at
        )
    return Ticket.objects.get(pk=ticket.pk)


def lead_of(ticket) -> Assignment:
    ticket.refresh_from_db()
    return ticket.assignments.get(round=ticket.dispatch_round, role="lead", state__in=Assignment.OPEN_STATES)


def cos_of(ticket) -> list[Assignment]:
    ticket.refresh_from_db()
    return list(ticket.assignments.filter(round=ticket.dispatch_round, role="co").order_by("unit__code"))


def status_matches_events(ticket) -> bool:
    ticket.refresh_from_db()
    last = Event.objects.filter(ticket=ticket).order_by("-id").first()
    return last is not None and last.to_status == ticket.status


def handle_to_reply(world, ticket, at, handler, text="已处理完毕"):
    lead = lead_of(ticket)
    services.assignment_sign(assignment=lead, actor=world.user(handler), at=at)
    services.assignment_first_contact(assignment=lead, actor=world.user(handler), method="phone", at=at)
    return services.lead_reply(
        assignment=lead, actor=world.user(handler), result_code="solved", text=text, at=at
    )
