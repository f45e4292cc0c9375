"""/open311/v2/: the GeoReport v2 calls, each as the specification names it, in XML or JSON.

Reads are public, as the specification has them, and show the public view of tickets only
(open311.selectors). The one write, POST requests, needs an api_key: an API key of an account that may
register tickets, and for an integration client the scope "open311"."""

from datetime import datetime
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from civicgrid.core.refusal import REFUSAL_TYPES, refusal_message
from civicgrid.integrations.tokens import authenticate
from civicgrid.open311 import formats, selectors
from civicgrid.open311.services import Submission, open311_submit
from civicgrid.registry.models import Role
from civicgrid.registry.selectors import has_role
from civicgrid.tickets.errors import NotAllowed

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-07T00:00:00+08:00"
REGISTER_ROLES = (Role.OPERATOR, Role.DISPATCHER, Role.ADMINISTRATOR, Role.GRID_WORKER, Role.GRID_LEADER)


class Failure(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status, self.description = status, description


def endpoint(*methods):
    """A GeoReport call: its format chosen, its method checked, its failures in the specification's
    error document."""

    def wrap(view):
        @csrf_exempt
        @wraps(view)
        def handler(request, fmt=None, **kwargs):
            try:
                fmt = formats.negotiate(request, fmt)
            except formats.UnknownFormat:
                return formats.error("xml", 404, "不支持此格式：请用 .xml 或 .json")
            if request.method not in methods:
                response = formats.error(fmt, 405, f"不支持 {request.method} 请求")
                response["Allow"] = ", ".join(methods)
                return response
            try:
                _check_jurisdiction(request)
                return view(request, fmt, **kwargs)
            except Failure as failure:
                return formats.error(fmt, failure.status, failure.description)

        return handler

    return wrap


def _check_jurisdiction(request) -> None:
    given = (request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id") or "").strip()
    ours = selectors.jurisdiction()
    if given and ours and given != ours:
        raise Failure(404, f"本服务不受理辖区「{given}」的请求")


def _ok(fmt: str, root: str, value, status: int = 200) -> HttpResponse:
    return formats.respond(fmt, formats.render(fmt, root, value), status=status)


# --- discovery and services -------------------------------------------------------------------------------


@endpoint("GET", "HEAD")
def discovery(request, fmt):
    root = request.build_absolute_uri(reverse("open311:root"))
    body = {
        "changeset": CHANGESET,
        "contact": "请联系本地 12345 热线中心",
        "key_service": "接口密钥（api_key）由系统管理员在后台「对接系统」中创建",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": root.rstrip("/"),
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return _ok(fmt, "discovery", body)


@endpoint("GET", "HEAD")
def services(request, fmt):
    body = selectors.cached(
        ("services", selectors.category_version(), fmt),
        lambda: formats.render(fmt, "services", selectors.services()),
    )
    return formats.respond(fmt, body)


@endpoint("GET", "HEAD")
def service_definition(request, fmt, code):
    category = selectors.service_category(code)
    if category is None:
        raise Failure(404, f"服务代码（service_code）「{code}」不存在")
    return _ok(fmt, "service_definition", selectors.service_definition(category))


# --- service requests -------------------------------------------------------------------------------------


def _moment(name: str, text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace(" ", "+"))
    except ValueError:
        raise Failure(400, f"{name} 应为 W3C 日期时间，例如 2026-01-01T00:00:00+08:00") from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _window(params) -> tuple[datetime, datetime]:
    """start_date/end_date: both, one (the other 90 days away) or neither (the last 90 days)."""
    start = _moment("start_date", params["start_date"]) if params.get("start_date") else None
    end = _moment("end_date", params["end_date"]) if params.get("end_date") else None
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        start = end - selectors.WINDOW
    elif end is None:
        end = start + selectors.WINDOW
    if end < start:
        raise Failure(400, "end_date 不能早于 start_date")
    if end - start > selectors.WINDOW:
        raise Failure(400, "start_date 与 end_date 相距不能超过 90 天")
    return start, end


def _listed(params, name: str) -> list[str]:
    return [part.strip() for part in params.get(name, "").split(",") if part.strip()]


def _paging(params) -> tuple[int, int]:
    """page and page_size (as 6aika's issue-reporting reads them): an extension; one page is at most the
    specification's 1,000."""
    try:
        page = int(params.get("page") or 1)
        size = int(params.get("page_size") or params.get("per_page") or selectors.MAX_RESULTS)
    except ValueError:
        raise Failure(400, "page 和 page_size 应为正整数") from None
    if page < 1 or size < 1:
        raise Failure(400, "page 和 page_size 应为正整数")
    return page, min(size, selectors.MAX_RESULTS)


@endpoint("GET", "HEAD", "POST")
def requests(request, fmt):
    if request.method == "POST":
        return _submit(request, fmt)
    params = request.GET
    statuses = [s.lower() for s in _listed(params, "status")]
    if any(s not in ("open", "closed") for s in statuses):
        raise Failure(400, "status 只能是 open 或 closed")
    ids = _listed(params, "service_request_id")
    start, end = _window(params) if not ids else (None, None)
    page, size = _paging(params)
    query = selectors.RequestQuery(
        ids=ids,
        service_codes=_listed(params, "service_code"),
        start=start,
        end=end,
        statuses=statuses,
        page=page,
        page_size=size,
    )
    return _ok(fmt, "service_requests", selectors.service_requests(query))


@endpoint("GET", "HEAD")
def service_request(request, fmt, number):
    found = selectors.service_request(number)
    if found is None:
        raise Failure(404, f"服务请求「{number}」不存在")
    return _ok(fmt, "service_requests", [found])


@endpoint("GET", "HEAD")
def request_updates(request, fmt):
    """FixMyStreet's servicerequestupdates: the public progress of every public request in a window."""
    start, end = _window(request.GET)
    page, size = _paging(request.GET)
    updates = selectors.request_updates(start, end, page=page, page_size=size)
    return _ok(fmt, "service_requests_updates", updates)


def _account(raw: str):
    if not raw:
        raise Failure(400, "缺少接口密钥（api_key）")
    user = authenticate(raw)
    if user is None:
        raise Failure(403, "接口密钥（api_key）无效或已停用")
    client = getattr(user, "integration_client", None)
    if client is not None and not client.allows("open311"):
        raise Failure(403, f"对接系统「{client.name}」未获「Open311 接口」授权")
    if not has_role(user, *REGISTER_ROLES):
        raise Failure(403, "该接口密钥所属账号无权登记工单")
    return user


def _number(params, name: str) -> float | None:
    text = (params.get(name) or "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise Failure(400, f"{name} 应为数字（WGS-84 经纬度）") from None


def _attributes(params) -> dict:
    found = {}
    for key in params:
        if key.startswith("attribute[") and "]" in key:
            code = key[len("attribute[") : key.index("]")]
            values = [v.strip() for v in params.getlist(key) if v.strip()]
            if code and values:
                found[code] = "、".join(values)
    return found


def _submit(request, fmt):
    params = request.POST
    actor = _account((params.get("api_key") or request.GET.get("api_key") or "").strip())
    code = (params.get("service_code") or "").strip()
    if not code:
        raise Failure(400, "缺少服务代码（service_code）")
    category = selectors.service_category(code)
    if category is None:
        raise Failure(400, f"服务代码（service_code）「{code}」不存在")
    lat, lon = _number(params, "lat"), _number(params, "long")
    address = (params.get("address_string") or "").strip()
    if (lat is None) != (lon is None):
        raise Failure(400, "请同时提供 lat 和 long")
    if lat is None and not address and not (params.get("address_id") or "").strip():
        raise Failure(400, "请提供位置：lat 和 long，或 address_string")
    submission = Submission(
        category=category,
        description=params.get("description") or "",
        lat=lat,
        lon=lon,
        address=address,
        first_name=params.get("first_name") or "",
        last_name=params.get("last_name") or "",
        phone=params.get("phone") or "",
        email=(params.get("email") or "").strip(),
        media_url=(params.get("media_url") or "").strip(),
        attributes=_attributes(params),
    )
    try:
        ticket = open311_submit(actor=actor, submission=submission)
    except (NotAllowed, PermissionDenied) as exc:
        raise Failure(403, str(exc) or "无权登记工单") from None
    except REFUSAL_TYPES as exc:
        raise Failure(400, refusal_message(exc) or "请求内容不符合要求") from None
    answer = [
        {"service_request_id": ticket.number, "service_notice": f"诉求已受理，工单编号 {ticket.number}"}
    ]
    return _ok(fmt, "service_requests", answer, status=201)
