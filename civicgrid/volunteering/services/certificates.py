"""Certificates of service (志愿服务记录证明, 民发〔2015〕149号): requested → noticed → issued (or refused).

谁记录谁证明: a community certifies the confirmed hours of activities in its own area (and below). The figures are
fixed when the public notice starts (config: VolunteerRule.notice_days, 7 by default); the certificate is issued
only after the notice has run its full term, with its number and date.
"""

from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Max, Min, Sum
from django.utils import timezone

from civicgrid.core.documents import Section, Table, document
from civicgrid.volunteering.errors import VolunteerRefusal
from civicgrid.volunteering.models import Certificate, Volunteer, VolunteerRule
from civicgrid.volunteering.services._common import audit, now_or, require_area

C = Certificate.State


def request(
    *, volunteer: Volunteer, purpose: str = "", now: datetime | None = None, actor=None
) -> Certificate:
    """The volunteer asks his community for a certificate (portal), or staff for him."""
    from civicgrid.volunteering.selectors import confirmed_records

    now = now_or(now)
    with transaction.atomic():
        volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        if volunteer.certificates.filter(state__in=[C.REQUESTED, C.NOTICED]).exists():
            raise VolunteerRefusal("您已有一份证明在办理中，请等待办理完成")
        if not confirmed_records(volunteer_ids=[volunteer.pk]).exists():
            raise VolunteerRefusal("暂无已确认的服务记录，不能申请证明")
        cert = Certificate.objects.create(
            volunteer=volunteer, area=volunteer.area, purpose=(purpose or "").strip()[:100], requested_at=now
        )
        audit(actor, "volunteer.cert_request", cert, f"{volunteer.number} 申请志愿服务记录证明")
    return cert


def _figures(cert: Certificate) -> tuple:
    from civicgrid.volunteering.selectors import area_subtree_ids, confirmed_records

    records = confirmed_records(area_ids=area_subtree_ids([cert.area_id]), volunteer_ids=[cert.volunteer_id])
    agg = records.aggregate(hours=Sum("hours"), first=Min("started_at"), last=Max("started_at"))
    projects = list(
        dict.fromkeys(
            name or "微心愿"
            for name in records.order_by("started_at").values_list("project__name", flat=True)
        )
    )
    return agg, projects


def start_notice(
    *,
    actor,
    cert: Certificate,
    issuer: str,
    issuer_head: str,
    handler: str,
    issuer_contact: str = "",
    today: date | None = None,
) -> Certificate:
    """requested → noticed: the figures are fixed and published (masked) for the notice term."""
    today = today or timezone.localdate()
    if not all((value or "").strip() for value in (issuer, issuer_head, handler)):
        raise VolunteerRefusal("请填写出具单位、单位负责人和经办人")
    require_area(actor, cert.area_id, action="公示志愿服务记录证明")
    with transaction.atomic():
        cert = Certificate.objects.select_for_update().get(pk=cert.pk)
        if cert.state != C.REQUESTED:
            raise VolunteerRefusal(f"该证明{cert.get_state_display()}，不能开始公示")
        agg, projects = _figures(cert)
        if not agg["hours"]:
            raise VolunteerRefusal("该志愿者在本社区没有已确认的服务记录，不能出具证明")
        days = VolunteerRule.at(today).notice_days
        cert.hours = agg["hours"]
        cert.content = "参加" + "、".join(f"「{p}」" for p in projects) + "志愿服务项目"
        cert.period_from = timezone.localtime(agg["first"]).date()
        cert.period_to = timezone.localtime(agg["last"]).date()
        cert.issuer, cert.issuer_head = issuer.strip(), issuer_head.strip()
        cert.handler, cert.issuer_contact = handler.strip(), (issuer_contact or "").strip()
        cert.notice_from, cert.notice_until = today, today + timedelta(days=max(days, 1) - 1)
        cert.state = C.NOTICED
        cert.save()
        audit(
            actor,
            "volunteer.cert_notice",
            cert,
            f"公示 {cert.volunteer.number} 服务 {cert.hours} 小时",
            days=days,
        )
    return cert


