"""civicgrid route TICKET_NUMBER: show where the routing rules would send a ticket, and why."""

from datetime import datetime

from civicgrid.core.command import BaseCommand, CommandError
from civicgrid.routing.route import route
from civicgrid.routing.vocabulary import DispatchMode
from civicgrid.tickets.models import Ticket


class Command(BaseCommand):
    help = "按网格办件直派表和派单目录推荐派单方式、主办和协办单位，并说明依据（不会派单）"

    def add_arguments(self, parser):
        parser.add_argument("number", metavar="TICKET_NUMBER", help="工单编号")
        parser.add_argument("--at", metavar="YYYY-MM-DD", help="按某日有效的规则推荐，YYYY-MM-DD（默认今天）")

    def handle(self, *args, number, at, **options):
        day = None
        if at:
            try:
                day = datetime.strptime(at, "%Y-%m-%d").date()
            except ValueError:
                raise CommandError(f"日期格式不正确：{at}(应为 YYYY-MM-DD)") from None
        ticket = Ticket.objects.select_related("category").filter(number=number).first()
        if ticket is None:
            raise CommandError(f"没有编号为 {number} 的工单")
        decision = route(ticket, at=day)
        mode = DispatchMode(decision.mode).label if decision.mode else "无法自动派单"
        self.stdout.write(f"工单 {ticket.number}:{ticket.title}")
        self.stdout.write(f"派单方式：{mode}")
        if decision.lead is not None:
            self.stdout.write(f"主办单位：{decision.lead.name}")
        if decision.co_units:
            self.stdout.write(f"协办单位：{'、'.join(u.name for u in decision.co_units)}")
        if decision.rule_ref:
            self.stdout.write(f"派单依据：{decision.rule_ref}")
        self.stdout.write(f"说明：{decision.reason}")
