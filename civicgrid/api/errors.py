"""Every error as JSON with a stable `code` and a Chinese `message`; a Refusal is a 409 with its message."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from civicgrid.core.refusal import Refusal, refusal_message

MESSAGES = {
    400: ("bad_request", "请求格式不正确"),
    401: ("unauthorized", "请提供有效的接口密钥（Authorization: Bearer …）"),
    403: ("forbidden", "无权进行此操作"),
    404: ("not_found", "未找到"),
    405: ("method_not_allowed", "不支持此请求方法"),
    409: ("refused", "操作未被接受"),
    413: ("too_large", "请求内容过大"),
    422: ("invalid", "请求内容不符合要求"),
    429: ("too_many_requests", "请求过于频繁，请稍后再试"),
}


def error_body(status: int, message: str = "", **extra) -> dict:
    code, default = MESSAGES.get(status, ("error", "请求未完成"))
    return {"code": extra.pop("code", code), "message": message or default, **extra}


def _field(loc) -> str:
    return ".".join(str(part) for part in loc if part not in ("body", "query", "path", "form", "payload"))


def install(api) -> None:
    def respond(request, status, message="", **extra):
        return api.create_response(request, error_body(status, message, **extra), status=status)

    @api.exception_handler(Refusal)
    def refused(request, exc):
        return respond(request, 409, refusal_message(exc) or "")

    @api.exception_handler(DjangoValidationError)
    def invalid_model(request, exc):
        return respond(request, 422, refusal_message(exc) or "")

    @api.exception_handler(NinjaValidationError)
    def invalid(request, exc):
        fields = [
            {"field": _field(error.get("loc", ())), "type": error.get("type", "")} for error in exc.errors
        ]
        names = "、".join(sorted({f["field"] for f in fields if f["field"]})) or "请求内容"
        return respond(request, 422, f"以下内容缺失或格式不正确：{names}", errors=fields)

    @api.exception_handler(AuthenticationError)
    def unauthorized(request, exc):
        return respond(request, 401)

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        return respond(request, 403, str(exc) if str(exc) else "")

    @api.exception_handler(Http404)
    def not_found(request, exc):
        # Django's own 404s say "No X matches the given query." in English: only a Chinese message is passed on.
        text = str(exc)
        return respond(request, 404, "" if text.isascii() else text)

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        message = str(exc.message) if exc.message and not str(exc.message).isascii() else ""
        return respond(request, exc.status_code, message)
