from civicgrid.core.refusal import Refusal


class CatalogueError(Refusal):
    """A refused catalogue action; the message is for people, in Chinese."""
