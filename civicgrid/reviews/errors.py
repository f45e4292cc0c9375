from civicgrid.core.refusal import Refusal


class ReviewError(Refusal):
    """A refused step of a 述职评议 (a guard said no)."""
