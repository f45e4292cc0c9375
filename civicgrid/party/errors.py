from civicgrid.core.refusal import Refusal


class PartyRefusal(Refusal):
    """A refused change to the party register (message in Chinese)."""
