from django.apps import AppConfig


class PointsConfig(AppConfig):
    name = "civicgrid.points"
    verbose_name = "信用积分"
    default_auto_field = "django.db.models.BigAutoField"
