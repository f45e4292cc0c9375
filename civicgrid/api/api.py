"""The REST API under /api/v1/: one NinjaAPI, a router per resource module, every call authenticated."""

from ninja import NinjaAPI

from civicgrid.api import errors, me
from civicgrid.api.auth import TokenAuth

api = NinjaAPI(
    title="civicgrid 接口",
    version="1",
    description="12345 直通联办与基层党建接口。每次调用的范围与同一账号在工作台中相同；写操作均留痕。",
    auth=TokenAuth(),
    urls_namespace="api",
)
errors.install(api)
api.add_router("/me", me.router)
from civicgrid.api import engagement, hotspots, notifications, party, rates, reference  # noqa: E402

api.add_router("/reference", reference.router)
api.add_router("/rates", rates.router)
api.add_router("/hotspots", hotspots.router)
api.add_router("/notifications", notifications.router)
api.add_router("/party", party.router)
api.add_router("/engagement", engagement.router)
