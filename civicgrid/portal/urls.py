"""The residents' portal, mounted at the site root."""

from django.urls import path

from civicgrid.portal import engagement, mine, party, points, views, volunteering

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("elder/", views.elder, name="elder"),
    path("submit/", views.submit, name="submit"),
    path("submit/receipt/", views.receipt, name="receipt"),
    path("submit/receipt/sms-opt-out/", views.receipt_sms_opt_out, name="receipt_sms_opt_out"),
    path("track/", views.track, name="track"),
    path("rate/", views.rate, name="rate"),
    path("track/photo/<str:token>/", views.photo, name="photo"),
    path("grids.geojson", views.grids, name="grids"),
    path("mine/", mine.mine, name="mine"),
    path("mine/code/", mine.send_code, name="mine_code"),
    path("mine/verify/", mine.verify, name="mine_verify"),
    path("mine/logout/", mine.sign_out, name="mine_logout"),
    path("mine/<str:number>/", mine.mine_ticket, name="mine_ticket"),
    path("mine/<str:number>/supplement/", mine.supplement, name="mine_supplement"),
    path("mine/<str:number>/rate/", mine.rate, name="mine_rate"),
    path("party/", party.party_mine, name="party_mine"),
    path("party/code/", party.party_code, name="party_code"),
    path("party/verify/", party.party_verify, name="party_verify"),
    path("party/logout/", party.party_sign_out, name="party_logout"),
    path("volunteer/", volunteering.volunteer_home, name="volunteer_home"),
    path("volunteer/code/", volunteering.volunteer_code, name="volunteer_code"),
    path("volunteer/verify/", volunteering.volunteer_verify, name="volunteer_verify"),
    path("volunteer/logout/", volunteering.volunteer_sign_out, name="volunteer_logout"),
    path("volunteer/register/", volunteering.volunteer_register, name="volunteer_register"),
    path("volunteer/join/<int:pk>/", volunteering.volunteer_join, name="volunteer_join"),
    path("volunteer/cancel/<int:pk>/", volunteering.volunteer_cancel, name="volunteer_cancel"),
    path("volunteer/dispute/<int:pk>/", volunteering.volunteer_dispute, name="volunteer_dispute"),
    path("volunteer/certificate/", volunteering.volunteer_certificate, name="volunteer_certificate"),
    path("volunteer/scan/done/", volunteering.volunteer_scan_done, name="volunteer_scan_done"),
    path("volunteer/scan/<str:token>/", volunteering.volunteer_scan, name="volunteer_scan"),
    path("volunteer/notices/", volunteering.volunteer_notices, name="volunteer_notices"),
    path("wishes/", engagement.wishes, name="wishes"),
    path("wishes/<int:pk>/confirm/", engagement.wish_confirm, name="wish_confirm"),
    path("party/wishes/", engagement.member_wishes, name="member_wishes"),
    path("party/wishes/<int:pk>/claim/", engagement.member_claim, name="member_claim"),
    path("points/", points.points_mine, name="points_mine"),
    path("points/code/", points.points_code, name="points_code"),
    path("points/verify/", points.points_verify, name="points_verify"),
    path("points/logout/", points.points_sign_out, name="points_logout"),
    path("points/redeem/<int:item_id>/", points.points_redeem, name="points_redeem"),
    path("points/ranking/<str:code>/", points.points_ranking, name="points_ranking"),
]
