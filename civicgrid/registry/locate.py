"""Point and address → grid. (Placeholder until the locate module lands.)"""


def invalidate() -> None:
    pass
