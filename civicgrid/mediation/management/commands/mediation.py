"""civicgrid mediation stats --area CODE --year YYYY [--format table|json] | retention [--apply --yes] | remind."""

import json

from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core.actors import SYSTEM
from civicgrid.core.command import BaseCommand, CommandError
from civicgrid.mediation import jobs
from civicgrid.mediation.stats import KEYS, LABELS, mediation_stats, shown
from civicgrid.registry.models import AdminArea


class Command(BaseCommand):
    help = _("人民调解：统计、卷宗保存期限、提醒")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        stats = sub.add_parser("stats", help=_("调解委员会、调解员、受理、结案、协议、成功率、回访统计"))
        stats.add_argument("--area", required=True, help=_("区划代码（含下级区划）"))
        stats.add_argument("--year", required=True, type=int, help=_("年度"))
        stats.add_argument("--format", choices=("table", "json"), default="table", help=_("结果格式"))
        retention = sub.add_parser(
            "retention",
            help=_("列出超过卷宗保存期限的案件；加 --apply --yes 将其当事人信息和笔录匿名化（不可恢复）"),
        )
        retention.add_argument("--apply", action="store_true", help=_("执行匿名化（默认只列出，不做修改）"))
        retention.add_argument("--yes", action="store_true", help=_("确认执行匿名化"))
        sub.add_parser(
            "remind", help=_("立即发送超期、司法确认、回访提醒（后台任务每轮也会执行，每项只发一次）")
        )

    def handle(self, *args, **options):
        if options["action"] == "stats":
            return self._stats(options)
        if options["action"] == "remind":
            now = timezone.now()
            self.stdout.write(
                f"调解超期提醒 {jobs.alert_overdue(now)} 件，司法确认提醒 {jobs.remind_judicial(now)} 件，"
                f"回访提醒 {jobs.remind_follow_up(now)} 件"
            )
            return
        return self._retention(options)

    def _stats(self, options):
        code = options["area"].strip()
        area = AdminArea.objects.filter(code=code).first()
        if area is None:
            raise CommandError(f"区划代码「{code}」不存在")
        if not 1900 <= options["year"] <= 9999:
            raise CommandError("年度不正确")
        figures = mediation_stats(area, options["year"])
        if options["format"] == "json":
            self.stdout.write(json.dumps(figures, ensure_ascii=False))
            return
        self.stdout.write(f"{area.name} {options['year']}年 人民调解统计")
        for key in KEYS:
            self.stdout.write(f"{LABELS[key]}：{shown(key, figures[key])}")

    def _retention(self, options):
        now = timezone.now()
        cases = jobs.expired_cases(timezone.localtime(now).date())
        for case in cases:
            end = case.closed_on or case.concluded_on
            self.stdout.write(f"{case.number}　{case.get_state_display()}　{end:%Y-%m-%d}")
        if not options["apply"]:
            self.stdout.write(
                f"超过卷宗保存期限的案件：{len(cases)} 件（仅列出，未做修改；加 --apply --yes 执行匿名化）"
            )
            return
        if not options["yes"]:
            raise CommandError("匿名化不可恢复，请加 --yes 确认")
        done = jobs.anonymise(cases, actor=SYSTEM, now=now)
        self.stdout.write(f"已匿名化 {done} 件案件的当事人信息和调解笔录")
