"""Changes to the working-day calendar; each is atomic, checks its guard and writes one audit row."""

import datetime
import json
from datetime import date, timedelta
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from civicgrid.core.audit import record_event
from civicgrid.workcal.calendar import CalendarError, invalidate_on_commit
from civicgrid.workcal.models import CalendarYear, OfficeHours, Source, WorkDay
from civicgrid.workcal.signals import announce_year_confirmed

MAKE_UP_SUFFIX = "调休上班"


def _days_of(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days)]


def _actor_user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def confirm_year(*, year: int, actor) -> CalendarYear:
    """Allow deadlines to use `year`: refuses a year that lacks any of its days.

    Provisional deadlines reaching `year` are recomputed in the same transaction; the returned row
    carries how many as `recomputed`.
    """
    if isinstance(year, bool) or not isinstance(year, int) or not 1949 <= year <= 2200:
        raise CalendarError(gettext("年份不正确：%(year)r") % {"year": year})
    expected = len(_days_of(year))
    found = WorkDay.objects.filter(date__year=year).count()
    if found != expected:
        raise CalendarError(
            gettext(
                "无法确认 %(year)d 年：该年应有 %(expected)d 天的日历数据，目前只有 %(found)d 天。"
                "请先执行 civicgrid workdays import %(year)d.json 导入该年的放假安排"
            )
            % {"year": year, "expected": expected, "found": found}
        )
    calendar_year = CalendarYear.objects.select_for_update().filter(year=year).first()
    if calendar_year is not None and calendar_year.confirmed:
        raise CalendarError(gettext("%(year)d 年的工作日历已经确认过了") % {"year": year})
    if calendar_year is None:
        sources = set(WorkDay.objects.filter(date__year=year).values_list("source", flat=True))
        calendar_year = CalendarYear(year=year, source=sources.pop() if len(sources) == 1 else Source.MANUAL)
    now = timezone.now()
    calendar_year.confirmed = True
    calendar_year.confirmed_by = _actor_user(actor)
    calendar_year.confirmed_at = now
    calendar_year.save()
    WorkDay.objects.filter(date__year=year, confirmed=False).update(confirmed=True, updated_at=now)
    invalidate_on_commit()
    calendar_year.recomputed = announce_year_confirmed(year, actor)
    record_event(
        actor=actor,
        action="workcal.year_confirmed",
        target=calendar_year,
        summary=gettext("确认 %(year)d 年工作日历") % {"year": year},
        year=year,
        recomputed=calendar_year.recomputed,
    )
    return calendar_year


@transaction.atomic
def set_day(*, date: date, is_workday: bool, name: str, actor) -> WorkDay:
    """Manual correction of one day (e.g. a locally announced change); the day becomes source=manual."""
    if not isinstance(date, datetime.date) or isinstance(date, datetime.datetime):
        raise CalendarError(gettext("日期格式不正确：%(value)r") % {"value": date})
    name = (name or "").strip()
    max_length = WorkDay._meta.get_field("name").max_length
    if len(name) > max_length:
        raise CalendarError(gettext("名称不能超过 %(n)d 个字") % {"n": max_length})
    day = WorkDay.objects.select_for_update().filter(date=date).first()
    before = None
    if day is None:
        day = WorkDay(date=date)
    else:
        before = {"is_workday": day.is_workday, "name": day.name, "source": day.source}
    day.is_workday = bool(is_workday)
    day.name = name
    day.source = Source.MANUAL
    day.confirmed = True
    day.save()
    record_event(
        actor=actor,
        action="workcal.day_set",
        target=day,
        summary=gettext("设置 %(date)s 为%(kind)s")
        % {"date": date.isoformat(), "kind": gettext("工作日") if day.is_workday else gettext("休息日")},
        before=before,
        after={"is_workday": day.is_workday, "name": day.name, "source": day.source},
    )
    return day


