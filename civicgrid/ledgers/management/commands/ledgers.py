"""civicgrid ledgers import FILE --campaign CODE [--campaign-name NAME] [--year YYYY]
civicgrid ledgers stats --campaign CODE [--format table|json]."""

import json
import sys

from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core.command import BaseCommand, CommandError
from civicgrid.core.documents import read_table
from civicgrid.ledgers.imports import LedgerImportRefused, import_ledger
from civicgrid.ledgers.models import Campaign
from civicgrid.ledgers.progress import stats

LABELS = {
    "items": "事项数",
    "avg_progress": "平均进度（%）",
    "listed_items": "揭榜挂帅事项数",
    "listed_avg_progress": "揭榜挂帅平均进度（%）",
    "closed": "已销号",
    "overdue": "超期未销号",
}


class Command(BaseCommand):
    help = _("问题台账（揭榜挂帅/查堵点）：导入、统计")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser(
            "import", help=_("导入台账（编号、问题、来源、揭榜挂帅、牵头单位、责任领导、时限、进度、状态）")
        )
        imp.add_argument("file", metavar="FILE", help=_("Excel（.xlsx）或 CSV 文件"))
        imp.add_argument("--campaign", required=True, help=_("台账编码，不存在时新建"))
        imp.add_argument("--campaign-name", default="", help=_("新建台账时的名称"))
        imp.add_argument("--year", type=int, default=None, help=_("新建台账时的年度，默认今年"))
        st = sub.add_parser("stats", help=_("台账事项数、平均进度、揭榜挂帅、销号、超期"))
        st.add_argument("--campaign", required=True, help=_("台账编码"))
        st.add_argument("--format", choices=("table", "json"), default="table", help=_("结果格式"))

    def handle(self, *args, **options):
        if options["action"] == "import":
            return self._import(options)
        return self._stats(options)

    def _import(self, options):
        if options["year"] is not None and not 2000 <= options["year"] <= 2100:
            raise CommandError("年度不正确（应为四位年份）")
        table = read_table(options["file"], max_bytes=1024 * 1024 * 1024, max_rows=2_000_000)
        total, done = len(table.rows), [0]
        tty = hasattr(sys.stderr, "isatty") and sys.stderr.isatty()

        def tick():
            done[0] += 1
            if tty and (done[0] % 500 == 0 or done[0] == total):
                self.stderr.write(f"\r已处理 {done[0]}/{total} 行", ending="")

        try:
            result = import_ledger(
                table,
                campaign_code=options["campaign"],
                campaign_name=options["campaign_name"],
                year=options["year"],
                progress=tick,
            )
        except LedgerImportRefused as refused:
            for problem in refused.problems:
                self.stderr.write(problem)
            raise CommandError(refused.message) from refused
        if tty:
            self.stderr.write("")
        if result.campaign_created:
            self.stderr.write(f"已新建台账「{result.campaign.name}」（{result.campaign.code}）")
        self.stdout.write(
            f"导入{result.campaign.name}：共 {result.rows} 行，新增 {result.created} 项，"
            f"更新 {result.updated} 项，记录进度 {result.reports} 条"
        )

    def _stats(self, options):
        code = options["campaign"].strip()
        campaign = Campaign.objects.filter(code=code).first()
        if campaign is None:
            raise CommandError(f"台账「{code}」不存在，请检查台账编码")
        figures = stats(campaign.items.all(), timezone.localdate())
        if options["format"] == "json":
            self.stdout.write(json.dumps(figures, ensure_ascii=False))
            return
        self.stdout.write(f"{campaign.name}（{campaign.code}）")
        for key, label in LABELS.items():
            value = figures[key]
            self.stdout.write(f"{label}：{value:.2f}" if isinstance(value, float) else f"{label}：{value}")
