"""Reads of deliberation topics: staff see the topics of their areas (proposers' names and phones masked);
residents see notices and results within their windows and their own proposals."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from civicgrid.deliberation.models import Topic
from civicgrid.deliberation.scope import area_ids_for


def topics_in_scope(user) -> QuerySet[Topic]:
    areas = area_ids_for(user)
    qs = Topic.objects.select_related("area", "owner_unit", "party_org")
    return qs if areas is None else qs.filter(area_id__in=areas)


def topics_for(user, *, q: str = "", state: str = "", form: str = "", level: str = "", source: str = ""):
    rows = topics_in_scope(user)
    if q:
        rows = rows.filter(Q(title__icontains=q) | Q(description__icontains=q) | Q(area__name__icontains=q))
    if state in Topic.State.values:
        rows = rows.filter(state=state)
    if form in Topic.Form.values:
        rows = rows.filter(form=form)
    if level in Topic.Level.values:
        rows = rows.filter(level=level)
    if source in Topic.Source.values:
        rows = rows.filter(source=source)
    return rows.order_by("-collected_at", "-pk")


def topic_for(user, pk) -> Topic:
    try:
        return topics_in_scope(user).get(pk=pk)
    except Topic.DoesNotExist:
        raise PermissionDenied("议题不存在或不在您的负责范围内") from None


def topics_for_ticket(user, ticket):
    """The topics a ticket is linked to (sent to deliberation, or set going by a resolution), in the user's scope."""
    return (
        topics_in_scope(user)
        .filter(Q(tickets=ticket) | Q(actions__ticket=ticket))
        .distinct()
        .order_by("-collected_at")
    )


def topics_for_visit(user, visit) -> QuerySet[Topic]:
    """The topics a pairing visit's findings were put to, in the user's scope."""
    return topics_in_scope(user).filter(visit=visit).order_by("-collected_at")


def topics_for_ledger_item(user, item) -> QuerySet[Topic]:
    """The topics whose resolution became this ledger item, in the user's scope."""
    return topics_in_scope(user).filter(actions__ledger_item=item).distinct().order_by("-collected_at")


def notices_on(day: date) -> QuerySet[Topic]:
    """议事公告 shown on the portal on `day`: from the notice date to the end of its window, once given."""
    return (
        Topic.objects.select_related("area")
        .filter(notice_on__lte=day, notice_until__gte=day)
        .exclude(state=Topic.State.DECLINED)
        .order_by("-notice_on", "-pk")
    )


def results_on(day: date) -> QuerySet[Topic]:
    """结果公示 shown on the portal on `day`: from the publicity date to the end of its window."""
    return (
        Topic.objects.select_related("area", "owner_unit")
        .filter(result_on__lte=day, result_until__gte=day)
        .order_by("-result_on", "-pk")
    )


def topics_of_phone(phone: str) -> QuerySet[Topic]:
    return (
        Topic.objects.select_related("area")
        .filter(source=Topic.Source.RESIDENT, proposer_phone=phone)
        .order_by("-collected_at")
    )


def reveal_proposer(*, user, topic: Topic, purpose: str) -> dict:
    """The proposer's full name and phone for a stated purpose (to call her back with the outcome); staff in the
    topic's scope only, and every reveal leaves an audit row."""
    from civicgrid.core.audit import record_event

    purpose = (purpose or "").strip()[:200]
    if not purpose:
        raise PermissionDenied("查看完整联系方式须说明用途")
    topic = topic_for(user, topic.pk)
    record_event(
        actor=user,
        action="pii.reveal",
        target=topic,
        summary=f"查看协商议题「{topic.title[:40]}」提议人联系方式",
        purpose=purpose,
    )
    return {"name": topic.proposer_name, "phone": topic.proposer_phone}
