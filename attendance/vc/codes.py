"""The registration code a person types into their name in the meeting: "P", the registration's number and
a Damm check digit (P104273). The check digit catches a mistyped or swapped digit; the code is looked up
among the session's own registrations only. It proves nothing on its own (anyone can type any name in a
meeting): it tells which registration a name means, and staff review the rest."""

import re

from stdnum import damm

PREFIX = "P"
# "P104273", also written "p104273", "P-104273" or "P 104273"; not inside a longer word or number.
CODE_RE = re.compile(r"(?<![A-Za-z0-9])[Pp][\s\-]?(\d{2,12})(?![0-9])")


def join_code(registration_pk):
    number = str(int(registration_pk))
    return f"{PREFIX}{number}{damm.calc_check_digit(number)}"


def find_codes(text):
    """The registration numbers of the valid codes in `text` (Latin digits: names.normalise first), in order.
    A number whose check digit is wrong is left out."""
    found = []
    for match in CODE_RE.finditer(text):
        digits = match.group(1)
        if damm.is_valid(digits):
            found.append(int(digits[:-1]))
    return found


def strip_codes(text):
    return CODE_RE.sub(" ", text)
