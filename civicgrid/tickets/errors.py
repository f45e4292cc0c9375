from civicgrid.core.refusal import Refusal


class TicketError(Refusal):
    """A service refused an action: the guard failed. The message is shown to the user as is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self):
        return self.message


class NotAllowed(TicketError):
    """The actor's role or unit does not allow this action."""
