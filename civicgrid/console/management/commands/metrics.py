"""civicgrid metrics --from DATE --to DATE: the three rates league table as a table, CSV, JSON or .xlsx.

Rows come as `assessment.leagues.league_table` gives them: by unit, one table per kind of unit (the
hotline centre in none), each fairly ranked (rank empty below the scheme's minimum of rated tickets) and
compared with the previous period and a year earlier.

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

from civicgrid.assessment.exports import league_workbook
from civicgrid.assessment.leagues import LEAGUES, League, league_table
from civicgrid.assessment.selectors import GROUPINGS, RateRow, totals
from civicgrid.core.actors import SYSTEM
from civicgrid.core.command import BaseCommand, CommandError
from civicgrid.intake.selectors import accuracy, accuracy_by_category
from civicgrid.registry.models import Unit

FORMATS = ("table", "csv", "json", "xlsx")
KINDS = [code for code, _, _ in LEAGUES]
# Composites go out on the 0-100 scale; the rates stay 0-1.
SCORES = (
    "composite",
    "composite_shrunk",
    "composite_lower",
    "composite_upper",
    "composite_adjusted",
    "composite_prev",
    "composite_last_year",
)


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
            metavar="{table,csv,json,xlsx}",
            help=_(
                "输出格式：table、csv、json、xlsx（xlsx 须同时给出 --out）。json 为逐行对象的列表，"
                "含 kind（单位类型，或 grid/town/category）、league（排名表）、rank、rankable、"
                "composite、composite_shrunk、composite_lower、composite_upper、composite_adjusted、"
                "composite_prev、composite_last_year（以上得分为百分制 0-100）、rank_prev、rank_last_year、"
                "rank_move 和各项计数；response_rate 等三率及其 _prev、_last_year 为 0-1 的比例"
            ),
        )
        parser.add_argument("--out", metavar="FILE", help=_("--format xlsx 时写入的文件"))
        parser.add_argument(
            "--kind",
            metavar="KIND",
            help=_(
                "只看一类单位（--by unit）：department 职能部门、town 乡镇/街道、community 村/社区、"
                "grid_team 网格工作组、enterprise 企业与公用事业、other 其他，或单位类型如 property"
            ),
        )
        parser.add_argument(
            "--intake",
            action="store_true",
            help=_("改为输出智能分类的生产准确率（首选采纳率、前三命中率、高置信准确率、承办单位一致率）"),
        )
        parser.add_argument(
            "--as", dest="username", help=_("以该用户的权限范围查看（默认：系统视图，不受范围限制）")
        )

    def handle(
        self,
        *args,
        date_from,
        date_to,
        by,
        output_format,
        username,
        intake=False,
        out=None,
        kind=None,
        **options,
    ):
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
        if output_format == "xlsx" and not out and not intake:
            raise CommandError(_("--format xlsx 须用 --out 指定输出文件"))
        if output_format == "xlsx" and intake:
            raise CommandError(_("--intake 不支持 xlsx 格式"))
        unit_kinds = set(Unit.Kind.values)
        if kind and (by != "unit" or (kind not in KINDS and kind not in unit_kinds)):
            raise CommandError(
                _("未知的单位类别：%(k)s（--by unit 时可选 %(all)s）") % {"k": kind, "all": "、".join(KINDS)}
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
            league = league_table(user=user, date_from=first, date_to=last, by=by)
        except PermissionDenied as error:
            raise CommandError(str(error)) from None
        if kind:
            league.tables = {
                code: [row for row in rows if kind in (code, row.kind)]
                for code, rows in league.tables.items()
                if kind == code or kind not in KINDS
            }
            league.tables = {code: rows for code, rows in league.tables.items() if rows}
        if output_format == "xlsx":
            return self._write_xlsx(league, first, last, out, user)
        self._league = league
        getattr(self, f"_write_{output_format}")(league.rows, by)

    def _write_xlsx(self, league: League, first: date, last: date, out: str, user) -> None:
        scope = _("全部单位") if user is SYSTEM else _("%(u)s 可见的单位") % {"u": user.get_username()}
        title = _("三率排名（%(g)s）") % {"g": _group_title(league.by)}
        data = league_workbook(league, title=title, scope=scope, period=f"{first} 至 {last}")
        try:
            with open(out, "wb") as handle:
                handle.write(data)
        except OSError as error:
            raise CommandError(_("无法写入文件：%(f)s（%(e)s）") % {"f": out, "e": error.strerror}) from None
        self.stderr.write(_("已写入 %(f)s：%(n)s 行") % {"f": out, "n": len(league.rows)})

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
        league = self._league
        titles = {id(row): league.title(code) for code, table in league.tables.items() for row in table}
        records = []
        for row in rows:
            record = asdict(row)
            for name in SCORES:
                if record[name] is not None:
                    record[name] = round(record[name] * 100, 4)
            record["league"] = titles.get(id(row), "")
            records.append(record)
        self.stdout.write(json.dumps(records, ensure_ascii=False, indent=2))

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
                _("修正得分"),
                _("可信下限"),
                _("可信上限"),
                _("结构调整得分"),
                _("参加排名"),
                _("上期综合得分"),
                _("去年同期综合得分"),
                _("上期名次"),
                _("名次变化"),
                _("排名表"),
                _("说明"),
            ]
        )
        titles = {
            id(row): self._league.title(code) for code, table in self._league.tables.items() for row in table
        }

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
                    number(row.composite_shrunk),
                    number(row.composite_lower),
                    number(row.composite_upper),
                    number(row.composite_adjusted),
                    _("是") if row.rankable else _("否"),
                    number(row.composite_prev),
                    number(row.composite_last_year),
                    row.rank_prev or "",
                    row.rank_move,
                    titles.get(id(row), ""),
                    row.verdict,
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
            _("修正"),
            _("下限"),
            _("名次变化"),
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
                _score(row.composite_shrunk) if row.key is not None else "",
                _score(row.composite_lower) if row.key is not None else "",
                (row.rank_move or "—") if row.key is not None else "",
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
        tables = self._league.tables if by == "unit" else {by: rows}
        for code, table in tables.items():
            if by == "unit":
                self.stdout.write(f"【{self._league.title(code)}】")
            for row in table:
                self.stdout.write(render(cells(row)))
        self.stdout.write("  ".join("-" * width for width in widths))
        self.stdout.write(render(lines[-1]))
