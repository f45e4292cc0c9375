from datetime import date

import pytest

from civicgrid.knowledge import services
from tests.tickets.conftest import world  # noqa: F401  (the shared small jurisdiction)

TODAY = date(2026, 6, 1)


@pytest.fixture
def make_entry(db):
    """Add an entry through the service as the system; text and dates can be overridden."""

    def make(question, answer="请拨打12345热线咨询。", **fields):
        fields.setdefault("valid_from", date(2026, 1, 1))
        return services.entry_create(actor=None, question=question, answer=answer, **fields)

    return make
