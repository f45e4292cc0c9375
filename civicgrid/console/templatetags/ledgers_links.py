"""The ticket page's 问题台账 card: the ledger items linked to the ticket (either way) and, for the centre and the
组织部, the 列入问题台账 button; included from console/ticket.html, so tickets never import ledgers."""

from django import template

from civicgrid.ledgers import scope, selectors
from civicgrid.tickets.permissions import has_role

register = template.Library()


@register.inclusion_tag("console/ledgers/_ticket_card.html", takes_context=True)
def ledger_links(context, ticket):
    from civicgrid.console.views.ledgers import FROM_TICKET_ROLES

    user = context["request"].user
    links = list(selectors.ticket_links(ticket))
    visible = set(
        scope.visible_items(user).filter(pk__in=[link.item_id for link in links]).values_list("pk", flat=True)
    )
    return {
        "ticket": ticket,
        "links": [(link, link.item_id in visible) for link in links],
        "may_send": has_role(user, *FROM_TICKET_ROLES),
    }
