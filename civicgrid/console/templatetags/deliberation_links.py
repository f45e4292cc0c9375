"""The ticket page's 协商议事 card: the topics the ticket is linked to (either way) and 提交协商议事."""

from django import template

from civicgrid.deliberation.scope import WORKER_ROLES
from civicgrid.deliberation.selectors import topics_for_ticket
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
