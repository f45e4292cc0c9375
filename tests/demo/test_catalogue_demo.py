"""The demo catalogues (two villages, all three lists, versions) and the one village ladder (speed is bench_demo's)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from civicgrid.catalogue import selectors
from civicgrid.catalogue.models import Catalogue, ListKind
from civicgrid.demo.catalogue import build
from civicgrid.demo.city import build_city
from civicgrid.registry.models import Unit
from civicgrid.sla.ladders import next_level
from civicgrid.sla.models import EscalationLadder

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
pytestmark = pytest.mark.django_db


def test_two_catalogues_and_a_ladder(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    with time_machine.travel(NOW, tick=False):
        city = build_city(seed=3, grids=24, log=lambda msg: None).city
        result = build(city=city, log=lambda msg: None)
        assert result.created and len(result.accounts) == 3
        areas = sorted({c.area for c in Catalogue.objects.all()}, key=lambda a: a.code)
        assert len(areas) == 2
        for area in areas:
            current = selectors.in_force(area)
            assert {kind for kind, _, items in selectors.lists_of(current) if items} == set(ListKind.values)
        assert Catalogue.objects.filter(published=False).count() == 1
        assert selectors.search_items("低保") and selectors.search_items("宅基地", area=areas[0])
        ladder = EscalationLadder.objects.get(area__isnull=False)
        assert [lv.name for lv in ladder.levels.order_by("order")] == ["户联系", "组协调", "村处理", "云化解"]
        member = Unit.objects.get(kind=Unit.Kind.HOUSEHOLD_CONTACT)
        step = next_level(ladder.area, member)
        assert step.unit.kind == Unit.Kind.VILLAGER_GROUP
        cloud = ladder.levels.get(order=4).unit
        assert next_level(ladder.area, cloud).ladder.area_id != ladder.area_id  # on to the city's ladder
        assert build(city=city, log=lambda msg: None).created is False
