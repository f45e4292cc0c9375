from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "civicgrid.intake"
    verbose_name = "智能受理"
