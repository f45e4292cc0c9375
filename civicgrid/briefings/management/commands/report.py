"""civicgrid report briefing --from DATE --to DATE [--area CODE] --out FILE.docx [--dry-run]

Generates a numbered issue of the 工作简报 into the register and writes its file to FILE; with --dry-run a
preview that takes no number. The command acts as the system (the whole city).
"""

from datetime import date, datetime
from pathlib import Path

from django.utils.translation import gettext as _

from civicgrid.briefings.services import area_by_code, briefing_generate, briefing_preview
from civicgrid.core.actors import SYSTEM
from civicgrid.core.command import BaseCommand, CommandError


def _parse_date(text: str) -> date:
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise CommandError(f"日期格式不正确：{text}（应为 YYYY-MM-DD，例如 2026-03-31）") from None


class Command(BaseCommand):
    help = _("生成报表和简报")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{briefing}")
        brief = sub.add_parser("briefing", help=_("生成一期 12345 直通联办工作简报（Word 文件），登记期号"))
        brief.add_argument(
            "--from", dest="date_from", metavar="DATE", required=True, help=_("起始日期 YYYY-MM-DD（含）")
        )
        brief.add_argument(
            "--to", dest="date_to", metavar="DATE", required=True, help=_("结束日期 YYYY-MM-DD（含）")
        )
        brief.add_argument(
            "--area", metavar="CODE", default="", help=_("区划代码（统计该区划及其下级），默认全市")
        )
        brief.add_argument("--out", metavar="FILE", required=True, help=_("写入的 Word 文件（.docx）"))
        brief.add_argument("--dry-run", action="store_true", help=_("只生成预览稿，不占用期号、不登记"))

    def handle(self, *args, **options):
        date_from, date_to = _parse_date(options["date_from"]), _parse_date(options["date_to"])
        out = Path(options["out"])
        if out.suffix.lower() != ".docx":
            raise CommandError(f"输出文件应为 .docx：{out}")
        if not out.parent.is_dir():
            raise CommandError(f"输出目录不存在：{out.parent}")
        area = area_by_code(options["area"])
        if options["dry_run"]:
            content = briefing_preview(actor=SYSTEM, date_from=date_from, date_to=date_to, area=area).content
            out.write_bytes(content)
            self.stdout.write(f"已生成预览稿（未编号）：{out}")
            return
        briefing = briefing_generate(actor=SYSTEM, date_from=date_from, date_to=date_to, area=area)
        with briefing.file.storage.open(briefing.file.name, "rb") as handle:
            out.write_bytes(handle.read())
        self.stdout.write(f"已生成{briefing}：{out}")
