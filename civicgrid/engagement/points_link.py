"""Points posted automatically (by rule, idempotent by source key) when a wish is fulfilled or volunteer hours
are confirmed; no-ops until the points app is merged in."""


def post_for_wish(wish) -> None:
    return None