def issue(*, actor, cert: Certificate, today: date | None = None) -> Certificate:
    """noticed → issued, once the notice has run its term; a number per area and year."""
    today = today or timezone.localdate()
    require_area(actor, cert.area_id, action="开具志愿服务记录证明")
    with transaction.atomic():
        cert = Certificate.objects.select_for_update().select_related("area").get(pk=cert.pk)
        if cert.state != C.NOTICED:
            raise VolunteerRefusal(f"该证明{cert.get_state_display()}，须先公示")
        if today <= cert.notice_until:
            raise VolunteerRefusal(f"公示期至 {cert.notice_until:%Y-%m-%d}，公示期满后才能开具")
        prefix = f"{cert.area.code[:12]}-{today.year}-"
        taken = Certificate.objects.filter(number__startswith=prefix).count()
        for serial in range(taken + 1, taken + 50):
            cert.number = f"{prefix}{serial:04d}"
            try:
                with transaction.atomic():
                    cert.state, cert.issued_on = C.ISSUED, today
                    cert.save(update_fields=["number", "state", "issued_on"])
                break
            except IntegrityError:
                continue
        audit(actor, "volunteer.cert_issue", cert, f"开具志愿服务记录证明 {cert.number}")
    return cert


def refuse(*, actor, cert: Certificate, reason: str) -> Certificate:
    if not (reason or "").strip():
        raise VolunteerRefusal("请填写不予开具的理由")
    require_area(actor, cert.area_id, action="办理志愿服务记录证明")
    with transaction.atomic():
        cert = Certificate.objects.select_for_update().get(pk=cert.pk)
        if cert.state not in (C.REQUESTED, C.NOTICED):
            raise VolunteerRefusal(f"该证明{cert.get_state_display()}，不能改为不予开具")
        cert.state, cert.refusal_reason = C.REFUSED, reason.strip()[:200]
        cert.save(update_fields=["state", "refusal_reason"])
        audit(actor, "volunteer.cert_refuse", cert, f"不予开具 {cert.volunteer.number} 的证明", reason=reason)
    return cert


def certificate_docx(cert: Certificate, *, now: datetime | None = None) -> bytes:
    """The issued certificate as .docx: the full ID number (the volunteer's own paper), the volunteer number,
    hours, content, issuer, head, handler, number and date."""
    if cert.state != C.ISSUED:
        raise VolunteerRefusal("证明尚未开具")
    v = cert.volunteer
    body = (
        f"兹证明{v.name}（{v.get_id_type_display()}：{v.id_number()}，志愿者编号：{v.number}）于 "
        f"{cert.period_from:%Y年%m月%d日}至{cert.period_to:%Y年%m月%d日}{cert.content}，"
        f"累计志愿服务时长 {cert.hours} 小时。"
    )
    rows = [
        ("志愿者姓名", v.name),
        ("证件类型", v.get_id_type_display()),
        ("证件号码", v.id_number()),
        ("志愿者编号", v.number),
        ("服务时长（小时）", str(cert.hours)),
        ("服务内容", cert.content),
        ("出具单位", cert.issuer),
        ("单位负责人", cert.issuer_head),
        ("经办人", cert.handler),
        ("联系电话", cert.issuer_contact),
        ("证明编号", cert.number),
        ("开具日期", cert.issued_on),
    ]
    return document(
        "志愿服务记录证明",
        f"编号：{cert.number}",
        [
            Section(blocks=[body, "特此证明。"]),
            Section(
                heading="证明信息", blocks=[Table(header=("项目", "内容"), rows=rows, widths_cm=(4.5, 10.5))]
            ),
            Section(blocks=[f"出具单位（盖章）：{cert.issuer}", f"{cert.issued_on:%Y年%m月%d日}"]),
        ],
        now=now,
    )
