"""Issue 14's hotspot screens on a 390 px phone at 100 % and 150 % text: the list with its daily bars, a hotspot
explained, the alerts and the confirmation of an action."""

from datetime import date

import pytest

from civicgrid.hotspots.models import Alert
from civicgrid.tickets.models import Ticket
from tests.browser.layout import assert_fits_phone, set_text_size
from tests.hotspots.factories import make_world, moment, ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
LONG = "嘉积镇银海社区新民椰城花园小区七号楼二单元楼下烧烤摊油烟扰民长期得不到解决"
PERIOD = "from=2026-03-01&to=2026-03-31"


@pytest.fixture
def hot():
    world = make_world()
    for k in range(12):
        ticket(world, moment(2026, 3, 1 + k % 20, 9 + k % 8), title=LONG[:100], content=LONG * 3)
    for k in range(4):
        ticket(world, moment(2026, 3, 5 + k), title="滨海大道自来水停水", address="滨海大道12号")
    alert = Alert.objects.create(
        key="k", label="椰城花园：烧烤摊、油烟、扰民", day=date(2026, 3, 12), raised_at=moment(2026, 3, 12, 20),
        size=12, observed=4, expected=0.6, p_value=0.003, explanation=LONG,
    )  # fmt: skip
    alert.tickets.set(Ticket.objects.all()[:12])
    leader = world["leader"]
    leader.set_password("x-long-password-1")
    leader.save()
    return world


def fits(phone, path, shot):
    page = phone.open(path)
    assert_fits_phone(page)
    set_text_size(page, 150)
    assert_fits_phone(page)
    phone.shot(shot)
    return page


def test_the_hotspot_pages_fit_a_phone(phone, hot):
    phone.login("hs_leader")
    page = fits(phone, f"/console/hotspots/?{PERIOD}", "phone-hotspots")
    detail = page.locator("a[href*='/console/hotspots/detail/']").first.get_attribute("href")
    fits(phone, detail, "phone-hotspot-detail")
    fits(
        phone,
        detail.replace("/console/hotspots/detail/", "/console/hotspots/act/ledger/"),
        "phone-hotspot-confirm",
    )
    fits(phone, f"/console/hotspots/alerts/?{PERIOD}", "phone-hotspot-alerts")
