"""Ways to send a notification outside the application (SMS, e-mail).

A backend has `send(notification, channel)` and raises on failure; the message of the exception is
recorded on the row and the row is retried later. Which backend serves which channel is the setting
CIVICGRID_NOTIFY_BACKENDS ({"sms": dotted path, "email": dotted path}).
"""

import logging
import sys

from django.conf import settings
from django.core.mail import send_mail
from django.utils.translation import gettext

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
