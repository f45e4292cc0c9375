import pytest
from django.core.exceptions import ValidationError

from civicgrid.core.phones import clean_phone


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("13900004321", "13900004321"),
        ("139 0000 4321", "13900004321"),
        ("139-0000-4321", "13900004321"),
        ("+86 139 0000 4321", "13900004321"),
        ("8613900004321", "13900004321"),
        ("0898-66123456", "089866123456"),
        ("(0898) 6612345", "08986612345"),
        ("010-12345678", "01012345678"),
        ("+852 9123 4567", "+85291234567"),
        ("00853 6612 3456", "+85366123456"),
        ("+886 912 345 678", "+886912345678"),
        ("+886 0912 345 678", "+886912345678"),
        ("+1 415 555 0100", "+14155550100"),
    ],
)
def test_it_accepts_mobiles_landlines_with_area_codes_and_numbers_abroad(typed, stored):
    assert clean_phone(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "1390756",  # the browser walk's 7-digit typo, accepted before as 「尾号 0756」
        "1390000432",  # 10 digits
        "139000043210",  # 12 digits
        "12900004321",  # no mobile starts 12
        "+852 9123 456",  # Hong Kong numbers have 8 digits
        "+853 12345",
        "+886 12345",
        "0898-123",
        "abc",
        "",
        "+",
    ],
)
def test_it_refuses_what_cannot_be_called_with_a_chinese_message(typed):
    with pytest.raises(ValidationError) as error:
        clean_phone(typed)
    assert "请" in error.value.messages[0] and "11 位" in error.value.messages[0]


def test_a_landline_without_its_area_code_is_told_to_add_it():
    with pytest.raises(ValidationError, match="请加上区号"):
        clean_phone("66123456")
