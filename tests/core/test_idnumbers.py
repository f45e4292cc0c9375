"""ID numbers: GB 11643 checks, encryption round trip, keyed hash, masking, the key file."""

import os
import stat
from datetime import date

import pytest
from django.db import connection

from civicgrid.core import idnumbers
from civicgrid.core.idnumbers import IdNumberError
from civicgrid.core.refusal import Refusal

# A published sample with a valid check digit: 11010519491231002X (female, born 1949-12-31).
SAMPLE = "11010519491231002X"


def test_parse_reads_birth_date_and_sex_and_accepts_x_and_full_width():
    parsed = idnumbers.parse(" 11010519491231002x ")
    assert parsed.number == SAMPLE and parsed.birth_date == date(1949, 12, 31)
    assert parsed.sex == idnumbers.FEMALE and parsed.sex_label == "女"
    assert idnumbers.parse("１１０１０５１９４９１２３１００２Ｘ").number == SAMPLE
    assert SAMPLE not in repr(parsed)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "不能为空"),
        ("1101051949123100", "18 位"),
        ("110105194912310021", "校验位"),
        ("110105194902300028", "出生日期"),  # 30 February
        ("110105209912310020", "有效范围"),  # born in the future
    ],
)
def test_bad_numbers_are_refused_in_chinese(raw, message):
    with pytest.raises(IdNumberError) as caught:
        idnumbers.parse(raw, today=date(2026, 1, 1))
    assert isinstance(caught.value, Refusal) and message in caught.value.message


def test_male_from_an_odd_seventeenth_digit():
    body = "46000219800101001"
    assert idnumbers.parse(body + idnumbers.check_digit(body)).sex == idnumbers.MALE


def test_round_trip_hash_and_mask(settings):
    settings.CIVICGRID_ID_KEY = "test-master-key"
    token = idnumbers.encrypt(SAMPLE)
    assert SAMPLE not in token and idnumbers.decrypt(token) == SAMPLE
    assert idnumbers.encrypt(SAMPLE) != token  # a fresh IV each time
    assert idnumbers.lookup_hash(SAMPLE) == idnumbers.lookup_hash(SAMPLE.lower())
    assert len(idnumbers.lookup_hash(SAMPLE)) == 64 and SAMPLE not in idnumbers.lookup_hash(SAMPLE)
    assert idnumbers.mask(SAMPLE) == "1101**********002X"
    settings.CIVICGRID_ID_KEY = "another-key"
    with pytest.raises(IdNumberError):
        idnumbers.decrypt(token)


def test_hash_depends_on_the_key(settings):
    settings.CIVICGRID_ID_KEY = "key-one"
    first = idnumbers.lookup_hash(SAMPLE)
    settings.CIVICGRID_ID_KEY = "key-two"
    assert idnumbers.lookup_hash(SAMPLE) != first


def test_without_a_key_setting_a_key_file_is_created_once_with_mode_0600(settings, tmp_path):
    settings.CIVICGRID_ID_KEY = ""
    settings.DATA_DIR = tmp_path
    token = idnumbers.encrypt(SAMPLE)
    path = tmp_path / "id_key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    content = path.read_text()
    assert idnumbers.decrypt(token) == SAMPLE and path.read_text() == content


@pytest.mark.django_db
def test_the_database_never_holds_a_plain_number():
    from tests.party.factories import id_number, member

    number = id_number()
    added = member(id_number=number)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM party_partymember WHERE id = %s", [added.pk])
        row = cursor.fetchone()
    assert not any(number in str(value) for value in row)
    assert added.id_masked == number[:4] + "*" * 10 + number[-4:]
    assert idnumbers.decrypt(added.id_encrypted) == number
