import pytest

from civicgrid.portal.selectors import normalise_number, portal_categories, proves_ownership, ticket_by_number
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


def test_a_ticket_opens_with_its_query_code_or_the_full_phone_but_never_the_last_four_digits(world):
    ticket = register(world, T0, requester_phone="138-1234-5678")
    assert ticket_by_number(ticket.number.replace("-", "")) == ticket
    code = ticket.query_code
    assert len(code) == 6 and not set(code) & set("01OIL")
    assert proves_ownership(ticket, code) and proves_ownership(ticket, f" {code.lower()} ")
    assert proves_ownership(ticket, "13812345678") and proves_ownership(ticket, "138 1234 5678")
    assert not proves_ownership(ticket, "5678")  # what a masked phone shows staff (red team H1/M1)
    assert not proves_ownership(ticket, "12345678")
    assert not proves_ownership(ticket, code[:5])


def test_a_ticket_without_a_phone_opens_only_with_its_code(world):
    ticket = register(world, T0, requester_phone="", is_anonymous=True)
    assert not proves_ownership(ticket, "0000000") and not proves_ownership(ticket, "")
    assert proves_ownership(ticket, ticket.query_code)


def test_every_ticket_gets_its_own_random_code(world):
    codes = {register(world, T0).query_code for _ in range(20)}
    assert len(codes) == 20


def test_categories_come_in_first_level_groups_with_an_other_option(db):
    groups = dict(portal_categories())
    assert len(groups) == 16
    names = [name for _, name in groups["城乡建设"]]
    assert names[:2] == ["物业管理", "违章建筑"] and names[-1] == "其他城乡建设问题"
    assert [name for _, name in groups["其他"]] == ["表扬感谢", "意见建议", "其他诉求"]
