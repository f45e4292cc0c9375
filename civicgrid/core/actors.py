"""Actors that are not people."""


class _SystemView:
    """The acting "user" of scheduled reports and the command line: sees everything."""

    def __repr__(self):
        return "SYSTEM"


SYSTEM = _SystemView()
