"""The demo party register: a believable tree over the demo city, every basic grid served, the accounts."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import Q

from civicgrid.core import idnumbers
from civicgrid.demo.city import DemoAccount, accounts_file, build_city, rewrite_accounts
from civicgrid.demo.party import MEMBER1_PHONE, build_party
from civicgrid.party.models import (
    Appraisal,
    CommitteeTerm,
    Deployment,
    Meeting,
    PartyMember,
    PartyOrg,
    PioneerPost,
    ShockTeam,
)
from civicgrid.party.selectors import managed_orgs
from civicgrid.party.warnings import TERM_DUE_SOON, TERM_OVERDUE, warnings_for_orgs
from civicgrid.registry.models import Grid, Role, Staff

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once for the module inside a transaction rolled back at the end (the tests nest in it)."""
    from django.conf import settings
    from django.db import transaction

    old = settings.DATA_DIR
    settings.DATA_DIR = tmp_path_factory.mktemp("party-demo")
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with time_machine.travel(NOW, tick=False):
                city = build_city(seed=3, grids=24, log=lambda msg: None)
                result = build_party(city=city.city, seed=3, log=lambda msg: None)
                rewrite_accounts(city.password, [DemoAccount(*row) for row in result.accounts])
            yield result
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            settings.DATA_DIR = old


pytestmark = pytest.mark.django_db


def test_counts_are_sane(built):
    counts = built.counts
    assert built.created
    assert 60 <= counts["orgs"] <= 200
    assert 1000 <= counts["members"] <= 6000
    assert 0 < counts["probationary"] < counts["members"] // 5
    assert PartyOrg.objects.filter(kind=PartyOrg.Kind.COMMITTEE, area__level="town").count() == 3
    assert PartyOrg.objects.filter(kind=PartyOrg.Kind.GENERAL_BRANCH).exists()
    for setup in ("organ", "two_new", "boat", "seasonal", "grid"):
        assert PartyOrg.objects.filter(setup=setup).exists(), setup
    assert PartyOrg.objects.filter(is_temporary=True, temp_task__gt="", end_date__isnull=False).count() == 1
    active = PartyMember.objects.filter(status="active")
    for flag in ("in_service", "retired", "flowing", "seasonal", "lost_contact"):
        assert active.filter(**{flag: True}).exists(), flag
    assert Meeting.objects.count() > 1000
    assert Meeting.objects.filter(held_on__gte=NOW.date()).count() == 0
    assert PioneerPost.objects.exists() and ShockTeam.objects.exists() and Deployment.objects.exists()
    assert Appraisal.objects.filter(year=2025).count() > 500


def test_terms_some_due_soon_and_one_overdue(built):
    day = NOW.date()
    found = warnings_for_orgs(PartyOrg.objects.all(), day, with_members=False)
    codes = [w.code for items in found.values() for w in items]
    assert codes.count(TERM_OVERDUE) == 1
    assert codes.count(TERM_DUE_SOON) >= 3
    assert CommitteeTerm.objects.filter(extended_to__isnull=False).exists()


def test_every_basic_grid_is_served(built):
    for grid in Grid.objects.filter(kind=Grid.Kind.BASIC):
        served = PartyOrg.objects.filter(Q(grids=grid) | Q(party_grids__grids=grid)).exists()
        assert served, grid.name


def test_accounts_exist_and_secretaries_are_scoped(built):
    for username in ("orgstaff1", "secretary1", "secretary2"):
        assert Staff.objects.filter(user__username=username).exists()
    s1 = Staff.objects.get(user__username="secretary1").user
    s2 = Staff.objects.get(user__username="secretary2").user
    assert s1.staff.roles.filter(code=Role.PARTY_SECRETARY).exists()
    org1 = PartyMember.objects.get(user=s1).org
    org2 = PartyMember.objects.get(user=s2).org
    assert org1.kind == PartyOrg.Kind.GENERAL_BRANCH
    assert org2.setup == PartyOrg.Setup.GRID and org2.parent_id == org1.pk
    with time_machine.travel(NOW, tick=False):
        scope1 = set(managed_orgs(s1).values_list("pk", flat=True))
        scope2 = set(managed_orgs(s2).values_list("pk", flat=True))
    assert scope1 == set(PartyOrg.objects.filter(path__startswith=org1.path).values_list("pk", flat=True))
    assert scope2 == {org2.pk}
    member1 = PartyMember.objects.get(phone=MEMBER1_PHONE)
    assert member1.user_id is None and member1.org_id == org2.pk
    text = accounts_file().read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("password: ")
    for needle in ("orgstaff1", "secretary1", "secretary2", "member1", MEMBER1_PHONE, "admin", "operator1"):
        assert needle in text


def test_id_numbers_valid_and_not_in_clear(built):
    from django.db import connection

    rows = list(
        PartyMember.objects.values_list("id_encrypted", "id_hash", "id_masked", "birth_date", "sex")[:300]
    )
    for token, digest, masked, birth, sex in rows:
        number = idnumbers.decrypt(token)
        parsed = idnumbers.parse(number)
        assert (parsed.birth_date, parsed.sex) == (birth, sex)
        assert idnumbers.lookup_hash(number) == digest and idnumbers.mask(number) == masked
        assert number not in token
    sample = idnumbers.decrypt(rows[0][0])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM party_partymember WHERE id_encrypted LIKE %s OR id_masked = %s OR name = %s",
            [f"%{sample}%", sample, sample],
        )
        assert cursor.fetchone()[0] == 0
    assert PartyMember.objects.values("id_hash").distinct().count() == PartyMember.objects.count()


def test_building_again_changes_nothing(built):
    before = PartyMember.objects.count()
    again = build_party(city=PartyOrg.objects.first().area, log=lambda msg: None)
    assert not again.created and PartyMember.objects.count() == before
