from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.functional import lazy

from civicgrid.core.health import healthz

admin.site.site_header = lazy(lambda: settings.CIVICGRID_PRODUCT_NAME, str)()
admin.site.site_title = lazy(lambda: f"{settings.CIVICGRID_PRODUCT_NAME} 管理后台", str)()
admin.site.index_title = "登记与配置"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("", include("civicgrid.portal.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("console/", include("civicgrid.console.urls")),
]
