from tests.assessment.conftest import place  # noqa: F401  (two towns and three departments, for metrics)
from tests.tickets.conftest import world  # noqa: F401  (the shared small jurisdiction)
