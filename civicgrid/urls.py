from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "civicgrid 基层治理平台"
admin.site.site_title = "civicgrid 管理后台"
admin.site.index_title = "登记与配置"

urlpatterns = [
    path("", include("civicgrid.portal.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("console/", include("civicgrid.console.urls")),
]
