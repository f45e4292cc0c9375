"""Resident ID numbers (公民身份号码, GB 11643-1999): checked, encrypted at rest, found by a keyed hash, masked.

The database never holds a plain number: `encrypt` gives a Fernet token (AES-128-CBC + HMAC) to store,
`lookup_hash` an HMAC-SHA256 for unique lookup and re-import matching, `mask` what people see. Both keys are
derived (HKDF) from one master key: the setting CIVICGRID_ID_KEY, else a key file created once (mode 0600) in
the data directory. Losing the master key makes stored numbers unreadable: back it up with the database.
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from civicgrid.core.keyfiles import read_or_create
from civicgrid.core.refusal import Refusal

__all__ = [
    "IdNumber",
    "IdNumberError",
    "decrypt",
    "encrypt",
    "encrypter",
    "lookup_hash",
    "lookup_hasher",
    "mask",
    "normalise",
    "parse",
]

MALE = "male"
FEMALE = "female"
SEX_LABELS = {MALE: "男", FEMALE: "女"}

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


class IdNumberError(Refusal):
    """An ID number that is not a valid 18-digit resident ID number."""


@dataclass(frozen=True)
class IdNumber:
    number: str
    birth_date: date
    sex: str  # MALE or FEMALE

    @property
    def sex_label(self) -> str:
        return SEX_LABELS[self.sex]

    def __repr__(self):  # never print the number in logs or tracebacks
        return f"IdNumber({mask(self.number)})"


def normalise(raw) -> str:
    """Upper-case, no spaces, full-width digits and Ｘ folded to ASCII."""
    text = str(raw or "").strip().replace(" ", "").replace("\u3000", "")
    text = text.translate({0xFF10 + i: 0x30 + i for i in range(10)} | {0xFF38: "X", 0xFF58: "X"})
    return text.upper()


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def parse(raw, *, today: date | None = None) -> IdNumber:
    """The number with its birth date and sex; IdNumberError (Chinese message) when it is not valid."""
    number = normalise(raw)
    if not number:
        raise IdNumberError("身份证号不能为空")
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise IdNumberError("身份证号应为 18 位：前 17 位数字，最后一位为数字或 X")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdNumberError("身份证号中的出生日期不是有效日期") from None
    if birth.year < 1900 or birth > (today or date.today()):
        raise IdNumberError("身份证号中的出生日期不在有效范围内")
    if check_digit(number[:17]) != number[17]:
        raise IdNumberError("身份证号校验位不正确，请核对")
    return IdNumber(number=number, birth_date=birth, sex=MALE if int(number[16]) % 2 else FEMALE)


def mask(number: str) -> str:
    """「4601**********123X」: the first four and last four characters."""
    number = normalise(number)
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def _master_key() -> bytes:
    configured = getattr(settings, "CIVICGRID_ID_KEY", "") or ""
    if configured:
        return configured.encode()
    return _key_file(Path(settings.DATA_DIR) / "id_key")


@lru_cache(maxsize=4)
def _key_file(path: Path) -> bytes:
    return read_or_create(path, 48).encode()


@lru_cache(maxsize=4)
def _keys(master: bytes) -> tuple[Fernet, bytes]:
    def derive(info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"civicgrid-id", info=info).derive(master)

    fernet = Fernet(base64.urlsafe_b64encode(derive(b"civicgrid id number encryption v1")))
    return fernet, derive(b"civicgrid id number lookup v1")


def _fernet() -> Fernet:
    return _keys(_master_key())[0]


def encrypt(number: str) -> str:
    """A token to store (different each time); `decrypt` gives the number back."""
    return _fernet().encrypt(normalise(number).encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise IdNumberError("身份证号无法解密：密钥与加密时不一致") from None


def lookup_hash(number: str) -> str:
    """The same 64 hex characters for the same number under the same key: unique lookup and re-import matching."""
    return hmac.new(_keys(_master_key())[1], normalise(number).encode(), hashlib.sha256).hexdigest()


def lookup_hasher():
    """`lookup_hash` for many numbers at once (an import): the key found once; takes a normalised number."""
    key = _keys(_master_key())[1]
    return lambda number: hmac.new(key, number.encode(), hashlib.sha256).hexdigest()


def encrypter():
    """`encrypt` for many numbers at once (an import): the key found once; takes a normalised number."""
    fernet = _fernet()
    return lambda number: fernet.encrypt(number.encode()).decode()
