from civicgrid.core.refusal import Refusal


class WeakOrgRefusal(Refusal):
    """A refused 软弱涣散 action; the message is for people, in Chinese."""
