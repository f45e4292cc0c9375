"""The 组织部 pages: scope (by the staff member's areas), filters, masked and scoped exports, the audited reveal,
and approvals through the party services (refusals shown as messages)."""

import io
from datetime import date

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from civicgrid.core.actors import SYSTEM
from civicgrid.core.models import AuditEvent
from civicgrid.party.models import PartyMember, PartyOrg, RelationTransfer
from civicgrid.party.services.grids import party_grid_save
from civicgrid.party.services.terms import term_extend, term_start
from civicgrid.party.services.transfers import transfer_send
from civicgrid.registry.models import Role
from tests.party.factories import (
    COMMUNITY,
    COUNTY,
    OTHER_COMMUNITY,
    TOWN,
    make_hierarchy,
    member,
    org,
    staff,
    unit,
)
from tests.registry.factories import cell, make_grid

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 1)


@pytest.fixture
def reg(db):
    areas = make_hierarchy()
    town = org("T", areas[TOWN], kind=PartyOrg.Kind.COMMITTEE, setup=PartyOrg.Setup.ORGAN, name="嘉积镇党委")
    a = org("A", areas[COMMUNITY], parent=town, name="银海社区党支部", founded_on=date(2020, 1, 1))
    b = org("B", areas[OTHER_COMMUNITY], parent=town, name="金海社区党支部", founded_on=date(2020, 1, 1))
    temp = org(
        "X",
        areas[COMMUNITY],
        parent=town,
        name="防风临时党支部",
        is_temporary=True,
        temp_task="防风抢险",
        end_date=date(2026, 1, 31),
        founded_on=date(2025, 10, 1),
    )
    flowing = member(a, name="李流动", flowing=True, flow_direction="out", phone="13912345678")
    plain = member(a, name="王在职", in_service=True)
    probationary = member(a, name="陈预备", category="probationary", joined_on=date(2025, 2, 1))
    early = member(a, name="周预备", category="probationary", joined_on=date(2025, 3, 20))
    other = member(b, name="赵金海")
    loose = member(None, name="孙无组织")
    grids = [
        make_grid(f"{COMMUNITY}001", areas[COMMUNITY], cell(0, 0), name="银海一网格"),
        make_grid(f"{COMMUNITY}002", areas[COMMUNITY], cell(1, 0), name="银海二网格"),
        make_grid(f"{OTHER_COMMUNITY}003", areas[OTHER_COMMUNITY], cell(0, 1), name="金海三网格"),
    ]
    a.grids.add(grids[0])
    party_grid_save(
        actor=SYSTEM, area=areas[OTHER_COMMUNITY], name="金海党建网格", grids=[grids[2]], orgs=[b]
    )
    overdue = term_start(actor=SYSTEM, org=a, elected_on=date(2020, 1, 10), term_years=5)
    soon = term_start(actor=SYSTEM, org=b, elected_on=date(2021, 6, 1), term_years=5)
    transfer = transfer_send(
        actor=SYSTEM,
        member=plain,
        direction="out",
        sent_on=date(2026, 2, 1),
        to_org=b,
        letter_no="琼组转2026-1",
    )
    users = {
        "org_c": staff("org_c", [Role.ORGANISATION_STAFF], [unit("U-C", areas[COMMUNITY])]),
        "org_k": staff("org_k", [Role.ORGANISATION_STAFF], [unit("U-K", areas[COUNTY])]),
        "dispatcher": staff("disp", [Role.DISPATCHER], [unit("U-D", areas[COUNTY])]),
        "secretary": staff("sec", [Role.PARTY_SECRETARY]),
    }
    return {
        "areas": areas,
        "orgs": {"T": town, "A": a, "B": b, "X": temp},
        "members": {
            "flowing": flowing,
            "plain": plain,
            "probationary": probationary,
            "early": early,
            "other": other,
            "loose": loose,
        },
        "terms": {"overdue": overdue, "soon": soon},
        "transfer": transfer,
        "grids": grids,
        "users": users,
    }


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(date(2026, 3, 1), tick=False):
        yield


def _login(client, reg, who):
    client.force_login(reg["users"][who])
    return client


def _pages(reg):
    orgs, members = reg["orgs"], reg["members"]
    return [
        reverse("console:org_tree"),
        reverse("console:org_detail", args=[orgs["A"].pk]),
        reverse("console:org_dissolve", args=[orgs["X"].pk]),
        reverse("console:org_coverage"),
        reverse("console:org_terms"),
        reverse("console:org_terms_export"),
        reverse("console:org_approvals"),
        reverse("console:org_probation", args=[members["probationary"].pk]),
        reverse("console:org_transfer", args=[reg["transfer"].pk]),
        reverse("console:org_members"),
        reverse("console:org_members_export"),
        reverse("console:org_member_reveal", args=[members["flowing"].pk]),
    ]


