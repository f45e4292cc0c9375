"""civicgrid scan-deadlines: one pass of the deadline scan (yellow/red warnings, overdue flags)."""

import json
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core.command import BaseCommand, CommandError
from civicgrid.tickets.escalation import escalate_unsigned
from civicgrid.tickets.scan import scan_deadlines


def parse_moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(
            _("时间格式不正确：%(text)s(应为 ISO 格式，例如 2026-03-02T09:00)") % {"text": text}
        ) from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class Command(BaseCommand):
    help = _("扫描办理时限：发出黄色、红色预警和超期标记（每项只发一次；短信由 worker 外发）")

    def add_arguments(self, parser):
        parser.add_argument("--now", help=_("按此时间扫描（ISO 格式，无时区时按本地时间），默认当前时间"))
        parser.add_argument("--format", choices=["text", "json"], default="text", help=_("输出格式"))

    def handle(self, *args, now=None, format="text", **options):
        moment = parse_moment(now) if now else timezone.now()
        auto_escalated = escalate_unsigned(now=moment)
        result = scan_deadlines(now=moment)
        if format == "json":
            self.stdout.write(
                json.dumps(
                    {
                        **result.as_dict(),
                        "auto_escalated": auto_escalated,
                        "now": timezone.localtime(moment).isoformat(),
                    }
                )
            )
            return
        self.stdout.write(
            _("%(now)s 扫描完成：黄色预警 %(yellow)d 件，红色预警 %(red)d 件，超期 %(overdue)d 件")
            % {"now": timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S"), **result.as_dict()}
        )
