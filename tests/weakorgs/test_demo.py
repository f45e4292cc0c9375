"""The demo's 软弱涣散 board: candidates from a scan of the demo city, one plan under rectification, one accepted,
one candidate dismissed; a second run changes nothing."""

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

from civicgrid.demo.city import build_city
from civicgrid.demo.party import build_party
from civicgrid.demo.weakorgs import build
from civicgrid.weakorgs.models import Candidate, RectificationPlan

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_the_demo_board(db, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    with time_machine.travel(NOW, tick=False):
        city = build_city(seed=3, grids=24, log=lambda msg: None).city
        build_party(city=city, seed=3, log=lambda msg: None)
        result = build(city=city, seed=3, log=lambda msg: None)
        assert result.created and result.candidates >= 3 and result.plans == 2
        states = set(RectificationPlan.objects.values_list("state", flat=True))
        assert states == {RectificationPlan.State.RECTIFYING, RectificationPlan.State.ACCEPTED}
        assert Candidate.objects.filter(state=Candidate.State.DISMISSED).count() == 1
        assert Candidate.objects.filter(state=Candidate.State.OPEN).exists()
        assert not build(city=city, seed=3, log=lambda msg: None).created
        assert RectificationPlan.objects.count() == 2
