"""The 协商议事 cards: on a ticket's page the topics it is linked to (either way) and 提交协商议事; on a ledger
item's page the topics whose resolution it came from."""

from django import template

from civicgrid.deliberation.scope import WORKER_ROLES
from civicgrid.deliberation.selectors import topics_for_ledger_item, topics_for_ticket
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
