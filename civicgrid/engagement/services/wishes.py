"""Needs and micro-wishes: collected → verified → published → claimed → fulfilled → confirmed → closed;
cancelled and expired with reasons. A 12345 ticket that is a personal small wish (not a government duty) can be
turned into a wish, with an event on the ticket."""

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from civicgrid.core.audit import record_event
from civicgrid.engagement.errors import EngagementError
from civicgrid.engagement.models import MicroWish, NeedItem, WishClaim
from civicgrid.engagement.points_link import post_for_wish
from civicgrid.engagement.scope import require_area
from civicgrid.engagement.services._common import now_or, require_community, require_text, today_or
from civicgrid.engagement.volunteer_link import record_wish_service
from civicgrid.party.models import PartyMember, PartyOrg
from civicgrid.tickets.models import Event, EventAction, Ticket
from civicgrid.volunteering.models import Volunteer

S = MicroWish.State


def _lock(wish: MicroWish) -> MicroWish:
    return MicroWish.objects.select_for_update().select_related("community").get(pk=wish.pk)


def _require_state(wish: MicroWish, *allowed: str, action: str) -> None:
    if wish.state not in allowed:
        raise EngagementError(f"微心愿当前为「{wish.get_state_display()}」，不能{action}")


def _log(actor, action: str, wish: MicroWish, summary: str) -> None:
    record_event(actor=actor, action=action, target=wish, summary=summary)


# ------------------------------------------------------------------------------------------------------- needs


