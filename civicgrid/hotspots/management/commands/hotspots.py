"""civicgrid hotspots --csv FILE --text-col COL --time-col COL [--place-col COL] [--top N] --format json|table
civicgrid hotspots --from DATE --to DATE [--area CODE] [--top N] --format json|table (on tickets)."""

import json
from datetime import date

from django.utils.translation import gettext as _

from civicgrid.core.command import BaseCommand, CommandError
from civicgrid.hotspots.csvfile import read_records
from civicgrid.hotspots.engine import Params, cluster

# A file is read as a whole: a wider window than the daily tickets mode (tuned on the 2019 H1 teddy messages).
FILE_WINDOW_DAYS = 30


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"日期「{text}」格式不正确，应为 YYYY-MM-DD") from None


class Command(BaseCommand):
    help = _("热点问题：对工单或 CSV 文件聚类，按热度排出前 N 个")

    def add_arguments(self, parser):
        parser.add_argument("--csv", metavar="FILE", help=_("评估模式：直接读取 CSV 文件，不导入"))
        parser.add_argument(
            "--text-col",
            action="append",
            default=[],
            help=_("文本列：列名或 @N（第 N 列），可重复给出以拼接"),
        )
        parser.add_argument("--time-col", help=_("时间列：列名或 @N"))
        parser.add_argument("--place-col", help=_("地点列（可选）：列名或 @N"))
        parser.add_argument("--from", dest="date_from", help=_("工单模式：起始日期 YYYY-MM-DD"))
        parser.add_argument("--to", dest="date_to", help=_("工单模式：截止日期 YYYY-MM-DD"))
        parser.add_argument("--area", help=_("工单模式：行政区划代码（含下级）"))
        parser.add_argument("--top", type=int, default=10, help=_("输出前 N 个热点，默认 10"))
        parser.add_argument("--window", type=int, default=None, help=_("关联时间窗（天）"))
        parser.add_argument("--format", choices=("table", "json"), default="table", help=_("结果格式"))
        parser.add_argument(
            "--store",
            action="store_true",
            help=_("工单模式：计算并保存该期间的热点快照（供页面和简报直接读取）"),
        )

    def handle(self, *args, **options):
        if options["top"] < 1:
            raise CommandError("--top 应为正整数")
        if options["csv"]:
            rows = self._csv(options)
        else:
            rows = self._tickets(options)
        if options["format"] == "json":
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        if not rows:
            self.stdout.write("本期无热点问题")
        for n, row in enumerate(rows, 1):
            self.stdout.write(
                f"{n:>3}. {row['label']}（{row['size']} 件，热度 {row['heat']}，{row['first'][:10]} 至 {row['last'][:10]}）"
            )
            self.stdout.write(
                f"     关键词：{'、'.join(row['keywords']) or '无'}；地点：{'、'.join(row['places']) or '无'}"
            )

    def _csv(self, options):
        if not options["text_col"] or not options["time_col"]:
            raise CommandError("评估模式需要 --text-col 和 --time-col")
        try:
            data = read_records(
                options["csv"],
                text_cols=options["text_col"],
                time_col=options["time_col"],
                place_col=options["place_col"],
            )
        except OSError as error:
            raise CommandError(f"无法读取文件「{options['csv']}」：{error.strerror or error}") from None
        for index, why in data.skipped:
            self.stderr.write(f"第 {index + 1} 条记录已跳过：{why}")
        self.stderr.write(f"共 {data.rows} 条记录，参与聚类 {len(data.records)} 条")
        params = Params(window_days=options["window"] or FILE_WINDOW_DAYS)
        # A hotspot is in a place: clusters whose members name none come after those that do.
        clusters = cluster(data.records, params, growth_on=False, progress=self._progress)
        clusters = sorted(clusters, key=lambda c: (not c.main_place, -c.heat, c.members[0]))[: options["top"]]
        return [
            {
                "size": c.size,
                "label": c.label,
                "keywords": c.keywords,
                "places": c.places,
                "heat": c.heat,
                "first": c.first.isoformat(sep=" "),
                "last": c.last.isoformat(sep=" "),
                "members": sorted(data.records[i].ref for i in c.members),
            }
            for c in clusters
        ]

    def _progress(self, stage: str) -> None:
        """Stages on stderr (stdout keeps only the result): the count rewritten in place at a terminal."""
        counting = stage.startswith("分词")
        if self.stderr.isatty():
            self.stderr.write(f"\r{stage}", ending="" if counting else "\n")
        elif not counting:
            self.stderr.write(stage)

    def _tickets(self, options):
        from civicgrid.core.actors import SYSTEM
        from civicgrid.hotspots.selectors import hot_issues
        from civicgrid.registry.models import AdminArea

        if not options["date_from"] or not options["date_to"]:
            raise CommandError("请给出 --from 和 --to（工单模式），或 --csv（评估模式）")
        date_from, date_to = _day(options["date_from"]), _day(options["date_to"])
        if date_to < date_from:
            raise CommandError("截止日期不能早于起始日期")
        area = None
        if options["area"]:
            area = AdminArea.objects.filter(code=options["area"].strip()).first()
            if area is None:
                raise CommandError(f"行政区划「{options['area']}」不存在")
        if options["store"]:
            from django.utils import timezone

            from civicgrid.hotspots.jobs import store_period

            stored = store_period(date_from, date_to, now=timezone.now(), progress=self.stderr.write)
            self.stderr.write(f"已保存热点快照 {stored} 份")
        issues = hot_issues(user=SYSTEM, date_from=date_from, date_to=date_to, area=area, top=options["top"])
        return [
            {
                "size": h.size,
                "label": h.label,
                "keywords": h.keywords,
                "places": h.places,
                "heat": h.heat,
                "callers": h.callers,
                "first": h.first.isoformat(sep=" "),
                "last": h.last.isoformat(sep=" "),
                "daily": [[d.isoformat(), k] for d, k in h.daily],
                "examples": [number for number, _title in h.examples],
            }
            for h in issues
        ]
