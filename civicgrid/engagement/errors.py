from civicgrid.core.refusal import Refusal


class EngagementError(Refusal):
    """A refused engagement action (双报到, micro-wish, pairing); the message is for people, in Chinese."""
