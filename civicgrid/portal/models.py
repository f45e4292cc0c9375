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


class PendingUpload(models.Model):
    """A photo a resident chose on a submission that was sent back for correction (待提交照片).

    Kept under an unguessable token so the corrected form carries it without the resident choosing it
    again, also without JavaScript; removed once submitted, and forgotten after a day."""

    token = models.CharField(_("凭据"), max_length=40, unique=True)
    created_at = models.DateTimeField(_("上传时间"), db_index=True)
    file = models.FileField(_("文件"), upload_to="pending/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=200)

    class Meta:
        verbose_name = _("待提交照片")
        verbose_name_plural = _("待提交照片")

    def __str__(self):
        return self.original_name
