from tests.tickets.conftest import world  # noqa: F401  (the shared small jurisdiction)
