from tests.ledgers.conftest import item_in


def test_every_state_reachable(world):
    for state in ["proposed", "listed", "taken", "in_progress", "applied_for_closure", "closed"]:
        assert item_in(world, state).state == state
