"""civicgrid weakorgs scan [--area CODE] [--as-of DATE] [--format json|table]
civicgrid weakorgs stats [--year YYYY] [--area CODE] [--format json|table]."""

import json

from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core.actors import SYSTEM
from civicgrid.core.command import BaseCommand, CommandError
from civicgrid.core.inputs import parse_day
from civicgrid.registry.models import AdminArea
from civicgrid.weakorgs.selectors import stats
from civicgrid.weakorgs.services import scan

STATE_LABELS = {
    "confirmed": "认定",
    "rectifying": "整顿中",
    "accepted": "已转化（验收摘牌）",
    "overdue": "超期",
}


class Command(BaseCommand):
    help = _("软弱涣散党组织：排查候选、统计")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sc = sub.add_parser("scan", help=_("按排查条件找出候选党组织（只列入待研判，不作认定）"))
        sc.add_argument("--area", default="", help=_("区划代码，只排查该区划及以下"))
        sc.add_argument("--as-of", default="", help=_("排查日期（YYYY-MM-DD），默认今天"))
        sc.add_argument("--format", choices=("table", "json"), default="table", help=_("结果格式"))
        st = sub.add_parser("stats", help=_("认定、整顿中、已转化、超期，按组织类型和区划"))
        st.add_argument("--year", type=int, default=None, help=_("认定年度，默认全部"))
        st.add_argument("--area", default="", help=_("区划代码"))
        st.add_argument("--format", choices=("table", "json"), default="table", help=_("结果格式"))

    def _area(self, code: str) -> AdminArea | None:
        code = code.strip()
        if not code:
            return None
        area = AdminArea.objects.filter(code=code).first()
        if area is None:
            raise CommandError(f"区划代码「{code}」不存在")
        return area

    def handle(self, *args, **options):
        if options["action"] == "scan":
            return self._scan(options)
        return self._stats(options)

    def _scan(self, options):
        area = self._area(options["area"])
        day = parse_day(options["as_of"], "排查日期", required=False) or timezone.localdate()
        result = scan(actor=SYSTEM, area=area, as_of=day)
        self.stderr.write(
            f"排查日期 {day:%Y-%m-%d}：候选 {len(result.candidates)} 个（新增 {result.created}，"
            f"更新 {result.updated}，未变 {result.unchanged}），已在整顿或已不予认定而略过 {result.skipped} 个"
        )
        rows = [
            {
                "candidate": c.pk,
                "org": c.org.code,
                "name": c.org.name,
                "area": c.org.area.code,
                "area_name": c.org.area.name,
                "state": c.state,
                "reasons": c.reason_texts,
                "codes": [r["code"] for r in c.reasons],
            }
            for c in result.candidates
        ]
        if options["format"] == "json":
            payload = {
                "as_of": day.isoformat(),
                "area": area.code if area else "",
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "skipped": result.skipped,
                "candidates": rows,
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return
        if not rows:
            self.stdout.write("没有符合排查条件的党组织")
        for row in rows:
            self.stdout.write(f"{row['name']}（{row['org']}，{row['area_name']}）")
            for text in row["reasons"]:
                self.stdout.write(f"  - {text}")

    def _stats(self, options):
        year = options["year"]
        if year is not None and not 2000 <= year <= 2100:
            raise CommandError("年度不正确（应为四位年份）")
        area = self._area(options["area"])
        figures = stats(SYSTEM, year=year, area=area)
        if options["format"] == "json":
            self.stdout.write(json.dumps(figures, ensure_ascii=False))
            return
        title = f"{year}年" if year else "全部年度"
        self.stdout.write(f"软弱涣散党组织整顿（{title}{('，' + area.name) if area else ''}）")
        for key, label in STATE_LABELS.items():
            self.stdout.write(f"{label}：{figures[key]}")
        self.stdout.write("按组织类型：")
        for row in figures["by_kind"]:
            self.stdout.write(
                f"  {row['label']}：认定 {row['confirmed']}，整顿中 {row['rectifying']}，"
                f"已转化 {row['accepted']}，超期 {row['overdue']}"
            )
        self.stdout.write("按区划：")
        for row in figures["by_area"]:
            self.stdout.write(
                f"  {row['name']}：认定 {row['confirmed']}，整顿中 {row['rectifying']}，"
                f"已转化 {row['accepted']}，超期 {row['overdue']}"
            )
