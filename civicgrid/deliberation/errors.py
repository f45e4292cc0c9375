from civicgrid.core.refusal import Refusal


class DeliberationError(Refusal):
    """A refused deliberation action; the message is for people, in Chinese."""
