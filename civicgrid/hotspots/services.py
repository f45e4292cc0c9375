"""What a hotspot becomes: its tickets on the key supervision list, a ledger item, or a deliberation topic.

Each action checks the guard (supervisor, leader, administrator; every ticket within the actor's view), runs in one
transaction with the service it calls, and leaves an audit row and a link row (`HotspotAction`).
"""

from collections import Counter

from django.db import transaction
from django.utils import timezone

from civicgrid.core.audit import record_event
from civicgrid.core.refusal import Refusal
from civicgrid.deliberation.models import Topic
from civicgrid.deliberation.services import topic_propose
from civicgrid.hotspots.models import HotspotAction
from civicgrid.hotspots.selectors import visible_tickets
from civicgrid.ledgers.models import LedgerItem
from civicgrid.ledgers.services import propose_item
from civicgrid.registry.models import AdminArea, Role
from civicgrid.registry.selectors import has_role
from civicgrid.tickets.services.supervision import key_list_set

ACTION_ROLES = (Role.SUPERVISOR, Role.LEADER, Role.ADMINISTRATOR)


class HotspotError(Refusal):
    pass


def may_act(user) -> bool:
    return has_role(user, *ACTION_ROLES)


def _guard(actor, ticket_ids, action: str):
    if not may_act(actor):
        raise HotspotError(f"无权{action}：需要督办员、领导或系统管理员角色")
    ids = list(dict.fromkeys(ticket_ids))
    if not ids:
        raise HotspotError("该热点没有工单")
    tickets = list(visible_tickets(actor).filter(pk__in=ids).order_by("received_at", "pk"))
    if len(tickets) != len(ids):
        raise HotspotError("热点中有工单不在您的查看范围内")
    return tickets


def _link(kind, *, actor, label, tickets, target, alert, at, note="") -> HotspotAction:
    link = HotspotAction.objects.create(
        kind=kind,
        label=label[:200],
        alert=alert,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        at=at,
        note=note[:300],
    )
    link.tickets.set(tickets)
    return link


@transaction.atomic
def hotspot_key_list(*, actor, label: str, ticket_ids, note: str = "", alert=None, at=None) -> HotspotAction:
    """列入重点督办: every ticket of the hotspot not yet on the list is put on it (the ticket service, per ticket)."""
    tickets = _guard(actor, ticket_ids, "列入重点督办")
    at = at or timezone.now()
    todo = [t for t in tickets if not t.on_key_list]
    if not todo:
        raise HotspotError("该热点的工单都已在重点督办清单中")
    reason = f"热点「{label}」" + (f"：{note.strip()}" if note.strip() else "")
    for ticket in todo:
        key_list_set(ticket=ticket, actor=actor, on=True, note=reason[:300], at=at)
    link = _link(
        HotspotAction.Kind.KEY_LIST,
        actor=actor,
        label=label,
        tickets=todo,
        target=None,
        alert=alert,
        at=at,
        note=note,
    )
    record_event(
        actor=actor,
        action="hotspots.key_list",
        target=link,
        summary=f"热点「{label}」{len(todo)}件工单列入重点督办"[:300],
        tickets=[t.number for t in todo],
    )
    return link


@transaction.atomic
def hotspot_to_ledger(
    *,
    actor,
    label: str,
    ticket_ids,
    campaign,
    problem: str = "",
    lead_unit=None,
    deadline=None,
    alert=None,
    at=None,
) -> HotspotAction:
    """列入问题台账: one proposed item (source 热点) linked to the hotspot's tickets."""
    tickets = _guard(actor, ticket_ids, "列入问题台账")
    at = at or timezone.now()
    item = propose_item(
        actor=actor,
        campaign=campaign,
        problem=(problem or "").strip() or f"{label}（12345热点，{len(tickets)}件工单）",
        source=LedgerItem.Source.HOTSPOT,
        lead_unit=lead_unit,
        deadline=deadline,
        tickets=tickets,
        at=at,
    )
    link = _link(
        HotspotAction.Kind.LEDGER, actor=actor, label=label, tickets=tickets, target=item, alert=alert, at=at
    )
    record_event(
        actor=actor,
        action="hotspots.ledger",
        target=link,
        summary=f"热点「{label}」列入「{campaign.name}」事项{item.number}"[:300],
    )
    return link


@transaction.atomic
def hotspot_to_topic(
    *, actor, label: str, ticket_ids, area: AdminArea | None = None, title: str = "", alert=None, at=None
) -> HotspotAction:
    """提交协商议事: a topic (source 12345热点) in the community most of the tickets are in."""
    tickets = _guard(actor, ticket_ids, "提交协商议事")
    at = at or timezone.now()
    if area is None:
        communities = Counter(t.community_id for t in tickets if t.community_id)
        if not communities:
            raise HotspotError("热点工单没有所在村（社区），无法提交协商议事")
        area = AdminArea.objects.get(pk=communities.most_common(1)[0][0])
    topic = topic_propose(
        actor=actor,
        area=area,
        title=(title or "").strip() or label[:100],
        description="；".join(t.title for t in tickets[:20]),
        source=Topic.Source.HOTSPOT,
        tickets=tickets,
        at=at,
    )
    link = _link(
        HotspotAction.Kind.TOPIC, actor=actor, label=label, tickets=tickets, target=topic, alert=alert, at=at
    )
    record_event(
        actor=actor,
        action="hotspots.topic",
        target=link,
        summary=f"热点「{label}」提交{area.name}协商议事"[:300],
    )
    return link
