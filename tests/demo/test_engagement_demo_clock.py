"""The demo's engagement year built with the clock at 5 January (the year squeezed into four days) and at
28 December: still every figure above zero, a clean ledger, nothing dated outside the year so far."""

from datetime import datetime

import pytest
import time_machine

from civicgrid.engagement.stats import KEYS, engagement_stats
from civicgrid.points.verify import verify

from .test_engagement_demo import SHANGHAI, assert_within_year, build

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "now", [datetime(2027, 1, 5, 10, 0, tzinfo=SHANGHAI), datetime(2026, 12, 28, 16, 0, tzinfo=SHANGHAI)]
)
def test_early_january_and_late_december(now, settings, tmp_path_factory):
    city, result = build(tmp_path_factory, now, f"engagement-{now:%m%d}")
    assert result.created
    assert_within_year(now)
    report = verify()
    assert report.ok, report.problems
    with time_machine.travel(now, tick=False):
        figures = engagement_stats(city, now.year)
    assert [key for key in KEYS if not figures[key]] == []