def test_every_page_opens_for_organisation_staff_in_scope(client, reg):
    for who in ("org_c", "org_k"):
        _login(client, reg, who)
        for url in _pages(reg):
            assert client.get(url).status_code == 200, (who, url)


def test_other_roles_are_refused(client, reg):
    for who in ("dispatcher", "secretary"):
        _login(client, reg, who)
        for url in _pages(reg):
            assert client.get(url).status_code == 403, (who, url)
            assert client.post(url).status_code == 403, (who, url)


def test_organisations_and_members_outside_the_scope_are_not_found(client, reg):
    _login(client, reg, "org_c")  # 银海社区 only
    other = reg["members"]["other"]
    for url in (
        reverse("console:org_detail", args=[reg["orgs"]["B"].pk]),
        reverse("console:org_detail", args=[reg["orgs"]["T"].pk]),  # the town committee sits in the town
        reverse("console:org_dissolve", args=[reg["orgs"]["B"].pk]),
        reverse("console:org_member_reveal", args=[other.pk]),
    ):
        assert client.get(url).status_code == 404, url
    html = client.get(reverse("console:org_members")).content.decode()
    assert "李流动" in html and "金海" not in html


def test_menu_shows_the_party_entries_to_organisation_staff_only(client, reg):
    _login(client, reg, "org_c")
    assert "党员名册" in client.get(reverse("console:home")).content.decode()
    _login(client, reg, "dispatcher")
    assert "党员名册" not in client.get(reverse("console:home")).content.decode()


def test_tree_counts_by_kind_at_a_date_and_by_area(client, reg):
    _login(client, reg, "org_k")
    html = client.get(reverse("console:org_tree")).content.decode()
    assert "共有党组织 <strong>4</strong> 个（党委 1 个，党总支 0 个，党支部 3 个，党工委 0 个）" in html
    assert "其中临时党组织 1 个" in html
    html = client.get(reverse("console:org_tree"), {"at": "2025-06-01"}).content.decode()
    assert "共有党组织 <strong>3</strong> 个" in html  # the temporary branch was founded later
    html = client.get(reverse("console:org_tree"), {"area": OTHER_COMMUNITY}).content.decode()
    assert "共有党组织 <strong>1</strong> 个" in html and "金海社区党支部" in html
    _login(client, reg, "org_c")
    html = client.get(reverse("console:org_tree")).content.decode()
    assert "共有党组织 <strong>2</strong> 个" in html and "金海社区党支部" not in html


def test_organisation_page_shows_term_countdown_warnings_lights_and_grids(client, reg):
    _login(client, reg, "org_c")
    html = client.get(reverse("console:org_detail", args=[reg["orgs"]["A"].pk])).content.decode()
    assert "第1届委员会" in html and "已逾期" in html
    assert "逾期" in html and "2025-01-10" in html  # the warning text from party.warnings
    assert "预备期" in html  # a member's probation warning listed under the organisation
    assert "银海一网格" in html
    assert "组织生活" in html


def test_coverage_table_and_map(client, reg):
    _login(client, reg, "org_k")
    response = client.get(reverse("console:org_coverage"))
    html = response.content.decode()
    assert "基础网格 <strong>3</strong> 个，已建网格党支部覆盖 <strong>2</strong> 个" in html
    assert "银海二网格" in html  # the one not covered is named
    assert 'id="coverage-data"' in html
    _login(client, reg, "org_c")
    html = client.get(reverse("console:org_coverage")).content.decode()
    assert "基础网格 <strong>2</strong> 个，已建网格党支部覆盖 <strong>1</strong> 个" in html


