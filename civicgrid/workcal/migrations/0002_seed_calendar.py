"""Seed every day 2004-01-01..2026-12-31 from chinese_calendar, confirmed, and the first office hours."""

from datetime import date, timedelta
from importlib.metadata import version

from django.db import migrations
from django.utils import timezone

FIRST_YEAR, LAST_YEAR = 2004, 2026

# The names State Council notices use; chinese_calendar's own Chinese names are abbreviated (清明, 端午).
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


# Days where chinese_calendar contradicts the State Council notice; the notice wins.
# 2005-12-31 (Saturday): 国办发明电〔2005〕35号 says "12月31日(星期六)上班" (chinese_calendar issue #125).
CORRECTIONS = {date(2005, 12, 31): (True, "元旦调休上班")}


def seed(apps, schema_editor):
    import chinese_calendar

    WorkDay = apps.get_model("workcal", "WorkDay")
    CalendarYear = apps.get_model("workcal", "CalendarYear")
    OfficeHours = apps.get_model("workcal", "OfficeHours")

    covered = {d.year for d in chinese_calendar.holidays}
    missing = set(range(FIRST_YEAR, LAST_YEAR + 1)) - covered
    if missing:
        raise RuntimeError(f"chinese_calendar {version('chinesecalendar')} lacks years {sorted(missing)}")

    # The library's own is_workday re-scans its tables on every call; its two dicts are the data.
    holidays, workdays = chinese_calendar.holidays, chinese_calendar.workdays
    days = []
    day, last = date(FIRST_YEAR, 1, 1), date(LAST_YEAR, 12, 31)
    while day <= last:
        if day in workdays:
            is_workday, name = True, HOLIDAY_NAMES.get(workdays[day], workdays[day]) + "调休上班"
        elif day in holidays:
            is_workday, name = False, HOLIDAY_NAMES.get(holidays[day], holidays[day])
        else:
            is_workday, name = day.weekday() < 5, ""
        source = "chinese_calendar"
        if day in CORRECTIONS:
            (is_workday, name), source = CORRECTIONS[day], "manual"
        days.append(WorkDay(date=day, is_workday=is_workday, name=name, source=source, confirmed=True))
        day += timedelta(days=1)
    WorkDay.objects.bulk_create(days, batch_size=2000)

    now = timezone.now()
    note = f"由 chinesecalendar {version('chinesecalendar')} 初始化"
    CalendarYear.objects.bulk_create(
        CalendarYear(year=y, confirmed=True, source="chinese_calendar", confirmed_at=now, note=note)
        for y in range(FIRST_YEAR, LAST_YEAR + 1)
    )
    OfficeHours.objects.create(
        effective_from=date(FIRST_YEAR, 1, 1), periods="08:30-12:00,14:30-18:00", note="初始设置"
    )


def unseed(apps, schema_editor):
    for model in ("WorkDay", "CalendarYear", "OfficeHours"):
        apps.get_model("workcal", model).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("workcal", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
