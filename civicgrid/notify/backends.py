"""Ways to send a notification outside the application (SMS, e-mail).

A backend has `send(notification, channel)` and raises on failure; the message of the exception is
recorded on the row and the row is retried later. Which backend serves which channel is the setting
CIVICGRID_NOTIFY_BACKENDS ({"sms": dotted path, "email": dotted path}).
"""

import hashlib
import hmac
import json
import logging
import string
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string
from django.utils.translation import gettext

from civicgrid.notify.models import sms_signature

logger = logging.getLogger("civicgrid.notify")

DEFAULT_BACKENDS = {
    "sms": "civicgrid.notify.backends.ConsoleBackend",
    "email": "civicgrid.notify.backends.ConsoleBackend",
}


class DeliveryError(Exception):
    """A notification that cannot be sent; the message is for people, in Chinese."""


class ConsoleBackend:
    """Writes the message to standard output and the log: for development and demonstrations."""

    def __init__(self, stream=None):
        self.stream = stream

    def send(self, notification, channel: str) -> None:
        user = notification.recipient
        line = f"[{channel}] -> {user.get_username()}: {notification.title}"
        if notification.body:
            line += f" | {notification.body}"
        logger.info("%s", line)
        stream = self.stream or sys.stdout
        stream.write(line + "\n")
        stream.flush()


class EmailBackend:
    """Sends through Django's mail settings (EMAIL_HOST, DEFAULT_FROM_EMAIL) to the user's address."""

    def send(self, notification, channel: str) -> None:
        address = notification.recipient.email
        if not address:
            raise DeliveryError(
                gettext("接收人 %(user)s 未设置电子邮箱") % {"user": notification.recipient.get_username()}
            )
        send_mail(notification.title, notification.body or notification.title, None, [address])


def configured_backends() -> dict[str, str]:
    return {**DEFAULT_BACKENDS, **getattr(settings, "CIVICGRID_NOTIFY_BACKENDS", {})}


class SmsDeliveryError(DeliveryError):
    """An SMS the gateway did not accept. `permanent` when retrying cannot help (a refused number)."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class SmsConsoleBackend:
    """Resident SMS written to standard output and the log: for development and demonstrations."""

    def __init__(self, stream=None):
        self.stream = stream

    def send(self, message) -> str:
        line = f"[sms] -> {message.phone_masked}: {message.text}"
        logger.info("%s", line)
        stream = self.stream or sys.stdout
        stream.write(line + "\n")
        stream.flush()
        return f"console-{message.pk}"


class HttpGatewayBackend:
    """A generic HTTP SMS gateway (CIVICGRID_SMS_HTTP): one request per message, carrying the signature
    (签名), the approved template code, the parameters and the message's idempotency key (in the body and
    as the Idempotency-Key header), signed with HMAC-SHA256 over "timestamp\\nbody" when a secret is set.
    A 2xx answer is the acknowledgement; the provider's message id is read from its JSON.
    """

    def __init__(self, config: dict | None = None):
        self.config = {**DEFAULT_HTTP, **(config or getattr(settings, "CIVICGRID_SMS_HTTP", {}))}

    def body(self, message) -> bytes:
        config = self.config
        values = {
            "phone": message.phone,
            "signature": sms_signature(),
            "template_code": message.provider_code,
            "params": message.params,
            "text": message.text,
            "key": message.key,
        }
        if "json" in config["content_type"]:
            encoded = {name: json.dumps(value, ensure_ascii=False) for name, value in values.items()}
        else:
            encoded = {
                name: urllib.parse.quote(
                    value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                )
                for name, value in values.items()
            }
        return string.Template(config["body"]).substitute(encoded).encode()

    def send(self, message) -> str:
        config = self.config
        if not config["url"]:
            raise SmsDeliveryError(gettext("未配置短信网关地址"))
        body = self.body(message)
        headers = {"Content-Type": config["content_type"], "Idempotency-Key": message.key}
        if config["secret"]:
            stamp = str(int(time.time()))
            digest = hmac.new(config["secret"].encode(), stamp.encode() + b"\n" + body, hashlib.sha256)
            headers["X-Timestamp"] = stamp
            headers[config["signature_header"]] = digest.hexdigest()
        method = config["method"].upper()
        url = config["url"]
        if method == "GET":
            url, body = f"{url}{'&' if '?' in url else '?'}{body.decode()}", None
        request = urllib.request.Request(url, data=body, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=float(config["timeout"])) as response:
                answer = response.read()
        except urllib.error.HTTPError as error:
            # A refusal of the request itself will be refused again; overload and server errors may pass later.
            permanent = 400 <= error.code < 500 and error.code not in (408, 409, 425, 429)
            raise SmsDeliveryError(
                gettext("短信网关拒绝了请求（状态码 %(code)d）") % {"code": error.code}, permanent=permanent
            ) from error
        except (OSError, ValueError) as error:
            logger.warning("sms gateway %s: %s", config["url"], error)
            raise SmsDeliveryError(gettext("短信网关无法连接或超时")) from error
        return _message_id(answer, config["message_id_field"])


DEFAULT_HTTP = {
    "url": "",
    "method": "POST",
    "body": '{"phone": ${phone}, "sign_name": ${signature}, "template_code": ${template_code}, '
    '"params": ${params}, "out_id": ${key}}',
    "content_type": "application/json",
    "secret": "",
    "signature_header": "X-Signature",
    "timeout": 10,
    "message_id_field": "message_id",
}


def _message_id(answer: bytes, field: str) -> str:
    """The provider's id at the dotted path `field` of a JSON answer ("" when absent: still acknowledged)."""
    try:
        value = json.loads(answer or b"null")
    except ValueError:
        return ""
    for part in field.split(".") if field else []:
        value = value.get(part) if isinstance(value, dict) else None
    return str(value)[:100] if value not in (None, "") else ""


SMS_GATEWAYS = {
    "console": "civicgrid.notify.backends.SmsConsoleBackend",
    "http": "civicgrid.notify.backends.HttpGatewayBackend",
}


def sms_gateway():
    """The configured resident SMS backend (CIVICGRID_SMS_GATEWAY: console, http or a dotted path)."""
    name = getattr(settings, "CIVICGRID_SMS_GATEWAY", "console") or "console"
    return import_string(SMS_GATEWAYS.get(name, name))()
