"""How personal data is shown to those who may not see it whole: one rule for every app."""


def mask_phone(phone: str) -> str:
    """138****8000: enough to recognise a number in a list, not to call it."""
    digits = (phone or "").strip()
    if len(digits) > 7:  # a short landline keeps no more than 7 characters visible: never the whole number
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return "*" * len(digits)


def mask_person_name(name: str) -> str:
    """张*三 for three characters, 张* for two, 欧**华 for four: the first and last characters kept."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*" if name else ""
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
