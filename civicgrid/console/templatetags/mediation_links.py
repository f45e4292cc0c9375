"""The mediation cases linked to a ticket, on the ticket page (tickets cannot import mediation): the case it was
referred to, cases that raised it, and the 「转人民调解」 button for those who may pause the ticket."""

from django import template

from civicgrid.mediation import selectors
from civicgrid.mediation.models import Case
from civicgrid.mediation.services import is_dispute_ticket
from civicgrid.tickets.models import HANDLING_STATUSES
from civicgrid.tickets.services.pauses import may_pause

register = template.Library()


@register.inclusion_tag("console/mediation/_ticket_card.html", takes_context=True)
def mediation_links(context, ticket):
    user = context["request"].user
    visible = set(selectors.cases_for(user).values_list("pk", flat=True))
    linked = list(Case.objects.filter(ticket=ticket).select_related("committee"))
    raised = list(Case.objects.filter(raised_tickets=ticket).select_related("committee"))
    open_case = any(c.state not in (Case.State.DECLINED, Case.State.CLOSED) for c in linked)
    can_refer = (
        not open_case
        and ticket.status in HANDLING_STATUSES
        and may_pause(user, ticket)
        and is_dispute_ticket(ticket)
    )
    return {
        "ticket": ticket,
        "linked": [(c, c.pk in visible) for c in linked],
        "raised": [(c, c.pk in visible) for c in raised],
        "can_refer": can_refer,
    }
