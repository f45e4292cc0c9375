import io
from datetime import date
from decimal import Decimal

import pytest
from docx import Document

from civicgrid.volunteering.errors import VolunteerRefusal
from civicgrid.volunteering.models import Certificate
from civicgrid.volunteering.services import certificates
from tests.party.factories import id_number
from tests.volunteering.factories import at, volunteer
from tests.volunteering.helpers import confirmed

pytestmark = pytest.mark.django_db


def _text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def test_request_notice_issue_and_docx(community, organiser):
    number = id_number("19900101")
    v = volunteer(community, name="王小明", id_number=number)
    confirmed(community, organiser, v)
    confirmed(community, organiser, v, "2026-06-07 09:00", "2026-06-07 10:30", name="垃圾分类")
    cert = certificates.request(volunteer=v, purpose="升学", now=at("2026-06-08 09:00"))
    with pytest.raises(VolunteerRefusal, match="办理中"):
        certificates.request(volunteer=v, now=at("2026-06-08 09:00"))
    with pytest.raises(VolunteerRefusal, match="须先公示"):
        certificates.issue(actor=organiser, cert=cert, today=date(2026, 6, 20))
    cert = certificates.start_notice(
        actor=organiser, cert=cert, issuer="银海社区居民委员会", issuer_head="陈主任", handler="林干事",
        issuer_contact="0898-62812345", today=date(2026, 6, 8),
    )
    assert cert.state == Certificate.State.NOTICED and cert.hours == Decimal("4.50")
    assert cert.notice_until == date(2026, 6, 14)  # 7 days: 8th to 14th
    with pytest.raises(VolunteerRefusal, match="公示期满"):
        certificates.issue(actor=organiser, cert=cert, today=date(2026, 6, 14))
    cert = certificates.issue(actor=organiser, cert=cert, today=date(2026, 6, 15))
    assert cert.number == f"{community.code}-2026-0001" and cert.issued_on == date(2026, 6, 15)
    text = _text(certificates.certificate_docx(cert, now=at("2026-06-15 10:00")))
    for expected in (
        "志愿服务记录证明", "王小明", "居民身份证", number, v.number, "4.50", "「关爱老人」", "「垃圾分类」",
        "银海社区居民委员会", "陈主任", "林干事", cert.number, "2026-06-15",
    ):
        assert expected in text, expected


def test_no_certificate_without_confirmed_hours(community):
    with pytest.raises(VolunteerRefusal, match="已确认"):
        certificates.request(volunteer=volunteer(community), now=at("2026-06-08 09:00"))


def test_notice_days_are_configuration(community, organiser):
    from civicgrid.volunteering.models import VolunteerRule

    VolunteerRule.objects.update(is_active=False)
    VolunteerRule.objects.create(version="测试", effective_from=date(2020, 1, 1), notice_days=10)
    v = volunteer(community)
    confirmed(community, organiser, v)
    cert = certificates.request(volunteer=v, now=at("2026-06-08 09:00"))
    cert = certificates.start_notice(
        actor=organiser, cert=cert, issuer="银海社区", issuer_head="陈", handler="林", today=date(2026, 6, 8)
    )
    assert cert.notice_until == date(2026, 6, 17)


def test_docx_only_when_issued(community, organiser):
    v = volunteer(community)
    confirmed(community, organiser, v)
    cert = certificates.request(volunteer=v, now=at("2026-06-08 09:00"))
    with pytest.raises(VolunteerRefusal, match="尚未开具"):
        certificates.certificate_docx(cert)
