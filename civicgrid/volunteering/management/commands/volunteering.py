"""civicgrid volunteering close-forgotten: check out, at the scheduled end, everyone still checked in after it."""

from django.utils.translation import gettext as _

from civicgrid.core.command import BaseCommand
from civicgrid.volunteering.services.signups import close_forgotten


class Command(BaseCommand):
    help = _("志愿服务：为活动结束后仍未签退的志愿者按计划结束时间签退")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("close-forgotten", help=_("按计划结束时间为未签退者签退"))

    def handle(self, *args, action, **options):
        closed = close_forgotten()
        self.stdout.write(_("已为 %(n)d 名未签退的志愿者按计划结束时间签退") % {"n": closed})
