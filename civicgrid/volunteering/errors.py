from civicgrid.core.refusal import Refusal


class VolunteerRefusal(Refusal):
    """A refused volunteering action (message in Chinese)."""
