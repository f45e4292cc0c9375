"""Issue 13's ledger screens on a 390 px phone at 100 % and 150 % text: the 组织部's campaigns, a campaign's items,
an item, the approvals queue and the ranking; a unit's 我的台账 and its item page with the progress form; the
portal's 张榜公示 board and a campaign's board."""

from datetime import date

import pytest
import time_machine

from civicgrid.ledgers import services
from tests.browser.layout import assert_fits_phone, set_text_size
from tests.ledgers.conftest import item_in, moment, world  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
LONG = "嘉积镇银海社区新民椰城花园小区七号楼二单元雨污管道混接导致雨季污水外溢长期得不到解决"


def _password(user):
    user.set_password("x-long-password-1")
    user.save()
    return user


@pytest.fixture
def ledger(world):  # noqa: F811
    with time_machine.travel(moment(2026, 3, 2), tick=False):
        items = [item_in(world, state) for state in ("proposed", "listed", "in_progress", "closed")]
        for item in items:
            item.problem, item.is_public = LONG, item.state != "proposed"
            item.responsible_leader = "欧阳建国（市委常委、副市长）"
            item.save()
        services.item_update(actor=world["organiser"], item=items[2], deadline=date(2026, 3, 1))  # overdue
        report = services.progress_submit(
            actor=world["zjj"], item=items[2], percent="66.5", narrative=LONG, at=moment(2026, 3, 2)
        )
    _password(world["organiser"])
    _password(world["zjj"])
    return dict(items=items, report=report)


def fits(phone, path, shot):
    page = phone.open(path)
    assert_fits_phone(page)
    set_text_size(page, 150)
    assert_fits_phone(page)
    phone.shot(shot)
    return page


def test_the_organisers_ledger_pages_fit_a_phone(phone, ledger, world):  # noqa: F811
    phone.login("zzb")
    campaign = world["campaign"]
    for path, shot in (
        ("/console/ledgers/", "campaigns"),
        (f"/console/ledgers/{campaign.pk}/", "campaign"),
        (f"/console/ledgers/items/{ledger['items'][2].pk}/", "item-organiser"),
        ("/console/ledgers/approvals/", "approvals"),
        (f"/console/ledgers/ranking/?campaign={campaign.pk}", "ranking"),
    ):
        fits(phone, path, f"phone-ledgers-{shot}")


def test_the_units_ledger_pages_fit_a_phone(phone, ledger):
    phone.login("zjj")
    fits(phone, "/console/ledgers/mine/", "phone-ledgers-mine")
    fits(phone, f"/console/ledgers/items/{ledger['items'][1].pk}/", "phone-ledgers-item-take")


def test_the_public_board_fits_a_phone(phone, ledger):
    fits(phone, "/ledgers/", "phone-portal-ledgers")
    page = fits(phone, "/ledgers/JBGS-2026/", "phone-portal-ledger-campaign")
    assert "66.5" not in page.content()  # waiting for approval: not public progress
