"""Builders for the party tests: areas (海南省 → 琼海市 → 嘉积镇 → two communities), organisations, members."""

from datetime import date, timedelta

from django.contrib.auth import get_user_model

from civicgrid.core.actors import SYSTEM
from civicgrid.core.idnumbers import check_digit
from civicgrid.party.models import PartyOrg
from civicgrid.party.services.members import member_add
from civicgrid.party.services.orgs import org_create
from civicgrid.registry.models import Role, Staff, Unit
from tests.registry.factories import COMMUNITY, COUNTY, OTHER_COMMUNITY, TOWN, make_hierarchy

__all__ = [
    "COMMUNITY",
    "COUNTY",
    "OTHER_COMMUNITY",
    "TOWN",
    "make_hierarchy",
    "id_number",
    "org",
    "member",
    "staff",
]

_seq = iter(range(1, 10**6))


def id_number(birth: str | None = None, sex: str = "male", seq: int | None = None) -> str:
    """A valid 18-digit number (check digit computed): region 460002, a birth date, a sequence, the sex digit."""
    seq = next(_seq) if seq is None else seq
    birth = birth or (date(1980, 1, 1) + timedelta(days=seq // 100)).strftime("%Y%m%d")
    body = f"460002{birth}{seq % 100:02d}{1 if sex == 'male' else 2}"
    return body + check_digit(body)


def org(code: str, area, kind=PartyOrg.Kind.BRANCH, parent=None, setup=PartyOrg.Setup.COMMUNITY, **fields):
    return org_create(
        actor=SYSTEM,
        code=code,
        name=fields.pop("name", f"{code}党组织"),
        kind=kind,
        area=area,
        setup=setup,
        parent=parent,
        **fields,
    )


def member(
    org=None,
    *,
    category="full",
    joined_on=date(2010, 7, 1),
    full_on=date(2011, 7, 1),
    name="张三丰",
    **fields,
):
    if category == "probationary":
        full_on = None
    return member_add(
        actor=SYSTEM,
        name=name,
        id_number=fields.pop("id_number", None) or id_number(),
        category=category,
        joined_on=joined_on,
        full_on=full_on,
        org=org,
        at=fields.pop("at", date(2026, 1, 1)),
        **fields,
    )


def staff(username: str, roles, units=()):
    user = get_user_model().objects.create_user(username=username, password="x")
    record = Staff.objects.create(user=user, name=username)
    found = list(Role.objects.filter(code__in=roles))
    assert len(found) == len(set(roles)), f"unknown or unseeded roles in {roles}"
    record.roles.set(found)
    record.units.set(units)
    return user


def unit(code: str, area, name=None, kind=Unit.Kind.OTHER):
    return Unit.objects.create(code=code, name=name or code, kind=kind, area=area)
