"""Thai national ID numbers: validated by python-stdnum, never shown in full by default."""

from stdnum.exceptions import ValidationError as StdnumError
from stdnum.th import pin


def clean_national_id(value):
    """Return the 13 digits of a valid ID, or raise stdnum's error (InvalidChecksum, InvalidLength…)."""
    return pin.validate(value)


def is_valid_national_id(value):
    try:
        clean_national_id(value)
    except StdnumError:
        return False
    return True


def mask_national_id(value):
    """x-xxxx-xxxxx-12-3: the last three digits let a person recognise their own number."""
    if not value:
        return ""
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) != 13:
        return "x" * len(digits)
    return f"x-xxxx-xxxxx-{digits[10:12]}-{digits[12]}"
