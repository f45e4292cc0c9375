"""Console pages of the intake app."""

urlpatterns = []
