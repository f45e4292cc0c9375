"""Small factories: tickets written directly (the clustering reads only stored fields) and the people who look."""

from datetime import datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

from civicgrid.registry.models import Role, Unit
from civicgrid.tickets.models import Assignment, Ticket
from tests.party.factories import staff, unit
from tests.registry.factories import (
    COMMUNITY,
    COUNTY,
    TOWN,
    make_hierarchy,  # noqa: I001
)

SH = ZoneInfo("Asia/Shanghai")
_numbers = count(1)


def moment(y, m, d, h=10, minute=0) -> datetime:
    return datetime(y, m, d, h, minute, tzinfo=SH)


def make_world() -> dict:
    areas = make_hierarchy()
    city = areas[COUNTY]
    centre = unit("U-12345", city, name="琼海市12345热线中心", kind=Unit.Kind.HOTLINE_CENTRE)
    housing = unit("U-ZJJ", city, name="琼海市住房和城乡建设局", kind=Unit.Kind.DEPARTMENT)
    water = unit("U-SWJ", city, name="琼海市水务局", kind=Unit.Kind.DEPARTMENT)
    return dict(
        areas=areas,
        city=city,
        town=areas[TOWN],
        centre=centre,
        housing=housing,
        water=water,
        supervisor=staff("hs_sup", [Role.SUPERVISOR], units=[centre]),
        leader=staff("hs_leader", [Role.LEADER], units=[centre]),
        dispatcher=staff("hs_disp", [Role.DISPATCHER], units=[centre]),
        operator=staff("hs_op", [Role.OPERATOR], units=[centre]),
        zjj=staff("hs_zjj", [Role.UNIT_HANDLER], units=[housing]),
        swj=staff("hs_swj", [Role.UNIT_HANDLER], units=[water]),
    )


def ticket(world, at, *, title, content="", phone="", name="李四", unit=None, address="", urgency="normal"):
    t = Ticket.objects.create(
        number=f"HS{next(_numbers):08d}",
        channel="phone",
        received_at=at,
        title=title,
        content=content or title,
        address=address,
        requester_phone=phone or f"138{next(_numbers):08d}",
        requester_name=name,
        request_type="TS",
        urgency=urgency,
        town=world["town"],
        community=world["areas"][COMMUNITY],
    )
    if unit is not None:
        Assignment.objects.create(
            ticket=t,
            round=1,
            unit=unit,
            role="lead",
            state="in_progress",
            dispatched_at=at,
            sign_due_at=at + timedelta(hours=2),
            first_contact_due_at=at + timedelta(hours=24),
            due_at=at + timedelta(days=5),
            original_due_at=at + timedelta(days=5),
            yellow_at=at + timedelta(days=4),
            red_at=at + timedelta(days=5),
        )
    return t
