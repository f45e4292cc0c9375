"""The demo's year so far: every moment of the engagement data lies between 1 January and now, whatever day the
demo is built. Moments are asked for as fractions of the year so far, so early in January the whole year's story
is squeezed into the days there are, in the same order."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

WORK_START, WORK_HOURS = 8, 10  # moments fall in office hours once the year is long enough for it
SNAP_AFTER_DAYS = 14


@dataclass(frozen=True)
class Year:
    start: datetime
    now: datetime

    @classmethod
    def so_far(cls, now: datetime | None = None) -> "Year":
        now = timezone.localtime(now or timezone.now())
        return cls(start=timezone.make_aware(datetime.combine(date(now.year, 1, 1), time.min)), now=now)

    @property
    def today(self) -> date:
        return self.now.date()

    @property
    def number(self) -> int:
        return self.now.year

    @property
    def span(self) -> timedelta:
        return self.now - self.start

    @property
    def days(self) -> int:
        """Whole days since 1 January (0 on New Year's Day)."""
        return (self.today - self.start.date()).days

    def at(self, fraction: float) -> datetime:
        """The moment `fraction` of the way through the year so far; later fractions are never earlier moments.
        Once the year has a fortnight, the moment is moved into office hours of its day (never past now)."""
        fraction = min(max(fraction, 0.0), 1.0)
        moment = timezone.localtime(self.start + self.span * fraction)
        if self.days < SNAP_AFTER_DAYS:
            return moment
        midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        if moment.date() == self.today:
            # Today runs from office opening (or earlier, if it is early) to now.
            opening = min(timedelta(hours=WORK_START), (self.now - midnight) * 0.8)
            share = (moment - midnight) / (self.now - midnight) if self.now > midnight else 1.0
            return (midnight + opening + (self.now - midnight - opening) * share).replace(microsecond=0)
        of_day = (moment - midnight) / timedelta(days=1)
        return (midnight + timedelta(hours=WORK_START + WORK_HOURS * of_day)).replace(microsecond=0)

    def day(self, fraction: float) -> date:
        return self.at(fraction).date()

    def between(self, earlier: datetime, later: datetime, share: float) -> datetime:
        """A moment `share` of the way from `earlier` to `later` (both within the year)."""
        return earlier + (later - earlier) * min(max(share, 0.0), 1.0)

    def fraction_of(self, moment: datetime) -> float:
        total = self.span.total_seconds()
        return (moment - self.start).total_seconds() / total if total else 1.0

    def ago(self, delta: timedelta) -> float:
        """The fraction of the moment `delta` before now (0 when that is before 1 January)."""
        return max(0.0, self.fraction_of(self.now - delta))
