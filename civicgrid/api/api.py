"""The REST API under /api/v1/: one NinjaAPI, a router per resource module, every call authenticated."""

from ninja import NinjaAPI

from civicgrid.api import (
    assignments,
    attachments,
    engagement,
    errors,
    hotspots,
    me,
    notifications,
    party,
    rates,
    reference,
    ticket_actions,
    tickets,
)
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
api.add_router("/tickets", tickets.router)
api.add_router("/assignments", assignments.router)
# Decisions on extension and return requests, and attachments, under their own paths.
api.add_router("", ticket_actions.router)
api.add_router("", attachments.router)
api.add_router("/reference", reference.router)
api.add_router("/rates", rates.router)
api.add_router("/hotspots", hotspots.router)
api.add_router("/notifications", notifications.router)
api.add_router("/party", party.router)
api.add_router("/engagement", engagement.router)
