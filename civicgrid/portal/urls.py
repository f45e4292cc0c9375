"""The residents' portal, mounted at the site root."""

from django.urls import path

from civicgrid.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("submit/", views.submit, name="submit"),
    path("submit/receipt/", views.receipt, name="receipt"),
    path("submit/receipt/sms-opt-out/", views.receipt_sms_opt_out, name="receipt_sms_opt_out"),
    path("track/", views.track, name="track"),
    path("rate/", views.rate, name="rate"),
    path("grids.geojson", views.grids, name="grids"),
]
