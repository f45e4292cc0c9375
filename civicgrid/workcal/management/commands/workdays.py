"""civicgrid workdays add|between|import|confirm|check: the working-day calendar from the command line.

add and between refuse a year no one has confirmed unless --provisional is given; import and confirm
say how many provisional deadlines they recomputed.
"""

import unicodedata
from datetime import date, datetime

from django.db import transaction
from django.utils.translation import gettext as _

from civicgrid.core.command import BaseCommand, CommandError
from civicgrid.workcal import calendar, services
from civicgrid.workcal.crosscheck import compare_sources

WEEKDAYS = "一二三四五六日"
PROVISIONAL_HELP = _("未确认的年份暂按周末和法定节日计算（不含调休上班），结果标注（暂定）")


def _parse_date(text: str) -> date:
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise CommandError(
            _("日期格式不正确：%(text)s(应为 YYYY-MM-DD，例如 2025-10-08)") % {"text": text}
        ) from None


def _parse_int(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise CommandError(_("%(what)s应为整数：%(text)s") % {"what": what, "text": text}) from None


def _year_of(data) -> int:
    year = data.get("year") if isinstance(data, dict) else None
    return year if isinstance(year, int) else 0


def _pad(text: str, width: int) -> str:
    """Left-justify for a terminal, where Chinese characters take two columns."""
    shown = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(width - shown, 0)


def _answer(value: bool | None, missing: str) -> str:
    if value is None:
        return missing
    return _("上班") if value else _("休息")


class Command(BaseCommand):
    help = _("工作日历：推算工作日、导入和确认年度放假安排、与公开数据源核对")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(
            dest="action", required=True, metavar="{add,between,import,confirm,check}"
        )

        add = sub.add_parser("add", help=_("输出某日之后第 N 个工作日"))
        add.add_argument("date", help=_("起始日期 YYYY-MM-DD（不计当天）"))
        add.add_argument("n", help=_("工作日数，非负整数"))
        add.add_argument("--provisional", action="store_true", help=PROVISIONAL_HELP)

        between = sub.add_parser("between", help=_("输出两个日期之间的工作日数（不含起始日，含结束日）"))
        between.add_argument("d1", help=_("起始日期 YYYY-MM-DD"))
        between.add_argument("d2", help=_("结束日期 YYYY-MM-DD"))
        between.add_argument("--provisional", action="store_true", help=PROVISIONAL_HELP)

        imp = sub.add_parser("import", help=_("导入 holiday-cn 格式的年度放假安排（JSON），并确认该年"))
        imp.add_argument("files", nargs="+", metavar="FILE", help=_("holiday-cn JSON 文件，如 2027.json"))

        confirm = sub.add_parser("confirm", help=_("确认某年的工作日历，确认后才能用于计算期限"))
        confirm.add_argument("year", help=_("年份，如 2027"))

        check = sub.add_parser("check", help=_("逐日核对本系统日历与 chinese_calendar、holidays.CN"))
        check.add_argument("--from", dest="first", default="2004", help=_("起始年份（默认 2004）"))
        check.add_argument("--to", dest="last", default="2026", help=_("结束年份（默认 2026）"))

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except calendar.CalendarError as error:
            raise CommandError(error.message) from None

    def _add(self, *, date, n, provisional, **options):
        start, count = _parse_date(date), _parse_int(n, _("工作日数"))
        if count < 0:
            raise CommandError(_("工作日数不能为负数：%(n)d") % {"n": count})
        if not provisional:
            self.stdout.write(calendar.add_working_days(start, count).isoformat())
            return
        result = calendar.add_working_days(start, count, provisional=True)
        self.stdout.write(result.value.isoformat() + (_("(暂定)") if result.provisional else ""))

    def _between(self, *, d1, d2, provisional, **options):
        first, last = _parse_date(d1), _parse_date(d2)
        if not provisional:
            self.stdout.write(str(calendar.working_days_between(first, last)))
            return
        result = calendar.working_days_between(first, last, provisional=True)
        self.stdout.write(str(result.value) + (_("(暂定)") if result.provisional else ""))

    def _recomputed(self, count: int) -> None:
        if count:
            self.stdout.write(_("已重新计算 %(n)d 项暂定时限") % {"n": count})

    def _import(self, *, files, **options):
        loaded = [(path, services.read_holiday_cn(path)) for path in files]
        # Earlier years first: a year's file may adjust the previous December, which must exist by then.
        loaded.sort(key=lambda item: _year_of(item[1]))
        with transaction.atomic():
            results = [
                services.import_holiday_cn(data=data, actor=None, source_name=str(path))
                for path, data in loaded
            ]
        for result in results:
            line = _(
                "%(year)d 年：已从 %(source)s 导入 %(days)d 天（工作日 %(workdays)d 天，节假日 %(holidays)d 天，"
                "调休上班 %(make_up)d 天），已确认"
            ) % {
                "year": result["year"],
                "source": result["source"],
                "days": result["days"],
                "workdays": result["workdays"],
                "holidays": result["holidays"],
                "make_up": result["make_up_days"],
            }
            if result["previous_year_days"]:
                line += _("；同时调整了 %(prev)d 年 12 月的 %(n)d 天") % {
                    "prev": result["year"] - 1,
                    "n": result["previous_year_days"],
                }
            if result["kept_december_days"]:
                line += _("；保留了按 %(next)d 年放假安排调整的 12 月 %(n)d 天") % {
                    "next": result["year"] + 1,
                    "n": result["kept_december_days"],
                }
            if result["replaced_manual_days"]:
                line += _("；覆盖了 %(n)d 天人工设置") % {"n": result["replaced_manual_days"]}
            self.stdout.write(self.style.SUCCESS(line))
        self._recomputed(sum(result["recomputed"] for result in results))

    def _confirm(self, *, year, **options):
        year = _parse_int(year, _("年份"))
        confirmed = services.confirm_year(year=year, actor=None)
        self.stdout.write(self.style.SUCCESS(_("%(year)d 年的工作日历已确认") % {"year": year}))
        self._recomputed(confirmed.recomputed)

    def _check(self, *, first, last, **options):
        first_year, last_year = _parse_int(first, _("起始年份")), _parse_int(last, _("结束年份"))
        if not 1900 <= first_year <= last_year <= 2200:
            raise CommandError(_("年份范围不正确：%(a)s 至 %(b)s") % {"a": first, "b": last})
        answers = compare_sources(date(first_year, 1, 1), date(last_year, 12, 31))
        write = self.stdout.write
        write(_("核对 %(a)d-%(b)d 年，共 %(n)d 天") % {"a": first_year, "b": last_year, "n": len(answers)})

        widths = (10, 4, 6, 16, 11, 0)

        def row(*cells):
            return "  ".join(_pad(cell, width) for cell, width in zip(cells, widths, strict=True)).rstrip()

        def table(answers):
            write(row(_("日期"), _("星期"), _("本系统"), "chinese_calendar", "holidays.CN", _("本系统名称")))
            for a in answers:
                write(
                    row(
                        a.date.isoformat(),
                        WEEKDAYS[a.date.weekday()],
                        _answer(a.ours, _("无记录")),
                        _answer(a.chinese_calendar, _("无数据")),
                        _answer(a.holidays_cn, _("无数据")),
                        a.name,
                    )
                )

        ours_differ = [a for a in answers if a.ours_vs_chinese_calendar or a.ours_vs_holidays_cn]
        write("")
        write(_("本系统与公开数据源不一致的日期：%(n)d 天") % {"n": len(ours_differ)})
        if ours_differ:
            table(ours_differ)
        sources_differ = [a for a in answers if a.chinese_calendar_vs_holidays_cn]
        write("")
        write(_("chinese_calendar 与 holidays.CN 之间不一致的日期：%(n)d 天") % {"n": len(sources_differ)})
        if sources_differ:
            table(sources_differ)

        missing_ours = [a.date for a in answers if a.ours is None]
        missing_cc = [a.date for a in answers if a.chinese_calendar is None]
        write("")
        write(_("汇总："))
        write(
            _("  本系统与 chinese_calendar 不一致：%(n)d 天")
            % {"n": sum(a.ours_vs_chinese_calendar for a in answers)}
        )
        write(
            _("  本系统与 holidays.CN 不一致：%(n)d 天") % {"n": sum(a.ours_vs_holidays_cn for a in answers)}
        )
        write(_("  chinese_calendar 与 holidays.CN 不一致：%(n)d 天") % {"n": len(sources_differ)})
        if missing_ours:
            write(
                _("  本系统无记录：%(n)d 天（%(a)s 至 %(b)s 之间）")
                % {
                    "n": len(missing_ours),
                    "a": missing_ours[0].isoformat(),
                    "b": missing_ours[-1].isoformat(),
                }
            )
        if missing_cc:
            write(
                _("  chinese_calendar 无数据：%(n)d 天（%(a)s 至 %(b)s 之间）")
                % {"n": len(missing_cc), "a": missing_cc[0].isoformat(), "b": missing_cc[-1].isoformat()}
            )
