from civicgrid.core.refusal import Refusal


class PointsRefusal(Refusal):
    """A refused change to a points ledger, catalogue or redemption (message in Chinese)."""
