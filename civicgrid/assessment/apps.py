from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "civicgrid.assessment"
    verbose_name = _("考评")

    def ready(self):
        from civicgrid.assessment import aggregates, snapshots
        from civicgrid.core import periodic

        # A recount replaces a month's rows: two workers at once would store them twice, so one at a time.
        periodic.register(
            "assessment.monthly_counts", "月度考评计数", aggregates.refresh, lease=timedelta(minutes=15)
        )
        periodic.register(
            "assessment.recent_counts", "看板近期计数", aggregates.refresh_recent, lease=timedelta(minutes=15)
        )
        # After the recent counts, so the ready-made views are built on the counts just made.
        periodic.register(
            "assessment.dashboard_snapshots", "看板预先统计", snapshots.refresh, lease=timedelta(minutes=15)
        )
