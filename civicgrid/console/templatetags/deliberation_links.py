"""The 协商议事 cards: on a ticket's page the topics it is linked to (either way) and 提交协商议事; on a ledger
item's page the topics whose resolution it came from; on a pairing visit's page the topics its findings were
put to, and the way to put one."""

from django import template

from civicgrid.deliberation.scope import WORKER_ROLES
from civicgrid.deliberation.selectors import topics_for_ledger_item, topics_for_ticket, topics_for_visit
from civicgrid.tickets.permissions import has_role

register = template.Library()


@register.inclusion_tag("console/deliberation/_ticket_links.html", takes_context=True)
def deliberation_links(context, ticket):
    user = context["request"].user
    visible = has_role(user, *WORKER_ROLES)
    topics = list(topics_for_ticket(user, ticket)[:20]) if visible else []
    return {
        "ticket": ticket,
        "delib": {"visible": visible, "topics": topics, "can_send": visible},
    }


@register.inclusion_tag("console/deliberation/_ledger_item_links.html", takes_context=True)
def deliberation_item_links(context, item):
    user = context["request"].user
    topics = list(topics_for_ledger_item(user, item)[:20]) if has_role(user, *WORKER_ROLES) else []
    return {"topics": topics}


@register.inclusion_tag("console/deliberation/_visit_links.html", takes_context=True)
def deliberation_visit_links(context, visit):
    user = context["request"].user
    visible = has_role(user, *WORKER_ROLES)
    return {
        "visit": visit,
        "visible": visible,
        "topics": list(topics_for_visit(user, visit)[:20]) if visible else [],
    }


@register.simple_tag(takes_context=True)
def may_send_to_deliberation(context) -> bool:
    return has_role(context["request"].user, *WORKER_ROLES)
