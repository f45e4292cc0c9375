"""Registering a volunteer: a volunteer number of his own, the ID number encrypted, a minor only with consent."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from civicgrid.core import idnumbers
from civicgrid.core.phones import clean_phone
from civicgrid.volunteering.errors import VolunteerRefusal
from civicgrid.volunteering.models import IdType, TimePreference, Volunteer
from civicgrid.volunteering.services._common import audit, refusal_of, require_area

MINOR_NEEDS_CONSENT = "未满 18 周岁的志愿者须经监护人同意：请填写监护人姓名、与监护人关系和同意日期"


def register_volunteer(
    *,
    actor,
    name: str,
    phone: str,
    id_type: str,
    id_number: str,
    area,
    birth_date: date | None = None,
    skills: str = "",
    time_preferences=(),
    party_member_id: int | None = None,
    guardian_name: str = "",
    guardian_relation: str = "",
    guardian_consent_on: date | None = None,
    today: date | None = None,
) -> Volunteer:
    """A new volunteer with a generated volunteer number. `actor` is the staff member, or None on the portal."""
    today = today or timezone.localdate()
    name = (name or "").strip()
    if not name:
        raise VolunteerRefusal("请填写姓名")
    try:
        phone = clean_phone(phone)
    except ValidationError as error:
        raise refusal_of(error) from None
    if id_type not in IdType.values:
        raise VolunteerRefusal("请选择证件类型")
    if id_type == IdType.RESIDENT:
        parsed = idnumbers.parse(id_number, today=today)
        number, birth_date = parsed.number, parsed.birth_date
    else:
        number = idnumbers.normalise(id_number)
        if not 5 <= len(number) <= 30:
            raise VolunteerRefusal("请填写正确的证件号码")
        if birth_date is None:
            raise VolunteerRefusal("请填写出生日期")
    prefs = [p for p in time_preferences if p in TimePreference.values]
    require_area(actor, area.pk, action="登记志愿者")
    minor = birth_date is not None and _age(birth_date, today) < 18
    if minor and not (guardian_name.strip() and guardian_relation.strip() and guardian_consent_on):
        raise VolunteerRefusal(MINOR_NEEDS_CONSENT)
    if minor and guardian_consent_on > today:
        raise VolunteerRefusal("监护人同意日期不能晚于今天")
    id_hash = idnumbers.lookup_hash(number)
    with transaction.atomic():
        if Volunteer.objects.filter(id_type=id_type, id_hash=id_hash).exists():
            raise VolunteerRefusal("该证件号码已注册为志愿者")
        if Volunteer.objects.filter(phone=phone).exclude(state=Volunteer.State.WITHDRAWN).exists():
            raise VolunteerRefusal("该手机号码已注册为志愿者")
        try:
            with transaction.atomic():
                volunteer = Volunteer.objects.create(
                    name=name,
                    phone=phone,
                    id_type=id_type,
                    id_encrypted=idnumbers.encrypt(number),
                    id_hash=id_hash,
                    id_masked=idnumbers.mask(number),
                    birth_date=birth_date,
                    area=area,
                    skills=(skills or "").strip()[:200],
                    time_preferences=prefs,
                    party_member_id=party_member_id,
                    guardian_name=guardian_name.strip() if minor else "",
                    guardian_relation=guardian_relation.strip() if minor else "",
                    guardian_consent_on=guardian_consent_on if minor else None,
                    registered_on=today,
                )
        except IntegrityError:
            raise VolunteerRefusal("该证件号码已注册为志愿者") from None
        # The volunteer number: the county's code and a serial, never derived from the ID number.
        volunteer.number = f"{area.code[:6]}{volunteer.pk:08d}"
        volunteer.save(update_fields=["number"])
        audit(
            actor,
            "volunteer.register",
            volunteer,
            f"登记志愿者 {volunteer.number}",
            minor=minor,
            via="console" if actor else "portal",
        )
    return volunteer


def _age(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
