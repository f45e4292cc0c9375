"""Scope (组织部 by area, 书记 by subtree, a member his own organisation), masking, the audited reveal, the tree."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from civicgrid.core.actors import SYSTEM
from civicgrid.core.models import AuditEvent
from civicgrid.party.errors import PartyRefusal
from civicgrid.party.models import PartyOrg, Post
from civicgrid.party.selectors import (
    MemberFilters,
    RegisterPaginator,
    can_manage_org,
    member_rows,
    members_in_scope,
    org_tree,
    orgs_in_scope,
    register_rows,
)
from civicgrid.party.services import members as member_services
from civicgrid.party.services import orgs as org_services
from civicgrid.party.services.terms import PostInput, posts_set, term_start
from civicgrid.registry.models import Role
from tests.party.factories import (
    COMMUNITY,
    COUNTY,
    OTHER_COMMUNITY,
    TOWN,
    id_number,
    member,
    org,
    staff,
    unit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(areas):
    town = org("T", areas[TOWN], kind=PartyOrg.Kind.COMMITTEE, setup=PartyOrg.Setup.ORGAN)
    a = org("A", areas[COMMUNITY], kind=PartyOrg.Kind.GENERAL_BRANCH, parent=town)
    a1 = org("A1", areas[COMMUNITY], parent=a)
    b = org("B", areas[OTHER_COMMUNITY], parent=town)
    secretary = member(a, name="王书记", phone="13912345678")
    plain = member(a1, name="李党员")
    other = member(b, name="赵其他")
    term = term_start(actor=SYSTEM, org=a, elected_on=date(2024, 1, 1))
    posts_set(actor=SYSTEM, term=term, posts=[PostInput(Post.Kind.SECRETARY, member=secretary)])
    sec_user = staff("sec", [Role.PARTY_SECRETARY])
    member_services.member_link_user(actor=SYSTEM, member=secretary, user=sec_user)
    member_user = staff("mem", [])
    member_services.member_link_user(actor=SYSTEM, member=plain, user=member_user)
    community_staff = staff("org_c", [Role.ORGANISATION_STAFF], [unit("U-C", areas[OTHER_COMMUNITY])])
    county_staff = staff("org_k", [Role.ORGANISATION_STAFF], [unit("U-K", areas[COUNTY])])
    return {
        "orgs": {"T": town, "A": a, "A1": a1, "B": b},
        "members": {"secretary": secretary, "plain": plain, "other": other},
        "users": {"sec": sec_user, "mem": member_user, "org_c": community_staff, "org_k": county_staff},
    }


def codes(qs):
    return sorted(qs.values_list("code", flat=True))


def test_org_scope_by_role(world, django_user_model):
    users = world["users"]
    assert codes(orgs_in_scope(users["org_k"])) == ["A", "A1", "B", "T"]
    assert codes(orgs_in_scope(users["org_c"])) == ["B"]
    assert codes(orgs_in_scope(users["sec"])) == ["A", "A1"]
    assert codes(orgs_in_scope(users["mem"])) == ["A1"]
    assert codes(orgs_in_scope(SYSTEM)) == ["A", "A1", "B", "T"]
    assert codes(orgs_in_scope(django_user_model.objects.create_superuser("root", password="x"))) == [
        "A",
        "A1",
        "B",
        "T",
    ]
    assert not can_manage_org(users["mem"], world["orgs"]["A1"])
    assert can_manage_org(users["sec"], world["orgs"]["A1"])
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        orgs_in_scope(AnonymousUser())


def test_secretary_scope_ends_with_the_term(world):
    org_a = world["orgs"]["A"]
    term_start(actor=SYSTEM, org=org_a, elected_on=date(2025, 1, 1))  # new committee without him
    user = world["users"]["sec"]
    user.__dict__.pop("_civicgrid_party_member", None)
    assert codes(orgs_in_scope(user)) == ["A"]  # still a member of A


def test_services_refuse_outside_the_scope(world):
    with pytest.raises(PartyRefusal, match="不在您的管理范围内"):
        org_services.org_update(actor=world["users"]["sec"], org=world["orgs"]["B"], name="改名")
    org_services.org_update(actor=world["users"]["sec"], org=world["orgs"]["A1"], name="改名")


def test_members_masked_unless_managed(world):
    users, people = world["users"], world["members"]
    names = {r.pk: r for r in member_rows(users["sec"], members_in_scope(users["sec"]))}
    assert set(names) == {people["secretary"].pk, people["plain"].pk}
    assert names[people["plain"].pk].name == "李党员" and not names[people["plain"].pk].masked
    assert names[people["secretary"].pk].phone == "13912345678"  # his own
    rows = {r.pk: r for r in member_rows(users["mem"], members_in_scope(users["mem"]))}
    assert set(rows) == {people["plain"].pk}
    county = {r.pk: r for r in member_rows(users["org_k"], members_in_scope(users["org_k"]))}
    assert len(county) == 3 and county[people["other"].pk].name == "赵其他"
    assert all("*" * 10 in r.id_masked for r in county.values())
    assert county[people["secretary"].pk].phone == "139****5678"
    filtered = members_in_scope(users["org_k"], MemberFilters(org=world["orgs"]["A"]))
    assert set(filtered) == {people["secretary"], people["plain"]}
    assert list(members_in_scope(users["org_k"], {"q": "赵"})) == [people["other"]]


def test_fellow_members_are_masked(world):
    fellow = member(world["orgs"]["A1"], name="孙同志")
    rows = {r.pk: r for r in member_rows(world["users"]["mem"], [fellow])}
    assert rows[fellow.pk].name == "孙*志" and rows[fellow.pk].masked


def test_members_without_org_seen_by_area_staff(world, areas):
    from civicgrid.registry.models import Grid

    grid = Grid.objects.create(code=OTHER_COMMUNITY + "001", name="网格", community=areas[OTHER_COMMUNITY])
    loose = member(None, residence_grid=grid)
    assert loose in members_in_scope(world["users"]["org_c"], MemberFilters(without_org=True))
    assert loose not in members_in_scope(world["users"]["sec"])


def test_id_reveal_needs_purpose_and_scope_and_is_audited(world):
    number = id_number()
    target = member(world["orgs"]["A1"], id_number=number)
    with pytest.raises(PartyRefusal, match="说明用途"):
        member_services.id_reveal(actor=world["users"]["sec"], member=target, purpose=" ")
    with pytest.raises(PartyRefusal, match="无权"):
        member_services.id_reveal(actor=world["users"]["mem"], member=target, purpose="核对")
    with pytest.raises(PartyRefusal, match="无权"):
        member_services.id_reveal(actor=world["users"]["org_c"], member=target, purpose="核对")
    assert member_services.id_reveal(actor=world["users"]["sec"], member=target, purpose="办理转接") == number
    event = AuditEvent.objects.get(action="party.id_reveal")
    assert event.payload["purpose"] == "办理转接" and number not in event.summary


def test_org_tree_counts_by_kind_at_a_date(world, areas):
    org("L", areas[TOWN], parent=world["orgs"]["T"], is_temporary=True, founded_on=date(2026, 2, 1))
    tree = org_tree(areas[COUNTY], at=date(2026, 1, 1))
    assert tree.counts_by_kind == {"党委": 1, "党总支": 1, "党支部": 2, "党工委": 0}
    assert [(n.code, n.depth) for n in tree.nodes] == [("T", 0), ("A", 1), ("A1", 2), ("B", 1)]
    assert tree.members == 3 and tree.temporary == 0
    later = org_tree(areas[TOWN], at=date(2026, 3, 1))
    assert later.total == 5 and later.temporary == 1
    only_b = org_tree(areas[OTHER_COMMUNITY], at=date(2026, 1, 1))
    assert [n.code for n in only_b.nodes] == ["B"] and only_b.roots[0].members == 1


@pytest.mark.parametrize("per_page", [1, 2, 3, 7])
def test_register_pages_are_the_slices_of_the_ordered_register(world, areas, per_page):
    from civicgrid.registry.models import Grid

    for index, name in enumerate(["钱一", "孙二", "周三", "吴四", "郑五"]):
        member([world["orgs"]["A1"], world["orgs"]["B"], world["orgs"]["T"]][index % 3], name=name)
    grid = Grid.objects.create(code=OTHER_COMMUNITY + "001", name="网格", community=areas[OTHER_COMMUNITY])
    member(None, name="冯无组织", residence_grid=grid)
    member(None, name="陈无组织", residence_grid=grid)
    for user in (world["users"]["org_k"], world["users"]["org_c"], SYSTEM):
        rows = register_rows(members_in_scope(user))
        everything = list(rows)
        assert everything[-1].org_id is None  # members without an organisation last, on every database
        paginator = RegisterPaginator(rows, per_page)
        assert paginator.count == len(everything)
        pages = [list(paginator.page(n).object_list) for n in paginator.page_range]
        assert [m.pk for page in pages for m in page] == [m.pk for m in everything]
        assert all(len(page) == per_page for page in pages[:-1])
