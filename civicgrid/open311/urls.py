"""GeoReport v2 under /open311/v2/: every call with an optional .xml or .json suffix."""

from django.urls import re_path

from civicgrid.open311 import views

app_name = "open311"

FMT = r"(?:\.(?P<fmt>[A-Za-z]+))?$"

urlpatterns = [
    re_path(r"^$", views.discovery, name="root"),
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.services, name="services"),
    re_path(r"^services/(?P<code>[^/.]+)" + FMT, views.service_definition, name="service"),
    re_path(r"^requests" + FMT, views.requests, name="requests"),
    re_path(r"^requests/(?P<number>[^/.]+)" + FMT, views.service_request, name="request"),
    re_path(r"^servicerequestupdates" + FMT, views.request_updates, name="updates"),
]
