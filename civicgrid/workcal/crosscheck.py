"""Day-by-day comparison of the calendar tables with chinese_calendar and holidays (CN)."""

from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar
import holidays

from civicgrid.workcal.models import WorkDay


@dataclass(frozen=True)
class DayAnswers:
    """Whether each source says `date` is a working day; None where a source has no answer."""

    date: date
    ours: bool | None
    chinese_calendar: bool | None
    holidays_cn: bool | None
    name: str = ""

    @staticmethod
    def _differ(a: bool | None, b: bool | None) -> bool:
        return a is not None and b is not None and a != b

    @property
    def ours_vs_chinese_calendar(self) -> bool:
        return self._differ(self.ours, self.chinese_calendar)

    @property
    def ours_vs_holidays_cn(self) -> bool:
        return self._differ(self.ours, self.holidays_cn)

    @property
    def chinese_calendar_vs_holidays_cn(self) -> bool:
        return self._differ(self.chinese_calendar, self.holidays_cn)


def _chinese_calendar_answer(day: date) -> bool | None:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # the library covers a fixed range of years
        return None


def compare_sources(first: date, last: date) -> list[DayAnswers]:
    """Every day in [first, last] with each source's answer."""
    ours = {
        d: (is_work, name)
        for d, is_work, name in WorkDay.objects.filter(date__range=(first, last)).values_list(
            "date", "is_workday", "name"
        )
    }
    cn = holidays.CN(years=range(first.year, last.year + 1))
    answers, day = [], first
    while day <= last:
        is_work, name = ours.get(day, (None, ""))
        answers.append(DayAnswers(day, is_work, _chinese_calendar_answer(day), cn.is_working_day(day), name))
        day += timedelta(days=1)
    return answers