@transaction.atomic
def need_add(
    *,
    actor,
    community,
    source: str,
    title: str,
    content: str = "",
    person_name: str = "",
    person_phone: str = "",
    ticket: Ticket | None = None,
    on: date | None = None,
) -> NeedItem:
    require_community(community)
    if actor is not None:
        require_area(actor, community, action="登记需求")
    if source not in NeedItem.Source.values:
        raise EngagementError("需求来源不正确")
    need = NeedItem.objects.create(
        community=community,
        source=source,
        title=require_text(title, "需求")[:120],
        content=content.strip(),
        person_name=person_name.strip(),
        person_phone=person_phone.strip(),
        ticket=ticket,
        created_on=today_or(on),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record_event(actor=actor, action="engagement.need_add", target=need, summary=need.title)
    return need


# ------------------------------------------------------------------------------------------------------ wishes


@transaction.atomic
def wish_collect(
    *,
    actor,
    community,
    source: str,
    title: str,
    content: str = "",
    resident_name: str = "",
    resident_phone: str = "",
    max_claimers: int = 1,
    need: NeedItem | None = None,
    ticket: Ticket | None = None,
    expires_on: date | None = None,
    at: datetime | None = None,
) -> MicroWish:
    """A wish enters the list (from a resident on the portal: actor None and the verified phone)."""
    require_community(community)
    if actor is not None:
        require_area(actor, community, action="登记微心愿")
    if source not in NeedItem.Source.values:
        raise EngagementError("心愿来源不正确")
    if max_claimers < 1:
        raise EngagementError("认领人数至少为1")
    wish = MicroWish.objects.create(
        community=community,
        source=source,
        title=require_text(title, "心愿内容")[:120],
        content=content.strip(),
        resident_name=resident_name.strip(),
        resident_phone=resident_phone.strip(),
        max_claimers=max_claimers,
        need=need,
        ticket=ticket,
        expires_on=expires_on,
        collected_at=now_or(at),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _log(actor, "engagement.wish_collect", wish, wish.title)
    return wish


@transaction.atomic
def wish_verify(*, actor, wish: MicroWish, at: datetime | None = None) -> MicroWish:
    wish = _lock(wish)
    require_area(actor, wish.community, action="核实微心愿")
    _require_state(wish, S.COLLECTED, action="核实")
    wish.state, wish.verified_at = S.VERIFIED, now_or(at)
    wish.save(update_fields=["state", "verified_at"])
    _log(actor, "engagement.wish_verify", wish, "核实")
    return wish


@transaction.atomic
def wish_publish(
    *, actor, wish: MicroWish, expires_on: date | None = None, at: datetime | None = None
) -> MicroWish:
    wish = _lock(wish)
    require_area(actor, wish.community, action="发布微心愿")
    _require_state(wish, S.VERIFIED, action="发布（请先核实）")
    at = now_or(at)
    if expires_on is not None:
        if expires_on < timezone.localtime(at).date():
            raise EngagementError("认领截止日期不能早于今天")
        wish.expires_on = expires_on
    wish.state, wish.published_at = S.PUBLISHED, at
    wish.save(update_fields=["state", "published_at", "expires_on"])
    _log(actor, "engagement.wish_publish", wish, "发布")
    return wish


@transaction.atomic
def wish_claim(
    *,
    actor,
    wish: MicroWish,
    member: PartyMember | None = None,
    org: PartyOrg | None = None,
    volunteer_name: str = "",
    volunteer_phone: str = "",
    volunteer: Volunteer | None = None,
    at: datetime | None = None,
) -> WishClaim:
    """A member (on the phone: actor None), an organisation or a volunteer claims; up to `max_claimers`.

    A registered volunteer is passed as `volunteer` (his fulfilled wish then becomes a pending service record,
    see wish_fulfil); one known only by name and phone as `volunteer_name` and `volunteer_phone`."""
    if volunteer is not None:
        volunteer_name, volunteer_phone = volunteer.name, volunteer.phone
    elif sum(x is not None and x != "" for x in (member, org, volunteer_name.strip() or None)) != 1:
        raise EngagementError("认领人须为一名党员、一个党组织或一名志愿者")
    if volunteer is not None and (member is not None or org is not None):
        raise EngagementError("认领人须为一名党员、一个党组织或一名志愿者")
    wish = _lock(wish)
    _require_state(wish, S.PUBLISHED, S.CLAIMED, action="认领")
    if member is not None and member.status != PartyMember.Status.ACTIVE:
        raise EngagementError("该党员不在册，不能认领")
    if volunteer is not None and volunteer.state != Volunteer.State.ACTIVE:
        raise EngagementError("该志愿者不在册，不能认领")
    at = now_or(at)
    if wish.expires_on and timezone.localtime(at).date() > wish.expires_on:
        raise EngagementError("微心愿已过认领截止日期")
    claims = wish.claims.all()
    if member is not None and claims.filter(member=member).exists():
        raise EngagementError("您已认领这个微心愿")
    if org is not None and claims.filter(org=org).exists():
        raise EngagementError("该党组织已认领这个微心愿")
    if volunteer is not None and claims.filter(volunteer=volunteer).exists():
        raise EngagementError("该志愿者已认领这个微心愿")
    if claims.count() >= wish.max_claimers:
        raise EngagementError("这个微心愿的认领人数已满")
    claim = WishClaim.objects.create(
        wish=wish,
        member=member,
        org=org,
        volunteer=volunteer,
        volunteer_name=volunteer_name.strip(),
        volunteer_phone=volunteer_phone.strip(),
        claimed_at=at,
    )
    if wish.state == S.PUBLISHED:
        wish.state, wish.claimed_at = S.CLAIMED, at
        wish.save(update_fields=["state", "claimed_at"])
    _log(actor, "engagement.wish_claim", wish, f"认领：{claim.claimer_masked}")
    return claim


@transaction.atomic
def wish_fulfil(
    *,
    actor,
    wish: MicroWish,
    evidence: str,
    member: PartyMember | None = None,
    volunteer_hours=None,
    at: datetime | None = None,
) -> MicroWish:
    """Fulfilled, with evidence: by the community worker, or by a claiming member on the phone (`member`).

    `volunteer_hours` (optional): the service hours of each registered volunteer who claimed it, one figure for
    all or a dict by claim id; each gets a pending service record (volunteer_link.record_wish_service) that counts
    once confirmed. Without hours no record is made."""
    evidence = require_text(evidence, "实现情况（如照片说明、物品清单）")
    wish = _lock(wish)
    if member is not None:
        if not wish.claims.filter(member=member).exists():
            raise EngagementError("只有认领人可以登记实现")
    else:
        require_area(actor, wish.community, action="登记微心愿实现")
    _require_state(wish, S.CLAIMED, action="登记实现")
    wish.state, wish.fulfilled_at, wish.evidence = S.FULFILLED, now_or(at), evidence
    wish.save(update_fields=["state", "fulfilled_at", "evidence"])
    _log(actor, "engagement.wish_fulfil", wish, "实现")
    record_wish_service(wish, volunteer_hours, actor=actor)
    _after_fulfilled(wish)
    return wish


def _after_fulfilled(wish: MicroWish) -> None:
    """Points for the claimers by rule (idempotent by key: wish + account)."""
    post_for_wish(wish)


@transaction.atomic
def wish_confirm(*, wish: MicroWish, phone: str, at: datetime | None = None) -> MicroWish:
    """The resident confirms on the portal, signed in with the phone the wish was recorded with."""
    wish = _lock(wish)
    if not wish.resident_phone or wish.resident_phone != phone:
        raise EngagementError("只有心愿人本人可以确认")
    _require_state(wish, S.FULFILLED, action="确认")
    wish.state, wish.confirmed_at = S.CONFIRMED, now_or(at)
    wish.save(update_fields=["state", "confirmed_at"])
    _log(None, "engagement.wish_confirm", wish, "心愿人确认")
    return wish


@transaction.atomic
def wish_close(*, actor, wish: MicroWish, at: datetime | None = None) -> MicroWish:
    """Closed after the resident's confirmation (or after fulfilment when the resident cannot confirm)."""
    wish = _lock(wish)
    require_area(actor, wish.community, action="办结微心愿")
    _require_state(wish, S.FULFILLED, S.CONFIRMED, action="办结")
    wish.state, wish.closed_at = S.CLOSED, now_or(at)
    wish.save(update_fields=["state", "closed_at"])
    _log(actor, "engagement.wish_close", wish, "办结")
    return wish


@transaction.atomic
def wish_cancel(*, actor, wish: MicroWish, reason: str, at: datetime | None = None) -> MicroWish:
    reason = require_text(reason, "取消原因")
    wish = _lock(wish)
    require_area(actor, wish.community, action="取消微心愿")
    _require_state(wish, S.COLLECTED, S.VERIFIED, S.PUBLISHED, S.CLAIMED, action="取消")
    wish.state, wish.closed_at, wish.end_reason = S.CANCELLED, now_or(at), reason
    wish.save(update_fields=["state", "closed_at", "end_reason"])
    _log(actor, "engagement.wish_cancel", wish, f"取消：{reason}")
    return wish


def wish_expire_due(*, today: date | None = None, at: datetime | None = None) -> int:
    """Published wishes nobody claimed by their deadline expire (the daily scan); returns how many."""
    today = today_or(today)
    count = 0
    for wish in MicroWish.objects.filter(state=S.PUBLISHED, expires_on__lt=today):
        with transaction.atomic():
            wish = _lock(wish)
            if wish.state != S.PUBLISHED:
                continue
            wish.state, wish.closed_at = S.EXPIRED, now_or(at)
            wish.end_reason = f"截至{wish.expires_on:%Y年%m月%d日}无人认领"
            wish.save(update_fields=["state", "closed_at", "end_reason"])
            _log(None, "engagement.wish_expire", wish, wish.end_reason)
            count += 1
    return count


# ----------------------------------------------------------------------------------------- from a 12345 ticket


@transaction.atomic
def wish_from_ticket(
    *,
    actor,
    ticket: Ticket,
    community=None,
    title: str = "",
    personal_small_wish: bool,
    at: datetime | None = None,
) -> MicroWish:
    """Turn a ticket into a micro-wish, only when the worker states it is a personal small wish and not a duty of
    a government department (those stay on the ticket's own path). The ticket gets an event; the link is kept."""
    if not personal_small_wish:
        raise EngagementError("只有属于个人的小心愿（不属于政府部门职责）的工单才能转为微心愿")
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    community = community or ticket.community
    if community is None:
        raise EngagementError("工单没有所属村（社区），请选择心愿所在的村（社区）")
    if MicroWish.objects.filter(ticket=ticket).exists():
        raise EngagementError(f"工单{ticket.number}已转为微心愿")
    at = now_or(at)
    wish = wish_collect(
        actor=actor,
        community=community,
        source=NeedItem.Source.HOTLINE,
        title=title or ticket.title,
        content=ticket.content,
        resident_name=ticket.requester_name,
        resident_phone="" if ticket.is_anonymous else ticket.requester_phone,
        ticket=ticket,
        at=at,
    )
    Event.objects.create(
        ticket=ticket,
        at=at,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=EventAction.TO_MICRO_WISH,
        from_status=ticket.status,
        to_status=ticket.status,
        note=f"转为{community.name}微心愿",
        payload={"wish": wish.pk},
    )
    return wish


@transaction.atomic
def need_to_wish(*, actor, need: NeedItem, max_claimers: int = 1, at: datetime | None = None) -> MicroWish:
    need = NeedItem.objects.select_for_update().get(pk=need.pk)
    if need.wishes.exists():
        raise EngagementError("该需求已转为微心愿")
    return wish_collect(
        actor=actor,
        community=need.community,
        source=need.source,
        title=need.title,
        content=need.content,
        resident_name=need.person_name,
        resident_phone=need.person_phone,
        need=need,
        ticket=None,
        max_claimers=max_claimers,
        at=at,
    )
