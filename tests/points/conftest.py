from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from civicgrid.points import services
from civicgrid.points.models import PointsScheme
from civicgrid.registry.models import AdminArea

SH = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=10, mi=0):
    return datetime(y, m, d, h, mi, tzinfo=SH)


T0 = at(2026, 3, 2)


def make_area(code="469099100001", name="椰林社区"):
    city, _ = AdminArea.objects.get_or_create(code="469099", defaults={"name": "演示市", "level": "city"})
    town, _ = AdminArea.objects.get_or_create(
        code="469099100", defaults={"name": "演示镇", "level": "town", "parent": city}
    )
    area, _ = AdminArea.objects.get_or_create(
        code=code, defaults={"name": name, "level": "village", "parent": town}
    )
    return area


def template():
    return PointsScheme.objects.get(area__isnull=True, version="三亚参考模板")


class World:
    def __init__(self, **overrides):
        self.area = make_area()
        self.scheme = services.adopt_scheme(
            area=self.area,
            template=template(),
            decision_date=date(2026, 1, 5),
            decision_body="居民代表会议",
            decision_document="椰林社区居民代表会议决议（2026）1号",
            effective_from=date(2026, 1, 1),
        )
        for name, value in overrides.items():
            setattr(self.scheme, name, value)
        self.scheme.save()
        self.rules = {r.code: r for r in self.scheme.rules.all()}
        self.account = self.open("王小明", "13800000001")

    def open(self, name, phone, now=T0):
        return services.open_account(area=self.area, holder_name=name, phone=phone, now=now)

    def earned(self, account, points_rule="P04", quantity=1, now=T0, source_id=None):
        """Claimed, reviewed, publicised and posted after the window."""
        entry = services.claim(
            account=account, rule=self.rules[points_rule], quantity=quantity, now=now, source_id=source_id
        )
        services.review(entry=entry, now=now)
        entry = services.publicise(entry=entry, now=now)
        return services.post(entry=entry, now=entry.publicity_until)


@pytest.fixture
def world(db):
    return World()
