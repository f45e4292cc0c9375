from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "civicgrid.reviews"
    verbose_name = _("述职评议")
