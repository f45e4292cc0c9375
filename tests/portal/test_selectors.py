import pytest

from civicgrid.portal.selectors import find_for_resident, normalise_number, portal_categories
from tests.tickets.conftest import local
from tests.tickets.helpers import register

T0 = local(2026, 6, 1, 9, 0)


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("20260601-000001", "20260601-000001"),
        (" 20260601000001 ", "20260601-000001"),
        ("20260601 - 000001", "20260601-000001"),
        ("2026-06-01", None),
        ("", None),
    ],
)
def test_numbers_are_normalised(raw, number):
    assert normalise_number(raw) == number


def test_a_ticket_is_found_only_with_its_phone_tail(world):
    ticket = register(world, T0, requester_phone="138-1234-5678")
    assert find_for_resident(ticket.number, "5678") == ticket
    assert find_for_resident(ticket.number, "5679") is None
    assert find_for_resident(ticket.number, "567") is None


def test_a_ticket_without_a_phone_cannot_be_tracked(world):
    ticket = register(world, T0, requester_phone="", is_anonymous=True)
    assert find_for_resident(ticket.number, "0000") is None


def test_categories_come_in_first_level_groups_with_an_other_option(db):
    groups = dict(portal_categories())
    assert len(groups) == 16
    names = [name for _, name in groups["城乡建设"]]
    assert names[:2] == ["物业管理", "违章建筑"] and names[-1] == "其他城乡建设问题"
    assert [name for _, name in groups["其他"]] == ["表扬感谢", "意见建议", "其他诉求"]
