import time_machine

from civicgrid.demo.reviews import build
from civicgrid.reviews.models import PaperTally, ReviewCampaign
from tests.reviews.conftest import moment


def test_demo_campaign_built_once(world):
    with time_machine.travel(moment(2026, 12, 6), tick=False):
        first = build(city=world["county"], log=lambda _: None)
        second = build(city=world["county"], log=lambda _: None)
    assert (first.created, first.reporters, second.created) == (True, 1, False)
    campaign = ReviewCampaign.objects.get(code="SZPY-2026")
    assert campaign.state == ReviewCampaign.State.OPEN
    assert [r.name for r in campaign.reporters.all()] == ["王建国"]
    assert PaperTally.objects.filter(reporter__campaign=campaign).exists()
