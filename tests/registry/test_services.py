import pytest
from django.core.exceptions import ValidationError

from civicgrid.core.models import AuditEvent
from civicgrid.registry.models import AdminArea, Role, Unit
from civicgrid.registry.services import area_upsert, staff_create, unit_upsert


@pytest.mark.django_db
def test_area_upsert_creates_then_updates_and_audits_each_change():
    area, created = area_upsert(code="460000", name="海南", level=AdminArea.Level.PROVINCE)
    assert created
    area, created = area_upsert(code="460000", name="海南省", level=AdminArea.Level.PROVINCE)

    assert not created
    assert AdminArea.objects.get().name == "海南省"
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "area.create",
        "area.update",
    ]


@pytest.mark.django_db
def test_invalid_area_writes_nothing():
    with pytest.raises(ValidationError):
        area_upsert(code="4600", name="坏代码", level=AdminArea.Level.PROVINCE)
    assert not AdminArea.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_staff_create_links_roles_and_units():
    unit, _ = unit_upsert(code="D1", name="住建局", kind=Unit.Kind.DEPARTMENT, is_functional_department=True)
    staff = staff_create(
        username="zjj", name="王伟", password="a-long-pass-2026", roles=[Role.UNIT_HANDLER], units=[unit]
    )

    assert staff.has_role(Role.UNIT_HANDLER)
    assert not staff.has_role(Role.DISPATCHER)
    assert list(staff.units.all()) == [unit]
    assert staff.user.check_password("a-long-pass-2026")


@pytest.mark.django_db
def test_staff_create_refuses_unknown_roles_and_taken_usernames():
    with pytest.raises(ValidationError, match="未知角色"):
        staff_create(username="x", name="某", password="a-long-pass-2026", roles=["wizard"])
    staff_create(username="x", name="某", password="a-long-pass-2026", roles=[Role.OPERATOR])
    with pytest.raises(ValidationError, match="已存在"):
        staff_create(username="x", name="某", password="a-long-pass-2026", roles=[Role.OPERATOR])


@pytest.mark.django_db
def test_every_role_is_seeded():
    assert set(Role.objects.values_list("code", flat=True)) == {code for code, _ in Role.SEED}
    assert Role.objects.count() == 11  # the ten of the hotline loop and 党组织书记
    assert Role.objects.get(code=Role.CALLBACK_AGENT).name == "回访员"
