"""Issue 13's mediation screens on a 390 px phone at 100 % and 150 % text: a mediator's case list, a case with its
agreement and actions, the committees and a committee's roll, mediators, the new-case form and the figures; on the
portal a resident (a phone the portal has never seen) signs in and applies."""

from datetime import date

import pytest

from civicgrid.core.actors import SYSTEM
from civicgrid.mediation import services
from tests.browser.layout import assert_fits_phone, set_text_size
from tests.mediation.conftest import make_case, med  # noqa: F401  (fixtures)
from tests.portal.test_mine import codes_sent
from tests.tickets.conftest import world  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
LONG = "银海社区椰城花园小区七号楼二单元楼上卫生间防水层老化长期漏水引发的邻里纠纷"
RESIDENT = "13700001234"


def fits(phone, path, shot):
    page = phone.open(path)
    assert_fits_phone(page)
    set_text_size(page, 150)
    assert_fits_phone(page)
    phone.shot(shot)
    return page


@pytest.fixture
def cases(med):  # noqa: F811
    case = make_case(med, title=LONG[:100])
    services.case_accept(actor=SYSTEM, case=case, on=date(2026, 3, 3))
    services.assign_mediators(actor=SYSTEM, case=case, mediators=med["roll"]["a"][:2])
    services.case_start(actor=SYSTEM, case=case)
    services.session_record(
        actor=SYSTEM,
        case=case,
        held_on=date(2026, 3, 10),
        place="银海社区调解室",
        attendees="双方当事人、调解员",
        notes=LONG * 3,
    )
    services.case_agree(
        actor=SYSTEM,
        case=case,
        content=LONG,
        performance_manner="现金一次性支付",
        signed_on=date(2026, 3, 20),
        performance_deadline=date(2026, 4, 10),
        responsibilities=LONG,
    )
    make_case(med)
    return case


def test_the_mediators_pages_fit_a_phone(phone, med, cases):  # noqa: F811
    phone.login("med_a")
    for path, shot in (
        ("/console/mediation/cases/", "cases"),
        (f"/console/mediation/cases/{cases.pk}/", "case"),
        ("/console/mediation/cases/new/", "case-new"),
        ("/console/mediation/committees/", "committees"),
        (f"/console/mediation/committees/{med['a'].pk}/", "committee"),
        ("/console/mediation/mediators/", "mediators"),
        ("/console/mediation/stats/?year=2026", "stats"),
    ):
        page = fits(phone, path, f"phone-med-{shot}")
        assert "13812345678" not in page.content(), path


def test_the_portal_application_fits_a_phone(phone, med):  # noqa: F811
    page = phone.open("/mediation/")
    page.fill("#id_phone", RESIDENT)
    page.click("button[type=submit]")
    page.wait_for_selector("#id_code")
    page.fill("#id_code", codes_sent(RESIDENT)[-1])
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page = fits(phone, "/mediation/", "phone-portal-mediation")
    page.select_option("#m-comm", str(med["a"].pk))
    page.fill("#m-title", "赡养纠纷")
    page.fill("#m-facts", LONG)
    page.fill("#m-name", "王阿婆")
    page.click("form button.btn-primary")
    page.wait_for_load_state()
    assert "调解申请已提交" in page.content()
    fits(phone, "/mediation/", "phone-portal-mediation-applied")
