"""Builders for the volunteering tests: a community worker, a project that recruits, activities, volunteers."""

from datetime import datetime
from zoneinfo import ZoneInfo

from civicgrid.core.actors import SYSTEM
from civicgrid.registry.models import Role
from civicgrid.volunteering.models import IdType, Project
from civicgrid.volunteering.services import projects, volunteers
from tests.party.factories import id_number, staff, unit

TZ = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    """「2026-06-06 09:00」 in Hainan time."""
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


_phones = iter(range(10**6))


def volunteer(area, *, name="王小明", birth="19900101", today=None, **fields):
    return volunteers.register_volunteer(
        actor=fields.pop("actor", SYSTEM),
        name=name,
        phone=fields.pop("phone", None) or f"1390000{next(_phones):04d}",
        id_type=fields.pop("id_type", IdType.RESIDENT),
        id_number=fields.pop("id_number", None) or id_number(birth),
        area=area,
        today=today or at("2026-06-01 09:00").date(),
        **fields,
    )


def project(area, *, state=Project.State.RECRUITING, actor=SYSTEM, **fields):
    p = projects.create_project(actor=actor, name=fields.pop("name", "关爱老人"), area=area, **fields)
    order = [Project.State.PUBLISHED, Project.State.RECRUITING, Project.State.RUNNING, Project.State.CLOSED]
    for step in order[: order.index(state) + 1] if state != Project.State.DRAFT else []:
        p = projects.move_project(actor=SYSTEM, project=p, to=step)
    return p


def activity(project, organiser, start="2026-06-06 09:00", end="2026-06-06 12:00", capacity=10, title="敬老院探访"):
    return projects.create_activity(
        actor=SYSTEM,
        project=project,
        title=title,
        place="银海社区敬老院",
        starts_at=at(start),
        ends_at=at(end),
        capacity=capacity,
        organiser=organiser,
        content="陪伴老人、打扫卫生",
    )


def worker(username, area, code=None):
    """A community worker acting for a unit in `area`."""
    return staff(username, [Role.GRID_WORKER], [unit(code or f"U{username}", area, name=f"{area.name}居委会")])
