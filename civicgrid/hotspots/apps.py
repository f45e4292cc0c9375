from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotspotsConfig(AppConfig):
    name = "civicgrid.hotspots"
    verbose_name = _("热点与预警")

    def ready(self):
        from civicgrid.core import periodic
        from civicgrid.hotspots import jobs

        periodic.register("hotspots.early_alerts", "热点预警", jobs.raise_alerts)
        periodic.register("hotspots.thin_snapshots", "热点快照清理", jobs.thin_snapshots)
