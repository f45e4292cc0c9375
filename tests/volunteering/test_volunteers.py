from datetime import date

import pytest

from civicgrid.core import idnumbers
from civicgrid.core.actors import SYSTEM
from civicgrid.core.models import AuditEvent
from civicgrid.volunteering.errors import VolunteerRefusal
from civicgrid.volunteering.models import IdType, Volunteer
from tests.party.factories import id_number
from tests.volunteering.factories import volunteer, worker

pytestmark = pytest.mark.django_db


def test_volunteer_number_is_generated_and_not_the_id_number(community):
    number = id_number("19900101")
    v = volunteer(community, id_number=number)
    assert v.number.startswith(community.code[:6]) and len(v.number) == 14
    assert number not in v.number
    assert number not in v.id_encrypted and v.id_number() == number
    assert v.id_masked == idnumbers.mask(number)
    assert v.birth_date == date(1990, 1, 1)
    assert AuditEvent.objects.filter(action="volunteer.register", target_id=str(v.pk)).exists()


def test_other_id_types_are_encrypted_too(community):
    v = volunteer(community, id_type=IdType.HK_MACAO, id_number="H12345678", birth_date=date(1985, 3, 1))
    assert "H12345678" not in v.id_encrypted and v.id_number() == "H12345678"
    assert v.id_masked == "H123*5678"


def test_other_id_type_needs_a_birth_date(community):
    with pytest.raises(VolunteerRefusal, match="出生日期"):
        volunteer(community, id_type=IdType.PASSPORT, id_number="E12345678")


def test_same_id_number_cannot_register_twice(community):
    number = id_number()
    volunteer(community, id_number=number)
    with pytest.raises(VolunteerRefusal, match="已注册"):
        volunteer(community, id_number=number)


def test_minor_without_guardian_consent_is_refused(community):
    with pytest.raises(VolunteerRefusal, match="监护人"):
        volunteer(community, birth="20120301")
    assert not Volunteer.objects.exists()


def test_minor_with_guardian_consent_is_registered(community):
    v = volunteer(
        community,
        birth="20120301",
        guardian_name="李华",
        guardian_relation="母亲",
        guardian_consent_on=date(2026, 5, 30),
    )
    assert v.is_minor_on(date(2026, 6, 1)) and v.guardian_relation == "母亲"


def test_adult_guardian_fields_are_not_kept(community):
    v = volunteer(community, guardian_name="李华", guardian_relation="母亲", guardian_consent_on=date(2026, 5, 30))
    assert v.guardian_name == "" and v.guardian_consent_on is None


def test_names_and_phones_are_masked(community):
    v = volunteer(community, name="欧阳小明", phone="13912345678")
    assert v.masked_name == "欧**明" and v.masked_phone == "139****5678"
    assert "小明" not in str(v)


def test_staff_registers_only_in_his_community(community, other_community):
    user = worker("w1", community)
    volunteer(community, actor=user)
    with pytest.raises(VolunteerRefusal, match="管理范围"):
        volunteer(other_community, actor=user)


def test_party_member_link_is_a_plain_id(community):
    v = volunteer(community, party_member_id=42)
    assert Volunteer._meta.get_field("party_member_id").get_internal_type() == "PositiveIntegerField"
    assert v.party_member_id == 42
    assert SYSTEM  # the command line registers too
