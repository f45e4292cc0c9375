"""Telephone numbers as residents type them: one rule for the portal and the console.

Accepted: a mainland mobile (11 digits, 1[3-9]…), a mainland landline with its area code (0898-66123456),
or a number abroad with its country or region code (+852, +853, +886, …): Hainan receives many visitors.
Stored as digits, an international number with a leading +, so the last four digits stay the digits'.
"""

import re

from django.core.exceptions import ValidationError

_SEPARATORS = re.compile(r"[\s\-()（）.·]")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# 010 and 02x have two-digit codes after the 0; every other area code has three (0898 Hainan).
_LANDLINE = re.compile(r"^(0(?:10|2\d)\d{8}|0[3-9]\d{2}\d{7,8})$")
# Local lengths of the nearby places whose visitors call most; other codes get E.164's general bounds.
_LOCAL_LENGTHS = {"852": (8, 8), "853": (8, 8), "886": (8, 9)}
_COUNTRY = re.compile(r"^(852|853|886|[1-9]\d{0,2})(\d+)$")

HINT = "手机号码为 11 位；固定电话请带区号，如 0898-66123456；境外号码请带国家或地区代码，如 +852 91234567"
INVALID = f"请填写正确的手机号码或电话号码（{HINT}）"


def clean_phone(raw: str) -> str:
    """The number in stored form, or a ValidationError with a Chinese message saying what is expected."""
    text = _SEPARATORS.sub("", (raw or "").strip())
    if text.startswith("00"):
        text = "+" + text[2:]
    international = text.startswith("+")
    digits = text[1:] if international else text
    if not digits.isdigit():
        raise ValidationError(INVALID, code="invalid")
    if digits.startswith("86") and (international or _MOBILE.match(digits[2:])):
        international, digits = False, digits[2:]
    if not international:
        if _MOBILE.match(digits) or _LANDLINE.match(digits):
            return digits
        if len(digits) in (7, 8) and not digits.startswith("1"):  # a short number from 1 is a mobile typo
            raise ValidationError(f"固定电话请加上区号（{HINT}）", code="no_area_code")
        raise ValidationError(INVALID, code="invalid")
    return "+" + _international(digits)


def _international(digits: str) -> str:
    if not 8 <= len(digits) <= 15:
        raise ValidationError(INVALID, code="invalid")
    for code, (shortest, longest) in _LOCAL_LENGTHS.items():
        if digits.startswith(code):
            local = digits[len(code) :].removeprefix("0") if code == "886" else digits[len(code) :]
            if not shortest <= len(local) <= longest:
                raise ValidationError(INVALID, code="invalid")
            return code + local
    if not _COUNTRY.match(digits):
        raise ValidationError(INVALID, code="invalid")
    return digits
