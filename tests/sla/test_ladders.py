"""Escalation ladders as data: which unit is one level up, skipping levels nobody is on duty at."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from civicgrid.registry.models import AdminArea, Role, Staff, Unit
from civicgrid.sla.ladders import NoLevelAbove, ladder_for, next_level
from civicgrid.sla.models import EscalationLadder, EscalationLevel

from .factories import local

pytestmark = pytest.mark.django_db
AT = local(2026, 5, 11, 9, 0)


@pytest.fixture
def city():
    areas = {}
    areas["city"] = AdminArea.objects.create(code="469099", name="琼台市", level="city")
    areas["town"] = AdminArea.objects.create(
        code="469099100", name="海湾镇", level="town", parent=areas["city"]
    )
    areas["shamei"] = AdminArea.objects.create(
        code="469099100001", name="沙美村", level="village", parent=areas["town"]
    )
    areas["other"] = AdminArea.objects.create(
        code="469099100002", name="龙湾村", level="village", parent=areas["town"]
    )
    K = Unit.Kind
    units = {"gov": Unit.objects.create(code="GOV", name="市政府", kind=K.OTHER)}
    units["town"] = Unit.objects.create(code="T", name="海湾镇政府", kind=K.TOWN, parent=units["gov"])
    units["village"] = Unit.objects.create(
        code="C", name="沙美村委会", kind=K.COMMUNITY, parent=units["town"]
    )
    units["grid"] = Unit.objects.create(
        code="G", name="沙美第1网格工作组", kind=K.GRID_TEAM, parent=units["village"]
    )
    units["group"] = Unit.objects.create(code="P", name="沙美村民小组", kind=K.OTHER, parent=units["village"])
    for key in ("town", "village", "grid", "group"):
        handler(key, units[key])
    return areas, units


def handler(username, unit, role=Role.UNIT_HANDLER):
    user = get_user_model().objects.create_user(username=username, password="a-long-pass-2026")
    staff = Staff.objects.create(user=user, name=username)
    staff.roles.set(Role.objects.filter(code=role))
    staff.units.set([unit])
    return user


def test_the_default_ladder_climbs_grid_community_town(city):
    areas, units = city
    ladder = ladder_for(areas["shamei"], at=AT)
    assert [level.name for level in ladder.levels.order_by("order")] == ["网格", "村/社区", "乡镇/街道", "市"]
    step = next_level(areas["shamei"], units["grid"], at=AT)
    assert (step.level.name, step.unit, step.skipped, step.limit) == ("村/社区", units["village"], (), None)
    assert next_level(areas["shamei"], units["village"], at=AT).unit == units["town"]
    assert next_level(None, units["village"], at=AT).unit == units["town"]  # not located: the default


def test_a_level_without_active_staff_is_skipped(city):
    areas, units = city
    get_user_model().objects.filter(username="village").update(is_active=False)
    step = next_level(areas["shamei"], units["grid"], at=AT)
    assert step.unit == units["town"]
    assert step.skipped == ("村/社区(沙美村委会)",)


def test_a_leader_alone_is_not_staff_and_the_top_is_refused(city):
    areas, units = city
    handler("leader", units["gov"], role=Role.LEADER)
    with pytest.raises(NoLevelAbove, match=re.escape("上级市(市政府)没有在岗的办理人员")):
        next_level(areas["shamei"], units["town"], at=AT)
    handler("gov", units["gov"])
    assert next_level(areas["shamei"], units["town"], at=AT).unit == units["gov"]


def test_units_off_the_ladder_are_refused(city):
    areas, units = city
    dept = Unit.objects.create(code="D", name="住建局", kind=Unit.Kind.DEPARTMENT, parent=units["gov"])
    with pytest.raises(NoLevelAbove, match="不在提级阶梯"):
        next_level(areas["shamei"], dept, at=AT)


def test_a_village_has_its_own_ladder_with_named_units_and_limits(city):
    areas, units = city
    own = EscalationLadder.objects.create(
        version="四级化事法", name="沙美村四级化事", area=areas["shamei"], effective_from=date(2026, 1, 1)
    )
    EscalationLevel.objects.create(ladder=own, order=1, name="村民小组", unit=units["group"])
    EscalationLevel.objects.create(
        ladder=own, order=2, name="村两委", unit=units["village"], limit=Decimal(1), limit_unit="wd"
    )
    EscalationLevel.objects.create(ladder=own, order=3, name="镇", unit_kind=Unit.Kind.TOWN)
    assert ladder_for(areas["shamei"], at=AT) == own
    assert ladder_for(areas["other"], at=AT).area is None  # the neighbour keeps the default
    step = next_level(areas["shamei"], units["group"], at=AT)
    assert (step.unit, step.limit) == (units["village"], (Decimal(1), "wd"))
    assert next_level(areas["shamei"], units["village"], at=AT).unit == units["town"]
    # Not yet in force: the default applies.
    own.effective_from = date(2026, 6, 1)
    own.save()
    assert ladder_for(areas["shamei"], at=AT).area is None


def test_a_level_names_a_unit_or_a_kind_not_both(city):
    from django.core.exceptions import ValidationError

    _, units = city
    level = EscalationLevel(
        ladder=EscalationLadder.objects.get(area=None),
        order=9,
        name="x",
        unit=units["town"],
        unit_kind="town",
    )
    with pytest.raises(ValidationError):
        level.clean()


def shamei_ladder(areas, units):
    """四级化事法: 联系户党员 → 村民小组 → 村委会 → 云化解 (the platform), each with its own limit."""
    K = Unit.Kind
    units["group"].kind = K.VILLAGER_GROUP
    units["group"].save()
    units["member"] = Unit.objects.create(
        code="M", name="联系户党员邓某", kind=K.HOUSEHOLD_CONTACT, parent=units["group"]
    )
    units["cloud"] = Unit.objects.create(code="Y", name="智慧沙美平台", kind=K.OTHER, parent=units["village"])
    handler("member", units["member"])
    handler("cloud", units["cloud"])
    ladder = EscalationLadder.objects.create(
        version="四级化事法", name="沙美村四级化事法", area=areas["shamei"], effective_from=date(2026, 1, 1)
    )
    for order, name, kwargs, limit in [
        (1, "户联系", {"unit_kind": K.HOUSEHOLD_CONTACT}, (Decimal(1), "d")),
        (2, "组协调", {"unit_kind": K.VILLAGER_GROUP}, (Decimal(2), "d")),
        (3, "村处理", {"unit_kind": K.COMMUNITY}, (Decimal(3), "wd")),
        (4, "云化解", {"unit": units["cloud"]}, (Decimal(2), "wd")),
    ]:
        EscalationLevel.objects.create(
            ladder=ladder, order=order, name=name, limit=limit[0], limit_unit=limit[1], **kwargs
        )
    return ladder


def test_a_village_matter_climbs_the_four_levels_then_the_city_ladder(city):
    areas, units = city
    own = shamei_ladder(areas, units)
    shamei = areas["shamei"]
    step = next_level(shamei, units["member"], at=AT)
    assert (step.ladder, step.level.name, step.unit, step.limit) == (
        own,
        "组协调",
        units["group"],
        (Decimal(2), "d"),
    )
    step = next_level(shamei, units["group"], at=AT)
    assert (step.level.name, step.unit, step.limit) == ("村处理", units["village"], (Decimal(3), "wd"))
    step = next_level(shamei, units["village"], at=AT)
    assert (step.level.name, step.unit) == ("云化解", units["cloud"])
    # Past 云化解 the matter goes on up the ladder of the area above: here the default 直通联办 ladder, joined above
    # the 村委会 that the platform belongs to.
    step = next_level(shamei, units["cloud"], at=AT)
    assert step.ladder.area is None
    assert (step.level.name, step.unit, step.skipped) == ("乡镇/街道", units["town"], ())
    handler("gov", units["gov"])
    assert next_level(shamei, units["town"], at=AT).unit == units["gov"]
    # The neighbouring village keeps the default ladder, where a group is not a rung.
    with pytest.raises(NoLevelAbove, match="不在提级阶梯"):
        next_level(areas["other"], units["member"], at=AT)


def test_the_hand_over_goes_to_the_nearest_ladder_above_and_skips_empty_levels(city):
    areas, units = city
    shamei_ladder(areas, units)
    town_ladder = EscalationLadder.objects.create(
        version="镇", name="海湾镇阶梯", area=areas["town"], effective_from=date(2026, 1, 1)
    )
    units["office"] = Unit.objects.create(
        code="O", name="海湾镇综治中心", kind=Unit.Kind.OTHER, parent=units["town"]
    )
    EscalationLevel.objects.create(ladder=town_ladder, order=1, name="综治中心", unit=units["office"])
    EscalationLevel.objects.create(ladder=town_ladder, order=2, name="镇政府", unit_kind=Unit.Kind.TOWN)
    # Nobody on duty at the centre yet: it is skipped, and the town takes the matter.
    step = next_level(areas["shamei"], units["cloud"], at=AT)
    assert (step.ladder, step.unit, step.skipped) == (
        town_ladder,
        units["town"],
        ("综治中心(海湾镇综治中心)",),
    )
    handler("office", units["office"])
    assert next_level(areas["shamei"], units["cloud"], at=AT).unit == units["office"]
    # With the village's 村委会 and platform both unstaffed, the group's matter passes them and is handed over.
    get_user_model().objects.filter(username__in=["village", "cloud"]).update(is_active=False)
    step = next_level(areas["shamei"], units["group"], at=AT)
    assert step.unit == units["office"]
    assert step.skipped == ("村处理(沙美村委会)", "云化解(智慧沙美平台)")


def test_the_top_of_the_city_ladder_is_still_the_top(city):
    areas, units = city
    shamei_ladder(areas, units)
    handler("gov", units["gov"])
    with pytest.raises(NoLevelAbove):
        next_level(areas["shamei"], units["gov"], at=AT)
    # A unit on neither ladder is refused, naming the village's own.
    dept = Unit.objects.create(code="D", name="住建局", kind=Unit.Kind.DEPARTMENT, parent=units["gov"])
    with pytest.raises(NoLevelAbove, match="不在提级阶梯「沙美村四级化事法」"):
        next_level(areas["shamei"], dept, at=AT)
