"""The staff console. Each area's views module lists its own URL patterns."""

from django.urls import path

from civicgrid.console.views import (
    catalogue,
    common,
    dashboard,
    deliberation,
    dispatching,
    engagement,
    engagement_community,
    engagement_pairings,
    exports,
    handling,
    intake,
    knowledge,
    ledgers,
    mediation,
    mygrid,
    party_org,
    party_secretary,
    patrol,
    pauses,
    points,
    volunteering,
)
from civicgrid.console.views import weakorgs as weakorgs_views

app_name = "console"

urlpatterns = [
    path("", common.home, name="home"),
    path("tickets/", common.ticket_list, name="tickets"),
    path("tickets/<int:pk>/", common.ticket_detail, name="ticket"),
    path("tickets/<int:pk>/reveal/", common.ticket_reveal, name="ticket_reveal"),
    path("attachments/<int:pk>/", common.attachment_file, name="attachment"),
    path("attachments/<int:pk>/internal/", common.attachment_internal, name="attachment_internal"),
    path("notifications/", common.notifications, name="notifications"),
    *dispatching.urlpatterns,
    *handling.urlpatterns,
    *dashboard.urlpatterns,
    *knowledge.urlpatterns,
    *intake.urlpatterns,
    *pauses.urlpatterns,
    *patrol.urlpatterns,
    *mygrid.urlpatterns,
    *exports.urlpatterns,
    *party_org.urlpatterns,
    *party_secretary.urlpatterns,
    *volunteering.urlpatterns,
    *engagement.urlpatterns,
    *points.urlpatterns,
    *engagement_community.urlpatterns,
    *engagement_pairings.urlpatterns,
    *deliberation.urlpatterns,
    *ledgers.urlpatterns,
    *catalogue.urlpatterns,
    *mediation.urlpatterns,
    *weakorgs_views.urlpatterns,
]
