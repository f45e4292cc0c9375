"""The 工作简报 page on a 390 px phone at 100 % and 150 % text: the form and the register; a leader generates an
issue from the phone and finds it in the register."""

from datetime import date

import pytest

from civicgrid.briefings import services
from tests.briefings.conftest import local, make_world
from tests.browser.layout import assert_fits_phone, set_text_size

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    world = make_world()
    world.leader.set_password("x-long-password-1")
    world.leader.save()
    for month in (9, 10):
        services.briefing_generate(
            actor=world.leader,
            date_from=date(2026, month, 1),
            date_to=date(2026, month, 28),
            area=world.town,
            now=local(2026, month + 1, 2, 9),
        )
    return world


def test_the_briefing_page_fits_a_phone_and_generates(phone, world):
    phone.login("leader")
    page = phone.open("/console/briefings/")
    assert_fits_phone(page)
    set_text_size(page, 150)
    assert_fits_phone(page)
    phone.shot("phone-briefings")
    set_text_size(page, 100)
    page.fill("#g-from", "2026-11-01")
    page.fill("#g-to", "2026-11-30")
    page.click("button[name=generate]")
    page.wait_for_url("**/console/briefings/")
    assert "已生成全市" in page.content()
    assert_fits_phone(page)
