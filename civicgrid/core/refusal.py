"""The one type of business refusal: a guard said no, with a message for people, in Chinese.

Every domain error (TicketError, RoutingError, SlaError, CalendarError, the import errors,
ModelFileError, ...) is a subclass. Interfaces turn a Refusal into a message in one place each;
anything else that escapes is a bug and may be a 500.
"""


class Refusal(Exception):
    """A refused action or input. `message` is shown to the user as is."""

    def __init__(self, message: str = ""):
        super().__init__(message)
        self.message = message

    def __str__(self):
        return self.message