def test_term_board_sections_and_export(client, reg):
    term_extend(
        actor=SYSTEM, term=reg["terms"]["overdue"], extended_to=date(2025, 12, 31), approval_doc="琼组批1号"
    )
    _login(client, reg, "org_k")
    html = client.get(reverse("console:org_terms")).content.decode()
    assert "逾期未换届（1）" in html and "即将到期（1）" in html
    assert "请做好换届准备" in html
    response = client.get(reverse("console:org_terms_export"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert "银海社区党支部" in cells and "金海社区党支部" in cells
    assert AuditEvent.objects.filter(action="export.party_terms").count() == 1
    _login(client, reg, "org_c")
    response = client.get(reverse("console:org_terms_export"))
    cells = [
        c
        for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
        for c in row
    ]
    assert "金海社区党支部" not in cells


def test_member_register_filters(client, reg):
    _login(client, reg, "org_k")
    url = reverse("console:org_members")

    def names(**query):
        html = client.get(url, query).content.decode()
        return {n for n in ("李流动", "王在职", "陈预备", "周预备", "赵金海", "孙无组织") if n in html}

    assert names() == {"李流动", "王在职", "陈预备", "周预备", "赵金海"}
    assert names(flowing="1") == {"李流动"}
    assert names(in_service="1") == {"王在职"}
    assert names(category="probationary") == {"陈预备", "周预备"}
    assert names(q="金海") == {"赵金海"}
    assert names(org="B") == {"赵金海"}
    assert names(org="NOPE") == set()
    assert names(flowing="x") == {
        "李流动",
        "王在职",
        "陈预备",
        "周预备",
        "赵金海",
    }  # a bad value filters nothing


def test_member_export_is_masked_and_scoped(client, reg):
    _login(client, reg, "org_c")
    response = client.get(reverse("console:org_members_export"), {"flowing": "1"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    text = "\n".join(str(c) for row in rows for c in row if c is not None)
    flowing = reg["members"]["flowing"]
    assert "李流动" in text and "王在职" not in text and "赵金海" not in text
    assert flowing.id_masked in text
    from civicgrid.core.idnumbers import decrypt

    assert decrypt(flowing.id_encrypted) not in text
    assert "13912345678" not in text
    event = AuditEvent.objects.get(action="export.party_members")
    assert "流动：是" in event.summary


def test_reveal_needs_a_purpose_and_is_audited(client, reg):
    from civicgrid.core.idnumbers import decrypt

    _login(client, reg, "org_c")
    flowing = reg["members"]["flowing"]
    url = reverse("console:org_member_reveal", args=[flowing.pk])
    full = decrypt(flowing.id_encrypted)
    assert full not in client.get(url).content.decode()
    response = client.post(url, {"purpose": ""})
    assert full not in response.content.decode()
    assert not AuditEvent.objects.filter(action="party.id_reveal").exists()
    response = client.post(url, {"purpose": "核对组织关系转接"})
    assert full in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action="party.id_reveal")
    assert event.payload["purpose"] == "核对组织关系转接"


def test_approvals_list_and_probation_decisions_go_through_the_services(client, reg):
    _login(client, reg, "org_c")
    html = client.get(reverse("console:org_approvals")).content.decode()
    assert "防风临时党支部" in html and "已过期" in html
    assert "陈预备" in html and "周预备" in html  # due 2026-02-01 (past) and 2026-03-20 (within 30 days)
    assert "王在职" in html  # the open transfer
    probationary = reg["members"]["probationary"]
    url = reverse("console:org_probation", args=[probationary.pk])
    # No confirmation: nothing happens.
    client.post(url, {"decision": "full", "decided_on": "2026-02-10", "text": "琼组批2号"})
    probationary.refresh_from_db()
    assert probationary.category == PartyMember.Category.PROBATIONARY
    response = client.post(
        url, {"decision": "full", "decided_on": "2026-02-10", "text": "琼组批2号", "confirm": "on"}
    )
    assert response.status_code == 302
    probationary.refresh_from_db()
    assert probationary.category == PartyMember.Category.FULL and probationary.full_on == date(2026, 2, 10)
    assert AuditEvent.objects.filter(action="party.member_full").count() == 1


def test_a_refused_decision_is_shown_as_a_message(client, reg):
    _login(client, reg, "org_c")
    early = reg["members"]["early"]
    url = reverse("console:org_probation", args=[early.pk])
    response = client.post(
        url,
        {"decision": "full", "decided_on": "2026-03-01", "text": "", "confirm": "on"},
        HTTP_REFERER=f"http://testserver{url}",
        follow=True,
    )
    assert "才满，不能提前转正" in response.content.decode()
    early.refresh_from_db()
    assert early.category == PartyMember.Category.PROBATIONARY
    response = client.post(
        url,
        {"decision": "extend", "decided_on": "2026-03-01", "months": "6", "text": "考察", "confirm": "on"},
    )
    early.refresh_from_db()
    assert early.probation_extended_to == date(2026, 9, 20)


def test_transfer_receive_and_dissolve_with_confirmation(client, reg):
    _login(client, reg, "org_k")
    transfer = reg["transfer"]
    url = reverse("console:org_transfer", args=[transfer.pk])
    client.post(url, {"decision": "receive", "on": "2026-02-20", "confirm": "on"})
    transfer.refresh_from_db()
    assert transfer.state == RelationTransfer.State.RECEIVED
    reg["members"]["plain"].refresh_from_db()
    assert reg["members"]["plain"].org == reg["orgs"]["B"]
    temp = reg["orgs"]["X"]
    url = reverse("console:org_dissolve", args=[temp.pk])
    client.post(url, {"dissolved_on": "2026-02-01"})
    temp.refresh_from_db()
    assert temp.dissolved_on is None
    client.post(url, {"dissolved_on": "2026-02-01", "approval_doc": "琼组撤1号", "confirm": "on"})
    temp.refresh_from_db()
    assert temp.dissolved_on == date(2026, 2, 1)
    assert AuditEvent.objects.filter(action="party.org_dissolve").count() == 1
