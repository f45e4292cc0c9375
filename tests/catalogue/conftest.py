from datetime import datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

from civicgrid.registry.models import AdminArea, Role, Staff, Unit


def moment(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.get_default_timezone())


@pytest.fixture
def frozen():
    with time_machine.travel(moment(2026, 5, 11, 9), tick=False) as traveller:
        yield traveller


def make_user(username, unit=None, role=Role.UNIT_HANDLER):
    user = get_user_model().objects.create_user(username=username, password="a-long-pass-2026")
    staff = Staff.objects.create(user=user, name=username)
    staff.roles.set(Role.objects.filter(code=role))
    if unit is not None:
        staff.units.set([unit])
    return user


@pytest.fixture
def place(db):
    a = {}
    a["city"] = AdminArea.objects.create(code="469099", name="琼台市", level="city")
    a["town"] = AdminArea.objects.create(code="469099100", name="海湾镇", level="town", parent=a["city"])
    a["other_town"] = AdminArea.objects.create(
        code="469099200", name="山边镇", level="town", parent=a["city"]
    )
    a["shamei"] = AdminArea.objects.create(
        code="469099100001", name="沙美村", level="village", parent=a["town"]
    )
    a["longwan"] = AdminArea.objects.create(
        code="469099100002", name="龙湾村", level="village", parent=a["town"]
    )
    a["hill"] = AdminArea.objects.create(
        code="469099200001", name="山口村", level="village", parent=a["other_town"]
    )
    u = {}
    u["town"] = Unit.objects.create(code="T", name="海湾镇政府", kind=Unit.Kind.TOWN, area=a["town"])
    u["shamei"] = Unit.objects.create(
        code="C1", name="沙美村委会", kind=Unit.Kind.COMMUNITY, parent=u["town"], area=a["shamei"]
    )
    u["longwan"] = Unit.objects.create(
        code="C2", name="龙湾村委会", kind=Unit.Kind.COMMUNITY, parent=u["town"], area=a["longwan"]
    )
    users = {
        "shamei": make_user("shamei", u["shamei"]),
        "longwan": make_user("longwan", u["longwan"]),
        "town": make_user("townstaff", u["town"]),
        "operator": make_user("operator", None, Role.OPERATOR),
        "admin": make_user("cgadmin", None, Role.ADMINISTRATOR),
    }
    return a, u, users
