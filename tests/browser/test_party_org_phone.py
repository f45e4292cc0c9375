"""The 组织部's member register and 换届 board on a 390 px phone, at 100 % and 150 % text."""

from datetime import date

import pytest

from civicgrid.core.actors import SYSTEM
from civicgrid.party.models import PartyOrg
from civicgrid.party.services.terms import term_start
from civicgrid.registry.models import Role
from tests.browser.layout import assert_fits_phone, set_text_size
from tests.party.factories import COMMUNITY, COUNTY, TOWN, make_hierarchy, member, org, unit
from tests.tickets.conftest import _staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_member_register_and_term_board_fit_a_phone(phone):
    areas = make_hierarchy()
    town = org("T", areas[TOWN], kind=PartyOrg.Kind.COMMITTEE, setup=PartyOrg.Setup.ORGAN, name="嘉积镇党委")
    branch = org("A", areas[COMMUNITY], parent=town, name="嘉积镇银海社区第一网格党支部（新民椰城花园小区）")
    for i in range(8):
        member(branch, name=f"欧阳测试{i}", flowing=i % 2 == 0, flow_direction="out" if i % 2 == 0 else "")
    term_start(actor=SYSTEM, org=branch, elected_on=date(2020, 1, 10), term_years=5)
    _staff("zuzhibu", [Role.ORGANISATION_STAFF], [unit("U-K", areas[COUNTY])])
    phone.login("zuzhibu")
    for path in ("/console/party/members/?flowing=1", "/console/party/terms/", "/console/party/orgs/"):
        page = phone.open(path)
        assert_fits_phone(page)
        set_text_size(page, 150)
        assert_fits_phone(page)
    phone.shot("party-members-phone")
