"""civicgrid engagement import-pairings FILE | stats --area CODE --year YYYY [--format table|json]."""

import json
from datetime import date, datetime, time

from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core.command import BaseCommand, CommandError
from civicgrid.core.documents import read_table
from civicgrid.engagement.imports import PairingImportRefused, import_pairings
from civicgrid.engagement.points_link import post_for_volunteer_records
from civicgrid.engagement.services import wish_expire_due
from civicgrid.engagement.stats import KEYS, LABELS, empty_stats, engagement_stats, shown
from civicgrid.registry.models import AdminArea


class Command(BaseCommand):
    help = _("社区共建：导入结对、统计")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        pairings = sub.add_parser("import-pairings", help=_("导入结对（年度、方式、单位、村居代码）"))
        pairings.add_argument("file", metavar="FILE", help=_("Excel（.xlsx）或 CSV 文件"))
        pairings.add_argument("--format", choices=("table", "json"), default="table", help=_("结果格式"))
        posting = sub.add_parser("post-points", help=_("按规则为已确认的志愿服务时长记积分（可重复运行）"))
        posting.add_argument("--since", help=_("从该日期起确认的记录（YYYY-MM-DD），默认全部"))
        sub.add_parser("expire-wishes", help=_("过了认领截止日期仍无人认领的微心愿标记为过期（每日运行）"))
        stats = sub.add_parser("stats", help=_("双报到、微心愿、志愿服务、结对、积分统计"))
        stats.add_argument("--area", required=True, help=_("区划代码"))
        stats.add_argument("--year", required=True, type=int, help=_("年度"))
        stats.add_argument("--format", choices=("table", "json"), default="table", help=_("结果格式"))

    def handle(self, *args, **options):
        if options["action"] == "import-pairings":
            return self._import_pairings(options)
        if options["action"] == "expire-wishes":
            self.stdout.write(f"过期微心愿：{wish_expire_due()} 个")
            return
        if options["action"] == "post-points":
            return self._post_points(options)
        return self._stats(options)

    def _post_points(self, options):
        since = None
        if options.get("since"):
            try:
                since = timezone.make_aware(datetime.combine(date.fromisoformat(options["since"]), time.min))
            except ValueError as exc:
                raise CommandError("日期格式应为 YYYY-MM-DD") from exc
        done = post_for_volunteer_records(since)
        self.stdout.write(f"志愿服务积分：处理 {done} 条")

    def _import_pairings(self, options):
        table = read_table(options["file"], max_bytes=1024 * 1024 * 1024, max_rows=2_000_000)
        try:
            result = import_pairings(table)
        except PairingImportRefused as refused:
            for problem in refused.problems:
                self.stderr.write(problem)
            raise CommandError(refused.message) from refused
        if options["format"] == "json":
            self.stdout.write(
                json.dumps(
                    {"rows": result.rows, "created": result.created, "existing": result.existing},
                    ensure_ascii=False,
                )
            )
        else:
            self.stdout.write(
                f"导入结对：共 {result.rows} 行，新增 {result.created} 条，已存在 {result.existing} 条"
            )

    def _stats(self, options):
        area = AdminArea.objects.filter(code=options["area"].strip()).first()
        if area is None:  # over nothing every figure is 0; the warning goes to stderr, never into the JSON
            self.stderr.write(f"区划代码「{options['area']}」不存在，各项统计均为 0")
            figures = empty_stats()
        else:
            figures = engagement_stats(area, options["year"])
        if options["format"] == "json":
            self.stdout.write(json.dumps(figures, ensure_ascii=False))
            return
        self.stdout.write(f"{area.name if area else options['area']} {options['year']}年 社区共建统计")
        for key in KEYS:
            self.stdout.write(f"{LABELS[key]}：{shown(key, figures[key])}")
