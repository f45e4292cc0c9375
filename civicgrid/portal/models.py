"""The residents' own evaluation of a ticket, given on the portal (群众评价)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.tickets.models import Satisfaction, Solved, Status, Ticket

# A resident may rate once the unit has answered (答复) and until the ticket is archived.
RATEABLE_STATUSES = (Status.REPLIED, Status.PENDING_CALLBACK, Status.CLOSED)


def rateable_status(ticket: Ticket) -> str:
    """The status that decides whether the requester may rate: a merged duplicate's is its master's."""
    if ticket.status == Status.MERGED and ticket.merged_into_id:
        return ticket.merged_into.status
    return ticket.status


class ResidentRating(models.Model):
    """群众在线评价: what the requester says about the outcome, once per ticket.

    A satisfied rating given within the callback window is also recorded as the callback (回访方式
    网上评价) when the centre's policy allows; an unhappy one puts the ticket first in the callback queue.
    """

    ticket = models.OneToOneField(
        Ticket, verbose_name=_("工单"), on_delete=models.CASCADE, related_name="resident_rating"
    )
    at = models.DateTimeField(_("评价时间"))
    solved = models.CharField(_("是否解决"), max_length=10, choices=Solved.choices)
    satisfaction = models.CharField(_("满意度"), max_length=20, choices=Satisfaction.choices)
    comment = models.CharField(_("评价意见"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("群众评价")
        verbose_name_plural = _("群众评价")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.ticket.number} {self.get_satisfaction_display()}"
