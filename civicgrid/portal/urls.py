"""The residents' portal, mounted at the site root."""

from django.urls import path

from civicgrid.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("elder/", views.elder, name="elder"),
    path("submit/", views.submit, name="submit"),
    path("submit/receipt/", views.receipt, name="receipt"),
    path("track/", views.track, name="track"),
    path("rate/", views.rate, name="rate"),
    path("track/photo/<str:token>/", views.photo, name="photo"),
    path("grids.geojson", views.grids, name="grids"),
]
