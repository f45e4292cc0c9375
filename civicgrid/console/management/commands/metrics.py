"""civicgrid metrics --from DATE --to DATE: the three rates league table as a table, CSV or JSON.

With --intake, smart intake's accuracy in production instead. The command is an interface over two
sibling apps (assessment and intake, which must not import each other), so it lives in the console.
"""

import csv
import io
import json
import unicodedata
from dataclasses import asdict
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from civicgrid.assessment.selectors import GROUPINGS, RateRow, three_rates, totals
from civicgrid.core.actors import SYSTEM
from civicgrid.core.command import BaseCommand, CommandError
from civicgrid.intake.selectors import accuracy, accuracy_by_category

FORMATS = ("table", "csv", "json")


def _parse_date(text: str) -> date:
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise CommandError(
            _("日期格式不正确：%(text)s(应为 YYYY-MM-DD，例如 2026-03-31)") % {"text": text}
        ) from None


def _group_title(by: str) -> str:
    return {"unit": _("单位"), "grid": _("网格"), "town": _("乡镇/街道"), "category": _("分类")}[by]


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}"


def _width(text: str) -> int:
    """Columns a terminal gives the text: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


class Command(BaseCommand):
    help = _("输出某时段的三率（响应率、解决率、满意率）考评排名")

    def add_arguments(self, parser):
        parser.add_argument(
            "--from", dest="date_from", metavar="DATE", required=True, help=_("起始日期 YYYY-MM-DD（含）")
        )
        parser.add_argument(
            "--to", dest="date_to", metavar="DATE", required=True, help=_("结束日期 YYYY-MM-DD（含）")
        )
        parser.add_argument(
            "--by",
            default="unit",
            metavar="{unit,grid,town,category}",
            help=_("分组：unit 单位、grid 网格、town 乡镇/街道、category 一级分类"),
        )
        parser.add_argument(
            "--format",
            dest="output_format",
            default="table",
            metavar="{table,csv,json}",
            help=_("输出格式：table、csv、json"),
        )
        parser.add_argument(
            "--intake",
            action="store_true",
            help=_("改为输出智能分类的生产准确率（首选采纳率、前三命中率、高置信准确率、承办单位一致率）"),
        )
        parser.add_argument(
            "--as", dest="username", help=_("以该用户的权限范围查看（默认：系统视图，不受范围限制）")
        )

    def handle(self, *args, date_from, date_to, by, output_format, username, intake=False, **options):
        first, last = _parse_date(date_from), _parse_date(date_to)
        if first > last:
            raise CommandError(_("起始日期 %(a)s 晚于结束日期 %(b)s") % {"a": first, "b": last})
        if by not in GROUPINGS and not intake:
            raise CommandError(
                _("未知的分组方式：%(by)s(可选 %(all)s)") % {"by": by, "all": "、".join(GROUPINGS)}
            )
        if output_format not in FORMATS:
            raise CommandError(
                _("未知的输出格式：%(f)s(可选 %(all)s)") % {"f": output_format, "all": "、".join(FORMATS)}
            )
        user = SYSTEM
        if username:
            User = get_user_model()
            try:
                user = User.objects.get(**{User.USERNAME_FIELD: username})
            except User.DoesNotExist:
                raise CommandError(_("用户不存在：%(u)s") % {"u": username}) from None
        try:
            if intake:
                return self._write_intake(user, first, last, output_format)
            rows = three_rates(user=user, date_from=first, date_to=last, by=by)
        except PermissionDenied as error:
            raise CommandError(str(error)) from None
        getattr(self, f"_write_{output_format}")(rows, by)

    def _write_intake(self, user, first: date, last: date, output_format: str) -> None:
        stats = accuracy(user, date_from=first, date_to=last)
        by_category = accuracy_by_category(user, date_from=first, date_to=last)
        if output_format == "json":
            self.stdout.write(json.dumps({**stats, "by_category": by_category}, ensure_ascii=False, indent=2))
            return
        lines = [
            (_("建议工单"), str(stats["made"])),
            (_("已定类"), str(stats["settled"])),
            (_("首选采纳率"), _percent(stats["top1"])),
            (_("前三命中率"), _percent(stats["top3"])),
            (_("高置信准确率"), _percent(stats["confident_precision"])),
            (_("高置信占比"), _percent(stats["confident_share"])),
            (_("自动派单"), str(stats["auto"])),
            (_("承办单位一致率"), _percent(stats["unit_agreement"])),
        ]
        if output_format == "csv":
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\r\n")
            writer.writerows([(_("指标"), _("数值")), *lines])
            self.stdout.write(buffer.getvalue(), ending="")
            return
        self.stdout.write(_("智能分类 %(a)s 至 %(b)s") % {"a": first, "b": last})
        for label, value in lines:
            self.stdout.write(f"  {label}{' ' * (16 - _width(label))}{value}")
        for row in by_category:
            self.stdout.write(f"  · {row['category']}: {row['kept']}/{row['n']} {_percent(row['rate'])}")

    def _write_json(self, rows: list[RateRow], by: str) -> None:
        self.stdout.write(json.dumps([asdict(row) for row in rows], ensure_ascii=False, indent=2))

    def _write_csv(self, rows: list[RateRow], by: str) -> None:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(
            [
                _("排名"),
                _("编码"),
                _group_title(by),
                _("参评"),
                _("按时联系"),
                _("已解决"),
                _("非常满意"),
                _("满意"),
                _("基本满意"),
                _("不满意"),
                _("响应率（%）"),
                _("解决率（%）"),
                _("满意率（%）"),
                _("综合得分"),
                _("受理"),
                _("办结"),
                _("按时办结"),
                _("按时办结率（%）"),
                _("退单"),
                _("退单获准"),
                _("超期"),
                _("督办"),
                _("重办"),
            ]
        )

        def number(value):
            return "" if value is None else f"{value * 100:.1f}"

        for row in rows:
            writer.writerow(
                [
                    row.rank or "",
                    row.key,
                    row.label,
                    row.rated,
                    row.contacted_in_time,
                    row.solved,
                    row.very_satisfied,
                    row.satisfied,
                    row.basic,
                    row.unsatisfied,
                    number(row.response_rate),
                    number(row.resolution_rate),
                    number(row.satisfaction_rate),
                    number(row.composite),
                    row.received,
                    row.closed,
                    row.closed_on_time,
                    number(row.on_time_rate),
                    row.returns,
                    row.returns_approved,
                    row.overdue,
                    row.supervised,
                    row.redo,
                ]
            )
        # The byte-order mark is how Excel recognises UTF-8 instead of guessing GBK.
        self.stdout.write("\ufeff" + buffer.getvalue(), ending="")

    def _write_table(self, rows: list[RateRow], by: str) -> None:
        if not any(row.rated for row in rows):
            self.stdout.write(_("该时段没有参评工单"))
            if not rows:
                return
        headers = [
            _("排名"),
            _group_title(by),
            _("参评"),
            _("响应率"),
            _("解决率"),
            _("满意率"),
            _("综合"),
            _("按时办结率"),
            _("退单"),
            _("超期"),
            _("督办"),
        ]

        def cells(row: RateRow) -> list[str]:
            return [
                str(row.rank or "—") if row.key is not None else "",
                row.label,
                str(row.rated),
                _percent(row.response_rate),
                _percent(row.resolution_rate),
                _percent(row.satisfaction_rate),
                _score(row.composite),
                _percent(row.on_time_rate),
                str(row.returns),
                str(row.overdue),
                str(row.supervised),
            ]

        lines = [headers, *(cells(row) for row in rows), cells(totals(rows))]
        widths = [max(_width(line[i]) for line in lines) for i in range(len(headers))]

        def render(line: list[str]) -> str:
            # The label column reads left to right; numbers line up on the right.
            parts = [
                text + " " * (width - _width(text)) if i == 1 else " " * (width - _width(text)) + text
                for i, (text, width) in enumerate(zip(line, widths, strict=True))
            ]
            return "  ".join(parts).rstrip()

        self.stdout.write(render(headers))
        self.stdout.write("  ".join("-" * width for width in widths))
        for line in lines[1:-1]:
            self.stdout.write(render(line))
        self.stdout.write("  ".join("-" * width for width in widths))
        self.stdout.write(render(lines[-1]))
