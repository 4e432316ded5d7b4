"""Thai mobile numbers, normalised to the ten digits people dial at home (0XXXXXXXXX)."""

import re

from django.utils.translation import gettext_lazy as _

# Thai mobile numbers start 06, 08 or 09 and have ten digits.
MOBILE_RE = re.compile(r"^0[689]\d{8}$")
INVALID_PHONE_MESSAGE = _("Enter a Thai mobile number of 10 digits, such as 081-234-5678 or +66 81 234 5678.")


def normalise_phone(value):
    """Return 0XXXXXXXXX for a Thai mobile number written with +66/66, dashes, dots or spaces; None if it is not one.

    A number typed into Excel often loses its leading zero (812345678), so nine digits starting 6, 8 or 9 count too.
    """
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if not text:
        return None
    if re.search(r"[^\d\s\-.+()]", text):
        return None
    digits = re.sub(r"\D", "", text)
    if text.startswith("+") and not digits.startswith("66"):
        return None
    if digits.startswith("66") and len(digits) == 11:
        digits = "0" + digits[2:]
    elif len(digits) == 9 and digits[0] in "689":
        digits = "0" + digits
    return digits if MOBILE_RE.match(digits) else None
