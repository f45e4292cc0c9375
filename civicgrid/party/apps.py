from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartyConfig(AppConfig):
    name = "civicgrid.party"
    verbose_name = _("党建")