def read_holiday_cn(path: str | Path) -> dict:
    """Parse a holiday-cn JSON file, with a Chinese message naming the file when it is not JSON."""
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CalendarError(
            gettext("无法读取文件 %(path)s:%(error)s") % {"path": path, "error": error.strerror}
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CalendarError(
            gettext("文件 %(path)s 不是有效的 JSON:%(error)s") % {"path": path, "error": error}
        ) from None


def _entry_error(source_name: str, index: int, entry, problem: str) -> CalendarError:
    shown = json.dumps(entry, ensure_ascii=False) if not isinstance(entry, str) else entry
    return CalendarError(
        gettext("%(source)s 第 %(n)d 条记录 %(entry)s:%(problem)s，未写入任何数据")
        % {"source": source_name, "n": index + 1, "entry": shown[:120], "problem": problem}
    )


def _parse_holiday_cn(data, source_name: str) -> tuple[int, dict[date, tuple[bool, str]]]:
    if not isinstance(data, dict):
        raise CalendarError(
            gettext("%(source)s 的内容应为 JSON 对象，未写入任何数据") % {"source": source_name}
        )
    for key in ("year", "days"):
        if key not in data:
            raise CalendarError(
                gettext("%(source)s 缺少字段 %(key)s，未写入任何数据") % {"source": source_name, "key": key}
            )
    year, entries = data["year"], data["days"]
    if isinstance(year, bool) or not isinstance(year, int) or not 1949 <= year <= 2200:
        raise CalendarError(
            gettext("%(source)s 的 year 应为四位年份，实为 %(year)r，未写入任何数据")
            % {"source": source_name, "year": year}
        )
    if not isinstance(entries, list):
        raise CalendarError(gettext("%(source)s 的 days 应为列表，未写入任何数据") % {"source": source_name})
    if not entries:
        # holiday-cn publishes an empty file for a year before the State Council's notice is out.
        raise CalendarError(
            gettext(
                "%(source)s 没有列出 %(year)d 年的任何节假日（days 为空），可能国务院尚未发布该年的放假安排；"
                "未写入任何数据"
            )
            % {"source": source_name, "year": year}
        )

    overrides: dict[date, tuple[bool, str]] = {}
    first_index: dict[date, int] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise _entry_error(source_name, index, entry, gettext("应为包含 name、date、isOffDay 的对象"))
        missing = [key for key in ("name", "date", "isOffDay") if key not in entry]
        if missing:
            raise _entry_error(
                source_name, index, entry, gettext("缺少字段 %(keys)s") % {"keys": "、".join(missing)}
            )
        name, raw_date, is_off = entry["name"], entry["date"], entry["isOffDay"]
        if not isinstance(name, str) or not name.strip():
            raise _entry_error(source_name, index, entry, gettext("name 应为非空文字"))
        if not isinstance(is_off, bool):
            raise _entry_error(source_name, index, entry, gettext("isOffDay 应为 true 或 false"))
        try:
            day = (
                datetime.datetime.strptime(raw_date, "%Y-%m-%d").date() if isinstance(raw_date, str) else None
            )
        except ValueError:
            day = None
        if day is None:
            raise _entry_error(source_name, index, entry, gettext("date 应为 YYYY-MM-DD 格式的有效日期"))
        # A year's notice also settles the New Year break, which may begin in the previous December.
        if day.year != year and not (day.year == year - 1 and day.month == 12):
            raise _entry_error(
                source_name,
                index,
                entry,
                gettext("日期不在 %(year)d 年内（只允许该年及上一年 12 月的日期）") % {"year": year},
            )
        if day in overrides:
            raise _entry_error(
                source_name,
                index,
                entry,
                gettext("日期与第 %(n)d 条重复") % {"n": first_index[day] + 1},
            )
        name = name.strip()
        if not is_off and not name.endswith(("上班", "补班")):
            name += MAKE_UP_SUFFIX
        overrides[day] = (not is_off, name)
        first_index[day] = index
    return year, overrides


@transaction.atomic
def import_holiday_cn(*, data: dict, actor, source_name: str) -> dict:
    """Replace a whole year with a holiday-cn file (weekends off, listed days override) and confirm it.

    holiday-cn files follow the notice, not the calendar year: the notice for year Y also settles the
    New Year break, which may reach into December of Y-1. So entries dated in the previous December
    correct those days of Y-1 (which must already be in the calendar), and when Y+1 is already in the
    calendar, December days of Y that its notice changed and Y's file does not list are kept.
    All or nothing: any bad entry writes nothing. Provisional deadlines reaching the year are recomputed
    in the same transaction (`recomputed` in the result).
    """
    year, overrides = _parse_holiday_cn(data, source_name)
    previous = {d: v for d, v in overrides.items() if d.year == year - 1}
    if previous:
        present = set(WorkDay.objects.filter(date__in=list(previous)).values_list("date", flat=True))
        absent = sorted(set(previous) - present)
        if absent:
            raise CalendarError(
                gettext(
                    "%(source)s 调整了 %(date)s，但 %(prev)d 年的日历尚未导入：请先导入 %(prev)d 年，"
                    "未写入任何数据"
                )
                % {"source": source_name, "date": absent[0].isoformat(), "prev": year - 1}
            )

    kept = {}
    if WorkDay.objects.filter(date__year=year + 1).exists():
        kept = {
            day.date: day
            for day in WorkDay.objects.filter(date__year=year, date__month=12)
            if day.date not in overrides and day.is_workday != (day.date.weekday() < 5)
        }

    now = timezone.now()
    replaced_manual = (
        WorkDay.objects.filter(date__year=year, source=Source.MANUAL).exclude(date__in=list(kept)).count()
    )
    days = []
    for day in _days_of(year):
        if day in kept:
            days.append(kept[day])
            continue
        is_work, name = overrides.get(day, (day.weekday() < 5, ""))
        days.append(
            WorkDay(date=day, is_workday=is_work, name=name, source=Source.HOLIDAY_CN, confirmed=True)
        )
    WorkDay.objects.bulk_create(
        days,
        update_conflicts=True,
        unique_fields=["date"],
        update_fields=["is_workday", "name", "source", "confirmed", "updated_at"],
    )
    for day, (is_work, name) in previous.items():
        WorkDay.objects.filter(date=day).update(
            is_workday=is_work, name=name, source=Source.HOLIDAY_CN, updated_at=now
        )

    calendar_year, _ = CalendarYear.objects.select_for_update().get_or_create(year=year)
    calendar_year.confirmed = True
    calendar_year.source = Source.HOLIDAY_CN
    calendar_year.confirmed_by = _actor_user(actor)
    calendar_year.confirmed_at = now
    calendar_year.note = gettext("由 %(source)s 导入") % {"source": source_name}
    calendar_year.save()
    invalidate_on_commit()

    result = {
        "year": year,
        "days": len(days),
        "workdays": sum(d.is_workday for d in days),
        "holidays": sum(1 for d in days if not d.is_workday and d.name),
        "make_up_days": sum(1 for d in days if d.is_workday and d.name),
        "previous_year_days": len(previous),
        "kept_december_days": len(kept),
        "replaced_manual_days": replaced_manual,
        "source": source_name,
        "recomputed": announce_year_confirmed(year, actor),
    }
    record_event(
        actor=actor,
        action="workcal.holiday_cn_imported",
        target=calendar_year,
        summary=gettext("从 %(source)s 导入 %(year)d 年工作日历") % {"source": source_name, "year": year},
        **result,
    )
    return result


@transaction.atomic
def save_office_hours(*, office_hours: OfficeHours, actor) -> OfficeHours:
    """Create or change one office-hours version, after validating its periods."""
    try:
        office_hours.full_clean()
    except ValidationError as error:
        raise CalendarError(";".join(error.messages)) from None
    before = None
    if office_hours.pk:
        old = OfficeHours.objects.filter(pk=office_hours.pk).values("effective_from", "periods").first()
        if old:
            before = {"effective_from": old["effective_from"].isoformat(), "periods": old["periods"]}
    office_hours.save()
    record_event(
        actor=actor,
        action="workcal.office_hours_saved",
        target=office_hours,
        summary=gettext("办公时间 %(date)s 起：%(periods)s")
        % {"date": office_hours.effective_from.isoformat(), "periods": office_hours.periods},
        before=before,
        after={"effective_from": office_hours.effective_from.isoformat(), "periods": office_hours.periods},
    )
    return office_hours


@transaction.atomic
def delete_office_hours(*, office_hours: OfficeHours, actor) -> None:
    """Remove one version; the earliest stays, or earlier days would have no office hours at all."""
    earliest = OfficeHours.objects.order_by("effective_from").values_list("pk", flat=True).first()
    if office_hours.pk == earliest:
        raise CalendarError(
            gettext("不能删除最早的办公时间设置，否则此前的日期将没有办公时间；如需调整请直接修改")
        )
    snapshot = {"effective_from": office_hours.effective_from.isoformat(), "periods": office_hours.periods}
    record_event(
        actor=actor,
        action="workcal.office_hours_deleted",
        target=office_hours,
        summary=gettext("删除 %(date)s 起的办公时间") % {"date": snapshot["effective_from"]},
        before=snapshot,
    )
    office_hours.delete()
