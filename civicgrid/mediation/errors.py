from civicgrid.core.refusal import Refusal


class MediationError(Refusal):
    """A refused mediation action; the message is for people, in Chinese."""
