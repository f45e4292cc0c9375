"""The one type of business refusal: a guard said no, with a message for people, in Chinese.

Every domain error (TicketError, RoutingError, SlaError, CalendarError, the import errors,
ModelFileError, ...) is a subclass. Interfaces turn a Refusal into a message in one place each;
anything else that escapes is a bug and may be a 500.
"""

from django.core.exceptions import ValidationError


class Refusal(Exception):
    """A refused action or input. `message` is shown to the user as is."""

    def __init__(self, message: str = ""):
        super().__init__(message)
        self.message = message

    def __str__(self):
        return self.message


# What a service raises to say no: a Refusal, or Django's ValidationError when the fault is in named fields.
REFUSAL_TYPES = (Refusal, ValidationError)


def refusal_message(exc: BaseException) -> str | None:
    """What to tell the user about `exc`: a Refusal's message, or a ValidationError's messages joined;
    None when `exc` is not a refusal (a bug, which may be a 500)."""
    if isinstance(exc, Refusal):
        return exc.message
    if isinstance(exc, ValidationError):
        return ";".join(exc.messages)
    return None
