"""civicgrid deliberation stats --area CODE --year YYYY [--format table|json]."""

import json

from django.utils.translation import gettext as _

from civicgrid.core.command import BaseCommand, CommandError
from civicgrid.deliberation.stats import HELP, KEYS, LABELS, deliberation_stats
from civicgrid.registry.models import AdminArea


class Command(BaseCommand):
    help = _("协商议事：统计")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        defined = "；".join(f"{key}：{HELP[key]}" for key in KEYS)
        stats = sub.add_parser(
            "stats",
            help=_("协商议事统计（所选区划及其下级全部区划，按收集年度）"),
            description=f"协商议事统计，含所选区划及其下级区划。{defined}。",
        )
        stats.add_argument("--area", required=True, help=_("区划代码"))
        stats.add_argument("--year", required=True, type=int, help=_("年度（按议题收集时间）"))
        stats.add_argument("--format", choices=("table", "json"), default="table", help=_("结果格式"))

    def handle(self, *args, **options):
        area = AdminArea.objects.filter(code=options["area"].strip()).first()
        if area is None:
            raise CommandError(f"区划代码「{options['area']}」不存在")
        if not 1900 <= options["year"] <= 2999:
            raise CommandError("年度不正确")
        figures = deliberation_stats(area, options["year"])
        if options["format"] == "json":
            self.stdout.write(json.dumps(figures, ensure_ascii=False))
            return
        self.stdout.write(f"{area.name} {options['year']}年协商议事")
        for key in KEYS:
            self.stdout.write(f"{LABELS[key]}：{figures[key]}")
