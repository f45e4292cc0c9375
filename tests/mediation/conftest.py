"""Mediation fixtures on the tickets' small jurisdiction (琼海市 → 嘉积镇 → 银海社区): a second community (金海社区),
a committee in each with a roll, a mediator of each who signs in, community workers of each."""

from datetime import date

import pytest

from civicgrid.core.actors import SYSTEM
from civicgrid.core.idnumbers import FEMALE, MALE
from civicgrid.mediation import services
from civicgrid.mediation.models import Case, Mediator
from civicgrid.registry.models import AdminArea, Role, Unit
from tests.party.factories import id_number
from tests.tickets.conftest import _staff, local, world  # noqa: F401  (the fixture)

__all__ = ["local", "make_case"]


@pytest.fixture
def med(world):  # noqa: F811
    town = AdminArea.objects.get(code="469002100")
    yinhai = AdminArea.objects.get(code="469002100001")
    jinhai = AdminArea.objects.create(code="469002100002", name="金海社区", level="village", parent=town)
    jh_unit = Unit.objects.create(code="C2", name="金海社区居委会", kind=Unit.Kind.COMMUNITY, area=jinhai)
    jh_worker, _ = _staff("jh_worker", [Role.GRID_WORKER], [jh_unit])
    med_a_user, _ = _staff("med_a", [Role.GRID_WORKER], [world.units["community"]])
    med_b_user, _ = _staff("med_b", [Role.GRID_WORKER], [jh_unit])
    a = services.committee_create(
        actor=SYSTEM, area=yinhai, name="银海社区人民调解委员会", established_on=date(2020, 3, 1)
    )
    b = services.committee_create(
        actor=SYSTEM, area=jinhai, name="金海社区人民调解委员会", established_on=date(2021, 5, 1)
    )
    roll = {}
    for committee, key, user in ((a, "a", med_a_user), (b, "b", med_b_user)):
        roll[key] = [
            services.mediator_add(
                actor=SYSTEM,
                committee=committee,
                name=f"{key}主任",
                gender=MALE,
                post=Mediator.Post.CHAIR,
                kind=Mediator.Kind.FULL_TIME,
                joined_on=date(2021, 6, 1),
                phone="13900001111",
                user=user,
            ),
            services.mediator_add(
                actor=SYSTEM,
                committee=committee,
                name=f"{key}委员甲",
                gender=FEMALE,
                post=Mediator.Post.MEMBER,
                joined_on=date(2021, 6, 1),
            ),
            services.mediator_add(
                actor=SYSTEM,
                committee=committee,
                name=f"{key}委员乙",
                gender=MALE,
                post=Mediator.Post.MEMBER,
                joined_on=date(2021, 6, 1),
                is_minority=True,
            ),
            services.mediator_add(
                actor=SYSTEM,
                committee=committee,
                name=f"{key}五老",
                gender=MALE,
                kind=Mediator.Kind.ELDER,
                joined_on=date(2022, 1, 1),
            ),
        ]
    return dict(
        world=world,
        a=a,
        b=b,
        roll=roll,
        yinhai=yinhai,
        jinhai=jinhai,
        town=town,
        med_a=med_a_user,
        med_b=med_b_user,
        jh_worker=jh_worker,
        yh_worker=world.user("community"),
    )


def make_case(med, committee_key="a", actor=SYSTEM, at=None, **fields) -> Case:
    values = dict(
        source=Case.Source.SCREENING,
        dispute_type=Case.DisputeType.NEIGHBOUR,
        title="楼上漏水纠纷",
        facts="楼上住户卫生间漏水到楼下，双方就维修费用发生争执。",
        matters="维修费用由谁承担",
        parties=[
            {"name": "张大山", "phone": "13812345678", "id_number": id_number(), "address": "银海社区3栋201"},
            {"name": "李小河", "phone": "13987654321", "address": "银海社区3栋301"},
        ],
    )
    values.update(fields)
    return services.case_register(
        actor=actor, committee=med[committee_key], at=at or local(2026, 3, 2, 10), **values
    )
