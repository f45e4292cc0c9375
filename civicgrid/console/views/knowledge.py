"""Console pages of the knowledge app."""

urlpatterns = []
